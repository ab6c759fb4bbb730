# shellcheck shell=bash
# Sourced by the deploy/cluster scripts: the cluster's ports, folders and helpers, on top of
# deploy/local/lib.sh (the same broker users and rights; secrets of its own, see SECRETS_DIR below).
#
# Every port is fixed relative to two settings, so a cluster can run next to the single-node stack:
#   HROMADA_CLUSTER_PORT_OFFSET  added to the public ports of ARCHITECTURE.md (8080-8083, console 8090)
#                                 that haproxy serves (default 0); replicas listen on public+100 and +200
#   HROMADA_CLUSTER_INFRA_BASE   RabbitMQ nodes on BASE+1..3 (management 10000 above), the pg_auto_failover
#                                 monitor on BASE+10, PostgreSQL nodes on BASE+11/12 (default 5760)
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"

CLUSTER="$STATE/cluster"
C_RUN="$CLUSTER/run"
C_LOG="$CLUSTER/log"
mkdir -p "$C_RUN" "$C_LOG"
# An Erlang VM that fails (a node, rabbitmqctl) writes its crash dump to the logs, not the checkout.
export ERL_CRASH_DUMP="$C_LOG/erl_crash.dump"

# The cluster's own generated secrets (.hromada/cluster/secrets/): its PostgreSQL and RabbitMQ are
# other servers than the single-node stack's, and the cluster scripts must never read or rewrite
# the single-node secrets under .hromada/secrets/ (deploy/local's tests and services use them).
# lib.sh's secret_* helpers follow SECRETS_DIR; the values it read at source time are reset here.
SECRETS_DIR="$CLUSTER/secrets"
mkdir -p "$SECRETS_DIR/rabbitmq" "$SECRETS_DIR/postgres"
chmod 0700 "$SECRETS_DIR" "$SECRETS_DIR/rabbitmq" "$SECRETS_DIR/postgres"
PG_SUPERPASS="$(secret_read postgres postgres)"
RABBIT_USER="$RABBIT_ADMIN"
RABBIT_PASS="$(secret_read rabbitmq "$RABBIT_ADMIN")"

OFFSET="${HROMADA_CLUSTER_PORT_OFFSET:-0}"
INFRA_BASE="${HROMADA_CLUSTER_INFRA_BASE:-5760}"
SERVICES=(intake routing notification audit)
declare -A PUBLIC_PORT=([intake]=$((8080 + OFFSET)) [routing]=$((8081 + OFFSET)) [notification]=$((8082 + OFFSET))
    [audit]=$((8083 + OFFSET)) [console]=$((8090 + OFFSET)))
REPLICAS=(1 2)
replica_port() { echo $((${PUBLIC_PORT[$1]} + 100 * $2)); }   # replica_port SERVICE N

RABBIT_NODES=(1 2 3)
rabbit_port() { echo $((INFRA_BASE + $1)); }
rabbit_mgmt_port() { echo $((INFRA_BASE + 10000 + $1)); }
rabbit_dist_port() { echo $((INFRA_BASE + 20000 + $1)); }
rabbit_nodename() { echo "rabbit$1@localhost"; }

PG_MONITOR_PORT=$((INFRA_BASE + 10))
PG_NODES=(1 2)
pg_node_port() { echo $((INFRA_BASE + 10 + $1)); }
PG_AUTOCTL=/usr/bin/pg_autoctl
C_SMTP_PORT=$((INFRA_BASE + 20))
C_SMTP_HTTP_PORT=$((INFRA_BASE + 21))

# PostgreSQL folders must be reachable by the postgres user (the same rule as deploy/local).
C_PG="$CLUSTER/postgres"
if ! runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
    C_PG="/var/lib/hromada/cluster-$(printf '%s' "$STATE" | sha256sum | cut -c1-12)"
fi

# pg_autoctl starts PostgreSQL with the packaged default socket folder.
PG_SOCKETS=/var/run/postgresql

