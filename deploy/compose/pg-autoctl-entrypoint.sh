#!/bin/bash
# PostgreSQL under pg_auto_failover in a container, the same design and settings as
# deploy/cluster/up.sh (which runs it as processes and whose fault test kills the primary):
#   pg-autoctl-entrypoint.sh monitor   the monitor: watches the nodes, promotes the secondary
#   pg-autoctl-entrypoint.sh node      a data node: the first to register becomes the primary, the
#                                       next its synchronous secondary (pg_auto_failover's default
#                                       replication quorum with two nodes)
# Runs as the postgres user; state under /var/lib/postgresql/data (a volume). Passwords come from
# the compose secrets; every connection other than the local socket needs one (scram-sha-256),
# and the nodes talk TLS with self-signed certificates.
set -euo pipefail
role="${1:?usage: pg-autoctl-entrypoint.sh monitor|node}"
top=/var/lib/postgresql/data
export PGDATA="$top/pgdata"
export XDG_CONFIG_HOME="$top/xdg/config" XDG_DATA_HOME="$top/xdg/data"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME"
host="$(hostname)"
sockets=/var/run/postgresql
ready_marker="$top/hromada-ready"
rm -f "$ready_marker"
secret() { tr -d '\n' <"/run/secrets/$1"; }
autoctl_password="$(secret pg_autoctl_node_password)"
replication_password="$(secret pg_replication_password)"

# libpq reads ~/.pgpass for every connection pg_autoctl, pg_basebackup and the walreceiver open.
umask 077
printf '*:*:*:autoctl_node:%s\n*:*:*:pgautofailover_replicator:%s\n' "$autoctl_password" "$replication_password" \
    >"$HOME/.pgpass"
umask 022

local_psql() { psql -X -q -v ON_ERROR_STOP=1 -h "$sockets" -p 5432 -U postgres "$@"; }
# Waits for the local server, then reloads it (the peer line above may postdate its start).
wait_local() {
    until pg_isready -q -h "$sockets" -p 5432; do sleep 1; done
    pg_ctl -D "$PGDATA" reload >/dev/null 2>&1 || true
}
# The postgres superuser over the local socket only (peer), ahead of pg_autoctl's own rules.
local_peer_first() { sed -i '1i local all postgres peer' "$PGDATA/pg_hba.conf"; }

case "$role" in
monitor)
    if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
        pg_autoctl create monitor --pgdata "$PGDATA" --pgport 5432 --hostname "$host" \
            --auth scram-sha-256 --ssl-self-signed
        local_peer_first
    fi
    # After start: the data nodes' password, and the health checks deploy/cluster/up.sh sets too
    # (deploy/local/sql, mounted at /hromada-sql: a lost node is noticed within seconds).
    (
        wait_local
        local_psql -d pg_auto_failover <<SQL
ALTER USER autoctl_node PASSWORD '$autoctl_password';
SQL
        local_psql -d pg_auto_failover -f /hromada-sql/pg-auto-failover-health.sql
        touch "$ready_marker"
    ) &
    exec pg_autoctl run --pgdata "$PGDATA"
    ;;
node)
    if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
        pg_autoctl create postgres --pgdata "$PGDATA" --pgport 5432 --hostname "$host" --name "$host" \
            --monitor "postgres://autoctl_node@pg-monitor:5432/pg_auto_failover?sslmode=require" \
            --auth scram-sha-256 --ssl-self-signed --pg-hba-lan
        pg_autoctl config set --pgdata "$PGDATA" replication.password "$replication_password"
        local_peer_first
        cat >>"$PGDATA/postgresql.conf" <<CONF
# Hromada (deploy/compose/pg-autoctl-entrypoint.sh; the settings of deploy/cluster/up.sh)
max_connections = 300
password_encryption = 'scram-sha-256'
# A failed primary rejoins with pg_rewind instead of a full base backup.
wal_log_hints = on
checkpoint_timeout = 60s
CONF
    fi
    # After start, on whichever node is primary: roles, database, schemas (deploy/local/sql, the
    # same SQL as everywhere) and the passwords from the secrets. Idempotent; re-run after every
    # start, so a promoted secondary applies a changed secret too.
    (
        wait_local
        until state="$(local_psql -d postgres -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null)"; do sleep 1; done
        if [[ "$state" == f ]]; then
            local_psql -d postgres -f /hromada-sql/roles.sql
            for service in intake routing notification audit; do
                local_psql -d postgres -c "ALTER ROLE hromada_$service PASSWORD '$(secret "pg_${service}_password")'"
            done
            local_psql -d postgres -c "ALTER ROLE postgres PASSWORD '$(secret pg_superuser_password)'"
            local_psql -d postgres -c "ALTER ROLE pgautofailover_replicator PASSWORD '$replication_password'"
            if [[ "$(local_psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'hromada'")" != 1 ]]; then
                local_psql -d postgres -c "CREATE DATABASE hromada ENCODING 'UTF8' TEMPLATE template0"
            fi
            local_psql -d hromada -f /hromada-sql/bootstrap-database.sql
            # The audit log's owner role apart from the service role (docs/SECURITY.md).
            local_psql -d hromada -f /hromada-sql/audit-owner.sql
            local_psql -d postgres -c "ALTER ROLE hromada_audit_owner PASSWORD '$(secret pg_audit_owner_password)'"
        fi
        touch "$ready_marker"
    ) &
    exec pg_autoctl run --pgdata "$PGDATA"
    ;;
*)
    echo "pg-autoctl-entrypoint.sh: unknown role '$role' (monitor or node)" >&2
    exit 2
    ;;
esac
