#!/usr/bin/env atf-sh
# fault_test.sh: hostile guests (privileged instructions, kernel and NULL accesses, bad system call arguments, endless loops) die or fail as on Linux, and vkernel survives them.

. "$(atf_get_srcdir)/vk_common.sh"

# priv_check MODE SIGNAL: `priv MODE` dies of SIGNAL (the number) as it does
# natively, with both libcs; vkernel itself exits with 128+SIGNAL, silently
# without -v and with one line saying why with -v.
priv_check()
{
	mode=$1
	sig=$2
	for v in glibc musl; do
		need_guest priv-$v
		# atf-check tells exit:N from a signal, so exit:128+N also says
		# vkernel did not crash itself.
		atf_check -s exit:$((128 + sig)) -o inline:"before $mode\n" \
		    -e empty "$vk" -m 256m "$gdir/priv-$v" "$mode"
		atf_check -s exit:$((128 + sig)) -o inline:"before $mode\n" \
		    -e save:err-$v "$vk" -v -m 256m "$gdir/priv-$v" "$mode"
		n=$(grep -c "^vkernel: pid [0-9]* (priv-$v): .*killed by signal $sig (" \
		    err-$v || true)
		if [ "$n" != 1 ]; then
			cat err-$v >&2
			atf_fail "$mode/$v: $n 'killed by signal $sig' lines with -v, expected 1"
		fi
		# vkernel went on after the guest died: it reported the exit.
		atf_check -o ignore \
		    grep "^vkernel: exit: pid [0-9]* killed by signal $sig\$" err-$v
		atf_check -s exit:1 \
		    grep -i -E "assert|panic|abort|BUG|core dumped" err-$v
	done
}

# priv_case MODE SIGNAL DESCRIPTION: defines the test case priv__MODE.
priv_case()
{
	# atf_test_case defines placeholders: override them afterwards.
	atf_test_case priv__$1
	eval "priv__$1_head() { atf_set descr '$3'; }"
	eval "priv__$1_body() { priv_check $1 $2; }"
}

# Signal numbers on x86-64 Linux.
SIGILL=4
SIGTRAP=5
SIGFPE=8
SIGSEGV=11

priv_case hlt $SIGSEGV "hlt at CPL3 kills the guest with SIGSEGV (#GP)"
priv_case cli $SIGSEGV "cli at CPL3 with IOPL 0 kills the guest with SIGSEGV"
priv_case out $SIGSEGV "out to port 0x80 kills the guest with SIGSEGV"
priv_case outport $SIGSEGV "out to port 0x3f8 (the hw exit port) kills the guest with SIGSEGV, never reaching the host"
priv_case inport $SIGSEGV "in from port 0x3f8 kills the guest with SIGSEGV"
priv_case rdmsr $SIGSEGV "rdmsr at CPL3 kills the guest with SIGSEGV"
priv_case wrmsr $SIGSEGV "wrmsr of LSTAR at CPL3 kills the guest with SIGSEGV"
priv_case movcr3 $SIGSEGV "mov from %cr3 at CPL3 kills the guest with SIGSEGV"
priv_case lgdt $SIGSEGV "lgdt at CPL3 kills the guest with SIGSEGV"
priv_case ud2 $SIGILL "ud2 kills the guest with SIGILL"
priv_case int3 $SIGTRAP "int3 kills the guest with SIGTRAP"
priv_case readkernel $SIGSEGV "A read of the kernel (hw trampoline) address kills the guest with SIGSEGV"
priv_case writekernel $SIGSEGV "A write to the kernel (hw trampoline) address kills the guest with SIGSEGV"
priv_case jumpkernel $SIGSEGV "A call to the kernel (hw trampoline) address kills the guest with SIGSEGV"
priv_case jumpnull $SIGSEGV "A call through a NULL function pointer kills the guest with SIGSEGV"
priv_case readnull $SIGSEGV "A read of NULL kills the guest with SIGSEGV"
priv_case divzero $SIGFPE "An integer division by zero kills the guest with SIGFPE"
priv_case divoverflow $SIGFPE "INT_MIN / -1 kills the guest with SIGFPE"
priv_case execstack $SIGSEGV "A jump into the (non-executable) stack kills the guest with SIGSEGV"
priv_case execdata $SIGSEGV "A jump into .data kills the guest with SIGSEGV"
priv_case execmmap $SIGSEGV "A jump into a PROT_READ|PROT_WRITE mapping kills the guest with SIGSEGV"

