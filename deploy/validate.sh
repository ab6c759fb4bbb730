#!/usr/bin/env bash
# Validates the scale-out deployment files:
#   - yamllint (PyPI) over deploy/compose and deploy/k8s;
#   - kubernetes-validate (PyPI: the Kubernetes OpenAPI schemas, offline) over deploy/k8s, strict;
#   - the compose file parsed by compose-spec (PyPI: the Compose specification's model);
#   - structural checks of what the design requires (3 RabbitMQ nodes with quorum queues, a
#     PostgreSQL primary and standby (compose: pg_auto_failover) reached through libpq multi-host strings with
#     target_session_attrs=read-write, 2 replicas of every service with probes, limits, PDBs).
# Installs the validators with pip when missing. Exit 0 = valid, 1 = invalid, 3 = validators
# could not be installed.
set -uo pipefail
DEPLOY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
K8S_VERSION="${HROMADA_K8S_VERSION:-1.30.0}"

pip_install() {
    python3 -m pip install --quiet "$@" >/dev/null 2>&1 \
        || python3 -m pip install --quiet --break-system-packages "$@" >/dev/null 2>&1
}
need() { # python module, pip package
    python3 -c "import $1" 2>/dev/null && return 0
    echo "installing $2" >&2
    pip_install "$2" && python3 -c "import $1" 2>/dev/null
}
missing=0
need yamllint yamllint || missing=1
need kubernetes_validate kubernetes-validate || missing=1
need compose_spec compose-spec || missing=1
need yaml pyyaml || missing=1
if ((missing)); then echo "validate.sh: validators unavailable (pip install yamllint kubernetes-validate compose-spec pyyaml)" >&2; exit 3; fi

rc=0
echo "==> yamllint"
python3 -m yamllint -s -c "$DEPLOY/yamllint.yaml" "$DEPLOY/compose" "$DEPLOY/k8s" || rc=1

echo "==> kubernetes-validate (Kubernetes $K8S_VERSION, strict)"
out="$(python3 -m kubernetes_validate --strict -k "$K8S_VERSION" "$DEPLOY"/k8s/*.yaml 2>&1)" || rc=1
printf '%s\n' "$out" | grep -vE "^INFO .* passed for resource" || true
printf 'resources valid: %s\n' "$(printf '%s\n' "$out" | grep -cE "passed for resource")"
if printf '%s\n' "$out" | grep -qE "^(ERROR|WARN)"; then rc=1; fi

echo "==> compose-spec + structure"
python3 - "$DEPLOY" <<'PY' || rc=1
import sys, os, glob, yaml, compose_spec
deploy = sys.argv[1]
errors = []
def check(cond, message):
    if not cond: errors.append(message)

text = open(os.path.join(deploy, "compose/compose.yaml")).read()
try:
    compose_spec.PyCompose.from_yaml(text)
except Exception as e:
    errors.append(f"compose.yaml does not follow the Compose specification: {e}")
compose = yaml.safe_load(text)
services = compose.get("services", {})
check(sorted(n for n in services if n.startswith("rabbitmq-")) == ["rabbitmq-1", "rabbitmq-2", "rabbitmq-3"], "compose: 3 RabbitMQ nodes")
conf = open(os.path.join(deploy, "compose/rabbitmq.conf")).read()
check("default_queue_type = quorum" in conf and "classic_config.nodes.3" in conf, "compose: rabbitmq.conf forms a 3-node cluster with quorum queues")
check(all(services.get(n, {}).get("entrypoint", [])[-1:] == [role] for n, role in
          [("pg-monitor", "monitor"), ("pg-node-1", "node"), ("pg-node-2", "node")]),
      "compose: PostgreSQL under pg_auto_failover (pg-monitor, pg-node-1, pg-node-2)")
check("smtp-sink" in services, "compose: SMTP sink")
secrets_script = open(os.path.join(deploy, "compose/make-secrets.sh")).read()
check("host=pg-node-1,pg-node-2" in secrets_script and "target_session_attrs=read-write" in secrets_script, "compose: libpq multi-host strings")
for s in ["intake", "routing", "notification", "audit"]:
    svc = services.get(s, {})
    check(svc.get("deploy", {}).get("replicas") == 2, f"compose: 2 replicas of {s}")
    check(svc.get("command") == [f"hromada-{s}"], f"compose: {s} runs hromada-{s}")

docs = []
for f in sorted(glob.glob(os.path.join(deploy, "k8s/*.yaml"))):
    docs += [d for d in yaml.safe_load_all(open(f)) if d]
by = {(d["kind"], d["metadata"]["name"]): d for d in docs}
rabbit = by.get(("StatefulSet", "rabbitmq"))
check(rabbit is not None and rabbit["spec"]["replicas"] == 3, "k8s: RabbitMQ StatefulSet of 3")
headless = by.get(("Service", "rabbitmq-nodes"))
check(headless is not None and headless["spec"].get("clusterIP") == "None", "k8s: headless service for the RabbitMQ nodes")
rconf = by.get(("ConfigMap", "rabbitmq-config"), {}).get("data", {})
check("rabbit_peer_discovery_k8s" in rconf.get("rabbitmq.conf", "") and "rabbitmq_peer_discovery_k8s" in rconf.get("enabled_plugins", ""), "k8s: peer discovery plugin")
check("default_queue_type = quorum" in rconf.get("rabbitmq.conf", ""), "k8s: quorum queues by default")
check(("StatefulSet", "pg-primary") in by and ("StatefulSet", "pg-standby") in by, "k8s: PostgreSQL primary and standby")
for s, port in [("intake", 8080), ("routing", 8081), ("notification", 8082), ("audit", 8083)]:
    d = by.get(("Deployment", f"hromada-{s}"))
    if d is None:
        errors.append(f"k8s: Deployment hromada-{s} missing"); continue
    check(d["spec"]["replicas"] >= 2, f"k8s: {s} replicas >= 2")
    c = d["spec"]["template"]["spec"]["containers"][0]
    check(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/health/ready", f"k8s: {s} readiness on /health/ready")
    check(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/health/live", f"k8s: {s} liveness on /health/live")
    limits = c.get("resources", {}).get("limits", {})
    check("memory" in limits and "cpu" in c.get("resources", {}).get("requests", {}), f"k8s: {s} requests and limits")
    check(("PodDisruptionBudget", f"hromada-{s}") in by, f"k8s: PDB for {s}")
    secret = by.get(("Secret", f"hromada-{s}"), {}).get("stringData", {})
    url = secret.get("HROMADA_DATABASE_URL", "")
    check("pg-primary" in url and "pg-standby" in url and "target_session_attrs=read-write" in url, f"k8s: {s} multi-host database URL")
    check(any(e.get("configMapRef", {}).get("name") == "hromada-config" for e in c.get("envFrom", [])), f"k8s: {s} takes the ConfigMap")
check(("PodDisruptionBudget", "rabbitmq") in by, "k8s: PDB for RabbitMQ")
kinds = sorted({d["kind"] for d in docs})
print(f"compose services: {len(services)}; k8s resources: {len(docs)} ({', '.join(kinds)})")
for e in errors: print("STRUCTURE:", e)
sys.exit(1 if errors else 0)
PY

if ((rc == 0)); then echo "deploy/validate.sh: all valid"; else echo "deploy/validate.sh: INVALID" >&2; fi
exit "$rc"
