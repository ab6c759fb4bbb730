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
#   infra.sh enable-tls DIR               TLS with DIR's ca.pem/server.pem/server.key (deploy/tls/make-certs.sh):
#                                         RabbitMQ amqps on 127.0.0.1:5671 (restarts it only when the listener or
#                                         the certificates change), PostgreSQL ssl=on (reload); 5672/5432 unchanged
#   infra.sh tls-status                   whether both TLS endpoints answer (exit non-zero if not)
#   infra.sh start-kannel | stop-kannel | kannel-status   the SMS gateway (deploy/local/kannel/, lib.sh)
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
    curl ca-certificates openssl procps iproute2 util-linux
    libjs-chart.js
    libvips-dev libexif-dev libqrencode-dev libjs-leaflet kannel kannel-extras
    zbar-tools linux-perf)

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
    PG_SUPERPASS="$(secret_ensure postgres "$PG_SUPERUSER")"
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

# A state folder from before the generated superuser password still has postgres/postgres:
# generate one, set it, and keep it under secrets/ (0600).
pg_rotate_superuser() {
    [[ -s "$(secret_path postgres "$PG_SUPERUSER")" ]] && return 0
    local new
    new="$(secret_ensure postgres "$PG_SUPERUSER.new")"
    pg_psql -d postgres -c "ALTER ROLE $PG_SUPERUSER PASSWORD '$new'" >/dev/null \
        || die "could not set a generated password for $PG_SUPERUSER"
    mv -f "$(secret_path postgres "$PG_SUPERUSER.new")" "$(secret_path postgres "$PG_SUPERUSER")"
    PG_SUPERPASS="$new"
    log "PostgreSQL superuser: password generated (secrets/postgres/$PG_SUPERUSER)"
}

# Roles (cluster-wide) with generated passwords and, for the given database, creation if missing
# plus schemas and grants.
ensure_roles() {
    local db="${1:-$PG_DATABASE}" service password
    [[ "$db" =~ ^[A-Za-z0-9_-]+$ ]] || die "unexpected database name: $db"
    pg_psql -d postgres -f "$SQL_DIR/roles.sql" >/dev/null
    for service in "${PG_SERVICES[@]}"; do
        password="$(secret_ensure postgres "hromada_$service")"   # hex: safe inside quotes
        pg_psql -d postgres -c "ALTER ROLE hromada_$service PASSWORD '$password'" >/dev/null
    done
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
    pg_rotate_superuser
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
RABBIT_TLS_CONF="$RABBIT_DIR/tls.conf"
AMQPS_PORT="${HROMADA_AMQPS_PORT:-5671}"

rabbit_write_conf() {
    mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
    cat >"$RABBITMQ_CONFIG_FILE" <<EOF
# Written by deploy/local/infra.sh on every start.
listeners.tcp.default = 127.0.0.1:$AMQP_PORT
management.tcp.port = $RABBIT_MGMT_PORT
management.tcp.ip = 127.0.0.1
# Users that may connect from 127.0.0.1 only (guest is deleted; the administrator and the
# impersonator stay on this machine).
loopback_users.guest = true
loopback_users.$RABBIT_ADMIN = true
loopback_users.$RABBIT_REPLAY = true
EOF
    printf '[rabbitmq_management].\n' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
    # The TLS listener of `enable-tls`, once it was enabled for this state folder.
    if [[ -s "$RABBIT_TLS_CONF" ]]; then cat "$RABBIT_TLS_CONF" >>"$RABBITMQ_CONFIG_FILE"; fi
}

rabbit_own_running() { pid_alive "$RABBITMQ_PID_FILE"; }

# The management API answers (any HTTP status: which users it accepts is rabbit_provision's business,
# and it repairs the administrator through rabbitmqctl when needed).
rabbit_api_ok() {
    local code
    code="$(curl -sS -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RABBIT_MGMT_PORT/api/overview" 2>/dev/null || true)"
    [[ "$code" =~ ^[1-5][0-9][0-9]$ ]]
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
    rabbit_start_node
    rabbit_provision
}

