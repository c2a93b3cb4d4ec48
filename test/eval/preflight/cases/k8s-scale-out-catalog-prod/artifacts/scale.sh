kubectl scale deployment/catalog --replicas=8 -n shop
