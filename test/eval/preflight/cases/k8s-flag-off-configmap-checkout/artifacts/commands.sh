#!/usr/bin/env bash
set -euo pipefail

kubectl apply -f flags-patch.yaml -n shop --server-side --field-manager=copilot
kubectl rollout restart deployment/checkout -n shop
kubectl rollout status deployment/checkout -n shop --timeout=10m
