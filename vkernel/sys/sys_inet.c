/* sys_inet.c: the socket calls on network sockets (AF_INET, AF_INET6, AF_NETLINK): addresses, options, messages and their control data copied between the guest and kern/inet.c. */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <linux/sockios.h>

#include "sys.h"
#include "file.h"
#include "inet.h"
#include "kmem.h"

#define INET_CHUNK   65536    /* a stream's piece of a send or receive */
#define INET_MSGMAX  262144   /* the largest datagram moved: UDP's is 64 KiB */
#define INET_CMSGMAX 20480    /* Linux's optmem_max: the control buffer */

/* The guest's address at va (alen bytes) into *sa: 0 or -errno. */
static long
addr_in(struct proc *p, gva_t va, uint64_t alen, struct sockaddr_storage *sa)
{
	if (alen > sizeof(*sa))
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	return copyin(p, sa, va, alen) != 0 ? -EFAULT : 0;
}

long
sysinet_addr_out(struct proc *p, const void *sa, socklen_t len, gva_t va,
    gva_t lenva)
{
	int room;

	if (va == 0)
		return 0;
	if (copyin(p, &room, lenva, sizeof(room)) != 0)
		return -EFAULT;
	if (room < 0)
		return -EINVAL;
	if (copyout(p, va, sa, (size_t)room < len ? (size_t)room : len) != 0)
		return -EFAULT;
	room = (int)len;
	return copyout(p, lenva, &room, sizeof(room)) ? -EFAULT : 0;
}

long
sysinet_bind(struct proc *p, struct file *f, const uint64_t *a)
{
	struct sockaddr_storage sa;
	long r;

	if ((r = addr_in(p, a[1], a[2], &sa)) < 0)
		return r;
	return inet_bind(f, p, (struct sockaddr *)&sa, (socklen_t)a[2]);
}

long
sysinet_connect(struct proc *p, struct file *f, const uint64_t *a)
{
	struct sockaddr_storage sa;
	long r;

	if ((r = addr_in(p, a[1], a[2], &sa)) < 0)
		return r;
	return inet_connect(f, p, (struct sockaddr *)&sa, (socklen_t)a[2]);
}

long
sysinet_getname(struct proc *p, struct file *f, const uint64_t *a,
    bool peer)
{
	struct sockaddr_storage sa;
	socklen_t len;
	long r;

	if ((r = inet_getname(f, peer, &sa, &len)) < 0)
		return r;
	return sysinet_addr_out(p, &sa, len, a[1], a[2]);
}

/* ---- options ---- */

static bool
is_timeo(int level, int opt)
{
	return level == SOL_SOCKET && (opt == SO_RCVTIMEO ||
	    opt == SO_SNDTIMEO || opt == 66 || opt == 67); /* _NEW forms */
}

static bool
timeo_snd(int opt)
{
	return opt == SO_SNDTIMEO || opt == 67;
}

long
sysinet_setsockopt(struct proc *p, struct file *f, const uint64_t *a)
{
	char val[INET_OPTMAX];
	int level = (int)a[1], opt = (int)a[2];
	struct timeval tv;
	uint64_t ns;

	if ((int)a[4] < 0)
		return -EINVAL;
	if (is_timeo(level, opt)) {
		if (a[4] < sizeof(tv))
			return -EINVAL;
		if (copyin(p, &tv, a[3], sizeof(tv)) != 0)
			return -EFAULT;
		if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return -EDOM;
		ns = tv.tv_sec < 0 ? 0 : (uint64_t)tv.tv_sec * 1000000000 +
		    (uint64_t)tv.tv_usec * 1000;
		inet_timeo(f, timeo_snd(opt), &ns, true);
		return 0;
	}
	if (a[4] > sizeof(val))
		return -EINVAL;
	if (a[4] > 0 && copyin(p, val, a[3], a[4]) != 0)
		return -EFAULT;
	return inet_setopt(f, p, level, opt, val, (socklen_t)a[4]);
}

