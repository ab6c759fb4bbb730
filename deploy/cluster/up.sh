#!/usr/bin/env bash
# A Hromada cluster on this machine, every part a real process on loopback (state in
# .hromada/cluster/): a 3-node RabbitMQ cluster (quorum queues on all nodes), PostgreSQL under
# pg_auto_failover (monitor + primary + synchronous secondary), two replicas of every service and
# of the console behind haproxy on the public ports. Re-running starts only what is not running.
# deploy/cluster/down.sh stops it all. Ports: see deploy/cluster/lib.sh.
#
# Uses the debug build (`swift build`) unless HROMADA_CLUSTER_RELEASE=1.
set -euo pipefail
# shellcheck source=deploy/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

# ------------------------------------------------------------------------------- packages
bash "$ROOT/deploy/local/infra.sh" install
missing=()
for p in haproxy postgresql-15-auto-failover pg-auto-failover-cli; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" == installed ]] || missing+=("$p")
done
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >"$C_LOG/apt.log" 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >"$C_LOG/apt.log" 2>&1; } \
        || { tail -20 "$C_LOG/apt.log" >&2; die "apt-get install ${missing[*]} failed"; }
fi

# ------------------------------------------------------------------------------- RabbitMQ
mkdir -p "$CLUSTER/erlang"
if [[ ! -s "$CLUSTER/erlang/.erlang.cookie" ]]; then
    (umask 077 && openssl rand -hex 20 | tr -d '\n' >"$CLUSTER/erlang/.erlang.cookie")
fi
chmod 0400 "$CLUSTER/erlang/.erlang.cookie"

