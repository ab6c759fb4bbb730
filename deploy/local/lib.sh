# shellcheck shell=bash
# Sourced by the deploy/local scripts: paths, ports, RabbitMQ environment, small helpers.
# Every setting can be overridden from the environment (HROMADA_STATE, HROMADA_PG_PORT, ...),
# e.g. to run a second, isolated set of servers next to the usual one.

# The checkout's root, resolved from this file's own location.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
STATE="${HROMADA_STATE:-$ROOT/.hromada}"
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd -P)"

RUN_DIR="$STATE/run"
LOG_DIR="$STATE/log"
MAIL_DIR="$STATE/mail"
RABBIT_DIR="$STATE/rabbitmq"
PG_DIR="$STATE/postgres"

# Ports (loopback only).
PG_PORT="${HROMADA_PG_PORT:-5432}"
AMQP_PORT="${HROMADA_AMQP_PORT:-5672}"
RABBIT_MGMT_PORT="${HROMADA_RABBITMQ_MGMT_PORT:-15672}"
SMTP_PORT="${HROMADA_SMTP_PORT:-2525}"
SMTP_HTTP_PORT="${HROMADA_SMTP_HTTP_PORT:-2526}"

# Generated secrets (passwords), one file each, mode 0600 in a 0700 folder:
#   secrets/rabbitmq/<broker user>, secrets/postgres/<role> (the superuser `postgres` too).
SECRETS_DIR="$STATE/secrets"
mkdir -p "$SECRETS_DIR/rabbitmq" "$SECRETS_DIR/postgres"
chmod 0700 "$SECRETS_DIR" "$SECRETS_DIR/rabbitmq" "$SECRETS_DIR/postgres"

# secret_path KIND NAME / secret_read KIND NAME (empty when not generated yet)
secret_path() { printf '%s/%s/%s' "$SECRETS_DIR" "$1" "$2"; }
secret_read() { local f; f="$(secret_path "$1" "$2")"; [[ -s "$f" ]] && tr -d '\n' <"$f" || true; }
# secret_ensure KIND NAME: the secret, generated (32 hex digits) and stored 0600 when missing.
secret_ensure() {
    local f
    f="$(secret_path "$1" "$2")"
    if [[ ! -s "$f" ]]; then
        (umask 077 && openssl rand -hex 16 >"$f.tmp" && mv -f "$f.tmp" "$f")
    fi
    chmod 0600 "$f"
    tr -d '\n' <"$f"
}

# PostgreSQL 15.
PG_BIN=/usr/lib/postgresql/15/bin
PG_SUPERUSER=postgres
# Generated on first start (infra.sh); `postgres` only for a state folder from before that, until
# infra.sh start rotates it.
PG_SUPERPASS="$(secret_read postgres postgres)"
PG_SUPERPASS="${PG_SUPERPASS:-postgres}"
PG_DATABASE="${HROMADA_PG_DATABASE:-hromada}"
PG_SERVICES=(intake routing notification audit)

# RabbitMQ 3.10 (Debian 12), state in $STATE/rabbitmq.
export RABBITMQ_NODENAME="${HROMADA_RABBITMQ_NODENAME:-rabbit@localhost}"
export RABBITMQ_BASE="$RABBIT_DIR"
export RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia"
export RABBITMQ_LOG_BASE="$LOG_DIR/rabbitmq"
export RABBITMQ_PID_FILE="$RABBIT_DIR/rabbit.pid"
# 3.10 takes the full path of the new-style file, extension included.
export RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_DIR/enabled_plugins"
# Erlang distribution port: RabbitMQ's own rule (AMQP + 20000) while it fits in 16 bits.
if ((AMQP_PORT + 20000 <= 65535)); then _dist=$((AMQP_PORT + 20000)); else _dist=$((AMQP_PORT - 20000)); fi
export RABBITMQ_DIST_PORT="${HROMADA_RABBITMQ_DIST_PORT:-$_dist}"
unset _dist
export PATH="/usr/lib/rabbitmq/bin:$PATH"
# The Erlang distribution (rabbitmqctl's channel to the node) and epmd on loopback only. An epmd
# already running keeps the address it was started with.
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="${RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS:-} -kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="${RABBITMQ_CTL_ERL_ARGS:-} -kernel inet_dist_use_interface {127,0,0,1}"
RABBITMQCTL=/usr/lib/rabbitmq/bin/rabbitmqctl

