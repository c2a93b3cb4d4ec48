#!/usr/bin/env bash
# Makes sure the local services the test suites use are up: PostgreSQL 15 (store and migration tests run on
# SQLite AND PostgreSQL), NATS JetStream (bus tests) and Debian's Chromium (Playwright e2e).
# Starts what is installed but stopped; installs Chromium from apt when missing and we are root.
set -uo pipefail

log() { echo "[services] $*" >&2; }

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
nats_up() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
fi
if pg_up; then log "PostgreSQL is up on 127.0.0.1:5432"; else log "PostgreSQL is NOT reachable on 127.0.0.1:5432"; fi

if ! nats_up; then
  if [ -x /usr/sbin/nats-server ]; then
    log "starting NATS with JetStream"
    mkdir -p /var/lib/nats-server
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
    for _ in $(seq 1 20); do nats_up && break; sleep 0.5; done
  fi
fi
if nats_up; then log "NATS is up on 127.0.0.1:4222"; else log "NATS is NOT reachable on 127.0.0.1:4222"; fi

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's chromium for the Playwright e2e test"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || log "chromium install failed"
  fi
fi
if [ -x /usr/bin/chromium ]; then log "chromium: $(/usr/bin/chromium --version 2>/dev/null)"; else log "chromium is missing (/usr/bin/chromium)"; fi
