/* events.c: eventfd, timerfd, signalfd and epoll as Linux defines them, one mode per object (run natively and under vkernel with the same expectations). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int checks, failures;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL line %d: ", __LINE__);			\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", errno, strerror(errno));	\
	}								\
} while (0)

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t
rd64(int fd, int *err)
{
	uint64_t v = 0;

	errno = 0;
	*err = read(fd, &v, sizeof(v)) == sizeof(v) ? 0 : errno ? errno : -1;
	return v;
}

static int
wr64(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : errno;
}

static int
pollin(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

/* ---- eventfd ---- */

static void
eventfd_counter(void)
{
	char link[64], path[64];
	uint64_t v;
	int fd, err;
	ssize_t n;

	fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(fd >= 0, "eventfd");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "EFD_CLOEXEC");
	CHECK((fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) ==
	    (O_RDWR | O_NONBLOCK), "F_GETFL");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	CHECK(strcmp(link, "anon_inode:[eventfd]") == 0, "link %s", link);
	CHECK(wr64(fd, 5) == 0, "write 5");
	CHECK(pollin(fd, 0) == (POLLIN | POLLOUT), "poll ready");
	v = rd64(fd, &err);
	CHECK(err == 0 && v == 8, "read 8: %llu", (unsigned long long)v);
	rd64(fd, &err);
	CHECK(err == EAGAIN, "empty: EAGAIN");
	CHECK(pollin(fd, 0) == POLLOUT, "poll empty");
	CHECK(read(fd, &v, 4) == -1 && errno == EINVAL, "short read");
	CHECK(write(fd, &v, 4) == -1 && errno == EINVAL, "short write");
	CHECK(wr64(fd, UINT64_MAX) == EINVAL, "write max");
	/* Overflow: the count stops at 2^64-2; a write past waits. */
	CHECK(wr64(fd, UINT64_MAX - 1) == 0, "write max-1");
	CHECK(wr64(fd, 1) == EAGAIN, "overflow: EAGAIN");
	CHECK(wr64(fd, 0) == 0, "write 0 fits");
	CHECK(pollin(fd, 0) == POLLIN, "poll full");
	v = rd64(fd, &err);
	CHECK(err == 0 && v == UINT64_MAX - 1, "read full");
	close(fd);
	/* Semaphore mode: reads take 1. */
	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	v = rd64(fd, &err);
	CHECK(err == 0 && v == 1, "sem 1");
	v = rd64(fd, &err);
	CHECK(err == 0 && v == 1, "sem 2");
	rd64(fd, &err);
	CHECK(err == EAGAIN, "sem empty");
	close(fd);
	CHECK(eventfd(0, 0x40) == -1 && errno == EINVAL, "bad flags");
}

static void
eventfd_fork(void)
{
	uint64_t v;
	double t0;
	int fd, err, st;
	pid_t pid;

	/* A blocked read woken by another process's write. */
	fd = eventfd(0, 0);
	if ((pid = fork()) == 0) {
		msleep(100);
		_exit(wr64(fd, 7) != 0);
	}
	t0 = now();
	v = rd64(fd, &err);
	CHECK(err == 0 && v == 7, "blocked read: %llu", (unsigned long long)v);
	CHECK(now() - t0 > 0.05, "read waited");
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "child");
	/* A blocked write woken by another process's read. */
	CHECK(wr64(fd, UINT64_MAX - 1) == 0, "fill");
	if ((pid = fork()) == 0) {
		msleep(100);
		_exit(rd64(fd, &err) != UINT64_MAX - 1 || err != 0);
	}
	t0 = now();
	CHECK(wr64(fd, 2) == 0, "blocked write");
	CHECK(now() - t0 > 0.05, "write waited");
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "child reader");
	v = rd64(fd, &err);
	CHECK(err == 0 && v == 2, "after: %llu", (unsigned long long)v);
	close(fd);
}

/* ---- timerfd ---- */

