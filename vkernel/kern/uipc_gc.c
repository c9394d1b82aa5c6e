/* uipc_gc.c: the garbage collector of Unix-domain sockets that only rights in flight hold (a socket sent over itself, sockets sending each other round a loop), after Linux's unix_gc. */

/*
 * A socket whose file is held only by messages queued on sockets that are
 * themselves held only so can never be received by anyone: no guest
 * descriptor, sleeping call, epoll set or other reference reaches it.
 * usock_gc finds such sockets and frees their queues, which drops the
 * rights that held them.  It runs when a socket's file goes while rights
 * are in flight (usock_nrights), as Linux's unix_release_sock does.
 *
 * The rule, as Linux's: a candidate is a socket whose file's every
 * reference comes from a queued message.  A candidate is reachable when
 * its file has a reference from outside the candidates' queues (a
 * message on a socket that is not a candidate counts as outside), or
 * when a reachable candidate's queue holds it; the rest is garbage.
 * Everything it counts is a reference, so a mistake can only keep a
 * socket, never free one in use.  Its cost is one walk over the sockets
 * and their queued rights, a few times over.
 */

#include <stdbool.h>
#include <stddef.h>

#include "vkernel.h"
#include "file.h"
#include "uipc_var.h"

/* The socket behind f, if f is a socket file (of ops), else NULL. */
static struct usock *
sock_of(struct file *f, const struct fileops *ops)
{
	return f->ops == ops ? f->data : NULL;
}

/* Calls fn on every socket that s's queue holds a right to, and those of
 * the connections waiting on s if it listens (their queues are s's, as
 * Linux's scan_children takes them). */
static void
each_child(struct usock *s, const struct fileops *ops,
    void (*fn)(struct usock *c, struct file *f))
{
	struct usock *q, *c;
	struct umsg *m;
	int i;

	for (q = s; q != NULL; q = q == s ? s->conn_head : q->conn_next)
		for (m = q->head; m != NULL; m = m->next)
			for (i = 0; i < m->nfds; i++)
				if ((c = sock_of(m->fds[i], ops)) != NULL)
					fn(c, m->fds[i]);
}

static void
count_inflight(struct usock *c, struct file *f)
{
	c->gc_file = f;
	c->gc_inflight++;
}

static void
count_internal(struct usock *c, struct file *f)
{
	(void)f;
	if (c->gc_cand)
		c->gc_internal++;
}

static struct usock *gc_stack;   /* reachable candidates left to scan */

static void
mark_reachable(struct usock *c, struct file *f)
{
	(void)f;
	if (!c->gc_cand || c->gc_reach)
		return;
	c->gc_reach = true;
	c->gc_next = gc_stack;
	gc_stack = c;
}

void
usock_gc(const struct fileops *ops)
{
	static bool collecting;
	struct usock *s, *garbage = NULL;

	if (collecting || usock_nrights == 0)
		return;
	collecting = true;
	for (s = usock_first(); s != NULL; s = s->all_next) {
		s->gc_inflight = s->gc_internal = 0;
		s->gc_file = NULL;
		s->gc_cand = s->gc_reach = false;
	}
	for (s = usock_first(); s != NULL; s = s->all_next)
		each_child(s, ops, count_inflight);
	for (s = usock_first(); s != NULL; s = s->all_next)
		s->gc_cand = s->gc_file != NULL && !s->closed &&
		    s->gc_file->refs == s->gc_inflight;
	for (s = usock_first(); s != NULL; s = s->all_next)
		if (s->gc_cand)
			each_child(s, ops, count_internal);
	gc_stack = NULL;
	for (s = usock_first(); s != NULL; s = s->all_next)
		if (s->gc_cand && s->gc_file->refs > s->gc_internal)
			mark_reachable(s, NULL);
	while ((s = gc_stack) != NULL) {
		gc_stack = s->gc_next;
		each_child(s, ops, mark_reachable);
	}
	/* Held (usock_ref) while the queues go: purging one drops the
	 * rights that hold the others. */
	for (s = usock_first(); s != NULL; s = s->all_next)
		if (s->gc_cand && !s->gc_reach) {
			s->gc_next = garbage;
			garbage = usock_ref(s);
		}
	while ((s = garbage) != NULL) {
		garbage = s->gc_next;
		usock_purge(s);
		for (struct usock *e = s->conn_head; e != NULL;
		    e = e->conn_next)
			usock_purge(e);
		usock_unref(s);
	}
	collecting = false;
}
