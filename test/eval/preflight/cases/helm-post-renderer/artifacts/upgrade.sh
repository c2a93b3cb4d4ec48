helm upgrade catalog shop-charts/catalog -n shop-staging --reuse-values --post-renderer ./kustomize-wrapper.sh
