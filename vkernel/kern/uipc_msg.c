/* uipc_msg.c: Unix-domain sockets' lifetimes and receive queues: messages with their rights in flight and credentials, charged to the kernel memory budget. */

/*
 * Memory: a socket and every message queued on it (its bytes, its rights
 * array, a datagram's sender name) are charged to the kernel memory
 * budget (kmem.h).  A receive queue holds at most its rcvbuf (SO_RCVBUF),
 * counting UMSG_COST per message beside the bytes, and always takes one
 * message when empty; a sender waits for room (EAGAIN when non-blocking).
 * When the budget itself is spent a sender waits for its receiver to
 * take what is queued, or gets ENOBUFS if nothing is.
 *
 * Rights in flight are file references held by their message.  Dropping
 * one may close a socket whose own queue holds more (a socket passed
 * inside another), so queues are freed through one reap list, a loop and
 * never a recursion, however long the chain a guest built.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vkernel.h"
#include "clock.h"
#include "file.h"
#include "kmem.h"
#include "uipc_var.h"

#define UMSG_CHUNK 65536        /* the largest piece of a stream send */
#define US_BUF_DEFAULT 212992   /* Linux's rmem_default and wmem_default */

static struct usock *all_socks;
size_t usock_nrights;
static ino_t usock_ino = 0x90000;

struct usock *
usock_alloc(int type)
{
	struct usock *s;

	if ((s = kmem_alloc(sizeof(*s))) == NULL)
		return NULL;
	s->refs = 1;
	s->type = type;
	s->state = US_NEW;
	s->sndbuf = s->rcvbuf = US_BUF_DEFAULT;
	s->pinfd = -1;
	s->ino = usock_ino++;
	s->all_next = all_socks;
	if (all_socks != NULL)
		all_socks->all_prev = s;
	all_socks = s;
	return s;
}

struct usock *
usock_first(void)
{
	return all_socks;
}

struct usock *
usock_ref(struct usock *s)
{
	s->refs++;
	return s;
}

/* The last reference: nothing points at s any more (its file went, so
 * did its peer's and listener's pointers and its name). */
void
usock_unref(struct usock *s)
{
	if (--s->refs > 0)
		return;
	usock_purge(s);
	if (s->all_prev != NULL)
		s->all_prev->all_next = s->all_next;
	else
		all_socks = s->all_next;
	if (s->all_next != NULL)
		s->all_next->all_prev = s->all_prev;
	if (s->name != NULL)
		kmem_free(s->name, sizeof(*s->name));
	if (s->pinfd >= 0)
		close(s->pinfd);
	kmem_free(s, sizeof(*s));
}

void
usock_changed(struct usock *s)
{
	waitq_wakeup(&s->wq);
	waitq_wakeup(&vk_pollq);
}

void
usock_cred(struct proc *p, struct ucred *uc)
{
	uc->pid = p->tg->tgid;
	uc->uid = p->cred.euid;
	uc->gid = p->cred.egid;
}

uint64_t
usock_deadline(uint64_t timeo)
{
	return timeo != 0 ? mono_ns() + timeo : 0;
}

int
usock_sleep(struct proc *p, struct usock *s, uint64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / 1000000000),
	    (long)(deadline % 1000000000) };
	int r;

	usock_ref(s);
	r = proc_sleep(p, &s->wq, NULL, 0, deadline != 0 ? &ts : NULL);
	usock_unref(s);
	return r == -ETIMEDOUT ? -EAGAIN : r;
}

bool
usock_room(const struct usock *s, size_t n)
{
	return s->head == NULL || s->qbytes + n + UMSG_COST <= (size_t)s->rcvbuf;
}

/* ---- messages ---- */

static struct umsg *
msg_new(size_t len)
{
	return kmem_alloc(sizeof(struct umsg) + len);
}

/* Drops m's rights and frees it (through msg_reap only). */
static void
msg_free(struct umsg *m)
{
	int i;

	usock_nrights -= (size_t)m->nfds;
	for (i = 0; i < m->nfds; i++)
		file_unref(m->fds[i]);
	if (m->fds != NULL)
		kmem_free(m->fds, (size_t)m->nfds * sizeof(m->fds[0]));
	if (m->from != NULL)
		kmem_free(m->from, sizeof(*m->from));
	kmem_free(m, sizeof(*m) + m->len);
}

/* Frees m (taken off its queue).  A right dropped may close a socket and
 * free its queue, which comes back here: those messages join the list
 * that the outermost call is working through. */