# Broker users (deploy/local/infra.sh creates them; passwords in secrets/rabbitmq/<user>):
#   hromada-admin          administrator: up.sh, infra.sh and the tests administer the broker with it
#   hromada-<service>      each service: publishes its own event types, reads its own queue
#   hromada-observer       binds a server-named exclusive queue to hromada.events and reads it
#   hromada-monitor        management API, tag monitoring (hromadactl status, the console)
#   hromada-replay         tag impersonator: hromadactl dlq replay/purge
RABBIT_ADMIN=hromada-admin
RABBIT_OBSERVER=hromada-observer
RABBIT_MONITOR=hromada-monitor
RABBIT_REPLAY=hromada-replay
RABBIT_SERVICES=(intake routing notification audit)
# The administrator the scripts use: guest/guest only for a state folder from before the users
# existed (infra.sh start migrates it).
RABBIT_USER="$RABBIT_ADMIN"
RABBIT_PASS="$(secret_read rabbitmq "$RABBIT_ADMIN")"
if [[ -z "$RABBIT_PASS" ]]; then RABBIT_USER=guest RABBIT_PASS=guest; fi

# amqp_url USER [VHOST]: the AMQP URL of a broker user on this machine (its generated password).
amqp_url() { printf 'amqp://%s:%s@127.0.0.1:%s/%s' "$1" "$(secret_read rabbitmq "$1")" "$AMQP_PORT" "${2:-%2f}"; }

mkdir -p "$RUN_DIR" "$LOG_DIR" "$MAIL_DIR" "$RABBIT_DIR" "$PG_DIR"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# port_open, wait_port, exec_without_inherited_fds, pid_alive, stop_pidfile (shared with kannel.sh).
# shellcheck source=deploy/local/processes.sh
source "$ROOT/deploy/local/processes.sh"

# --------------------------------------------------------------------------- the SMTP sink

SMTP_SINK_PID="$RUN_DIR/smtp-sink.pid"

# Starts deploy/local/smtp-sink.py in the background unless it (or another sink) already serves.
start_smtp_sink() {
    if pid_alive "$SMTP_SINK_PID"; then
        return 0
    fi
    if port_open "$SMTP_PORT"; then
        if curl -fsS -m 3 "http://127.0.0.1:$SMTP_HTTP_PORT/health" >/dev/null 2>&1; then
            log "reusing the SMTP sink already on 127.0.0.1:$SMTP_PORT"
            return 0
        fi
        die "port $SMTP_PORT is held by something that is not our SMTP sink; set HROMADA_SMTP_PORT"
    fi
    log "starting the SMTP sink on 127.0.0.1:$SMTP_PORT (control API $SMTP_HTTP_PORT, mail in $MAIL_DIR)"
    exec_without_inherited_fds nohup python3 "$ROOT/deploy/local/smtp-sink.py" --smtp-port "$SMTP_PORT" --http-port "$SMTP_HTTP_PORT" \
        --dir "$MAIL_DIR" </dev/null >>"$LOG_DIR/smtp-sink.log" 2>&1 &
    echo $! >"$SMTP_SINK_PID"
    local deadline=$((SECONDS + 15))
    until curl -fsS -m 2 "http://127.0.0.1:$SMTP_HTTP_PORT/health" >/dev/null 2>&1 && port_open "$SMTP_PORT"; do
        if ! pid_alive "$SMTP_SINK_PID" || ((SECONDS >= deadline)); then
            tail -n 20 "$LOG_DIR/smtp-sink.log" >&2
            die "the SMTP sink did not start"
        fi
        sleep 0.2
    done
}

stop_smtp_sink() { stop_pidfile "$SMTP_SINK_PID" smtp-sink 15; }

# ------------------------------------------------------------------ Kannel, the SMS gateway

# bearerbox with a fake SMSC, Kannel's fakesmsc (every SMS it receives is a line of
# $LOG_DIR/fakesmsc.log) and smsbox with the sendsms user `hromada`, whose password is generated
# 0600 in secrets/kannel/hromada (deploy/local/kannel/kannel.sh; pid files in $RUN_DIR).
KANNEL_SENDSMS_PORT="${HROMADA_KANNEL_SENDSMS_PORT:-13013}"
kannel_password() {
    mkdir -p "$SECRETS_DIR/kannel"
    chmod 0700 "$SECRETS_DIR/kannel"
    secret_ensure kannel hromada
}
kannel_script() {
    env KANNEL_STATE_DIR="$STATE/kannel" KANNEL_RUN_DIR="$RUN_DIR" KANNEL_LOG_DIR="$LOG_DIR" \
        KANNEL_ADMIN_PORT="${HROMADA_KANNEL_ADMIN_PORT:-13000}" KANNEL_SMSBOX_PORT="${HROMADA_KANNEL_SMSBOX_PORT:-13001}" \
        KANNEL_SMSC_PORT="${HROMADA_KANNEL_SMSC_PORT:-13002}" KANNEL_SENDSMS_PORT="$KANNEL_SENDSMS_PORT" \
        KANNEL_SENDSMS_USER=hromada KANNEL_SENDSMS_PASSWORD="$(kannel_password)" \
        bash "$ROOT/deploy/local/kannel/kannel.sh" "$@"
}
start_kannel() { kannel_script start; }
stop_kannel() { kannel_script stop; }
# sms_url: HROMADA_SMS_URL for this Kannel (the password as user info).
sms_url() { printf 'http://hromada:%s@127.0.0.1:%s/cgi-bin/sendsms' "$(kannel_password)" "$KANNEL_SENDSMS_PORT"; }

