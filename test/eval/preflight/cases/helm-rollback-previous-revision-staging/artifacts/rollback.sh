#!/usr/bin/env bash
set -euo pipefail

helm history search -n search --max 3
helm rollback search -n search --wait --timeout 5m --cleanup-on-fail
