/* inet.c: guest sockets of the network families (AF_INET, AF_INET6, AF_NETLINK route) on host sockets in the guest network: what reaches the host is checked, and a blocking call sleeps, never the vkernel. */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "vkernel.h"
#include "clock.h"
#include "file.h"
#include "inet.h"
#include "kmem.h"
#include "knet.h"

/* capability bits (linux/capability.h) */
#define CAP_BIT_NET_BIND_SERVICE 10
#define CAP_BIT_NET_ADMIN        12

/* A network socket's own state; the rest is the host socket's. */
struct isock {
	int domain, type, protocol;
	uint64_t rcvtimeo, sndtimeo; /* ns, 0: none */
};

static const struct fileops isock_ops;

bool
inet_family(int domain)
{
	return domain == AF_INET || domain == AF_INET6 ||
	    domain == AF_NETLINK;
}

bool
inet_is(const struct file *f)
{
	return f->ops == &isock_ops;
}

int
inet_type(const struct file *f)
{
	return ((const struct isock *)f->data)->type;
}

/* The types and protocols a guest gets: TCP and UDP (and ping's ICMP
 * datagrams) of the IP families, netlink's routing family.  Raw IP is
 * EPERM, as without CAP_NET_RAW. */
static int
check_kind(int domain, int type, int protocol)
{
	if (domain == AF_NETLINK) {
		if (type != SOCK_RAW && type != SOCK_DGRAM)
			return -ESOCKTNOSUPPORT;
		return protocol == NETLINK_ROUTE ? 0 : -EPROTONOSUPPORT;
	}
	if (type == SOCK_RAW)
		return -EPERM;
	if (type == SOCK_STREAM)
		return protocol == 0 || protocol == IPPROTO_TCP ? 0 :
		    -EPROTONOSUPPORT;
	if (type == SOCK_DGRAM)
		return protocol == 0 || protocol == IPPROTO_UDP ||
		    (domain == AF_INET && protocol == IPPROTO_ICMP) ||
		    (domain == AF_INET6 && protocol == IPPROTO_ICMPV6) ? 0 :
		    -EPROTONOSUPPORT;
	return -ESOCKTNOSUPPORT;
}

/* A file on the host socket hfd (which it then owns, whatever happens). */
static int
isock_new(int hfd, int domain, int type, int protocol, int flags,
    struct file **fp)
{
	struct isock *s;

	if ((s = kmem_alloc(sizeof(*s))) == NULL) {
		close(hfd);
		return -ENOMEM;
	}
	memset(s, 0, sizeof(*s));
	s->domain = domain;
	s->type = type;
	s->protocol = protocol;
	if ((*fp = file_new(&isock_ops, O_RDWR | (flags & O_NONBLOCK),
	    s)) == NULL) {
		kmem_free(s, sizeof(*s));
		close(hfd);
		return errno == ENFILE ? -ENFILE : -ENOMEM;
	}
	(*fp)->hostfd = hfd;
	return 0;
}

int
inet_create(struct proc *p, int domain, int type, int protocol, int flags,
    struct file **fp)
{
	int r, hfd;

	if ((r = check_kind(domain, type, protocol)) < 0)
		return r;
	p->nhostcalls++;
	if ((hfd = knet_socket(domain, type, protocol)) < 0)
		return hfd;
	return isock_new(hfd, domain, type, protocol, flags, fp);
}

/* ---- waiting ---- */

static void
deadline_of(uint64_t timeo, struct timespec *dl)
{
	uint64_t at = mono_ns() + timeo;

	dl->tv_sec = (time_t)(at / 1000000000);
	dl->tv_nsec = (long)(at % 1000000000);
}

/* Sleeps until the host socket has one of ev, the deadline (dl, NULL
 * for none) passes (-EAGAIN) or a signal comes (-ERESTARTSYS, or -EINTR
 * under a timeout, as Linux's sock_intr_errno).  The caller holds f. */
static int
isock_wait(struct file *f, struct proc *p, short ev,
    const struct timespec *dl)
{
	struct pollfd pf = { .fd = f->hostfd, .events = ev };
	int r = proc_sleep(p, NULL, &pf, 1, dl);

	if (r == -ETIMEDOUT)
		return -EAGAIN;
	if (r == -ERESTARTSYS && dl != NULL)
		return -EINTR;
	return r;
}

/* ---- addresses ---- */

