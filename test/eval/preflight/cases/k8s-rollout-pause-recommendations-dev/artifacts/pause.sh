kubectl rollout pause deployment/recommendations -n recs-dev
kubectl rollout status deployment/recommendations -n recs-dev --timeout=30s