# ------------------------------------------------------------------ broker users' rights

# The event types each service produces: the same table as Shared/Contracts/Producers.swift
# (SecurityTests.BrokerTrustTests checks that the two agree).
declare -A RABBIT_PRODUCES=(
    [intake]="appeal.registered appeal.returned centre.updated appeal.personal-data-erased appeal.personal-data-erasure-confirmed appeal.answer-rated appeal.disputed personal-data.accessed"
    [routing]="official.updated routing-rules.changed ticket.accepted ticket.assigned ticket.closed ticket.deadline-approaching ticket.extended ticket.forwarded ticket.overdue ticket.reopened personal-data.accessed ticket.answered appeal.returned appeal.not-considered appeal.personal-data-erasure-confirmed appeal.dispute-accepted appeal.dispute-refused ticket.note-added ticket.delegated ticket.grouped"
    [notification]="notification.failed notification.sent appeal.personal-data-erasure-confirmed"
    [audit]="audit.checkpoint personal-data.accessed personal-data.erased appeal.personal-data-erasure-confirmed"
)

# topic_write_pattern SERVICE: the regex of the routing keys SERVICE may publish on hromada.events
# (RabbitMQ topic permission), built exactly as Producers.writeRoutingKeyPattern builds it.
topic_write_pattern() {
    local types
    # shellcheck disable=SC2086
    types="$(printf '%s\n' ${RABBIT_PRODUCES[$1]} | LC_ALL=C sort | sed 's/\./\\./g' | paste -sd'|')"
    printf '^(%s)\\.v[0-9]+(\\..+)?$' "$types"
}

# user_permissions USER: "configure<TAB>write<TAB>read" regexes on the vhost (RabbitMQ checks
# configure for declare/delete, write for publish and for the queue side of a bind, read for
# consume/get/purge and for the exchange side of a bind).
user_permissions() {
    local q
    case "$1" in
        hromada-intake|hromada-routing|hromada-notification|hromada-audit)
            q="hromada\\.${1#hromada-}"
            printf '%s\t%s\t%s\n' "^$q(\\.retry\\.[0-9]+|\\.dead)?\$" \
                "^(hromada\\.events|hromada\\.dlx|$q(\\.retry\\.[0-9]+|\\.dead)?)\$" \
                "^(hromada\\.events|hromada\\.dlx|$q(\\.retry\\.[0-9]+)?)\$" ;;
        "$RABBIT_OBSERVER") printf '%s\t%s\t%s\n' '^amq\.gen-.*$' '^amq\.gen-.*$' '^(amq\.gen-.*|hromada\.events)$' ;;
        "$RABBIT_MONITOR") printf '%s\t%s\t%s\n' '^$' '^$' '^hromada\.[a-z-]+\.dead$' ;;
        "$RABBIT_REPLAY") printf '%s\t%s\t%s\n' '^$' '^amq\.default$' '^hromada\.[a-z-]+\.dead$' ;;
        "$RABBIT_ADMIN") printf '%s\t%s\t%s\n' '.*' '.*' '.*' ;;
        *) return 1 ;;
    esac
}

# user_tags USER
user_tags() {
    case "$1" in
        "$RABBIT_ADMIN") echo administrator ;;
        "$RABBIT_MONITOR") echo monitoring ;;
        "$RABBIT_REPLAY") echo impersonator ;;
        *) echo "" ;;
    esac
}

rabbit_all_users() {
    local s
    printf '%s\n' "$RABBIT_ADMIN"
    for s in "${RABBIT_SERVICES[@]}"; do printf 'hromada-%s\n' "$s"; done
    printf '%s\n' "$RABBIT_OBSERVER" "$RABBIT_MONITOR" "$RABBIT_REPLAY"
}

# ------------------------------------------------------------ personal data sealed on the bus

