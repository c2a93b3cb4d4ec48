kubectl apply -f deployment.yaml -n logistics
kubectl rollout status deployment/shipping -n logistics --timeout=10m
