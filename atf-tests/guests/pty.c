/* pty.c: guest pseudo-terminals as Linux's (/dev/ptmx, /dev/pts/N, the line discipline, job control signals, hangup), one mode per area (run natively and under vkernel with the same expectations). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vk_check.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* poll's revents for fd within ms (0: none). */
static int
pollfd1(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

/* Reads from fd until want bytes came or nothing more within ms: how
 * many, NUL-terminated in buf (size > want). */
static size_t
read_for(int fd, char *buf, size_t want, int ms)
{
	size_t got = 0;
	ssize_t n;

	while (got < want && (pollfd1(fd, POLLIN, ms) & POLLIN)) {
		if ((n = read(fd, buf + got, want - got)) <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

static bool
wr(int fd, const char *s)
{
	return write(fd, s, strlen(s)) == (ssize_t)strlen(s);
}

/* A new pair: the master (with extra open flags) and its unlocked
 * slave, both O_NOCTTY; *n its number. */
static int
pair(int mflags, int *s, int *n)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | mflags);

	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 ||
	    ioctl(m, TIOCGPTN, n) != 0) {
		printf("FAIL: no pty (errno %d %s)\n", errno, strerror(errno));
		exit(1);
	}
	*s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (*s < 0) {
		printf("FAIL: no slave (errno %d %s)\n", errno, strerror(errno));
		exit(1);
	}
	return m;
}

static bool
listed(int n)
{
	char name[16];
	struct dirent *d;
	DIR *dir;
	bool found = false;

	snprintf(name, sizeof(name), "%d", n);
	if ((dir = opendir("/dev/pts")) == NULL)
		return false;
	while ((d = readdir(dir)) != NULL)
		found |= strcmp(d->d_name, name) == 0;
	closedir(dir);
	return found;
}

/* ---- open: the names, the lock, the numbers ---- */

static void
mode_open(void)
{
	char name[64], path[64], *p;
	struct stat st, st2;
	int m, s, s2, n, n2, lk, peer, m2, fd;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0, "posix_openpt");
	CHECK(ioctl(m, TIOCGPTN, &n) == 0 && n >= 0, "TIOCGPTN");
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	CHECK((p = ptsname(m)) != NULL && strcmp(p, path) == 0,
	    "ptsname %s, TIOCGPTN says %s", p ? p : "NULL", path);
	CHECK(ptsname_r(m, name, sizeof(name)) == 0 &&
	    strcmp(name, path) == 0, "ptsname_r %s", name);
	CHECK(ptsname_r(m, name, 3) == ERANGE, "ptsname_r short: ERANGE");
	CHECK(listed(n), "%s listed in /dev/pts", path);
	CHECK(ioctl(m, TIOCGPTLCK, &lk) == 0 && lk == 1, "locked at first");
	CHECK(grantpt(m) == 0, "grantpt");
	CHECK(ERR(open(path, O_RDWR | O_NOCTTY)) == EIO, "slave open locked");
	fd = open(path, O_PATH);  /* opens no device: the lock is not asked */
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_rdev == makedev(136, n),
	    "O_PATH of a locked slave");
	close(fd);
	fd = open("/dev/ptmx", O_PATH);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_rdev == makedev(5, 2) &&
	    ERR(ioctl(fd, TIOCGPTN, &n2)) == EBADF, "O_PATH of /dev/ptmx");
	close(fd);
	CHECK(ERR(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY)) == EIO,
	    "TIOCGPTPEER locked");
	CHECK(unlockpt(m) == 0, "unlockpt");
	CHECK(ioctl(m, TIOCGPTLCK, &lk) == 0 && lk == 0, "unlocked");
	s = open(path, O_RDWR | O_NOCTTY);
	CHECK(s >= 0, "slave open");
	CHECK(isatty(s) && isatty(m), "isatty of both");
	CHECK((p = ttyname(s)) != NULL && strcmp(p, path) == 0,
	    "ttyname slave %s", p ? p : "NULL");
	CHECK(ttyname_r(s, name, sizeof(name)) == 0 &&
	    strcmp(name, path) == 0, "ttyname_r slave %s", name);
	CHECK((p = ttyname(m)) != NULL && strcmp(p, "/dev/ptmx") == 0,
	    "ttyname master %s", p ? p : "NULL");
	CHECK(fstat(m, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(5, 2), "master is 5:2");
	CHECK(fstat(s, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(136, n) && st.st_uid == geteuid(),
	    "slave is 136:%d, ours", n);
	CHECK(stat(path, &st2) == 0 && st2.st_rdev == st.st_rdev &&
	    st2.st_ino == st.st_ino && st2.st_dev == st.st_dev,
	    "stat of the name is the slave file's");
	CHECK(ERR(ioctl(s, TIOCGPTN, &n2)) == ENOTTY, "TIOCGPTN on a slave");
	lk = 1;
	CHECK(ioctl(m, TIOCSPTLCK, &lk) == 0, "lock again");
	CHECK(ERR(open(path, O_RDWR | O_NOCTTY)) == EIO, "relocked: EIO");
	lk = 0;
	CHECK(ioctl(m, TIOCSPTLCK, &lk) == 0, "unlock again");
	peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_NONBLOCK);
	CHECK(peer >= 0 && (p = ttyname(peer)) != NULL &&
	    strcmp(p, path) == 0, "TIOCGPTPEER is the slave");
	CHECK(fcntl(peer, F_GETFL) & O_NONBLOCK, "the peer's flags");
	CHECK(ERR(ioctl(s, TIOCGPTPEER, O_RDWR)) == EIO,
	    "TIOCGPTPEER on a slave");

	/* The master goes: the name goes, the number stays taken while
	 * a slave file is open. */
	close(peer);
	close(m);
	CHECK(ERR(open(path, O_RDWR | O_NOCTTY)) == ENOENT,
	    "no name once the master closed");
	CHECK(!listed(n), "%s not listed once the master closed", path);
	m2 = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m2 >= 0 && ioctl(m2, TIOCGPTN, &n2) == 0 && n2 != n,
	    "a slave holds its number");
	close(m2);
	close(s);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m >= 0 && ioctl(m, TIOCGPTN, &n2) == 0 && n2 == n,
	    "the number again once both closed (%d, had %d)", n2, n);
	close(m);
	CHECK(ERR(ioctl(0 + 1000, TIOCGPTN, &n2)) == EBADF, "EBADF");
	s2 = open("/dev/null", O_RDWR);
	CHECK(ERR(ioctl(s2, TIOCGPTN, &n2)) == ENOTTY && !isatty(s2),
	    "/dev/null is no pty");
	close(s2);
}

