#!/usr/bin/env bash
# Issue 16's whole measurement in one command: the isolated stack (perf-stack.sh) of a release build
# with a real MTA (postfix on loopback, accepting and discarding: deploy/bench/postfix.sh), then
# hromada-bench with every ceiling of the same run (broker, PostgreSQL 1 and 4 clients and one
# transaction, SMTP at the notification service's connection count, the Python sink compared) and
# the phases max, sustained (1,000/s for 60 s), rate (200/s) and soak (300/s for 10 minutes, per
# minute); the report (Markdown with the targets table, and JSON) lands in $OUT. Everything it
# started is stopped at the end, also on failure or Ctrl-C.
#
#   Benchmarks/Pipeline/full-run.sh                    # uses the build in $PERF_BIN
#   BUILD=1 Benchmarks/Pipeline/full-run.sh            # builds release into .build-perf first
#   Benchmarks/Pipeline/full-run.sh --soak-seconds 120 # any further hromada-bench options override
#
# OUT (default /tmp/perf/full-<UTC time>), PERF_BIN (default .build-perf/release), PERF_SMTP
# (postfix by default; `sink` for the Python sink), and perf-stack.sh's other variables.
# Takes about 15–17 minutes when the pipeline keeps up (stack start/stop ~30 s, ceilings ~1 min,
# max < 1 min, sustained ~1.5 min, rate ~1 min, soak ~10.5 min, ~12 s of counter settling per phase);
# each drain waits at most --drain-timeout (300 s here) for a pipeline that falls behind, so at worst
# ~35 minutes. Run it on a quiet machine: the write-transaction count per appeal is server-wide.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd "$here/../.." && pwd -P)"
export PERF_SMTP="${PERF_SMTP:-postfix}"
export PERF_BIN="${PERF_BIN:-$root/.build-perf/release}"
OUT="${OUT:-${PERF_DIR:-/tmp/perf}/full-$(date -u +%Y%m%dT%H%M%S)}"
mkdir -p "$OUT"

if [[ "${BUILD:-0}" == 1 ]]; then
    (cd "$root" && swift build -c release --scratch-path .build-perf)
fi
for exe in hromada-intake hromada-routing hromada-notification hromada-audit hromada-bench; do
    [[ -x "$PERF_BIN/$exe" ]] || { echo "error: $PERF_BIN/$exe is missing (BUILD=1 builds it)" >&2; exit 1; }
done

cleanup() { bash "$here/perf-stack.sh" stop >>"$OUT/stack.log" 2>&1 || true; }
trap cleanup EXIT
bash "$here/perf-stack.sh" stop >"$OUT/stack.log" 2>&1 || true
bash "$here/perf-stack.sh" start >>"$OUT/stack.log" 2>&1 || { tail -20 "$OUT/stack.log" >&2; exit 1; }
{ date -u; uptime; git -C "$root" log -1 --format='commit %h %s'; } >"$OUT/machine.txt"

started=$SECONDS
bash "$here/perf-stack.sh" bench --phases max,sustained,rate,soak \
    --sustained-rate 1000 --sustained-seconds 60 --rate 200 --rate-seconds 30 \
    --soak-rate 300 --soak-seconds 600 --soak-window-seconds 60 \
    --centres 40 --drain-timeout 300 --output "$OUT/bench.json" "$@" >"$OUT/bench.md" 2> >(tee "$OUT/bench.err" >&2)
echo "done in $(((SECONDS - started) / 60)) min: $OUT/bench.md (Markdown, targets table), $OUT/bench.json" >&2
