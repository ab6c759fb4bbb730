#!/bin/bash
# A hot standby: on first start, clone the primary with pg_basebackup (-R writes
# standby.signal and primary_conninfo), then run postgres. libpq clients list both hosts with
# target_session_attrs=read-write, so after `pg_ctl promote` on this node they follow it.
set -euo pipefail
export PGPASSWORD="$(cat /run/secrets/pg_replication_password)"
if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    until pg_isready -h pg-primary -p 5432 -q; do sleep 1; done
    pg_basebackup -h pg-primary -U replicator -D "$PGDATA" -R -X stream -c fast -C -S standby_1
    chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
