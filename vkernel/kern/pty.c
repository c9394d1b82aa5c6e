/* pty.c: guest pseudo-terminals: /dev/ptmx's master files, each the device of a slave terminal (tty.c) /dev/pts/N, numbered and bounded per vkernel. */

/*
 * A pair is a slave terminal (struct tty: the line discipline, sessions,
 * the slave's files) whose device (pty_dev) is the master: what the
 * slave outputs waits in the master's ring for master reads, and master
 * writes are the slave's input (tty_input).  As Linux's pty.c and
 * devpts:
 * - a master read waits for output; once every slave file that was
 *   opened is closed it takes what is left, then EIO (POLLHUP), until a
 *   slave is opened again; before the first slave open it waits;
 * - a master write waits while the slave's input queue is full
 *   (tty_input_room) and is woken by input_room when a slave read takes
 *   some; the ring full, the slave's writers wait (output returns 0) and
 *   a master read that makes room calls tty_output_room;
 * - closing the master hangs the slave up (tty_hangup), and the name
 *   /dev/pts/N goes (ENOENT); the number is free again once the slave's
 *   files are closed too, when the terminal's last reference goes
 *   (release).
 *
 * Memory: a pair and its ring are charged to the kernel memory budget;
 * at most PTY_MAX pairs exist (ENOSPC past it, as kernel.pty.max).
 * Every function is called with the big lock held and sleeps only in
 * proc_sleep; a sleeping master read or write holds its file (fget),
 * and the file holds the pair.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "pty.h"
#include "tty.h"

#define PTY_MAX  256     /* pairs per vkernel (Linux's kernel.pty.max
                            is 4096 for the whole host) */
#define PTY_RING 16384   /* the master's buffer of slave output */

struct pty {
	int index;
	struct tty *tty;       /* the slave; our reference while the master
	                          is open */
	char *ring;            /* PTY_RING bytes while the master is open */
	size_t head, len;      /* output at [head, head+len) mod PTY_RING */
	bool master;           /* the master file is open */
	bool locked;           /* TIOCSPTLCK: slave opens are EIO */
	bool opened;           /* a slave file was opened (tty_nfiles 0 after
	                          it: the other side closed, EIO) */
	struct waitq rq, wq;   /* master readers (output) / writers (input
	                          room) */
	uint64_t rseq, wseq;   /* outputs / input rooms so far (poll_seq) */
};

static struct pty *ptys[PTY_MAX];

/* A change a master reader, writer or poller may be waiting for. */
static void
pty_changed(struct pty *pt)
{
	waitq_wakeup(&pt->rq);
	waitq_wakeup(&pt->wq);
	waitq_wakeup(&vk_pollq);
}

/* ---- the slave's device ---- */

static long
ptydev_output(struct tty *t, const void *buf, size_t n)
{
	struct pty *pt = tty_data(t);
	size_t k, tail, first;

	if (!pt->master)
		return -EIO;
	k = PTY_RING - pt->len;
	if (k > n)
		k = n;
	if (k == 0)
		return 0;
	tail = (pt->head + pt->len) % PTY_RING;
	first = PTY_RING - tail < k ? PTY_RING - tail : k;
	memcpy(pt->ring + tail, buf, first);
	memcpy(pt->ring, (const char *)buf + first, k - first);
	pt->len += k;
	pt->rseq++;
	pty_changed(pt);
	return (long)k;
}

static bool
ptydev_out_ready(struct tty *t)
{
	struct pty *pt = tty_data(t);

	return !pt->master || pt->len < PTY_RING;
}

static void
ptydev_input_room(struct tty *t)
{
	struct pty *pt = tty_data(t);

	pt->wseq++;
	pty_changed(pt);
}

/* Whether every slave file opened so far is closed (Linux's
 * TTY_OTHER_CLOSED: a master read is EIO once the buffer is empty,
 * POLLHUP). */
static bool
other_closed(const struct pty *pt)
{
	return pt->opened && tty_nfiles(pt->tty) == 0;
}

static void
ptydev_closed(struct tty *t)
{
	struct pty *pt = tty_data(t);

	if (tty_nfiles(t) == 0) {
		pt->rseq++;
		pty_changed(pt);
	}
}

