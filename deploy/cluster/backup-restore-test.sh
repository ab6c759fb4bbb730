#!/usr/bin/env bash
# Backup and a restore, performed once against the running cluster (deploy/cluster/up.sh):
#   1. per-schema dumps of the `hromada` database (pg_dump -Fc -n <schema>) from the primary, and
#      the RabbitMQ definitions (users, permissions, exchanges, queues, bindings) from node 1;
#   2. restore of every schema into a fresh database `hromada_restore_check` on the primary, with
#      the same roles; compares the row count of every table with the source's;
#   3. checks the definitions file names every broker user and hromada.* queue.
# The four dumps and the source's counts are read in one exported snapshot, so the services may go
# on writing while it runs: a "quiet" cluster is not quiet (audit checkpoints, the deadline watcher,
# delivery retries with back-off), and one CI run failed on counts taken a few seconds after the dumps.
# Backups land in .hromada/cluster/backups/<time>/. Exits non-zero when the restore differs.
set -euo pipefail
# shellcheck source=deploy/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir="$CLUSTER/backups/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dir" && chown postgres "$dir"
port="$(primary_port)" || die "no PostgreSQL primary answers"
conn="host=$PG_SOCKETS port=$port user=postgres"

# counts_sql: one line, "schema.table=rows ..." for every table of the four schemas.
counts_sql="SELECT string_agg(format('%s.%s=%s', schemaname, relname,
    (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', schemaname, relname),
    false, true, '')))[1]::text), ' ' ORDER BY schemaname, relname)
    FROM pg_stat_user_tables WHERE schemaname = ANY('{intake,routing,notification,audit}');"

# A psql session holds a repeatable-read transaction open; pg_dump --snapshot reads in it.
coproc SNAPSHOT_SESSION {
    runuser -u postgres -- "$PG_BIN/psql" -X -Atq -v ON_ERROR_STOP=1 "$conn dbname=$PG_DATABASE" 2>&1
}
printf '%s\n' "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;" "SELECT pg_export_snapshot();" \
    >&"${SNAPSHOT_SESSION[1]}"
read -r -t 60 snapshot <&"${SNAPSHOT_SESSION[0]}" || die "no snapshot from the primary on port $port"
[[ "$snapshot" =~ ^[0-9A-F]+-[0-9A-F]+-[0-9]+$ ]] || die "pg_export_snapshot answered: $snapshot"
for schema in "${PG_SERVICES[@]}"; do
    runuser -u postgres -- "$PG_BIN/pg_dump" -Fc --snapshot="$snapshot" -n "$schema" -f "$dir/$schema.dump" \
        "$conn dbname=$PG_DATABASE"
done
printf '%s\n' "$counts_sql" >&"${SNAPSHOT_SESSION[1]}"
read -r -t 600 source_counts <&"${SNAPSHOT_SESSION[0]}" || die "the source's row counts did not come"
printf '%s\n' "COMMIT;" '\q' >&"${SNAPSHOT_SESSION[1]}"
# bash unsets the coproc's variables once it has ended: read the pid with a default.
wait "${SNAPSHOT_SESSION_PID:-}" 2>/dev/null || true
ctl 1 export_definitions "$dir/rabbitmq-definitions.json" >/dev/null
log "backup in $dir"

check=hromada_restore_check
primary_psql postgres -c "DROP DATABASE IF EXISTS $check" -c "CREATE DATABASE $check TEMPLATE template0 ENCODING 'UTF8'" >/dev/null
for schema in "${PG_SERVICES[@]}"; do
    runuser -u postgres -- "$PG_BIN/pg_restore" --exit-on-error -d "$conn dbname=$check" "$dir/$schema.dump"
done
# The grants and revokes of a fresh database (idempotent over the restored schemas).
primary_psql "$check" -f "$ROOT/deploy/local/sql/bootstrap-database.sql" >/dev/null 2>&1
restored_counts="$(primary_psql "$check" -At -c "$counts_sql")"
primary_psql postgres -c "DROP DATABASE $check" >/dev/null
python3 - "$dir/rabbitmq-definitions.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
users = {u["name"] for u in d["users"]}
need = {"hromada-admin", "hromada-intake", "hromada-routing", "hromada-notification", "hromada-audit",
        "hromada-observer", "hromada-monitor", "hromada-replay"}
assert need <= users, f"definitions miss users {need - users}"
queues = {q["name"] for q in d["queues"]}
assert {"hromada.routing", "hromada.audit", "hromada.notification", "hromada.intake"} <= queues, queues
PY
if [[ "$source_counts" != "$restored_counts" ]]; then
    printf 'source:   %s\nrestored: %s\n' "$source_counts" "$restored_counts" >&2
    die "the restored database differs from the snapshot it was dumped from"
fi
log "restore verified: $(wc -w <<<"$source_counts") tables, the same rows; RabbitMQ definitions complete"