/* ---- canon: the canonical line discipline ---- */

static void
mode_canon(void)
{
	struct termios t, tm;
	char buf[256];
	int m, s, n, k;

	m = pair(0, &s, &n);
	CHECK(tcgetattr(s, &t) == 0 && (t.c_lflag & (ICANON | ECHO | ISIG)) ==
	    (ICANON | ECHO | ISIG) && (t.c_oflag & (OPOST | ONLCR)) ==
	    (OPOST | ONLCR) && (t.c_iflag & ICRNL), "Linux's initial modes");
	CHECK(t.c_cc[VERASE] == 0177 && t.c_cc[VKILL] == 025 &&
	    t.c_cc[VEOF] == 4 && t.c_cc[VINTR] == 3, "the initial characters");
	CHECK(cfgetospeed(&t) == B38400, "38400 baud");
	CHECK(tcgetattr(m, &tm) == 0 && tm.c_lflag == t.c_lflag &&
	    tm.c_oflag == t.c_oflag && tm.c_iflag == t.c_iflag,
	    "tcgetattr on the master is the slave's");
	fcntl(s, F_SETFL, O_RDWR | O_NONBLOCK);

	/* A line is read only once it ends. */
	CHECK(wr(m, "abc"), "write abc");
	CHECK(read_for(m, buf, 3, 1000) == 3 && strcmp(buf, "abc") == 0,
	    "echo of abc: '%s'", buf);
	CHECK(pollfd1(s, POLLIN, 100) == 0, "no line yet");
	CHECK(ERR(read(s, buf, sizeof(buf))) == EAGAIN, "EAGAIN before the end");
	CHECK(ioctl(s, FIONREAD, &k) == 0 && k == 0, "FIONREAD 0 before");
	CHECK(wr(m, "\n"), "write newline");
	CHECK(read_for(m, buf, 2, 1000) == 2 && strcmp(buf, "\r\n") == 0,
	    "newline echoed as \\r\\n");
	CHECK(pollfd1(s, POLLIN, 1000) & POLLIN, "a line");
	CHECK(ioctl(s, FIONREAD, &k) == 0 && k == 4, "FIONREAD %d", k);
	CHECK(read(s, buf, sizeof(buf)) == 4 && memcmp(buf, "abc\n", 4) == 0,
	    "read the line");

	/* Two lines: one read takes one. */
	CHECK(wr(m, "one\ntwo\n"), "two lines");
	read_for(m, buf, 10, 1000);
	CHECK(pollfd1(s, POLLIN, 1000) & POLLIN, "lines");
	CHECK(read(s, buf, sizeof(buf)) == 4 && memcmp(buf, "one\n", 4) == 0,
	    "the first line alone");
	CHECK(read(s, buf, 2) == 2 && memcmp(buf, "tw", 2) == 0,
	    "part of the second");
	CHECK(read(s, buf, sizeof(buf)) == 2 && memcmp(buf, "o\n", 2) == 0,
	    "its rest");

	/* Erase (DEL, echoed as backspace-space-backspace with ECHOE),
	 * kill (^U), word erase (^W), CR to NL (ICRNL). */
	CHECK(wr(m, "ab\177c\n"), "erase");
	CHECK(read_for(m, buf, 8, 1000) == 8 &&
	    strcmp(buf, "ab\b \bc\r\n") == 0, "erase echo '%s'", buf);
	CHECK((pollfd1(s, POLLIN, 1000) & POLLIN) &&
	    read(s, buf, sizeof(buf)) == 3 && memcmp(buf, "ac\n", 3) == 0,
	    "erased");
	CHECK(wr(m, "xyz\025ok\n"), "kill");
	read_for(m, buf, sizeof(buf) - 1, 200);
	CHECK((pollfd1(s, POLLIN, 1000) & POLLIN) &&
	    read(s, buf, sizeof(buf)) == 3 && memcmp(buf, "ok\n", 3) == 0,
	    "killed");
	CHECK(wr(m, "one two\027three\n"), "word erase");
	read_for(m, buf, sizeof(buf) - 1, 200);
	CHECK((pollfd1(s, POLLIN, 1000) & POLLIN) &&
	    read(s, buf, sizeof(buf)) == 10 &&
	    memcmp(buf, "one three\n", 10) == 0, "word erased");
	CHECK(wr(m, "cr\r"), "carriage return");
	read_for(m, buf, sizeof(buf) - 1, 200);
	CHECK((pollfd1(s, POLLIN, 1000) & POLLIN) &&
	    read(s, buf, sizeof(buf)) == 3 && memcmp(buf, "cr\n", 3) == 0,
	    "ICRNL");

	/* VEOF: a 0 read at the start of a line, the line without its end
	 * after text. */
	CHECK(wr(m, "\004"), "^D");
	CHECK((pollfd1(s, POLLIN, 1000) & POLLIN) &&
	    read(s, buf, sizeof(buf)) == 0, "EOF at a line's start");
	CHECK(wr(m, "ab\004"), "ab^D");
	read_for(m, buf, sizeof(buf) - 1, 200);
	CHECK((pollfd1(s, POLLIN, 1000) & POLLIN) &&
	    read(s, buf, sizeof(buf)) == 2 && memcmp(buf, "ab", 2) == 0,
	    "a line ended by EOF");

	/* Output: ONLCR, then without it; without ECHO nothing comes back. */
	CHECK(wr(s, "hi\n"), "slave writes");
	CHECK(read_for(m, buf, 4, 1000) == 4 && strcmp(buf, "hi\r\n") == 0,
	    "ONLCR: '%s'", buf);
	t.c_oflag &= ~ONLCR;
	t.c_lflag &= ~ECHO;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0, "tcsetattr -onlcr -echo");
	CHECK(tcgetattr(m, &tm) == 0 && !(tm.c_oflag & ONLCR) &&
	    !(tm.c_lflag & ECHO), "the master sees the change");
	CHECK(wr(s, "hi\n"), "slave writes");
	CHECK(read_for(m, buf, 3, 1000) == 3 && strcmp(buf, "hi\n") == 0,
	    "no ONLCR: '%s'", buf);
	CHECK(wr(m, "quiet\n"), "typed without echo");
	CHECK(pollfd1(m, POLLIN, 200) == 0, "no echo");
	CHECK((pollfd1(s, POLLIN, 1000) & POLLIN) &&
	    read(s, buf, sizeof(buf)) == 6, "the line still");
	/* tcsetattr on the master sets the slave's. */
	t.c_oflag |= ONLCR;
	CHECK(tcsetattr(m, TCSANOW, &t) == 0 && tcgetattr(s, &tm) == 0 &&
	    (tm.c_oflag & ONLCR), "tcsetattr through the master");
	close(s);
	close(m);
}

