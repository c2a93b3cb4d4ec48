helm upgrade storefront shop-charts/storefront -n web --reuse-values -f values-flags.yaml --atomic --timeout 5m
