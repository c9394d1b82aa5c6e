/* pidfd.c: pidfd_open, pidfd_send_signal, pidfd_getfd, waitid(P_PIDFD), CLONE_PIDFD and a pidfd in poll and epoll, as Linux defines them (run natively and under vkernel with the same expectations). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vk_check.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#define PIDFD_NONBLOCK O_NONBLOCK

static int
pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int
pidfd_send(int fd, int sig, siginfo_t *info, unsigned flags)
{
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static int
pidfd_getfd(int fd, int target, unsigned flags)
{
	return (int)syscall(SYS_pidfd_getfd, fd, target, flags);
}

static int
readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

/* A child that waits for a byte on rd (or dies of a signal) and exits 3. */
static pid_t
sleeper(int *wr)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 3 : 4);
	}
	close(p[0]);
	*wr = p[1];
	return pid;
}

static volatile sig_atomic_t got_code, got_value, got_sig;

static void
on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_value = si->si_value.sival_int;
}

static void
basics(void)
{
	int wr, fd, fd2, nb, ep, p[2], rd;
	struct epoll_event ev;
	siginfo_t si;
	pid_t pid, gone;
	char c, tb[8];

	/* Bad requests. */
	CHECK(ERR(pidfd_open(getpid(), 0x1)) == EINVAL, "bad flags");
	CHECK(ERR(pidfd_open(0, 0)) == EINVAL, "pid 0");
	CHECK(ERR(pidfd_open(-1, 0)) == EINVAL, "pid -1");
	if ((gone = fork()) == 0)
		_exit(0);
	CHECK(waitpid(gone, NULL, 0) == gone, "reap");
	CHECK(ERR(pidfd_open(gone, 0)) == ESRCH, "reaped pid");

	/* A live child: not readable, signal 0, then SIGTERM. */
	pid = sleeper(&wr);
	fd = pidfd_open(pid, 0);
	CHECK(fd >= 0, "pidfd_open");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "cloexec");
	CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0, "blocking");
	CHECK(readable(fd, 0) == 0, "not readable while it runs");
	CHECK(ERR(read(fd, &c, 1)) == EINVAL, "read");
	CHECK(ERR(write(fd, "x", 1)) == EINVAL, "write");
	nb = pidfd_open(pid, PIDFD_NONBLOCK);
	CHECK(nb >= 0 && (fcntl(nb, F_GETFL) & O_NONBLOCK), "PIDFD_NONBLOCK");
	CHECK(ERR(waitid(P_PIDFD, nb, &si, WEXITED)) == EAGAIN,
	    "EAGAIN from a non-blocking pidfd");
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG) == 0 &&
	    si.si_pid == 0, "WNOHANG");
	CHECK(pidfd_send(fd, 0, NULL, 0) == 0, "signal 0");
	CHECK(ERR(pidfd_send(fd, SIGTERM, NULL, 0x100)) == EINVAL, "flags");
	CHECK(ERR(pidfd_send(fd, 1000, NULL, 0)) == EINVAL, "bad signal");
	CHECK(ERR(pidfd_send(999, SIGTERM, NULL, 0)) == EBADF, "bad fd");
	CHECK(pipe(p) == 0, "pipe");
	CHECK(ERR(pidfd_send(p[0], SIGTERM, NULL, 0)) == EBADF, "not a pidfd");
	CHECK(ERR(waitid(P_PIDFD, p[0], &si, WEXITED)) == EBADF,
	    "waitid on no pidfd");
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR2;
	si.si_code = SI_QUEUE;
	CHECK(ERR(pidfd_send(fd, SIGTERM, &si, 0)) == EINVAL, "si_signo");
	si.si_signo = SIGTERM;
	si.si_code = SI_USER;
	CHECK(ERR(pidfd_send(fd, SIGTERM, &si, 0)) == EPERM, "SI_USER forged");
	CHECK(ERR(pidfd_send(fd, SIGTERM, (siginfo_t *)8, 0)) == EFAULT,
	    "bad info");

	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.u32 = 77;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll add");
	CHECK(epoll_wait(ep, &ev, 1, 0) == 0, "epoll: nothing yet");
	CHECK(pidfd_send(fd, SIGTERM, NULL, 0) == 0, "SIGTERM");
	CHECK(epoll_wait(ep, &ev, 1, 10000) == 1 && (ev.events & EPOLLIN) &&
	    ev.data.u32 == 77, "epoll: it ended");
	CHECK(readable(fd, 10000) & POLLIN, "readable once it ended");
	CHECK(pidfd_send(fd, SIGTERM, NULL, 0) == 0, "a zombie takes it");
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PIDFD, fd, &si, WEXITED | WNOWAIT) == 0 &&
	    si.si_pid == pid && si.si_code == CLD_KILLED &&
	    si.si_status == SIGTERM, "waitid WNOWAIT %d %d", si.si_code,
	    si.si_status);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PIDFD, nb, &si, WEXITED) == 0 && si.si_pid == pid,
	    "waitid reaps");
	CHECK(ERR(pidfd_send(fd, SIGTERM, NULL, 0)) == ESRCH, "ESRCH");
	CHECK(ERR(waitid(P_PIDFD, fd, &si, WEXITED)) == ECHILD, "ECHILD");
	CHECK(readable(fd, 0) & POLLIN, "still readable");
	close(ep);
	close(wr);
	close(nb);
	close(fd);

	/* Not a child: waitid is ECHILD, the rest works. */
	fd = pidfd_open(getpid(), 0);
	CHECK(fd >= 0 && ERR(waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG)) ==
	    ECHILD, "own pidfd");
	close(fd);

	/* A queued signal with its value. */
	{
		int ready[2];

		CHECK(pipe(ready) == 0, "pipe");
		if ((pid = fork()) == 0) {
			struct sigaction sa;
			sigset_t set;

			memset(&sa, 0, sizeof(sa));
			sa.sa_sigaction = on_usr1;
			sa.sa_flags = SA_SIGINFO;
			sigaction(SIGUSR1, &sa, NULL);
			sigemptyset(&set);
			(void)!write(ready[1], "r", 1);
			while (got_sig == 0)
				sigsuspend(&set);
			_exit(got_code == SI_QUEUE && got_value == 4242 ? 0 :
			    1);
		}
		CHECK(read(ready[0], &c, 1) == 1, "ready");
		fd = pidfd_open(pid, 0);
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGUSR1;
		si.si_code = SI_QUEUE;
		si.si_pid = getpid();
		si.si_uid = getuid();
		si.si_value.sival_int = 4242;
		CHECK(pidfd_send(fd, SIGUSR1, &si, 0) == 0, "queued");
		memset(&si, 0, sizeof(si));
		CHECK(waitid(P_PIDFD, fd, &si, WEXITED) == 0 &&
		    si.si_code == CLD_EXITED && si.si_status == 0,
		    "the value arrived: %d", si.si_status);
		close(fd);
		close(ready[0]);
		close(ready[1]);
	}

	/* pidfd_getfd: the child's pipe end, duplicated into ours. */
	{
		int ready[2];

		CHECK(pipe(ready) == 0, "pipe");
		if ((pid = fork()) == 0) {
			close(ready[0]);
			dup2(p[1], 50);
			close(p[1]);
			close(p[0]);
			(void)!write(ready[1], "r", 1);
			pause();
			_exit(0);
		}
		close(ready[1]);
		close(p[1]);
		CHECK(read(ready[0], &c, 1) == 1, "ready");
		fd = pidfd_open(pid, 0);
		CHECK(ERR(pidfd_getfd(fd, 50, 1)) == EINVAL, "getfd flags");
		CHECK(ERR(pidfd_getfd(fd, 51, 0)) == EBADF, "no such fd");
		CHECK(ERR(pidfd_getfd(fd, -1, 0)) == EBADF, "fd -1");
		CHECK(ERR(pidfd_getfd(p[0], 50, 0)) == EBADF, "not a pidfd");
		fd2 = pidfd_getfd(fd, 50, 0);
		CHECK(fd2 >= 0 && fcntl(fd2, F_GETFD) == FD_CLOEXEC, "getfd");
		rd = p[0];
		CHECK(write(fd2, "through", 7) == 7 && read(rd, tb, 7) == 7 &&
		    memcmp(tb, "through", 7) == 0, "the child's pipe end");
		close(fd2);
		CHECK(pidfd_send(fd, SIGKILL, NULL, 0) == 0, "kill");
		CHECK(readable(fd, 10000) & POLLIN, "ended");
		CHECK(ERR(pidfd_getfd(fd, 50, 0)) == ESRCH, "getfd of a zombie");
		CHECK(waitid(P_PIDFD, fd, &si, WEXITED) == 0, "reaped");
		CHECK(ERR(pidfd_getfd(fd, 50, 0)) == ESRCH, "getfd once reaped");
		close(fd);
		close(rd);
		close(ready[0]);
	}

	/* Another user may not take our descriptors. */
	if (geteuid() == 0) {
		int st;

		if ((pid = fork()) == 0) {
			int pf = pidfd_open(getppid(), 0);

			if (pf < 0 || setgid(65534) != 0 || setuid(65534) != 0)
				_exit(1);
			_exit(pidfd_getfd(pf, 0, 0) < 0 && errno == EPERM ? 0 :
			    2);
		}
		CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0, "EPERM for another user: %#x", st);
	}
}

