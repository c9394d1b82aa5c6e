/* tty.c: terminals: the line discipline (after Linux's n_tty), sessions, foreground groups and the job control checks, for the console and guest pseudo-terminals alike. */

/*
 * A terminal is a device (tty_dev: the console's host terminal, a pty's
 * master) and what sits between it and the guest: the input queue that
 * tty_input fills and reads take from, the settings (termios, window
 * size), and the session it controls with its foreground group.
 *
 * Input: every byte the device gives goes through input processing, the
 * signal characters and, in canonical mode, line editing, and is echoed.
 * The queue holds TTY_BUF - 1 bytes; in canonical mode in[0, canon) are
 * complete lines, each ended by a byte marked in delim (a line end, an
 * EOF mark that is not read, or a push when canonical mode came on with
 * bytes queued), and in[canon, inlen) the line being edited.
 *
 * Output: what the guest writes and what echo produces goes through
 * output processing into obuf, which the device drains (dev->output);
 * a writer waits while obuf is full, echo is dropped then (as Linux's).
 *
 * Sessions: a terminal names the session it controls (sid) and its
 * foreground group; a process's controlling terminal is the terminal of
 * its session (tty_ctty), found in the list of terminals, so neither
 * fork nor setsid need to tell the terminals anything.  A non-leader's
 * TIOCNOTTY therefore changes nothing (its session keeps the terminal).
 */

#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>

#include "vkernel.h"
#include "cred.h"
#include "file.h"
#include "kmem.h"
#include "tty.h"

#define TTY_BUF   4096          /* the input queue (n_tty's read_buf) */
#define TTY_OBUF  2048          /* output not yet taken by the device */

enum { D_LINE = 1, D_EOF = 2, D_PUSH = 4 };  /* delim[]: how a line ends */

struct tty {
	const struct tty_dev *dev;
	void *data;
	int refs;
	int nfiles;                 /* open files of it */
	char name[32];
	dev_t rdev;
	uid_t owner;
	struct timespec born;
	struct vk_termios tio;
	struct winsize ws;
	pid_t sid;                  /* the session it controls, 0 none */
	pid_t pgrp;                 /* its foreground group, 0 none */
	pid_t hup_sid, hup_pgrp;    /* a hangup's session and foreground
	                               group: the leader's end signals the
	                               group (Linux's tty_old_pgrp) */
	bool hung;                  /* the device went */
	bool stopped;               /* output stopped (^S, TCOOFF) */
	bool lnext;                 /* the next byte is taken literally */
	bool excl;                  /* TIOCEXCL */
	int column;                 /* where output is, for tabs */
	unsigned char in[TTY_BUF];
	unsigned char delim[TTY_BUF];
	size_t inlen, canon;
	uint64_t last_in_ns;        /* when the last byte came (VTIME) */
	unsigned char obuf[TTY_OBUF];
	size_t olen;
	struct waitq readq, writeq;
	struct tty *next;           /* every terminal (ttys) */
};

static struct tty *ttys;

#define L(t, f) (((t)->tio.c_lflag & (f)) != 0)
#define I(t, f) (((t)->tio.c_iflag & (f)) != 0)
#define O(t, f) (((t)->tio.c_oflag & (f)) != 0)
#define CC(t, i) ((t)->tio.c_cc[i])

/* Whether byte c is the special character i (a disabled one is 0). */
static bool
is_cc(const struct tty *t, unsigned char c, int i)
{
	return CC(t, i) != _POSIX_VDISABLE && c == CC(t, i);
}

/* Linux's initial modes (tty_std_termios): cooked, echo, ISIG. */
static void
std_termios(struct vk_termios *tio)
{
	static const uint8_t cc[VK_NCCS] = { 3, 28, 127, 21, 4, 0, 1, 0, 17,
	    19, 26, 0, 18, 15, 23, 22, 0 };

	memset(tio, 0, sizeof(*tio));
	tio->c_iflag = ICRNL | IXON;
	tio->c_oflag = OPOST | ONLCR;
	tio->c_cflag = B38400 | CS8 | CREAD | HUPCL;
	tio->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL |
	    ECHOKE | IEXTEN;
	memcpy(tio->c_cc, cc, sizeof(cc));
}

