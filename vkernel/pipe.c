/* pipe.c: pipes with Linux's semantics: a 64 KiB ring, atomic writes up to PIPE_BUF, EOF and EPIPE when an end is gone. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"

struct pipe {
	char *buf;            /* VK_PIPE_SIZE bytes */
	size_t head, len;     /* ring: data at [head, head+len) mod size */
	int readers, writers; /* open ends */
	struct waitq rq, wq;  /* waiting for data / for room */
	ino_t ino;
};

static ino_t pipe_ino = 0x70000;

/* A change readers, writers or pollers may be waiting for. */
static void
pipe_changed(struct pipe *pi)
{
	waitq_wakeup(&pi->rq);
	waitq_wakeup(&pi->wq);
	waitq_wakeup(&vk_pollq);
}

static long
pipe_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct pipe *pi = f->data;
	size_t done = 0, k;
	int r;

	while (pi->len == 0) {
		if (pi->writers == 0)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if ((r = proc_sleep(p, &pi->rq, NULL, 0, NULL)) < 0)
			return r;
	}
	while (done < n && pi->len > 0) {
		k = VK_PIPE_SIZE - pi->head;
		if (k > pi->len)
			k = pi->len;
		if (k > n - done)
			k = n - done;
		memcpy((char *)buf + done, pi->buf + pi->head, k);
		pi->head = (pi->head + k) % VK_PIPE_SIZE;
		pi->len -= k;
		done += k;
	}
	pipe_changed(pi);
	return (long)done;
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
	size_t done = 0, room, k, tail;
	int r;

	while (done < n) {
		if (pi->readers == 0)
			return done > 0 ? (long)done : -EPIPE;
		room = VK_PIPE_SIZE - pi->len;
		if (room == 0 || (n <= VK_PIPE_BUF && room < n)) {
			if (f->flags & O_NONBLOCK)
				return done > 0 ? (long)done : -EAGAIN;
			if ((r = proc_sleep(p, &pi->wq, NULL, 0, NULL)) < 0)
				return done > 0 ? (long)done : r;
			continue;
		}
		while (done < n && pi->len < VK_PIPE_SIZE) {
			/* The free run after the data: up to the end of
			 * the buffer, or to head when the data wraps. */
			tail = (pi->head + pi->len) % VK_PIPE_SIZE;
			k = VK_PIPE_SIZE - tail;
			if (k > VK_PIPE_SIZE - pi->len)
				k = VK_PIPE_SIZE - pi->len;
			if (k > n - done)
				k = n - done;
			memcpy(pi->buf + tail, (const char *)buf + done, k);
			pi->len += k;
			done += k;
		}
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
		else if (VK_PIPE_SIZE - pi->len >= VK_PIPE_BUF)
			ev |= POLLOUT | POLLWRNORM;
	}
	return ev;
}

static int
pipe_stat(struct file *f, struct stat *st)
{
	struct pipe *pi = f->data;

	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFIFO | 0600;
	st->st_nlink = 1;
	st->st_ino = pi->ino;
	st->st_dev = 0xc; /* Linux's pipefs is an anonymous device too */
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
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

/* The last reference to one end went.  A task sleeping on the pipe's
 * queues holds its end's file (fget), so when both ends are gone no one
 * sleeps on rq or wq and the pipe can go. */
static void
pipe_close(struct file *f)
{
	struct pipe *pi = f->data;

	if (file_readable(f))
		pi->readers--;
	if (file_writable(f))
		pi->writers--;
	if (pi->readers == 0 && pi->writers == 0) {
		free(pi->buf);
		free(pi);
		return;
	}
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
};

int
pipe_create(struct file **rd, struct file **wr, int flags)
{
	struct pipe *pi;

	if ((pi = calloc(1, sizeof(*pi))) == NULL ||
	    (pi->buf = malloc(VK_PIPE_SIZE)) == NULL) {
		free(pi);
		return -ENOMEM;
	}
	pi->ino = pipe_ino++;
	*rd = file_new(&pipe_ops, O_RDONLY | (flags & O_NONBLOCK), pi);
	*wr = file_new(&pipe_ops, O_WRONLY | (flags & O_NONBLOCK), pi);
	if (*rd == NULL || *wr == NULL) {
		free(*rd);
		free(*wr);
		free(pi->buf);
		free(pi);
		return -ENOMEM;
	}
	pi->readers = pi->writers = 1;
	return 0;
}

bool
pipe_is(const struct file *f)
{
	return f->ops == &pipe_ops;
}

int
pipe_reopen(struct file *f, int flags, struct file **fp)
{
	struct pipe *pi = f->data;
	struct file *n;

	if (!pipe_is(f))
		return -EINVAL;
	if ((n = file_new(&pipe_ops, flags & (O_ACCMODE | O_NONBLOCK), pi)) ==
	    NULL)
		return -ENOMEM;
	if (file_readable(n))
		pi->readers++;
	if (file_writable(n))
		pi->writers++;
	pipe_changed(pi);
	*fp = n;
	return 0;
}
