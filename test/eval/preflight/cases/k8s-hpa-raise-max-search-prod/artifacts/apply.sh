kubectl apply -f hpa.yaml -n search
