helm upgrade search shop-charts/search -n search --reuse-values -f values.yaml
