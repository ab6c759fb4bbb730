#!/usr/bin/env bash
# Local infrastructure for Hromada: PostgreSQL 15 and RabbitMQ 3.10 on loopback, state in
# $ROOT/.hromada (no systemd, works as root on Debian 12).
#
#   infra.sh install                      apt/pip packages that are missing (fast when all present)
#   infra.sh start | stop | status        both servers (status exits non-zero if one is down)
#   infra.sh start-postgres | stop-postgres | restart-postgres
#   infra.sh start-rabbitmq | stop-rabbitmq | restart-rabbitmq
#   infra.sh stop-own                     stop only the servers this checkout started
#   infra.sh bootstrap-database NAME      roles + schemas of NAME (creates the database if missing)
#
# Every start returns only when the server really serves; every stop only when its port is closed.
# A server already listening on our port that this checkout did not start (e.g. from another
# checkout's state folder) is reused when it accepts our credentials; the roles and schemas are
# then (re)created in it idempotently. Stopping such a server stops it in place and the next
# start brings the same server (same data) back.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SQL_DIR="$ROOT/deploy/local/sql"

# ---------------------------------------------------------------------------------- install

APT_PACKAGES=(rabbitmq-server librabbitmq-dev amqp-tools postgresql postgresql-contrib libpq-dev
    libssl-dev libcurl4-openssl-dev pkg-config python3 python3-pip chromium
    curl ca-certificates openssl procps iproute2 util-linux)

