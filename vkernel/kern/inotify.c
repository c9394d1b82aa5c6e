/* inotify.c: the guest's inotify instances over one host inotify descriptor: watches mapped to host watches, host events handed out to the instances that asked. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "inotify.h"

#define IN_VALID_MASK (IN_ALL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW | \
    IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ONESHOT)
/* Flags of a watch that the host never gets: they are per guest watch. */
#define IN_GUEST_ONLY (IN_ONESHOT | IN_MASK_CREATE | IN_MASK_ADD | \
    IN_EXCL_UNLINK | IN_ONLYDIR | IN_DONT_FOLLOW)

struct hwatch;
struct inotify;

struct inwatch {                  /* a guest watch */
	struct inwatch *next;     /* its instance's */
	struct inwatch *hnext;    /* its host watch's */
	struct inotify *in;
	struct hwatch *hw;
	int wd;
	uint32_t mask;
};

struct hwatch {                   /* a host watch: one inode */
	struct hwatch *next;
	int hwd;
	struct inwatch *watches;
};

struct inevent {
	struct inevent *next;
	size_t len;                   /* bytes of ev and its name */
	struct inotify_event ev;      /* then ev.len bytes of name */
};

struct inotify {
	struct inwatch *watches;
	int last_wd;
	struct inevent *head, **tail, *last;
	size_t nevents, bytes;
	struct waitq wq;              /* blocked readers */
};

static int hostfd = -1;           /* the vkernel's host inotify */
static struct hwatch *hwatches;
static size_t ninstances, nwatches;
/* Host watches removed whose IN_IGNORED has not been read yet. */
static struct { int hwd, n; } ignoring[64];

/* ---- the queues ---- */

/* Queues an event for in (merged into the last one if it is the same, as
 * Linux's inotify_merge; an overflow event once the queue is full or the
 * budget spent). */
static void
queue(struct inotify *in, int wd, uint32_t mask, uint32_t cookie,
    const char *name, uint32_t namelen)
{
	size_t len = sizeof(struct inotify_event) + namelen;
	struct inevent *e, *l = in->last;

	if (l != NULL && l->ev.wd == wd && l->ev.mask == mask &&
	    l->ev.cookie == cookie && l->ev.len == namelen &&
	    (namelen == 0 || memcmp(l->ev.name, name, namelen) == 0))
		return;
	if (l != NULL && (l->ev.mask & IN_Q_OVERFLOW))
		return;  /* full: nothing more until it is read */
	if (in->nevents + 1 >= INOTIFY_MAX_EVENTS ||
	    (e = kmem_alloc(sizeof(*e) + namelen)) == NULL) {
		if ((e = kmem_alloc(sizeof(*e))) == NULL)
			return;
		wd = -1, mask = IN_Q_OVERFLOW, cookie = 0, namelen = 0;
		len = sizeof(struct inotify_event);
	}
	e->len = len;
	e->ev.wd = wd;
	e->ev.mask = mask;
	e->ev.cookie = cookie;
	e->ev.len = namelen;
	if (namelen > 0)
		memcpy(e->ev.name, name, namelen);
	*in->tail = e;
	in->tail = &e->next;
	in->last = e;
	in->nevents++;
	in->bytes += len;
	waitq_wakeup(&in->wq);
	waitq_wakeup(&vk_pollq);
}

static void
dequeue(struct inotify *in)
{
	struct inevent *e = in->head;

	if ((in->head = e->next) == NULL) {
		in->tail = &in->head;
		in->last = NULL;
	}
	in->nevents--;
	in->bytes -= e->len;
	kmem_free(e, sizeof(*e) + e->ev.len);
}

/* ---- watches ---- */

static struct hwatch *
hw_find(int hwd)
{
	struct hwatch *h;

	for (h = hwatches; h != NULL; h = h->next)
		if (h->hwd == hwd)
			return h;
	return NULL;
}

/* The host watch h has no guest watch left: it goes on the host too,
 * whose IN_IGNORED for it is then dropped when read. */
