/* pipe.c: pipes with Linux's semantics (a 64 KiB ring, atomic writes up to PIPE_BUF, EOF and EPIPE when an end is gone), and FIFOs: the guest's pipe behind a FIFO file beneath the root. */

/*
 * Memory: a pipe's 64 KiB ring is made of 16 pages, each present only
 * while it holds data (or is about to), so an idle pipe holds none and a
 * pipe with one byte in it holds one page, as Linux's pipe buffers do.
 * Pages are charged to the kernel memory budget (kmem.h); every pipe is
 * charged its first page from its creation on, so when the budget is
 * spent a pipe still gets one page: its writers wait for the reader
 * sooner, as Linux shrinks the pipes of a user over pipe-user-pages-soft,
 * but a write of up to PIPE_BUF bytes always fits an empty pipe and
 * nothing fails.  A guest that fills thousands of pipes holds at most the
 * budget, never the host's memory.
 *
 * FIFOs: a FIFO file beneath the root (mkfifo, mknod) is only a name on
 * the host; the guest's opens of it meet in one pipe of the vkernel's,
 * found by the file's (st_dev, st_ino) while any guest file of it is open,
 * as gVisor keeps its own pipe behind a host FIFO.  Opens wait for the
 * other end as Linux's fifo_open does; a host process that opens the same
 * FIFO meets only other host processes, never the guest.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"

#define PIPE_PAGE  VK_PIPE_BUF                    /* a page of the ring */
#define PIPE_PAGES (VK_PIPE_SIZE / PIPE_PAGE)

struct pipe {
	char *pg[PIPE_PAGES]; /* the ring's pages, NULL where absent */
	int npages;           /* present */
	size_t head, len;     /* data at [head, head+len) mod VK_PIPE_SIZE */
	int readers, writers; /* open ends */
	int files;            /* open files of it (ends, and O_PATH ones) */
	struct waitq rq, wq;  /* waiting for data / for room */
	/* A FIFO's: its file's key, an O_PATH descriptor that holds the
	 * inode (so the key is not reused while the pipe stands), the opens
	 * of each end so far (an open that waits for the other end returns
	 * once one came, even if it went again), and the waiting opens. */
	bool fifo;
	uint64_t dev, ino_host;
	int pathfd;
	uint64_t ropens, wopens;
	struct waitq oq;
	struct pipe *fnext;
	uint64_t rseq, wseq;  /* reads and writes so far (poll_seq), ends
	                         coming and going counting as both */
	ino_t ino;
};

static ino_t pipe_ino = 0x70000;
static struct pipe *fifos;  /* the FIFOs with an open file */

/* A pipe is charged its own size and its first page from its creation to
 * its end; every other present page is charged while present. */
#define PIPE_CHARGE (sizeof(struct pipe) + PIPE_PAGE)

static void
pipe_free(struct pipe *pi)
{
	struct pipe **pp;

	if (pi->fifo) {
		for (pp = &fifos; *pp != NULL; pp = &(*pp)->fnext)
			if (*pp == pi) {
				*pp = pi->fnext;
				break;
			}
		close(pi->pathfd);
	}
	kmem_uncharge(PIPE_CHARGE);
	free(pi);
}

/* A change readers, writers or pollers may be waiting for. */
static void
pipe_changed(struct pipe *pi)
{
	waitq_wakeup(&pi->rq);
	waitq_wakeup(&pi->wq);
	waitq_wakeup(&pi->oq);
	waitq_wakeup(&vk_pollq);
}

/* Page i present: 0, or -ENOMEM past the budget (or without host
 * memory). */
static int
pipe_page_get(struct pipe *pi, size_t i)
{
	if (pi->npages > 0 && !kmem_charge(PIPE_PAGE))
		return -ENOMEM;
	if ((pi->pg[i] = malloc(PIPE_PAGE)) == NULL) {
		if (pi->npages > 0)
			kmem_uncharge(PIPE_PAGE);
		return -ENOMEM;
	}
	pi->npages++;
	return 0;
}