static void
msg_reap(struct umsg *m)
{
	static struct umsg *reap;
	static bool reaping;

	m->next = reap;
	reap = m;
	if (reaping)
		return;
	reaping = true;
	while ((m = reap) != NULL) {
		reap = m->next;
		msg_free(m);
	}
	reaping = false;
}

/* Takes s's first message off its queue. */
static struct umsg *
msg_dequeue(struct usock *s)
{
	struct umsg *m = s->head;

	if ((s->head = m->next) == NULL)
		s->tail = NULL;
	s->qbytes -= m->len + UMSG_COST;
	return m;
}

void
usock_purge(struct usock *s)
{
	while (s->head != NULL)
		msg_reap(msg_dequeue(s));
}

static void
msg_enqueue(struct usock *s, struct umsg *m)
{
	m->next = NULL;
	if (s->tail != NULL)
		s->tail->next = m;
	else
		s->head = m;
	s->tail = m;
	s->qbytes += m->len + UMSG_COST;
	usock_changed(s);
}

/* m takes over u's rights (all or none): 0 or -ENOMEM. */
static int
msg_rights(struct umsg *m, struct usend *u)
{
	size_t sz = (size_t)u->nfds * sizeof(m->fds[0]);

	if (u->nfds == 0)
		return 0;
	if ((m->fds = kmem_alloc(sz)) == NULL)
		return -ENOMEM;
	memcpy(m->fds, u->fds, sz);
	m->nfds = u->nfds;
	usock_nrights += (size_t)m->nfds;
	u->nfds = 0;
	return 0;
}

/* Why from cannot send to to now, or 0. */
static int
deliver_check(struct usock *from, struct usock *to)
{
	if (from->shut & US_SND)
		return -EPIPE;
	if (from->type != SOCK_DGRAM)
		return from->peer != to || (to->shut & US_RCV) ? -EPIPE : 0;
	if (to->closed)
		return -ECONNREFUSED;
	return to->shut & US_RCV ? -EPIPE : 0;
}

/* The bytes of the next piece: a whole record, or as much of a stream
 * as to's queue has room for (a chunk at most); 0 when none fits. */
static size_t
deliver_len(struct usock *from, struct usock *to, size_t left)
{
	size_t room;

	if (from->type != SOCK_STREAM)
		return usock_room(to, left) ? left : 0;
	if (left > UMSG_CHUNK)
		left = UMSG_CHUNK;
	if (to->head == NULL)
		return left;
	room = to->qbytes + UMSG_COST < (size_t)to->rcvbuf ?
	    (size_t)to->rcvbuf - to->qbytes - UMSG_COST : 0;
	return left < room ? left : room;
}

/* Queues one message of k bytes, u's from done on, with u's rights (if
 * it still has them): 0, or -ENOMEM past the budget (nothing taken). */
static int
deliver_one(struct usock *from, struct usock *to, struct proc *p,
    struct usend *u, size_t done, size_t k)
{
	struct umsg *m;

	if ((m = msg_new(k)) == NULL)
		return -ENOMEM;
	m->len = k;
	memcpy(m->data, (const char *)u->buf + done, k);
	if (msg_rights(m, u) != 0) {
		kmem_free(m, sizeof(*m) + k);
		return -ENOMEM;
	}
	if (u->cred != NULL)
		m->cred = *u->cred;
	else {
		usock_cred(p, &m->cred);
		m->cred.uid = p->cred.ruid;
		m->cred.gid = p->cred.rgid;
	}
	if (from->type == SOCK_DGRAM && from->name != NULL &&
	    (m->from = kmem_alloc(sizeof(*m->from))) != NULL)
		*m->from = *from->name;
	msg_enqueue(to, m);
	return 0;
}

long
usock_deliver(struct usock *from, struct usock *to, struct proc *p,
    bool nonblock, struct usend *u)
{
	uint64_t dl = usock_deadline(from->sndtimeo);
	size_t done = 0, k;
	int r;

	if (from->type == SOCK_STREAM && u->n == 0)
		return (r = deliver_check(from, to)) < 0 ? r : 0;
	for (;;) {
		if ((r = deliver_check(from, to)) < 0)
			break;
		k = deliver_len(from, to, u->n - done);
		if ((k > 0 || u->n == 0) &&
		    (r = deliver_one(from, to, p, u, done, k)) == 0) {
			done += k;
			if (from->type != SOCK_STREAM || done == u->n)
				return (long)done;
			continue;
		}
		r = -EAGAIN;
		if (to->head == NULL) { /* nothing to wait for: the budget */
			r = -ENOBUFS;
			break;
		}
		if (nonblock || (r = usock_sleep(p, to, dl)) < 0)
			break;
	}
	return done > 0 ? (long)done : r;
}