static void
hw_drop(struct hwatch *h, bool host_too)
{
	struct hwatch **pp;
	size_t i;

	for (pp = &hwatches; *pp != NULL; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	if (host_too && inotify_rm_watch(hostfd, h->hwd) == 0) {
		for (i = 0; i < sizeof(ignoring) / sizeof(ignoring[0]); i++)
			if (ignoring[i].n == 0 || ignoring[i].hwd == h->hwd) {
				ignoring[i].hwd = h->hwd;
				ignoring[i].n++;
				break;
			}
	}
	kmem_free(h, sizeof(*h));
}

/* Guest watch w goes (its instance hears IN_IGNORED when ignored); with
 * its host watch's last one, the host watch (on the host too unless the
 * host removed it already). */
static void
w_drop(struct inwatch *w, bool ignored, bool host_too)
{
	struct inwatch **pp;
	struct hwatch *h = w->hw;

	for (pp = &w->in->watches; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	for (pp = &h->watches; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == w) {
			*pp = w->hnext;
			break;
		}
	if (ignored)
		queue(w->in, w->wd, IN_IGNORED, 0, NULL, 0);
	if (h->watches == NULL)
		hw_drop(h, host_too);
	nwatches--;
	kmem_free(w, sizeof(*w));
}

/* ---- reading the host ---- */

/* One host event to the guest watches it concerns. */
static void
dispatch(const struct inotify_event *ev)
{
	struct inwatch *w, *next;
	struct hwatch *h;
	struct inotify *in;
	size_t i;

	if (ev->mask & IN_Q_OVERFLOW) {
		/* Lost on the host: every instance may have lost some. */
		for (h = hwatches; h != NULL; h = h->next)
			for (w = h->watches; w != NULL; w = w->hnext)
				queue(w->in, -1, IN_Q_OVERFLOW, 0, NULL, 0);
		return;
	}
	if ((h = hw_find(ev->wd)) == NULL) {
		if (ev->mask & IN_IGNORED)
			for (i = 0; i < sizeof(ignoring) / sizeof(ignoring[0]);
			    i++)
				if (ignoring[i].hwd == ev->wd &&
				    ignoring[i].n > 0) {
					ignoring[i].n--;
					break;
				}
		return;
	}
	if (ev->mask & IN_IGNORED) {  /* the inode went, or its mount */
		for (w = h->watches; w != NULL; w = next) {
			next = w->hnext;  /* the last takes h with it */
			w_drop(w, true, false);
		}
		return;
	}
	for (w = h->watches; w != NULL; w = next) {
		next = w->hnext;
		in = w->in;
		if (!(ev->mask & w->mask & IN_ALL_EVENTS) &&
		    !(ev->mask & IN_UNMOUNT))
			continue;
		queue(in, w->wd, ev->mask & ~IN_ONESHOT, ev->cookie,
		    ev->len > 0 ? ev->name : NULL, ev->len);
		if (w->mask & IN_ONESHOT)
			w_drop(w, true, true);
	}
}

/* Reads whatever the host has queued and hands it out. */
static void
drain(void)
{
	/* Room for several events (one is at most 16 + NAME_MAX + 1 bytes)
	 * without deepening the task's stack much: poll and epoll call it. */
	char buf[2048] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	ssize_t n, off;

	if (hostfd < 0)
		return;
	while ((n = read(hostfd, buf, sizeof(buf))) > 0)
		for (off = 0; off + (ssize_t)sizeof(*ev) <= n;
		    off += (ssize_t)(sizeof(*ev) + ev->len)) {
			ev = (const struct inotify_event *)(buf + off);
			dispatch(ev);
		}
}

/* ---- the file ---- */

/* Whole events, as many as fit (EINVAL if not even the first does). */
static long
in_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct inotify *in = f->data;
	struct pollfd pf;
	size_t done = 0;
	int r;

	for (;;) {
		drain();
		if (in->head != NULL)
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		pf = (struct pollfd){ .fd = hostfd, .events = POLLIN };
		if ((r = proc_sleep(p, &in->wq, &pf, 1, NULL)) ==
		    -ERESTARTSYS)
			return r;
	}
	if (in->head->len > n)
		return -EINVAL;
	while (in->head != NULL && done + in->head->len <= n) {
		memcpy((char *)buf + done, &in->head->ev, in->head->len);
		done += in->head->len;
		dequeue(in);
	}
	return (long)done;
}

static long
in_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	(void)f, (void)p, (void)buf, (void)n;
	return -EINVAL;
}

static int
in_poll(struct file *f)
{
	drain();
	return ((struct inotify *)f->data)->head != NULL ?
	    POLLIN | POLLRDNORM : 0;
}

/* FIONREAD: the bytes queued. */
static long
in_ioctl(struct file *f, struct proc *p, unsigned long req, void *arg,
    size_t *arglen)
{
	int v;

	(void)p;
	if (req != FIONREAD)
		return -ENOTTY;
	drain();
	v = (int)((struct inotify *)f->data)->bytes;
	memcpy(arg, &v, sizeof(v));
	*arglen = sizeof(v);
	return 0;
}