long
sysinet_getsockopt(struct proc *p, struct file *f, const uint64_t *a)
{
	char val[INET_OPTMAX];
	int level = (int)a[1], opt = (int)a[2], len;
	struct timeval tv;
	socklen_t n;
	uint64_t ns;
	long r;

	if (copyin(p, &len, a[4], sizeof(len)) != 0)
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (is_timeo(level, opt)) {
		inet_timeo(f, timeo_snd(opt), &ns, false);
		tv.tv_sec = (time_t)(ns / 1000000000);
		tv.tv_usec = (suseconds_t)(ns % 1000000000 / 1000);
		n = (size_t)len < sizeof(tv) ? (socklen_t)len : sizeof(tv);
		memcpy(val, &tv, n);
	} else {
		n = (socklen_t)len;
		memset(val, 0, sizeof(val));
		if ((r = inet_getopt(f, level, opt, val, &n)) < 0)
			return r;
	}
	len = (int)n;
	if (copyout(p, a[3], val, n) != 0 ||
	    copyout(p, a[4], &len, sizeof(len)) != 0)
		return -EFAULT;
	return 0;
}

/* ---- messages ---- */

/* What a send or receive takes from the guest: its iovecs, name and
 * control (guest addresses), its flags. */
struct imsg {
	struct iovec fast[UIO_FASTIOV], *iov;
	uint64_t iovcnt;
	size_t total;
	gva_t name, ctl;
	uint64_t namelen, ctllen;
	struct sockaddr_storage from; /* a receive's sender, salen bytes */
	socklen_t fromlen;
};

/* Sends the guest's message: a datagram whole, a stream in pieces (the
 * name and control with the first).  Bytes sent or -errno. */
static long
do_send(struct proc *p, struct file *f, struct imsg *m, int flags)
{
	struct sockaddr_storage sa;
	struct msghdr mh;
	struct iovec io;
	bool stream = inet_type(f) == SOCK_STREAM;
	size_t done = 0, bsize, n;
	char *buf, *ctl = NULL;
	long r;

	memset(&mh, 0, sizeof(mh));
	if (m->name != 0 && m->namelen > 0) {
		if ((r = addr_in(p, m->name, m->namelen, &sa)) < 0)
			return r;
		mh.msg_name = &sa;
		mh.msg_namelen = (socklen_t)m->namelen;
	}
	if (m->ctllen > 0) {
		if (m->ctllen > INET_CMSGMAX)
			return -ENOBUFS;
		if ((ctl = copy_scratch(p, m->ctllen)) == NULL)
			return -ENOMEM;
		if (copyin(p, ctl, m->ctl, m->ctllen) != 0)
			return -EFAULT;
		mh.msg_control = ctl;
		mh.msg_controllen = m->ctllen;
	}
	if (!stream && m->total > INET_MSGMAX)
		return -EMSGSIZE;
	bsize = stream && m->total > INET_CHUNK ? INET_CHUNK : m->total;
	if ((buf = copy_scratch(p, bsize > 0 ? bsize : 1)) == NULL)
		return -ENOMEM;
	mh.msg_iov = &io;
	mh.msg_iovlen = 1;
	do {
		n = m->total - done < bsize ? m->total - done : bsize;
		if ((r = sys_iov_copy(p, m->iov, m->iovcnt, done, buf,
		    n, false)) < 0)
			break;
		io.iov_base = buf;
		io.iov_len = n;
		if ((r = inet_send(f, p, &mh, flags)) < 0)
			break;
		done += (size_t)r;
		mh.msg_name = mh.msg_control = NULL;
		mh.msg_namelen = 0;
		mh.msg_controllen = 0;
	} while ((size_t)r == n && done < m->total);
	if (done > 0)
		return (long)done;
	return r == -EPIPE && !(flags & MSG_NOSIGNAL) ? sys_epipe(p) : r;
}

