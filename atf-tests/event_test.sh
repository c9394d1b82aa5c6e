#!/usr/bin/env atf-sh
# event_test.sh: eventfd, timerfd, signalfd and epoll behave as on Linux (the events guest, one mode per object, run natively first with the same expectations).

. "$(atf_get_srcdir)/vk_common.sh"

guest_case eventfd__counter_semaphore_fork events eventfd \
    "eventfd: the counter and EFD_SEMAPHORE, EINVAL for short reads and writes and 2^64-1, overflow (EAGAIN, and a write blocked until another process reads), a read blocked until another process writes, poll bits, flags, the /proc/self/fd link anon_inode:[eventfd]"
guest_case timerfd__oneshot_interval_abs events timerfd \
    "timerfd: a one-shot read blocks until the time, an interval counts its expirations (bounded by the time measured), an absolute CLOCK_REALTIME time wakes poll, a time passed counts the periods missed, gettime and the old value, disarming, EINVAL and the alarm clocks"
guest_case signalfd__read_mask_fork events signalfd \
    "signalfd: reads a blocked signal sent with kill (signo, code, pid, uid) and takes it off the pending set, EAGAIN, poll readiness, a mask changed on an existing signalfd, two records in one read, a read blocked until another process sends, EINVAL"
guest_case epoll__pipe_errors_close events epoll \
    "epoll on pipes: level against edge triggering (a new write is an event, a read is not), EPOLLONESHOT and MOD re-arming, EPOLLOUT, EPOLLHUP, EEXIST, ENOENT, EINVAL (itself, not an epoll, bad op, maxevents, EPOLLEXCLUSIVE with MOD), EBADF, EPERM for a regular file, ELOOP through nested sets, an entry kept by a dup and gone with the last descriptor"
guest_case epoll__objects_fork_sigmask events epollobj \
    "epoll over eventfd (edge-triggered too), timerfd (a blocked wait woken at the expiry), signalfd and a nested set; a set shared across fork whose child adds an entry and wakes the parent; epoll_pwait and epoll_pwait2 wait with their mask (EINTR and the handler, the old mask back), epoll_wait leaves a blocked signal pending"
guest_case epoll__sharer_closes events race \
    "A CLONE_FILES sharer closes the set and a watched pipe while epoll_wait sleeps: the wait goes on with the set, the closed file leaves it, a later eventfd write is reported"

atf_test_case epoll__host_stdin
epoll__host_stdin_head()
{
	atf_set "descr" "epoll on the vkernel's standard input (a host pipe) waits for the host's write, then reports EPOLLHUP at its end"
}
epoll__host_stdin_body()
{
	for v in glibc musl; do
		need_guest events-$v
		atf_check -s exit:0 -o inline:"stdin ok: 4 checks\n" -e empty \
		    -x "(sleep 0.3; echo data) | '$gdir/events-$v' stdin"
		atf_check -s exit:0 -o inline:"stdin ok: 4 checks\n" -e empty \
		    -x "(sleep 0.3; echo data) | timeout 60 '$vk' -m 64m '$gdir/events-$v' stdin"
	done
}

atf_init_test_cases()
{
	atf_add_test_case eventfd__counter_semaphore_fork
	atf_add_test_case timerfd__oneshot_interval_abs
	atf_add_test_case signalfd__read_mask_fork
	atf_add_test_case epoll__pipe_errors_close
	atf_add_test_case epoll__objects_fork_sigmask
	atf_add_test_case epoll__sharer_closes
	atf_add_test_case epoll__host_stdin
}
