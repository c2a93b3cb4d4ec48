kubectl rollout restart deployment/checkout -n shop
