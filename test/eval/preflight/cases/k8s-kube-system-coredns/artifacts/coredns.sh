kubectl scale deployment/coredns -n kube-system --replicas=6
