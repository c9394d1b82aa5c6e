/* pipes.c: one process exercises pipes and descriptors as Linux defines them: EOF, EPIPE, atomic writes, O_NONBLOCK, dup family, fcntl, poll and select. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef F_GETPIPE_SZ
#define F_GETPIPE_SZ 1032
#endif

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
basic(void)
{
	char buf[64];
	struct stat st;
	int fd[2], n = -1;

	CHECK(pipe2(fd, 0) == 0, "pipe2");
	CHECK(write(fd[1], "hello", 5) == 5, "write 5");
	CHECK(ioctl(fd[0], FIONREAD, &n) == 0 && n == 5, "FIONREAD %d", n);
	CHECK(read(fd[0], buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0,
	    "read back");
	CHECK(fstat(fd[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat fifo");
	CHECK(lseek(fd[0], 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek");
	CHECK(pread(fd[0], buf, 1, 0) == -1 && errno == ESPIPE, "pread");
	CHECK(read(fd[1], buf, 1) == -1 && errno == EBADF, "read write end");
	CHECK(write(fd[0], "x", 1) == -1 && errno == EBADF, "write read end");
	CHECK(ioctl(fd[0], TCGETS, buf) == -1 && errno == ENOTTY, "TCGETS");
	/* EOF once the writers are gone, with POLLHUP. */
	close(fd[1]);
	CHECK(read(fd[0], buf, sizeof(buf)) == 0, "EOF");
	struct pollfd pf = { fd[0], POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP), "POLLHUP");
	close(fd[0]);
	CHECK(pipe2(fd, 0x10000000) == -1 && errno == EINVAL,
	    "pipe2 bad flags");
	CHECK(syscall(SYS_pipe2, (void *)8, 0) == -1 && errno == EFAULT,
	    "pipe2 bad pointer");
}

static void
nonblocking_and_atomic(void)
{
	char buf[4096];
	int fd[2], fl;
	long total = 0, r;

	CHECK(pipe2(fd, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2 nonblock");
	CHECK(read(fd[0], buf, 1) == -1 && errno == EAGAIN, "EAGAIN empty");
	CHECK(fcntl(fd[0], F_GETFD) == FD_CLOEXEC, "cloexec set");
	CHECK(fcntl(fd[1], F_GETPIPE_SZ) == 65536, "pipe size");
	memset(buf, 'a', sizeof(buf));
	while ((r = write(fd[1], buf, sizeof(buf))) > 0)
		total += r;
	CHECK(r == -1 && errno == EAGAIN && total == 65536,
	    "filled %ld bytes", total);
	/* Make 500 bytes of room: a 1000-byte (atomic) write still waits. */
	CHECK(read(fd[0], buf, 500) == 500, "drain 500");
	total -= 500;
	CHECK(write(fd[1], buf, 1000) == -1 && errno == EAGAIN,
	    "atomic write waits whole");
	fl = fcntl(fd[0], F_GETFL);
	CHECK((fl & O_ACCMODE) == O_RDONLY && (fl & O_NONBLOCK), "F_GETFL %x",
	    fl);
	CHECK(fcntl(fd[0], F_SETFL, fl & ~O_NONBLOCK) == 0 &&
	    !(fcntl(fd[0], F_GETFL) & O_NONBLOCK), "F_SETFL");
	while (total > 0 && (r = read(fd[0], buf, sizeof(buf))) > 0)
		total -= r;
	close(fd[0]);
	close(fd[1]);
}

static void
epipe(void)
{
	int fd[2];

	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(fd) == 0, "pipe");
	close(fd[0]);
	CHECK(write(fd[1], "x", 1) == -1 && errno == EPIPE, "EPIPE");
	struct pollfd pf = { fd[1], POLLOUT, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR), "POLLERR");
	close(fd[1]);
	signal(SIGPIPE, SIG_DFL);
}