/* ---- raw: cfmakeraw, VMIN/VTIME, big transfers, non-blocking ---- */

static void
mode_raw(void)
{
	struct termios t;
	char buf[256], *big, *in;
	int m, s, n, k, st;
	size_t i, got, sent;
	double t0, dt;
	ssize_t r;
	pid_t pid;
	struct epoll_event ev;
	int ep;

	m = pair(0, &s, &n);
	CHECK(tcgetattr(s, &t) == 0, "tcgetattr");
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0, "cfmakeraw");
	CHECK(pollfd1(m, POLLOUT, 0) == POLLOUT, "master POLLOUT");
	CHECK(pollfd1(s, POLLIN | POLLOUT, 0) == POLLOUT, "slave POLLOUT only");
	CHECK(wr(m, "a\003\r"), "bytes");
	CHECK(pollfd1(s, POLLIN, 1000) & POLLIN, "at once");
	CHECK(ioctl(s, FIONREAD, &k) == 0 && k == 3, "FIONREAD %d", k);
	CHECK(read(s, buf, sizeof(buf)) == 3 && memcmp(buf, "a\003\r", 3) == 0,
	    "raw bytes as they were");
	CHECK(pollfd1(m, POLLIN, 200) == 0, "no echo");
	CHECK(wr(s, "x\ny"), "slave writes");
	CHECK(pollfd1(m, POLLIN, 1000) & POLLIN, "master POLLIN");
	CHECK(ioctl(m, FIONREAD, &k) == 0 && k == 3, "master FIONREAD %d", k);
	CHECK(read_for(m, buf, 3, 1000) == 3 && strcmp(buf, "x\ny") == 0,
	    "no output processing");

	/* epoll, edge-triggered: each new output is an event on the
	 * master, a read is not; input room is one for a writer. */
	ep = epoll_create1(0);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.fd = m;
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev) == 0, "epoll");
	CHECK(epoll_wait(ep, &ev, 1, 0) == 0, "nothing yet");
	CHECK(wr(s, "a"), "a");
	CHECK(epoll_wait(ep, &ev, 1, 1000) == 1 && ev.events == EPOLLIN,
	    "an event");
	CHECK(epoll_wait(ep, &ev, 1, 0) == 0, "once");
	CHECK(wr(s, "b"), "b");
	CHECK(epoll_wait(ep, &ev, 1, 1000) == 1, "a second write, unread");
	CHECK(read_for(m, buf, 2, 1000) == 2, "read both");
	CHECK(epoll_wait(ep, &ev, 1, 100) == 0, "a read is no event");
	close(ep);

	/* VMIN/VTIME. */
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 2;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0, "MIN 0 TIME 2");
	t0 = now();
	CHECK(read(s, buf, sizeof(buf)) == 0, "times out with nothing");
	dt = now() - t0;
	CHECK(dt > 0.15 && dt < 2, "after %.3f s", dt);
	t.c_cc[VTIME] = 0;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0, "MIN 0 TIME 0");
	t0 = now();
	CHECK(read(s, buf, sizeof(buf)) == 0 && now() - t0 < 0.1,
	    "a poll: 0 at once");
	t.c_cc[VMIN] = 3;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0, "MIN 3 TIME 0");
	CHECK(wr(m, "ab"), "two bytes");
	if ((pid = fork()) == 0) {
		msleep(200);
		_exit(!wr(m, "cd"));
	}
	t0 = now();
	r = read(s, buf, sizeof(buf));
	dt = now() - t0;
	CHECK(r >= 3 && memcmp(buf, "abc", 3) == 0, "MIN 3: %zd bytes", r);
	CHECK(dt > 0.1, "waited for the third (%.3f s)", dt);
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "writer");
	if (r == 3)
		CHECK(read(s, buf, 1) == 1 && buf[0] == 'd', "the fourth");
	else
		CHECK(r == 4, "all four");
	t.c_cc[VMIN] = 1;
	CHECK(tcsetattr(s, TCSANOW, &t) == 0, "MIN 1");

	/* 64 KiB each way through the raw pair, between two processes. */
	big = malloc(65536);
	in = malloc(65536);
	for (i = 0; i < 65536; i++)
		big[i] = (char)(i * 7 + i / 256);
	if ((pid = fork()) == 0)
		_exit(write(m, big, 65536) != 65536);
	got = 0;
	while (got < 65536 && (r = read(s, in + got, 65536 - got)) > 0)
		got += (size_t)r;
	CHECK(got == 65536 && memcmp(in, big, 65536) == 0,
	    "64 KiB master to slave (%zu)", got);
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "master writer");
	if ((pid = fork()) == 0)
		_exit(write(s, big, 65536) != 65536);
	got = 0;
	while (got < 65536 && (r = read(m, in + got, 65536 - got)) > 0)
		got += (size_t)r;
	CHECK(got == 65536 && memcmp(in, big, 65536) == 0,
	    "64 KiB slave to master (%zu)", got);
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "slave writer");

	/* Non-blocking: EAGAIN on both sides, empty and full. */
	fcntl(m, F_SETFL, O_RDWR | O_NONBLOCK);
	fcntl(s, F_SETFL, O_RDWR | O_NONBLOCK);
	CHECK(ERR(read(m, buf, sizeof(buf))) == EAGAIN, "master EAGAIN empty");
	CHECK(ERR(read(s, buf, sizeof(buf))) == EAGAIN, "slave EAGAIN empty");
	sent = 0;
	for (i = 0; i < 1000 && (r = write(s, big, 4096)) > 0; i++)
		sent += (size_t)r;
	CHECK(i < 1000 && r < 0 && errno == EAGAIN && sent > 0,
	    "slave write until EAGAIN (%zu)", sent);
	CHECK(!(pollfd1(s, POLLOUT, 0) & POLLOUT), "slave not POLLOUT full");
	got = 0;
	while ((pollfd1(m, POLLIN, 200) & POLLIN) &&
	    (r = read(m, in, 65536)) > 0)
		got += (size_t)r;
	CHECK(got == sent, "master read all %zu of %zu", got, sent);
	CHECK(pollfd1(s, POLLOUT, 1000) & POLLOUT, "slave POLLOUT again");
	sent = 0;
	for (i = 0; i < 1000 && (r = write(m, big, 4096)) > 0; i++)
		sent += (size_t)r;
	CHECK(i < 1000 && r < 0 && errno == EAGAIN && sent > 0,
	    "master write until EAGAIN (%zu)", sent);
	got = 0;
	while ((pollfd1(s, POLLIN, 200) & POLLIN) &&
	    (r = read(s, in, 65536)) > 0)
		got += (size_t)r;
	CHECK(got == sent, "slave read all %zu of %zu", got, sent);
	CHECK(pollfd1(m, POLLOUT, 1000) & POLLOUT, "master POLLOUT again");
	free(big);
	free(in);
	close(s);
	close(m);
}