# The keys that seal residents' personal fields on the bus (HROMADA_SEALING_KEYS, read by the four
# services, never by hromadactl): secrets/sealing/keys, 0600, `<key id>:<base64url 32-byte key>`
# entries, comma-separated, the current key first (docs/SECURITY.md). Follows SECRETS_DIR (the
# cluster set-up keeps secrets of its own).
sealing_keys_file() { printf '%s/sealing/keys' "$SECRETS_DIR"; }

# sealing_new_key: a fresh `<id>:<key>` entry (the id: the day it was made and a random tag).
sealing_new_key() {
    printf 'k%s-%s:%s' "$(date -u +%Y%m%d)" "$(openssl rand -hex 3)" "$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')"
}

# sealing_keys: the ring, generated once (0600 in a 0700 folder).
sealing_keys() {
    local file
    file="$(sealing_keys_file)"
    mkdir -p "${file%/*}"
    chmod 0700 "${file%/*}"
    if [[ ! -s "$file" ]]; then
        (umask 077 && sealing_new_key >"$file.tmp" && mv -f "$file.tmp" "$file")
    fi
    chmod 0600 "$file"
    tr -d '\n' <"$file"
}

# sealing_keys_rotate [KEEP]: a new current key in front; the KEEP (default 1) newest older keys
# stay so messages still queued open. Restart the services afterwards (up.sh passes the ring).
sealing_keys_rotate() {
    local keep=${1:-1} old file
    file="$(sealing_keys_file)"
    old="$(sealing_keys | tr ',' '\n' | head -n "$keep" | paste -sd,)"
    (umask 077 && printf '%s,%s' "$(sealing_new_key)" "$old" >"$file.tmp" && mv -f "$file.tmp" "$file")
}

# ------------------------------------------------------------ signed links to appeals' photos

# hex_key_file FILE: 32 random bytes as hex, generated once, 0600 in FILE (its folder 0700); prints it.
hex_key_file() {
    local file=$1
    mkdir -p "${file%/*}"
    chmod 0700 "${file%/*}"
    if [[ ! -s "$file" ]]; then
        (umask 077 && openssl rand -hex 32 >"$file.tmp" && mv -f "$file.tmp" "$file")
    fi
    chmod 0600 "$file"
    tr -d '\n' <"$file"
}

# photo_link_key: the key of the short-lived signed links to appeals' photos
# (HROMADA_PHOTO_LINK_KEY, read by intake and routing only), in secrets/photos/link_key. Follows
# SECRETS_DIR.
photo_link_key() { hex_key_file "$SECRETS_DIR/photos/link_key"; }

# session_secret SERVICE: the key of SERVICE's session cookies and tracking proofs
# (HROMADA_SESSION_SECRET; intake, routing, notification, the console), one per service in
# secrets/sessions/SERVICE. Every replica of a service must get the same one: without it each
# process draws its own, and a sign-in on one replica is unknown to the next behind the balancer.
session_secret() { hex_key_file "$SECRETS_DIR/sessions/$1"; }

# ------------------------------------------------------------ the audit log's owner role

# hromada_audit_owner owns the audit schema and runs audit's migrations; the service role
# hromada_audit may only insert and read the log (docs/SECURITY.md). Password generated, 0600 in
# secrets/postgres/hromada_audit_owner.
AUDIT_OWNER_ROLE=hromada_audit_owner

# audit_owner_ensure [DATABASE]: as the superuser, creates the owner role (or resets its password
# to the generated one), hands it the audit schema and every object hromada_audit owned there, and
# grants the service role what migration 300 grants (deploy/local/sql/audit-owner.sql). Idempotent;
# run after `infra.sh start` (which creates the database and the service roles).
audit_owner_ensure() {
    local db=${1:-$PG_DATABASE} password superpass
    password="$(secret_ensure postgres "$AUDIT_OWNER_ROLE")"
    superpass="$(secret_read postgres "$PG_SUPERUSER")"
    PGPASSWORD="${superpass:-$PG_SUPERPASS}" PGCONNECT_TIMEOUT=5 PGOPTIONS='-c client_min_messages=warning' \
        "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" -d "$db" \
        -f "$ROOT/deploy/local/sql/audit-owner.sql" \
        -c "ALTER ROLE $AUDIT_OWNER_ROLE PASSWORD '$password'" >/dev/null
}

# audit_owner_url [DATABASE]: the owner's connection (HROMADA_AUDIT_MIGRATION_DATABASE_URL).
audit_owner_url() {
    printf 'postgresql://%s:%s@127.0.0.1:%s/%s' "$AUDIT_OWNER_ROLE" "$(secret_read postgres "$AUDIT_OWNER_ROLE")" \
        "$PG_PORT" "${1:-$PG_DATABASE}"
}