atf_test_case hostile__syscalls
hostile__syscalls_head()
{
	atf_set "descr" "Every implemented system call fails with Linux's errno on hostile arguments and the guest goes on"
}
hostile__syscalls_body()
{
	for v in glibc musl; do
		need_guest hostile-$v
		# The read checks need a file with data on stdin: the guest itself.
		atf_check -s exit:0 -o inline:"hostile ok\n" -e empty \
		    -x "'$vk' -m 256m '$gdir/hostile-$v' <'$gdir/hostile-$v'"
	done
}

atf_test_case leak__host_cpu_clocks
leak__host_cpu_clocks_head()
{
	atf_set "descr" "The CPU-time clocks of host processes (pids 1-1024, this shell, its parent) are EINVAL to the guest: clock ids do not reveal host pids"
}
leak__host_cpu_clocks_body()
{
	for v in glibc musl; do
		need_guest hostinfo-$v
		# This shell and its parent certainly exist on the host.
		atf_check -s exit:0 -o inline:"hostpids ok\n" -e empty \
		    "$vk" -m 64m "$gdir/hostinfo-$v" hostpids $$ $PPID
	done
}

# spin_kill GUEST SIGNAL STATUS: runs the spinning GUEST in its own session,
# sends vkernel SIGNAL once the guest runs, and checks vkernel ends within 5 s
# with STATUS, leaving nothing behind.
spin_kill()
{
	need_guest $1
	rm -f sid out err
	setsid -w sh -c 'echo $$ >sid; exec "$@"' sh \
	    "$vk" -m 256m "$gdir/$1" >out 2>err &
	bg=$!
	i=0
	while ! grep -q spinning out 2>/dev/null || [ ! -s sid ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			kill -KILL $bg 2>/dev/null
			[ -s sid ] && kill -KILL "$(cat sid)" 2>/dev/null
			cat out err >&2
			atf_fail "$1 did not start spinning within 10 s"
		fi
		sleep 0.1
	done
	sleep 2
	sid=$(cat sid)
	# sh exec'd vkernel: the session leader's pid is vkernel's.
	kill -$2 "$sid"
	i=0
	while kill -0 "$sid" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 50 ]; then
			ps -o pid,ppid,stat,args -s "$sid" || true
			kill -KILL "$sid" 2>/dev/null
			pkill -KILL -s "$sid" 2>/dev/null
			wait $bg
			atf_fail "vkernel still running 5 s after SIG$2"
		fi
		sleep 0.1
	done
	st=0
	wait $bg || st=$?
	if [ "$st" != "$3" ]; then
		cat err >&2
		atf_fail "$1: vkernel ended with status $st after SIG$2, expected $3"
	fi
	atf_check -o inline:"spinning\n" cat out
	leftovers_check "$sid" "$gdir/$1"
}

atf_test_case stuck__guest_terminated
stuck__guest_terminated_head()
{
	atf_set "descr" "SIGTERM ends vkernel running a guest that spins without system calls: 143, nothing left behind"
}
stuck__guest_terminated_body()
{
	for v in glibc musl; do
		spin_kill spin-$v TERM 143
	done
}

atf_test_case stuck__guest_interrupted
stuck__guest_interrupted_head()
{
	atf_set "descr" "SIGINT and SIGHUP end vkernel running a spinning guest: 128+N, nothing left behind"
}
stuck__guest_interrupted_body()
{
	spin_kill spin-glibc INT 130
	spin_kill spin-musl HUP 129
}

