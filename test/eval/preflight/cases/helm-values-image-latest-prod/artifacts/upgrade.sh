helm upgrade cart shop-charts/cart -n shop --reuse-values -f values.yaml
