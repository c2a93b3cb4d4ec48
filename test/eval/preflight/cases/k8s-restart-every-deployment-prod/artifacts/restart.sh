kubectl rollout restart deployment -n shop
