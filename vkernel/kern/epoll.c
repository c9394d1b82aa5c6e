/* epoll.c: epoll sets over the files' poll methods: entries keyed by (file, descriptor), level and edge triggering, one-shot, nesting. */

/*
 * A set is a file (so dup and fork share it) holding a list of entries,
 * each charged to the kernel memory budget.  An entry names its file
 * without a reference, as Linux's epitem does: it is also on the file's
 * own list (f->epitems), and when the file's last reference goes,
 * file_unref calls epoll_file_gone (the release hook), which removes
 * every entry of it from its sets.  A set going removes its own entries
 * from their files' lists.
 *
 * Readiness is the files' poll method, asked when a waiter looks: a wait
 * scans its set (and the sets nested in it) and sleeps on vk_pollq, which
 * every change of a pipe, eventfd, timerfd setting, posted signal or set
 * wakes, plus the host descriptors of the host files in it (at most
 * VK_SLEEP_MAXHOST) and the earliest poll_time (a timerfd's expiry) as a
 * deadline.  So a wakeup costs a scan of the set, not a callback per file;
 * sockets with a poll method that wake vk_pollq just work.  Edge
 * triggering reports an entry when its file's poll_seq moved or its poll
 * bits gained one since the entry was last reported.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "event.h"

#define EP_MAX_NESTS 4          /* Linux's limit on sets inside sets */
#define EP_PRIVATE (EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE | EPOLLWAKEUP)

struct epoll;

struct epitem {
	struct epoll *ep;
	struct file *f;          /* watched; not referenced (see above) */
	int fd;
	uint32_t events;         /* what the guest asked, flags included */
	uint64_t data;
	bool disabled;           /* EPOLLONESHOT fired: MOD re-arms */
	uint64_t seen_seq;       /* EPOLLET: poll_seq when last reported */
	uint32_t seen_ev;        /* ... and what was reported */
	struct epitem *next;     /* in ep->items */
	struct epitem *f_next;   /* in f->epitems */
};

struct epoll {
	struct file *self;
	struct epitem *items;
	int nitems;
};

static const struct fileops epoll_ops;

bool
epoll_is(const struct file *f)
{
	return f->ops == &epoll_ops;
}

/* Takes it off its file's list and its set's, and frees it. */
static void
item_free(struct epitem *it)
{
	struct epitem **pp;

	for (pp = (struct epitem **)&it->f->epitems; *pp != NULL;
	    pp = &(*pp)->f_next)
		if (*pp == it) {
			*pp = it->f_next;
			break;
		}
	for (pp = &it->ep->items; *pp != NULL; pp = &(*pp)->next)
		if (*pp == it) {
			*pp = it->next;
			break;
		}
	it->ep->nitems--;
	kmem_free(it, sizeof(*it));
}

/* The release hook: f's last reference is going. */
static void
epoll_file_gone(struct file *f)
{
	while (f->epitems != NULL)
		item_free(f->epitems);
}

static int ep_poll_depth(struct epoll *ep, int depth);
static uint64_t ep_seq_depth(struct epoll *ep, int depth);

/* The wakeups so far an entry for events of f would have had. */
static uint64_t
file_seq(struct file *f, uint32_t events, int depth)
{
	if (epoll_is(f))
		return ep_seq_depth(f->data, depth + 1);
	return f->ops->poll_seq != NULL ? f->ops->poll_seq(f, events) : 0;
}

/* What it would report now (0: nothing), without taking it. */
static uint32_t
item_ready(struct epitem *it, int depth)
{
	uint32_t ev;

	if (it->disabled || depth > EP_MAX_NESTS + 1)
		return 0;
	if (epoll_is(it->f))
		ev = (uint32_t)ep_poll_depth(it->f->data, depth + 1);
	else
		ev = (uint32_t)it->f->ops->poll(it->f);
	ev &= (it->events & ~EP_PRIVATE) | EPOLLERR | EPOLLHUP;
	if (ev == 0) {
		it->seen_ev = 0;
		return 0;
	}
	if ((it->events & EPOLLET) && (ev & ~it->seen_ev) == 0 &&
	    file_seq(it->f, it->events, depth) == it->seen_seq)
		return 0;
	return ev;
}

/* The set's own poll: readable while an entry has something to report. */
static int
ep_poll_depth(struct epoll *ep, int depth)
{
	struct epitem *it;

	for (it = ep->items; it != NULL; it = it->next)
		if (item_ready(it, depth) != 0)
			return POLLIN | POLLRDNORM;
	return 0;
}

