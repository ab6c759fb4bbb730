#!/usr/bin/env bash
# Stops everything deploy/cluster/up.sh started (data stays in .hromada/cluster/; --purge deletes it).
set -uo pipefail
# shellcheck source=deploy/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
stop_pidfile "$C_RUN/haproxy.pid" haproxy 10
for f in "$C_RUN"/hromadactl-*.pid "$C_RUN"/hromada-*.pid "$C_RUN/smtp-sink.pid"; do
    [[ -e "$f" ]] && stop_pidfile "$f" "$(basename "$f" .pid)" 20
done
for name in node2 node1 monitor; do
    if pid_alive "$C_RUN/pg-$name.pid"; then
        data="$C_PG/$name"
        pg_as "$PG_AUTOCTL" stop --pgdata "$data" >/dev/null 2>&1 || true
        stop_pidfile "$C_RUN/pg-$name.pid" "pg_autoctl $name" 30
    fi
    [[ -s "$C_PG/$name/postmaster.pid" ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$C_PG/$name" -m fast -w stop >/dev/null 2>&1
done
for n in 3 2 1; do
    # Only a running node: rabbitmqctl without the cluster's cookie folder crashes (erl_crash.dump).
    pid_alive "$CLUSTER/rabbit$n/rabbit.pid" || continue
    ctl "$n" stop >/dev/null 2>&1 || true
    stop_pidfile "$CLUSTER/rabbit$n/rabbit.pid" "rabbit$n" 30
done
if [[ "${1:-}" == --purge ]]; then rm -rf "$CLUSTER" "$C_PG"; log "cluster state deleted"; fi
log "cluster stopped"
