#!/usr/bin/env bash
# Command (b): install everything and run every test suite:
#   type check, lint, unit + integration tests (jest, every package; store tests on SQLite AND PostgreSQL),
#   and the Playwright end-to-end test against the demo started as `scripts/demo.sh` starts it.
# Ends with one line "Tests: N passed, N failed". Exit code 0 only when everything passed.
#   bash scripts/test.sh [--no-install] [--skip-e2e]
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

NO_INSTALL=0
SKIP_E2E=0
for a in "$@"; do
  case "$a" in
    --no-install) NO_INSTALL=1 ;;
    --skip-e2e) SKIP_E2E=1 ;;
    *) echo "unknown option $a (use --no-install, --skip-e2e)" >&2; exit 2 ;;
  esac
done

export CI="${CI:-true}"
export BACKSTAGE_TEST_DISABLE_DOCKER=1
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-postgresql://postgres@127.0.0.1:5432}"
export COPILOT_TEST_NATS_URL="${COPILOT_TEST_NATS_URL:-nats://127.0.0.1:4222}"
export NODE_OPTIONS="${NODE_OPTIONS:---max-old-space-size=6144}"

out="$(pwd)/test-results"
rm -rf "$out" && mkdir -p "$out"
failed_stages=()
stage() { echo; echo "=== $* ==="; }

if [ "$NO_INSTALL" = 0 ]; then
  stage install
  bash scripts/install.sh || { echo "install failed"; echo "Tests: 0 passed, 1 failed"; exit 1; }
fi
stage services
bash scripts/services.sh

stage "type check (yarn tsc)"
yarn tsc || failed_stages+=(tsc)

stage "lint (yarn lint:all)"
yarn lint:all || failed_stages+=(lint)

stage "unit and integration tests (jest, SQLite + PostgreSQL)"
yarn backstage-cli repo test --ci --json --outputFile="$out/jest.json" || failed_stages+=(jest)

stage "eval harness self-tests (test/eval)"
yarn eval:rca:selftest || failed_stages+=(eval-selftest)

if [ "$SKIP_E2E" = 0 ]; then
  stage "end-to-end (Playwright, Debian chromium, the demo as scripts/demo.sh starts it)"
  yarn playwright test --config e2e/playwright.config.ts || failed_stages+=(e2e)
fi

node scripts/test-summary.mjs "$out" "${failed_stages[@]+"${failed_stages[@]}"}"
