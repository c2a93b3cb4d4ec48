#!/usr/bin/env bash
set -euo pipefail

helm upgrade inventory shop-charts/inventory --namespace inventory --reuse-values \
  --set resources.limits.cpu=1 --set resources.requests.cpu=750m \
  --atomic --wait --timeout 10m
