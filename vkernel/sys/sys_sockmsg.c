/* sys_sockmsg.c: the socket calls that move messages: send, sendto, sendmsg, sendmmsg, recv, recvfrom, recvmsg, recvmmsg, with their rights (SCM_RIGHTS) and credentials (SCM_CREDENTIALS). */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "sys.h"
#include "clock.h"
#include "file.h"
#include "inet.h"
#include "uipc.h"

#define SEND_CHUNK 65536      /* a stream send's piece */
#define CMSG_MAX   20480      /* Linux's optmem_max: the control buffer */
#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024
#endif

/* capability bits (linux/capability.h) */
#define CAP_BIT_SETGID    6
#define CAP_BIT_SETUID    7
#define CAP_BIT_SYS_ADMIN 21

/* What sendmsg takes apart: the guest's iovecs, name and control. */
struct sendargs {
	struct iovec fast[UIO_FASTIOV], *iov;
	uint64_t iovcnt;
	size_t total;
	struct uname to;
	bool has_to;
	struct ucred cred;
	bool has_cred;
	struct file *fds[UIPC_MAXFD];
	int nfds;
};

static bool
capable(struct proc *p, int cap)
{
	return (p->cred.cap_eff >> cap) & 1;
}

/* SCM_CREDENTIALS: a process may send its own pid and any of its ids,
 * as Linux's scm_check_creds: -EPERM otherwise. */
static long
cred_check(struct proc *p, const struct ucred *uc)
{
	const struct cred *c = &p->cred;

	if (uc->pid != p->tg->tgid && !capable(p, CAP_BIT_SYS_ADMIN))
		return -EPERM;
	if (uc->uid != c->ruid && uc->uid != c->euid && uc->uid != c->suid &&
	    !capable(p, CAP_BIT_SETUID))
		return -EPERM;
	if (uc->gid != c->rgid && uc->gid != c->egid && uc->gid != c->sgid &&
	    !capable(p, CAP_BIT_SETGID))
		return -EPERM;
	return 0;
}

/* SCM_RIGHTS' descriptors (n of them at fds) as references: -EBADF,
 * -EINVAL past UIPC_MAXFD. */
static long
rights_in(struct proc *p, struct sendargs *s, const int *fds, size_t n)
{
	struct file *f;
	size_t i;

	if (s->nfds + n > UIPC_MAXFD)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if ((f = fdtab_peek(p->fds, fds[i])) == NULL)
			return -EBADF;
		s->fds[s->nfds++] = file_ref(f);
	}
	return 0;
}

/* The control messages of a send (len bytes at va). */
static long
control_in(struct proc *p, struct sendargs *s, gva_t va, size_t len)
{
	struct msghdr mh;
	struct cmsghdr *c;
	char *buf;
	long r;

	if (len == 0)
		return 0;
	if (len > CMSG_MAX)
		return -ENOBUFS;
	if ((buf = copy_scratch(p, len)) == NULL)
		return -ENOMEM;
	if (copyin(p, buf, va, len) != 0)
		return -EFAULT;
	memset(&mh, 0, sizeof(mh));
	mh.msg_control = buf;
	mh.msg_controllen = len;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_len < CMSG_LEN(0) ||
		    (char *)c + c->cmsg_len > buf + len ||
		    c->cmsg_level != SOL_SOCKET)
			return -EINVAL;
		if (c->cmsg_type == SCM_RIGHTS)
			r = rights_in(p, s, (int *)CMSG_DATA(c),
			    (c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		else if (c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			memcpy(&s->cred, CMSG_DATA(c), sizeof(s->cred));
			s->has_cred = true;
			r = cred_check(p, &s->cred);
		} else
			r = -EINVAL;
		if (r < 0)
			return r;
	}
	return 0;
}

/* Sends s's bytes from f: records whole, a stream in pieces (the
 * rights with the first).  Bytes sent or -errno (EPIPE with SIGPIPE
 * unless MSG_NOSIGNAL). */
