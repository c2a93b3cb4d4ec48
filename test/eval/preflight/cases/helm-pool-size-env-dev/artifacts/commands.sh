helm upgrade orders oci://registry.example.com/charts/orders -n orders-dev --reuse-values --values values.yaml