static void
in_close(struct file *f)
{
	struct inotify *in = f->data;

	while (in->watches != NULL)
		w_drop(in->watches, false, true);
	while (in->head != NULL)
		dequeue(in);
	kmem_free(in, sizeof(*in));
	ninstances--;
	f->hostfd = -1;  /* the shared host descriptor stays */
}

static const struct fileops inotify_ops = {
	.kind = "inotify",
	.read = in_read,
	.write = in_write,
	.poll = in_poll,
	.stat = file_anon_stat,
	.ioctl = in_ioctl,
	.close = in_close,
};

bool
inotify_is(const struct file *f)
{
	return f->ops == &inotify_ops;
}

int
inotify_new(int flags, struct file **fp)
{
	struct inotify *in;
	int err;

	if (ninstances >= INOTIFY_MAX_INSTANCES)
		return -EMFILE;
	if (hostfd < 0) {
		int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

		if (fd < 0)
			return -errno;
		if ((hostfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
			hostfd = fd;
		else
			close(fd);
	}
	if ((in = kmem_alloc(sizeof(*in))) == NULL)
		return -ENOMEM;
	in->tail = &in->head;
	if ((*fp = file_new(&inotify_ops, O_RDONLY | (flags & O_NONBLOCK),
	    in)) == NULL) {
		err = errno;
		kmem_free(in, sizeof(*in));
		return -err;
	}
	/* Poll, select and epoll sleep on the host descriptor's readiness;
	 * the file never reads or closes it but through here. */
	(*fp)->hostfd = hostfd;
	ninstances++;
	return 0;
}

/* The next free watch descriptor of in (Linux hands them out cyclically
 * from 1). */
static int
next_wd(struct inotify *in)
{
	struct inwatch *w;
	int wd = in->last_wd;

	for (;;) {
		wd = wd == INT_MAX ? 1 : wd + 1;
		for (w = in->watches; w != NULL && w->wd != wd; w = w->next)
			;
		if (w == NULL)
			return in->last_wd = wd;
	}
}

int
inotify_watch(struct file *f, int pathfd, uint32_t mask)
{
	struct inotify *in = f->data;
	struct inwatch *w;
	struct hwatch *h;
	char path[64];
	struct stat st;
	int hwd;

	mask &= IN_VALID_MASK;  /* Linux ignores other bits */
	if (!(mask & IN_ALL_EVENTS) || (mask & (IN_MASK_ADD | IN_MASK_CREATE)) ==
	    (IN_MASK_ADD | IN_MASK_CREATE))
		return -EINVAL;
	if ((mask & IN_ONLYDIR) && (fstat(pathfd, &st) != 0 ||
	    !S_ISDIR(st.st_mode)))
		return -ENOTDIR;
	drain();  /* no old IN_IGNORED may meet a new watch */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pathfd);
	hwd = inotify_add_watch(hostfd, path, (mask & ~IN_GUEST_ONLY) |
	    IN_MASK_ADD);
	if (hwd < 0)
		return -errno;
	for (w = in->watches; w != NULL; w = w->next)
		if (w->hw->hwd == hwd) {
			if (mask & IN_MASK_CREATE)
				return -EEXIST;
			w->mask = (mask & IN_MASK_ADD ? w->mask : 0) |
			    (mask & ~(uint32_t)IN_MASK_ADD);
			return w->wd;
		}
	if ((h = hw_find(hwd)) == NULL && (h = kmem_alloc(sizeof(*h))) != NULL) {
		h->hwd = hwd;
		h->watches = NULL;
		h->next = hwatches;
		hwatches = h;
	}
	w = NULL;
	if (h == NULL || nwatches >= INOTIFY_MAX_WATCHES ||
	    (w = kmem_alloc(sizeof(*w))) == NULL) {
		if (h == NULL)
			(void)inotify_rm_watch(hostfd, hwd);
		else if (h->watches == NULL)
			hw_drop(h, true);
		return h != NULL && nwatches >= INOTIFY_MAX_WATCHES ? -ENOSPC :
		    -ENOMEM;
	}
	w->in = in;
	w->hw = h;
	w->wd = next_wd(in);
	w->mask = mask & ~(uint32_t)(IN_MASK_ADD | IN_MASK_CREATE);
	w->next = in->watches;
	in->watches = w;
	w->hnext = h->watches;
	h->watches = w;
	nwatches++;
	return w->wd;
}

int
inotify_unwatch(struct file *f, int wd)
{
	struct inotify *in = f->data;
	struct inwatch *w;

	drain();
	for (w = in->watches; w != NULL; w = w->next)
		if (w->wd == wd) {
			w_drop(w, true, true);
			return 0;
		}
	return -EINVAL;
}
