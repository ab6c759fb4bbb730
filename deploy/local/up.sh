#!/usr/bin/env bash
# Brings the whole system up on this machine: packages, PostgreSQL and RabbitMQ (state in
# .hromada/), the SMTP sink, a release build, the four services, the seed data and the operator
# console; then prints the URLs and the demo credentials. Re-running starts only what is not
# running. deploy/local/down.sh stops it all.
#
# HROMADA_BUILD_CONFIG=debug builds and runs the debug configuration instead of release.
# HROMADA_* variables set before running (README, "Configuration") are passed to the
# services. Per service, HROMADA_<SERVICE>_DATABASE_URL and HROMADA_<SERVICE>_HTTP_PORT
# (e.g. HROMADA_ROUTING_HTTP_PORT) and HROMADA_<SERVICE>_AMQP_URL override the defaults below; by
# default each service uses its own broker user and database role, with the passwords infra.sh
# generated under .hromada/secrets/ (0600), and listens on 127.0.0.1 (HROMADA_HTTP_HOST).
# hromadactl runs with the monitoring user's API URL and (console) the impersonator's AMQP URL.
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

CREDENTIALS="$STATE/credentials.json"
SERVICES=(intake routing notification audit)
declare -A DEFAULT_PORT=([intake]=8080 [routing]=8081 [notification]=8082 [audit]=8083)
CONSOLE_PORT="${HROMADA_CONSOLE_PORT:-8090}"

# 1. Infrastructure.
bash "$ROOT/deploy/local/infra.sh" install
bash "$ROOT/deploy/local/infra.sh" start
start_smtp_sink
# The SMS gateway (Kannel with a fake SMSC); HROMADA_SMS_URL= (set and empty) turns SMS off.
start_kannel
# The audit log's owner role (generated password) owns the audit schema; audit migrates as it and
# works as hromada_audit, which may only insert and read the log (docs/SECURITY.md).
audit_owner_ensure "$PG_DATABASE"
# The keys that seal personal fields on the bus, generated once (secrets/sealing/keys, 0600).
SEALING_KEYS="${HROMADA_SEALING_KEYS:-$(sealing_keys)}"
PHOTO_LINK_KEY="${HROMADA_PHOTO_LINK_KEY:-$(photo_link_key)}"

# 2. Demo credentials, generated once; fields a newer version added are filled in, and the broker
#    URLs always follow the generated passwords.
log "demo credentials in $CREDENTIALS"
(
    umask 077
    OBSERVER_URL="$(amqp_url "$RABBIT_OBSERVER")" \
    MONITOR_URL="http://$RABBIT_MONITOR:$(secret_read rabbitmq "$RABBIT_MONITOR")@127.0.0.1:$RABBIT_MGMT_PORT" \
    python3 - "$CREDENTIALS" <<'PY'
import json, os, secrets, sys
path = sys.argv[1]
try:
    with open(path, encoding="utf-8") as f:
        credentials = json.load(f)
except (FileNotFoundError, ValueError):
    credentials = {}
def token():
    return secrets.token_hex(24)
for field in ("centreKey", "adminToken", "operatorToken"):
    credentials.setdefault(field, token())
credentials.setdefault("officials", [
    {"authority": "mayor-reception", "name": "Приймальня міського голови (демо)", "token": token()},
    {"authority": "zhkg", "name": "Департамент ЖКГ (демо)", "token": token()},
])
# Issue 20: a demo head (signs answers and extensions, decides returns and "not considered").
if not any(o.get("role") == "head" for o in credentials["officials"]):
    credentials["officials"].append(
        {"authority": "zhkg", "name": "Директор департаменту ЖКГ (демо)", "role": "head", "token": token()})
# Every official names its role (ARCHITECTURE.md: official|head|reception); the reception's demo
# official is reception staff, as hromadactl seed registers it.
for official in credentials["officials"]:
    official.setdefault("role", "reception" if official["authority"] == "mayor-reception" else "official")
# Issue 13: a demo librarian's personal account at the demo centre (intake's form signs in with it).
credentials.setdefault("librarians", [
    {"centre": "demo-library", "login": "demo-librarian", "password": token()},
])
credentials["amqpObserverUrl"] = os.environ["OBSERVER_URL"]
credentials["rabbitmqApiUrl"] = os.environ["MONITOR_URL"]
with open(path + ".tmp", "w", encoding="utf-8") as f:
    json.dump(credentials, f, ensure_ascii=False, indent=2)
    f.write("\n")
os.replace(path + ".tmp", path)
PY
)
chmod 0600 "$CREDENTIALS"
credential() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$CREDENTIALS" "$1"; }
ADMIN_TOKEN="$(credential adminToken)"
OPERATOR_TOKEN="$(credential operatorToken)"

