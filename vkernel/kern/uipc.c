/* uipc.c: Unix-domain sockets between guest processes: socket files, the vkernel's own name registry, connections, shutdown and options. */

/*
 * Containment: a guest socket reaches only guest sockets.  Names live in
 * the vkernel's own registry: abstract names by their bytes (private to
 * this vkernel), path names by the host file's (st_dev, st_ino), which
 * the caller resolved beneath the root and which a bound socket pins
 * with an O_PATH descriptor, so that the inode number cannot be reused
 * while the name stands.  connect never asks the host: a socket file
 * beneath the root that no guest socket is bound to (a stale one, or the
 * host's own D-Bus socket under -r /) is ECONNREFUSED.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "uipc_var.h"

#define US_SOMAXCONN 4096       /* Linux's net.core.somaxconn */
#define US_BUF_MAX 212992       /* rmem_max and wmem_max */
#define US_BUF_MIN 2304         /* half of SOCK_MIN_RCVBUF */

static struct usock *registry;  /* bound sockets, by reg_next */

static const struct fileops usock_ops;

bool
uipc_is(const struct file *f)
{
	return f->ops == &usock_ops;
}

int
uipc_type(const struct file *f)
{
	return ((struct usock *)f->data)->type;
}

/* ---- the registry ---- */

static bool
name_eq(const struct uname *a, const struct uname *b)
{
	if (a->abstract != b->abstract)
		return false;
	if (!a->abstract)
		return a->dev == b->dev && a->ino == b->ino;
	return a->len == b->len && memcmp(a->addr.sun_path, b->addr.sun_path,
	    a->len - offsetof(struct sockaddr_un, sun_path)) == 0;
}

static struct usock *
lookup(const struct uname *n)
{
	struct usock *s;

	for (s = registry; s != NULL; s = s->reg_next)
		if (name_eq(s->name, n))
			return s;
	return NULL;
}

static void
unregister(struct usock *s)
{
	struct usock **pp;

	if (!s->registered)
		return;
	for (pp = &registry; *pp != s; pp = &(*pp)->reg_next)
		;
	*pp = s->reg_next;
	s->registered = false;
	if (s->pinfd >= 0) {
		close(s->pinfd);
		s->pinfd = -1;
	}
}

bool
uipc_bound(const struct file *f)
{
	return ((struct usock *)f->data)->name != NULL;
}

int
uipc_bind(struct file *f, const struct uname *n, int pinfd)
{
	struct usock *s = f->data;

	if (s->name != NULL || lookup(n) != NULL) {
		if (pinfd >= 0)
			close(pinfd);
		return s->name != NULL ? -EINVAL : -EADDRINUSE;
	}
	if ((s->name = kmem_alloc(sizeof(*s->name))) == NULL) {
		if (pinfd >= 0)
			close(pinfd);
		return -ENOMEM;
	}
	*s->name = *n;
	s->pinfd = pinfd;
	s->registered = true;
	s->reg_next = registry;
	registry = s;
	return 0;
}

int
uipc_autobind(struct file *f)
{
	static unsigned next;
	struct uname n;
	unsigned i;

	memset(&n, 0, sizeof(n));
	n.abstract = true;
	n.addr.sun_family = AF_UNIX;
	n.len = offsetof(struct sockaddr_un, sun_path) + 6;
	for (i = 0; i < 0x100000; i++) {
		snprintf(n.addr.sun_path + 1, 6, "%05x", next++ & 0xfffff);
		if (lookup(&n) == NULL)
			return uipc_bind(f, &n, -1);
	}
	return -ENOSPC;
}

/* ---- sockets and their files ---- */

static int
usock_file(struct usock *s, int flags, struct file **fp)
{
	if ((*fp = file_new(&usock_ops, O_RDWR | (flags & O_NONBLOCK),
	    s)) == NULL)
		return -errno;
	return 0;
}

