#!/usr/bin/env bash
set -euo pipefail

helm diff upgrade orders shop-charts/orders --version 2.9.1 -n orders --reuse-values -f values-hotfix.yaml
helm upgrade orders shop-charts/orders --version 2.9.1 -n orders --reuse-values -f values-hotfix.yaml --atomic --wait --timeout 10m
helm test orders -n orders --timeout 5m