/* The terminal's last reference went: the master closed before, and
 * every slave file now; the number is free. */
static void
ptydev_release(struct tty *t)
{
	struct pty *pt = tty_data(t);

	ptys[pt->index] = NULL;
	kmem_free(pt, sizeof(*pt));
}

static const struct tty_dev pty_dev = {
	.output = ptydev_output,
	.out_ready = ptydev_out_ready,
	.out_hostfd = -1,
	.input_room = ptydev_input_room,
	.closed = ptydev_closed,
	.release = ptydev_release,
};

/* ---- the master file ---- */

static long
ptm_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct pty *pt = f->data;
	size_t k, first;
	int r;

	while (pt->len == 0) {
		if (other_closed(pt))
			return -EIO;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if ((r = proc_sleep(p, &pt->rq, NULL, 0, NULL)) < 0)
			return r;
	}
	k = n < pt->len ? n : pt->len;
	first = PTY_RING - pt->head < k ? PTY_RING - pt->head : k;
	memcpy(buf, pt->ring + pt->head, first);
	memcpy((char *)buf + first, pt->ring, k - first);
	pt->head = (pt->head + k) % PTY_RING;
	pt->len -= k;
	if (pt->len == 0)
		pt->head = 0;
	pty_changed(pt);
	tty_output_room(pt->tty);
	return (long)k;
}

/* All n bytes become the slave's input unless non-blocking or
 * interrupted: then what went so far, or -EAGAIN/-ERESTARTSYS. */
static long
ptm_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	struct pty *pt = f->data;
	size_t done = 0, k;
	int r;

	while (done < n) {
		if ((k = tty_input(pt->tty, (const char *)buf + done,
		    n - done)) > 0) {
			done += k;
			continue;
		}
		if (f->flags & O_NONBLOCK)
			return done > 0 ? (long)done : -EAGAIN;
		if ((r = proc_sleep(p, &pt->wq, NULL, 0, NULL)) < 0)
			return done > 0 ? (long)done : r;
	}
	return (long)done;
}