/* ---- close: either side going ---- */

static void
mode_close(void)
{
	char buf[64], path[64];
	int m, s, n, fd;

	m = pair(O_NONBLOCK, &s, &n);
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	close(s);
	CHECK(pollfd1(m, POLLIN, 0) & POLLHUP, "POLLHUP with no slave file");
	CHECK(ERR(read(m, buf, sizeof(buf))) == EIO, "master read EIO");
	CHECK(wr(m, "x\n"), "master writes anyway");
	msleep(100);  /* Linux echoes from a work queue */
	CHECK(read_for(m, buf, 3, 1000) == 3 && strcmp(buf, "x\r\n") == 0,
	    "echo read first");
	CHECK(ERR(read(m, buf, sizeof(buf))) == EIO, "then EIO");
	s = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	CHECK(s >= 0, "the slave again");
	CHECK(!(pollfd1(m, POLLIN, 0) & POLLHUP), "no POLLHUP");
	CHECK(ERR(read(m, buf, sizeof(buf))) == EAGAIN, "master EAGAIN");
	CHECK(read(s, buf, sizeof(buf)) == 2 && memcmp(buf, "x\n", 2) == 0,
	    "the line typed meanwhile is kept");
	fd = dup(s);
	CHECK(wr(s, "bye"), "slave writes");
	close(s);
	CHECK(!(pollfd1(m, POLLIN, 0) & POLLHUP), "a dup holds it");
	close(fd);
	msleep(100);
	CHECK(pollfd1(m, POLLIN, 1000) == (POLLIN | POLLHUP),
	    "data and POLLHUP");
	CHECK(read(m, buf, sizeof(buf)) == 3 && memcmp(buf, "bye", 3) == 0,
	    "data before EIO");
	CHECK(ERR(read(m, buf, sizeof(buf))) == EIO, "EIO after");
	close(m);

	/* The master goes: the slave is hung up. */
	m = pair(0, &s, &n);
	CHECK(wr(m, "unread\n"), "a line");
	close(m);
	CHECK((pollfd1(s, POLLIN, 1000) & (POLLHUP | POLLERR)) ==
	    (POLLHUP | POLLERR), "slave POLLHUP and POLLERR");
	CHECK(read(s, buf, sizeof(buf)) == 0, "slave read 0");
	CHECK(ERR(write(s, "a", 1)) == EIO, "slave write EIO");
	close(s);

	/* Before any slave open a master read waits. */
	m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	CHECK(m >= 0 && unlockpt(m) == 0, "a new master");
	CHECK(pollfd1(m, POLLIN, 0) == 0, "not readable, no POLLHUP");
	CHECK(ERR(read(m, buf, sizeof(buf))) == EAGAIN, "EAGAIN, not EIO");
	close(m);
}