int
uipc_create(struct proc *p, int type, int flags, struct file **fp)
{
	struct usock *s;
	int r;

	if ((s = usock_alloc(type)) == NULL)
		return -ENOMEM;
	usock_cred(p, &s->mycred);
	if ((r = usock_file(s, flags, fp)) < 0)
		usock_unref(s);
	return r;
}

/* a and b connected to each other, each holding the other. */
static void
usock_join(struct usock *a, struct usock *b)
{
	a->peer = usock_ref(b);
	b->peer = usock_ref(a);
	a->state = b->state = US_CONN;
	a->peercred = b->mycred;
	b->peercred = a->mycred;
	a->has_peercred = b->has_peercred = true;
}

int
uipc_pair(struct proc *p, int type, int flags, struct file **a,
    struct file **b)
{
	int r;

	if ((r = uipc_create(p, type, flags, a)) < 0)
		return r;
	if ((r = uipc_create(p, type, flags, b)) < 0) {
		file_unref(*a);
		return r;
	}
	usock_join((*a)->data, (*b)->data);
	return 0;
}

/* s goes (its file's last reference, or an embryo never accepted): its
 * name, its peer (which sees end of file, or ECONNRESET when s had
 * unread bytes), its pending connections, its queue, and the reference
 * the caller had. */
static void
usock_close(struct usock *s)
{
	struct usock *peer = s->peer, *e;

	s->closed = true;
	unregister(s);
	if (peer != NULL && s->type != SOCK_DGRAM && peer->peer == s) {
		peer->shut = US_RCV | US_SND;
		if (s->type == SOCK_STREAM &&
		    (s->head != NULL || s->conn_head != NULL))
			peer->error = ECONNRESET;
		peer->peer = NULL;
		peer->state = US_GONE;
		usock_unref(s);
		usock_changed(peer);
	}
	if (peer != NULL) {
		s->peer = NULL;
		usock_unref(peer);
	}
	while ((e = s->conn_head) != NULL) {
		s->conn_head = e->conn_next;
		s->nconn--;
		usock_close(e);
	}
	s->conn_tail = NULL;
	usock_purge(s);
	usock_changed(s);
	usock_unref(s);
}

/* ---- connections ---- */

int
uipc_listen(struct file *f, struct proc *p, int backlog)
{
	struct usock *s = f->data;

	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (!s->registered || (s->state != US_NEW && s->state != US_LISTEN))
		return -EINVAL;
	if (backlog < 0 || backlog > US_SOMAXCONN)
		backlog = US_SOMAXCONN;
	s->backlog = backlog;
	s->state = US_LISTEN;
	usock_cred(p, &s->mycred);
	s->peercred = s->mycred; /* as Linux: a listener's SO_PEERCRED */
	s->has_peercred = true;
	usock_changed(s);
	return 0;
}

/* DGRAM: s sends to n's socket from now on (n NULL: to none). */
static int
connect_dgram(struct usock *s, const struct uname *n)
{
	struct usock *to = NULL;

	if (n != NULL) {
		if ((to = lookup(n)) == NULL)
			return -ECONNREFUSED;
		if (to->type != s->type)
			return -EPROTOTYPE;
	}
	if (s->peer != NULL)
		usock_unref(s->peer);
	s->peer = to != NULL ? usock_ref(to) : NULL;
	s->state = to != NULL ? US_CONN : US_NEW;
	if ((s->has_peercred = to != NULL))
		s->peercred = to->mycred;
	return 0;
}

/* The listener at n once its backlog has room: held by reference, or
 * NULL with *err. */
