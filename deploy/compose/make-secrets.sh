#!/usr/bin/env bash
# Writes random secrets for compose.yaml into secrets/ (never overwrites existing ones).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/secrets"
umask 077
rnd() { openssl rand -hex 24; }
for f in rabbitmq_password rabbitmq_erlang_cookie pg_superuser_password pg_replication_password \
         pg_intake_password pg_routing_password pg_notification_password pg_audit_password; do
    [[ -s "$f" ]] || rnd >"$f"
done
[[ -s rabbitmq.env ]] || printf 'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-setcookie %s\nRABBITMQ_CTL_ERL_ARGS=-setcookie %s\n' \
    "$(cat rabbitmq_erlang_cookie)" "$(cat rabbitmq_erlang_cookie)" >rabbitmq.env
[[ -s rabbitmq-credentials.conf ]] || printf 'default_user = hromada\ndefault_pass = %s\n' "$(cat rabbitmq_password)" >rabbitmq-credentials.conf
i=1
for s in intake routing notification audit; do
    # Spread the replicas' first broker choice over the three nodes.
    [[ -s "$s.env" ]] || printf 'HROMADA_DATABASE_URL=host=pg-primary,pg-standby port=5432,5432 dbname=hromada user=hromada_%s password=%s target_session_attrs=read-write connect_timeout=5\nHROMADA_AMQP_URL=amqp://hromada:%s@rabbitmq-%s:5672/%%2f\n' \
        "$s" "$(cat "pg_${s}_password")" "$(cat rabbitmq_password)" "$i" >"$s.env"
    i=$((i % 3 + 1))
done
echo "secrets written to $(pwd)"
