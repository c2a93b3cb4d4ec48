#!/usr/bin/env bash
set -euo pipefail

kubectl rollout restart deployment/checkout -n shop
kubectl rollout status deployment/checkout -n shop --timeout=10m
