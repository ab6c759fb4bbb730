#!/usr/bin/env python3
"""Profiles a running isolated stack (perf-stack.sh) for a window of N seconds while a load runs.

Per service: CPU seconds of the process (/proc/<pid>/stat utime+stime) and of its PostgreSQL
backends (the backends of this database grouped by role), the rows that tell how many appeals
each stage handled in the window, the database's commits and tuple counts (pg_stat_database,
pg_stat_user_tables), the cluster's WAL syncs (pg_stat_wal: cluster-wide, other databases
included), and a system-wide `perf record -a -g` of the window. With the database's sampled
statement log on (ALTER DATABASE ... SET log_min_duration_sample = 0, log_statement_sample_rate,
see BENCHMARKS.md), the sampled statements of the window are grouped by role and statement.

    profile-window.py --seconds 20 --out /tmp/perf/before [--no-perf]

Writes <out>/window.json, <out>/perf.data, <out>/statements.tsv and prints a summary.
"""
import argparse
import json
import os
import re
import subprocess
import time
from collections import Counter, defaultdict

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SERVICES = ["intake", "routing", "notification", "audit"]
TICK = os.sysconf("SC_CLK_TCK")

# What tells that a stage handled an appeal (counted at both ends of the window).
STAGE_COUNTS = {
    "intake": "SELECT count(*) FROM intake.appeals",
    "routing": "SELECT count(*) FROM routing.tickets",
    "notification": "SELECT count(*) FROM notification.deliveries WHERE status = 'sent'",
    "audit": "SELECT count(*) FROM audit.log",
}


def secret(kind, name):
    with open(os.path.join(ROOT, ".hromada", "secrets", kind, name)) as f:
        return f.read().strip()


