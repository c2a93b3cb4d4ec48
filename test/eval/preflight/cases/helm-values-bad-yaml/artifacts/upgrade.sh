helm upgrade checkout shop-charts/checkout -n shop-staging --reuse-values -f values.yaml
