#!/usr/bin/env atf-sh
# signal_test.sh: signals reach guest handlers as on Linux x86-64 (frames, faults, masks, altstack, default actions, timers, waits, restarts, forged sigreturn frames), with both libcs; each expectation is what the guest does natively.

. "$(atf_get_srcdir)/vk_common.sh"

# sig_check MODE STATUS OUTPUT: `sig MODE` ends with STATUS and prints
# exactly "before MODE" and OUTPUT, silently, with glibc and with musl.
# Spinning guests are bounded: a guest that never gets its signal fails.
sig_check()
{
	for v in glibc musl; do
		need_guest sig-$v
		atf_check -s exit:$2 -o inline:"before $1\n$3" -e empty \
		    timeout 60 "$vk" -m 64m "$gdir/sig-$v" "$1"
	done
}

# sig_case NAME MODE STATUS OUTPUT DESCRIPTION: defines the test case NAME.
sig_case()
{
	atf_test_case $1
	eval "$1_head() { atf_set descr '$5'; }"
	eval "$1_body() { sig_check $2 $3 '$4'; }"
}

sig_case handler__siginfo handler 0 'handler ok\n' \
    "kill and tgkill to itself run an SA_SIGINFO handler with si_signo, si_code (SI_USER, SI_TKILL) and si_pid, which returns"
sig_case ucontext__rip ucontext 0 'ucontext ok\n' \
    "SIGILL (ud2) and SIGTRAP (int3) handlers see the faulting rip and si_addr in the ucontext; a handler that moves rip past ud2 resumes there"
sig_case altstack__onstack altstack 0 'altstack ok\n' \
    "An SA_ONSTACK handler runs on the sigaltstack (SS_ONSTACK inside), one without it on the normal stack; a small stack is ENOMEM"
sig_case default__term term 143 '' \
    "kill(getpid(), SIGTERM) without a handler ends the guest: vkernel exits 143"
sig_case default__ignored ign 0 'ign ok\n' \
    "SIG_IGN and the default-ignored signals (SIGCHLD, SIGWINCH, SIGURG) do nothing; kill checks its arguments"
sig_case default__abort abort 134 '' \
    "abort() (raise of SIGABRT) ends the guest with SIGABRT: vkernel exits 134"
sig_case alarm__pause alarm 0 'alarm ok\n' \
    "alarm(1) and pause(): the SIGALRM handler runs (SI_KERNEL), pause fails with EINTR"
sig_case itimer__spinning itimer 0 'itimer ok\n' \
    "A periodic ITIMER_REAL delivers SIGALRM ticks to a guest spinning without system calls (the backend kick stops it)"
sig_case sleep__eintr sleep 0 'sleep ok\n' \
    "nanosleep and clock_nanosleep interrupted by a handled signal fail with EINTR (with or without SA_RESTART, as Linux) and report the time left"
sig_case sigwait__timedwait_suspend sigwait 0 'sigwait ok\n' \
    "rt_sigtimedwait takes a blocked pending signal (or times out with EAGAIN, or takes a timer SIGALRM); rt_sigsuspend runs the handler and restores the mask"
sig_case pwait__mask pwaitmask 0 'pwaitmask ok\n' \
    "ppoll and pselect6 wait under their signal mask: a signal it lets in interrupts them (EINTR, handler run) and the old mask comes back; one it blocks stays pending"
sig_case deliver__bad_stack badstack 139 '' \
    "A signal whose frame cannot be written (read-only altstack) kills the guest with SIGSEGV"

atf_test_case timers__two_vcpus
timers__two_vcpus_head()
{
	atf_set "descr" "At -n 2, ITIMER_REAL reaches a process asleep without a deadline (pause, sigwaitinfo, sigsuspend) while the other vCPU polls: alarm, sigwait, sleep and itimer as at -n 1"
}
timers__two_vcpus_body()
{
	for m in alarm sigwait sleep itimer pwaitmask; do
		for v in glibc musl; do
			need_guest sig-$v
			atf_check -s exit:0 -o inline:"before $m\n$m ok\n" \
			    -e empty timeout 60 "$vk" -n 2 -m 64m \
			    "$gdir/sig-$v" $m
		done
	done
}

atf_test_case segv__handler_resumes
segv__handler_resumes_head()
{
	atf_set "descr" "A SIGSEGV handler sees SEGV_ACCERR/SEGV_MAPERR and si_addr, mprotects or maps the page and returns: the access resumes; a fault with SIGSEGV blocked kills (139)"
}
segv__handler_resumes_body()
{
	sig_check segv 139 'segv ok\n'
}

atf_test_case mask__pending_delivered
mask__pending_delivered_head()
{
	atf_set "descr" "A blocked signal stays pending and is delivered on unblock; sa_mask and the signal are blocked in the handler, not with SA_NODEFER; SA_RESETHAND's second signal kills (138)"
}
mask__pending_delivered_body()
{
	sig_check mask 138 'mask ok\nresethand first\n'
}

atf_test_case restart__read
restart__read_head()
{
	atf_set "descr" "A read of an empty pipe interrupted by a handled SIGALRM fails with EINTR, or with SA_RESTART is restarted and returns the data"
}
restart__read_body()
{
	for v in glibc musl; do
		need_guest sig-$v
		atf_check -s exit:0 -o inline:"read 5 bytes, handler ran 1\n" \
		    -e empty -x "(sleep 1; echo data) | timeout 60 '$vk' -m 64m '$gdir/sig-$v' read restart"
		atf_check -s exit:0 \
		    -o inline:"read: Interrupted system call, handler ran 1\n" \
		    -e empty -x "(sleep 1; echo data) | timeout 60 '$vk' -m 64m '$gdir/sig-$v' read intr"
	done
}

atf_test_case sigreturn__forged
sigreturn__forged_head()
{
	atf_set "descr" "rt_sigreturn of a forged frame: IOPL, NT and VM flags do not come through; a kernel or non-canonical rip, or a kernel cs, ends in SIGSEGV"
}
sigreturn__forged_body()
{
	sig_check forgeflags 0 'landed: iopl 0 nt 0 vm 0 if 1\n'
	sig_check forgerip 139 ''
	sig_check forgenoncanon 139 ''
	sig_check forgecs 139 ''
}

atf_test_case verbose__fault_line
verbose__fault_line_head()
{
	atf_set "descr" "With -v a signal's default action is one 'killed by signal N' line and the exit summary"
}
verbose__fault_line_body()
{
	need_guest sig-glibc
	atf_check -s exit:143 -o ignore -e save:err \
	    "$vk" -v -m 64m "$gdir/sig-glibc" term
	atf_check -o match:"^vkernel: pid 1 \(sig-glibc\): signal 15's default action, killed by signal 15 \(" cat err
	atf_check -o ignore grep "^vkernel: exit: pid 1 killed by signal 15\$" err
}

atf_init_test_cases()
{
	atf_add_test_case handler__siginfo
	atf_add_test_case segv__handler_resumes
	atf_add_test_case ucontext__rip
	atf_add_test_case altstack__onstack
	atf_add_test_case mask__pending_delivered
	atf_add_test_case default__term
	atf_add_test_case default__ignored
	atf_add_test_case default__abort
	atf_add_test_case alarm__pause
	atf_add_test_case itimer__spinning
	atf_add_test_case sleep__eintr
	atf_add_test_case restart__read
	atf_add_test_case sigwait__timedwait_suspend
	atf_add_test_case pwait__mask
	atf_add_test_case timers__two_vcpus
	atf_add_test_case deliver__bad_stack
	atf_add_test_case sigreturn__forged
	atf_add_test_case verbose__fault_line
}