def psql(db, sql):
    env = dict(os.environ, PGPASSWORD=secret("postgres", "postgres"))
    out = subprocess.run(
        ["/usr/lib/postgresql/15/bin/psql", "-X", "-qAt", "-F", "\t", "-h", "127.0.0.1", "-U", "postgres", "-d", db,
         "-c", sql], env=env, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    except OSError:
        return None


def busy():
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    return sum(cpu) - idle, sum(cpu)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def pidfile(run_dir, name):
    with open(os.path.join(run_dir, name)) as f:
        return int(f.read().strip())


def snapshot(args, backends):
    snap = {"time": time.time(), "load": loadavg(), "busy": busy()}
    snap["services"] = {s: ticks(pidfile(args.run_dir, f"hromada-{s}.pid")) for s in SERVICES}
    try:
        snap["services"]["smtp-sink"] = ticks(pidfile(args.run_dir, "smtp-sink.pid"))
    except OSError:
        pass
    snap["backends"] = {pid: ticks(pid) for pid in backends}
    beam = subprocess.run(["pgrep", "-x", "beam.smp"], capture_output=True, text=True).stdout.split()
    snap["beam"] = sum(ticks(int(p)) or 0 for p in beam)
    allpg = subprocess.run(["pgrep", "-u", "postgres"], capture_output=True, text=True).stdout.split()
    snap["postgres_all"] = sum(ticks(int(p)) or 0 for p in allpg)
    snap["stages"] = {s: int(psql(args.db, q)[0][0]) for s, q in STAGE_COUNTS.items()}
    row = psql(args.db, "SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, "
                        "tup_deleted, blks_read, blks_hit FROM pg_stat_database WHERE datname = current_database()")[0]
    snap["database"] = dict(zip(["xact_commit", "xact_rollback", "tup_returned", "tup_fetched", "tup_inserted",
                                 "tup_updated", "tup_deleted", "blks_read", "blks_hit"], map(int, row)))
    row = psql(args.db, "SELECT wal_records, wal_bytes, wal_write, wal_sync, wal_sync_time FROM pg_stat_wal")[0]
    snap["wal"] = dict(zip(["wal_records", "wal_bytes", "wal_write", "wal_sync", "wal_sync_time_ms"],
                           map(float, row)))
    snap["tables"] = {
        r[0]: list(map(int, r[1:]))
        for r in psql(args.db, "SELECT schemaname||'.'||relname, n_tup_ins, n_tup_upd, n_tup_del, seq_scan, "
                               "COALESCE(idx_scan, 0), n_tup_hot_upd FROM pg_stat_user_tables")
    }
    return snap


def sampled_statements(log_path, start, end, roles, rate):
    """Sampled statements of the window, by role and statement (first 90 characters)."""
    counts = Counter()
    durations = defaultdict(float)
    phases = defaultdict(float)
    # An extended-protocol statement logs its parse, bind (planning) and execute phases as three
    # lines, each sampled on its own; a simple-protocol one (BEGIN, COMMIT) one `statement` line.
    # Calls are counted from `execute` and `statement` lines; the time is every phase's.
    line_re = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) \w+ \[(\d+)\] LOG:  duration: ([\d.]+) ms  "
                         r"(statement|execute|bind|parse)[^:]*: (.*)$")
    with open(log_path, errors="replace") as f:
        f.seek(max(0, os.path.getsize(log_path) - 400_000_000))
        lines = f.readlines()
    pending = None
    for line in lines + [""]:
        if pending and line.startswith(("\t", " ")):
            pending[4] += " " + line.strip()
            continue
        if pending:
            ts, pid, ms, phase, text = pending
            role = roles.get(int(pid))
            stamp = time.mktime(time.strptime(ts.split(".")[0], "%Y-%m-%d %H:%M:%S")) - time.timezone
            if role and start <= stamp <= end:
                key = (role, re.sub(r"\s+", " ", text)[:90])
                if phase in ("execute", "statement"):
                    counts[key] += 1
                durations[key] += float(ms)
                phases[(role, phase)] += float(ms)
            pending = None
        m = line_re.match(line)
        if m:
            pending = [m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)]
    return counts, durations, phases


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--out", required=True)
    p.add_argument("--run-dir", default="/tmp/perf/run")
    p.add_argument("--db", default="hromada_perf")
    p.add_argument("--log", default=os.path.join(ROOT, ".hromada", "log", "postgres.log"))
    p.add_argument("--sample-rate", type=float, default=0.02)
    p.add_argument("--no-perf", action="store_true")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)

    roles = {int(pid): user.replace("hromada_", "") for pid, user in
             psql(args.db, "SELECT pid, usename FROM pg_stat_activity WHERE datname = current_database() "
                           "AND usename LIKE 'hromada_%'")}
    before = snapshot(args, roles)
    perf = None
    if not args.no_perf:
        perf = subprocess.Popen(["perf", "record", "-a", "-g", "-F", "499", "-o", os.path.join(args.out, "perf.data"),
                                 "--", "sleep", str(args.seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        perf.wait()
    else:
        time.sleep(args.seconds)
    after = snapshot(args, roles)
    seconds = after["time"] - before["time"]

    def delta(a, b):
        return None if a is None or b is None else (b - a) / TICK

    result = {"seconds": seconds, "load_before": before["load"], "load_after": after["load"]}
    b0, t0 = before["busy"]
    b1, t1 = after["busy"]
    result["machine_busy_percent"] = 100.0 * (b1 - b0) / max(1, t1 - t0)
    result["stages"] = {s: after["stages"][s] - before["stages"][s] for s in SERVICES}
    result["cpu_seconds"] = {s: delta(before["services"].get(s), after["services"].get(s))
                             for s in after["services"]}
    by_role = defaultdict(float)
    for pid, role in roles.items():
        d = delta(before["backends"].get(pid), after["backends"].get(pid))
        if d is not None:
            by_role[role] += d
    result["postgres_backend_cpu_seconds"] = dict(by_role)
    result["postgres_all_cpu_seconds"] = (after["postgres_all"] - before["postgres_all"]) / TICK
    result["rabbitmq_cpu_seconds"] = (after["beam"] - before["beam"]) / TICK
    result["database"] = {k: after["database"][k] - before["database"][k] for k in after["database"]}
    result["wal_cluster"] = {k: after["wal"][k] - before["wal"][k] for k in after["wal"]}
    result["tables"] = {
        t: dict(zip(["ins", "upd", "del", "seq_scan", "idx_scan", "hot_upd"],
                    [x - y for x, y in zip(after["tables"][t], before["tables"].get(t, [0] * 6))]))
        for t in after["tables"]
    }
    result["tables"] = {t: v for t, v in result["tables"].items() if any(v.values())}
    counts, durations, phases = sampled_statements(args.log, before["time"], after["time"], roles, args.sample_rate)
    result["window_start"] = before["time"]
    result["window_end"] = after["time"]
    result["backend_roles"] = {str(pid): role for pid, role in roles.items()}
    result["sampled_server_ms_by_phase"] = {f"{r}/{p}": round(ms, 1) for (r, p), ms in sorted(phases.items())}
    with open(os.path.join(args.out, "statements.tsv"), "w") as f:
        f.write("role\testimated_calls\tsampled_calls\tsampled_ms_all_phases\tstatement\n")
        for (role, text), n in sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1])):
            f.write(f"{role}\t{n / args.sample_rate:.0f}\t{n}\t{durations[(role, text)]:.1f}\t{text}\n")
    result["sampled_statements_by_role"] = {
        r: sum(n for (role, _), n in counts.items() if role == r) for r in SERVICES
    }
    with open(os.path.join(args.out, "window.json"), "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)

    appeals = max(1, result["stages"]["intake"])
    print(f"window {seconds:.1f} s, load {before['load']} -> {after['load']}, "
          f"machine busy {result['machine_busy_percent']:.0f} %")
    print(f"stages: {result['stages']}")
    print("| service | own CPU s | µs/appeal | its PG backends CPU s | µs/appeal | stage rows | "
          "est. statements/appeal |")
    for s in SERVICES:
        cpu = result["cpu_seconds"][s] or 0
        pg = by_role.get(s, 0)
        stmts = result["sampled_statements_by_role"][s] / args.sample_rate / appeals
        print(f"| {s} | {cpu:.2f} | {cpu / appeals * 1e6:.0f} | {pg:.2f} | {pg / appeals * 1e6:.0f} | "
              f"{result['stages'][s]} | {stmts:.1f} |")
    print(f"postgres all processes {result['postgres_all_cpu_seconds']:.2f} s "
          f"({result['postgres_all_cpu_seconds'] / appeals * 1e6:.0f} µs/appeal); "
          f"rabbitmq {result['rabbitmq_cpu_seconds']:.2f} s ({result['rabbitmq_cpu_seconds'] / appeals * 1e6:.0f} "
          f"µs/appeal); sink {result['cpu_seconds'].get('smtp-sink') or 0:.2f} s")
    print(f"database: {result['database']}; commits/appeal {result['database']['xact_commit'] / appeals:.1f}")
    print(f"WAL (cluster): {result['wal_cluster']}")


if __name__ == "__main__":
    main()
