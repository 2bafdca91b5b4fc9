#!/usr/bin/env bash
# Run every quality gate of `make test`, one after another, then print a summary.
#
#   scripts/run_suites.sh SUMMARY_FILE SKIPPED_DIR SUITE...
#
# Each SUITE is a make target, run as `make SUITE` (MAKE, default make). All suites run even
# when one fails. A suite that passes but found nothing to test writes its reason to
# SKIPPED_DIR/SUITE and is reported as SKIP. The summary (name, seconds, PASS/FAIL/SKIP) goes
# to SUMMARY_FILE and to stdout. The exit status is 1 when a suite failed, 0 otherwise.
set -uo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 SUMMARY_FILE SKIPPED_DIR SUITE..." >&2
    exit 2
fi
summary=$1
skipped=$2
shift 2
make_cmd=${MAKE:-make}

mkdir -p "$(dirname "$summary")"
: > "$summary"
failed=()
for suite in "$@"; do
    start=$(date +%s)
    rm -f "$skipped/$suite"
    if "$make_cmd" "$suite"; then result=PASS; else result=FAIL; failed+=("$suite"); fi
    if [[ $result == PASS && -f $skipped/$suite ]]; then
        result="SKIP ($(cat "$skipped/$suite"))"
    fi
    printf '%-16s %5ss  %s\n' "$suite" "$(( $(date +%s) - start ))" "$result" >> "$summary"
done

printf '\n==== make test summary ====\n'
cat "$summary"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
if grep -q ' SKIP ' "$summary"; then
    echo "NO FAILURES, BUT SOME SUITES HAD NOTHING TO TEST (SKIP above)"
else
    echo "ALL SUITES PASSED"
fi
