helm upgrade orders shop-charts/orders -n payments --reuse-values -f values.yaml