static void
pipe_page_put(struct pipe *pi, size_t i)
{
	free(pi->pg[i]);
	pi->pg[i] = NULL;
	if (--pi->npages > 0)
		kmem_uncharge(PIPE_PAGE);
}

/* Gives back the pages that hold none of the data (all of them, and the
 * ring starts over at 0, once the pipe is empty). */
static void
pipe_trim(struct pipe *pi)
{
	size_t i, d;

	if (pi->len == 0)
		pi->head = 0;
	for (i = 0; i < PIPE_PAGES; i++) {
		if (pi->pg[i] == NULL)
			continue;
		d = (i * PIPE_PAGE + VK_PIPE_SIZE - pi->head) % VK_PIPE_SIZE;
		if (pi->len > 0 && (d < pi->len ||
		    pi->head / PIPE_PAGE == i))
			continue;
		pipe_page_put(pi, i);
	}
}

/*
 * Makes the pages under the next want bytes after the data present, as
 * far as the ring's free space and the budget go: how many of them may be
 * written now (at most want).
 */
static size_t
pipe_room(struct pipe *pi, size_t want)
{
	size_t tail = (pi->head + pi->len) % VK_PIPE_SIZE, room = 0, pos, i;

	if (want > VK_PIPE_SIZE - pi->len)
		want = VK_PIPE_SIZE - pi->len;
	while (room < want) {
		pos = (tail + room) % VK_PIPE_SIZE;
		i = pos / PIPE_PAGE;
		if (pi->pg[i] == NULL && pipe_page_get(pi, i) != 0)
			break;
		room += PIPE_PAGE - pos % PIPE_PAGE;
	}
	return room < want ? room : want;
}

/* Whether n bytes (at most a page or two) may be written now, as
 * pipe_room would find, without making any page present (poll). */
static bool
pipe_writable(const struct pipe *pi, size_t n)
{
	size_t tail = (pi->head + pi->len) % VK_PIPE_SIZE, pos, missing = 0;
	size_t off;

	if (n > VK_PIPE_SIZE - pi->len)
		return false;
	for (off = 0; off < n; off += PIPE_PAGE - pos % PIPE_PAGE) {
		pos = (tail + off) % VK_PIPE_SIZE;
		missing += pi->pg[pos / PIPE_PAGE] == NULL;
	}
	if (pi->npages == 0 && missing > 0)
		missing--; /* the pipe's own first page */
	return missing * PIPE_PAGE <= kmem_avail();
}

/* Copies n bytes out of (to) the ring at position pos. */
static void
ring_copy(struct pipe *pi, size_t pos, char *buf, size_t n, bool in)
{
	size_t k;

	while (n > 0) {
		k = PIPE_PAGE - pos % PIPE_PAGE;
		if (k > n)
			k = n;
		if (in)
			memcpy(pi->pg[pos / PIPE_PAGE] + pos % PIPE_PAGE, buf, k);
		else
			memcpy(buf, pi->pg[pos / PIPE_PAGE] + pos % PIPE_PAGE, k);
		buf += k;
		n -= k;
		pos = (pos + k) % VK_PIPE_SIZE;
	}
}

static long
pipe_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct pipe *pi = f->data;
	size_t k;
	int r;

	while (pi->len == 0) {
		if (pi->writers == 0)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if ((r = proc_sleep(p, &pi->rq, NULL, 0, NULL)) < 0)
			return r;
	}
	k = n < pi->len ? n : pi->len;
	ring_copy(pi, pi->head, buf, k, false);
	pi->head = (pi->head + k) % VK_PIPE_SIZE;
	pi->len -= k;
	pipe_trim(pi);
	pi->rseq++;
	pipe_changed(pi);
	return (long)k;
}

/*
 * Writes all n bytes unless interrupted, non-blocking or the readers go:
 * then the bytes written so far, or -EAGAIN/-ERESTARTSYS/-EPIPE if none.  A
 * write of at most VK_PIPE_BUF bytes waits until it fits whole, so it is
 * never interleaved with another.
 */
