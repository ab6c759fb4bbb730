#!/usr/bin/env bash
# Checks that the Prometheus config and the Grafana dashboard parse and reference the metrics the
# runtime exports. Used by Tests/CtlTests (MonitoringConfigTests) and runnable by hand.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
python3 - <<'PY'
import json, re, sys
text = open("prometheus.yml", encoding="utf-8").read()
try:
    import yaml
    config = yaml.safe_load(text)
    jobs = [j["job_name"] for j in config["scrape_configs"]]
except ImportError:  # no PyYAML: a structural check of the same facts
    jobs = re.findall(r"^\s*- job_name:\s*(\S+)", text, re.M)
for service in ("intake", "routing", "notification", "audit"):
    assert f"hromada-{service}" in jobs, f"prometheus.yml does not scrape hromada-{service}"
dashboard = json.load(open("grafana-hromada.json", encoding="utf-8"))
exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
for metric in ("hromada_messages_consumed_total", "hromada_messages_published_total", "hromada_message_batch_duration_seconds_bucket",
               "hromada_messages_retried_total", "hromada_messages_dead_lettered_total", "hromada_outbox_lag_rows",
               "hromada_outbox_oldest_seconds", "http_server_request_duration_bucket"):
    assert metric in exprs, f"the dashboard has no panel over {metric}"
print(f"ok: {len(jobs)} scrape jobs, {len(dashboard['panels'])} panels")
PY