static void
its(struct itimerspec *it, long v_ms, long i_ms)
{
	it->it_value.tv_sec = v_ms / 1000;
	it->it_value.tv_nsec = (v_ms % 1000) * 1000000;
	it->it_interval.tv_sec = i_ms / 1000;
	it->it_interval.tv_nsec = (i_ms % 1000) * 1000000;
}

static void
timerfd_modes(void)
{
	struct itimerspec it, old;
	struct timespec rt;
	uint64_t v;
	double t0, el;
	int fd, err, r;

	fd = timerfd_create(CLOCK_MONOTONIC, 0);
	CHECK(fd >= 0, "timerfd_create");
	/* One-shot: a blocking read gets 1 after the time. */
	its(&it, 50, 0);
	t0 = now();
	CHECK(timerfd_settime(fd, 0, &it, NULL) == 0, "settime");
	v = rd64(fd, &err);
	el = now() - t0;
	CHECK(err == 0 && v == 1, "one-shot: %llu", (unsigned long long)v);
	CHECK(el >= 0.045, "one-shot waited %f", el);
	/* Interval: expirations counted while no one reads. */
	its(&it, 20, 20);
	t0 = now();
	timerfd_settime(fd, 0, &it, NULL);
	msleep(110);
	v = rd64(fd, &err);
	el = now() - t0;
	CHECK(err == 0 && v >= 3 && (double)v <= el / 0.02 + 1,
	    "interval: %llu in %f", (unsigned long long)v, el);
	t0 = now();
	v = rd64(fd, &err);
	CHECK(err == 0 && v >= 1 && now() - t0 < 0.5, "next tick");
	/* gettime: the time left and the interval; disarming. */
	its(&it, 10000, 1000);
	timerfd_settime(fd, 0, &it, NULL);
	CHECK(timerfd_gettime(fd, &old) == 0 && old.it_value.tv_sec >= 9 &&
	    old.it_value.tv_sec <= 10 && old.it_interval.tv_sec == 1 &&
	    old.it_interval.tv_nsec == 0, "gettime");
	its(&it, 0, 0);
	CHECK(timerfd_settime(fd, 0, &it, &old) == 0 &&
	    old.it_interval.tv_sec == 1, "old value");
	CHECK(timerfd_gettime(fd, &old) == 0 && old.it_value.tv_sec == 0 &&
	    old.it_value.tv_nsec == 0, "disarmed");
	close(fd);
	/* Absolute time on CLOCK_REALTIME, non-blocking, poll. */
	fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	clock_gettime(CLOCK_REALTIME, &rt);
	rt.tv_nsec += 60000000;
	if (rt.tv_nsec >= 1000000000) {
		rt.tv_sec++;
		rt.tv_nsec -= 1000000000;
	}
	it.it_value = rt;
	it.it_interval.tv_sec = it.it_interval.tv_nsec = 0;
	t0 = now();
	CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &it, NULL) == 0, "abs");
	rd64(fd, &err);
	CHECK(err == EAGAIN, "abs: not yet");
	CHECK(pollin(fd, 2000) == POLLIN, "poll wakes at expiry");
	el = now() - t0;
	CHECK(el >= 0.05 && el < 1.5, "abs waited %f", el);
	v = rd64(fd, &err);
	CHECK(err == 0 && v == 1, "abs read");
	/* An absolute time 1 s past with a 10 ms period: the missed ones. */
	clock_gettime(CLOCK_REALTIME, &rt);
	rt.tv_sec -= 1;
	it.it_value = rt;
	its(&old, 0, 10);
	it.it_interval = old.it_interval;
	t0 = now();
	timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &it,
	    NULL);
	/* Linux fires a timer set in the past from its timer interrupt, not
	 * in settime: wait for it rather than read at once. */
	CHECK(pollin(fd, 2000) == POLLIN, "past: poll");
	v = rd64(fd, &err);
	el = now() - t0;
	CHECK(err == 0 && v >= 95 && v <= 106 + (unsigned long long)(el * 100),
	    "past: %llu after %f s", (unsigned long long)v, el);
	close(fd);
	fd = timerfd_create(CLOCK_BOOTTIME, 0);
	CHECK(fd >= 0, "CLOCK_BOOTTIME");
	its(&it, 0, 0);
	it.it_value.tv_nsec = 1000000000;
	CHECK(timerfd_settime(fd, 0, &it, NULL) == -1 && errno == EINVAL,
	    "bad nsec");
	CHECK(timerfd_settime(fd, 4, &it, NULL) == -1 && errno == EINVAL,
	    "bad flags");
	close(fd);
	CHECK(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0) == -1 &&
	    errno == EINVAL, "bad clock");
	r = timerfd_create(CLOCK_REALTIME_ALARM, 0);
	CHECK(r >= 0 || errno == EPERM || errno == EOPNOTSUPP, "alarm clock");
	if (r >= 0)
		close(r);
	r = eventfd(0, 0);
	CHECK(timerfd_settime(r, 0, &it, NULL) == -1 && errno == EINVAL,
	    "not a timerfd");
	close(r);
}

