#!/usr/bin/env atf-sh
# proc_test.sh: guest processes (fork, wait, exec, #! scripts, vfork, groups, pipes, isolation, fork bombs) behave as on Linux with both libcs: each mode of the procs guest runs natively first, then under vkernel -v, which must give every page back.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# proc_one LIBC MODE [ARG]: `procs-LIBC MODE SELF [ARG]` prints only
# "MODE ok: N checks" and exits 0, natively and under the vkernel.
proc_one()
{
	need_guest procs-$1
	po_g="$gdir/procs-$1"
	atf_check -s exit:0 -o save:native.out -e empty \
	    timeout 60 "$po_g" "$2" "$po_g" ${3+"$3"}
	only_line native.out "^$2 ok: [0-9]+ checks\$"
	atf_check -s exit:0 -o save:vk.out -e save:vk.err \
	    timeout 120 "$vk" -v -m 64m "$po_g" "$2" "$po_g" ${3+"$3"}
	only_line vk.out "^$2 ok: [0-9]+ checks\$"
	pages_back vk.err
}

# proc_case NAME MODE DESCRIPTION: defines the test case NAME, proc_one
# MODE with glibc and with musl.
proc_case()
{
	atf_test_case $1
	eval "$1_head() { atf_set descr '$3'; }"
	eval "$1_body() { proc_one glibc $2; proc_one musl $2; }"
}

proc_case fork__fifty fork50 \
    "50 children end by exit, _exit or their own SIGTERM; wait4/waitpid(-1) give each pid its status, then ECHILD; only exit runs atexit hooks"
proc_case fork__cow_generations cow \
    "30 generations deep, each sees the bss, data, heap and stack of its parent and keeps its own after the child writes; a MAP_SHARED page counts every generation"
proc_case fork__chain deepchain \
    "300 sequential fork, exit, wait cycles; the status keeps the low 8 bits of exit"
proc_case fork__tree tree \
    "A binary tree of 63 processes, each forking two and adding up their exit statuses"
proc_case wait__status_errors wait \
    "waitid P_PID/P_ALL/P_PGID with siginfo (CLD_EXITED, CLD_KILLED), WNOHANG, WNOWAIT, SIGCHLD SA_SIGINFO handler, getppid, ECHILD for none and for a grandchild, EINVAL for bad options"
proc_case wait__orphan orphan \
    "A child whose parent exits is reparented: to pid 1 (which reaps it) when the test is pid 1"
proc_case wait__stop_continue stop \
    "SIGSTOP and SIGCONT reach WUNTRACED/WCONTINUED and waitid WSTOPPED (CLD_STOPPED, CLD_CONTINUED); SIGTERM to a stopped child waits for SIGCONT, SIGKILL does not"
proc_case wait__autoreap autoreap \
    "With SIGCHLD ignored wait sleeps until the children are gone, then ECHILD; SA_NOCLDWAIT reaps too but still signals"
proc_case pgrp__groups_sessions pgrp \
    "setpgid, getpgid, getpgrp, setsid (EPERM for a leader), getsid; kill(-pgid) reaches the group only; kill(pid, 0) on a zombie and ESRCH once reaped; tgkill; EACCES after exec"
proc_case exec__image exec \
    "execve gives a new image its argv, environ, auxv and pid; O_CLOEXEC fds close, handled signals reset, ignored and blocked ones stay; ENOENT, EACCES, EFAULT return"
proc_case exec__vfork_spawn vfork \
    "A vfork child writes into the memory of its parent and _exits 7; posix_spawn runs a program (with file actions) and reports ENOENT for a missing one"
proc_case pipe__between_processes pipe \
    "1 MiB through a pipe to a child, EOF only once both write ends are closed; EPIPE once the reading child has exited"
proc_case exec__vfork_killed vforkkill \
    "A parent killed while it waits for its vfork child dies at once; the child goes on and is reaped by pid 1"
proc_case clock__per_process cpuclock \
    "A process CPU clock counts that process only: a child spinning 300 ms of CPU leaves its waiting parent below 150 ms (on hw one vCPU thread runs both)"
proc_case fd__clone_files clonefiles \
    "clone(CLONE_FILES) shares the descriptor table, fork copies it, and exec in a sharing child unshares it"
proc_case pipe__pipeline pipeline \
    "Three processes joined by two pipes as a | b | c; yes | head: the writer dies of SIGPIPE"
proc_case isolate__sibling isolate \
    "A sibling never sees a secret in the same page of another process, and cannot read or write it (process_vm_readv/writev, /proc/PID/mem, ptrace)"

atf_test_case vm__remap_mincore_msync
vm__remap_mincore_msync_head()
{
	atf_set descr "mremap (grow in place, shrink, move, FIXED, errors), mincore, msync, MADV_DONTNEED, and MAP_SHARED against MAP_PRIVATE across fork"
}
vm__remap_mincore_msync_body()
{
	for v in glibc musl; do
		need_guest vmcalls-$v
		atf_check -s exit:0 -o match:"^vmcalls ok: [0-9]+ checks\$" \
		    -e empty "$gdir/vmcalls-$v"
		atf_check -s exit:0 -o match:"^vmcalls ok: [0-9]+ checks\$" \
		    -e save:vk.err timeout 120 "$vk" -v -m 64m "$gdir/vmcalls-$v"
		pages_back vk.err
	done
}