static long
send_all(struct proc *p, struct file *f, struct sendargs *s, int flags)
{
	char small[KMEM_SMALL], *buf = NULL;
	size_t done = 0, n, bsize = 0;
	struct usend u;
	long r = 0;

	if (uipc_type(f) != SOCK_STREAM)
		bsize = s->total > UIPC_RECMAX ? UIPC_RECMAX + 1 : s->total;
	if (flags & MSG_OOB)
		r = -EOPNOTSUPP; /* out-of-band data is not built */
	else if (uipc_type(f) != SOCK_STREAM && s->total > UIPC_RECMAX)
		r = -EMSGSIZE;
	else if (uipc_type(f) != SOCK_STREAM)
		buf = bsize == 0 ? small : copy_scratch(p, bsize);
	else
		buf = copy_bounce(p, small, &bsize);
	memset(&u, 0, sizeof(u));
	u.flags = flags;
	u.to = s->has_to ? &s->to : NULL;
	u.fds = s->fds;
	u.nfds = s->nfds;
	u.cred = s->has_cred ? &s->cred : NULL;
	s->nfds = 0;
	while (r == 0 && buf != NULL) {
		n = s->total - done < bsize ? s->total - done : bsize;
		if ((r = sys_iov_copy(p, s->iov, s->iovcnt, done, buf,
		    n, false)) < 0)
			break;
		u.buf = buf;
		u.n = n;
		if ((r = uipc_send(f, p, &u)) < 0)
			break;
		done += (size_t)r;
		if ((size_t)r < n || done >= s->total)
			break;
		r = 0;
	}
	while (u.nfds > 0)
		file_unref(u.fds[--u.nfds]);
	if (buf == NULL && r == 0)
		r = -ENOMEM;
	if (done > 0)
		return (long)done;
	return r == -EPIPE && !(flags & MSG_NOSIGNAL) ? sys_epipe(p) : r;
}