/* ---- signals: the terminal's session, its groups and signals ---- */

static int rep = -1;             /* where reports go */
static volatile sig_atomic_t hup; /* the leader's SIGHUP came */

/* The job's and the leader's signals, reported as a letter: the job's
 * SIGHUP ('h') ends it. */
static void
report(int sig)
{
	char c = sig == SIGINT ? 'I' : sig == SIGQUIT ? 'Q' :
	    sig == SIGWINCH ? 'W' : sig == SIGHUP ? 'H' : '?';

	if (sig == SIGHUP && getpid() != getsid(0)) {
		(void)!write(rep, "h", 1);
		_exit(0);
	}
	hup |= sig == SIGHUP;
	(void)!write(rep, &c, 1);
}

/* The next report within ms ms, or 0. */
static char
next_report(int fd, int ms)
{
	char c;

	if (!(pollfd1(fd, POLLIN, ms) & POLLIN) || read(fd, &c, 1) != 1)
		return 0;
	return c;
}

/*
 * The session leader: setsid, the slave as its controlling terminal
 * (TIOCSCTTY), a job in a group of its own put in the foreground
 * (tcsetpgrp, SIGTTOU ignored as a shell does).  Reports to out: 'R'
 * ready (the job's pid follows), 'Z' the job stopped by SIGTSTP, 'E' a
 * read in the background was EIO (its group is orphaned: the parent is
 * in another session), 'C' the job continued, 'H' its SIGHUP, '0' a
 * read after the hangup was 0, 'e' a write EIO; then it exits, and the
 * job gets SIGHUP ('h') as the foreground group of a leader gone.
 */