/* ---- signalfd ---- */

static void
sigs(sigset_t *s, int a, int b)
{
	sigemptyset(s);
	if (a)
		sigaddset(s, a);
	if (b)
		sigaddset(s, b);
}

static void
signalfd_modes(void)
{
	struct signalfd_siginfo si[2];
	sigset_t s, pend;
	double t0;
	pid_t pid;
	int fd, st;
	ssize_t n;

	sigs(&s, SIGUSR1, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	sigs(&s, SIGUSR1, 0);
	fd = signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK(fd >= 0, "signalfd");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "SFD_CLOEXEC");
	CHECK(read(fd, si, sizeof(si)) == -1 && errno == EAGAIN, "EAGAIN");
	CHECK(pollin(fd, 0) == 0, "not ready");
	kill(getpid(), SIGUSR1);
	CHECK(pollin(fd, 0) == POLLIN, "ready");
	CHECK(read(fd, si, 100) == -1 && errno == EINVAL, "short read");
	n = read(fd, si, sizeof(si));
	CHECK(n == sizeof(si[0]) && si[0].ssi_signo == SIGUSR1 &&
	    si[0].ssi_code == SI_USER && si[0].ssi_pid == (uint32_t)getpid() &&
	    si[0].ssi_uid == getuid(), "read: %zd signo %u code %d", n,
	    si[0].ssi_signo, si[0].ssi_code);
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1), "taken");
	/* The mask of an existing signalfd changes. */
	sigs(&s, SIGUSR2, 0);
	CHECK(signalfd(fd, &s, 0) == fd, "new mask");
	kill(getpid(), SIGUSR1);
	CHECK(read(fd, si, sizeof(si)) == -1 && errno == EAGAIN,
	    "USR1 not in mask");
	raise(SIGUSR2);
	n = read(fd, si, sizeof(si));
	CHECK(n == sizeof(si[0]) && si[0].ssi_signo == SIGUSR2, "USR2");
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1), "USR1 still pending");
	/* Two records in one read. */
	sigs(&s, SIGUSR1, SIGUSR2);
	signalfd(fd, &s, 0);
	kill(getpid(), SIGUSR2);
	n = read(fd, si, sizeof(si));
	CHECK(n == 2 * sizeof(si[0]) && si[0].ssi_signo == SIGUSR1 &&
	    si[1].ssi_signo == SIGUSR2, "two: %zd", n);
	close(fd);
	/* A blocking read woken by a kill from another process. */
	fd = signalfd(-1, &s, 0);
	if ((pid = fork()) == 0) {
		msleep(100);
		kill(getppid(), SIGUSR2);
		_exit(0);
	}
	t0 = now();
	n = read(fd, si, sizeof(si));
	CHECK(n == sizeof(si[0]) && si[0].ssi_signo == SIGUSR2 &&
	    si[0].ssi_pid == (uint32_t)pid && now() - t0 > 0.05,
	    "blocked read: %zd", n);
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "child");
	close(fd);
	CHECK(signalfd(-1, &s, 0x1) == -1 && errno == EINVAL, "bad flags");
	CHECK(syscall(SYS_signalfd4, -1, &s, 4, 0) == -1 && errno == EINVAL,
	    "bad size");
	fd = eventfd(0, 0);
	CHECK(signalfd(fd, &s, 0) == -1 && errno == EINVAL, "not a signalfd");
	close(fd);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

