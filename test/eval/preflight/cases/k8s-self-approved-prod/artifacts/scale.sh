kubectl scale deployment/payments -n payments --replicas=8
