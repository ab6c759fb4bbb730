#!/usr/bin/env bash
# Kannel (Debian's `kannel`, `kannel-extras`) for the local set-up and the tests: bearerbox with a
# fake SMSC, Kannel's `fakesmsc` connected to it (every message it receives is a line of
# fakesmsc.log), and smsbox with the sendsms user Hromada sends through. Loopback only.
#
#   kannel.sh start     starts what is not running (idempotent); returns once sendsms answers
#   kannel.sh stop      stops smsbox, fakesmsc and bearerbox (safe when nothing runs)
#   kannel.sh status    exit 0 when all three run
#
# Settings (environment; deploy/local/lib.sh's start_kannel passes the local ones):
#   KANNEL_STATE_DIR   kannel.conf (0600, written on every start) and the message store
#   KANNEL_RUN_DIR     pid files        KANNEL_LOG_DIR   logs and fakesmsc.log
#   KANNEL_ADMIN_PORT, KANNEL_SMSBOX_PORT, KANNEL_SMSC_PORT, KANNEL_SENDSMS_PORT
#   KANNEL_SENDSMS_USER, KANNEL_SENDSMS_PASSWORD (required for start)
set -euo pipefail

TEMPLATE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/kannel.conf.template"
STATE_DIR="${KANNEL_STATE_DIR:?KANNEL_STATE_DIR is not set}"
RUN_DIR="${KANNEL_RUN_DIR:-$STATE_DIR}"
LOG_DIR="${KANNEL_LOG_DIR:-$STATE_DIR}"
ADMIN_PORT="${KANNEL_ADMIN_PORT:-13000}"
SMSBOX_PORT="${KANNEL_SMSBOX_PORT:-13001}"
SMSC_PORT="${KANNEL_SMSC_PORT:-13002}"
SENDSMS_PORT="${KANNEL_SENDSMS_PORT:-13013}"
SENDSMS_USER="${KANNEL_SENDSMS_USER:-hromada}"
BEARERBOX=/usr/sbin/bearerbox
SMSBOX=/usr/sbin/smsbox
FAKESMSC=/usr/lib/kannel/test/fakesmsc
CONF="$STATE_DIR/kannel.conf"

log() { printf '[%s] kannel: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: kannel: %s\n' "$*" >&2; exit 1; }
# port_open, wait_port_open, exec_without_inherited_fds, pid_alive, stop_pidfile: the local set-up's.
# shellcheck source=deploy/local/processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/../processes.sh"
# detach PIDFILE LOGFILE CMD...: runs CMD in the background, in a session of its own, with no
# descriptor of the caller above stderr (a test process waits on those), and records its pid.
detach() {
    local pidfile=$1 logfile=$2
    shift 2
    exec_without_inherited_fds setsid "$@" </dev/null >>"$logfile" 2>&1 &
    echo $! >"$pidfile"
}

write_conf() {
    local password="${KANNEL_SENDSMS_PASSWORD:?KANNEL_SENDSMS_PASSWORD is not set}" admin
    [[ "$password$SENDSMS_USER" =~ ^[A-Za-z0-9_.-]+$ ]] || die "the sendsms user and password must be [A-Za-z0-9_.-]"
    admin="$(openssl rand -hex 16)"
    (
        umask 077
        sed -e "s|@ADMIN_PORT@|$ADMIN_PORT|g" -e "s|@SMSBOX_PORT@|$SMSBOX_PORT|g" -e "s|@SMSC_PORT@|$SMSC_PORT|g" \
            -e "s|@SENDSMS_PORT@|$SENDSMS_PORT|g" -e "s|@SENDSMS_USER@|$SENDSMS_USER|g" \
            -e "s|@SENDSMS_PASSWORD@|$password|g" -e "s|@ADMIN_PASSWORD@|$admin|g" \
            -e "s|@LOG_DIR@|$LOG_DIR|g" -e "s|@STATE_DIR@|$STATE_DIR|g" "$TEMPLATE" >"$CONF.tmp"
        mv -f "$CONF.tmp" "$CONF"
    )
    chmod 0600 "$CONF"
}

cmd_start() {
    [[ -x "$BEARERBOX" && -x "$SMSBOX" && -x "$FAKESMSC" ]] \
        || die "bearerbox, smsbox or fakesmsc missing: install kannel and kannel-extras (deploy/local/infra.sh install)"
    mkdir -p "$STATE_DIR" "$RUN_DIR" "$LOG_DIR"
    chmod 0700 "$STATE_DIR"
    if ! pid_alive "$RUN_DIR/kannel-bearerbox.pid"; then
        for port in "$ADMIN_PORT" "$SMSBOX_PORT" "$SMSC_PORT"; do
            port_open "$port" && die "port $port is taken by something that is not this Kannel"
        done
        write_conf
        log "starting bearerbox (fake SMSC on 127.0.0.1:$SMSC_PORT)"
        detach "$RUN_DIR/kannel-bearerbox.pid" "$LOG_DIR/kannel-bearerbox.out" "$BEARERBOX" -v 1 "$CONF"
        wait_port_open "$SMSBOX_PORT" 20 && wait_port_open "$SMSC_PORT" 20 \
            || { tail -n 20 "$LOG_DIR/kannel-bearerbox.log" >&2 || true; die "bearerbox did not start"; }
    fi
    if ! pid_alive "$RUN_DIR/kannel-fakesmsc.pid"; then
        # -m 0: it originates nothing, it only receives (and prints "Got message N: <from to ...>").
        detach "$RUN_DIR/kannel-fakesmsc.pid" "$LOG_DIR/fakesmsc.log" "$FAKESMSC" -H 127.0.0.1 -r "$SMSC_PORT" -m 0 "x x text x"
    fi
    if ! pid_alive "$RUN_DIR/kannel-smsbox.pid"; then
        port_open "$SENDSMS_PORT" && die "port $SENDSMS_PORT is taken by something that is not this Kannel"
        [[ -s "$CONF" ]] || write_conf
        log "starting smsbox (sendsms on 127.0.0.1:$SENDSMS_PORT)"
        detach "$RUN_DIR/kannel-smsbox.pid" "$LOG_DIR/kannel-smsbox.out" "$SMSBOX" -v 2 "$CONF"
    fi
    wait_port_open "$SENDSMS_PORT" 20 \
        || { tail -n 20 "$LOG_DIR/kannel-smsbox.log" >&2 || true; die "smsbox did not start"; }
}

cmd_stop() {
    stop_pidfile "$RUN_DIR/kannel-smsbox.pid" smsbox 10
    stop_pidfile "$RUN_DIR/kannel-fakesmsc.pid" fakesmsc 10
    stop_pidfile "$RUN_DIR/kannel-bearerbox.pid" bearerbox 10
}

cmd_status() {
    local name ok=0
    for name in bearerbox fakesmsc smsbox; do
        if pid_alive "$RUN_DIR/kannel-$name.pid"; then
            printf '%s: running (pid %s)\n' "$name" "$(cat "$RUN_DIR/kannel-$name.pid")"
        else
            printf '%s: stopped\n' "$name"
            ok=1
        fi
    done
    return "$ok"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) die "usage: kannel.sh start|stop|status" ;;
esac