/* ---- epoll ---- */

static int
ep_add(int ep, int fd, uint32_t ev, uint64_t data)
{
	struct epoll_event e = { .events = ev, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) == 0 ? 0 : errno;
}

static int
ep_wait1(int ep, int ms, struct epoll_event *e)
{
	memset(e, 0, sizeof(*e));
	return epoll_wait(ep, e, 1, ms);
}

static void
epoll_pipe(void)
{
	struct epoll_event e;
	char c;
	int ep, p[2];

	pipe2(p, O_NONBLOCK);
	/* Level-triggered: reported while readable. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC, "create1");
	CHECK(ep_add(ep, p[0], EPOLLIN, 11) == 0, "add");
	CHECK(ep_wait1(ep, 0, &e) == 0, "empty");
	write(p[1], "ab", 2);
	CHECK(ep_wait1(ep, 0, &e) == 1 && e.events == EPOLLIN &&
	    e.data.u64 == 11, "LT 1");
	CHECK(ep_wait1(ep, 0, &e) == 1, "LT 2");
	close(ep);
	/* Edge-triggered: once per change. */
	ep = epoll_create(1);
	ep_add(ep, p[0], EPOLLIN | EPOLLET, 12);
	CHECK(ep_wait1(ep, 0, &e) == 1 && e.data.u64 == 12, "ET 1");
	CHECK(ep_wait1(ep, 0, &e) == 0, "ET again: none");
	CHECK(read(p[0], &c, 1) == 1, "read 1 of 2");
	CHECK(ep_wait1(ep, 0, &e) == 0, "ET: a read is no new event");
	write(p[1], "c", 1);
	CHECK(ep_wait1(ep, 0, &e) == 1, "ET new write");
	CHECK(ep_wait1(ep, 0, &e) == 0, "ET none");
	close(ep);
	/* One-shot, re-armed by MOD. */
	ep = epoll_create1(0);
	ep_add(ep, p[0], EPOLLIN | EPOLLONESHOT, 13);
	CHECK(ep_wait1(ep, 0, &e) == 1, "ONESHOT 1");
	write(p[1], "d", 1);
	CHECK(ep_wait1(ep, 0, &e) == 0, "ONESHOT disabled");
	e.events = EPOLLIN | EPOLLONESHOT;
	e.data.u64 = 14;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e) == 0, "MOD");
	CHECK(ep_wait1(ep, 0, &e) == 1 && e.data.u64 == 14, "re-armed");
	/* The write end: EPOLLOUT; EPOLLHUP once the writer goes. */
	CHECK(ep_add(ep, p[1], EPOLLOUT, 15) == 0, "add write end");
	CHECK(ep_wait1(ep, 0, &e) == 1 && e.events == EPOLLOUT &&
	    e.data.u64 == 15, "EPOLLOUT");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0, "DEL");
	close(p[1]);
	while (read(p[0], &c, 1) == 1)
		;
	e.events = EPOLLIN | EPOLLRDHUP;
	e.data.u64 = 16;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e);
	CHECK(ep_wait1(ep, 0, &e) == 1 && (e.events & EPOLLHUP) &&
	    !(e.events & EPOLLIN), "EPOLLHUP %x", e.events);
	close(p[0]);
	close(ep);
}

