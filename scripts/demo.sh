#!/usr/bin/env bash
# Command (a): install everything and start the portal with the demo on embedded defaults
# (SQLite in memory, in-process bus, the signal simulator streaming a shop system).
#   bash scripts/demo.sh            install if needed, then start frontend (:3000) and backend (:7007)
#   bash scripts/demo.sh --no-install
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh

if [ "${1:-}" != "--no-install" ]; then
  bash scripts/install.sh
fi

APP_URL="${APP_URL:-http://localhost:3000}"
BACKEND_URL="${BACKEND_URL:-http://localhost:7007}"

banner() {
  cat <<MSG

  ================================================================
   DevOps Copilot demo is up
     Portal:   $APP_URL
     Sign in:  click "Enter" on the Guest card (no account needed)
     Copilot:  $APP_URL/copilot  (all incidents)
     Entity:   $APP_URL/catalog/default/component/payments-service/incidents
   The simulator injects a bad deploy of payments-service about half a
   minute after start; the incident shows within two minutes.
   Stop with Ctrl+C.
  ================================================================

MSG
}

# Print the banner once the backend answers, without blocking the start.
(
  for _ in $(seq 1 600); do
    if node -e "fetch('$BACKEND_URL/api/copilot/v1/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))" 2>/dev/null; then
      banner
      exit 0
    fi
    sleep 2
  done
) &

exec yarn start "$@"
