#!/usr/bin/env atf-sh
# limits_test.sh: a process's limits and its parent's death behave as on Linux (the limits guest, natively first): exit signals reset on reparenting, per-process resource limits, 300 children at once, absurd memory requests refused.

. "$(atf_get_srcdir)/vk_common.sh"
. "$(atf_get_srcdir)/proc_common.sh"

# limits_check MODE [ARGS]: `limits MODE` prints natively what it prints
# under vkernel -v -m 256m (the default), both libcs, and every page comes
# back.
limits_check()
{
	for v in glibc musl; do
		need_guest limits-$v
		atf_check -s exit:0 -o save:native.out -e empty \
		    timeout 120 "$gdir/limits-$v" "$@"
		atf_check -s exit:0 -o file:native.out -e save:vk.err \
		    timeout 300 "$vk" -v "$gdir/limits-$v" "$@"
		pages_back vk.err
	done
}

atf_test_case reparent__exit_signal_reset
reparent__exit_signal_reset_head()
{
	atf_set "descr" "A child cloned with exit signal SIGKILL whose parent dies is reparented with SIGCHLD, so its death does not kill pid 1 (before: pid 1 was killed)"
}
reparent__exit_signal_reset_body()
{
	limits_check killsig
}

atf_test_case rlimit__per_process
rlimit__per_process_head()
{
	atf_set "descr" "Resource limits belong to each process: inherited by fork, kept by exec, changed by setrlimit for the caller only and by prlimit for another pid (before: one table for every process)"
}
rlimit__per_process_body()
{
	limits_check rlimit
}

atf_test_case fork__300_children
fork__300_children_head()
{
	atf_set "descr" "300 children live at once under the default -m, as on Linux, then are killed and reaped (before: the 257th fork failed with EAGAIN)"
}
fork__300_children_body()
{
	limits_check children 300
}

atf_test_case overcommit__absurd_refused
overcommit__absurd_refused_head()
{
	atf_set "descr" "mmap, brk and mremap of 64 TiB are ENOMEM as with Linux's heuristic overcommit; MAP_NORESERVE and PROT_NONE reservations are not counted (before: they succeeded)"
}
overcommit__absurd_refused_body()
{
	limits_check overcommit
}

atf_test_case rlimit__nproc_per_user
rlimit__nproc_per_user_head()
{
	atf_set "descr" "RLIMIT_NPROC counts the processes of the caller's real user, zombies included, for an unprivileged user: 4 children under a limit of 5, then EAGAIN (before: not counted)"
}
rlimit__nproc_per_user_body()
{
	[ "$(id -u)" = 0 ] ||
	    atf_skip "needs root to become uid 4242 (running as uid $(id -u))"
	limits_check nproc
}

atf_init_test_cases()
{
	atf_add_test_case rlimit__nproc_per_user
	atf_add_test_case reparent__exit_signal_reset
	atf_add_test_case rlimit__per_process
	atf_add_test_case fork__300_children
	atf_add_test_case overcommit__absurd_refused
}