/* An address for bind, connect or sendto on s: the host takes it as it
 * is, but a netlink one may name only the kernel (a unicast to another
 * port or a multicast group is EPERM, as for a process without
 * CAP_NET_ADMIN), and a privileged port wants the guest's
 * CAP_NET_BIND_SERVICE. */
static int
check_addr(struct proc *p, struct isock *s, const struct sockaddr *sa,
    socklen_t len, bool bind)
{
	const struct sockaddr_nl *nl = (const void *)sa;
	unsigned port = 0;

	if (len < sizeof(sa_family_t))
		return -EINVAL;
	if (s->domain == AF_NETLINK) {
		if (!bind && len >= sizeof(*nl) && sa->sa_family == AF_NETLINK &&
		    (nl->nl_pid != 0 || nl->nl_groups != 0))
			return -EPERM;
		return 0;
	}
	if (!bind)
		return 0;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else if (sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6))
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	if (port != 0 && port < 1024 &&
	    !((p->cred.cap_eff >> CAP_BIT_NET_BIND_SERVICE) & 1))
		return -EACCES;
	return 0;
}

int
inet_bind(struct file *f, struct proc *p, const struct sockaddr *sa,
    socklen_t len)
{
	int r;

	if ((r = check_addr(p, f->data, sa, len, true)) < 0)
		return r;
	p->nhostcalls++;
	return bind(f->hostfd, sa, len) != 0 ? -errno : 0;
}