atf_test_case stuck__vkernel_killed
stuck__vkernel_killed_head()
{
	atf_set "descr" "SIGKILL to vkernel running a spinning guest leaves no host process behind"
}
stuck__vkernel_killed_body()
{
	# wait reports a SIGKILLed child as 128+9.
	spin_kill spin-glibc KILL 137
}

# --- KVM failures the guest cannot cause (hw path, injected) ------------------

# inject_check KIND PATTERN: with VKERNEL_TEST_INJECT=KIND the guest dies with
# SIGKILL and one diagnostic line matching PATTERN; vkernel exits by itself.
inject_check()
{
	[ "${VKERNEL_PAGING:-}" = hw ] ||
	    atf_skip "needs the hw paging path (VKERNEL_PAGING=hw; make check runs it)"
	need_guest hello-glibc
	atf_check -s exit:137 -o ignore -e save:err \
	    env VKERNEL_TEST_INJECT="$1" "$vk" -m 64m "$gdir/hello-glibc"
	atf_check -o inline:"1\n" -x "grep -c . err"
	atf_check -o match:"host side of the guest died: ($2).*, killed by signal 9" cat err
}

atf_test_case kvm__failed_entry_contained
kvm__failed_entry_contained_head()
{
	atf_set "descr" "A CR3 with reserved bits (failed VM entry or trampoline #GP) ends the guest with a diagnostic"
}
kvm__failed_entry_contained_body()
{
	inject_check kvm-bad-cr3 "VM entry failed|trampoline fault"
}

atf_test_case kvm__triple_fault_contained
kvm__triple_fault_contained_head()
{
	atf_set "descr" "A triple fault (KVM_EXIT_SHUTDOWN) ends the guest with a diagnostic"
}
kvm__triple_fault_contained_body()
{
	inject_check kvm-triple-fault "triple fault"
}

# --- escapes ------------------------------------------------------------------

atf_test_case escape__stub_syscall_contained
escape__stub_syscall_contained_head()
{
	atf_set "descr" "A host system call made through the sw stub's own code is killed by the seccomp allow-list; on hw there is no stub to jump to"
}
escape__stub_syscall_contained_body()
{
	for v in glibc musl; do
		need_guest escape-$v
		if [ "${VKERNEL_PAGING:-}" = hw ]; then
			# The stub area does not exist in a hw guest: SIGSEGV.
			atf_check -s exit:139 -o inline:"before stubcall\n" -e empty \
			    "$vk" -m 64m "$gdir/escape-$v" stubcall
		else
			atf_check -s exit:137 -o match:"^before stubcall" \
			    -e match:"stub process killed by its seccomp filter" \
			    "$vk" -m 64m "$gdir/escape-$v" stubcall
		fi
	done
}

atf_test_case escape__selector_readonly
escape__selector_readonly_head()
{
	atf_set "descr" "The Syscall User Dispatch selector cannot be flipped by a write: SIGSEGV"
}
escape__selector_readonly_body()
{
	for v in glibc musl; do
		need_guest escape-$v
		atf_check -s exit:139 -o inline:"before selector\n" -e empty \
		    "$vk" -m 64m "$gdir/escape-$v" selector
	done
}

atf_init_test_cases()
{
	atf_add_test_case escape__stub_syscall_contained
	atf_add_test_case escape__selector_readonly
	atf_add_test_case kvm__failed_entry_contained
	atf_add_test_case kvm__triple_fault_contained
	for m in hlt cli out outport inport rdmsr wrmsr movcr3 lgdt ud2 int3 \
	    readkernel writekernel jumpkernel jumpnull readnull divzero \
	    divoverflow execstack execdata execmmap; do
		atf_add_test_case priv__$m
	done
	atf_add_test_case hostile__syscalls
	atf_add_test_case leak__host_cpu_clocks
	atf_add_test_case stuck__guest_terminated
	atf_add_test_case stuck__guest_interrupted
	atf_add_test_case stuck__vkernel_killed
}