struct tty *
tty_new(const struct tty_dev *dev, void *data, const char *name, dev_t rdev)
{
	struct tty *t = kmem_alloc(sizeof(*t));

	if (t == NULL)
		return NULL;
	t->dev = dev;
	t->data = data;
	t->refs = 1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->rdev = rdev;
	t->owner = getuid();
	clock_gettime(CLOCK_REALTIME, &t->born);
	std_termios(&t->tio);
	t->ws = (struct winsize){ .ws_row = 24, .ws_col = 80 };
	t->next = ttys;
	ttys = t;
	return t;
}

struct tty *
tty_ref(struct tty *t)
{
	t->refs++;
	return t;
}

void
tty_unref(struct tty *t)
{
	struct tty **pp;

	if (--t->refs > 0)
		return;
	for (pp = &ttys; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	if (t->dev->release != NULL)
		t->dev->release(t);
	kmem_free(t, sizeof(*t));
}

void *tty_data(const struct tty *t) { return t->data; }
const char *tty_name(const struct tty *t) { return t->name; }
dev_t tty_rdev(const struct tty *t) { return t->rdev; }
unsigned
tty_nr(const struct tty *t)
{
	return (minor(t->rdev) & 0xff) | (major(t->rdev) << 8) |
	    ((minor(t->rdev) & ~0xffu) << 12);
}
int tty_nfiles(const struct tty *t) { return t->nfiles; }
bool tty_hung_up(const struct tty *t) { return t->hung; }
pid_t tty_fg_pgrp(const struct tty *t) { return t->pgrp; }
void tty_set_owner(struct tty *t, uid_t uid) { t->owner = uid; }

void
tty_stat(const struct tty *t, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(0, 6);  /* devtmpfs's and devpts's stand-in */
	st->st_ino = 0x7474000 + major(t->rdev) * 4096 + minor(t->rdev);
	st->st_mode = S_IFCHR | (major(t->rdev) == 5 ? 0600 : 0620);
	st->st_nlink = 1;
	st->st_uid = t->owner;
	st->st_gid = 5;  /* tty */
	st->st_rdev = t->rdev;
	st->st_blksize = 1024;
	st->st_atim = st->st_mtim = st->st_ctim = t->born;
}

/* ---- process groups ---- */

/* Sends sig to every process of group pgid (Linux's kill_pgrp with
 * priv: SI_KERNEL). */
static void
signal_pgrp(pid_t pgid, int sig)
{
	siginfo_t si = { .si_code = SI_KERNEL };
	struct proc *q;

	if (pgid <= 0)
		return;
	for (q = proc_first(); q != NULL; q = q->all_next)
		if (q == q->tg->leader && !q->zombie && q->tg->pgid == pgid)
			sig_post(q, sig, &si);
}

/* Whether a live process of group pgid is in session sid (*other: one is
 * in another session). */
static bool
pgrp_in(pid_t pgid, pid_t sid, bool *other)
{
	struct proc *q;

	*other = false;
	for (q = proc_first(); q != NULL; q = q->all_next) {
		if (q != q->tg->leader || q->zombie || q->tg->pgid != pgid)
			continue;
		if (q->tg->sid == sid)
			return true;
		*other = true;
	}
	return false;
}

struct tty *
tty_ctty(const struct proc *p)
{
	struct tty *t;

	for (t = ttys; t != NULL; t = t->next)
		if (t->sid != 0 && t->sid == p->tg->sid)
			return t;
	return NULL;
}

/* t controls no session any more. */
static void
disassociate(struct tty *t)
{
	t->sid = 0;
	t->pgrp = 0;
}

void
tty_proc_exit(struct proc *p)
{
	struct tty *t;

	if (p->tg->sid != p->tg->tgid)
		return;
	if ((t = tty_ctty(p)) == NULL) {
		/* Its terminal hung up: the foreground group of then. */
		for (t = ttys; t != NULL; t = t->next)
			if (t->hup_sid == p->tg->sid) {
				signal_pgrp(t->hup_pgrp, SIGHUP);
				signal_pgrp(t->hup_pgrp, SIGCONT);
				t->hup_sid = 0;
			}
		return;
	}
	/* A session leader's end: its foreground group hears of it, and
	 * the terminal is free.  A pty's group gets SIGHUP alone, as from
	 * Linux's disassociate_ctty; the console's SIGCONT too (Linux hangs
	 * a console's session up: here the guest ends with pid 1 anyway). */
	signal_pgrp(t->pgrp, SIGHUP);
	if (major(t->rdev) != 136)
		signal_pgrp(t->pgrp, SIGCONT);
	disassociate(t);
}

/* A job control check: sig for p's group unless it is in t's
 * foreground; see tty.h. */
static int
job_check(struct tty *t, struct proc *p, int sig, bool read)
{
	bool ignored;

	if (t->sid == 0 || t->sid != p->tg->sid || t->pgrp == 0 ||
	    p->tg->pgid == t->pgrp)
		return 0;
	ignored = p->tg->sigacts[sig].handler == VK_SIG_IGN ||
	    (p->sigmask & SIGBIT(sig));
	if (ignored)
		return read ? -EIO : 0;
	if (proc_pgrp_orphaned(p->tg->pgid, p->tg->sid, NULL))
		return -EIO;
	signal_pgrp(p->tg->pgid, sig);
	return -ERESTARTSYS;
}

int
tty_check_read(struct tty *t, struct proc *p)
{
	return job_check(t, p, SIGTTIN, true);
}

int
tty_check_change(struct tty *t, struct proc *p)
{
	return job_check(t, p, SIGTTOU, false);
}

/* p's session takes t as its controlling terminal. */
static void
associate(struct tty *t, struct proc *p)
{
	t->sid = p->tg->sid;
	t->pgrp = p->tg->pgid;
}

/* ---- output ---- */

static void
wake_writers(struct tty *t)
{
	waitq_wakeup(&t->writeq);
	waitq_wakeup(&vk_pollq);
}

static void
wake_readers(struct tty *t)
{
	waitq_wakeup(&t->readq);
	waitq_wakeup(&vk_pollq);
}

/* Gives the device what obuf holds, as much as it takes. */
static void
push_output(struct tty *t)
{
	long r;

	if (t->olen == 0 || t->stopped)
		return;
	if (t->hung) {
		t->olen = 0;
		return;
	}
	r = t->dev->output(t, t->obuf, t->olen);
	if (r == -EIO) {
		t->olen = 0;
	} else if (r > 0) {
		memmove(t->obuf, t->obuf + r, t->olen - (size_t)r);
		t->olen -= (size_t)r;
	}
	if (t->olen < TTY_OBUF / 2)
		wake_writers(t);
}

void
tty_output_room(struct tty *t)
{
	push_output(t);
	wake_writers(t);
}

/* Room in obuf for n more bytes. */
static bool
oroom(const struct tty *t, size_t n)
{
	return t->olen + n <= TTY_OBUF;
}

static void
oput(struct tty *t, const void *b, size_t n)
{
	memcpy(t->obuf + t->olen, b, n);
	t->olen += n;
}

/* Output processing of one byte into obuf (OPOST, ONLCR, OCRNL, ONOCR,
 * ONLRET, XTABS): false when obuf has no room for what it becomes. */
static bool
opost(struct tty *t, unsigned char c)
{
	static const char spaces[8] = "        ";
	int n;

	if (!O(t, OPOST)) {
		if (!oroom(t, 1))
			return false;
		oput(t, &c, 1);
		return true;
	}
	switch (c) {
	case '\n':
		if (O(t, ONLCR)) {
			if (!oroom(t, 2))
				return false;
			oput(t, "\r\n", 2);
			t->column = 0;
			return true;
		}
		if (O(t, ONLRET))
			t->column = 0;
		break;
	case '\r':
		if (O(t, ONOCR) && t->column == 0)
			return true;
		if (O(t, OCRNL)) {
			c = '\n';
			if (O(t, ONLRET))
				t->column = 0;
			break;
		}
		t->column = 0;
		break;
	case '\t':
		n = 8 - (t->column & 7);
		if ((t->tio.c_oflag & TABDLY) == XTABS) {
			if (!oroom(t, (size_t)n))
				return false;
			oput(t, spaces, (size_t)n);
			t->column += n;
			return true;
		}
		t->column += n;
		break;
	case '\b':
		if (t->column > 0)
			t->column--;
		break;
	default:
		if (c >= 0x20 && c != 0x7f && (c & 0xc0) != 0x80)
			t->column++;
		break;
	}
	if (!oroom(t, 1))
		return false;
	oput(t, &c, 1);
	return true;
}

/* Echo of byte c (a control character as ^X with ECHOCTL), dropped when
 * obuf is full. */
static void
echo_char(struct tty *t, unsigned char c)
{
	unsigned char ctl[2] = { '^', (unsigned char)(c ^ 0100) };

	if (L(t, ECHOCTL) && (c < 0x20 || c == 0x7f) && c != '\t' &&
	    c != '\n' && c != CC(t, VSTART) && c != CC(t, VSTOP)) {
		if (oroom(t, 2)) {
			oput(t, ctl, 2);
			t->column += 2;
		}
		return;
	}
	(void)opost(t, c);
}

/* Erases the echo of byte c (ECHOE): "\b \b", twice for a ^X. */
static void
echo_erase(struct tty *t, unsigned char c)
{
	int w = L(t, ECHOCTL) && (c < 0x20 || c == 0x7f) ? 2 : 1, i;

	if (c == '\t')
		w = 1;
	for (i = 0; i < w && oroom(t, 3); i++) {
		oput(t, "\b \b", 3);
		if (t->column > 0)
			t->column--;
	}
}

/* ---- input ---- */

static size_t
in_room(const struct tty *t)
{
	return TTY_BUF - 1 - t->inlen;
}

size_t
tty_input_room(const struct tty *t)
{
	if (t->hung)
		return 0;
	/* Canonical mode takes bytes past a full line buffer (it drops
	 * them); only a full queue of complete lines stops the device. */
	if (L(t, ICANON))
		return t->canon >= TTY_BUF - 2 ? 0 : TTY_BUF;
	return in_room(t);
}

/* Drops what is queued for reading (TCIFLUSH, a signal character). */
static void
flush_input(struct tty *t)
{
	t->inlen = t->canon = 0;
	t->lnext = false;
	if (t->dev->input_room != NULL)
		t->dev->input_room(t);
	waitq_wakeup(&vk_pollq);
}

static void
queue_byte(struct tty *t, unsigned char c, unsigned char d)
{
	t->in[t->inlen] = c;
	t->delim[t->inlen] = d;
	t->inlen++;
}

/* The line being edited ends: it can be read. */
static void
line_done(struct tty *t)
{
	t->canon = t->inlen;
	wake_readers(t);
}

/* A signal character: the foreground group gets sig; the queues are
 * flushed unless NOFLSH. */
static void
isig(struct tty *t, unsigned char c, int sig)
{
	if (!L(t, NOFLSH)) {
		flush_input(t);
		t->olen = 0;
	}
	t->stopped = false;
	if (L(t, ECHO))
		echo_char(t, c);
	signal_pgrp(t->pgrp, sig);
}

/* Erase (VERASE), word erase (VWERASE) or kill (VKILL) in the line
 * being edited. */
static void
erase(struct tty *t, unsigned char c, int kind)
{
	bool echo = L(t, ECHO), seen = false;
	unsigned char e;

	if (kind == VKILL && (!echo || !L(t, ECHOK) || !L(t, ECHOKE) ||
	    !L(t, ECHOE))) {
		/* n_tty's: the line goes at once, said by the kill
		 * character (and a newline with ECHOK). */
		t->inlen = t->canon;
		if (echo) {
			echo_char(t, c);
			if (L(t, ECHOK))
				(void)opost(t, '\n');
		}
		return;
	}
	while (t->inlen > t->canon) {
		e = t->in[t->inlen - 1];
		if (kind == VWERASE) {
			bool word = e == '_' || (e >= '0' && e <= '9') ||
			    ((e | 0x20) >= 'a' && (e | 0x20) <= 'z');

			if (word)
				seen = true;
			else if (seen)
				break;
		}
		t->inlen--;
		if (echo && L(t, ECHOE))
			echo_erase(t, e);
		else if (echo && kind == VERASE)
			echo_char(t, CC(t, VERASE));
		if (kind == VERASE)
			break;
	}
}

/* One byte of input (see tty_input): false when it could not be taken. */
static bool
input_byte(struct tty *t, unsigned char c)
{
	bool canon = L(t, ICANON), echo = L(t, ECHO);

	if (I(t, ISTRIP))
		c &= 0x7f;
	if (t->lnext) {
		t->lnext = false;
		if (in_room(t) == 0 || (canon && in_room(t) < 2))
			return canon;  /* dropped in a full line */
		if (echo)
			echo_char(t, c);  /* over the "^" that VLNEXT left */
		queue_byte(t, c, 0);
		return true;
	}
	if (L(t, ISIG)) {
		int sig = is_cc(t, c, VINTR) ? SIGINT : is_cc(t, c, VQUIT) ?
		    SIGQUIT : is_cc(t, c, VSUSP) ? SIGTSTP : 0;

		if (sig != 0) {
			isig(t, c, sig);
			return true;
		}
	}
	if (I(t, IXON)) {
		if (is_cc(t, c, VSTOP)) {
			t->stopped = true;
			return true;
		}
		if (is_cc(t, c, VSTART)) {
			t->stopped = false;
			push_output(t);
			return true;
		}
		if (t->stopped && I(t, IXANY)) {
			t->stopped = false;
			push_output(t);
		}
	}
	if (c == '\r') {
		if (I(t, IGNCR))
			return true;
		if (I(t, ICRNL))
			c = '\n';
	} else if (c == '\n' && I(t, INLCR)) {
		c = '\r';
	}
	if (!canon) {
		if (in_room(t) == 0)
			return false;
		queue_byte(t, c, 0);
		if (echo)
			echo_char(t, c);
		else if (c == '\n' && L(t, ECHONL))
			(void)opost(t, '\n');
		wake_readers(t);
		return true;
	}
	if (is_cc(t, c, VERASE) || is_cc(t, c, VKILL) ||
	    (L(t, IEXTEN) && is_cc(t, c, VWERASE))) {
		erase(t, c, is_cc(t, c, VERASE) ? VERASE :
		    is_cc(t, c, VKILL) ? VKILL : VWERASE);
		return true;
	}
	if (L(t, IEXTEN) && is_cc(t, c, VLNEXT)) {
		t->lnext = true;
		if (echo && L(t, ECHOCTL) && oroom(t, 2)) {
			oput(t, "^\b", 2);
		}
		return true;
	}
	if (L(t, IEXTEN) && is_cc(t, c, VREPRINT)) {
		size_t i;

		if (echo) {
			echo_char(t, c);
			(void)opost(t, '\n');
			for (i = t->canon; i < t->inlen; i++)
				echo_char(t, t->in[i]);
		}
		return true;
	}
	if (t->inlen >= TTY_BUF - 1)
		return t->canon < t->inlen;  /* full of complete lines: wait */
	if (is_cc(t, c, VEOF)) {
		queue_byte(t, c, D_EOF);
		line_done(t);
		return true;
	}
	if (c == '\n' || is_cc(t, c, VEOL) ||
	    (L(t, IEXTEN) && is_cc(t, c, VEOL2))) {
		queue_byte(t, c, D_LINE);
		if (echo || (c == '\n' && L(t, ECHONL)))
			echo_char(t, c);
		line_done(t);
		return true;
	}
	/* An ordinary byte: in a full line buffer only a line's end fits. */
	if (t->inlen >= TTY_BUF - 2)
		return true;
	queue_byte(t, c, 0);
	if (echo)
		echo_char(t, c);
	return true;
}

size_t
tty_input(struct tty *t, const void *buf, size_t n)
{
	const unsigned char *b = buf;
	size_t i;

	if (t->hung)
		return 0;
	for (i = 0; i < n; i++)
		if (!input_byte(t, b[i]))
			break;
	if (i > 0)
		t->last_in_ns = mono_ns();
	push_output(t);
	return i;
}

/* ---- reading ---- */

/* Takes up to n readable bytes into buf: the count, and *eof when an
 * EOF mark ended it with nothing more. */
static size_t
take(struct tty *t, unsigned char *buf, size_t n)
{
	size_t i = 0, used = 0, end;

	if (L(t, ICANON)) {
		while (used < t->canon && i < n) {
			unsigned char d = t->delim[used];

			if (d & D_EOF) {
				used++;
				break;
			}
			buf[i++] = t->in[used++];
			if (d)
				break;
		}
	} else {
		end = t->inlen;
		while (used < end && i < n)
			buf[i++] = t->in[used++];
	}
	memmove(t->in, t->in + used, t->inlen - used);
	memmove(t->delim, t->delim + used, t->inlen - used);
	t->inlen -= used;
	t->canon = t->canon > used ? t->canon - used : 0;
	if (!L(t, ICANON))
		t->canon = 0;
	if (used > 0 && t->dev->input_room != NULL)
		t->dev->input_room(t);
	if (used > 0)
		waitq_wakeup(&vk_pollq);
	return i;
}

/* Whether a read would find something now (poll's POLLIN). */
static bool
readable(const struct tty *t)
{
	return L(t, ICANON) ? t->canon > 0 : t->inlen > 0;
}

int
tty_outq(const struct tty *t)
{
	return (int)t->olen;
}

int
tty_nread(const struct tty *t)
{
	size_t i, n = 0;

	if (!L(t, ICANON))
		return (int)t->inlen;
	for (i = 0; i < t->canon; i++)
		n += !(t->delim[i] & D_EOF);
	return (int)n;
}

static long
tty_read(struct tty *t, struct proc *p, void *buf, size_t n, bool nonblock)
{
	unsigned char vmin, vtime;
	struct timespec dl, *dlp;
	uint64_t start = mono_ns(), when;
	size_t need;
	long r;

	for (;;) {
		if (t->hung)  /* Linux's hung_up_tty_read: queued input too */
			return 0;
		if ((r = tty_check_read(t, p)) != 0)
			return r;
		vmin = CC(t, VMIN);
		vtime = CC(t, VTIME);
		dlp = NULL;
		if (L(t, ICANON)) {
			if (t->canon > 0)
				return (long)take(t, buf, n);
		} else {
			need = vmin == 0 ? 1 : vmin < n ? vmin : n;
			if (t->inlen >= need || (t->inlen > 0 && t->hung))
				return (long)take(t, buf, n);
			if (vmin == 0 && vtime == 0)
				return (long)take(t, buf, n);
			if (vtime != 0 && (vmin == 0 || t->inlen > 0)) {
				/* VTIME: since the read began (MIN 0) or since
				 * the last byte (the interbyte timer). */
				when = (vmin == 0 ? start :
				    t->last_in_ns) + vtime * 100000000ULL;
				if (mono_ns() >= when)
					return (long)take(t, buf, n);
				dl.tv_sec = (time_t)(when / 1000000000ULL);
				dl.tv_nsec = (long)(when % 1000000000ULL);
				dlp = &dl;
			}
		}
		if (t->hung)
			return 0;
		if (nonblock)
			return -EAGAIN;
		r = proc_sleep(p, &t->readq, NULL, 0, dlp);
		if (r == -ERESTARTSYS)
			return r;
	}
}

/* ---- writing ---- */

/* Waits until obuf has room or the device went (0), or -errno. */
static int
wait_output(struct tty *t, struct proc *p, bool nonblock)
{
	struct pollfd pf = { .fd = t->dev->out_hostfd, .events = POLLOUT };
	int r;

	if (nonblock)
		return -EAGAIN;
	r = proc_sleep(p, &t->writeq, pf.fd >= 0 && !t->stopped ? &pf : NULL,
	    pf.fd >= 0 && !t->stopped ? 1 : 0, NULL);
	return r == -ETIMEDOUT ? 0 : r;
}

static long
tty_write(struct tty *t, struct proc *p, const void *buf, size_t n,
    bool nonblock)
{
	const unsigned char *b = buf;
	size_t done = 0;
	int r;

	if (L(t, TOSTOP) && (r = tty_check_change(t, p)) != 0)
		return r;
	while (done < n) {
		if (t->hung)
			return done > 0 ? (long)done : -EIO;
		while (done < n && opost(t, b[done]))
			done++;
		push_output(t);
		if (done == n)
			break;
		if ((r = wait_output(t, p, nonblock)) != 0)
			return done > 0 ? (long)done : r;
	}
	return (long)done;
}

int
tty_drain(struct tty *t, struct proc *p)
{
	int r;

	for (;;) {
		push_output(t);
		if (t->olen == 0 || t->hung)
			return 0;
		if ((r = wait_output(t, p, false)) != 0)
			return r;
	}
}

/* ---- settings ---- */

void
tty_get_termios(const struct tty *t, struct vk_termios *tio)
{
	*tio = t->tio;
}

int
tty_set_termios(struct tty *t, struct proc *p, int how,
    const struct vk_termios *tio)
{
	bool was = L(t, ICANON);
	int r;

	if (how != TCSANOW && (r = tty_drain(t, p)) != 0)
		return r;
	if (how == TCSAFLUSH)
		flush_input(t);
	t->tio = *tio;
	if (was && !L(t, ICANON)) {
		t->canon = 0;  /* everything queued is readable */
	} else if (!was && L(t, ICANON) && t->inlen > 0) {
		t->delim[t->inlen - 1] |= D_PUSH;
		t->canon = t->inlen;
	}
	if (!I(t, IXON) && t->stopped) {
		t->stopped = false;
		push_output(t);
	}
	wake_readers(t);
	wake_writers(t);
	return 0;
}

void
tty_get_winsize(const struct tty *t, struct winsize *ws)
{
	*ws = t->ws;
}

void
tty_set_winsize(struct tty *t, const struct winsize *ws)
{
	if (memcmp(&t->ws, ws, sizeof(*ws)) == 0)
		return;
	t->ws = *ws;
	signal_pgrp(t->pgrp, SIGWINCH);
}

int
tty_flush(struct tty *t, int queue)
{
	switch (queue) {
	case TCIFLUSH:
		flush_input(t);
		return 0;
	case TCOFLUSH:
		t->olen = 0;
		wake_writers(t);
		return 0;
	case TCIOFLUSH:
		flush_input(t);
		t->olen = 0;
		wake_writers(t);
		return 0;
	}
	return -EINVAL;
}

int
tty_flow(struct tty *t, int action)
{
	unsigned char c;

	switch (action) {
	case TCOOFF:
		t->stopped = true;
		return 0;
	case TCOON:
		t->stopped = false;
		push_output(t);
		wake_writers(t);
		return 0;
	case TCIOFF:
	case TCION:
		c = CC(t, action == TCIOFF ? VSTOP : VSTART);
		if (c != _POSIX_VDISABLE && oroom(t, 1))
			oput(t, &c, 1);
		push_output(t);
		return 0;
	}
	return -EINVAL;
}

/* ---- sessions ---- */

int
tty_set_pgrp(struct tty *t, struct proc *p, pid_t pgid)
{
	bool other;
	int r;

	if (t->sid == 0 || t->sid != p->tg->sid)
		return -ENOTTY;
	if ((r = tty_check_change(t, p)) != 0)
		return r;
	if (pgid < 0)
		return -EINVAL;
	if (!pgrp_in(pgid, p->tg->sid, &other))
		return other ? -EPERM : -ESRCH;
	t->pgrp = pgid;
	return 0;
}

int
tty_get_pgrp(struct tty *t, struct proc *p, bool master, pid_t *pgid)
{
	if (!master && (t->sid == 0 || t->sid != p->tg->sid))
		return -ENOTTY;
	*pgid = t->pgrp;
	return 0;
}

int
tty_get_sid(struct tty *t, struct proc *p, bool master, pid_t *sid)
{
	if ((!master && t->sid != p->tg->sid) || t->sid == 0)
		return -ENOTTY;
	*sid = t->sid;
	return 0;
}

int
tty_set_ctty(struct tty *t, struct proc *p, bool steal)
{
	if (p->tg->sid == p->tg->tgid && t->sid == p->tg->sid)
		return 0;
	if (p->tg->sid != p->tg->tgid || tty_ctty(p) != NULL)
		return -EPERM;
	if (t->sid != 0) {
		if (!steal || !cred_capable(&p->cred, CAP_SYS_ADMIN))
			return -EPERM;
		disassociate(t);
	}
	if (t->hung)
		return -EIO;
	associate(t, p);
	return 0;
}

int
tty_drop_ctty(struct tty *t, struct proc *p)
{
	if (t->sid == 0 || t->sid != p->tg->sid)
		return -ENOTTY;
	if (p->tg->sid == p->tg->tgid) {
		signal_pgrp(t->pgrp, SIGHUP);
		signal_pgrp(t->pgrp, SIGCONT);
		disassociate(t);
	}
	return 0;
}

void
tty_hangup(struct tty *t)
{
	struct proc *q;
	siginfo_t si = { .si_code = SI_KERNEL };

	if (t->hung)
		return;
	t->hung = true;
	t->olen = 0;
	if (t->sid != 0) {
		/* The session's leader (Linux's __tty_hangup); its foreground
		 * group hears of it when the leader ends. */
		if ((q = proc_find(t->sid)) != NULL && !q->zombie &&
		    q->tg->sid == t->sid) {
			sig_post(q, SIGHUP, &si);
			sig_post(q, SIGCONT, &si);
		}
		t->hup_sid = t->sid;
		t->hup_pgrp = t->pgrp;
		disassociate(t);
	}
	wake_readers(t);
	wake_writers(t);
}

/* ---- files ---- */

static long
ttyf_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	return tty_read(f->data, p, buf, n, f->flags & O_NONBLOCK);
}

