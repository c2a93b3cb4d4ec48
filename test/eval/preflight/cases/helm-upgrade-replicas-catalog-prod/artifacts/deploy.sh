#!/usr/bin/env bash
set -euo pipefail

helm upgrade catalog shop-charts/catalog --version 5.0.1 -n shop --reuse-values -f values-override.yaml --atomic --wait --timeout 10m
