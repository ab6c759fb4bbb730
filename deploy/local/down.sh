#!/usr/bin/env bash
# Stops what deploy/local/up.sh started: every service with a pid file in .hromada/run
# (SIGTERM, up to 15 s, then SIGKILL), the SMTP sink, then RabbitMQ and PostgreSQL.
# Servers this checkout did not start (reused from elsewhere) are left running unless --all.
# Safe when nothing runs.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

all=0
[[ "${1:-}" == "--all" ]] && all=1

# Services first (the console and the four services), so they drain while the servers are up.
shopt -s nullglob
for file in "$RUN_DIR"/*.pid; do
    name="$(basename "$file" .pid)"
    [[ "$name" == smtp-sink ]] && continue
    stop_pidfile "$file" "$name" 15
done
stop_smtp_sink

if ((all)); then
    bash "$ROOT/deploy/local/infra.sh" stop
else
    bash "$ROOT/deploy/local/infra.sh" stop-own
fi
log "down"