/* ---- receiving ---- */

/* m's rights to r: moved, or (peek) new references to them. */
static void
take_rights(struct umsg *m, struct urecv *r, bool peek)
{
	int i;

	for (i = 0; i < m->nfds; i++)
		r->fds[r->nfds++] = peek ? file_ref(m->fds[i]) : m->fds[i];
	if (peek || m->fds == NULL)
		return;
	usock_nrights -= (size_t)m->nfds;
	kmem_free(m->fds, (size_t)m->nfds * sizeof(m->fds[0]));
	m->fds = NULL;
	m->nfds = 0;
}

/* s's queue is empty: 0 (look again), 1 (end of file) or -errno. */
static int
recv_wait(struct usock *s, struct proc *p, bool nonblock, uint64_t dl)
{
	int e;

	if (s->error != 0) {
		e = s->error;
		s->error = 0;
		return -e;
	}
	if (s->shut & US_RCV)
		return 1;
	if (s->type != SOCK_DGRAM && s->state != US_CONN)
		return s->state == US_GONE ? 1 : s->state == US_LISTEN ?
		    -EINVAL : -ENOTCONN;
	if (nonblock)
		return -EAGAIN;
	return usock_sleep(p, s, dl);
}

/* A stream's bytes without taking them: across messages, up to the
 * first with rights. */
static size_t
peek_stream(struct usock *s, struct urecv *r)
{
	struct umsg *m;
	size_t got = 0, k;

	for (m = s->head; m != NULL && got < r->len; m = m->next) {
		k = m->len - m->off;
		if (k > r->len - got)
			k = r->len - got;
		memcpy((char *)r->buf + got, m->data + m->off, k);
		got += k;
		if (m->nfds > 0) {
			take_rights(m, r, true);
			break;
		}
	}
	return got;
}

static long
recv_stream(struct usock *s, struct proc *p, bool nonblock, struct urecv *r)
{
	uint64_t dl = usock_deadline(s->rcvtimeo);
	size_t got = 0, k, want;
	struct umsg *m;
	bool rights;
	int w;

	want = (r->flags & (MSG_WAITALL | MSG_PEEK)) == MSG_WAITALL ?
	    r->len : 1;
	while (got < r->len) {
		if ((m = s->head) == NULL) {
			if (got >= want)
				break;
			if ((w = recv_wait(s, p, nonblock, dl)) == 1)
				break;
			if (w < 0)
				return got > 0 ? (long)got : w;
			continue;
		}
		if (got == 0) {
			r->has_cred = true;
			r->cred = m->cred;
		}
		if (r->flags & MSG_PEEK)
			return (long)peek_stream(s, r);
		k = m->len - m->off;
		if (k > r->len - got)
			k = r->len - got;
		memcpy((char *)r->buf + got, m->data + m->off, k);
		got += k;
		m->off += k;
		rights = m->nfds > 0;
		take_rights(m, r, false);
		if (m->off == m->len)
			msg_reap(msg_dequeue(s));
		usock_changed(s);
		if (rights)
			break;
	}
	return (long)got;
}

/* A record (SEQPACKET, DGRAM): what fits of the first, the rest of it
 * lost (MSG_TRUNC). */
static long
recv_record(struct usock *s, struct proc *p, bool nonblock, struct urecv *r)
{
	uint64_t dl = usock_deadline(s->rcvtimeo);
	struct umsg *m;
	size_t k;
	int w;

	while ((m = s->head) == NULL)
		if ((w = recv_wait(s, p, nonblock, dl)) != 0)
			return w == 1 ? 0 : w;
	k = m->len < r->len ? m->len : r->len;
	memcpy(r->buf, m->data, k);
	r->full = m->len;
	if (m->len > r->len)
		r->msg_flags |= MSG_TRUNC;
	r->has_cred = true;
	r->cred = m->cred;
	if (m->from != NULL)
		r->from = *m->from;
	take_rights(m, r, r->flags & MSG_PEEK);
	if (!(r->flags & MSG_PEEK)) {
		msg_reap(msg_dequeue(s));
		usock_changed(s);
	}
	return (long)((r->flags & MSG_TRUNC) ? r->full : k);
}

long
usock_recv(struct usock *s, struct proc *p, bool nonblock, struct urecv *r)
{
	long n;

	usock_ref(s);
	if (s->type == SOCK_STREAM)
		n = recv_stream(s, p, nonblock, r);
	else
		n = recv_record(s, p, nonblock, r);
	usock_unref(s);
	return n;
}