rabbit_start_node() {
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

# ------------------------------------------------------------------ broker users and topology

# json_string TEXT: TEXT as a JSON string literal (the regexes hold backslashes). In bash, not a
# python3 per call: provisioning makes some thirty of them, at every start and restart of the broker.
json_string() {
    local text=$1
    text="${text//\\/\\\\}"
    text="${text//\"/\\\"}"
    text="${text//$'\t'/\\t}"
    text="${text//$'\n'/\\n}"
    text="${text//$'\r'/\\r}"
    [[ "$text" != *[[:cntrl:]]* ]] || die "json_string: a control character other than tab or line break"
    printf '"%s"\n' "$text"
}

# rabbit_api METHOD PATH [JSON]: the management API as the administrator. Credentials and body go
# through curl's config on stdin, never on a command line.
rabbit_api() {
    local method=$1 path=$2 body=${3:-} escaped
    {
        printf 'user = "%s:%s"\n' "$RABBIT_USER" "$RABBIT_PASS"
        if [[ -n "$body" ]]; then
            escaped="${body//\\/\\\\}"
            escaped="${escaped//\"/\\\"}"
            printf 'data = "%s"\n' "$escaped"
            printf 'header = "content-type: application/json"\n'
        fi
    } | curl -fsS -m 15 -K - -X "$method" -o /dev/null "http://127.0.0.1:$RABBIT_MGMT_PORT$path"
}

rabbit_admin_ok() {
    printf 'user = "%s:%s"\n' "$RABBIT_ADMIN" "$(secret_read rabbitmq "$RABBIT_ADMIN")" \
        | curl -fsS -m 5 -K - -o /dev/null "http://127.0.0.1:$RABBIT_MGMT_PORT/api/whoami" 2>/dev/null
}

# The administrator first (through rabbitmqctl, which needs no broker user: a fresh node or one
# that still has only guest), then everything else through the management API as that user.
rabbit_ensure_admin() {
    local password
    password="$(secret_ensure rabbitmq "$RABBIT_ADMIN")"
    if ! rabbit_admin_ok; then
        log "RabbitMQ: creating the administrator $RABBIT_ADMIN (password in secrets/rabbitmq/)"
        if ! printf '%s\n' "$password" | "$RABBITMQCTL" -q add_user "$RABBIT_ADMIN" >/dev/null 2>&1; then
            printf '%s\n' "$password" | "$RABBITMQCTL" -q change_password "$RABBIT_ADMIN" >/dev/null \
                || die "rabbitmqctl could not set the password of $RABBIT_ADMIN"
        fi
        "$RABBITMQCTL" -q set_user_tags "$RABBIT_ADMIN" administrator >/dev/null
        "$RABBITMQCTL" -q set_permissions -p / "$RABBIT_ADMIN" '.*' '.*' '.*' >/dev/null
        local deadline=$((SECONDS + 15))
        until rabbit_admin_ok; do
            ((SECONDS < deadline)) || die "the management API refuses $RABBIT_ADMIN"
            sleep 0.3
        done
    fi
    RABBIT_USER="$RABBIT_ADMIN"
    RABBIT_PASS="$password"
}

# Users, their rights, the topic permissions from the producers table, no guest, and the two
# exchanges (the deploy step of the topology; each service declares its own queues, within its
# `configure` right). Idempotent; rotates nothing that exists (delete a secret file to rotate).
rabbit_provision() {
    rabbit_ensure_admin
    local user password tags perms configure write read service
    while IFS= read -r user; do
        password="$(secret_ensure rabbitmq "$user")"
        tags="$(user_tags "$user")"
        rabbit_api PUT "/api/users/$user" "{\"password\":$(json_string "$password"),\"tags\":\"$tags\"}" \
            || die "could not create broker user $user"
        perms="$(user_permissions "$user")"
        IFS=$'\t' read -r configure write read <<<"$perms"
        rabbit_api PUT "/api/permissions/%2F/$user" \
            "{\"configure\":$(json_string "$configure"),\"write\":$(json_string "$write"),\"read\":$(json_string "$read")}" \
            || die "could not set the permissions of $user"
    done < <(rabbit_all_users)
    for service in "${RABBIT_SERVICES[@]}"; do
        rabbit_api PUT "/api/topic-permissions/%2F/hromada-$service" \
            "{\"exchange\":\"hromada.events\",\"write\":$(json_string "$(topic_write_pattern "$service")"),\"read\":\".*\"}" \
            || die "could not set the topic permissions of hromada-$service"
    done
    # Nothing to publish for the others: an empty match on hromada.events.
    for user in "$RABBIT_OBSERVER" "$RABBIT_MONITOR" "$RABBIT_REPLAY"; do
        rabbit_api PUT "/api/topic-permissions/%2F/$user" '{"exchange":"hromada.events","write":"^$","read":".*"}' \
            || die "could not set the topic permissions of $user"
    done
    if rabbit_api GET /api/users/guest 2>/dev/null; then
        log "RabbitMQ: deleting the guest user"
        rabbit_api DELETE /api/users/guest || die "could not delete guest"
    fi
    rabbit_api PUT /api/exchanges/%2F/hromada.events '{"type":"topic","durable":true}' || die "could not declare hromada.events"
    rabbit_api PUT /api/exchanges/%2F/hromada.dlx '{"type":"direct","durable":true}' || die "could not declare hromada.dlx"
    rabbit_drop_old_retry_queues
}

# Retry queues of an earlier version sent messages back through the default exchange, which a
# service's user may not name as its dead-letter exchange now: the service would fail to redeclare
# them (different arguments). Delete those that are empty; the services declare them anew.
rabbit_drop_old_retry_queues() {
    local name
    while IFS= read -r name; do
        [[ -n "$name" ]] || continue
        if rabbit_api DELETE "/api/queues/%2F/$name?if-empty=true"; then
            log "RabbitMQ: deleted the old retry queue $name (the service declares the new one)"
        else
            log "WARNING: the old retry queue $name is not empty; its service cannot start until it is drained or deleted"
        fi
    done < <(printf 'user = "%s:%s"\n' "$RABBIT_USER" "$RABBIT_PASS" \
        | curl -fsS -m 15 -K - "http://127.0.0.1:$RABBIT_MGMT_PORT/api/queues/%2F?columns=name,arguments" 2>/dev/null \
        | python3 -c '
import json, re, sys
for queue in json.load(sys.stdin):
    arguments = queue.get("arguments") or {}
    if re.fullmatch(r"hromada\.[a-z-]+\.retry\.[0-9]+", queue["name"]) and arguments.get("x-dead-letter-exchange", "") == "":
        print(queue["name"])' || true)
}

# -------------------------------------------------------------------------------------- TLS

TLS_BEGIN="# hromada-tls begin: written by infra.sh enable-tls"
TLS_END="# hromada-tls end"

# The rabbitmq.conf the running broker was started with (ours, or a reused one's).
rabbit_running_config() {
    if rabbit_own_running; then printf '%s\n' "$RABBITMQ_CONFIG_FILE"; return 0; fi
    local pid
    pid="$("$RABBITMQCTL" -q eval 'os:getpid().' 2>/dev/null | tr -dc 0-9)" || true
    [[ -n "$pid" && -r "/proc/$pid/environ" ]] || return 1
    tr '\0' '\n' <"/proc/$pid/environ" | sed -n 's/^RABBITMQ_CONFIG_FILE=//p' | head -n 1
}

tls_rabbit_block() { # DIR
    cat <<EOF
$TLS_BEGIN
listeners.ssl.local = 127.0.0.1:$AMQPS_PORT
ssl_options.cacertfile = $1/ca.pem
ssl_options.certfile = $1/server.pem
ssl_options.keyfile = $1/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
$TLS_END
EOF
}

# Does something speak TLS on PORT with a certificate that CAFILE verifies for localhost?
tls_handshake_ok() { # PORT CAFILE
    timeout 10 openssl s_client -connect "127.0.0.1:$1" -servername localhost -verify_hostname localhost \
        -CAfile "$2" -verify_return_error </dev/null >/dev/null 2>&1
}

# Does PostgreSQL accept sslmode=verify-full for localhost with CAFILE?
pg_tls_ok() { # CAFILE
    [[ "$(PGSSLMODE=verify-full PGSSLROOTCERT="$1" PGPASSWORD="$PG_SUPERPASS" PGCONNECT_TIMEOUT=5 \
        "$PG_BIN/psql" -X -Atq -h localhost -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres \
        -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' 2>/dev/null)" == t ]]
}

cmd_enable_tls() {
    local src=$1 f
    for f in ca.pem server.pem server.key; do
        [[ -s "$src/$f" ]] || die "enable-tls: $src/$f missing (make it with deploy/tls/make-certs.sh $src)"
    done
    openssl verify -CAfile "$src/ca.pem" "$src/server.pem" >/dev/null 2>&1 || die "enable-tls: server.pem is not signed by ca.pem"
    # A private copy the servers read: their certificates change only through this command.
    local dir="$STATE/tls"
    mkdir -p "$dir"
    chmod 0755 "$dir"
    if [[ "$src" != "$dir" ]]; then
        install -m 0644 "$src/ca.pem" "$dir/ca.pem"
        install -m 0644 "$src/server.pem" "$dir/server.pem"
        install -m 0600 "$src/server.key" "$dir/server.key"
    fi

    # RabbitMQ: an ssl listener next to the tcp one; a new listener needs a restart.
    local config block current tmp
    config="$(rabbit_running_config)" || die "enable-tls: RabbitMQ is not running (start it first)"
    [[ -n "$config" && -f "$config" ]] || die "enable-tls: cannot tell which rabbitmq.conf the running broker uses"
    block="$(tls_rabbit_block "$dir")"
    printf '%s\n' "$block" >"$RABBIT_TLS_CONF"
    current="$(sed -n "/^$TLS_BEGIN\$/,/^$TLS_END\$/p" "$config" 2>/dev/null || true)"
    if [[ "$current" == "$block" ]] && tls_handshake_ok "$AMQPS_PORT" "$dir/ca.pem"; then
        log "RabbitMQ already serves amqps on 127.0.0.1:$AMQPS_PORT with these certificates"
    else
        tmp="$(mktemp)"
        sed "/^$TLS_BEGIN\$/,/^$TLS_END\$/d" "$config" >"$tmp"
        [[ ! -s "$tmp" || -z "$(tail -c 1 "$tmp")" ]] || printf '\n' >>"$tmp"   # the file may lack a final newline
        printf '%s\n' "$block" >>"$tmp"
        cat "$tmp" >"$config"
        rm -f "$tmp"
        log "restarting RabbitMQ to add the amqps listener on 127.0.0.1:$AMQPS_PORT"
        cmd_stop_rabbitmq
        cmd_start_rabbitmq
        wait_port_open "$AMQPS_PORT" 30 || die "RabbitMQ did not open $AMQPS_PORT; see its log in $LOG_DIR"
        tls_handshake_ok "$AMQPS_PORT" "$dir/ca.pem" || die "RabbitMQ's TLS listener on $AMQPS_PORT does not verify against $src/ca.pem"
    fi

    # PostgreSQL: ssl=on through ALTER SYSTEM (survives restarts and the rewritten hromada.conf)
    # and a reload; the files inside the data directory, owned by the server's user.
    pg_locate
    pg_accepting || die "enable-tls: PostgreSQL is not running (start it first)"
    local data owner
    data="$(pg_psql -d postgres -Atc 'SHOW data_directory')" || die "enable-tls: cannot read PostgreSQL's data directory"
    owner="$(stat -c %U "$data")"
    mkdir -p "$data/hromada-tls"
    install -m 0644 -o "$owner" "$dir/ca.pem" "$data/hromada-tls/ca.pem"
    install -m 0644 -o "$owner" "$dir/server.pem" "$data/hromada-tls/server.pem"
    install -m 0600 -o "$owner" "$dir/server.key" "$data/hromada-tls/server.key"
    chown "$owner" "$data/hromada-tls"
    pg_psql -d postgres >/dev/null <<SQL
ALTER SYSTEM SET ssl = on;
ALTER SYSTEM SET ssl_cert_file = '$data/hromada-tls/server.pem';
ALTER SYSTEM SET ssl_key_file = '$data/hromada-tls/server.key';
ALTER SYSTEM SET ssl_ca_file = '$data/hromada-tls/ca.pem';
SELECT pg_reload_conf();
SQL
    local deadline=$((SECONDS + 15))
    until pg_tls_ok "$dir/ca.pem"; do
        ((SECONDS < deadline)) || die "PostgreSQL does not accept sslmode=verify-full with $src/ca.pem; see its log"
        sleep 0.3
    done
    log "TLS on: amqps://localhost:$AMQPS_PORT and PostgreSQL sslmode=verify-full on localhost:$PG_PORT (CA $dir/ca.pem)"
}

cmd_tls_status() {
    local dir="$STATE/tls" rc=0
    if [[ -s "$dir/ca.pem" ]] && tls_handshake_ok "$AMQPS_PORT" "$dir/ca.pem"; then echo "rabbitmq tls: up on 127.0.0.1:$AMQPS_PORT"
    else echo "rabbitmq tls: DOWN (127.0.0.1:$AMQPS_PORT)"; rc=1; fi
    pg_locate
    if [[ -s "$dir/ca.pem" ]] && pg_tls_ok "$dir/ca.pem"; then echo "postgres tls: up on localhost:$PG_PORT"
    else echo "postgres tls: DOWN (localhost:$PG_PORT)"; rc=1; fi
    return "$rc"
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
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
        enable-tls) [[ $# -eq 1 && -d "$1" ]] || usage; cmd_enable_tls "$(cd "$1" && pwd -P)" ;;
        tls-status) cmd_tls_status ;;
        start-kannel) start_kannel ;;
        stop-kannel) stop_kannel ;;
        kannel-status) kannel_script status ;;
        -h|--help|help) usage ;;
        *) usage ;;
    esac
}

main "$@"
