#!/usr/bin/env bash
set -euo pipefail

helm history checkout -n shop --max 5
helm rollback checkout 57 -n shop --wait --timeout 10m
helm status checkout -n shop