static uint64_t
ep_seq_depth(struct epoll *ep, int depth)
{
	struct epitem *it;
	uint64_t s = (uint64_t)ep->nitems;

	if (depth > EP_MAX_NESTS + 1)
		return 0;
	for (it = ep->items; it != NULL; it = it->next)
		s += file_seq(it->f, it->events, depth);
	return s;
}

static int
epoll_poll(struct file *f)
{
	return ep_poll_depth(f->data, 0);
}

static uint64_t
epoll_seq(struct file *f, uint32_t events)
{
	(void)events;
	return ep_seq_depth(f->data, 0);
}

/* The earliest poll_time of the files in the set, nested ones too. */
static uint64_t
ep_time_depth(struct epoll *ep, int depth)
{
	struct epitem *it;
	uint64_t t, best = 0;

	if (depth > EP_MAX_NESTS + 1)
		return 0;
	for (it = ep->items; it != NULL; it = it->next) {
		if (it->disabled)
			continue;
		if (epoll_is(it->f))
			t = ep_time_depth(it->f->data, depth + 1);
		else
			t = it->f->ops->poll_time != NULL ?
			    it->f->ops->poll_time(it->f) : 0;
		if (t != 0 && (best == 0 || t < best))
			best = t;
	}
	return best;
}

static uint64_t
epoll_time(struct file *f)
{
	return ep_time_depth(f->data, 0);
}

/* The set goes: its entries leave their files. */
static void
epoll_close(struct file *f)
{
	struct epoll *ep = f->data;

	while (ep->items != NULL)
		item_free(ep->items);
	kmem_free(ep, sizeof(*ep));
}

static const struct fileops epoll_ops = {
	.kind = "eventpoll",
	.poll = epoll_poll,
	.stat = file_anon_stat,
	.close = epoll_close,
	.poll_time = epoll_time,
	.poll_seq = epoll_seq,
};

int
epoll_create_file(int flags, struct file **fp)
{
	struct epoll *ep;
	int err;

	file_set_release_hook(epoll_file_gone);
	if ((ep = kmem_alloc(sizeof(*ep))) == NULL)
		return -ENOMEM;
	if ((*fp = file_new(&epoll_ops, O_RDWR | (flags & O_NONBLOCK),
	    ep)) == NULL) {
		err = errno;
		kmem_free(ep, sizeof(*ep));
		return -err;
	}
	ep->self = *fp;
	return 0;
}

/* Whether target is ep or is reached from it through nested sets, or
 * the nesting runs deeper than Linux allows (both: ELOOP). */
static bool
ep_reaches(struct epoll *ep, struct epoll *target, int depth)
{
	struct epitem *it;

	if (ep == target || depth > EP_MAX_NESTS)
		return true;
	for (it = ep->items; it != NULL; it = it->next)
		if (epoll_is(it->f) &&
		    ep_reaches(it->f->data, target, depth + 1))
			return true;
	return false;
}

/* How many sets deep ep sits under the sets that hold it (0: none). */
static int
ep_height(struct epoll *ep, int depth)
{
	struct epitem *it;
	int h = 0, d;

	if (depth > EP_MAX_NESTS)
		return depth;
	for (it = ep->self->epitems; it != NULL; it = it->f_next)
		if ((d = ep_height(it->ep, depth + 1) + 1) > h)
			h = d;
	return h;
}

/* Files Linux's epoll refuses (no poll method: regular files and
 * directories). */
static bool
ep_pollable(struct file *f)
{
	if (f->ops->poll == NULL)
		return false;
	if (file_is_vfs(f) && file_key(f) == 0 &&
	    (S_ISREG(f->fmt) || S_ISDIR(f->fmt)))
		return false;
	return true;
}

static struct epitem *
ep_find(struct epoll *ep, struct file *f, int fd)
{
	struct epitem *it;

	for (it = ep->items; it != NULL; it = it->next)
		if (it->f == f && it->fd == fd)
			return it;
	return NULL;
}

static int
ep_add(struct epoll *ep, int fd, struct file *tf, const struct epoll_event *ev)
{
	struct epitem *it;

	if (epoll_is(tf) && (ep_reaches(tf->data, ep, 0) ||
	    ep_height(ep, 0) + 1 > EP_MAX_NESTS))
		return -ELOOP;
	if ((it = kmem_alloc(sizeof(*it))) == NULL)
		return -ENOMEM;
	it->ep = ep;
	it->f = tf;
	it->fd = fd;
	it->events = ev->events;
	it->data = ev->data.u64;
	it->f_next = tf->epitems;
	tf->epitems = it;
	it->next = ep->items;
	ep->items = it;
	ep->nitems++;
	return 0;
}

