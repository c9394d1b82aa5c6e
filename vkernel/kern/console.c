/* console.c: the guest's console: a terminal (tty.c) whose device is the host terminal the vkernel was started from. */

/*
 * When the vkernel's standard input and output are one terminal and the
 * vkernel is in its foreground, kcons (kshim) puts it in raw mode and the console
 * stands for it: pid 1's descriptors 0, 1 and 2 that are that terminal
 * become files of the console, which is its controlling terminal.
 *
 * Input: a reader thread of the vkernel's own waits on the host terminal
 * (never holding the big lock while it waits), and feeds what it reads
 * to the line discipline under the big lock, so ^C reaches the
 * foreground group whatever the guest is doing.  When the input queue is
 * full it holds what it read until a guest read makes room (input_room
 * writes to its wake pipe).  SIGWINCH on the host (the window resized)
 * wakes it the same way; it sets the console's window size from the host
 * terminal's.  End of file or an error on the host terminal is a hangup.
 *
 * Output: written to the host terminal when it takes it (poll), else the
 * writer sleeps on the host descriptor (out_hostfd).
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vkernel.h"
#include "console.h"
#include "file.h"
#include "kcons.h"
#include "log.h"
#include "tty.h"

static struct tty *cons;
static int host_in = -1, host_out = -1;
static int wake[2] = { -1, -1 };
static bool room_wanted, ending;
static volatile sig_atomic_t host_hup, host_winch;
static pthread_t reader;

static long
cons_output(struct tty *t, const void *buf, size_t n)
{
	struct pollfd pf = { .fd = host_out, .events = POLLOUT };
	ssize_t r;

	(void)t;
	if (poll(&pf, 1, 0) < 0)
		return 0;
	if (pf.revents & (POLLERR | POLLHUP | POLLNVAL))
		return -EIO;
	if (!(pf.revents & POLLOUT))
		return 0;
	r = write(host_out, buf, n);
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -EIO;
	return r;
}

static bool
cons_out_ready(struct tty *t)
{
	struct pollfd pf = { .fd = host_out, .events = POLLOUT };

	(void)t;
	return poll(&pf, 1, 0) > 0 && (pf.revents & POLLOUT);
}

static void
poke(void)
{
	int saved = errno;

	(void)!write(wake[1], "", 1);
	errno = saved;
}

static void
cons_input_room(struct tty *t)
{
	(void)t;
	if (room_wanted) {
		room_wanted = false;
		poke();
	}
}

static struct tty_dev cons_dev = {
	.output = cons_output,
	.out_ready = cons_out_ready,
	.input_room = cons_input_room,
};

static void
on_winch(int sig)
{
	(void)sig;
	host_winch = 1;
	poke();
}

/* The reader thread (see above). */
static void *
reader_main(void *arg)
{
	unsigned char buf[512], junk[64];
	size_t have = 0, off = 0, k;
	struct winsize ws;
	sigset_t winch;
	bool hup = false;
	ssize_t n;

	(void)arg;
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	pthread_sigmask(SIG_UNBLOCK, &winch, NULL);
	while (!hup) {
		struct pollfd pf[2] = {
			{ .fd = host_in, .events = have == 0 ? POLLIN : 0 },
			{ .fd = wake[0], .events = POLLIN },
		};

		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		while (read(wake[0], junk, sizeof(junk)) > 0)
			;
		if (host_hup)
			hup = true;
		if (have == 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = read(host_in, buf, sizeof(buf));
			if (n > 0)
				have = (size_t)n, off = 0;
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				hup = true;
		}
		vk_lock();
		if (ending) {
			vk_unlock();
			break;
		}
		if (host_winch) {  /* asked once per SIGWINCH, not per key */
			host_winch = 0;
			if (kcons_winsize(&ws) == 0 && ws.ws_row > 0)
				tty_set_winsize(cons, &ws);
		}
		if (have > 0) {
			k = tty_input(cons, buf + off, have);
			off += k;
			have -= k;
			room_wanted = have > 0;
		}
		if (hup)
			tty_hangup(cons);
		vk_unlock();
	}
	return NULL;
}

int
console_init(int in, int out, char *why, size_t whylen)
{
	struct sigaction sa = { .sa_handler = on_winch, .sa_flags = SA_RESTART };
	struct winsize ws;
	sigset_t winch;
	int rc;

	if (!kcons_open(in, out))
		return 0;
	if ((host_in = fcntl(in, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    (host_out = fcntl(out, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(why, whylen, "console: %s", strerror(errno));
		kcons_restore();
		return -1;
	}
	cons_dev.out_hostfd = host_out;
	vk.crlf = kcons_same(2);  /* the vkernel's own lines, while raw */
	if ((cons = tty_new(&cons_dev, NULL, "/dev/console", makedev(5, 1))) ==
	    NULL) {
		snprintf(why, whylen, "console: out of memory");
		kcons_restore();
		return -1;
	}
	if (kcons_winsize(&ws) == 0 && ws.ws_row > 0)
		tty_set_winsize(cons, &ws);
	/* SIGWINCH is the reader's: every other thread blocks it. */
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	sigaction(SIGWINCH, &sa, NULL);
	pthread_sigmask(SIG_BLOCK, &winch, NULL);
	if ((rc = pthread_create(&reader, NULL, reader_main, NULL)) != 0) {
		snprintf(why, whylen, "console: %s", strerror(rc));
		kcons_restore();
		return -1;
	}
	return 1;
}

struct tty *
console_tty(void)
{
	return cons;
}

int
console_attach(struct proc *p)
{
	struct file *f;
	int fd;

	if (cons == NULL)
		return 0;
	for (fd = 0; fd < 3; fd++) {
		if (!kcons_same(fd))
			continue;
		if ((f = tty_file_new(cons, O_RDWR)) == NULL)
			return -ENOMEM;
		if (fdtab_install(p->fds, fd, f, false) != 0) {
			file_unref(f);
			return -ENOMEM;
		}
	}
	return tty_set_ctty(cons, p, false);
}

void
console_hangup(void)
{
	host_hup = 1;
	if (wake[1] >= 0)
		poke();
}

void
console_fini(void)
{
	ending = true;
	if (cons != NULL) {
		/* What the guest wrote last reaches the terminal first. */
		tty_output_room(cons);
		kcons_restore();
		vk.crlf = false;
	}
}