static void
epoll_errors(const char *self)
{
	struct epoll_event e = { .events = EPOLLIN };
	int ep, e2, e3, p[2], fd;

	pipe(p);
	ep = epoll_create1(0);
	CHECK(ep_add(ep, p[0], EPOLLIN, 1) == 0, "add");
	CHECK(ep_add(ep, p[0], EPOLLIN, 1) == EEXIST, "EEXIST");
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &e) == -1 && errno == ENOENT,
	    "MOD ENOENT");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == -1 && errno == ENOENT,
	    "DEL ENOENT");
	CHECK(ep_add(ep, ep, EPOLLIN, 1) == EINVAL, "itself");
	CHECK(ep_add(p[0], p[1], EPOLLIN, 1) == EINVAL, "not epoll");
	CHECK(ep_add(ep, 999, EPOLLIN, 1) == EBADF, "EBADF");
	CHECK(epoll_ctl(ep, 7, p[1], &e) == -1 && errno == EINVAL, "bad op");
	fd = open(self, O_RDONLY);
	CHECK(ep_add(ep, fd, EPOLLIN, 1) == EPERM, "regular file EPERM");
	close(fd);
	CHECK(ep_add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE, 2) == 0,
	    "EXCLUSIVE");
	e.events = EPOLLOUT | EPOLLEXCLUSIVE;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &e) == -1 && errno == EINVAL,
	    "MOD EXCLUSIVE");
	CHECK(epoll_wait(ep, &e, 0, 0) == -1 && errno == EINVAL, "maxevents 0");
	CHECK(epoll_wait(p[0], &e, 1, 0) == -1 && errno == EINVAL,
	    "wait not epoll");
	CHECK(syscall(SYS_epoll_create, 0) == -1 && errno == EINVAL,
	    "create(0)");
	CHECK(epoll_create1(1) == -1 && errno == EINVAL, "create1 flags");
	/* Loops. */
	e2 = epoll_create1(0);
	e3 = epoll_create1(0);
	CHECK(ep_add(ep, e2, EPOLLIN, 3) == 0, "nest");
	CHECK(ep_add(e2, e3, EPOLLIN, 4) == 0, "nest 2");
	CHECK(ep_add(e3, ep, EPOLLIN, 5) == ELOOP, "ELOOP 3");
	CHECK(ep_add(e2, ep, EPOLLIN, 5) == ELOOP, "ELOOP 2");
	close(e2);
	close(e3);
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void
epoll_objects(void)
{
	struct epoll_event e, ev[4];
	struct itimerspec it;
	sigset_t s;
	double t0;
	int ep, inner, efd, tfd, sfd, n;

	ep = epoll_create1(0);
	inner = epoll_create1(0);
	efd = eventfd(0, EFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	sigs(&s, SIGUSR1, 0);
	sigprocmask(SIG_BLOCK, &s, NULL);
	sfd = signalfd(-1, &s, SFD_NONBLOCK);
	ep_add(ep, tfd, EPOLLIN, 2);
	ep_add(ep, sfd, EPOLLIN, 3);
	ep_add(inner, efd, EPOLLIN, 1);
	ep_add(ep, inner, EPOLLIN, 4);
	CHECK(epoll_wait(ep, ev, 4, 0) == 0, "nothing yet");
	CHECK(pollin(inner, 0) == 0, "inner not ready");
	/* eventfd through the nested set. */
	wr64(efd, 1);
	CHECK(pollin(inner, 0) == POLLIN, "inner ready");
	CHECK(ep_wait1(ep, 0, &e) == 1 && e.data.u64 == 4 &&
	    e.events == EPOLLIN, "nested: %llu", (unsigned long long)e.data.u64);
	CHECK(ep_wait1(inner, 0, &e) == 1 && e.data.u64 == 1, "inner");
	rd64(efd, &n);
	/* Edge-triggered on an eventfd: each write is an event, a read is
	 * not. */
	e.events = EPOLLIN | EPOLLET;
	e.data.u64 = 5;
	epoll_ctl(inner, EPOLL_CTL_MOD, efd, &e);
	wr64(efd, 2);
	CHECK(ep_wait1(inner, 0, &e) == 1 && e.data.u64 == 5, "ET eventfd");
	CHECK(ep_wait1(inner, 0, &e) == 0, "ET eventfd: once");
	wr64(efd, 1);
	CHECK(ep_wait1(inner, 0, &e) == 1, "ET eventfd: second write");
	rd64(efd, &n);
	wr64(efd, 1);
	CHECK(ep_wait1(inner, 0, &e) == 1, "ET eventfd: after a read");
	rd64(efd, &n);
	/* timerfd wakes a blocked wait at its expiry. */
	its(&it, 40, 0);
	t0 = now();
	timerfd_settime(tfd, 0, &it, NULL);
	n = epoll_wait(ep, ev, 4, 3000);
	CHECK(n == 1 && ev[0].data.u64 == 2 && now() - t0 >= 0.035 &&
	    now() - t0 < 2, "timerfd: %d after %f", n, now() - t0);
	rd64(tfd, &n);
	/* signalfd: a blocked signal sent makes it ready. */
	kill(getpid(), SIGUSR1);
	n = epoll_wait(ep, ev, 4, 1000);
	CHECK(n == 1 && ev[0].data.u64 == 3, "signalfd: %d", n);
	{
		struct signalfd_siginfo si;

		CHECK(read(sfd, &si, sizeof(si)) == sizeof(si), "read sig");
	}
	CHECK(epoll_wait(ep, ev, 4, 0) == 0, "all taken");
	close(sfd);
	close(tfd);
	close(efd);
	close(inner);
	close(ep);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

/* An entry goes with its file's last descriptor (not with one of two). */
static void
epoll_close(void)
{
	struct epoll_event e;
	int ep, p[2], q[2], d;

	ep = epoll_create1(0);
	pipe(p);
	write(p[1], "x", 1);
	ep_add(ep, p[0], EPOLLIN, 1);
	CHECK(ep_wait1(ep, 0, &e) == 1, "ready");
	d = dup(p[0]);
	close(p[0]);
	CHECK(ep_wait1(ep, 0, &e) == 1 && e.data.u64 == 1,
	    "a dup keeps it");
	close(d);
	CHECK(ep_wait1(ep, 0, &e) == 0, "gone with the last");
	pipe(q); /* takes p[0]'s number */
	write(q[1], "y", 1);
	CHECK(q[0] == p[0] && ep_add(ep, q[0], EPOLLIN, 2) == 0,
	    "same number added again");
	CHECK(ep_wait1(ep, 0, &e) == 1 && e.data.u64 == 2, "new entry");
	close(q[0]);
	close(q[1]);
	close(p[1]);
	close(ep);
}

/* A set is shared across fork; a child's write wakes the parent. */
static void
epoll_fork(void)
{
	struct epoll_event e;
	int ep, efd, st;
	double t0;
	pid_t pid;

	ep = epoll_create1(0);
	efd = eventfd(0, 0);
	if ((pid = fork()) == 0) {
		if (ep_add(ep, efd, EPOLLIN, 77) != 0)
			_exit(1);
		msleep(100);
		_exit(wr64(efd, 1) != 0);
	}
	t0 = now();
	CHECK(ep_wait1(ep, 5000, &e) == 1 && e.data.u64 == 77 &&
	    now() - t0 > 0.05, "woken by the child");
	CHECK(ep_add(ep, efd, EPOLLIN, 1) == EEXIST, "the child's entry");
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "child");
	close(efd);
	close(ep);
}

/* A sharer of the table (CLONE_FILES) closes what a blocked epoll_wait
 * uses: the set stays while the wait holds it; a watched file whose last
 * descriptor goes leaves the set. */
static void
epoll_race(void)
{
	struct epoll_event e;
	int ep, efd, p[2], st;
	long pid;

	ep = epoll_create1(0);
	efd = eventfd(0, 0);
	pipe(p);
	ep_add(ep, efd, EPOLLIN, 1);
	ep_add(ep, p[0], EPOLLIN, 2);
	pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		msleep(100);
		close(ep);
		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		write(p[1], "x", 1); /* EPIPE: its reader went */
		msleep(50);
		_exit(wr64(efd, 3) != 0);
	}
	CHECK(ep_wait1(ep, 5000, &e) == 1 && e.data.u64 == 1,
	    "the eventfd, not the closed pipe: %llu",
	    (unsigned long long)e.data.u64);
	CHECK(epoll_wait(ep, &e, 1, 0) == -1 && errno == EBADF, "closed");
	CHECK(waitpid((pid_t)pid, &st, 0) == pid && st == 0, "child");
	close(efd);
	close(p[1]);
}