rabbit_write_node_conf() { # N
    local dir="$CLUSTER/rabbit$1"
    mkdir -p "$dir/mnesia" "$C_LOG/rabbit$1"
    cat >"$dir/rabbitmq.conf" <<CONF
# Written by deploy/cluster/up.sh.
listeners.tcp.default = 127.0.0.1:$(rabbit_port "$1")
management.tcp.port = $(rabbit_mgmt_port "$1")
management.tcp.ip = 127.0.0.1
loopback_users.guest = true
loopback_users.$RABBIT_ADMIN = true
loopback_users.$RABBIT_REPLAY = true
cluster_partition_handling = pause_minority
CONF
    printf '[rabbitmq_management].\n' >"$dir/enabled_plugins"
}
rabbit_node_up() { ctl "$1" await_startup --timeout 5 >/dev/null 2>&1 && port_open "$(rabbit_port "$1")"; }
rabbit_start_node() { # N
    local n=$1
    if rabbit_node_up "$n"; then return 0; fi
    rabbit_write_node_conf "$n"
    log "starting RabbitMQ node $(rabbit_nodename "$n") on 127.0.0.1:$(rabbit_port "$n") (management $(rabbit_mgmt_port "$n"))"
    # shellcheck disable=SC2046
    (cd "$C_LOG" && without_inherited_fds env $(node_env "$n") rabbitmq-server -detached >>"$C_LOG/rabbit$n-startup.log" 2>&1)
    local deadline=$((SECONDS + 120))
    until rabbit_node_up "$n"; do
        ((SECONDS < deadline)) || { tail -30 "$C_LOG/rabbit$n"/*.log >&2 || true; die "RabbitMQ node $n did not start"; }
        sleep 0.5
    done
}
for n in "${RABBIT_NODES[@]}"; do rabbit_start_node "$n"; done
# Nodes 2 and 3 join node 1 (once; a restarted node rejoins by itself).
for n in 2 3; do
    if ! ctl 1 cluster_status --formatter json 2>/dev/null | grep -q "\"$(rabbit_nodename "$n")\""; then
        log "joining $(rabbit_nodename "$n") to $(rabbit_nodename 1)"
        ctl "$n" stop_app >/dev/null
        ctl "$n" join_cluster "$(rabbit_nodename 1)" >/dev/null
        ctl "$n" start_app >/dev/null
    fi
done

# Users and rights: exactly those of deploy/local (lib.sh's tables), through rabbitmqctl.
# rabbitmqctl starts an Erlang VM per call (slow on a loaded machine): once per cluster, unless a
# secret changed since (the marker is older than a secret file).
USERS_DONE="$CLUSTER/rabbit1/users.done"
mapfile -t ALL_USERS < <(rabbit_all_users)
if [[ -e "$USERS_DONE" && -z "$(find "$SECRETS_DIR/rabbitmq" -newer "$USERS_DONE" -type f)" ]]; then ALL_USERS=(); fi
for user in "${ALL_USERS[@]}"; do
    password="$(secret_ensure rabbitmq "$user")"
    if ! printf '%s\n' "$password" | ctl 1 add_user "$user" >/dev/null 2>&1; then
        printf '%s\n' "$password" | ctl 1 change_password "$user" >/dev/null
    fi
    ctl 1 set_user_tags "$user" $(user_tags "$user") >/dev/null
    IFS=$'\t' read -r configure write read <<<"$(user_permissions "$user")"
    ctl 1 set_permissions -p / "$user" "$configure" "$write" "$read" >/dev/null
done
for service in "${RABBIT_SERVICES[@]}"; do
    ((${#ALL_USERS[@]})) || break
    ctl 1 set_topic_permissions -p / "hromada-$service" hromada.events "$(topic_write_pattern "$service")" '.*' >/dev/null
done
for user in "$RABBIT_OBSERVER" "$RABBIT_MONITOR" "$RABBIT_REPLAY"; do
    ((${#ALL_USERS[@]})) || break
    ctl 1 set_topic_permissions -p / "$user" hromada.events '^$' '.*' >/dev/null
done
if ((${#ALL_USERS[@]})); then
    ctl 1 delete_user guest >/dev/null 2>&1 || true
    touch "$USERS_DONE"
fi

# c_api METHOD PATH [JSON]: node 1's management API as the administrator.
c_api() {
    {
        printf 'user = "%s:%s"\n' "$RABBIT_ADMIN" "$(secret_read rabbitmq "$RABBIT_ADMIN")"
        [[ -n "${3:-}" ]] && printf 'header = "content-type: application/json"\n'
    } | curl -fsS -m 15 -K - -X "$1" ${3:+--data-binary "$3"} "http://127.0.0.1:$(rabbit_mgmt_port 1)$2"
}
c_api PUT /api/exchanges/%2F/hromada.events '{"type":"topic","durable":true}' >/dev/null
c_api PUT /api/exchanges/%2F/hromada.dlx '{"type":"direct","durable":true}' >/dev/null

# ------------------------------------------------------------------- PostgreSQL, pg_auto_failover
mkdir -p "$PG_SOCKETS" "$C_PG/xdg/config" "$C_PG/xdg/data" "$C_PG/xdg/run"
chown -R postgres:postgres "$C_PG" "$PG_SOCKETS"
chmod 700 "$C_PG/xdg/run"
MONITOR_URI="postgres://autoctl_node@127.0.0.1:$PG_MONITOR_PORT/pg_auto_failover?sslmode=disable"

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2; }

if [[ ! -s "$C_PG/monitor/PG_VERSION" ]]; then
    log "pg_auto_failover: creating the monitor on 127.0.0.1:$PG_MONITOR_PORT"
    pg_as "$PG_AUTOCTL" create monitor --pgdata "$C_PG/monitor" --pgport "$PG_MONITOR_PORT" \
        --hostname 127.0.0.1 --listen 127.0.0.1 --auth trust --no-ssl >>"$C_LOG/pg-create.log" 2>&1 \
        || { tail -30 "$C_LOG/pg-create.log" >&2; die "pg_autoctl create monitor failed"; }
fi
pg_start_keeper monitor "$C_PG/monitor"
deadline=$((SECONDS + 60))
until pg_ready "$PG_MONITOR_PORT"; do ((SECONDS < deadline)) || die "the monitor did not start; see $C_LOG/pg-monitor.log"; sleep 0.3; done
# Detect a lost node within a few seconds (defaults: 20 s unhealthy, 30 s demote).
runuser -u postgres -- "$PG_BIN/psql" -X -q -h "$PG_SOCKETS" -p "$PG_MONITOR_PORT" -d postgres >/dev/null \
    <"$ROOT/deploy/local/sql/pg-auto-failover-health.sql"

for n in "${PG_NODES[@]}"; do
    data="$C_PG/node$n"
    if [[ ! -s "$data/PG_VERSION" ]]; then
        log "pg_auto_failover: creating PostgreSQL node$n on 127.0.0.1:$(pg_node_port "$n")"
        pg_as "$PG_AUTOCTL" create postgres --pgdata "$data" --pgport "$(pg_node_port "$n")" \
            --hostname 127.0.0.1 --listen 127.0.0.1 --name "node$n" --monitor "$MONITOR_URI" --auth trust --no-ssl \
            --pg-hba-lan >>"$C_LOG/pg-create.log" 2>&1 \
            || { tail -30 "$C_LOG/pg-create.log" >&2; die "pg_autoctl create postgres node$n failed"; }
        # Only pg_auto_failover's own users stay trusted; everyone else needs a password.
        {
            printf 'host all pgautofailover_replicator 127.0.0.1/32 trust\n'
            printf 'host replication pgautofailover_replicator 127.0.0.1/32 trust\n'
            printf 'host pg_auto_failover autoctl_node 127.0.0.1/32 trust\n'
            sed -E 's/^(host\s+all\s+all\s+\S+\s+)trust/\1scram-sha-256/' "$data/pg_hba.conf"
        } >"$data/pg_hba.conf.new"
        grep -q pgautofailover_replicator "$data/pg_hba.conf" && grep -c . "$data/pg_hba.conf" >/dev/null
        mv -f "$data/pg_hba.conf.new" "$data/pg_hba.conf"
        chown postgres:postgres "$data/pg_hba.conf"
        cat >>"$data/postgresql.conf" <<CONF
# Hromada (deploy/cluster/up.sh)
listen_addresses = '127.0.0.1'
max_connections = 300
password_encryption = 'scram-sha-256'
# A killed primary rejoins with pg_rewind (needs wal_log_hints) instead of a full pg_basebackup,
# and a base backup does not wait for a spread checkpoint.
wal_log_hints = on
checkpoint_timeout = 60s
CONF
    fi
    pg_start_keeper "node$n" "$data"
    deadline=$((SECONDS + 120))
    until pg_ready "$(pg_node_port "$n")"; do
        ((SECONDS < deadline)) || { tail -30 "$C_LOG/pg-node$n.log" >&2; die "node$n did not start"; }
        sleep 0.5
    done
done
# Wait for primary + secondary.
deadline=$((SECONDS + 180))
until [[ "$(pg_as "$PG_AUTOCTL" show state --pgdata "$C_PG/monitor" 2>/dev/null | grep -cE '\| +(primary|secondary) +\| +(primary|secondary)')" == 2 ]]; do
    ((SECONDS < deadline)) || { pg_as "$PG_AUTOCTL" show state --pgdata "$C_PG/monitor" >&2 || true; die "no primary+secondary pair"; }
    sleep 1
done
log "pg_auto_failover: primary and secondary in sync"

# Roles, database, schemas: the same SQL as deploy/local, with the same generated passwords.
PG_SUPERPASS="$(secret_ensure postgres "$PG_SUPERUSER")"
primary_psql postgres -f "$ROOT/deploy/local/sql/roles.sql" >/dev/null
for service in "${PG_SERVICES[@]}"; do
    primary_psql postgres -c "ALTER ROLE hromada_$service PASSWORD '$(secret_ensure postgres "hromada_$service")'" >/dev/null
done
primary_psql postgres -c "ALTER ROLE postgres PASSWORD '$PG_SUPERPASS'" >/dev/null
if [[ "$(primary_psql postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")" != 1 ]]; then
    primary_psql postgres -c "CREATE DATABASE \"$PG_DATABASE\" ENCODING 'UTF8' TEMPLATE template0" >/dev/null
fi
primary_psql "$PG_DATABASE" -f "$ROOT/deploy/local/sql/bootstrap-database.sql" >/dev/null
# The audit log's owner role (docs/SECURITY.md): owns the audit schema and runs audit's migrations;
# the service role may only insert and read the log. The same SQL as deploy/local.
primary_psql "$PG_DATABASE" -f "$ROOT/deploy/local/sql/audit-owner.sql" \
    -c "ALTER ROLE hromada_audit_owner PASSWORD '$(secret_ensure postgres hromada_audit_owner)'" >/dev/null

# ------------------------------------------------------------------------------- services
if [[ "${HROMADA_CLUSTER_RELEASE:-0}" == 1 ]]; then CONFIG=release; else CONFIG=debug; fi
BIN="$ROOT/.build/$CONFIG"   # SwiftPM's own link to the products (--show-bin-path would wait for its lock)
if [[ ! -x "$BIN/hromada-intake" || "${HROMADA_CLUSTER_BUILD:-1}" == 1 ]]; then
    log "swift build -c $CONFIG (log: $C_LOG/build.log)"
    swift build -c "$CONFIG" </dev/null >"$C_LOG/build.log" 2>&1 || { tail -40 "$C_LOG/build.log" >&2; die "build failed"; }
fi

# The SMTP sink of the cluster (its own ports).
if ! pid_alive "$C_RUN/smtp-sink.pid"; then
    exec_without_inherited_fds python3 "$ROOT/deploy/local/smtp-sink.py" --smtp-port "$C_SMTP_PORT" \
        --http-port "$C_SMTP_HTTP_PORT" --dir "$CLUSTER/mail" </dev/null >>"$C_LOG/smtp-sink.log" 2>&1 &
    echo $! >"$C_RUN/smtp-sink.pid"
    wait_port_open "$C_SMTP_PORT" 15 || die "the SMTP sink did not start"
fi

CREDENTIALS="$CLUSTER/credentials.json"
if [[ ! -s "$CREDENTIALS" ]]; then
    (umask 077 && python3 - "$CREDENTIALS" <<'PY'
import json, secrets, sys
t = lambda: secrets.token_hex(24)
json.dump({"centreKey": t(), "adminToken": t(), "operatorToken": t(), "officials": [
    {"authority": "mayor-reception", "name": "Приймальня міського голови (демо)", "token": t()},
    {"authority": "zhkg", "name": "Департамент ЖКГ (демо)", "token": t()}]},
    open(sys.argv[1], "w"), ensure_ascii=False, indent=2)
PY
    )
fi
credential() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$CREDENTIALS" "$1"; }
export HROMADA_LOG_LEVEL="${HROMADA_LOG_LEVEL:-info}" HROMADA_HTTP_HOST=127.0.0.1
export HROMADA_ADMIN_TOKEN="$(credential adminToken)"

# start_replica NAME N PORT CMD...: one replica (pid in run/NAME-N.pid, log in log/NAME-N.log).
start_replica() {
    local name=$1 n=$2 port=$3
    shift 3
    pid_alive "$C_RUN/$name-$n.pid" && return 0
    port_open "$port" && die "port $port (for $name replica $n) is taken"
    exec_without_inherited_fds env HROMADA_HTTP_PORT="$port" "$@" </dev/null >>"$C_LOG/$name-$n.log" 2>&1 &
    echo $! >"$C_RUN/$name-$n.pid"
}
start_service_replica() { # SERVICE N
    local svc=$1 extra=()
    [[ "$svc" == notification ]] && extra+=("HROMADA_SMTP_URL=smtp://127.0.0.1:$C_SMTP_PORT")
    extra+=("HROMADA_SEALING_KEYS=$(sealing_keys)")  # issue 13: personal fields sealed on the bus
    # Issue 14: the librarian's pages link each other at the balancer's addresses (never from Host).
    [[ "$svc" == intake ]] && extra+=("HROMADA_NOTIFICATION_URL=http://127.0.0.1:${PUBLIC_PORT[notification]}")
    [[ "$svc" == notification ]] && extra+=("HROMADA_INTAKE_URL=http://127.0.0.1:${PUBLIC_PORT[intake]}")
    # Issue 15: the photo links' key, shared by intake (serves) and routing (signs) only.
    [[ "$svc" == intake || "$svc" == routing ]] && extra+=("HROMADA_PHOTO_LINK_KEY=$(photo_link_key)")
    # Both replicas of a web service behind haproxy's round robin: one session secret per service.
    [[ "$svc" != audit ]] && extra+=("HROMADA_SESSION_SECRET=$(session_secret "$svc")")
    [[ "$svc" == routing ]] && extra+=("HROMADA_INTAKE_URL=http://127.0.0.1:${PUBLIC_PORT[intake]}")
    [[ "$svc" == audit ]] && extra+=("HROMADA_AUDIT_MIGRATION_DATABASE_URL=$(cluster_database_url audit_owner)")
    start_replica "hromada-$svc" "$2" "$(replica_port "$svc" "$2")" HROMADA_DATABASE_URL="$(cluster_database_url "$svc")" \
        HROMADA_AMQP_URL="$(cluster_amqp_url "hromada-$svc")" "${extra[@]}" "$BIN/hromada-$svc"
}
for svc in "${SERVICES[@]}"; do for r in "${REPLICAS[@]}"; do start_service_replica "$svc" "$r"; done; done
deadline=$((SECONDS + 90))
for svc in "${SERVICES[@]}"; do for r in "${REPLICAS[@]}"; do
    until curl -fsS -m 2 "http://127.0.0.1:$(replica_port "$svc" "$r")/health/ready" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { tail -20 "$C_LOG/hromada-$svc-$r.log" >&2; die "hromada-$svc replica $r not ready"; }
        sleep 0.5
    done
done; done
log "all service replicas ready"

# ------------------------------------------------------------------------------- haproxy
{
    cat <<CFG
# Written by deploy/cluster/up.sh.
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout check 5s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch
    retry-on conn-failure empty-response response-timeout
CFG
    for svc in "${SERVICES[@]}" console; do
        printf '\nlisten %s\n    bind 127.0.0.1:%s\n    balance roundrobin\n' "$svc" "${PUBLIC_PORT[$svc]}"
        printf '    option httpchk GET /health/%s\n    default-server inter 2s fall 3 rise 2\n' "$([[ $svc == console ]] && echo live || echo ready)"
        for r in "${REPLICAS[@]}"; do printf '    server %s-%s 127.0.0.1:%s check\n' "$svc" "$r" "$(replica_port "$svc" "$r")"; done
    done
} >"$CLUSTER/haproxy.cfg"
if pid_alive "$C_RUN/haproxy.pid"; then
    haproxy -f "$CLUSTER/haproxy.cfg" -D -p "$C_RUN/haproxy.pid" -sf "$(cat "$C_RUN/haproxy.pid")"
else
    without_inherited_fds haproxy -f "$CLUSTER/haproxy.cfg" -D -p "$C_RUN/haproxy.pid"
fi
wait_port_open "${PUBLIC_PORT[intake]}" 10 || die "haproxy does not listen on ${PUBLIC_PORT[intake]}"

# Seed through the public (balanced) ports, then the console replicas.
HROMADA_INTAKE_URL="http://127.0.0.1:${PUBLIC_PORT[intake]}" HROMADA_ROUTING_URL="http://127.0.0.1:${PUBLIC_PORT[routing]}" \
    HROMADA_NOTIFICATION_URL="http://127.0.0.1:${PUBLIC_PORT[notification]}" HROMADA_AUDIT_URL="http://127.0.0.1:${PUBLIC_PORT[audit]}" \
    "$BIN/hromadactl" seed --credentials "$CREDENTIALS" </dev/null >>"$C_LOG/seed.log" 2>&1 \
    || log "WARNING: hromadactl seed failed; see $C_LOG/seed.log"
for r in "${REPLICAS[@]}"; do
    start_replica hromadactl "$r" "$(replica_port console "$r")" HROMADA_OPERATOR_TOKEN="$(credential operatorToken)" \
        HROMADA_SESSION_SECRET="$(session_secret console)" \
        HROMADA_RABBITMQ_API="http://$RABBIT_MONITOR:$(secret_read rabbitmq "$RABBIT_MONITOR")@127.0.0.1:$(rabbit_mgmt_port 1)" \
        HROMADA_AMQP_URL="$(cluster_amqp_url "$RABBIT_REPLAY")" \
        HROMADA_INTAKE_URL="http://127.0.0.1:${PUBLIC_PORT[intake]}" HROMADA_ROUTING_URL="http://127.0.0.1:${PUBLIC_PORT[routing]}" \
        HROMADA_NOTIFICATION_URL="http://127.0.0.1:${PUBLIC_PORT[notification]}" HROMADA_AUDIT_URL="http://127.0.0.1:${PUBLIC_PORT[audit]}" \
        "$BIN/hromadactl" console
done
log "seeded; consoles started"

# Every hromada.* quorum queue with a member on each node: grow onto a node only where a queue misses
# it (a queue declared while that node was down). A node that was killed and came back is still a
# member of its queues, so a restart of up.sh grows nothing; each rabbitmqctl call starts an Erlang VM,
# which is slow on a loaded machine.
missing_members() { # prints each node that some hromada.* quorum queue lacks, once
    ctl 1 list_queues name type members --formatter json 2>/dev/null | python3 -c '
import json, sys
nodes = sys.argv[1:]
queues = [q for q in json.load(sys.stdin) if q["name"].startswith("hromada.") and q.get("type") == "quorum"]
print("\n".join(n for n in nodes if any(n not in (q.get("members") or []) for q in queues)))' \
        $(for n in "${RABBIT_NODES[@]}"; do rabbit_nodename "$n"; done)
}
for node in $(missing_members); do
    log "quorum queues: adding a member on $node"
    ctl 1 eval "rabbit_quorum_queue:grow('$node', <<\"/\">>, <<\"^hromada\\\\..*\">>, all)." >/dev/null 2>&1 || true
done

# ------------------------------------------------------------------------------- endpoints
python3 - "$CLUSTER/endpoints.json" <<PY
import json, sys
services = "${SERVICES[*]} console".split()
public = {"intake": ${PUBLIC_PORT[intake]}, "routing": ${PUBLIC_PORT[routing]}, "notification": ${PUBLIC_PORT[notification]},
          "audit": ${PUBLIC_PORT[audit]}, "console": ${PUBLIC_PORT[console]}}
doc = {"services": {s: {"public": public[s], "replicas": [public[s] + 100 * r for r in (1, 2)]} for s in services},
       "rabbitmq": [{"node": f"rabbit{n}@localhost", "amqp": $INFRA_BASE + n, "management": $INFRA_BASE + 10000 + n} for n in (1, 2, 3)],
       "postgres": {"monitor": $PG_MONITOR_PORT, "nodes": [$(pg_node_port 1), $(pg_node_port 2)]},
       "smtp": {"smtp": $C_SMTP_PORT, "api": $C_SMTP_HTTP_PORT}}
json.dump(doc, open(sys.argv[1], "w"), indent=2)
PY
log "cluster up: endpoints in $CLUSTER/endpoints.json, credentials in $CREDENTIALS"
