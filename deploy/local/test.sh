#!/usr/bin/env bash
# Installs and starts the local infrastructure if needed, builds, and runs every test (XCTest,
# serially) with HROMADA_REQUIRE_INFRA=1, so a missing server is a failure, not a skip.
# Exit code: swift build's when it fails, otherwise swift test's. Servers stay running.
#   HROMADA_TEST_TIMEOUT   seconds allowed for `swift test` (default 1500)
#   HROMADA_TEST_FILTER    passed to `swift test --filter` (default: everything)
set -euo pipefail
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
exec </dev/null   # CI has no stdin; nothing here may wait for input

started=$SECONDS
stamp="$(date +%Y%m%d-%H%M%S)"
TEST_LOG="$LOG_DIR/test-$stamp.log"
phase() { printf '\n==> %s\n' "$*"; }
summary() {
    local rc=$1 what=$2
    printf '\n==================== Hromada test summary ====================\n'
    printf 'checkout:  %s\n' "$ROOT"
    printf 'result:    %s (exit %s)\n' "$what" "$rc"
    if [[ -f "$TEST_LOG" ]]; then
        # XCTest's own totals ("Executed N tests, with M failures ...").
        grep -E "^(\s*)Executed [0-9]+ tests?" "$TEST_LOG" | tail -n 1 | sed 's/^/totals:    /' || true
        local failed
        failed="$(grep -cE "^Test Case .* failed" "$TEST_LOG" || true)"
        printf 'failed:    %s test case(s)\n' "${failed:-0}"
        grep -E "^Test Case .* failed" "$TEST_LOG" | sed 's/^/  - /' | head -n 50 || true
        printf 'skipped:   %s test case(s)\n' "$(grep -cE ": Test skipped|^Test Case .* skipped" "$TEST_LOG" || true)"
        printf 'log:       %s\n' "$TEST_LOG"
    fi
    printf 'duration:  %ss\n' "$((SECONDS - started))"
    printf '==============================================================\n'
}

phase "infrastructure: install"
bash "$ROOT/deploy/local/infra.sh" install
phase "infrastructure: start PostgreSQL and RabbitMQ"
bash "$ROOT/deploy/local/infra.sh" start
bash "$ROOT/deploy/local/infra.sh" status
phase "SMTP sink"
start_smtp_sink
# The tests start private gateways (Shared/TestSupport/TestSMSGateway.swift); this checks that the
# local one starts too.
phase "Kannel (SMS gateway)"
start_kannel

# infra.sh start generated (or migrated to) the passwords: read them now, not before.
PG_SUPERPASS="$(secret_read postgres "$PG_SUPERUSER")"
RABBIT_USER="$RABBIT_ADMIN"
RABBIT_PASS="$(secret_read rabbitmq "$RABBIT_ADMIN")"
[[ -n "$PG_SUPERPASS" && -n "$RABBIT_PASS" ]] || die "infra.sh start left no generated passwords in $SECRETS_DIR"
# The same stack as up.sh: the audit log's owner role (AuditRoleTests checks what the service role
# cannot do there) and the keys that seal personal fields on the bus.
audit_owner_ensure "$PG_DATABASE"
sealing_keys >/dev/null

# Tell the tests where the servers are (IntegrationEnvironment reads these; defaults match).
export HROMADA_REQUIRE_INFRA=1
export HROMADA_TEST_SECRETS="${HROMADA_TEST_SECRETS:-$SECRETS_DIR}"
export HROMADA_TEST_PG_ADMIN_URL="${HROMADA_TEST_PG_ADMIN_URL:-postgresql://$PG_SUPERUSER:$PG_SUPERPASS@127.0.0.1:$PG_PORT/postgres}"
export HROMADA_TEST_AMQP_URL="${HROMADA_TEST_AMQP_URL:-amqp://$RABBIT_USER:$RABBIT_PASS@127.0.0.1:$AMQP_PORT/%2f}"
export HROMADA_TEST_RABBITMQ_API="${HROMADA_TEST_RABBITMQ_API:-http://$RABBIT_USER:$RABBIT_PASS@127.0.0.1:$RABBIT_MGMT_PORT}"
export HROMADA_TEST_SMTP_URL="${HROMADA_TEST_SMTP_URL:-smtp://127.0.0.1:$SMTP_PORT}"
export HROMADA_TEST_SMTP_API="${HROMADA_TEST_SMTP_API:-http://127.0.0.1:$SMTP_HTTP_PORT}"

phase "swift build --build-tests"
set +e
swift build --build-tests 2>&1 | tee "$LOG_DIR/build-$stamp.log"
build_rc=${PIPESTATUS[0]}
set -e
if ((build_rc != 0)); then
    summary "$build_rc" "BUILD FAILED (log: $LOG_DIR/build-$stamp.log)"
    exit "$build_rc"
fi

phase "swift test (serial, HROMADA_REQUIRE_INFRA=1)"
test_args=(--skip-build)
[[ -n "${HROMADA_TEST_FILTER:-}" ]] && test_args+=(--filter "$HROMADA_TEST_FILTER")
set +e
timeout --signal=TERM --kill-after=30 "${HROMADA_TEST_TIMEOUT:-1500}" swift test "${test_args[@]}" 2>&1 | tee "$TEST_LOG"
test_rc=${PIPESTATUS[0]}
set -e
if ((test_rc == 124)); then
    summary "$test_rc" "TIMED OUT after ${HROMADA_TEST_TIMEOUT:-1500}s"
elif ((test_rc == 0)); then
    summary 0 "PASSED"
else
    summary "$test_rc" "FAILED"
fi
exit "$test_rc"
