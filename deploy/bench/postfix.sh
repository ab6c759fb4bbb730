#!/usr/bin/env bash
# A real MTA for the benchmark's SMTP ceiling and the notification service under load: Debian's
# postfix as a dedicated instance of its own (its own config and queue folder, no system-wide
# /etc/postfix instance is configured or started), listening on 127.0.0.1 only, accepting mail from
# loopback and DISCARDING every message after it is queued (default/local/relay/virtual transports
# are `discard`): nothing is ever delivered, locally or outside. Acceptance is what a real MTA
# does: the message is written to its queue file and fsynced before the 250 answer.
# Never touches the shared PostgreSQL or RabbitMQ.
#
#   deploy/bench/postfix.sh install   # apt-get install postfix if absent (services are not started)
#   deploy/bench/postfix.sh start     # install, configure (idempotent) and start; prints the SMTP URL
#   deploy/bench/postfix.sh stop      # stops this instance
#   deploy/bench/postfix.sh status    # running or not, the port, messages accepted so far
#
# BENCH_POSTFIX_DIR (config, queue, log; default /var/tmp/hromada-bench-postfix),
# BENCH_POSTFIX_PORT (default 18086, next to perf-stack.sh's ports 18080–18085).
set -euo pipefail
DIR="${BENCH_POSTFIX_DIR:-/var/tmp/hromada-bench-postfix}"
PORT="${BENCH_POSTFIX_PORT:-18086}"
CONF="$DIR/etc"
QUEUE="$DIR/queue"
DATA="$DIR/data"
LOG="$DIR/postfix.log"

say() { printf '[postfix] %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

install() {
    [[ -x /usr/sbin/postfix ]] && return 0
    say "installing postfix (apt; no system instance is configured)"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null \
        || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null; } \
        || die "apt-get install postfix failed"
}

configure() {
    mkdir -p "$CONF" "$QUEUE" "$DATA"
    chmod 0755 "$DIR" "$CONF" "$QUEUE"
    chown postfix "$DATA"
    cat >"$CONF/main.cf" <<CONF
# Written by deploy/bench/postfix.sh: a loopback MTA that accepts and discards (benchmark only).
compatibility_level = 3.6
config_directory = $CONF
queue_directory = $QUEUE
data_directory = $DATA
mail_owner = postfix
setgid_group = postdrop
myhostname = hromada-bench.localdomain
mydomain = localdomain
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_banner = \$myhostname ESMTP
smtpd_peername_lookup = no
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 200
alias_maps =
alias_database =
local_recipient_maps =
relay_domains =
default_transport = discard:benchmark
relay_transport = discard:benchmark
local_transport = discard:benchmark
virtual_transport = discard:benchmark
notify_classes =
biff = no
maillog_file = $LOG
CONF
    cat >"$CONF/master.cf" <<CONF
# service type private unpriv chroot wakeup maxproc command
127.0.0.1:$PORT inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CONF
    postfix -c "$CONF" set-permissions >/dev/null 2>&1 || true
    postfix -c "$CONF" check 2>&1 | grep -v 'not owned by' >&2 || true
}

running() { postfix -c "$CONF" status >/dev/null 2>&1; }

start() {
    install
    configure
    if running; then
        postfix -c "$CONF" reload >/dev/null 2>&1   # the configuration may have changed (the port)
        say "already running; reloaded"
    else
        ss -ltn "sport = :$PORT" | grep -q LISTEN && die "port $PORT is taken"
        postfix -c "$CONF" start >&2
    fi
    local deadline=$((SECONDS + 15))
    until ss -ltn "sport = :$PORT" | grep -q LISTEN; do
        ((SECONDS < deadline)) || die "postfix did not listen on $PORT (log $LOG)"
        sleep 0.2
    done
    say "running on 127.0.0.1:$PORT (accepts and discards; log $LOG)"
    echo "smtp://127.0.0.1:$PORT"
}

stop() {
    [[ -f "$CONF/main.cf" ]] || return 0
    if running; then postfix -c "$CONF" stop >&2; fi
    return 0
}

status() {
    if [[ -f "$CONF/main.cf" ]] && running; then
        local accepted=0
        [[ -f $LOG ]] && accepted=$(grep -c 'status=sent (benchmark)' "$LOG" || true)
        echo "running on 127.0.0.1:$PORT; discarded so far: $accepted"
    else
        echo "stopped"
        return 3
    fi
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
