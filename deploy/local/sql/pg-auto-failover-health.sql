-- pg_auto_failover's monitor: notice a lost node within a few seconds (its defaults wait 20 s
-- before a node counts as unhealthy and 30 s before the primary is demoted). Run on the monitor as
-- the superuser, after it started: deploy/cluster/up.sh (processes) and
-- deploy/compose/pg-autoctl-entrypoint.sh (containers).
ALTER SYSTEM SET pgautofailover.health_check_period = '1s';
ALTER SYSTEM SET pgautofailover.health_check_timeout = '1s';
ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = '1s';
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = '4s';
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = '6s';
SELECT pg_reload_conf();