static long
pipe_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	struct pipe *pi = f->data;
	size_t done = 0, room;
	int r;

	while (done < n) {
		if (pi->readers == 0)
			return done > 0 ? (long)done : -EPIPE;
		room = pipe_room(pi, n - done);
		if (room == 0 || (n <= VK_PIPE_BUF && room < n)) {
			if (f->flags & O_NONBLOCK)
				return done > 0 ? (long)done : -EAGAIN;
			if ((r = proc_sleep(p, &pi->wq, NULL, 0, NULL)) < 0)
				return done > 0 ? (long)done : r;
			continue;
		}
		ring_copy(pi, (pi->head + pi->len) % VK_PIPE_SIZE,
		    (char *)buf + done, room, true);
		pi->len += room;
		done += room;
		pi->wseq++;
		pipe_changed(pi);
	}
	return (long)done;
}

static int
pipe_poll(struct file *f)
{
	struct pipe *pi = f->data;
	int ev = 0;

	if (file_readable(f)) {
		if (pi->len > 0)
			ev |= POLLIN | POLLRDNORM;
		if (pi->writers == 0)
			ev |= POLLHUP;
	}
	if (file_writable(f)) {
		if (pi->readers == 0)
			ev |= POLLERR;
		else if (pipe_writable(pi, VK_PIPE_BUF))
			ev |= POLLOUT | POLLWRNORM;
	}
	return ev;
}

/* A read end's pollers wait for writes, a write end's for reads. */
static uint64_t
pipe_seq(struct file *f, uint32_t events)
{
	struct pipe *pi = f->data;
	uint64_t s = 0;

	if (file_readable(f) && (events & (POLLIN | POLLRDNORM)))
		s += pi->wseq;
	if (file_writable(f) && (events & (POLLOUT | POLLWRNORM)))
		s += pi->rseq;
	return s;
}

static int
pipe_stat(struct file *f, struct stat *st)
{
	struct pipe *pi = f->data;

	if (pi->fifo)  /* the FIFO file's own */
		return fstat(pi->pathfd, st) != 0 ? -errno : 0;
	/* Linux's pipefs is an anonymous device too */
	file_pseudo_stat(st, S_IFIFO | 0600, pi->ino, 0xc);
	return 0;
}

static long
pipe_ioctl(struct file *f, struct proc *p, unsigned long req, void *arg,
    size_t *arglen)
{
	struct pipe *pi = f->data;

	(void)p;
	if (req != FIONREAD)
		return -ENOTTY;
	*(int *)arg = (int)pi->len;
	*arglen = sizeof(int);
	return 0;
}

/* The last reference to one of the pipe's files went.  A task sleeping
 * on the pipe's queues holds its file (fget), so when no file of the
 * pipe is left no one sleeps on rq or wq and the pipe can go. */
static void
pipe_close(struct file *f)
{
	struct pipe *pi = f->data;

	if (file_readable(f))
		pi->readers--;
	if (file_writable(f))
		pi->writers--;
	if (--pi->files == 0) {
		pi->len = 0;
		pipe_trim(pi);
		pipe_free(pi);
		return;
	}
	pi->rseq++;
	pi->wseq++;
	pipe_changed(pi);
}

static const struct fileops pipe_ops = {
	.kind = "pipe",
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.stat = pipe_stat,
	.ioctl = pipe_ioctl,
	.close = pipe_close,
	.poll_seq = pipe_seq,
};

/* A new pipe (no file yet), charged to the budget: NULL past it. */
static struct pipe *
pipe_new(void)
{
	struct pipe *pi;

	if (!kmem_charge(PIPE_CHARGE))
		return NULL;
	if ((pi = calloc(1, sizeof(*pi))) == NULL) {
		kmem_uncharge(PIPE_CHARGE);
		return NULL;
	}
	pi->ino = pipe_ino++;
	pi->pathfd = -1;
	return pi;
}

int
pipe_create(struct file **rd, struct file **wr, int flags)
{
	struct pipe *pi;
	int err;

	if ((pi = pipe_new()) == NULL)
		return -ENOMEM;
	pi->readers = pi->writers = pi->files = 1;
	if ((*rd = file_new(&pipe_ops, O_RDONLY | (flags & O_NONBLOCK),
	    pi)) == NULL) {
		err = errno;
		pipe_free(pi);
		return -err;
	}
	if ((*wr = file_new(&pipe_ops, O_WRONLY | (flags & O_NONBLOCK),
	    pi)) == NULL) {
		err = errno;
		pi->writers = 0;
		file_unref(*rd); /* the last file: frees pi */
		return -err;
	}
	pi->files = 2;
	return 0;
}

