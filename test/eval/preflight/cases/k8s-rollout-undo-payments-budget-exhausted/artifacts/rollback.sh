#!/usr/bin/env bash
set -euo pipefail

# revert 3.14.0 -> 3.13.2 (revision 41)
kubectl rollout undo deployment/payments -n payments --to-revision=41
kubectl rollout status deployment/payments -n payments --timeout=10m
