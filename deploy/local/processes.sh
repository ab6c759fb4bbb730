# shellcheck shell=bash
# Sourced by deploy/local/lib.sh and deploy/local/kannel/kannel.sh: ports and background
# processes. Defines functions only (no variable, no folder); the sourcing script defines `log`.

# port_open PORT [HOST]: true when something accepts TCP connections there.
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/${2:-127.0.0.1}/$1" 2>/dev/null
}

# wait_port open|closed PORT SECONDS: true once the port is open (closed), false after SECONDS.
wait_port() {
    local want=$1 port=$2 deadline=$((SECONDS + $3)) now
    while :; do
        if port_open "$port"; then now=open; else now=closed; fi
        [[ "$now" == "$want" ]] && return 0
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}
wait_port_open() { wait_port open "$@"; }
wait_port_closed() { wait_port closed "$@"; }

# exec_without_inherited_fds CMD...: closes every descriptor above stderr and execs CMD in this
# process. Daemons (postgres, RabbitMQ, the sink, the services) must not keep a pipe or socket of
# whoever called us: Foundation's Process on Linux waits for such a descriptor to close, so a test
# calling infra.sh would otherwise hang until the daemon stops. Called with `&` it runs in the
# background child itself, so `$!` is CMD's own pid.
exec_without_inherited_fds() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then
            eval "exec $fd>&-" 2>/dev/null || true
        fi
    done
    exec "$@"
}

# without_inherited_fds CMD...: the same in a subshell, for a CMD that daemonizes itself (with `&`,
# `$!` would be the subshell's pid, not the program's: use exec_without_inherited_fds there).
without_inherited_fds() { (exec_without_inherited_fds "$@"); }

# process_alive PID: true when PID is a live process; a zombie (dead, not yet reaped by its
# parent, e.g. a test process) is not.
process_alive() {
    local stat
    [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null || return 1
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
    stat="${stat##*) }"
    [[ "${stat%% *}" != Z ]]
}

# pid_alive PIDFILE: true when the file names a live process.
pid_alive() {
    local pid
    [[ -s "$1" ]] || return 1
    pid="$(head -n1 "$1" | tr -dc 0-9)"
    process_alive "$pid"
}

# stop_pidfile PIDFILE NAME [SECONDS]: SIGTERM, wait, then SIGKILL. Safe when nothing runs.
stop_pidfile() {
    local file=$1 name=$2 grace=${3:-15} pid deadline
    if ! pid_alive "$file"; then
        rm -f "$file"
        return 0
    fi
    pid="$(head -n1 "$file" | tr -dc 0-9)"
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + grace))
    while process_alive "$pid"; do
        if ((SECONDS >= deadline)); then
            log "$name did not stop within ${grace}s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.2
    done
    rm -f "$file"
}