static struct usock *
connect_wait(struct usock *s, struct proc *p, const struct uname *n,
    bool nonblock, int *err)
{
	uint64_t dl = usock_deadline(s->sndtimeo);
	struct usock *l;

	for (;;) {
		if (s->state != US_NEW) {
			*err = s->state == US_LISTEN ? -EINVAL : -EISCONN;
			return NULL;
		}
		if ((l = lookup(n)) == NULL || (l->type == s->type &&
		    l->state != US_LISTEN)) {
			*err = -ECONNREFUSED;
			return NULL;
		}
		if (l->type != s->type) {
			*err = -EPROTOTYPE;
			return NULL;
		}
		if (l->nconn <= l->backlog)
			return usock_ref(l);
		if (nonblock) {
			*err = -EAGAIN;
			return NULL;
		}
		if ((*err = usock_sleep(p, l, dl)) < 0)
			return NULL;
	}
}

int
uipc_connect(struct file *f, struct proc *p, const struct uname *n)
{
	struct usock *s = f->data, *l, *e;
	int err = 0;

	if (s->type == SOCK_DGRAM)
		return connect_dgram(s, n);
	if (n == NULL)
		return -EINVAL;
	if ((l = connect_wait(s, p, n, f->flags & O_NONBLOCK, &err)) == NULL)
		return err;
	if ((e = usock_alloc(s->type)) == NULL ||
	    (l->name != NULL && (e->name = kmem_alloc(sizeof(*e->name))) ==
	    NULL)) {
		if (e != NULL)
			usock_unref(e);
		usock_unref(l);
		return -ENOMEM;
	}
	if (l->name != NULL)
		*e->name = *l->name;
	e->mycred = l->mycred;
	usock_cred(p, &s->mycred);
	usock_join(s, e);
	if (l->conn_tail != NULL)
		l->conn_tail->conn_next = e;
	else
		l->conn_head = e;
	l->conn_tail = e;
	l->nconn++;
	usock_changed(l);
	usock_unref(l);
	return 0;
}

int
uipc_accept(struct file *f, struct proc *p, int flags, struct file **nf)
{
	struct usock *l = f->data, *e;
	int r;

	if (l->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (l->state != US_LISTEN)
		return -EINVAL;
	while ((e = l->conn_head) == NULL) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if ((r = usock_sleep(p, l, usock_deadline(l->rcvtimeo))) < 0)
			return r;
		if (l->state != US_LISTEN)
			return -EINVAL;
	}
	if ((r = usock_file(e, flags, nf)) < 0)
		return r;
	if ((l->conn_head = e->conn_next) == NULL)
		l->conn_tail = NULL;
	e->conn_next = NULL;
	l->nconn--;
	usock_changed(l);
	return 0;
}

int
uipc_shutdown(struct file *f, int how)
{
	struct usock *s = f->data, *peer = s->peer;
	int mode;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	mode = how + 1; /* SHUT_RD: US_RCV, SHUT_WR: US_SND, both */
	s->shut |= mode;
	usock_changed(s);
	if (peer != NULL && s->type != SOCK_DGRAM) {
		peer->shut |= ((mode & US_RCV) ? US_SND : 0) |
		    ((mode & US_SND) ? US_RCV : 0);
		usock_changed(peer);
	}
	return 0;
}

int
uipc_getname(struct file *f, bool peer, struct uname *n)
{
	struct usock *s = f->data;
	const struct uname *src = s->name;

	if (peer) {
		if (s->peer == NULL || s->state != US_CONN)
			return -ENOTCONN;
		src = s->peer->name;
	}
	if (src != NULL) {
		*n = *src;
		return 0;
	}
	memset(n, 0, sizeof(*n));
	n->addr.sun_family = AF_UNIX;
	n->len = sizeof(sa_family_t);
	return 0;
}

/* ---- options ---- */

int
uipc_getopt(struct file *f, int opt, int *val)
{
	struct usock *s = f->data;

	switch (opt) {
	case SO_TYPE:
		*val = s->type;
		return 0;
	case SO_DOMAIN:
		*val = AF_UNIX;
		return 0;
	case SO_PROTOCOL:
		*val = 0;
		return 0;
	case SO_ERROR:
		*val = s->error;
		s->error = 0;
		return 0;
	case SO_ACCEPTCONN:
		*val = s->state == US_LISTEN;
		return 0;
	case SO_RCVBUF:
		*val = s->rcvbuf;
		return 0;
	case SO_SNDBUF:
		*val = s->sndbuf;
		return 0;
	case SO_PASSCRED:
		*val = s->passcred;
		return 0;
	case SO_REUSEADDR:
		*val = s->reuse;
		return 0;
	}
	return -ENOPROTOOPT;
}

