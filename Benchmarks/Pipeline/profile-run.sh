#!/usr/bin/env bash
# One profile run on the isolated stack (perf-stack.sh): restarts its services from PERF_BIN, offers
# a fixed rate with hromada-bench (open loop), and profiles a window in the middle of the load with
# profile-window.py (perf record -a -g, CPU of every process, database counters, sampled statements).
#
#   PERF_BIN=/tmp/perf/bin-before Benchmarks/Pipeline/profile-run.sh NAME [RATE] [SECONDS] [WINDOW_START] [WINDOW]
#
# Everything lands in $PERF_DIR/NAME/: bench.md/.json/.err, window.json, statements.tsv, perf.data,
# perf-*.txt (the reports BENCHMARKS.md quotes).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
name=${1:?name}
rate=${2:-150}
seconds=${3:-60}
window_start=${4:-20}
window=${5:-20}
out="${PERF_DIR:-/tmp/perf}/$name"
mkdir -p "$out"

bash "$here/perf-stack.sh" stop
bash "$here/perf-stack.sh" start
sleep 3
{ date -u; uptime; } >"$out/machine-before.txt"
ps -eo pid,pcpu,etime,comm --sort=-pcpu | head -25 >>"$out/machine-before.txt"

bash "$here/perf-stack.sh" bench --skip-ceilings --phases rate --rate "$rate" --rate-seconds "$seconds" --centres 40 \
    --drain-timeout 240 --output "$out/bench.json" >"$out/bench.md" 2>"$out/bench.err" &
bench=$!
sleep "$window_start"
python3 "$here/profile-window.py" --seconds "$window" --out "$out" >"$out/window.txt" 2>&1 || echo "window failed" >&2
ps -eo pid,pcpu,etime,comm --sort=-pcpu | head -25 >"$out/machine-after.txt"
wait "$bench" || echo "bench exited $?" >&2

# The reports: per process, then each service's and PostgreSQL's own symbols.
perf report -i "$out/perf.data" --no-children --sort comm,dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' \
    | head -40 >"$out/perf-comm.txt" || true
for svc in intake routing notification audit; do
    pid="$(cat "${PERF_DIR:-/tmp/perf}/run/hromada-$svc.pid")"
    perf report -i "$out/perf.data" --no-children --pid "$pid" --sort symbol --stdio -g none 2>/dev/null \
        | grep -v '^#' | grep -v '^$' | head -30 | cut -c1-160 >"$out/perf-$svc-self.txt" || true
    perf report -i "$out/perf.data" --children --pid "$pid" --sort symbol --stdio -g none 2>/dev/null \
        | grep -v '^#' | grep -v '^$' | head -80 | cut -c1-220 >"$out/perf-$svc-children.txt" || true
done
perf report -i "$out/perf.data" --no-children --comm postgres --sort symbol --stdio -g none 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | head -40 | cut -c1-120 >"$out/perf-postgres-self.txt" || true
cat "$out/window.txt"
