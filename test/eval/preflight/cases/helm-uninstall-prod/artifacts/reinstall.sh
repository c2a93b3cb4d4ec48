#!/usr/bin/env bash
set -euo pipefail

helm uninstall payments -n payments --wait
helm install payments shop-charts/payments -n payments --version 3.14.0 --wait
