#!/usr/bin/env bash
# A second, isolated Hromada for profiling next to the usual one (deploy/local/up.sh on 8080–8083):
# the same PostgreSQL and RabbitMQ servers, but its own database (hromada_perf, the four schemas and
# roles of bootstrap-database.sql), its own vhost (perf, every broker user with its production
# rights there), its own SMTP sink, and the services of a build of your choice on their own ports.
# Without that isolation the two stacks' services would be competing consumers of the same queues
# and a profile could not say which process handled which appeal.
#
#   Benchmarks/Pipeline/perf-stack.sh prepare  # only the database and the vhost (idempotent)
#   Benchmarks/Pipeline/perf-stack.sh start    # prepares database, vhost, sink; starts the services
#   Benchmarks/Pipeline/perf-stack.sh stop     # stops what start started (by pid file)
#   Benchmarks/Pipeline/perf-stack.sh bench [hromada-bench options...]
#
# PERF_BIN (the build's bin folder, default .build-perf/release), PERF_DIR (pid files, logs,
# credentials; default /tmp/perf), PERF_PORT_BASE (default 18080: intake, +1 routing, +2
# notification, +3 audit; +4/+5 the sink's SMTP and control ports; +6 postfix), PERF_DB, PERF_VHOST,
# PERF_SMTP: `sink` (default: the Python sink of deploy/local) or `postfix` (a real MTA on loopback
# that accepts and discards: deploy/bench/postfix.sh); the notification service sends to it and
# `bench` measures its SMTP ceiling, with the other one measured for comparison.
# The intake's per-centre rate limit (50 registrations/s, burst 100) has no setting: `bench` spreads
# the load over enough benchmark centres instead (hromada-bench --centres, raised automatically).
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/local/lib.sh"
cd "$ROOT"

PERF_BIN="${PERF_BIN:-$ROOT/.build-perf/release}"
PERF_DIR="${PERF_DIR:-/tmp/perf}"
PERF_DB="${PERF_DB:-hromada_perf}"
PERF_VHOST="${PERF_VHOST:-perf}"
BASE="${PERF_PORT_BASE:-18080}"
SERVICES=(intake routing notification audit)
declare -A PORT=([intake]=$BASE [routing]=$((BASE + 1)) [notification]=$((BASE + 2)) [audit]=$((BASE + 3)))
SMTP=$((BASE + 4))
SMTP_API=$((BASE + 5))
POSTFIX_PORT=$((BASE + 6))
RUN="$PERF_DIR/run"
LOGS="$PERF_DIR/log"
mkdir -p "$RUN" "$LOGS" "$PERF_DIR/mail"
chmod 0700 "$PERF_DIR"
# The SMTP server of the running stack (start records it; stop and bench read it).
SMTP_SERVER="${PERF_SMTP:-$(cat "$RUN/smtp-server" 2>/dev/null || echo sink)}"
[[ $SMTP_SERVER == sink || $SMTP_SERVER == postfix ]] || die "PERF_SMTP must be sink or postfix"
postfix_sh() { BENCH_POSTFIX_PORT="$POSTFIX_PORT" bash "$ROOT/deploy/bench/postfix.sh" "$@"; }
smtp_url() { if [[ $SMTP_SERVER == postfix ]]; then echo "smtp://127.0.0.1:$POSTFIX_PORT"; else echo "smtp://127.0.0.1:$SMTP"; fi; }
other_smtp_url() {   # the other server, when it is running
    local port=$POSTFIX_PORT
    [[ $SMTP_SERVER == postfix ]] && port=$SMTP
    if port_open "$port"; then echo "smtp://127.0.0.1:$port"; fi
}

ADMIN_PASS="$(secret_read rabbitmq "$RABBIT_ADMIN")"
api() {   # api METHOD PATH [JSON] as the broker's administrator; credentials via curl's stdin config
    local method=$1 path=$2 body=${3:-}
    {
        printf 'user = "%s:%s"\n' "$RABBIT_ADMIN" "$ADMIN_PASS"
        if [[ -n "$body" ]]; then
            body="${body//\\/\\\\}"
            printf 'data = "%s"\nheader = "content-type: application/json"\n' "${body//\"/\\\"}"
        fi
    } | curl -fsS -m 15 -K - -X "$method" -o /dev/null "http://127.0.0.1:$RABBIT_MGMT_PORT$path"
}
# Called with `&`: closes the inherited descriptors in the background child and execs the program,
# so `$!` is the program's own pid (as up.sh's helper of the same name).
exec_without_inherited_fds() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec "$@"
}
json() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

prepare() {
    log "database $PERF_DB (roles, schemas)"
    bash "$ROOT/deploy/local/infra.sh" bootstrap-database "$PERF_DB"
    audit_owner_ensure "$PERF_DB"
    log "vhost $PERF_VHOST (users' production rights, topic rights, exchanges)"
    api PUT "/api/vhosts/$PERF_VHOST" '{}'
    local user configure write read service
    while IFS= read -r user; do
        IFS=$'\t' read -r configure write read <<<"$(user_permissions "$user")"
        api PUT "/api/permissions/$PERF_VHOST/$user" \
            "{\"configure\":$(json "$configure"),\"write\":$(json "$write"),\"read\":$(json "$read")}"
    done < <(rabbit_all_users)
    for service in "${SERVICES[@]}"; do
        api PUT "/api/topic-permissions/$PERF_VHOST/hromada-$service" \
            "{\"exchange\":\"hromada.events\",\"write\":$(json "$(topic_write_pattern "$service")"),\"read\":\".*\"}"
    done
    api PUT "/api/topic-permissions/$PERF_VHOST/$RABBIT_OBSERVER" '{"exchange":"hromada.events","write":"^$","read":".*"}'
    api PUT "/api/exchanges/$PERF_VHOST/hromada.events" '{"type":"topic","durable":true}'
    api PUT "/api/exchanges/$PERF_VHOST/hromada.dlx" '{"type":"direct","durable":true}'
}