/* sendmsg of the msghdr at va on f. */
static long
do_sendmsg(struct proc *p, struct file *f, gva_t va, int flags)
{
	struct sendargs *s;
	struct msghdr mh;
	long r;

	if (inet_is(f))
		return sysinet_sendmsg(p, f, va, flags);
	if (copyin(p, &mh, va, sizeof(mh)) != 0)
		return -EFAULT;
	if ((s = copy_scratch(p, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->nfds = 0;
	s->has_cred = s->has_to = false;
	if ((r = sys_iov_in(p, s->fast, &s->iov, (gva_t)mh.msg_iov,
	    mh.msg_iovlen)) < 0)
		return r;
	s->total = (size_t)r;
	s->iovcnt = mh.msg_iovlen;
	if (mh.msg_name != NULL && mh.msg_namelen > 0 &&
	    uipc_type(f) != SOCK_SEQPACKET) {
		if ((r = name_target(p, (gva_t)mh.msg_name, mh.msg_namelen,
		    &s->to, false)) != 0)
			return r == 1 ? -EINVAL : r;
		s->has_to = true;
	}
	if ((r = control_in(p, s, (gva_t)mh.msg_control,
	    mh.msg_controllen)) == 0)
		return send_all(p, f, s, flags);
	while (s->nfds > 0)
		file_unref(s->fds[--s->nfds]);
	return r;
}

long
sys_sendmsg(struct proc *p, const uint64_t *a)
{
	struct file *f;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	return do_sendmsg(p, f, a[1], (int)a[2]);
}

long
sys_sendto(struct proc *p, const uint64_t *a)
{
	struct sendargs *s;
	struct file *f;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	if (inet_is(f))
		return sysinet_sendto(p, f, a);
	if ((s = copy_scratch(p, sizeof(*s))) == NULL)
		return -ENOMEM;
	memset(s, 0, offsetof(struct sendargs, fds));
	s->nfds = 0;
	s->iov = s->fast;
	s->fast[0].iov_base = (void *)a[1];
	s->fast[0].iov_len = a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2];
	s->iovcnt = 1;
	s->total = s->fast[0].iov_len;
	if (a[4] != 0 && uipc_type(f) != SOCK_SEQPACKET) {
		if ((r = name_target(p, a[4], a[5], &s->to, false)) != 0)
			return r == 1 ? -EINVAL : r;
		s->has_to = true;
	}
	return send_all(p, f, s, (int)a[3]);
}

long
sys_sendmmsg(struct proc *p, const uint64_t *a)
{
	struct file *f;
	uint64_t i, n = a[2] > UIO_MAXIOV ? UIO_MAXIOV : a[2];
	unsigned len;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	for (i = 0; i < n; i++) {
		gva_t va = a[1] + i * sizeof(struct mmsghdr);

		if ((r = do_sendmsg(p, f, va, (int)a[3])) < 0)
			break;
		len = (unsigned)r;
		if (copyout(p, va + offsetof(struct mmsghdr, msg_len), &len,
		    sizeof(len)) != 0) {
			r = -EFAULT;
			break;
		}
		copy_scratch_release(p);
	}
	return i > 0 ? (long)i : r;
}

/* ---- receiving ---- */

/* Appends one control message (type, n bytes at data) at *used of the
 * guest's control buffer (cap bytes at va): false if it does not fit. */
static bool
cmsg_put(struct proc *p, gva_t va, size_t cap, size_t *used, int type,
    const void *data, size_t n)
{
	struct cmsghdr c;

	if (*used + CMSG_LEN(n) > cap)
		return false;
	memset(&c, 0, sizeof(c));
	c.cmsg_len = CMSG_LEN(n);
	c.cmsg_level = SOL_SOCKET;
	c.cmsg_type = type;
	if (copyout(p, va + *used, &c, sizeof(c)) != 0 ||
	    copyout(p, va + *used + CMSG_LEN(0), data, n) != 0)
		return false;
	*used += CMSG_SPACE(n);
	if (*used > cap)
		*used = cap;
	return true;
}

/* The rights received (r's references) installed in p, as many as the
 * control buffer has room for (MSG_CTRUNC and the rest closed when it
 * is short, or the descriptor table full), then the credentials if the
 * socket asked for them (SO_PASSCRED).  Linux puts the credentials
 * first: so do we. */
static void
control_out(struct proc *p, struct file *f, struct urecv *r, gva_t va,
    size_t cap, size_t *used, int flags)
{
	int fds[UIPC_MAXFD], n = 0, i, pass = 0;
	size_t room;

	*used = 0;
	if (r->has_cred && uipc_getopt(f, SO_PASSCRED, &pass) == 0 && pass &&
	    !cmsg_put(p, va, va != 0 ? cap : 0, used, SCM_CREDENTIALS,
	    &r->cred, sizeof(r->cred)))
		r->msg_flags |= MSG_CTRUNC;
	room = va != 0 && cap > *used + CMSG_LEN(0) ?
	    (cap - *used - CMSG_LEN(0)) / sizeof(int) : 0;
	for (i = 0; i < r->nfds; i++) {
		if ((size_t)n < room && (fds[n] = (int)fdtab_alloc(p->fds,
		    r->fds[i], 0, sys_nofile(p),
		    flags & MSG_CMSG_CLOEXEC)) >= 0) {
			n++;
			continue;
		}
		r->msg_flags |= MSG_CTRUNC;
		file_unref(r->fds[i]);
	}
	r->nfds = 0;
	if (n > 0 && !cmsg_put(p, va, cap, used, SCM_RIGHTS, fds,
	    (size_t)n * sizeof(int)))
		r->msg_flags |= MSG_CTRUNC;
}

/* The sender's name for a receive: a datagram's, a connection's peer's;
 * none (length 0) when the sender has no name, as Linux's
 * unix_copy_addr. */
static void
recv_from(struct file *f, struct urecv *r, struct uname *n)
{
	if (r->from.len != 0)
		*n = r->from;
	else if (uipc_type(f) == SOCK_DGRAM || uipc_getname(f, true, n) != 0 ||
	    n->len <= sizeof(sa_family_t)) {
		memset(n, 0, sizeof(*n));
		n->len = 0;
	}
}

/* A receive into the iovecs: *r filled in; the bytes or -errno.  A
 * stream's MSG_WAITALL goes on, a buffer at a time, until the iovecs
 * are full, end of file, an error or a signal, or rights arrive. */
static long
recv_into(struct proc *p, struct file *f, const struct iovec *iov,
    uint64_t cnt, size_t total, struct urecv *r)
{
	size_t done = 0, bsize = total > UIPC_RECMAX ? UIPC_RECMAX : total;
	bool more = uipc_type(f) == SOCK_STREAM &&
	    (r->flags & (MSG_WAITALL | MSG_PEEK)) == MSG_WAITALL;
	long n;

	r->nfds = 0;
	if (r->flags & MSG_OOB)
		return -EOPNOTSUPP; /* out-of-band data is not built */
	if ((r->buf = copy_scratch(p, bsize > 0 ? bsize : 1)) == NULL)
		return -ENOMEM;
	do {
		r->len = total - done < bsize ? total - done : bsize;
		if ((n = uipc_recv(f, p, r)) <= 0)
			return done > 0 ? (long)done : n;
		if (sys_iov_copy(p, iov, cnt, done, r->buf,
		    (size_t)n < r->len ? (size_t)n : r->len, true) != 0)
			return done > 0 ? (long)done : -EFAULT;
		done += (size_t)n;
	} while (more && done < total && r->nfds == 0);
	return (long)done;
}

static long
do_recvmsg(struct proc *p, struct file *f, gva_t va, int flags)
{
	struct iovec fast[UIO_FASTIOV], *iov;
	struct msghdr mh;
	struct urecv *r;
	struct uname from;
	size_t used = 0;
	long n, total;

	if (inet_is(f))
		return sysinet_recvmsg(p, f, va, flags);
	if (copyin(p, &mh, va, sizeof(mh)) != 0)
		return -EFAULT;
	if ((total = sys_iov_in(p, fast, &iov, (gva_t)mh.msg_iov,
	    mh.msg_iovlen)) < 0)
		return total;
	if ((r = copy_scratch(p, sizeof(*r))) == NULL)
		return -ENOMEM;
	r->flags = flags;
	if ((n = recv_into(p, f, iov, mh.msg_iovlen, (size_t)total, r)) < 0) {
		while (r->nfds > 0)
			file_unref(r->fds[--r->nfds]);
		return n;
	}
	control_out(p, f, r, (gva_t)mh.msg_control, mh.msg_controllen,
	    &used, flags);
	recv_from(f, r, &from);
	if (mh.msg_name != NULL) {
		if (copyout(p, (gva_t)mh.msg_name, &from.addr,
		    mh.msg_namelen < from.len ? mh.msg_namelen : from.len))
			return -EFAULT;
		mh.msg_namelen = from.len;
	} else
		mh.msg_namelen = 0;
	mh.msg_controllen = used;
	mh.msg_flags = r->msg_flags;
	return copyout(p, va, &mh, sizeof(mh)) ? -EFAULT : n;
}

long
sys_recvmsg(struct proc *p, const uint64_t *a)
{
	struct file *f;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	return do_recvmsg(p, f, a[1], (int)a[2]);
}

long
sys_recvfrom(struct proc *p, const uint64_t *a)
{
	struct iovec iov = { (void *)a[1], a[2] };
	struct uname from;
	struct urecv *r;
	struct file *f;
	size_t used;
	long n, e;

	if ((n = sock_at(p, a[0], &f)) < 0)
		return n;
	if (inet_is(f))
		return sysinet_recvfrom(p, f, a);
	if ((r = copy_scratch(p, sizeof(*r))) == NULL)
		return -ENOMEM;
	r->flags = (int)a[3];
	n = recv_into(p, f, &iov, 1, a[2] > MAX_RW_COUNT ? MAX_RW_COUNT :
	    a[2], r);
	control_out(p, f, r, 0, 0, &used, 0); /* no room: rights closed */
	if (n < 0 || a[4] == 0)
		return n;
	recv_from(f, r, &from);
	return (e = name_out(p, &from, a[4], a[5])) < 0 ? e : n;
}

/*
 * recvmmsg's timeout is Linux's: checked after each message received (a
 * receive that blocks is not cut short by it), what is left of it
 * written back at the end; EINVAL for a bad timespec.
 */
long
sys_recvmmsg(struct proc *p, const uint64_t *a)
{
	struct file *f;
	uint64_t i, n = a[2] > UIO_MAXIOV ? UIO_MAXIOV : a[2];
	struct timespec ts, dl;
	int flags = (int)a[3];
	unsigned len;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	if (a[4] != 0) {
		if (copyin(p, &ts, a[4], sizeof(ts)) != 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
		    ts.tv_nsec >= 1000000000)
			return -EINVAL;
		deadline_after(&dl, &ts);
	}
	for (i = 0; i < n; i++) {
		gva_t va = a[1] + i * sizeof(struct mmsghdr);

		if ((r = do_recvmsg(p, f, va, flags & ~MSG_WAITFORONE)) < 0)
			break;
		len = (unsigned)r;
		if (copyout(p, va + offsetof(struct mmsghdr, msg_len), &len,
		    sizeof(len)) != 0) {
			r = -EFAULT;
			break;
		}
		copy_scratch_release(p);
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (a[4] != 0 && deadline_passed(&dl)) {
			i++;
			break;
		}
	}
	if (a[4] != 0) {
		deadline_left(&dl, &ts);
		if (copyout(p, a[4], &ts, sizeof(ts)) != 0)
			return -EFAULT;
	}
	return i > 0 ? (long)i : r;
}