static void
dups(void)
{
	struct rlimit rl;
	int fd[2], d, i, last = -1;

	CHECK(pipe(fd) == 0, "pipe");
	d = dup(fd[1]);
	CHECK(d > fd[1], "dup %d", d);
	CHECK(write(d, "z", 1) == 1, "write through dup");
	close(d);
	CHECK(dup2(fd[1], 40) == 40 && fcntl(40, F_GETFD) == 0, "dup2 40");
	CHECK(dup2(40, 40) == 40, "dup2 same");
	CHECK(dup3(40, 40, 0) == -1 && errno == EINVAL, "dup3 same");
	CHECK(dup3(fd[1], 41, O_CLOEXEC) == 41 && fcntl(41, F_GETFD) ==
	    FD_CLOEXEC, "dup3 cloexec");
	CHECK(syscall(SYS_dup3, fd[1], 42, 1) == -1 && errno == EINVAL,
	    "dup3 bad flag");
	CHECK(fcntl(fd[1], F_DUPFD, 50) == 50, "F_DUPFD");
	CHECK(fcntl(fd[1], F_DUPFD_CLOEXEC, 50) == 51 &&
	    fcntl(51, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC");
	CHECK(fcntl(51, F_SETFD, 0) == 0 && fcntl(51, F_GETFD) == 0, "F_SETFD");
	CHECK(dup2(fd[1], 100000) == -1 && errno == EBADF, "dup2 huge");
	CHECK(dup(77) == -1 && errno == EBADF, "dup closed");
	CHECK(close(77) == -1 && errno == EBADF, "close closed");
	CHECK(fcntl(fd[1], 9999) == -1 && errno == EINVAL, "fcntl bad cmd");
	CHECK(syscall(SYS_close_range, 40, 60, 0) == 0 &&
	    fcntl(40, F_GETFD) == -1 && fcntl(51, F_GETFD) == -1,
	    "close_range");
	CHECK(syscall(SYS_close_range, 10, 5, 0) == -1 && errno == EINVAL,
	    "close_range backwards");
	/* Writes through the copies all land in one pipe. */
	char c;
	CHECK(read(fd[0], &c, 1) == 1 && c == 'z', "read z");
	/* Past RLIMIT_NOFILE: EMFILE. */
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = 32;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit");
	for (i = 0; i < 40; i++) {
		if ((d = dup(0)) < 0)
			break;
		last = d;
	}
	CHECK(d == -1 && errno == EMFILE && last == 31, "EMFILE at %d", last);
	for (i = 3; i <= last; i++)
		if (i != fd[0] && i != fd[1])
			close(i);
	close(fd[0]);
	close(fd[1]);
}

static void
polls(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct pollfd pf[3];
	struct iovec iov[3];
	char a[3], b[4], c[8];
	fd_set rs, ws;
	double t;
	int fd[2];

	CHECK(pipe(fd) == 0, "pipe");
	pf[0] = (struct pollfd){ fd[0], POLLIN, 0 };
	pf[1] = (struct pollfd){ fd[1], POLLOUT, 0 };
	pf[2] = (struct pollfd){ 99, POLLIN, 0 };
	CHECK(poll(pf, 3, 0) == 2 && pf[0].revents == 0 &&
	    pf[1].revents == POLLOUT && pf[2].revents == POLLNVAL, "poll idle");
	t = now();
	CHECK(poll(pf, 1, 50) == 0, "poll timeout");
	CHECK(now() - t >= 0.045, "poll slept %.3f", now() - t);
	t = now();
	CHECK(ppoll(pf, 1, &ts, NULL) == 0 && now() - t >= 0.045, "ppoll");
	/* writev gathers, readv scatters. */
	iov[0] = (struct iovec){ "abc", 3 };
	iov[1] = (struct iovec){ "defg", 4 };
	iov[2] = (struct iovec){ "hijklmno", 8 };
	CHECK(writev(fd[1], iov, 3) == 15, "writev");
	CHECK(poll(pf, 1, -1) == 1 && pf[0].revents == POLLIN, "poll data");
	iov[0] = (struct iovec){ a, 3 };
	iov[1] = (struct iovec){ b, 4 };
	iov[2] = (struct iovec){ c, 8 };
	CHECK(readv(fd[0], iov, 3) == 15 && memcmp(a, "abc", 3) == 0 &&
	    memcmp(b, "defg", 4) == 0 && memcmp(c, "hijklmno", 8) == 0,
	    "readv");
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(fd[0], &rs);
	FD_SET(fd[1], &ws);
	CHECK(select(fd[1] + 1, &rs, &ws, NULL, NULL) == 1 &&
	    !FD_ISSET(fd[0], &rs) && FD_ISSET(fd[1], &ws), "select");
	FD_ZERO(&rs);
	FD_SET(fd[0], &rs);
	t = now();
	CHECK(pselect(fd[0] + 1, &rs, NULL, NULL, &ts, NULL) == 0 &&
	    now() - t >= 0.045, "pselect timeout");
	FD_SET(60, &rs);
	CHECK(select(61, &rs, NULL, NULL, NULL) == -1 && errno == EBADF,
	    "select EBADF");
	close(fd[0]);
	close(fd[1]);
}

static int alarm_wfd = -1, alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
	if (alarm_wfd >= 0 && write(alarm_wfd, "!", 1) != 1)
		alarms = -100;
}

/* A read of an empty pipe is interrupted by a timer's signal: EINTR
 * without SA_RESTART, restarted (and given what the handler wrote) with it. */
static void
interrupted(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	struct sigaction sa;
	int fd[2];
	char c = 0;

	CHECK(pipe(fd) == 0, "pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	CHECK(read(fd[0], &c, 1) == -1 && errno == EINTR && alarms == 1,
	    "read EINTR (alarms %d)", alarms);
	alarm_wfd = fd[1];
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction restart");
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	CHECK(read(fd[0], &c, 1) == 1 && c == '!' && alarms == 2,
	    "read restarted (alarms %d)", alarms);
	alarm_wfd = -1;
	close(fd[0]);
	close(fd[1]);
}

int
main(int argc, char *argv[])
{
	int fd[2];

	if (argc > 1 && strcmp(argv[1], "sigpipe") == 0) {
		/* SIGPIPE's default action ends the process. */
		if (pipe(fd) != 0)
			return 2;
		close(fd[0]);
		printf("writing\n");
		fflush(stdout);
		write(fd[1], "x", 1);
		printf("survived\n");
		return 1;
	}
	basic();
	nonblocking_and_atomic();
	epipe();
	dups();
	polls();
	interrupted();
	if (failures)
		printf("%d of %d checks failed\n", failures, checks);
	else
		printf("pipes ok: %d checks\n", checks);
	return failures != 0;
}