cmd_install() {
    local missing=() p status
    for p in "${APT_PACKAGES[@]}"; do
        status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
        [[ "$status" == installed ]] || missing+=("$p")
    done
    if ((${#missing[@]})); then
        log "installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >"$LOG_DIR/apt-update.log" 2>&1 || { tail -20 "$LOG_DIR/apt-update.log" >&2; die "apt-get update failed"; }
        apt-get install -y -q "${missing[@]}" >"$LOG_DIR/apt-install.log" 2>&1 \
            || { tail -30 "$LOG_DIR/apt-install.log" >&2; die "apt-get install failed (log: $LOG_DIR/apt-install.log)"; }
        # The Debian packages start nothing without systemd, but make sure of it: our servers
        # run from the state folder only.
    fi
    if ! python3 -c 'import pika' 2>/dev/null; then
        log "installing Python pika"
        if ! python3 -m pip install --quiet pika >"$LOG_DIR/pip.log" 2>&1; then
            if grep -q externally-managed "$LOG_DIR/pip.log"; then
                python3 -m pip install --quiet --break-system-packages pika >"$LOG_DIR/pip.log" 2>&1 \
                    || { cat "$LOG_DIR/pip.log" >&2; die "pip install pika failed"; }
            else
                cat "$LOG_DIR/pip.log" >&2
                die "pip install pika failed"
            fi
        fi
        python3 -c 'import pika' || die "pika installed but not importable"
    fi
}

# ------------------------------------------------------------------------------- PostgreSQL

# Can the postgres OS user reach (traverse to) this folder?
postgres_can_reach() { runuser -u postgres -- test -x "$1" 2>/dev/null; }

# Where the cluster lives: $STATE/postgres/data, unless the postgres user cannot traverse to the
# checkout (e.g. it lives under /root); then under /var/lib/hromada/<hash> with a symlink here.
pg_locate() {
    local hash
    hash="$(printf '%s' "$STATE" | sha256sum | cut -c1-12)"
    PG_DATA="$PG_DIR/data"
    PG_LOG="$LOG_DIR/postgres.log"
    PG_SOCKET_DIR="$RUN_DIR/postgres"
    if ! postgres_can_reach "$PG_DIR"; then
        local outside="/var/lib/hromada/$hash"
        mkdir -p "$outside/data" "$outside/run"
        chown postgres:postgres "$outside" "$outside/data" "$outside/run"
        chmod 700 "$outside/data"
        [[ -L "$PG_DIR/data" ]] || ln -sfn "$outside/data" "$PG_DIR/data"
        PG_DATA="$outside/data"
        PG_LOG="$outside/postgres.log"
        PG_SOCKET_DIR="$outside/run"
        ln -sfn "$PG_LOG" "$LOG_DIR/postgres.log"
    fi
    # A Unix socket path must stay under ~107 bytes.
    if ((${#PG_SOCKET_DIR} > 80)); then
        PG_SOCKET_DIR="/tmp/hromada-pg-$hash"
    fi
    PG_FOREIGN_MARK="$RUN_DIR/postgres.foreign"
}

pg_psql() { # superuser over TCP; extra arguments go to psql
    PGPASSWORD="$PG_SUPERPASS" PGCONNECT_TIMEOUT=5 PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" "$@"
}

pg_accepting() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

pg_own_running() { [[ -n "${PG_DATA:-}" ]] && pid_alive "$PG_DATA/postmaster.pid"; }

pg_wait_ready() {
    local deadline=$((SECONDS + ${1:-60}))
    until pg_accepting; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

pg_init() {
    [[ -s "$PG_DATA/PG_VERSION" ]] && return 0
    log "initdb into $PG_DATA"
    mkdir -p "$PG_DATA"
    chown postgres:postgres "$PG_DIR" "$PG_DATA" 2>/dev/null || true
    chown -h postgres:postgres "$PG_DATA"
    chmod 700 "$PG_DATA"
    local pwfile
    pwfile="$(mktemp)"
    printf '%s\n' "$PG_SUPERPASS" >"$pwfile"
    chown postgres "$pwfile"
    if ! runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" \
        --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pwfile" \
        -E UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1; then
        rm -f "$pwfile"
        cat "$LOG_DIR/initdb.log" >&2
        die "initdb failed"
    fi
    rm -f "$pwfile"
    printf "\n# Hromada: local settings, rewritten by deploy/local/infra.sh on every start\ninclude_if_exists = 'hromada.conf'\n" \
        >>"$PG_DATA/postgresql.conf"
}

pg_write_conf() {
    mkdir -p "$PG_SOCKET_DIR"
    chown postgres:postgres "$PG_SOCKET_DIR"
    cat >"$PG_DATA/hromada.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 300
fsync = on
synchronous_commit = on
password_encryption = 'scram-sha-256'
EOF
    chown postgres:postgres "$PG_DATA/hromada.conf"
    touch "$PG_LOG"
    chown postgres:postgres "$PG_LOG"
}

# Roles (cluster-wide) and, for the given database, creation if missing plus schemas and grants.
ensure_roles() {
    local db="${1:-$PG_DATABASE}"
    [[ "$db" =~ ^[A-Za-z0-9_-]+$ ]] || die "unexpected database name: $db"
    pg_psql -d postgres -f "$SQL_DIR/roles.sql" >/dev/null
    if [[ "$(pg_psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
        log "creating database $db"
        pg_psql -d postgres -c "CREATE DATABASE \"$db\" ENCODING 'UTF8' TEMPLATE template0" >/dev/null 2>&1 \
            || [[ "$(pg_psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" == 1 ]] \
            || die "could not create database $db"
    fi
    pg_psql -d "$db" -f "$SQL_DIR/bootstrap-database.sql" >/dev/null
}

pg_check_foreign() {
    # Something listens on our port but it is not this checkout's cluster.
    if ! pg_psql -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; then
        die "port $PG_PORT is held by a PostgreSQL this checkout did not start, and it refuses $PG_SUPERUSER/$PG_SUPERPASS over TCP. Stop it or set HROMADA_PG_PORT."
    fi
    local dir maxconn
    dir="$(pg_psql -d postgres -Atc 'SHOW data_directory' 2>/dev/null || echo '?')"
    maxconn="$(pg_psql -d postgres -Atc 'SHOW max_connections' 2>/dev/null || echo '?')"
    log "reusing PostgreSQL on 127.0.0.1:$PG_PORT started elsewhere (data directory $dir, max_connections $maxconn)"
    if [[ "$maxconn" =~ ^[0-9]+$ ]] && ((maxconn < 300)); then
        log "warning: that server allows $maxconn connections; ours is configured for 300"
    fi
}

cmd_start_postgres() {
    pg_locate
    if pg_own_running; then
        pg_wait_ready 60 || die "PostgreSQL (this checkout) runs but does not accept connections on $PG_PORT; see $PG_LOG"
    elif pg_accepting || port_open "$PG_PORT"; then
        pg_wait_ready 30 || die "port $PG_PORT is held by something that is not a ready PostgreSQL"
        pg_check_foreign
    elif [[ -s "$PG_FOREIGN_MARK" ]]; then
        # We stopped a reused server earlier: bring that same one back.
        local dir owner
        dir="$(sed -n 1p "$PG_FOREIGN_MARK")"
        owner="$(stat -c %U "$dir")"
        log "starting the reused PostgreSQL again (data directory $dir)"
        touch "$PG_DIR/foreign.log" && chown "$owner" "$PG_DIR/foreign.log"
        without_inherited_fds runuser -u "$owner" -- "$PG_BIN/pg_ctl" -D "$dir" -l "$PG_DIR/foreign.log" -w -t 60 start >/dev/null \
            || { tail -20 "$PG_DIR/foreign.log" >&2; die "could not start PostgreSQL in $dir"; }
        pg_wait_ready 60 || die "PostgreSQL in $dir does not accept connections"
        rm -f "$PG_FOREIGN_MARK"
    else
        pg_init
        pg_write_conf
        log "starting PostgreSQL on 127.0.0.1:$PG_PORT (data $PG_DATA)"
        without_inherited_fds runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null \
            || { tail -20 "$PG_LOG" >&2; die "PostgreSQL did not start; see $PG_LOG"; }
        pg_wait_ready 60 || die "PostgreSQL started but does not accept connections; see $PG_LOG"
    fi
    ensure_roles "$PG_DATABASE"
}

cmd_stop_postgres() {
    pg_locate
    if pg_own_running; then
        log "stopping PostgreSQL"
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null \
            || die "pg_ctl stop failed; see $PG_LOG"
    elif pg_accepting; then
        # A reused server: stop it in place and remember it, so start-postgres brings it back.
        local dir owner
        dir="$(pg_psql -d postgres -Atc 'SHOW data_directory' 2>/dev/null)" \
            || die "cannot stop the PostgreSQL on $PG_PORT: it refuses our superuser credentials"
        [[ -d "$dir" ]] || die "cannot stop the PostgreSQL on $PG_PORT: data directory $dir not found here"
        owner="$(stat -c %U "$dir")"
        log "stopping the reused PostgreSQL (data directory $dir)"
        printf '%s\n' "$dir" >"$PG_FOREIGN_MARK"
        runuser -u "$owner" -- "$PG_BIN/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null \
            || die "pg_ctl stop failed for $dir"
    fi
    wait_port_closed "$PG_PORT" 30 || die "port $PG_PORT still open after stopping PostgreSQL"
}

# --------------------------------------------------------------------------------- RabbitMQ

RABBIT_FOREIGN_MARK="$RUN_DIR/rabbitmq.foreign.env"

rabbit_write_conf() {
    mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
    cat >"$RABBITMQ_CONFIG_FILE" <<EOF
# Written by deploy/local/infra.sh on every start.
listeners.tcp.local = 127.0.0.1:$AMQP_PORT
management.tcp.port = $RABBIT_MGMT_PORT
management.tcp.ip = 127.0.0.1
loopback_users = none
EOF
    printf '[rabbitmq_management].\n' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
}

rabbit_own_running() { pid_alive "$RABBITMQ_PID_FILE"; }

rabbit_api_ok() {
    curl -fsS -m 5 -u "$RABBIT_USER:$RABBIT_PASS" "http://127.0.0.1:$RABBIT_MGMT_PORT/api/overview" >/dev/null 2>&1
}

# Ready = the node finished booting, AMQP accepts connections, the management API answers.
rabbit_wait_ready() {
    local deadline=$((SECONDS + ${1:-120}))
    until "$RABBITMQCTL" -q await_startup --timeout 10 >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { log "rabbitmqctl await_startup kept failing"; return 1; }
        if [[ -e "$LOG_DIR/erl_crash.dump" ]]; then
            log "the Erlang VM crashed: $(grep -m1 '^Slogan' "$LOG_DIR/erl_crash.dump" | cut -c1-300)"
            return 1
        fi
        if [[ -s "$RABBITMQ_PID_FILE" ]] && ! pid_alive "$RABBITMQ_PID_FILE" && [[ -z "${RABBIT_FOREIGN:-}" ]]; then
            log "the RabbitMQ node exited during startup"
            return 1
        fi
        sleep 0.5
    done
    until port_open "$AMQP_PORT"; do
        ((SECONDS < deadline)) || { log "port $AMQP_PORT never opened"; return 1; }
        sleep 0.2
    done
    until rabbit_api_ok; do
        ((SECONDS < deadline)) || { log "management API on $RABBIT_MGMT_PORT never answered"; return 1; }
        sleep 0.3
    done
}

rabbit_startup_failed() {
    tail -n 30 "$LOG_DIR/rabbitmq-startup.log" >&2 2>/dev/null || true
    ls "$RABBITMQ_LOG_BASE"/*.log >/dev/null 2>&1 && tail -n 30 "$RABBITMQ_LOG_BASE"/*.log >&2
    die "RabbitMQ did not become ready; logs in $LOG_DIR"
}

cmd_start_rabbitmq() {
    if rabbit_own_running && port_open "$AMQP_PORT"; then
        rabbit_wait_ready 120 || rabbit_startup_failed
        return 0
    fi
    if port_open "$AMQP_PORT" || port_open "$RABBIT_MGMT_PORT"; then
        # Not ours (or ours still booting with a stale pid file): reuse if it is a usable broker.
        if rabbit_own_running; then
            rabbit_wait_ready 120 || rabbit_startup_failed
            return 0
        fi
        local deadline=$((SECONDS + 30))
        until rabbit_api_ok && port_open "$AMQP_PORT"; do
            ((SECONDS < deadline)) || die "ports $AMQP_PORT/$RABBIT_MGMT_PORT are held by something that is not a usable RabbitMQ (guest/guest on the management API). Stop it or set HROMADA_AMQP_PORT/HROMADA_RABBITMQ_MGMT_PORT."
            sleep 0.5
        done
        log "reusing RabbitMQ on 127.0.0.1:$AMQP_PORT started elsewhere"
        return 0
    fi
    if [[ -s "$RABBIT_FOREIGN_MARK" ]]; then
        log "starting the reused RabbitMQ again"
        (
            while IFS= read -r line; do export "${line?}"; done <"$RABBIT_FOREIGN_MARK"
            rm -f "$LOG_DIR/erl_crash.dump"
            cd "$LOG_DIR" && without_inherited_fds rabbitmq-server -detached >>"$LOG_DIR/rabbitmq-startup.log" 2>&1
        ) || rabbit_startup_failed
        RABBIT_FOREIGN=1 rabbit_wait_ready 120 || rabbit_startup_failed
        rm -f "$RABBIT_FOREIGN_MARK"
        return 0
    fi
    rabbit_write_conf
    log "starting RabbitMQ on 127.0.0.1:$AMQP_PORT (management $RABBIT_MGMT_PORT, node $RABBITMQ_NODENAME)"
    : >"$LOG_DIR/rabbitmq-startup.log"
    rm -f "$RABBITMQ_PID_FILE" "$LOG_DIR/erl_crash.dump"
    # -detached: the node daemonises; its crash dump (if any) goes to the log folder, not the cwd.
    (cd "$LOG_DIR" && without_inherited_fds rabbitmq-server -detached >>"$LOG_DIR/rabbitmq-startup.log" 2>&1) || rabbit_startup_failed
    rabbit_wait_ready 120 || rabbit_startup_failed
}

cmd_stop_rabbitmq() {
    if rabbit_own_running; then
        log "stopping RabbitMQ"
        "$RABBITMQCTL" -q stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || true
        # Whatever rabbitmqctl said, the process must be gone.
        stop_pidfile "$RABBITMQ_PID_FILE" rabbitmq 60
    elif port_open "$AMQP_PORT"; then
        # A reused broker: stop it in place, keep its environment so start brings it back.
        local pid
        pid="$("$RABBITMQCTL" -q eval 'os:getpid().' 2>/dev/null | tr -dc 0-9)" \
            || true
        [[ -n "$pid" && -r "/proc/$pid/environ" ]] \
            || die "cannot stop the RabbitMQ on $AMQP_PORT: node $RABBITMQ_NODENAME not reachable with rabbitmqctl"
        log "stopping the reused RabbitMQ (pid $pid)"
        tr '\0' '\n' <"/proc/$pid/environ" | grep -E '^(RABBITMQ_[A-Z_]+|ERL_[A-Z_]+|HOME)=' >"$RABBIT_FOREIGN_MARK"
        "$RABBITMQCTL" -q stop >/dev/null 2>&1 || true
        local deadline=$((SECONDS + 60))
        while kill -0 "$pid" 2>/dev/null; do
            ((SECONDS < deadline)) || { kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; break; }
            sleep 0.2
        done
    fi
    wait_port_closed "$AMQP_PORT" 30 || die "port $AMQP_PORT still open after stopping RabbitMQ"
    wait_port_closed "$RABBIT_MGMT_PORT" 30 || die "port $RABBIT_MGMT_PORT still open after stopping RabbitMQ"
}

# ----------------------------------------------------------------------------------- status

cmd_status() {
    local rc=0
    pg_locate
    if pg_accepting; then
        if pg_own_running; then echo "postgres: up on 127.0.0.1:$PG_PORT (this checkout, $PG_DATA)"
        else echo "postgres: up on 127.0.0.1:$PG_PORT (started elsewhere)"; fi
    else
        echo "postgres: DOWN (127.0.0.1:$PG_PORT)"; rc=1
    fi
    if port_open "$AMQP_PORT" && rabbit_api_ok; then
        if rabbit_own_running; then echo "rabbitmq: up on 127.0.0.1:$AMQP_PORT, management $RABBIT_MGMT_PORT (this checkout)"
        else echo "rabbitmq: up on 127.0.0.1:$AMQP_PORT, management $RABBIT_MGMT_PORT (started elsewhere)"; fi
    else
        echo "rabbitmq: DOWN (127.0.0.1:$AMQP_PORT / $RABBIT_MGMT_PORT)"; rc=1
    fi
    return "$rc"
}

usage() {
    sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
}

main() {
    [[ $# -ge 1 ]] || usage
    local command=$1
    shift
    case "$command" in
        install) cmd_install ;;
        start) cmd_start_postgres; cmd_start_rabbitmq ;;
        stop) cmd_stop_rabbitmq; cmd_stop_postgres ;;
        status) cmd_status ;;
        start-postgres) cmd_start_postgres ;;
        stop-postgres) cmd_stop_postgres ;;
        restart-postgres) cmd_stop_postgres; cmd_start_postgres ;;
        start-rabbitmq) cmd_start_rabbitmq ;;
        stop-rabbitmq) cmd_stop_rabbitmq ;;
        restart-rabbitmq) cmd_stop_rabbitmq; cmd_start_rabbitmq ;;
        stop-own)
            if rabbit_own_running; then cmd_stop_rabbitmq
            elif port_open "$AMQP_PORT"; then log "leaving the RabbitMQ on $AMQP_PORT running: this checkout did not start it"; fi
            pg_locate
            if pg_own_running; then cmd_stop_postgres
            elif port_open "$PG_PORT"; then log "leaving the PostgreSQL on $PG_PORT running: this checkout did not start it"; fi
            ;;
        bootstrap-database) [[ $# -eq 1 ]] || usage; pg_locate; ensure_roles "$1" ;;
        -h|--help|help) usage ;;
        *) usage ;;
    esac
}

main "$@"