/* SO_RCVBUF, SO_SNDBUF: as Linux, bounded by rmem_max/wmem_max and
 * doubled (for its bookkeeping). */
static int
buf_size(int val)
{
	if (val < US_BUF_MIN)
		val = US_BUF_MIN;
	if (val > US_BUF_MAX)
		val = US_BUF_MAX;
	return val * 2;
}

int
uipc_setopt(struct file *f, int opt, int val)
{
	struct usock *s = f->data;

	switch (opt) {
	case SO_RCVBUF:
		s->rcvbuf = buf_size(val);
		break;
	case SO_SNDBUF:
		s->sndbuf = buf_size(val);
		break;
	case SO_PASSCRED:
		s->passcred = val != 0;
		break;
	case SO_REUSEADDR:
		s->reuse = val != 0;
		break;
	default:
		return -ENOPROTOOPT;
	}
	usock_changed(s);
	return 0;
}

/* SO_PEERCRED: as Linux, pid 0 and the overflow ids without a peer. */
int
uipc_peercred(struct file *f, struct ucred *uc)
{
	struct usock *s = f->data;

	if (s->has_peercred) {
		*uc = s->peercred;
		return 0;
	}
	uc->pid = 0;
	uc->uid = 65534;
	uc->gid = 65534;
	return 0;
}

void
uipc_timeo(struct file *f, bool snd, uint64_t *ns, bool set)
{
	struct usock *s = f->data;
	uint64_t *t = snd ? &s->sndtimeo : &s->rcvtimeo;

	if (set)
		*t = *ns;
	else
		*ns = *t;
}

/* ---- sending and receiving ---- */

/* Where s's send goes: held by reference, or NULL with *err. */
static struct usock *
send_target(struct usock *s, const struct usend *u, int *err)
{
	struct usock *to;

	if (s->type != SOCK_DGRAM) {
		if (u->to != NULL && s->type == SOCK_STREAM)
			*err = s->state == US_CONN ? -EISCONN : -EOPNOTSUPP;
		else if (s->state != US_CONN)
			*err = s->state == US_GONE || (s->shut & US_SND) ?
			    -EPIPE : -ENOTCONN;
		else
			return usock_ref(s->peer);
		return NULL;
	}
	if ((to = u->to != NULL ? lookup(u->to) : s->peer) == NULL) {
		*err = u->to != NULL ? -ECONNREFUSED : -ENOTCONN;
		return NULL;
	}
	*err = to->type != s->type ? -EPROTOTYPE : to->closed ?
	    -ECONNREFUSED : to->peer != NULL && to->peer != s ? -EPERM : 0;
	if (*err == -ECONNREFUSED && to == s->peer) {
		s->peer = NULL; /* a dead peer is forgotten, as Linux does */
		s->state = US_NEW;
		usock_unref(to);
	}
	return *err == 0 ? usock_ref(to) : NULL;
}

long
uipc_send(struct file *f, struct proc *p, struct usend *u)
{
	struct usock *s = f->data, *to;
	int err, i;
	long r;

	/* Rights sent: the garbage of earlier sends goes first (a guest
	 * that builds cycles in a loop leaves at most one round of them). */
	if (u->nfds > 0)
		usock_gc(&usock_ops);
	if (s->type != SOCK_STREAM && u->n + 32 > (size_t)s->sndbuf)
		r = -EMSGSIZE;
	else if ((to = send_target(s, u, &err)) == NULL)
		r = err;
	else {
		if (s->type == SOCK_DGRAM && s->name == NULL &&
		    (s->passcred || to->passcred))
			(void)uipc_autobind(f);
		r = usock_deliver(s, to, p, (f->flags & O_NONBLOCK) ||
		    (u->flags & MSG_DONTWAIT), u);
		usock_unref(to);
	}
	for (i = 0; i < u->nfds; i++)
		file_unref(u->fds[i]);
	u->nfds = 0;
	return r;
}