# 3. Release build (HROMADA_BUILD_CONFIG=debug reuses the test build instead).
CONFIG="${HROMADA_BUILD_CONFIG:-release}"
log "swift build -c $CONFIG (log: $LOG_DIR/build-$CONFIG.log)"
if ! swift build -c "$CONFIG" </dev/null >"$LOG_DIR/build-$CONFIG.log" 2>&1; then
    tail -n 40 "$LOG_DIR/build-$CONFIG.log" >&2
    die "$CONFIG build failed; see $LOG_DIR/build-$CONFIG.log"
fi
BIN="$(swift build -c "$CONFIG" --show-bin-path)"

export HROMADA_LOG_LEVEL="${HROMADA_LOG_LEVEL:-info}"
# hromadactl reads the management API as the monitoring user.
export HROMADA_RABBITMQ_API="${HROMADA_RABBITMQ_API:-$(credential rabbitmqApiUrl)}"
export HROMADA_ADMIN_TOKEN="${HROMADA_ADMIN_TOKEN:-$ADMIN_TOKEN}"
# Closed by default: the services listen on loopback (set HROMADA_HTTP_HOST=0.0.0.0 to open them).
export HROMADA_HTTP_HOST="${HROMADA_HTTP_HOST:-127.0.0.1}"

service_port() {
    local upper="${1^^}" var
    var="HROMADA_${upper}_HTTP_PORT"
    echo "${!var:-${DEFAULT_PORT[$1]}}"
}
service_database_url() {
    local upper="${1^^}" var
    var="HROMADA_${upper}_DATABASE_URL"
    echo "${!var:-postgresql://hromada_$1:$(secret_read postgres "hromada_$1")@127.0.0.1:$PG_PORT/$PG_DATABASE}"
}
# Each service talks to the broker as its own user (HROMADA_<SERVICE>_AMQP_URL, or a
# HROMADA_AMQP_URL set before up.sh, overrides it).
service_amqp_url() {
    local upper="${1^^}" var
    var="HROMADA_${upper}_AMQP_URL"
    echo "${!var:-${HROMADA_AMQP_URL:-$(amqp_url "hromada-$1")}}"
}

# 4. The services, each only if not already running.
for svc in "${SERVICES[@]}"; do
    exe="hromada-$svc"
    pidfile="$RUN_DIR/$exe.pid"
    if pid_alive "$pidfile"; then
        log "$exe already running (pid $(cat "$pidfile"))"
        continue
    fi
    [[ -x "$BIN/$exe" ]] || die "$BIN/$exe was not built"
    port="$(service_port "$svc")"
    if port_open "$port"; then
        die "port $port for $exe is taken by another process; set HROMADA_${svc^^}_HTTP_PORT"
    fi
    log "starting $exe on 127.0.0.1:$port (log: $LOG_DIR/$exe.log)"
    extra=()
    [[ "$svc" == notification ]] && extra+=("HROMADA_SMTP_URL=${HROMADA_SMTP_URL:-smtp://127.0.0.1:$SMTP_PORT}")
    [[ "$svc" == notification ]] && extra+=("HROMADA_SMS_URL=${HROMADA_SMS_URL-$(sms_url)}")
    [[ "$svc" == audit ]] && extra+=("HROMADA_AUDIT_MIGRATION_DATABASE_URL=${HROMADA_AUDIT_MIGRATION_DATABASE_URL:-$(audit_owner_url)}")
    # Only the four services get the sealing keys (not hromadactl: `dlq show` prints sealed bodies).
    extra+=("HROMADA_SEALING_KEYS=$SEALING_KEYS")
    # Issue 15: intake serves the photos by signed links that routing makes; only they share the key.
    [[ "$svc" == intake || "$svc" == routing ]] && extra+=("HROMADA_PHOTO_LINK_KEY=$PHOTO_LINK_KEY")
    # Sessions and tracking proofs outlive a restart, and a second replica would share them.
    [[ "$svc" != audit ]] && extra+=("HROMADA_SESSION_SECRET=${HROMADA_SESSION_SECRET:-$(session_secret "$svc")}")
    [[ "$svc" == routing ]] && extra+=("HROMADA_INTAKE_URL=${HROMADA_INTAKE_URL:-http://127.0.0.1:$(service_port intake)}")
    database_url="$(service_database_url "$svc")"
    amqp="$(service_amqp_url "$svc")"
    exec_without_inherited_fds env HROMADA_DATABASE_URL="$database_url" HROMADA_HTTP_PORT="$port" HROMADA_AMQP_URL="$amqp" \
        "${extra[@]}" nohup "$BIN/$exe" </dev/null >>"$LOG_DIR/$exe.log" 2>&1 &
    echo $! >"$pidfile"