start() {
    prepare
    [[ -s "$PERF_DIR/admin-token" ]] || (umask 077 && openssl rand -hex 24 >"$PERF_DIR/admin-token")
    local admin_token
    admin_token="$(tr -d '\n' <"$PERF_DIR/admin-token")"
    (umask 077 && printf '{"adminToken": "%s"}\n' "$admin_token" >"$PERF_DIR/credentials.json")
    if ! pid_alive "$RUN/smtp-sink.pid"; then
        log "SMTP sink on $SMTP (control $SMTP_API)"
        exec_without_inherited_fds python3 "$ROOT/deploy/local/smtp-sink.py" --smtp-port "$SMTP" --http-port "$SMTP_API" \
            --dir "$PERF_DIR/mail" </dev/null >>"$LOGS/smtp-sink.log" 2>&1 &
        echo $! >"$RUN/smtp-sink.pid"
        wait_port_open "$SMTP" 15 || die "the sink did not start"
    fi
    if [[ $SMTP_SERVER == postfix ]]; then postfix_sh start >/dev/null; fi
    echo "$SMTP_SERVER" >"$RUN/smtp-server"
    local svc exe url extra
    for svc in "${SERVICES[@]}"; do
        exe="hromada-$svc"
        pid_alive "$RUN/$exe.pid" && { log "$exe already running"; continue; }
        port_open "${PORT[$svc]}" && die "port ${PORT[$svc]} is taken"
        url="postgresql://hromada_$svc:$(secret_read postgres "hromada_$svc")@127.0.0.1:$PG_PORT/$PERF_DB"
        extra=(HROMADA_SEALING_KEYS="$(sealing_keys)")
        [[ $svc == intake || $svc == routing ]] && extra+=(HROMADA_PHOTO_LINK_KEY="$(photo_link_key)")
        [[ $svc == routing ]] && extra+=(HROMADA_INTAKE_URL="http://127.0.0.1:${PORT[intake]}")
        [[ $svc == notification ]] && extra+=(HROMADA_SMTP_URL="$(smtp_url)" HROMADA_SMS_URL=)
        [[ $svc == audit ]] && extra+=(HROMADA_AUDIT_MIGRATION_DATABASE_URL="$(audit_owner_url "$PERF_DB")")
        log "starting $exe on ${PORT[$svc]} (log $LOGS/$exe.log)"
        exec_without_inherited_fds env HROMADA_DATABASE_URL="$url" HROMADA_HTTP_PORT="${PORT[$svc]}" \
            HROMADA_AMQP_URL="$(amqp_url "hromada-$svc" "$PERF_VHOST")" HROMADA_ADMIN_TOKEN="$admin_token" \
            HROMADA_HTTP_HOST=127.0.0.1 HROMADA_LOG_LEVEL="${HROMADA_LOG_LEVEL:-info}" "${extra[@]}" \
            "$PERF_BIN/$exe" </dev/null >>"$LOGS/$exe.log" 2>&1 &
        echo $! >"$RUN/$exe.pid"
    done
    for svc in "${SERVICES[@]}"; do
        local deadline=$((SECONDS + 60))
        until curl -fsS -m 2 "http://127.0.0.1:${PORT[$svc]}/health/ready" >/dev/null 2>&1; do
            pid_alive "$RUN/hromada-$svc.pid" && ((SECONDS < deadline)) \
                || { tail -n 20 "$LOGS/hromada-$svc.log" >&2; die "hromada-$svc is not ready"; }
            sleep 0.5
        done
        log "hromada-$svc ready (pid $(cat "$RUN/hromada-$svc.pid"))"
    done
}

stop() {
    local svc
    for svc in "${SERVICES[@]}"; do stop_pidfile "$RUN/hromada-$svc.pid" "hromada-$svc" 20; done
    stop_pidfile "$RUN/smtp-sink.pid" smtp-sink 10
    if [[ $SMTP_SERVER == postfix ]]; then postfix_sh stop; fi
    rm -f "$RUN/smtp-server"
}

bench() {
    "$PERF_BIN/hromada-bench" --intake-url "http://127.0.0.1:${PORT[intake]}" \
        --service-ports "routing=${PORT[routing]},notification=${PORT[notification]},audit=${PORT[audit]}" \
        --credentials "$PERF_DIR/credentials.json" --run-dir "$RUN" \
        --amqp-url "$(amqp_url "$RABBIT_ADMIN" "$PERF_VHOST")" \
        --rabbitmq-api "http://$RABBIT_MONITOR:$(secret_read rabbitmq "$RABBIT_MONITOR")@127.0.0.1:$RABBIT_MGMT_PORT" \
        --pg-admin-url "postgresql://$PG_SUPERUSER:$PG_SUPERPASS@127.0.0.1:$PG_PORT/postgres" --database "$PERF_DB" \
        --smtp-url "$(smtp_url)" --smtp-compare "$(other_smtp_url)" "$@"
}

case "${1:-}" in
    prepare) prepare ;;
    start) start ;;
    stop) stop ;;
    bench) shift; bench "$@" ;;
    *) echo "usage: $0 start|stop|bench [options]" >&2; exit 2 ;;
esac