bool
pipe_is(const struct file *f)
{
	return f->ops == &pipe_ops;
}

int
pipe_fifo_pathfd(const struct file *f)
{
	const struct pipe *pi = f->data;

	return pipe_is(f) && pi->fifo ? pi->pathfd : -1;
}

int
pipe_reopen(struct file *f, int flags, struct file **fp)
{
	struct pipe *pi = f->data;
	struct file *n;

	if (!pipe_is(f))
		return -EINVAL;
	/* An O_PATH open is neither end (file_readable and file_writable
	 * say no, so pipe_close takes none away either). */
	if ((n = file_new(&pipe_ops, flags & (O_ACCMODE | O_NONBLOCK | O_PATH),
	    pi)) == NULL)
		return -errno;
	if (file_readable(n))
		pi->readers++;
	if (file_writable(n))
		pi->writers++;
	pi->files++;
	pi->rseq++;
	pi->wseq++;
	pipe_changed(pi);
	*fp = n;
	return 0;
}

/*
 * Waits, in an open of a FIFO, until the other end has been opened since
 * (*opens moved) or is open now (*ends): 0, or -ERESTARTSYS / -EINTR when
 * a signal came.  The caller's new file holds the pipe across the sleep.
 */
static int
fifo_wait(struct proc *p, struct pipe *pi, const int *ends,
    const uint64_t *opens)
{
	uint64_t seen = *opens;
	int r;

	while (*ends == 0 && *opens == seen)
		if ((r = proc_sleep(p, &pi->oq, NULL, 0, NULL)) < 0)
			return r;
	return 0;
}

int
pipe_fifo_open(struct proc *p, int pathfd, const struct stat *st, int flags,
    struct file **fp)
{
	int acc = flags & O_ACCMODE;
	struct pipe *pi;
	struct file *n;
	int r = 0;

	if (acc != O_RDONLY && acc != O_WRONLY && acc != O_RDWR) {
		close(pathfd);
		return -EINVAL;
	}
	for (pi = fifos; pi != NULL; pi = pi->fnext)
		if (pi->dev == (uint64_t)st->st_dev &&
		    pi->ino_host == (uint64_t)st->st_ino)
			break;
	if (pi != NULL) {
		close(pathfd);
	} else {
		if ((pi = pipe_new()) == NULL) {
			close(pathfd);
			return -ENOMEM;
		}
		pi->fifo = true;
		pi->dev = st->st_dev;
		pi->ino_host = st->st_ino;
		pi->pathfd = pathfd;
		pi->fnext = fifos;
		fifos = pi;
	}
	/* Linux: a writer that would wait for no reader is ENXIO. */
	if (acc == O_WRONLY && (flags & O_NONBLOCK) && pi->readers == 0) {
		if (pi->files == 0)
			pipe_free(pi);
		return -ENXIO;
	}
	if ((n = file_new(&pipe_ops, flags & (O_ACCMODE | O_NONBLOCK),
	    pi)) == NULL) {
		r = -errno;
		if (pi->files == 0)
			pipe_free(pi);
		return r;
	}
	pi->files++;
	if (file_readable(n)) {
		pi->readers++;
		pi->ropens++;
	}
	if (file_writable(n)) {
		pi->writers++;
		pi->wopens++;
	}
	pi->rseq++;
	pi->wseq++;
	pipe_changed(pi);
	if (acc == O_RDONLY && !(flags & O_NONBLOCK))
		r = fifo_wait(p, pi, &pi->writers, &pi->wopens);
	else if (acc == O_WRONLY)
		r = fifo_wait(p, pi, &pi->readers, &pi->ropens);
	if (r < 0) {
		file_unref(n);  /* its close lets the other side know */
		return r;
	}
	*fp = n;
	return 0;
}