static int
ptm_poll(struct file *f)
{
	struct pty *pt = f->data;
	int ev = 0;

	if (pt->len > 0)
		ev |= POLLIN | POLLRDNORM;
	if (other_closed(pt))
		ev |= POLLHUP;
	if (tty_input_room(pt->tty) > 0)
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

/* Pollers for POLLIN wait for output, for POLLOUT for input room. */
static uint64_t
ptm_poll_seq(struct file *f, uint32_t events)
{
	struct pty *pt = f->data;
	uint64_t s = 0;

	if (events & (POLLIN | POLLRDNORM))
		s += pt->rseq;
	if (events & (POLLOUT | POLLWRNORM))
		s += pt->wseq;
	return s;
}

void
pty_ptmx_stat(struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(0, 6);  /* tty_stat's devtmpfs stand-in */
	st->st_ino = 0x7474000 + 5 * 4096 + 2;
	st->st_mode = S_IFCHR | 0666;
	st->st_nlink = 1;
	st->st_gid = 5;  /* tty */
	st->st_rdev = makedev(5, 2);
	st->st_blksize = 1024;
}

static int
ptm_stat(struct file *f, struct stat *st)
{
	(void)f;
	pty_ptmx_stat(st);
	return 0;
}

/* The master's last reference went: the slave hangs up, the name goes,
 * and the pair lives on in the terminal while slave files are open. */
static void
ptm_close(struct file *f)
{
	struct pty *pt = f->data;
	struct tty *t = pt->tty;

	pt->master = false;
	kmem_free(pt->ring, PTY_RING);
	pt->ring = NULL;
	pt->len = 0;
	tty_hangup(t);
	tty_unref(t);  /* the last one frees pt (release) */
}

static const struct fileops ptm_ops = {
	.kind = "ptmx",
	.read = ptm_read,
	.write = ptm_write,
	.poll = ptm_poll,
	.stat = ptm_stat,
	.close = ptm_close,
	.poll_seq = ptm_poll_seq,
};

/* ---- the calls ---- */

int
pty_open_master(struct proc *p, int flags, struct file **fp)
{
	static const struct winsize none;  /* Linux's ptys start at 0x0 */
	struct vk_termios tio;
	struct pty *pt;
	char name[32];
	int i, err;

	for (i = 0; i < PTY_MAX && ptys[i] != NULL; i++)
		;
	if (i == PTY_MAX)
		return -ENOSPC;
	if ((pt = kmem_alloc(sizeof(*pt))) == NULL)
		return -ENOMEM;
	if ((pt->ring = kmem_alloc(PTY_RING)) == NULL) {
		kmem_free(pt, sizeof(*pt));
		return -ENOMEM;
	}
	pt->index = i;
	snprintf(name, sizeof(name), "/dev/pts/%d", i);
	if ((pt->tty = tty_new(&pty_dev, pt, name, makedev(136, i))) == NULL) {
		kmem_free(pt->ring, PTY_RING);
		kmem_free(pt, sizeof(*pt));
		return -ENOMEM;
	}
	ptys[i] = pt;
	pt->master = true;
	pt->locked = true;
	tty_set_owner(pt->tty, p->cred.fsuid);
	tty_set_winsize(pt->tty, &none);
	tty_get_termios(pt->tty, &tio);  /* Linux's pts: no HUPCL */
	tio.c_cflag &= ~(uint32_t)HUPCL;
	tty_set_termios(pt->tty, p, TCSANOW, &tio);
	*fp = file_new(&ptm_ops, flags & (O_ACCMODE | O_NONBLOCK), pt);
	if (*fp == NULL) {
		err = errno;
		pt->master = false;
		kmem_free(pt->ring, PTY_RING);
		pt->ring = NULL;
		tty_unref(pt->tty);  /* frees pt */
		return -err;
	}
	return 0;
}

/* The pair numbered index whose master is open (its /dev/pts name
 * exists), or NULL. */
static struct pty *
pty_find(int index)
{
	if (index < 0 || index >= PTY_MAX || ptys[index] == NULL ||
	    !ptys[index]->master)
		return NULL;
	return ptys[index];
}

/* A new slave file of pair pt: -EIO while it is locked. */
static int
slave_open(struct proc *p, struct pty *pt, int flags, struct file **fp)
{
	int r;

	if (pt->locked)
		return -EIO;
	if ((r = tty_open(p, pt->tty, flags, fp)) == 0 && !pt->opened) {
		pt->opened = true;
		pty_changed(pt);
	}
	return r;
}

int
pty_open_slave(struct proc *p, int index, int flags, struct file **fp)
{
	struct pty *pt;

	if ((pt = pty_find(index)) == NULL)
		return -ENOENT;
	return slave_open(p, pt, flags, fp);
}

struct tty *
pty_master_tty(const struct file *f)
{
	if (f == NULL || f->ops != &ptm_ops)
		return NULL;
	return ((struct pty *)f->data)->tty;
}

int
pty_index(const struct file *master)
{
	return ((struct pty *)master->data)->index;
}

int
pty_set_lock(struct file *master, bool lock)
{
	((struct pty *)master->data)->locked = lock;
	return 0;
}

bool
pty_locked(const struct file *master)
{
	return ((struct pty *)master->data)->locked;
}

/* Linux's ptm_open_peer opens the slave's dentry: the lock holds too. */
int
pty_peer(struct proc *p, struct file *master, int flags, struct file **fp)
{
	return slave_open(p, master->data, flags, fp);
}

void
pty_master_flush(struct file *master)
{
	struct pty *pt = master->data;

	pt->head = pt->len = 0;
	pty_changed(pt);
	tty_output_room(pt->tty);
}

int
pty_master_nread(const struct file *master)
{
	return (int)((struct pty *)master->data)->len;
}

int
pty_next(int after)
{
	int i;

	for (i = after < 0 ? 0 : after + 1; i < PTY_MAX; i++)
		if (pty_find(i) != NULL)
			return i;
	return -1;
}

int
pty_stat(int index, struct stat *st)
{
	struct pty *pt;

	if ((pt = pty_find(index)) == NULL)
		return -ENOENT;
	tty_stat(pt->tty, st);
	return 0;
}
