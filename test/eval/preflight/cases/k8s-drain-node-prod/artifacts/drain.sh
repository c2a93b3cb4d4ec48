kubectl cordon ip-10-0-3-17.eu-west-1.compute.internal
kubectl drain ip-10-0-3-17.eu-west-1.compute.internal --ignore-daemonsets --delete-emptydir-data --timeout=10m
