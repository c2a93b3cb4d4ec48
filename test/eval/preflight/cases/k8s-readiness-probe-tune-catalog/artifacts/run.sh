kubectl apply --server-side --force-conflicts=false -f probe.yaml