# node_env N: the RabbitMQ environment of node N (run as `env $(node_env N) CMD`). All nodes share
# one Erlang cookie: HOME is the cluster's own folder holding .erlang.cookie.
node_env() {
    local dir="$CLUSTER/rabbit$1"
    printf '%s\n' "HOME=$CLUSTER/erlang" "RABBITMQ_NODENAME=$(rabbit_nodename "$1")" "RABBITMQ_BASE=$dir" \
        "RABBITMQ_MNESIA_BASE=$dir/mnesia" "RABBITMQ_LOG_BASE=$C_LOG/rabbit$1" "RABBITMQ_PID_FILE=$dir/rabbit.pid" \
        "RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf" "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins" \
        "RABBITMQ_DIST_PORT=$(rabbit_dist_port "$1")"
}
# ctl N ARGS...: rabbitmqctl against node N (with the shared cookie).
ctl() {
    local n=$1
    shift
    env HOME="$CLUSTER/erlang" "$RABBITMQCTL" -q -n "$(rabbit_nodename "$n")" "$@"
}

# cluster_amqp_url USER: the comma-separated URL list of all three nodes for USER.
cluster_amqp_url() {
    local n urls=() pass
    pass="$(secret_read rabbitmq "$1")"
    for n in "${RABBIT_NODES[@]}"; do urls+=("amqp://$1:$pass@127.0.0.1:$(rabbit_port "$n")/%2f"); done
    local IFS=,
    echo "${urls[*]}"
}
# cluster_database_url SERVICE: libpq multi-host URI, read-write session only.
cluster_database_url() {
    printf 'postgresql://hromada_%s:%s@127.0.0.1:%s,127.0.0.1:%s/%s?target_session_attrs=read-write&connect_timeout=3' \
        "$1" "$(secret_read postgres "hromada_$1")" "$(pg_node_port 1)" "$(pg_node_port 2)" "$PG_DATABASE"
}

# pg_as ARGS...: a command as the postgres user with the cluster's PATH and XDG folders.
pg_as() {
    runuser -u postgres -- env PATH="$PG_BIN:$PATH" XDG_CONFIG_HOME="$C_PG/xdg/config" XDG_DATA_HOME="$C_PG/xdg/data" \
        XDG_RUNTIME_DIR="$C_PG/xdg/run" PG_CONFIG="$PG_BIN/pg_config" "$@"
}
# pg_keeper_alive NAME: true while the pg_autoctl keeper NAME (monitor | node1 | node2) runs.
pg_keeper_alive() { pid_alive "$C_RUN/pg-$1.pid"; }
# pg_start_keeper NAME PGDATA: starts the keeper unless it runs, as the postgres user, logging to
# log/pg-NAME.log. exec in the background child itself: $! is runuser's pid (pg_autoctl its child).
pg_start_keeper() {
    pg_keeper_alive "$1" && return 0
    touch "$C_LOG/pg-$1.log" && chown postgres "$C_LOG/pg-$1.log"
    exec_without_inherited_fds runuser -u postgres -- env PATH="$PG_BIN:$PATH" XDG_CONFIG_HOME="$C_PG/xdg/config" \
        XDG_DATA_HOME="$C_PG/xdg/data" XDG_RUNTIME_DIR="$C_PG/xdg/run" \
        "$PG_AUTOCTL" run --pgdata "$2" </dev/null >>"$C_LOG/pg-$1.log" 2>&1 &
    echo $! >"$C_RUN/pg-$1.pid"
}
# primary_psql DB [PSQL ARGS...]: psql on the current primary as the superuser (local sockets).
# (libpq does not try the next host after a "database does not exist": name the primary alone.)
primary_port() {
    local n
    for n in "${PG_NODES[@]}"; do
        if [[ "$(runuser -u postgres -- "$PG_BIN/psql" -X -Atq -h "$PG_SOCKETS" -p "$(pg_node_port "$n")" -d postgres \
            -c 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" == t ]]; then pg_node_port "$n"; return 0; fi
    done
    return 1
}
primary_psql() {
    local db=$1 port
    shift
    port="$(primary_port)" || { log "no PostgreSQL primary answers"; return 1; }
    runuser -u postgres -- "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKETS" -p "$port" -U postgres -d "$db" "$@"
}