/* The standard input, a host pipe: readable when the host writes, then
 * EPOLLHUP at its end. */
static void
epoll_stdin(void)
{
	struct epoll_event e;
	char buf[64];
	int ep = epoll_create1(0);

	CHECK(ep_add(ep, 0, EPOLLIN, 9) == 0, "add stdin");
	CHECK(ep_wait1(ep, 10000, &e) == 1 && (e.events & EPOLLIN) &&
	    e.data.u64 == 9, "stdin readable");
	CHECK(read(0, buf, sizeof(buf)) == 5, "read data");
	CHECK(ep_wait1(ep, 10000, &e) == 1 && (e.events & EPOLLHUP),
	    "stdin hangup %x", e.events);
	close(ep);
}

static volatile sig_atomic_t got;

static void
on_usr1(int sig)
{
	(void)sig;
	got++;
}

/* epoll_pwait's mask is the caller's while it waits. */
static void
epoll_sigmask(void)
{
	struct sigaction sa;
	struct epoll_event e;
	struct timespec ts = { 0, 50000000 };
	sigset_t s, empty, cur;
	double t0;
	int ep, r, st;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigs(&s, SIGUSR1, 0);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &s, NULL);
	ep = epoll_create1(0);
	if ((pid = fork()) == 0) {
		msleep(100);
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	r = epoll_pwait(ep, &e, 1, 5000, &empty);
	CHECK(r == -1 && errno == EINTR && got == 1, "pwait EINTR %d %d",
	    r, (int)got);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(sigismember(&cur, SIGUSR1), "mask restored");
	waitpid(pid, &st, 0);
	/* Without the mask the signal stays blocked: a timeout. */
	kill(getpid(), SIGUSR1);
	t0 = now();
	CHECK(epoll_wait(ep, &e, 1, 100) == 0 && now() - t0 >= 0.09,
	    "blocked: timeout");
	CHECK(got == 1, "not delivered");
	/* epoll_pwait2 (Linux 5.11): a timespec timeout, and the mask. */
	t0 = now();
	r = (int)syscall(441, ep, &e, 1, &ts, NULL, 8);
	CHECK(r == 0 && now() - t0 >= 0.045, "pwait2 timeout");
	r = (int)syscall(441, ep, &e, 1, &ts, &empty, 8);
	CHECK(r == -1 && errno == EINTR && got == 2, "pwait2 mask");
	r = (int)syscall(441, ep, &e, 1, &ts, &empty, 4);
	CHECK(r == -1 && errno == EINVAL, "pwait2 sigsetsize");
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	CHECK(got == 2, "delivered once");
	close(ep);
}

int
main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "all";
	bool all = strcmp(mode, "all") == 0;

	if (all || strcmp(mode, "eventfd") == 0) {
		eventfd_counter();
		eventfd_fork();
	}
	if (all || strcmp(mode, "timerfd") == 0)
		timerfd_modes();
	if (all || strcmp(mode, "signalfd") == 0)
		signalfd_modes();
	if (all || strcmp(mode, "epoll") == 0) {
		epoll_pipe();
		epoll_errors(argv[0]);
		epoll_close();
	}
	if (strcmp(mode, "stdin") == 0)
		epoll_stdin();
	if (all || strcmp(mode, "race") == 0)
		epoll_race();
	if (all || strcmp(mode, "epollobj") == 0) {
		epoll_objects();
		epoll_fork();
		epoll_sigmask();
	}
	if (failures)
		printf("%d of %d checks failed\n", failures, checks);
	else
		printf("%s ok: %d checks\n", mode, checks);
	return failures != 0;
}
