/* events.c: eventfd, timerfd and signalfd as Linux defines them, one mode per object (run natively and under vkernel with the same expectations). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &it,
	    NULL);
	v = rd64(fd, &err);
	CHECK(err == 0 && v >= 95 && v <= 150, "past: %llu",
	    (unsigned long long)v);
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
	if (failures)
		printf("%d of %d checks failed\n", failures, checks);
	else
		printf("%s ok: %d checks\n", mode, checks);
	return failures != 0;
}