static void
leader(const char *path, int out)
{
	struct sigaction sa = { .sa_handler = report };
	char c, buf[16];
	int s, pp[2], st;
	pid_t job;

	rep = out;
	setsid();
	s = open(path, O_RDWR | O_NOCTTY);
	if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0)
		_exit(1);
	signal(SIGTTOU, SIG_IGN);
	sigaction(SIGHUP, &sa, NULL);
	(void)!pipe(pp);
	if ((job = fork()) == 0) {
		setpgid(0, 0);
		signal(SIGTTOU, SIG_DFL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGQUIT, &sa, NULL);
		sigaction(SIGWINCH, &sa, NULL);
		close(pp[0]);
		(void)!write(pp[1], "r", 1);
		for (;;)
			pause();
	}
	close(pp[1]);
	setpgid(job, job);
	if (read(pp[0], &c, 1) != 1 || tcsetpgrp(s, job) != 0)
		_exit(2);
	(void)!write(out, "R", 1);
	(void)!write(out, &job, sizeof(job));
	if (waitpid(job, &st, WUNTRACED) == job && WIFSTOPPED(st) &&
	    WSTOPSIG(st) == SIGTSTP)
		(void)!write(out, "Z", 1);
	if (read(s, buf, sizeof(buf)) < 0 && errno == EIO)
		(void)!write(out, "E", 1);
	kill(job, SIGCONT);
	if (waitpid(job, &st, WCONTINUED) == job && WIFCONTINUED(st))
		(void)!write(out, "C", 1);
	while (!hup)
		pause();
	if (read(s, buf, sizeof(buf)) == 0)
		(void)!write(out, "0", 1);
	if (write(s, "x", 1) < 0 && errno == EIO)
		(void)!write(out, "e", 1);
	_exit(0);
}

