#!/bin/sh
# check.sh: runs the Kyua suite on the sw and hw paging paths and ends with "N passed, N failed, N skipped".
#
# sw: natively, VKERNEL_PAGING=sw.  hw: VKERNEL_PAGING=hw natively only where
# `vkernel -P` says hw paging can run (exit 0), otherwise inside a QEMU TCG
# guest with nested KVM (tools/hwvm.sh), labelled with -P's reason;
# VKERNEL_CHECK_HW=no skips the hw half (said so, counted as nothing).
# Each half prints "LABEL: N passed, N failed, N skipped"; the closing line
# covers both, from `kyua report`.  On failure it names the reports and logs
# it left in the build directory.
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
tests=$build/tests/vkernel
passed=0 failed=0 skipped=0
reports=""

# count LABEL DB: adds DB's kyua report to the totals and prints a line.
count() {
	kyua report --results-file="$2" --verbose >"$build/kyua-report-$1.txt" 2>&1
	reports="$reports $build/kyua-report-$1.txt"
	kyua report --results-file="$2" | grep -E -- '->' | grep -vE -- '->  (passed|expected_failure|skipped)' || true
	summary=$(kyua report --results-file="$2" | grep -E '^Test cases:')
	# "Test cases: 12 total, 1 skipped, 0 expected failures, 0 broken, 0 failed"
	set -- $(echo "$summary" | sed 's/[^0-9 ]//g')
	t=${1:-0} s=${2:-0} b=${4:-0} f=${5:-0}
	p=$((t - s - b - f)) # expected failures count as passes
	echo "$label: $p passed, $((b + f)) failed, $s skipped"
	passed=$((passed + p)) failed=$((failed + b + f)) skipped=$((skipped + s))
	[ "$t" -gt 0 ] || failed=$((failed + 1))
}

rm -f "$build"/results-*.db "$build"/kyua-report-*.txt "$build"/kyua-test-*.log \
	"$build/hwvm.log"
label="sw paging (native)"
( cd "$tests" && VKERNEL_PAGING=sw kyua test --results-file="$build/results-sw.db" ) \
	>"$build/kyua-test-sw.log" 2>&1
count sw "$build/results-sw.db"

# vkernel's own probe decides where the hw half runs: "hw paging: yes (AMD
# NPT)" exits 0; "hw paging: no (REASON)" exits 69.
probe=$("$build/bin/vkernel" -P 2>&1)
probe_rc=$?
why=$(echo "$probe" | sed -n 's/^hw paging: [a-z]* (\(.*\))$/\1/p')
[ -n "$why" ] || why="vkernel -P exited $probe_rc: $probe"
if [ "${VKERNEL_CHECK_HW:-yes}" = no ]; then
	echo "hw paging: not run (VKERNEL_CHECK_HW=no)"
elif [ "$probe_rc" -eq 0 ]; then
	label="hw paging (native: $why)"
	( cd "$tests" && VKERNEL_PAGING=hw kyua test --results-file="$build/results-hw.db" ) \
		>"$build/kyua-test-hw.log" 2>&1
	count hw "$build/results-hw.db"
else
	label="hw paging (emulated: QEMU TCG guest, nested KVM with AMD NPT; this host: $why)"
	# Two guest CPUs taken in turn by one host thread (single-threaded
	# TCG: the multi-threaded one froze at random here); the run takes
	# about 21 minutes, so 45 bound it.
	HWVM_SMP=2 HWVM_TCG=single \
	    "$top/tools/hwvm.sh" check --timeout 2700 "$build" >"$build/hwvm.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ -s "$build/results-hw.db" ]; then
		cpus=$(sed -n 's/^hwvm: the guest had \([0-9]*\) vCPUs.*/\1/p' \
		    "$build/hwvm.log" | tail -n 1)
		label="hw paging (emulated: QEMU TCG guest with ${cpus:-?} vCPUs, nested KVM with AMD NPT; this host: $why)"
		count hw "$build/results-hw.db"
	else
		echo "$label: could not run; tail of $build/hwvm.log:"
		tail -n 15 "$build/hwvm.log"
		failed=$((failed + 1))
	fi
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$failed" -ne 0 ]; then
	# Where the whole story is: each half's verbose kyua report (every
	# test's output), kyua's own log of the run, and the VM's log.
	echo "full reports:$reports"
	logs=""
	for f in "$build"/kyua-test-*.log "$build/hwvm.log"; do
		[ -f "$f" ] && logs="$logs $f"
	done
	[ -n "$logs" ] && echo "logs:$logs"
fi
[ "$failed" -eq 0 ]
