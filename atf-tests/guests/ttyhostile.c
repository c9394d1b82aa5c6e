/* ttyhostile.c: a hostile guest against the terminal layer: random terminal ioctls with bad pointers and garbage settings on a pty's both ends, floods and closes under blocked readers; the pty still works after, and nothing hangs. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "vk_check.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Requests that would wait for output a garbage setting stopped, change
 * the host's console or line discipline when run natively, or inject
 * input: not fuzzed. */
static int
skipped(unsigned nr)
{
	switch (nr) {
	case 0x03: case 0x04: case 0x09: case 0x25:  /* TCSETSW/F, TCSBRK(P) */
	case 0x2c: case 0x2d:                        /* TCSETSW2/F2 */
	case 0x12: case 0x1d: case 0x23:             /* TIOCSTI, TIOCCONS,
	                                                TIOCSETD */
	case 0x1c:                                   /* TIOCLINUX */
	case 0x37:                                   /* TIOCVHANGUP */
		return 1;
	}
	return 0;
}

/* One random terminal request on fd: a 'T' number with a random
 * direction and size, and an argument that is NULL, unmapped, a small
 * integer or a buffer of garbage. */
static void
fuzz_one(int fd, unsigned char *buf, void *hole)
{
	unsigned nr = rnd() % 0x60, dir = rnd() % 4, size = rnd() % 64;
	unsigned long req;
	void *arg;

	if (skipped(nr))
		return;
	req = dir == 0 ? (0x5400u | nr) : _IOC(dir, 'T', nr, size);
	switch (rnd() % 4) {
	case 0: arg = NULL; break;
	case 1: arg = hole; break;
	case 2: arg = (void *)(uintptr_t)(rnd() % 4); break;
	default:
		for (size_t i = 0; i < 256; i++)
			buf[i] = (unsigned char)rnd();
		arg = buf;
		break;
	}
	(void)ioctl(fd, req, arg);
}

/* Bytes from fd within 5 s (the pty is still a pipe both ways). */
static int
roundtrip(int from, int to, const char *what)
{
	char got[16] = "";
	struct pollfd pf = { .fd = to, .events = POLLIN };
	ssize_t n;

	if (write(from, what, strlen(what)) != (ssize_t)strlen(what))
		return 0;
	if (poll(&pf, 1, 5000) != 1)
		return 0;
	n = read(to, got, sizeof(got) - 1);
	return n == (ssize_t)strlen(what) && memcmp(got, what, (size_t)n) == 0;
}

/* The child: its own session, the slave its controlling terminal, 3000
 * random requests on both ends; then the pair is repaired and must
 * carry bytes both ways. */
static int
fuzz(void)
{
	unsigned char *buf = malloc(256);
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	int m, s, i, ok;
	char *name;

	alarm(30);  /* a hang is a failure (SIGALRM), never a stuck test */
	if (setsid() < 0 || (m = posix_openpt(O_RDWR | O_NOCTTY)) < 0 ||
	    grantpt(m) || unlockpt(m) || (name = ptsname(m)) == NULL ||
	    (s = open(name, O_RDWR)) < 0)
		return 2;
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGWINCH, SIG_IGN);
	signal(SIGIO, SIG_IGN);   /* FIOASYNC, TIOCSCTTY... */
	signal(SIGURG, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	(void)fcntl(m, F_SETFL, O_NONBLOCK);
	(void)fcntl(s, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 3000; i++) {
		fuzz_one(rnd() & 1 ? m : s, buf, hole);
		if (i % 100 == 0) {  /* garbage through the garbage settings */
			(void)!write(m, buf, rnd() % 256);
			(void)!write(s, buf, rnd() % 256);
			(void)!read(m, buf, 256);
			(void)!read(s, buf, 256);
		}
	}
	/* The fuzzed pair goes (with what TIOCGPTPEER made), and a new one
	 * carries bytes both ways: whatever state the old one was left in
	 * (output stopped, garbage modes), the terminal layer still works. */
	for (i = 3; i < 1024; i++)
		close(i);
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(m) ||
	    unlockpt(m) || (s = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0)
		return 4;
	struct termios t;
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	ok = roundtrip(m, s, "in") && roundtrip(s, m, "out");
	return ok ? 0 : 3;
}

/* A reader blocked on the slave (canonical, no line) and one on the
 * master; the master closes: both come back, nothing hangs. */
static int
close_under_readers(void)
{
	int m, s, st;
	pid_t r1;
	char c;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(m) ||
	    unlockpt(m) || (s = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0)
		return 0;
	if ((r1 = fork()) == 0) {
		alarm(20);
		close(m);
		_exit(read(s, &c, 1) <= 0 ? 0 : 1);
	}
	(void)!write(m, "partial", 7);  /* no line's end: the reader waits */
	usleep(200000);
	close(m);
	return waitpid(r1, &st, 0) == r1 && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0;
}

/* Canonical input with no line's end, far past the queue, with echo
 * filling the master's side: every write comes back (taken, or EAGAIN
 * on the non-blocking master), and closing both ends works. */
static int
flood_canonical(void)
{
	char *big = malloc(65536);
	int m, s, i, back = 0;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(m) ||
	    unlockpt(m) || (s = open(ptsname(m), O_RDWR | O_NOCTTY)) < 0)
		return 0;
	memset(big, 'x', 65536);
	(void)fcntl(m, F_SETFL, O_NONBLOCK);
	alarm(20);
	for (i = 0; i < 16; i++)
		if (write(m, big, 65536) >= 0 || errno == EAGAIN)
			back++;
	alarm(0);
	close(s);
	close(m);
	free(big);
	return back == 16;
}

int
main(int argc, char **argv)
{
	int st;
	pid_t c;

	if (argc != 2 || strcmp(argv[1], "hostile") != 0) {
		fprintf(stderr, "usage: ttyhostile hostile\n");
		return 2;
	}
	for (int round = 0; round < 3; round++) {
		rng += (uint64_t)round * 0x9e3779b97f4a7c15ULL;
		if ((c = fork()) == 0)
			_exit(fuzz());
		CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0,
		    "round %d: the pty carries bytes after the fuzzing (%#x)",
		    round, st);
	}
	CHECK(close_under_readers(), "a blocked slave reader comes back "
	    "when the master closes");
	CHECK(flood_canonical(), "a canonical flood drops past the line "
	    "buffer and a line still arrives");
	return check_report("hostile");
}
