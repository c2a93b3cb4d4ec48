#!/usr/bin/env bash
# Installs the workspace's dependencies with the toolchain of scripts/toolchain.sh.
# Native modules (better-sqlite3) build from source against that Node's headers, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
if [ -n "${CI:-}" ]; then
  yarn install --immutable
else
  yarn install
fi
node scripts/check-backstage-versions.mjs
