kubectl scale deployment catalog --replicas=0 -n shop