/* Receives into the guest's message: m's from and fromlen the sender,
 * ctllen the control bytes written.  Bytes or -errno; *mflags
 * recvmsg's flags. */
static long
do_recv(struct proc *p, struct file *f, struct imsg *m, int flags,
    int *mflags)
{
	struct msghdr mh;
	struct iovec io;
	bool stream = inet_type(f) == SOCK_STREAM;
	size_t done = 0, bsize, n, k;
	char *buf, *ctl = NULL;
	long r;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &m->from;
	mh.msg_namelen = sizeof(m->from);
	if (m->ctl != 0 && m->ctllen > 0) {
		mh.msg_controllen = m->ctllen > INET_CMSGMAX ? INET_CMSGMAX :
		    m->ctllen;
		if ((ctl = copy_scratch(p, mh.msg_controllen)) == NULL)
			return -ENOMEM;
		memset(ctl, 0, mh.msg_controllen);
		mh.msg_control = ctl;
	}
	bsize = m->total > (stream ? INET_CHUNK : INET_MSGMAX) ?
	    (stream ? INET_CHUNK : INET_MSGMAX) : m->total;
	if ((buf = copy_scratch(p, bsize > 0 ? bsize : 1)) == NULL)
		return -ENOMEM;
	mh.msg_iov = &io;
	mh.msg_iovlen = 1;
	do {
		n = m->total - done < bsize ? m->total - done : bsize;
		io.iov_base = buf;
		io.iov_len = n;
		if ((r = inet_recv(f, p, &mh, flags)) < 0)
			break;
		k = (size_t)r < n ? (size_t)r : n;
		if (sys_iov_copy(p, m->iov, m->iovcnt, done, buf, k,
		    true) != 0) {
			r = -EFAULT;
			break;
		}
		done += stream ? k : (size_t)r; /* MSG_TRUNC's real length */
		if (done == 0 || !stream || (size_t)r < n)
			break;
		/* A stream's MSG_WAITALL goes on, a piece at a time. */
	} while ((flags & (MSG_WAITALL | MSG_PEEK)) == MSG_WAITALL &&
	    done < m->total);
	if (done == 0 && r < 0)
		return r;
	m->fromlen = mh.msg_namelen > sizeof(m->from) ? sizeof(m->from) :
	    mh.msg_namelen;
	if (ctl != NULL && mh.msg_controllen > 0 &&
	    copyout(p, m->ctl, ctl, mh.msg_controllen) != 0)
		return -EFAULT;
	m->ctllen = ctl != NULL ? mh.msg_controllen : 0;
	*mflags = mh.msg_flags;
	return (long)done;
}

/* The guest's msghdr at va, taken apart. */
static long
msg_in(struct proc *p, gva_t va, struct msghdr *gh, struct imsg *m)
{
	long r;

	if (copyin(p, gh, va, sizeof(*gh)) != 0)
		return -EFAULT;
	if ((r = sys_iov_in(p, m->fast, &m->iov, (gva_t)gh->msg_iov,
	    gh->msg_iovlen)) < 0)
		return r;
	m->total = (size_t)r;
	m->iovcnt = gh->msg_iovlen;
	m->name = (gva_t)gh->msg_name;
	m->namelen = gh->msg_namelen;
	m->ctl = (gva_t)gh->msg_control;
	m->ctllen = gh->msg_controllen;
	return 0;
}

/* sendto's and recvfrom's one buffer (len bytes at va) as a message
 * without name or control; NULL past the budget. */