done

# 5. Wait until every service is ready (up to 60 s each, in parallel).
failed=()
deadline=$((SECONDS + 60))
pending=("${SERVICES[@]}")
while ((${#pending[@]})); do
    still=()
    for svc in "${pending[@]}"; do
        if curl -fsS -m 2 "http://127.0.0.1:$(service_port "$svc")/health/ready" >/dev/null 2>&1; then
            log "hromada-$svc ready"
        elif ! pid_alive "$RUN_DIR/hromada-$svc.pid" || ((SECONDS >= deadline)); then
            failed+=("$svc")
        else
            still+=("$svc")
        fi
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]})) && sleep 0.5
done
for svc in "${failed[@]+"${failed[@]}"}"; do
    printf '\n--- hromada-%s is not ready; last lines of %s ---\n' "$svc" "$LOG_DIR/hromada-$svc.log" >&2
    tail -n 30 "$LOG_DIR/hromada-$svc.log" >&2 || true
done

# 6. Seed data (authorities, categories, demo centre and officials from credentials.json).
if [[ -x "$BIN/hromadactl" ]]; then
    if "$BIN/hromadactl" seed --credentials "$CREDENTIALS" </dev/null >>"$LOG_DIR/hromadactl-seed.log" 2>&1; then
        log "seed data in place"
    else
        log "WARNING: 'hromadactl seed' failed or is not implemented yet; see $LOG_DIR/hromadactl-seed.log"
    fi
else
    log "WARNING: $BIN/hromadactl not built; no seed data"
fi

# 7. Operator console.
console_pid="$RUN_DIR/hromadactl.pid"
if pid_alive "$console_pid"; then
    log "operator console already running (pid $(cat "$console_pid"))"
elif [[ -x "$BIN/hromadactl" ]] && ! port_open "$CONSOLE_PORT"; then
    # Dead-letter replay needs the impersonator user (it restores each event's original user_id).
    exec_without_inherited_fds env HROMADA_OPERATOR_TOKEN="$OPERATOR_TOKEN" HROMADA_HTTP_PORT="$CONSOLE_PORT" \
        HROMADA_SESSION_SECRET="$(session_secret console)" \
        HROMADA_AMQP_URL="${HROMADA_CTL_AMQP_URL:-$(amqp_url "$RABBIT_REPLAY")}" \
        nohup "$BIN/hromadactl" console </dev/null >>"$LOG_DIR/hromadactl.log" 2>&1 &
    echo $! >"$console_pid"
    sleep 1
    pid_alive "$console_pid" || log "WARNING: 'hromadactl console' exited; see $LOG_DIR/hromadactl.log"
fi

# 8. Where everything is.
cat <<EOF

Hromada is $( ((${#failed[@]})) && echo "PARTLY up (see NOT READY below)" || echo up ) (state: $STATE)
  librarian form        http://127.0.0.1:$(service_port intake)/
  officials             http://127.0.0.1:$(service_port routing)/
  notification          http://127.0.0.1:$(service_port notification)/health/ready
  audit                 http://127.0.0.1:$(service_port audit)/v1/verify
  operator dashboard    http://127.0.0.1:$CONSOLE_PORT/
  RabbitMQ management   http://127.0.0.1:$RABBIT_MGMT_PORT/ (monitoring: rabbitmqApiUrl below; administrator
                        $RABBIT_ADMIN, password in $SECRETS_DIR/rabbitmq/)
  PostgreSQL            127.0.0.1:$PG_PORT, database $PG_DATABASE (passwords in $SECRETS_DIR/postgres/)
  mail sink             $MAIL_DIR (API http://127.0.0.1:$SMTP_HTTP_PORT/messages)
  SMS gateway           Kannel sendsms on 127.0.0.1:$KANNEL_SENDSMS_PORT, fake SMSC: $LOG_DIR/fakesmsc.log
  logs                  $LOG_DIR

Demo credentials ($CREDENTIALS):
EOF
cat "$CREDENTIALS"
if ((${#failed[@]})); then
    printf '\nNOT READY: %s\n' "${failed[*]}" >&2
    exit 1
fi