long
uipc_recv(struct file *f, struct proc *p, struct urecv *r)
{
	r->full = 0;
	r->msg_flags = 0;
	r->nfds = 0;
	r->has_cred = false;
	r->from.len = 0;
	return usock_recv(f->data, p, (f->flags & O_NONBLOCK) ||
	    (r->flags & MSG_DONTWAIT), r);
}

void
uipc_fini(void)
{
	struct usock *s;

	/* Only rights in flight can still hold sockets here (every
	 * process has gone), and every such cycle runs through a receive
	 * queue (a listener's pending connections are drained when its
	 * file goes): freeing the queues frees them all. */
	for (;;) {
		for (s = usock_first(); s != NULL && s->head == NULL;
		    s = s->all_next)
			;
		if (s == NULL)
			return;
		usock_ref(s);
		usock_purge(s);
		usock_unref(s);
	}
}

/* ---- the file ops: read, write, poll, stat on a socket ---- */

static long
usock_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct urecv *r;
	long k;
	int i;

	if ((r = kmem_alloc(sizeof(*r))) == NULL)
		return -ENOMEM;
	r->buf = buf;
	r->len = n;
	k = uipc_recv(f, p, r);
	for (i = 0; i < r->nfds; i++)
		file_unref(r->fds[i]); /* read(2) takes no rights */
	kmem_free(r, sizeof(*r));
	return k;
}

static long
usock_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	struct usend u = { .buf = buf, .n = n };

	return uipc_send(f, p, &u);
}

static int
usock_poll(struct file *f)
{
	struct usock *s = f->data, *to = s->peer;
	int ev = 0;

	if (s->state == US_LISTEN)
		return s->conn_head != NULL ? POLLIN | POLLRDNORM : 0;
	if (s->error != 0)
		ev |= POLLERR;
	if (s->shut == (US_RCV | US_SND) ||
	    (s->type != SOCK_DGRAM && s->state == US_NEW))
		ev |= POLLHUP;
	if (s->shut & US_RCV)
		ev |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (s->head != NULL)
		ev |= POLLIN | POLLRDNORM;
	if (to == NULL || to->closed || usock_room(to, 1))
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

static int
usock_stat(struct file *f, struct stat *st)
{
	struct usock *s = f->data;

	/* Linux's sockfs is an anonymous device */
	file_pseudo_stat(st, S_IFSOCK | 0777, s->ino, 0x8);
	return 0;
}

/* FIONREAD (SIOCINQ): a stream's unread bytes, a record's length. */
static long
usock_ioctl(struct file *f, struct proc *p, unsigned long req, void *arg,
    size_t *arglen)
{
	struct usock *s = f->data;
	struct umsg *m;
	size_t n = 0;

	(void)p;
	if (req != FIONREAD)
		return -ENOTTY;
	if (s->state == US_LISTEN)
		return -EINVAL;
	for (m = s->head; m != NULL; m = m->next) {
		n += m->len - m->off;
		if (s->type != SOCK_STREAM)
			break;
	}
	*(int *)arg = (int)n;
	*arglen = sizeof(int);
	return 0;
}

static void
usock_fclose(struct file *f)
{
	usock_close(f->data);
	usock_gc(&usock_ops);
}

static const struct fileops usock_ops = {
	.kind = "socket",
	.read = usock_read,
	.write = usock_write,
	.poll = usock_poll,
	.stat = usock_stat,
	.ioctl = usock_ioctl,
	.close = usock_fclose,
};