static struct imsg *
msg_buf(struct proc *p, gva_t va, uint64_t len)
{
	struct imsg *m;

	if ((m = copy_scratch(p, sizeof(*m))) == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->iov = m->fast;
	m->fast[0].iov_base = (void *)va;
	m->fast[0].iov_len = len > MAX_RW_COUNT ? MAX_RW_COUNT : len;
	m->iovcnt = 1;
	m->total = m->fast[0].iov_len;
	return m;
}

long
sysinet_sendmsg(struct proc *p, struct file *f, gva_t va, int flags)
{
	struct msghdr gh;
	struct imsg *m;
	long r;

	if ((m = copy_scratch(p, sizeof(*m))) == NULL)
		return -ENOMEM;
	if ((r = msg_in(p, va, &gh, m)) < 0)
		return r;
	return do_send(p, f, m, flags);
}

long
sysinet_sendto(struct proc *p, struct file *f, const uint64_t *a)
{
	struct imsg *m;

	if ((m = msg_buf(p, a[1], a[2])) == NULL)
		return -ENOMEM;
	m->name = a[4];
	m->namelen = a[4] != 0 ? a[5] : 0;
	return do_send(p, f, m, (int)a[3]);
}

long
sysinet_recvmsg(struct proc *p, struct file *f, gva_t va, int flags)
{
	struct msghdr gh;
	struct imsg *m;
	int mflags = 0;
	long r, n;

	if ((m = copy_scratch(p, sizeof(*m))) == NULL)
		return -ENOMEM;
	if ((r = msg_in(p, va, &gh, m)) < 0)
		return r;
	if ((n = do_recv(p, f, m, flags & ~MSG_CMSG_CLOEXEC, &mflags)) < 0)
		return n;
	if (gh.msg_name != NULL) {
		if (copyout(p, (gva_t)gh.msg_name, &m->from,
		    gh.msg_namelen < m->fromlen ? gh.msg_namelen :
		    m->fromlen) != 0)
			return -EFAULT;
		gh.msg_namelen = m->fromlen;
	} else
		gh.msg_namelen = 0;
	gh.msg_controllen = m->ctllen;
	gh.msg_flags = mflags;
	return copyout(p, va, &gh, sizeof(gh)) ? -EFAULT : n;
}

long
sysinet_recvfrom(struct proc *p, struct file *f, const uint64_t *a)
{
	struct imsg *m;
	int mflags;
	long n, r;

	if ((m = msg_buf(p, a[1], a[2])) == NULL)
		return -ENOMEM;
	if ((n = do_recv(p, f, m, (int)a[3], &mflags)) < 0)
		return n;
	r = sysinet_addr_out(p, &m->from, m->fromlen, a[4], a[5]);
	return r < 0 ? r : n;
}

/* ---- interface requests ---- */

#define IFREQ_SIZE 40       /* struct ifreq */
#define IFCONF_MAX 65536    /* SIOCGIFCONF's buffer, at most */

long
sysinet_ioctl(struct proc *p, struct file *f, const uint64_t *a)
{
	struct { int len; int pad; uint64_t buf; } ic; /* struct ifconf */
	char ifr[IFREQ_SIZE], *buf = NULL;
	int len;
	long r;

	if (a[1] != SIOCGIFCONF) {
		if (copyin(p, ifr, a[2], sizeof(ifr)) != 0)
			return -EFAULT;
		if ((r = inet_ifioctl(f, p, a[1], ifr)) < 0)
			return r;
		return copyout(p, a[2], ifr, sizeof(ifr)) ? -EFAULT : 0;
	}
	if (copyin(p, &ic, a[2], sizeof(ic)) != 0)
		return -EFAULT;
	len = ic.len < 0 ? 0 : ic.len > IFCONF_MAX ? IFCONF_MAX : ic.len;
	if (ic.buf != 0 && len > 0 && (buf = copy_scratch(p, (size_t)len)) ==
	    NULL)
		return -ENOMEM;
	if ((r = inet_ifconf(f, p, buf, &len)) < 0)
		return r;
	if (buf != NULL && copyout(p, ic.buf, buf, (size_t)len) != 0)
		return -EFAULT;
	ic.len = len;
	return copyout(p, a[2], &ic, sizeof(ic)) ? -EFAULT : 0;
}