int
inet_connect(struct file *f, struct proc *p, const struct sockaddr *sa,
    socklen_t len)
{
	struct isock *s = f->data;
	struct timespec dl;
	socklen_t el = sizeof(int);
	int r, e;

	if ((r = check_addr(p, s, sa, len, false)) < 0)
		return r;
	p->nhostcalls++;
	if (connect(f->hostfd, sa, len) == 0)
		return 0;
	r = -errno;
	if ((r != -EINPROGRESS && r != -EALREADY) || (f->flags & O_NONBLOCK))
		return r;
	/* A blocking connect waits for the handshake (SO_SNDTIMEO bounds
	 * it: EINPROGRESS after, as Linux); a restarted one waits again. */
	if (s->sndtimeo != 0)
		deadline_of(s->sndtimeo, &dl);
	if ((r = isock_wait(f, p, POLLOUT, s->sndtimeo ? &dl : NULL)) < 0)
		return r == -EAGAIN ? -EINPROGRESS : r;
	if (getsockopt(f->hostfd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
		return -errno;
	return -e;
}

int
inet_listen(struct file *f, int backlog)
{
	return listen(f->hostfd, backlog) != 0 ? -errno : 0;
}

int
inet_accept(struct file *f, struct proc *p, int flags,
    struct sockaddr_storage *sa, socklen_t *len, struct file **nf)
{
	struct isock *s = f->data;
	struct timespec dl;
	int hfd, r;

	if (s->rcvtimeo != 0)
		deadline_of(s->rcvtimeo, &dl);
	for (;;) {
		*len = sizeof(*sa);
		p->nhostcalls++;
		if ((hfd = accept4(f->hostfd, (struct sockaddr *)sa, len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
			break;
		if (errno != EAGAIN || (f->flags & O_NONBLOCK))
			return -errno;
		if ((r = isock_wait(f, p, POLLIN, s->rcvtimeo ? &dl : NULL)) < 0)
			return r;
	}
	if (*len > sizeof(*sa))
		*len = sizeof(*sa);
	return isock_new(hfd, s->domain, s->type, s->protocol, flags, nf);
}

int
inet_shutdown(struct file *f, int how)
{
	return shutdown(f->hostfd, how) != 0 ? -errno : 0;
}

int
inet_getname(struct file *f, bool peer, struct sockaddr_storage *sa,
    socklen_t *len)
{
	int r;

	*len = sizeof(*sa);
	r = peer ? getpeername(f->hostfd, (struct sockaddr *)sa, len) :
	    getsockname(f->hostfd, (struct sockaddr *)sa, len);
	if (*len > sizeof(*sa))
		*len = sizeof(*sa);
	return r != 0 ? -errno : 0;
}

/* ---- options ---- */

/*
 * The options a guest may set or get on the host socket: what programs
 * use, and nothing that hands the host a pointer (SO_ATTACH_FILTER's
 * program, TCP_ZEROCOPY_RECEIVE), loads host modules (TCP_ULP), or
 * needs the host's privileges rather than the guest's (SO_MARK, the
 * *BUFFORCE sizes, IP_TRANSPARENT, TCP_REPAIR, IPsec policies, multicast
 * routing).  The rest is ENOPROTOOPT, as for an option Linux lacks.
 */
static bool
opt_allowed(int domain, int level, int opt)
{
	switch (level) {
	case SOL_SOCKET:
		switch (opt) {
		case SO_REUSEADDR: case SO_TYPE: case SO_ERROR:
		case SO_DONTROUTE: case SO_BROADCAST: case SO_SNDBUF:
		case SO_RCVBUF: case SO_KEEPALIVE: case SO_OOBINLINE:
		case SO_NO_CHECK: case SO_PRIORITY: case SO_LINGER:
		case SO_REUSEPORT: case SO_PASSCRED: case SO_RCVLOWAT:
		case SO_SNDLOWAT: case SO_BINDTODEVICE: case SO_TIMESTAMP:
		case SO_ACCEPTCONN: case SO_TIMESTAMPNS: case SO_TIMESTAMPING:
		case SO_PROTOCOL: case SO_DOMAIN: case SO_RXQ_OVFL:
		case SO_PEEK_OFF: case SO_BUSY_POLL: case SO_INCOMING_CPU:
		case SO_COOKIE: case SO_BINDTOIFINDEX: case 63: case 64:
		case 65: /* SO_TIMESTAMP{,NS,ING}_NEW */
			return true;
		}
		return false;
	case SOL_NETLINK:
		return domain == AF_NETLINK && opt >= NETLINK_ADD_MEMBERSHIP &&
		    opt <= 12 && opt != 6 && opt != 7; /* no mmap rings */
	case IPPROTO_TCP:
		return domain != AF_NETLINK && opt >= 1 && opt <= 40 &&
		    opt != 19 && opt != 20 && opt != 21 && opt != 22 &&
		    opt != 29 && /* TCP_REPAIR* */
		    opt != 31 && opt != 33 && opt != 35; /* ULP, FASTOPEN_KEY,
		                                          * ZEROCOPY_RECEIVE */
	case IPPROTO_UDP:
		return domain != AF_NETLINK &&
		    (opt == 1 || (opt >= 101 && opt <= 104)); /* no ENCAP */
	case IPPROTO_IP:
		return domain != AF_NETLINK && opt >= 1 && opt < 100 &&
		    opt != 16 && opt != 17 && opt != 19; /* IPsec, XFRM,
		                                          * TRANSPARENT */
	case IPPROTO_IPV6:
		return domain == AF_INET6 && opt >= 1 && opt < 100 &&
		    opt != 34 && opt != 35 && opt != 75; /* the same */
	case IPPROTO_ICMPV6:
		return domain == AF_INET6 && opt == 1; /* ICMPV6_FILTER */
	}
	return false;
}

int
inet_setopt(struct file *f, struct proc *p, int level, int opt,
    const void *val, socklen_t len)
{
	struct isock *s = f->data;

	if (!opt_allowed(s->domain, level, opt))
		return -ENOPROTOOPT;
	if (len > INET_OPTMAX)
		return -EINVAL;
	p->nhostcalls++;
	return setsockopt(f->hostfd, level, opt, val, len) != 0 ? -errno : 0;
}

int
inet_getopt(struct file *f, int level, int opt, void *val, socklen_t *len)
{
	struct isock *s = f->data;

	if (!opt_allowed(s->domain, level, opt))
		return -ENOPROTOOPT;
	if (*len > INET_OPTMAX)
		*len = INET_OPTMAX;
	return getsockopt(f->hostfd, level, opt, val, len) != 0 ? -errno : 0;
}

void
inet_timeo(struct file *f, bool snd, uint64_t *ns, bool set)
{
	struct isock *s = f->data;
	uint64_t *t = snd ? &s->sndtimeo : &s->rcvtimeo;

	if (set)
		*t = *ns;
	else
		*ns = *t;
}

/* ---- messages ---- */

/* A netlink request may only read (RTM_GET*, as Linux lets a process
 * without CAP_NET_ADMIN), unless the guest holds CAP_NET_ADMIN and the
 * network is the vkernel's own namespace. */
static int
check_netlink(struct proc *p, const void *buf, size_t len)
{
	const struct nlmsghdr *h = buf;
	size_t left = len;

	if (knet_private() && ((p->cred.cap_eff >> CAP_BIT_NET_ADMIN) & 1))
		return 0;
	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
		if (h->nlmsg_type >= RTM_BASE && (h->nlmsg_type & 3) != 2)
			return -EPERM;
	return 0;
}

/* Control messages of a send: none at SOL_SOCKET (no descriptors or
 * credentials reach the host), well-formed. */
static int
check_control(const struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL;
	    c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_len < CMSG_LEN(0) ||
		    (char *)c + c->cmsg_len >
		    (char *)mh->msg_control + mh->msg_controllen)
			return -EINVAL;
		if (c->cmsg_level == SOL_SOCKET)
			return -EINVAL;
	}
	return 0;
}

#define SEND_FLAGS (MSG_OOB | MSG_DONTROUTE | MSG_EOR | MSG_MORE | \
	MSG_CONFIRM | MSG_FASTOPEN)
#define RECV_FLAGS (MSG_OOB | MSG_PEEK | MSG_TRUNC | MSG_ERRQUEUE)

long
inet_send(struct file *f, struct proc *p, struct msghdr *mh, int flags)
{
	struct isock *s = f->data;
	struct iovec *iov = mh->msg_iov, rest = iov[0];
	bool block = !(f->flags & O_NONBLOCK) && !(flags & MSG_DONTWAIT);
	size_t total = iov[0].iov_len, done = 0;
	struct timespec dl;
	ssize_t n;
	long r;

	if (mh->msg_iovlen != 1)
		return -EINVAL;
	if (mh->msg_controllen > 0 && (r = check_control(mh)) < 0)
		return r;
	if (mh->msg_namelen > 0 && (r = check_addr(p, s, mh->msg_name,
	    mh->msg_namelen, false)) < 0)
		return r;
	if (s->domain == AF_NETLINK &&
	    (r = check_netlink(p, iov[0].iov_base, total)) < 0)
		return r;
	if (s->sndtimeo != 0)
		deadline_of(s->sndtimeo, &dl);
	mh->msg_iov = &rest;
	for (;;) {
		p->nhostcalls++;
		n = sendmsg(f->hostfd, mh, (flags & SEND_FLAGS) |
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0) {
			done += (size_t)n;
			/* A blocking stream send takes it all, as Linux. */
			if (done >= total || s->type != SOCK_STREAM || !block)
				break;
			rest.iov_base = (char *)iov[0].iov_base + done;
			rest.iov_len = total - done;
			mh->msg_control = NULL;
			mh->msg_controllen = 0;
			mh->msg_name = NULL;
			mh->msg_namelen = 0;
		} else if (errno != EAGAIN || !block) {
			r = -errno;
			break;
		}
		if ((r = isock_wait(f, p, POLLOUT, s->sndtimeo ? &dl : NULL))
		    < 0)
			break;
	}
	mh->msg_iov = iov;
	return done > 0 ? (long)done : r;
}

/* Closes any descriptor a host receive handed over (never on these
 * families; the vkernel's own descriptors must not leak if one did). */
static void
drop_rights(struct msghdr *mh)
{
	struct cmsghdr *c;
	size_t i, n;
	int fd;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
		c->cmsg_type = -1;
	}
}

long
inet_recv(struct file *f, struct proc *p, struct msghdr *mh, int flags)
{
	struct isock *s = f->data;
	struct iovec *iov = mh->msg_iov, rest = iov[0];
	bool block = !(f->flags & O_NONBLOCK) && !(flags & MSG_DONTWAIT);
	bool all = (flags & (MSG_WAITALL | MSG_PEEK)) == MSG_WAITALL &&
	    s->type == SOCK_STREAM;
	size_t total = iov[0].iov_len, done = 0, namelen = mh->msg_namelen,
	    ctllen = mh->msg_controllen;
	struct timespec dl;
	ssize_t n;
	long r = 0;

	if (mh->msg_iovlen != 1)
		return -EINVAL;
	if (s->rcvtimeo != 0)
		deadline_of(s->rcvtimeo, &dl);
	mh->msg_iov = &rest;
	for (;;) {
		mh->msg_namelen = (socklen_t)namelen;
		mh->msg_controllen = ctllen;
		p->nhostcalls++;
		n = recvmsg(f->hostfd, mh, (flags & RECV_FLAGS) | MSG_DONTWAIT |
		    MSG_CMSG_CLOEXEC);
		if (n >= 0) {
			drop_rights(mh);
			done += (size_t)n;
			if (n == 0 || !all || done >= total)
				break;
			rest.iov_base = (char *)iov[0].iov_base + done;
			rest.iov_len = total - done;
		} else if (errno != EAGAIN || !block) {
			r = -errno;
			break;
		}
		if ((r = isock_wait(f, p, flags & MSG_ERRQUEUE ? POLLERR :
		    POLLIN, s->rcvtimeo ? &dl : NULL)) < 0)
			break;
	}
	mh->msg_iov = iov;
	if (done == 0 && r < 0) {
		mh->msg_namelen = 0;
		mh->msg_controllen = 0;
		return r;
	}
	return (long)done;
}

/* ---- interfaces ---- */

bool
inet_ifreq(unsigned long req)
{
	switch (req) {
	case SIOCGIFNAME: case SIOCGIFFLAGS: case SIOCGIFADDR:
	case SIOCGIFDSTADDR: case SIOCGIFBRDADDR: case SIOCGIFNETMASK:
	case SIOCGIFMETRIC: case SIOCGIFMTU: case SIOCGIFHWADDR:
	case SIOCGIFINDEX: case SIOCGIFTXQLEN: case SIOCGIFCONF:
		return true;
	}
	return false;
}

/* The request made on f's host socket, or on a datagram socket made
 * in the guest network for it (f is a Unix-domain socket: Linux answers
 * interface requests on a socket of any family, and glibc asks on
 * AF_UNIX first): 0 or -errno. */
static int
if_ioctl(struct file *f, struct proc *p, unsigned long req, void *arg)
{
	int fd = inet_is(f) ? f->hostfd :
	    knet_socket(AF_INET, SOCK_DGRAM, 0), r;

	if (fd < 0)
		return fd;
	p->nhostcalls++;
	r = ioctl(fd, req, arg) != 0 ? -errno : 0;
	if (!inet_is(f))
		close(fd);
	return r;
}

int
inet_ifioctl(struct file *f, struct proc *p, unsigned long req, void *arg)
{
	if (!inet_ifreq(req) || req == SIOCGIFCONF)
		return -ENOTTY;
	return if_ioctl(f, p, req, arg);
}

int
inet_ifconf(struct file *f, struct proc *p, void *buf, int *len)
{
	struct ifconf ic = { .ifc_len = *len, .ifc_buf = buf };
	int r;

	if ((r = if_ioctl(f, p, SIOCGIFCONF, &ic)) < 0)
		return r;
	*len = ic.ifc_len;
	return 0;
}

/* ---- the file ---- */

static long
isock_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct iovec iov = { buf, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	return inet_recv(f, p, &mh, 0);
}

static long
isock_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	struct iovec iov = { (void *)buf, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	return inet_send(f, p, &mh, 0);
}

static int
isock_poll(struct file *f)
{
	struct pollfd pf = { .fd = f->hostfd, .events = POLLIN | POLLOUT |
	    POLLRDHUP | POLLPRI };

	return poll(&pf, 1, 0) < 0 ? POLLERR : pf.revents;
}

static int
isock_stat(struct file *f, struct stat *st)
{
	struct stat hst;

	if (fstat(f->hostfd, &hst) != 0)
		return -errno;
	file_pseudo_stat(st, S_IFSOCK | 0777, hst.st_ino, 0x8);
	return 0;
}

/* FIONREAD (SIOCINQ), SIOCOUTQ and SIOCATMARK: an int out. */
static long
isock_ioctl(struct file *f, struct proc *p, unsigned long req, void *arg,
    size_t *arglen)
{
	if (req != FIONREAD && req != SIOCOUTQ && req != SIOCATMARK)
		return -ENOTTY;
	p->nhostcalls++;
	if (ioctl(f->hostfd, req, arg) != 0)
		return -errno;
	*arglen = sizeof(int);
	return 0;
}

static void
isock_close(struct file *f)
{
	close(f->hostfd);
	kmem_free(f->data, sizeof(struct isock));
}

static const struct fileops isock_ops = {
	.kind = "socket",
	.read = isock_read,
	.write = isock_write,
	.poll = isock_poll,
	.stat = isock_stat,
	.ioctl = isock_ioctl,
	.close = isock_close,
};
