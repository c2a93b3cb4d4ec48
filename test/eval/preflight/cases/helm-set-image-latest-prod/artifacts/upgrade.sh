helm upgrade pricing shop-charts/pricing -n pricing --reuse-values --set image.tag=latest --wait
