#!/usr/bin/env bash
# Stops what deploy/local/up.sh started: every service with a pid file in .hromada/run
# (SIGTERM, up to 15 s, then SIGKILL), the SMTP sink, Kannel, then RabbitMQ and PostgreSQL.
# Servers this checkout did not start (reused from elsewhere) are left running unless --all.
# Safe when nothing runs.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

all=0
[[ "${1:-}" == "--all" ]] && all=1

# Services first (the console and the four services), so they drain while the servers are up.
shopt -s nullglob
# A pid file may name a shell whose child is the program (the SMTP sink's, started through
# lib.sh's without_inherited_fds, and services started by an older up.sh): stop its children
# first, then the pid itself.
stop_children() {
    local pid child
    [[ -s "$1" ]] || return 0
    pid="$(head -n1 "$1" | tr -dc 0-9)"
    [[ -n "$pid" ]] || return 0
    for child in $(pgrep -P "$pid" 2>/dev/null || true); do
        printf '%s\n' "$child" >"$1.child"
        stop_pidfile "$1.child" "$2 (child of $pid)" "$3"
    done
}
for file in "$RUN_DIR"/*.pid; do
    name="$(basename "$file" .pid)"
    [[ "$name" == smtp-sink || "$name" == kannel-* ]] && continue
    stop_children "$file" "$name" 15
    stop_pidfile "$file" "$name" 15
done
stop_children "$SMTP_SINK_PID" smtp-sink 15
stop_smtp_sink
stop_kannel

if ((all)); then
    bash "$ROOT/deploy/local/infra.sh" stop
else
    bash "$ROOT/deploy/local/infra.sh" stop-own
fi
log "down"