static void
mode_signals(void)
{
	struct winsize ws = { .ws_row = 33, .ws_col = 99 }, ws2;
	char path[64], buf[64];
	int m, s, n, rp[2], st;
	pid_t pid, job = 0, pg, sid;
	char c;

	m = pair(0, &s, &n);
	snprintf(path, sizeof(path), "/dev/pts/%d", n);
	CHECK(ioctl(m, TIOCGWINSZ, &ws2) == 0 && ws2.ws_row == 0 &&
	    ws2.ws_col == 0, "a new pty is 0x0");
	CHECK(ERR(tcgetpgrp(s)) == ENOTTY, "not our controlling terminal");
	CHECK(pipe(rp) == 0, "pipe");
	if ((pid = fork()) == 0) {
		close(rp[0]);
		close(m);  /* the parent's: only its close hangs up */
		close(s);
		leader(path, rp[1]);
	}
	close(rp[1]);
	CHECK(next_report(rp[0], 5000) == 'R' &&
	    read(rp[0], &job, sizeof(job)) == sizeof(job), "leader ready");
	CHECK(ioctl(m, TIOCGPGRP, &pg) == 0 && pg == job,
	    "TIOCGPGRP on the master: the job (%d, job %d)", pg, job);
	CHECK(ioctl(m, TIOCGSID, &sid) == 0 && sid == pid,
	    "TIOCGSID on the master: the leader");
	CHECK(ERR(ioctl(s, TIOCGPGRP, &pg)) == ENOTTY,
	    "TIOCGPGRP on a slave not ours");

	/* The signal characters reach the foreground group. */
	CHECK(wr(m, "\003"), "^C");
	CHECK(next_report(rp[0], 5000) == 'I', "SIGINT to the job");
	CHECK(read_for(m, buf, 2, 1000) == 2 && strcmp(buf, "^C") == 0,
	    "^C echoed (ECHOCTL)");
	CHECK(wr(m, "\034"), "^\\");
	CHECK(next_report(rp[0], 5000) == 'Q', "SIGQUIT to the job");
	read_for(m, buf, 2, 1000);
	CHECK(ioctl(m, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ on the master");
	CHECK(next_report(rp[0], 5000) == 'W', "SIGWINCH");
	CHECK(ioctl(s, TIOCGWINSZ, &ws2) == 0 && ws2.ws_row == 33 &&
	    ws2.ws_col == 99, "the slave reads it");
	CHECK(ioctl(s, TIOCSWINSZ, &ws) == 0, "the same size");
	CHECK(next_report(rp[0], 300) == 0, "no SIGWINCH without a change");
	ws.ws_col = 120;
	CHECK(ioctl(s, TIOCSWINSZ, &ws) == 0, "TIOCSWINSZ on the slave");
	CHECK(next_report(rp[0], 5000) == 'W', "SIGWINCH again");
	CHECK(ioctl(m, TIOCGWINSZ, &ws2) == 0 && ws2.ws_row == 33 &&
	    ws2.ws_col == 120, "the master reads it");
	CHECK(wr(m, "\032"), "^Z");
	CHECK(next_report(rp[0], 5000) == 'Z', "the job stopped (WUNTRACED)");
	CHECK(next_report(rp[0], 5000) == 'E', "background read of an "
	    "orphaned group: EIO");
	CHECK(next_report(rp[0], 5000) == 'C', "continued (WCONTINUED)");

	/* The master goes: SIGHUP to the leader only; once it exits, to
	 * the foreground group. */
	close(s);
	close(m);
	CHECK((c = next_report(rp[0], 5000)) == 'H', "SIGHUP to the leader "
	    "(%c)", c);
	CHECK(next_report(rp[0], 5000) == '0', "read 0 after the hangup");
	CHECK(next_report(rp[0], 5000) == 'e', "write EIO after the hangup");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "leader exit %#x", st);
	CHECK(next_report(rp[0], 5000) == 'h', "then SIGHUP to the job");
	CHECK(next_report(rp[0], 5000) == 0, "nothing more");
	close(rp[0]);
	while (waitpid(-1, &st, 0) > 0)  /* the job, when we are pid 1 */
		;
}

/* ---- bound: pairs until the vkernel's limit ---- */

static void
mode_bound(int want)
{
	int fds[4096], i, n, e;

	/* By name: musl's posix_openpt says EAGAIN for ENOSPC. */
	for (i = 0; i < 4096; i++)
		if ((fds[i] = open("/dev/ptmx", O_RDWR | O_NOCTTY)) < 0)
			break;
	e = errno;
	CHECK(i == want && e == ENOSPC, "%d pairs (want %d), then %s", i, want,
	    strerror(e));
	close(fds[want / 2]);
	fds[want / 2] = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(fds[want / 2] >= 0 && ioctl(fds[want / 2], TIOCGPTN, &n) == 0 &&
	    n == want / 2, "a freed number is taken again (%d)", n);
	while (i-- > 0)
		close(fds[i]);
}

/* ---- leave, hold, absent: what is left at exit, another vkernel's ---- */

/* Pairs left open at exit, one process: data queued both ways, a
 * locked one, a hung-up slave held, a slave as our controlling
 * terminal (the vkernel frees them all; the test compares its memory). */
static void
mode_leave(void)
{
	char buf[8];
	int m, s, n, m2, s2, n2, m3, i;
	pid_t pid, sid = 0, ppid = getpid();

	m = pair(0, &s, &n);
	CHECK(wr(m, "typed\n") && wr(s, "out"), "queued both ways");
	m2 = pair(0, &s2, &n2);
	close(m2);
	CHECK(read(s2, buf, sizeof(buf)) == 0, "a hung-up slave held");
	m3 = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK(m3 >= 0, "a locked one");
	if ((pid = fork()) == 0) {
		/* A session on the slave, left behind: it ends with us
		 * (natively once it sees it was reparented). */
		close(m);
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) != 0 ||
		    tcsetpgrp(s, getpid()) != 0)
			_exit(1);
		while (getppid() == ppid)
			msleep(20);
		_exit(0);
	}
	/* Polled, not waited for in a read: a read blocked while the
	 * child writes would keep a second bounce buffer in the vkernel's
	 * cache, which the test's memory comparison would count. */
	for (i = 0; i < 500 && (ioctl(m, TIOCGSID, &sid) != 0 || sid != pid);
	    i++)
		msleep(10);
	CHECK(sid == pid, "a session on the slave");
}

/* A pair open, its slave as our controlling terminal, until killed. */
static void
mode_hold(void)
{
	int m, s, n;

	m = pair(0, &s, &n);
	CHECK((getsid(0) == getpid() || setsid() > 0) &&
	    ioctl(s, TIOCSCTTY, 0) == 0, "ctty");
	CHECK(wr(m, "x"), "input queued");
	printf("holding %d\n", n);
	sleep(60);
	close(m);
}

/* No pty of another vkernel shows: /dev/pts lists no number, and
 * /dev/pts/0 is no name. */
