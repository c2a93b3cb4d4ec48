#!/usr/bin/env bash
set -euo pipefail

kubectl patch deployment cart -n shop --type strategic --patch-file patch-cart-memory.yaml
kubectl rollout status deployment/cart -n shop --timeout=5m
