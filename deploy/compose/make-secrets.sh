#!/usr/bin/env bash
# Writes random secrets for compose.yaml into secrets/ (never overwrites existing ones), and
# secrets/definitions.json: ../definitions.json plus the broker users (password hashes), their
# permissions and topic permissions — the same users and rights as deploy/local (deploy/local/lib.sh
# is the one table of them). No guest: the node imports these definitions on boot.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$HERE/secrets"
umask 077
rnd() { openssl rand -hex 24; }
BROKER_USERS=(hromada-admin hromada-intake hromada-routing hromada-notification hromada-audit
    hromada-observer hromada-monitor hromada-replay)
for f in rabbitmq_erlang_cookie pg_superuser_password pg_replication_password pg_autoctl_node_password \
         pg_intake_password pg_routing_password pg_notification_password pg_audit_password \
         pg_audit_owner_password; do
    [[ -s "$f" ]] || rnd >"$f"
done
for user in "${BROKER_USERS[@]}"; do
    [[ -s "rabbitmq_${user}_password" ]] || rnd >"rabbitmq_${user}_password"
done
# The keys that seal personal fields on the bus (docs/SECURITY.md): one ring, shared by the four
# services, `<key id>:<base64url 32-byte key>`, the current key first.
[[ -s sealing_keys ]] || printf 'k%s-%s:%s\n' "$(date -u +%Y%m%d)" "$(openssl rand -hex 3)" \
    "$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')" >sealing_keys
# The key of the short-lived signed links to appeals' photos: intake and routing only (issue 15).
[[ -s photo_link_key ]] || openssl rand -hex 32 >photo_link_key
[[ -s rabbitmq.env ]] || printf 'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-setcookie %s\nRABBITMQ_CTL_ERL_ARGS=-setcookie %s\n' \
    "$(cat rabbitmq_erlang_cookie)" "$(cat rabbitmq_erlang_cookie)" >rabbitmq.env

# Rights from deploy/local/lib.sh (sourced with a throwaway state folder).
rights="$(mktemp)"
state="$(mktemp -d)"
HROMADA_STATE="$state" bash -c '
    source "$1/../local/lib.sh"
    for user in "${@:2}"; do
        IFS=$'"'"'\t'"'"' read -r c w r <<<"$(user_permissions "$user")"
        topic=""
        case "$user" in hromada-intake|hromada-routing|hromada-notification|hromada-audit)
            topic="$(topic_write_pattern "${user#hromada-}")" ;;
        hromada-admin) topic="" ;;
        *) topic="^$" ;; esac
        printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$user" "$(user_tags "$user")" "$c" "$w" "$r" "$topic"
    done' _ "$HERE" "${BROKER_USERS[@]}" >"$rights"
rm -rf "$state"
python3 - "$HERE/definitions.json" "$rights" definitions.json <<'PY'
import base64, hashlib, json, os, sys
template, rights, out = sys.argv[1:4]
definitions = json.load(open(template))
definitions["users"], definitions["permissions"], definitions["topic_permissions"] = [], [], []
for line in open(rights):
    user, tags, configure, write, read, topic = line.rstrip("\n").split("\t")
    password = open(f"rabbitmq_{user}_password").read().strip()
    salt = os.urandom(4)  # rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))
    digest = hashlib.sha256(salt + password.encode()).digest()
    definitions["users"].append({"name": user, "password_hash": base64.b64encode(salt + digest).decode(),
                                 "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": [t for t in [tags] if t]})
    definitions["permissions"].append({"user": user, "vhost": "/", "configure": configure, "write": write, "read": read})
    if topic:
        definitions["topic_permissions"].append({"user": user, "vhost": "/", "exchange": "hromada.events", "write": topic, "read": ".*"})
with open(out, "w") as f:
    json.dump(definitions, f, indent=2)
PY
rm -f "$rights"
chmod 0644 definitions.json  # read by the container's rabbitmq user; the folder itself is private

i=1
for s in intake routing notification audit; do
    # Every node listed (the client fails over along the list, deploy/cluster proved it); the
    # services' first choice spread over the three nodes. Each service its own user.
    rp="$(cat "rabbitmq_hromada-${s}_password")"
    urls=""
    for k in 0 1 2; do
        n=$(((i - 1 + k) % 3 + 1))
        urls+="${urls:+,}amqp://hromada-$s:$rp@rabbitmq-$n:5672/%2f"
    done
    # Both pg_auto_failover data nodes, the writable one chosen by libpq (deploy/cluster's URL).
    [[ -s "$s.env" ]] || printf 'HROMADA_DATABASE_URL=host=pg-node-1,pg-node-2 port=5432,5432 dbname=hromada user=hromada_%s password=%s target_session_attrs=read-write connect_timeout=3 sslmode=require\nHROMADA_AMQP_URL=%s\n' \
        "$s" "$(cat "pg_${s}_password")" "$urls" >"$s.env"
    # Added to an env file written before these settings existed, too.
    grep -q '^HROMADA_SEALING_KEYS=' "$s.env" || printf 'HROMADA_SEALING_KEYS=%s\n' "$(cat sealing_keys)" >>"$s.env"
    if [[ "$s" == intake || "$s" == routing ]] && ! grep -q '^HROMADA_PHOTO_LINK_KEY=' "$s.env"; then
        printf 'HROMADA_PHOTO_LINK_KEY=%s\n' "$(cat photo_link_key)" >>"$s.env"
    fi
    # The key of the service's session cookies and tracking proofs, the same for all its replicas
    # (without it each replica draws its own and a sign-in fails on the next one).
    if [[ "$s" != audit ]] && ! grep -q '^HROMADA_SESSION_SECRET=' "$s.env"; then
        printf 'HROMADA_SESSION_SECRET=%s\n' "$(openssl rand -hex 32)" >>"$s.env"
    fi
    if [[ "$s" == audit ]] && ! grep -q '^HROMADA_AUDIT_MIGRATION_DATABASE_URL=' "$s.env"; then
        # The audit log's owner role migrates; the service then works as hromada_audit.
        printf 'HROMADA_AUDIT_MIGRATION_DATABASE_URL=host=pg-node-1,pg-node-2 port=5432,5432 dbname=hromada user=hromada_audit_owner password=%s target_session_attrs=read-write connect_timeout=3 sslmode=require\n' \
            "$(cat pg_audit_owner_password)" >>"$s.env"
    fi
    i=$((i % 3 + 1))
done
echo "secrets written to $(pwd)"