int
epoll_ctl_file(struct file *epf, int op, int fd, struct file *tf,
    const struct epoll_event *ev)
{
	struct epoll *ep = epf->data;
	struct epitem *it;
	int r = 0;

	if (!ep_pollable(tf))
		return -EPERM;
	if (!epoll_is(epf) || epf == tf)
		return -EINVAL;
	if (ev != NULL && (ev->events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || epoll_is(tf) ||
	    (ev->events & ~(uint32_t)(EPOLLEXCLUSIVE | EPOLLIN | EPOLLOUT |
	    EPOLLWAKEUP | EPOLLET | EPOLLERR | EPOLLHUP))))
		return -EINVAL;
	it = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it != NULL)
			return -EEXIST;
		r = ep_add(ep, fd, tf, ev);
		break;
	case EPOLL_CTL_MOD:
		if (it == NULL)
			return -ENOENT;
		if (it->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		it->events = ev->events;
		it->data = ev->data.u64;
		it->disabled = false;
		it->seen_ev = 0;
		it->seen_seq = 0;
		break;
	case EPOLL_CTL_DEL:
		if (it == NULL)
			return -ENOENT;
		item_free(it);
		break;
	default:
		return -EINVAL;
	}
	/* A waiter on this set (or one holding it) looks again when the
	 * entry is ready now. */
	if (r == 0 && op != EPOLL_CTL_DEL &&
	    (it = ep_find(ep, tf, fd)) != NULL && item_ready(it, 0) != 0)
		waitq_wakeup(&vk_pollq);
	return r;
}

/*
 * Takes up to max reports: for each, the events and data, then the
 * one-shot entry disabled, the edge-triggered one's state remembered.
 * Reported entries go to the end of the list, so that with a small max
 * the others come first next time (Linux's ready list does the same).
 */
static int
ep_collect(struct epoll *ep, struct epoll_event *out, int max)
{
	struct epitem *it, **pp, *done = NULL, **dtail = &done;
	uint32_t ev;
	int n = 0;

	for (pp = &ep->items; (it = *pp) != NULL && n < max; ) {
		if ((ev = item_ready(it, 0)) == 0) {
			pp = &it->next;
			continue;
		}
		out[n].events = ev;
		out[n].data.u64 = it->data;
		n++;
		if (it->events & EPOLLONESHOT)
			it->disabled = true;
		if (it->events & EPOLLET) {
			it->seen_seq = file_seq(it->f, it->events, 0);
			it->seen_ev = ev;
		}
		*pp = it->next;
		it->next = NULL;
		*dtail = it;
		dtail = &it->next;
	}
	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = done;
	return n;
}

/*
 * The host descriptors a wait must watch (files in the set, nested ones
 * included, that have one), each referenced into held so that it stays
 * open across the sleep; at most VK_SLEEP_MAXHOST.
 */
static void
ep_hostfds(struct epoll *ep, int depth, struct pollfd *host, struct file **held,
    int *nhost)
{
	struct epitem *it;

	if (depth > EP_MAX_NESTS + 1)
		return;
	for (it = ep->items; it != NULL && *nhost < VK_SLEEP_MAXHOST;
	    it = it->next) {
		if (it->disabled)
			continue;
		if (epoll_is(it->f)) {
			ep_hostfds(it->f->data, depth + 1, host, held, nhost);
			continue;
		}
		if (it->f->hostfd < 0)
			continue;
		held[*nhost] = file_ref(it->f);
		host[(*nhost)++] = (struct pollfd){ .fd = it->f->hostfd,
		    .events = (short)(it->events &
		    (POLLIN | POLLOUT | POLLPRI)) };
	}
}

long
epoll_wait_file(struct proc *p, struct file *epf, struct epoll_event *out,
    int max, const struct timespec *deadline)
{
	struct pollfd host[VK_SLEEP_MAXHOST];
	struct file *held[VK_SLEEP_MAXHOST];
	struct timespec tdl;
	const struct timespec *dl;
	uint64_t t;
	int n, nhost, i, r;

	for (;;) {
		if ((n = ep_collect(epf->data, out, max)) > 0)
			return n;
		if (deadline != NULL && deadline_passed(deadline))
			return 0;
		nhost = 0;
		ep_hostfds(epf->data, 0, host, held, &nhost);
		dl = deadline;
		if ((t = ep_time_depth(epf->data, 0)) != 0 &&
		    (dl == NULL || t < ts_ns(dl))) {
			tdl = (struct timespec){ (time_t)(t / 1000000000ULL),
			    (long)(t % 1000000000ULL) };
			dl = &tdl;
		}
		r = proc_sleep(p, &vk_pollq, host, nhost, dl);
		for (i = 0; i < nhost; i++)
			file_unref(held[i]);
		if (r < 0 && r != -ETIMEDOUT)
			return -EINTR;
	}
}
