#!/usr/bin/env bash
set -euo pipefail

kubectl delete deployment cart -n shop
kubectl apply -f cart.yaml -n shop
