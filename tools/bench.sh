#!/bin/sh
# bench.sh: page-heavy, process and thread micro-benchmarks, native vs vkernel sw vs vkernel hw (threads at -n 1 and -n 2), with ratios to native from the same run.
#
# Usage: tools/bench.sh BUILD_DIR [--here]
# Each figure is the best of 3 runs of atf-tests/guests/churn.c, as the guest
# itself measured it (clock_gettime).  The hw column is measured here only
# where `vkernel -P` says hw paging can run (exit 0); otherwise it comes from
# a second table measured inside the QEMU TCG guest (tools/hwvm.sh), where
# native, sw and hw are measured again side by side: under emulation only
# the ratios within that table mean anything.
build=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
guest=$build/tests/vkernel/guests/churn-glibc
vk=$build/bin/vkernel

# best CMD...: the smallest "N us/" figure printed by 3 runs of CMD.
best() {
	for i in 1 2 3; do
		"$@" 2>/dev/null | sed -n 's/.*: \([0-9.]*\) us\/.*/\1/p'
	done | sort -g | head -n 1
}

ratio() {
	[ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'
}

table() {
	hw=$1
	printf '%-28s %12s %12s %8s' "workload (us per unit)" native sw "sw/nat"
	[ "$hw" = yes ] && printf ' %12s %8s' hw "hw/nat"
	printf '\n'
	# WORKLOAD|VKERNEL FLAGS: the threads rows run at -n 1 and -n 2 (two
	# CPU-bound threads: the speed-up; a futex ping-pong between two).
	for row in "touch 32 2|" "scatter 8 1|" "protect 100|" "syscall 5000|" \
	    "fork 200|" "pipe 2000|" "threads 100|-n 1" "threads 100|-n 2" \
	    "futex 2000|-n 1" "futex 2000|-n 2"; do
		w=${row%%|*}
		f=${row#*|}
		n=$(best "$guest" $w)
		s=$(VKERNEL_PAGING=sw best "$vk" -m 256m $f "$guest" $w)
		label=$w
		[ -n "$f" ] && label="$w ($f)"
		printf '%-28s %12s %12s %8s' "$label" "$n" "$s" "$(ratio "$s" "$n")"
		if [ "$hw" = yes ]; then
			h=$(VKERNEL_PAGING=hw best "$vk" -m 256m $f "$guest" $w)
			printf ' %12s %8s' "$h" "$(ratio "$h" "$n")"
		fi
		printf '\n'
	done
}

[ -x "$guest" ] && [ -x "$vk" ] || { echo "bench: build first (make)" >&2; exit 2; }
# vkernel's own answer: "hw paging: yes (AMD NPT)" or "hw paging: no (REASON)".
probe=$("$vk" -P 2>&1)
probe_rc=$?
why=$(echo "$probe" | sed -n 's/^hw paging: [a-z]* (\(.*\))$/\1/p')
[ -n "$why" ] || why="vkernel -P exited $probe_rc: $probe"
if [ "$probe_rc" -eq 0 ]; then
	echo "== $(uname -n): native, sw and hw (hw paging: $why)"
	table yes
	exit 0
fi
echo "== this machine: native and sw (no hw paging here: $why)"
table no
[ "${2:-}" = --here ] && exit 0
echo
# Two guest CPUs, so that -n 2 runs two vCPUs there too; QEMU takes them in
# turn on one host thread (its multi-threaded TCG froze here, once in the
# middle of this table), so the emulated -n 2 rows show what the shootdown
# and hand-offs cost, not a speed-up.
echo "== inside the QEMU TCG guest with nested KVM, 2 vCPUs taken in turn (emulated CPU: compare ratios only)"
cd "$top" && HWVM_SMP=2 HWVM_TCG=${HWVM_TCG:-single} \
    tools/hwvm.sh exec --timeout 1800 -- sh tools/bench.sh "$build" 2>&1 |
	sed -n '/^== /d; /^workload/,$p'
