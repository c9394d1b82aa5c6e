/* fdrace.c: a process sharing the descriptor table (CLONE_FILES) closes a descriptor another one is blocked on; the blocked call must go on with the file it started with, as on Linux. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One line on stdout, written at once (children end with _exit). */
static void
say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (write(1, line, (size_t)n) != n)
		_exit(99);
}

static void
die(const char *what)
{
	say("%s: %s\n", what, strerror(errno));
	exit(1);
}

/* A child sharing the caller's descriptor table, as fork otherwise. */
static pid_t
clone_files(void)
{
	long pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);

	if (pid < 0)
		die("clone");
	return (pid_t)pid;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		say("child status %#x\n", st);
}

/* Forks and reaps a few processes: on the sw path each one opens and
 * closes the vkernel's host descriptors for its stub, so a number that
 * was freed is taken again. */
static void
churn(void)
{
	int i;
	pid_t pid;

	for (i = 0; i < 3; i++) {
		if ((pid = fork()) < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		reap(pid);
	}
}

/* A reader blocked on an empty pipe; the other process closes both
 * ends: the read sees end of file. */
static void
mode_pipe(void)
{
	char b[8];
	int p[2];
	pid_t pid;
	ssize_t n;

	if (pipe(p) != 0)
		die("pipe");
	if ((pid = clone_files()) == 0) {
		n = read(p[0], b, sizeof(b));
		say("child read %zd\n", n);
		_exit(0);
	}
	pause_ms(200);
	close(p[0]);
	close(p[1]);
	churn();
	reap(pid);
	say("parent done\n");
}

/* A writer blocked on a full pipe; the other process closes both ends:
 * the write fails with EPIPE (SIGPIPE ignored). */
static void
mode_pipew(void)
{
	static char big[65536];
	int p[2];
	pid_t pid;
	ssize_t n;

	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) != 0)
		die("pipe");
	if (write(p[1], big, sizeof(big)) != (ssize_t)sizeof(big))
		die("fill");
	if ((pid = clone_files()) == 0) {
		n = write(p[1], big, 10);
		say("child write %zd %s\n", n, n < 0 ? strerror(errno) : "");
		_exit(0);
	}
	pause_ms(200);
	close(p[0]);
	close(p[1]);
	churn();
	reap(pid);
	say("parent done\n");
}

/* A reader blocked on a FIFO (a host descriptor); the other process
 * closes that descriptor, starts processes, and writes through a new
 * one: the reader gets those bytes through the file it started with. */
static void
mode_fifo(const char *path)
{
	char b[16];
	int fd, fd2;
	pid_t pid;
	ssize_t n;

	if ((fd = open(path, O_RDWR)) < 0)
		die("open fifo");
	if ((pid = clone_files()) == 0) {
		n = read(fd, b, sizeof(b) - 1);
		b[n > 0 ? n : 0] = '\0';
		say("child read %zd %s\n", n, n > 0 ? b : "");
		_exit(0);
	}
	pause_ms(200);
	close(fd);
	churn();
	if ((fd2 = open(path, O_RDWR)) < 0)
		die("open fifo again");
	if (write(fd2, "hello", 5) != 5)
		die("write");
	reap(pid);
	close(fd2);
	say("parent done\n");
}

/* poll blocked on a FIFO whose descriptor the other process closes: once
 * data comes, the descriptor is looked up again and is gone (POLLNVAL). */
static void
mode_poll(const char *path)
{
	struct pollfd pf;
	int fd, fd2, r;
	pid_t pid;

	if ((fd = open(path, O_RDWR)) < 0)
		die("open fifo");
	if ((pid = clone_files()) == 0) {
		pf.fd = fd;
		pf.events = POLLIN;
		pf.revents = 0;
		r = poll(&pf, 1, 10000);
		say("child poll %d revents %#x\n", r, pf.revents);
		_exit(0);
	}
	pause_ms(200);
	close(fd);
	churn();
	if ((fd2 = open(path, O_RDWR)) < 0)
		die("open fifo again");
	if (write(fd2, "hello", 5) != 5)
		die("write");
	reap(pid);
	close(fd2);
	say("parent done\n");
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "pipe") == 0)
		mode_pipe();
	else if (argc >= 2 && strcmp(argv[1], "pipew") == 0)
		mode_pipew();
	else if (argc >= 3 && strcmp(argv[1], "fifo") == 0)
		mode_fifo(argv[2]);
	else if (argc >= 3 && strcmp(argv[1], "poll") == 0)
		mode_poll(argv[2]);
	else {
		fprintf(stderr, "usage: fdrace pipe|pipew|fifo PATH|poll PATH\n");
		return 2;
	}
	return 0;
}