/* CLONE_PIDFD: the parent gets a pidfd, the child does not. */
static void
clone_pidfd(void)
{
	int pfd = -1, r;
	siginfo_t si;
	long pid;

	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pfd, 0, 0);
	if (pid == 0)
		syscall(SYS_exit_group, fcntl(pfd, F_GETFD) < 0 &&
		    errno == EBADF ? 7 : 8);
	CHECK(pid > 0 && pfd >= 0, "clone CLONE_PIDFD");
	CHECK(fcntl(pfd, F_GETFD) == FD_CLOEXEC, "cloexec");
	memset(&si, 0, sizeof(si));
	r = waitid(P_PIDFD, pfd, &si, WEXITED);
	CHECK(r == 0 && si.si_pid == pid && si.si_code == CLD_EXITED &&
	    si.si_status == 7, "child %d", si.si_status);
	close(pfd);
	CHECK(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD,
	    0, &pfd, 0, 0) < 0 && errno == EINVAL, "with PARENT_SETTID");
	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (int *)8, 0, 0);
	if (pid == 0)
		syscall(SYS_exit_group, 0);
	CHECK(pid < 0 && errno == EFAULT && wait(NULL) < 0 && errno == ECHILD,
	    "EFAULT and no child");
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "pidfd") == 0)
		basics();
	else if (strcmp(mode, "clone") == 0)
		clone_pidfd();
	else {
		fprintf(stderr, "usage: pidfd pidfd|clone\n");
		return 2;
	}
	return check_report(mode);
}
