#!/bin/sh
# check.sh: runs the Kyua suite and ends with "N passed, N failed" from kyua report.
build=${1:-build}
tests=$build/tests/vkernel
db=$(cd "$build" && pwd)/results.db
rm -f "$db"
( cd "$tests" && kyua test --results-file="$db" ) >"$build/kyua-test.log" 2>&1
kyua report --results-file="$db" --verbose >"$build/kyua-report.txt" 2>&1
kyua report --results-file="$db" | grep -vE '^===>' | sed '/^$/d' | grep -vE ': *passed' || true
summary=$(kyua report --results-file="$db" | grep -E '^Test cases:')
# "Test cases: 12 total, 1 skipped, 0 expected failures, 0 broken, 0 failed"
set -- $(echo "$summary" | sed 's/[^0-9 ]//g')
total=${1:-0} skipped=${2:-0} xfail=${3:-0} broken=${4:-0} failed=${5:-0}
passed=$((total - skipped - broken - failed)) # expected failures count as passes
bad=$((broken + failed))
echo "$summary"
echo "$passed passed, $bad failed, $skipped skipped"
[ "$total" -gt 0 ] && [ "$bad" -eq 0 ]