static void
mode_absent(void)
{
	struct stat st;
	struct dirent *d;
	DIR *dir;
	int nums = 0;

	dir = opendir("/dev/pts");
	CHECK(dir != NULL, "/dev/pts");
	while (dir != NULL && (d = readdir(dir)) != NULL)
		nums += d->d_name[0] >= '0' && d->d_name[0] <= '9';
	if (dir != NULL)
		closedir(dir);
	CHECK(nums == 0, "no pty listed (%d)", nums);
	CHECK(ERR(stat("/dev/pts/0", &st)) == ENOENT &&
	    ERR(open("/dev/pts/0", O_RDWR | O_NOCTTY)) == ENOENT,
	    "no /dev/pts/0");
}

/* ---- flush: TCFLSH and TIOCSCTTY through the master ---- */

static void
mode_flush(void)
{
	struct termios t;
	char buf[16];
	int m, s, n, v, st;
	pid_t c;

	m = pair(O_NONBLOCK, &s, &n);
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	CHECK(wr(s, "abc") && pollfd1(m, POLLIN, 2000) & POLLIN,
	    "the slave's output waits at the master");
	CHECK(ioctl(m, FIONREAD, &v) == 0 && v == 3, "FIONREAD 3: %d", v);
	CHECK(tcflush(m, TCIFLUSH) == 0, "TCIFLUSH on the master");
	CHECK(ioctl(m, FIONREAD, &v) == 0 && v == 0,
	    "the master's queue is empty: %d", v);
	CHECK(read(m, buf, sizeof(buf)) == -1 && errno == EAGAIN,
	    "nothing to read after the flush");
	CHECK(wr(m, "xyz") && pollfd1(s, POLLIN, 2000) & POLLIN,
	    "the master's output reached the slave");
	CHECK(tcflush(m, TCOFLUSH) == 0, "TCOFLUSH on the master");
	CHECK(ioctl(s, FIONREAD, &v) == 0 && v == 3,
	    "what the slave's line discipline had stays: %d", v);
	CHECK(tcflush(m, 7) == -1 && errno == EINVAL, "TCFLSH 7 is EINVAL");
	CHECK(tcflush(s, TCIFLUSH) == 0 && ioctl(s, FIONREAD, &v) == 0 &&
	    v == 0, "TCIFLUSH on the slave empties its input: %d", v);
	/* The old termio requests: the low 16 bits and 8 characters. */
	struct { unsigned short i, o, c, l; unsigned char line, cc[8]; } old;
	struct termios t2;

	tcgetattr(s, &t);
	t.c_lflag |= ECHO | ICANON;
	tcsetattr(s, TCSANOW, &t);
	CHECK(ioctl(s, TCGETA, &old) == 0 && old.l == (t.c_lflag & 0xffff) &&
	    old.i == (t.c_iflag & 0xffff) && old.cc[VINTR] == t.c_cc[VINTR],
	    "TCGETA: the low bits and characters of tcgetattr's");
	old.l &= (unsigned short)~ECHO;
	old.cc[VERASE] = 8;
	CHECK(ioctl(s, TCSETA, &old) == 0 && tcgetattr(s, &t2) == 0 &&
	    !(t2.c_lflag & ECHO) && (t2.c_lflag & ICANON) &&
	    t2.c_cc[VERASE] == 8 && t2.c_cc[VMIN] == t.c_cc[VMIN] &&
	    t2.c_oflag == t.c_oflag, "TCSETA changes what it holds only");
	/* TIOCSCTTY through the master: the slave becomes the controlling
	 * terminal of a new session. */
	if ((c = fork()) == 0) {
		pid_t sid;

		if (setsid() < 0 || ioctl(m, TIOCSCTTY, 0) != 0)
			_exit(1);
		if (ioctl(s, TIOCGSID, &sid) != 0 || sid != getpid())
			_exit(2);
		_exit(open("/dev/tty", O_RDWR) >= 0 ? 0 : 3);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "TIOCSCTTY on the master gives the slave "
	    "to the session (%#x)", st);
	close(s);
	close(m);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "open") == 0)
		mode_open();
	else if (strcmp(mode, "canon") == 0)
		mode_canon();
	else if (strcmp(mode, "raw") == 0)
		mode_raw();
	else if (strcmp(mode, "close") == 0)
		mode_close();
	else if (strcmp(mode, "flush") == 0)
		mode_flush();
	else if (strcmp(mode, "signals") == 0)
		mode_signals();
	else if (strcmp(mode, "bound") == 0 && argc > 2)
		mode_bound(atoi(argv[2]));
	else if (strcmp(mode, "leave") == 0)
		mode_leave();
	else if (strcmp(mode, "hold") == 0)
		mode_hold();
	else if (strcmp(mode, "absent") == 0)
		mode_absent();
	else {
		fprintf(stderr, "usage: pty open|canon|raw|close|flush|signals|"
		    "bound N|leave|hold|absent\n");
		return 2;
	}
	return check_report(mode);
}