static long
ttyf_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	return tty_write(f->data, p, buf, n, f->flags & O_NONBLOCK);
}

static int
ttyf_poll(struct file *f)
{
	struct tty *t = f->data;
	int ev = 0;

	if (readable(t))
		ev |= POLLIN | POLLRDNORM;
	if (t->hung)
		return ev | POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM |
		    POLLERR | POLLHUP;  /* Linux's hung_up_tty_poll */
	if (oroom(t, TTY_OBUF / 2) && (t->dev->out_ready == NULL ||
	    t->dev->out_ready(t)))
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

static int
ttyf_stat(struct file *f, struct stat *st)
{
	tty_stat(f->data, st);
	return 0;
}

static void
ttyf_close(struct file *f)
{
	struct tty *t = f->data;

	t->nfiles--;
	if (t->dev->closed != NULL)
		t->dev->closed(t);
	tty_unref(t);
}

static const struct fileops tty_ops = {
	.kind = "tty",
	.read = ttyf_read,
	.write = ttyf_write,
	.poll = ttyf_poll,
	.stat = ttyf_stat,
	.close = ttyf_close,
};

struct file *
tty_file_new(struct tty *t, int flags)
{
	struct file *f = file_new(&tty_ops, flags & (O_ACCMODE | O_NONBLOCK |
	    O_APPEND), t);

	if (f == NULL)
		return NULL;
	tty_ref(t);
	t->nfiles++;
	return f;
}

struct tty *
tty_of(const struct file *f)
{
	return f->ops == &tty_ops ? f->data : NULL;
}

int
tty_open(struct proc *p, struct tty *t, int flags, struct file **fp)
{
	if (t->hung)
		return -EIO;
	if ((*fp = tty_file_new(t, flags)) == NULL)
		return -errno;
	if (!(flags & O_NOCTTY) && p->tg->sid == p->tg->tgid &&
	    tty_ctty(p) == NULL && t->sid == 0)
		associate(t, p);
	return 0;
}
