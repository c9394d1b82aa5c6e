#!/usr/bin/env atf-sh
# pidfd_test.sh: process descriptors (pidfd_open, pidfd_send_signal, pidfd_getfd, waitid P_PIDFD, CLONE_PIDFD, poll and epoll) behave as on Linux: the pidfd guest is checked natively first.

. "$(atf_get_srcdir)/vk_common.sh"

guest_case pidfd__signal_wait_getfd pidfd pidfd \
    "pidfd_open (close-on-exec, PIDFD_NONBLOCK; EINVAL for bad flags and pids, ESRCH once reaped), not readable while the process runs and POLLIN (poll and epoll) once it ended, read and write EINVAL, pidfd_send_signal (signal 0, SIGTERM, a zombie takes it, ESRCH once reaped, a queued siginfo with its value; EINVAL for flags, a bad signal and si_signo, EPERM for a forged SI_USER, EBADF, EFAULT), waitid(P_PIDFD) (WNOHANG, WNOWAIT, EAGAIN for a non-blocking pidfd, ECHILD for no child or once reaped, EBADF), pidfd_getfd (a close-on-exec duplicate of the child pipe end; EINVAL, EBADF, ESRCH for a zombie and once reaped, EPERM for another user)"
guest_case pidfd__clone_pidfd pidfd clone \
    "clone with CLONE_PIDFD gives the parent a close-on-exec pidfd the child does not have, waitid(P_PIDFD) reports the child exit status, EINVAL with CLONE_PARENT_SETTID, EFAULT (and no child) for a bad pidfd pointer"

atf_init_test_cases()
{
	atf_add_test_case pidfd__signal_wait_getfd
	atf_add_test_case pidfd__clone_pidfd
}