atf_test_case fpu__per_process
fpu__per_process_head()
{
	atf_set descr "Three processes keep their own SSE registers across system calls, task switches and preemption (on hw the vCPU's FPU state follows the task)"
}
fpu__per_process_body()
{
	for v in glibc musl; do
		need_guest fpregs-$v
		atf_check -s exit:0 -o inline:"fpregs ok: 3 processes\n" \
		    -e empty "$gdir/fpregs-$v" 3 0.3 20000
		atf_check -s exit:0 -o inline:"fpregs ok: 3 processes\n" \
		    -e save:vk.err timeout 120 "$vk" -v -m 64m \
		    "$gdir/fpregs-$v" 3 0.3 2000
		pages_back vk.err
	done
}

atf_test_case futex__wait_wake
futex__wait_wake_head()
{
	atf_set descr "futex: EAGAIN, relative and absolute timeouts, EINVAL, EFAULT, and a wake from another process on MAP_SHARED memory"
}
futex__wait_wake_body()
{
	for v in glibc musl; do
		need_guest futex-$v
		atf_check -s exit:0 -o match:"^futex ok: [0-9]+ checks\$" \
		    -e empty "$gdir/futex-$v"
		atf_check -s exit:0 -o match:"^futex ok: [0-9]+ checks\$" \
		    -e save:vk.err timeout 120 "$vk" -v -m 64m "$gdir/futex-$v"
		pages_back vk.err
	done
}

atf_test_case exec__scripts
exec__scripts_head()
{
	atf_set "descr" "#! scripts run their interpreter with argv [interpreter, optional argument (one word), script path, args...], nested; ENOENT, ENOEXEC, EACCES"
}
exec__scripts_body()
{
	for v in glibc musl; do
		need_guest procs-$v
		g="$gdir/procs-$v"
		d="$(pwd)/scripts-$v"
		mkdir "$d"
		printf '#!%s interp\n' "$g" >"$d/s1"
		printf '#!  %s   one  two  \n' "$g" >"$d/s2"
		printf '#!%s\n' "$g" >"$d/s3"
		printf '#!%s\n' "$d/s1" >"$d/s4"
		printf '#!/nonexistent/interp\n' >"$d/s5"
		printf 'echo neither ELF nor a script\n' >"$d/s6"
		printf '#!%s interp\n' "$g" >"$d/s7"
		chmod 755 "$d/s1" "$d/s2" "$d/s3" "$d/s4" "$d/s5" "$d/s6"
		chmod 644 "$d/s7"
		proc_one $v script "$d"
	done
}

# bomb_check LIBC MODE WORD: `procs MODE SELF 20` natively makes 20 and
# prints "MODE: 20 WORD, then none"; under the vkernel, asked for 100000,
# fork fails with EAGAIN at the vkernel's process limit (between 64 and
# 4096), all are killed and reaped, and no host process is left behind.
bomb_check()
{
	need_guest procs-$1
	g="$gdir/procs-$1"
	atf_check -s exit:0 -o save:native.out -e empty \
	    timeout 60 "$g" $2 "$g" 20
	atf_check -o inline:"$2: 20 $3, then none\n" sed -n 1p native.out
	atf_check -o match:"^$2 ok: [0-9]+ checks\$" sed -n '2,$p' native.out
	atf_check -s exit:0 -o save:vk.out -e save:vk.err \
	    timeout 120 setsid -w sh -c 'echo $$ >sid; exec "$@"' sh \
	    "$vk" -v -m 512m "$g" $2 "$g" 100000
	sed -n 1p vk.out
	n=$(sed -n "1s/^$2: \\([0-9][0-9]*\\) $3, then EAGAIN\$/\\1/p" vk.out)
	[ -n "$n" ] && [ "$n" -ge 64 ] && [ "$n" -le 4096 ] || {
		cat vk.out
		atf_fail "not '$2: N $3, then EAGAIN' with N in [64, 4096]"
	}
	atf_check -o match:"^$2 ok: [0-9]+ checks\$" sed -n '2,$p' vk.out
	pages_back vk.err
	leftovers_check "$(cat sid)" "$g"
}

atf_test_case forkbomb__flat
forkbomb__flat_head()
{
	atf_set "descr" "One process forks pausing children until fork fails with EAGAIN at the process limit; SIGKILL and wait take them all back"
}
forkbomb__flat_body()
{
	bomb_check glibc forkbomb children
	bomb_check musl forkbomb children
}

atf_test_case forkbomb__recursive
forkbomb__recursive_head()
{
	atf_set "descr" "Every process forks until fork fails with EAGAIN; one kill(-pgid, SIGKILL) ends the group and the orphans are reaped"
}
forkbomb__recursive_body()
{
	bomb_check glibc bomb processes
	bomb_check musl bomb processes
}

atf_init_test_cases()
{
	atf_add_test_case fork__fifty
	atf_add_test_case futex__wait_wake
	atf_add_test_case fpu__per_process
	atf_add_test_case fd__clone_files
	atf_add_test_case exec__vfork_killed
	atf_add_test_case clock__per_process
	atf_add_test_case vm__remap_mincore_msync
	atf_add_test_case fork__cow_generations
	atf_add_test_case fork__chain
	atf_add_test_case fork__tree
	atf_add_test_case wait__status_errors
	atf_add_test_case wait__orphan
	atf_add_test_case wait__stop_continue
	atf_add_test_case wait__autoreap
	atf_add_test_case pgrp__groups_sessions
	atf_add_test_case exec__image
	atf_add_test_case exec__scripts
	atf_add_test_case exec__vfork_spawn
	atf_add_test_case pipe__between_processes
	atf_add_test_case pipe__pipeline
	atf_add_test_case isolate__sibling
	atf_add_test_case forkbomb__flat
	atf_add_test_case forkbomb__recursive
}
