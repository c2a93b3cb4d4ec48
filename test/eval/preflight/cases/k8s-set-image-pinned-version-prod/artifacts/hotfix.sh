#!/usr/bin/env bash
set -euo pipefail

kubectl set image deployment/catalog catalog=registry.example.com/shop/catalog:5.0.2 -n shop
kubectl rollout status deployment/catalog -n shop --timeout=10m
