#!/bin/bash
# Runs once in the primary's empty data directory (docker-entrypoint-initdb.d): the replication
# role for the standby, the service roles and schemas (deploy/local/sql, the same SQL as locally),
# then every service role's password from the secrets.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$(cat /run/secrets/pg_replication_password)';
CREATE DATABASE hromada ENCODING 'UTF8' TEMPLATE template0;
SQL
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -f /hromada-sql/roles.sql
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d hromada -f /hromada-sql/bootstrap-database.sql
for service in intake routing notification audit; do
    password="$(cat "/run/secrets/pg_${service}_password")"
    psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -c "ALTER ROLE hromada_${service} PASSWORD '${password}'"
done
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
