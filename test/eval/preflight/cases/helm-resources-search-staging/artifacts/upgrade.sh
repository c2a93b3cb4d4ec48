helm upgrade search shop-charts/search -n search -f values-staging.yaml --reuse-values --wait
