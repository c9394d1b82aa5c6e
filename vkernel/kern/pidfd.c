/* pidfd.c: process descriptors: files naming a guest process through a pidref that outlives its entry (Linux's pidfd on a struct pid). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "pidfd.h"

struct pidref {
	int refs;           /* the process (until pidref_gone), each pidfd */
	struct proc *leader; /* NULL once the entry is freed */
	bool exited;        /* the process ended (a zombie, or gone) */
};

static void
pidref_put(struct pidref *r)
{
	if (--r->refs == 0)
		kmem_free(r, sizeof(*r));
}

void
pidref_exited(struct proc *l)
{
	if (l->pidref == NULL)
		return;
	l->pidref->exited = true;
	waitq_wakeup(&vk_pollq);
}

void
pidref_gone(struct proc *l)
{
	struct pidref *r = l->pidref;

	if (r == NULL)
		return;
	r->exited = true;
	r->leader = NULL;
	l->pidref = NULL;
	pidref_put(r);
}

void
pidref_move(struct proc *l, struct proc *p)
{
	if ((p->pidref = l->pidref) != NULL)
		p->pidref->leader = p;
	l->pidref = NULL;
}

/* Readable once the process ended, as Linux's pidfd_poll; hung up too once
 * it was reaped. */
static int
pidfd_poll(struct file *f)
{
	struct pidref *r = f->data;

	if (!r->exited)
		return 0;
	return POLLIN | POLLRDNORM | (r->leader == NULL ? POLLHUP : 0);
}

/* Neither readable nor writable (Linux's pidfd has no such ops). */
static long
pidfd_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	(void)f, (void)p, (void)buf, (void)n;
	return -EINVAL;
}

static long
pidfd_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	(void)f, (void)p, (void)buf, (void)n;
	return -EINVAL;
}

static void
pidfd_close(struct file *f)
{
	pidref_put(f->data);
}

static const struct fileops pidfd_ops = {
	.kind = "pidfd",
	.read = pidfd_read,
	.write = pidfd_write,
	.poll = pidfd_poll,
	.stat = file_anon_stat,
	.close = pidfd_close,
};

int
pidfd_new(struct proc *l, int flags, struct file **fp)
{
	struct pidref *r = l != NULL ? l->pidref : NULL;
	int err;

	if (r == NULL) {
		if ((r = kmem_alloc(sizeof(*r))) == NULL)
			return -ENOMEM;
		r->refs = 0;
	}
	if ((*fp = file_new(&pidfd_ops, O_RDWR | (flags & O_NONBLOCK),
	    r)) == NULL) {
		err = errno;
		if (r->refs == 0)
			kmem_free(r, sizeof(*r));
		return -err;
	}
	r->refs++;
	if (l != NULL && l->pidref == NULL)
		pidfd_attach(*fp, l);
	return 0;
}

void
pidfd_attach(struct file *f, struct proc *l)
{
	struct pidref *r = f->data;

	r->refs++;  /* the process's */
	r->leader = l;
	r->exited = l->zombie;
	l->pidref = r;
}

bool
pidfd_is(const struct file *f)
{
	return f->ops == &pidfd_ops;
}

struct proc *
pidfd_proc(const struct file *f)
{
	return pidfd_is(f) ? ((struct pidref *)f->data)->leader : NULL;
}
