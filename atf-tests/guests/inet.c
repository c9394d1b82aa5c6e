/* inet.c: network sockets as Linux defines them, on loopback: TCP and UDP over IPv4 and IPv6 between processes, non-blocking calls and readiness, timeouts, options, netlink route dumps (getifaddrs), name lookup of localhost; and what a guest may not ask of the host. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vk_check.h"

/* Linux's netlink and socket-filter ABI (<linux/...> is not in musl's
 * include path). */
struct nlmsghdr {
	unsigned nlmsg_len;
	unsigned short nlmsg_type, nlmsg_flags;
	unsigned nlmsg_seq, nlmsg_pid;
};
struct nlmsgerr {
	int error;
	struct nlmsghdr msg;
};
struct sockaddr_nl {
	sa_family_t nl_family;
	unsigned short nl_pad;
	unsigned nl_pid, nl_groups;
};
struct ifinfomsg {
	unsigned char ifi_family, pad;
	unsigned short ifi_type;
	int ifi_index;
	unsigned ifi_flags, ifi_change;
};
struct sock_filter {
	unsigned short code;
	unsigned char jt, jf;
	unsigned k;
};
struct sock_fprog {
	unsigned short len;
	struct sock_filter *filter;
};
#define NETLINK_ROUTE 0
#define NETLINK_AUDIT 9
#define NLM_F_REQUEST 1
#define NLM_F_ACK 4
#define NLM_F_DUMP 0x300
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define NLMSG_ALIGN(n) (((n) + 3U) & ~3U)
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_ALIGN(sizeof(struct nlmsghdr))))
#define NLMSG_OK(h, n) ((n) >= (int)sizeof(struct nlmsghdr) && \
	(h)->nlmsg_len >= sizeof(struct nlmsghdr) && (h)->nlmsg_len <= (unsigned)(n))
#define NLMSG_NEXT(h, n) ((n) -= NLMSG_ALIGN((h)->nlmsg_len), \
	(struct nlmsghdr *)((char *)(h) + NLMSG_ALIGN((h)->nlmsg_len)))
#ifndef SO_ATTACH_FILTER
#define SO_ATTACH_FILTER 26
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif


/* A listener on the loopback address of family af, any port: its
 * descriptor, its address in *sa. */
static int
listener(int af, struct sockaddr_storage *sa, socklen_t *len)
{
	int s = socket(af, SOCK_STREAM, 0), on = 1;

	memset(sa, 0, sizeof(*sa));
	if (af == AF_INET) {
		struct sockaddr_in *in = (void *)sa;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)sa;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		*len = sizeof(*in6);
	}
	CHECK(s >= 0, "socket %d", af);
	CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0,
	    "SO_REUSEADDR");
	CHECK(bind(s, (struct sockaddr *)sa, *len) == 0, "bind loopback");
	CHECK(listen(s, 8) == 0, "listen");
	CHECK(getsockname(s, (struct sockaddr *)sa, len) == 0, "getsockname");
	return s;
}

/* TCP between a parent and a child, both directions, 1 MiB each way
 * (MSG_WAITALL, writers waiting for room), then EOF. */
static void
tcp(int af)
{
	struct sockaddr_storage sa, peer;
	socklen_t len, plen = sizeof(peer);
	static char buf[1 << 20];
	int s = listener(af, &sa, &len), c, st, v;
	socklen_t vl = sizeof(v);
	pid_t pid;
	ssize_t n;
	size_t i;

	pid = fork();
	if (pid == 0) {
		c = socket(af, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&sa, len) != 0)
			_exit(10);
		memset(buf, 'c', sizeof(buf));
		/* in two halves, a pause between: MSG_WAITALL waits on */
		if (send(c, buf, sizeof(buf) / 2, 0) != (ssize_t)sizeof(buf) / 2)
			_exit(11);
		usleep(200000);
		if (send(c, buf, sizeof(buf) / 2, 0) != (ssize_t)sizeof(buf) / 2)
			_exit(11);
		if (recv(c, buf, sizeof(buf), MSG_WAITALL) !=
		    (ssize_t)sizeof(buf) || buf[sizeof(buf) - 1] != 'p')
			_exit(12);
		shutdown(c, SHUT_WR);
		if (recv(c, buf, 1, 0) != 0)
			_exit(13);
		_exit(0);
	}
	c = accept4(s, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	CHECK(c >= 0, "accept4");
	CHECK(peer.ss_family == af, "accept's peer family");
	CHECK(fcntl(c, F_GETFD) == FD_CLOEXEC, "SOCK_CLOEXEC");
	CHECK(getsockopt(c, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 &&
	    v == SOCK_STREAM, "SO_TYPE");
	v = 1;
	CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) == 0,
	    "TCP_NODELAY");
	n = recv(c, buf, sizeof(buf), MSG_WAITALL);
	CHECK(n == (ssize_t)sizeof(buf), "MSG_WAITALL 1 MiB: %zd", n);
	for (i = 0; i < sizeof(buf) && buf[i] == 'c'; i++)
		;
	CHECK(i == sizeof(buf), "the bytes sent");
	memset(buf, 'p', sizeof(buf));
	CHECK(write(c, buf, sizeof(buf)) == (ssize_t)sizeof(buf),
	    "a blocking write of 1 MiB is whole");
	CHECK(read(c, buf, 1) == 0, "EOF after the peer's shutdown");
	close(c);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "the child's side: %d", WEXITSTATUS(st));
	close(s);
}

/* recvmmsg's timeout, as Linux: looked at after each datagram, what is
 * left written back; a bad one EINVAL. */
static void
mmsg(int u, int v)
{
	struct mmsghdr mm[4];
	struct iovec iov[4];
	char bufs[4][16];
	struct timespec ts = { 0, 0 };
	int i;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < 4; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	for (i = 0; i < 3; i++)
		CHECK(send(v, "abc", 3, 0) == 3, "send %d", i);
	usleep(50000);
	CHECK(recvmmsg(u, mm, 4, 0, &ts) == 1 && mm[0].msg_len == 3,
	    "recvmmsg with a timeout of 0: one datagram");
	ts.tv_sec = 5;
	CHECK(recvmmsg(u, mm, 2, 0, &ts) == 2 && mm[1].msg_len == 3,
	    "recvmmsg: the other two");
	CHECK(ts.tv_sec <= 5 && (ts.tv_sec < 5 || ts.tv_nsec == 0) &&
	    ts.tv_sec >= 3, "what is left of the timeout: %ld.%09ld",
	    (long)ts.tv_sec, ts.tv_nsec);
	ts.tv_nsec = 1000000000;
	CHECK(recvmmsg(u, mm, 2, MSG_DONTWAIT, &ts) == -1 && errno == EINVAL,
	    "a bad timeout: EINVAL");
}

/* UDP: sendto/recvfrom with the sender's address, recvmsg's name,
 * MSG_PEEK, MSG_TRUNC, connect, FIONREAD, a receive timeout. */
static void
udp(int af)
{
	struct sockaddr_storage a, b, from;
	socklen_t alen, blen, flen = sizeof(from);
	struct timeval tv = { 0, 200000 };
	char buf[64];
	struct iovec iov = { buf, 4 };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
	    .msg_iov = &iov, .msg_iovlen = 1 };
	int u = socket(af, SOCK_DGRAM, 0), v = socket(af, SOCK_DGRAM, 0), k;
	double t0;

	memset(&a, 0, sizeof(a));
	a.ss_family = af;
	if (af == AF_INET)
		((struct sockaddr_in *)&a)->sin_addr.s_addr =
		    htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&a)->sin6_addr = in6addr_loopback;
	alen = af == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	blen = alen;
	b = a;
	CHECK(bind(u, (struct sockaddr *)&a, alen) == 0, "udp bind");
	CHECK(bind(v, (struct sockaddr *)&b, blen) == 0, "udp bind 2");
	CHECK(getsockname(u, (struct sockaddr *)&a, &alen) == 0 &&
	    getsockname(v, (struct sockaddr *)&b, &blen) == 0, "names");
	CHECK(sendto(v, "hello", 5, 0, (struct sockaddr *)&a, alen) == 5,
	    "sendto");
	CHECK(recv(u, buf, sizeof(buf), MSG_PEEK) == 5, "MSG_PEEK");
	CHECK(ioctl(u, FIONREAD, &k) == 0 && k == 5, "FIONREAD %d", k);
	CHECK(recvmsg(u, &mh, 0) == 4 && (mh.msg_flags & MSG_TRUNC) &&
	    memcmp(buf, "hell", 4) == 0, "recvmsg cut: MSG_TRUNC");
	CHECK(mh.msg_namelen == blen && memcmp(&from, &b, blen) == 0,
	    "recvmsg's name is the sender's");
	CHECK(sendto(v, "world!", 6, 0, (struct sockaddr *)&a, alen) == 6,
	    "sendto 2");
	CHECK(recv(u, buf, 2, MSG_TRUNC) == 6, "MSG_TRUNC gives the length");
	CHECK(connect(v, (struct sockaddr *)&a, alen) == 0, "udp connect");
	CHECK(send(v, "xyz", 3, 0) == 3, "send connected");
	CHECK(recvfrom(u, buf, sizeof(buf), 0, (struct sockaddr *)&from,
	    &flen) == 3 && flen == blen, "recvfrom");
	CHECK(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0,
	    "SO_RCVTIMEO");
	t0 = now();
	CHECK(recv(u, buf, sizeof(buf), 0) == -1 && errno == EAGAIN,
	    "a receive times out: EAGAIN");
	CHECK(now() - t0 >= 0.15 && now() - t0 < 5, "after the timeout");
	flen = sizeof(tv);
	CHECK(getsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv, &flen) == 0 &&
	    tv.tv_sec == 0 && tv.tv_usec == 200000, "SO_RCVTIMEO read back");
	CHECK(recv(u, buf, sizeof(buf), MSG_DONTWAIT) == -1 &&
	    errno == EAGAIN, "MSG_DONTWAIT");
	mmsg(u, v);
	close(u);
	close(v);
}

/* Non-blocking connect, accept and readiness: poll and epoll on a
 * listener and a connection, ECONNREFUSED, EPIPE with SIGPIPE ignored,
 * fstat and the /proc fd link. */
static void
nonblock(void)
{
	struct sockaddr_storage sa;
	struct epoll_event ev = { .events = EPOLLIN }, out;
	socklen_t len, el = sizeof(int);
	struct pollfd pf;
	char buf[16], path[64], link[64];
	struct stat st;
	int s = listener(AF_INET, &sa, &len), c, a, ep, e = -1, r;

	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(fcntl(s, F_SETFL, O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK");
	CHECK(accept(s, NULL, NULL) == -1 && errno == EAGAIN,
	    "non-blocking accept: EAGAIN");
	ep = epoll_create1(0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0, "epoll_ctl listener");
	r = connect(c, (struct sockaddr *)&sa, len);
	CHECK(r == 0 || errno == EINPROGRESS, "non-blocking connect");
	pf.fd = c;
	pf.events = POLLOUT;
	CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLOUT), "POLLOUT");
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0,
	    "SO_ERROR 0");
	CHECK(epoll_wait(ep, &out, 1, 5000) == 1 && out.data.u64 == 0,
	    "epoll: the listener is readable");
	a = accept(s, NULL, NULL);
	CHECK(a >= 0, "accept after epoll");
	CHECK(fstat(a, &st) == 0 && S_ISSOCK(st.st_mode), "fstat S_IFSOCK");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", a);
	r = (int)readlink(path, link, sizeof(link) - 1);
	CHECK(r > 8 && strncmp(link, "socket:[", 8) == 0, "fd link");
	CHECK(recv(a, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN,
	    "nothing yet: EAGAIN");
	CHECK(write(c, "ping", 4) == 4, "write");
	pf.fd = a;
	pf.events = POLLIN;
	CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLIN), "POLLIN");
	CHECK(read(a, buf, sizeof(buf)) == 4, "read");
	close(a);
	signal(SIGPIPE, SIG_IGN);
	for (r = 0; r < 100 && (write(c, "x", 1) == 1 || errno == EAGAIN);
	    r++)
		usleep(10000);
	CHECK(errno == EPIPE || errno == ECONNRESET,
	    "writing to a closed connection: EPIPE or ECONNRESET");
	signal(SIGPIPE, SIG_DFL);
	close(c);
	close(ep);
	close(s);
	/* Nothing listens at the listener's port now. */
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&sa, len) == -1 &&
	    errno == ECONNREFUSED, "ECONNREFUSED");
	close(c);
}

/* An RTM_GETLINK dump over netlink names lo; getifaddrs (glibc and musl
 * both ask netlink) gives lo with 127.0.0.1; localhost resolves. */
static void
netlink_names(void)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req;
	static char buf[65536];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct ifaddrs *ifa, *i;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct nlmsghdr *h;
	bool lo = false, done = false, lo4 = false;
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int n;

	CHECK(s >= 0, "netlink socket");
	CHECK(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "nl bind");
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = RTM_GETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.i.ifi_family = AF_UNSPEC;
	CHECK(send(s, &req, sizeof(req), 0) == (ssize_t)sizeof(req),
	    "RTM_GETLINK");
	while (!done && (n = (int)recv(s, buf, sizeof(buf), 0)) > 0) {
		for (h = (void *)buf; NLMSG_OK(h, (int)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == RTM_NEWLINK) {
				struct ifinfomsg *ii = NLMSG_DATA(h);
				char name[IF_NAMESIZE];

				if (if_indextoname((unsigned)ii->ifi_index,
				    name) != NULL && strcmp(name, "lo") == 0)
					lo = true;
			}
		}
	}
	CHECK(done && lo, "the dump names lo");
	close(s);
	CHECK(getifaddrs(&ifa) == 0, "getifaddrs");
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (strcmp(i->ifa_name, "lo") == 0 && i->ifa_addr != NULL &&
		    i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr ==
		    htonl(INADDR_LOOPBACK))
			lo4 = true;
	CHECK(lo4, "getifaddrs: lo has 127.0.0.1");
	freeifaddrs(ifa);
	CHECK(if_nametoindex("lo") > 0, "if_nametoindex lo");
	hints.ai_family = AF_INET;
	CHECK(getaddrinfo("localhost", "80", &hints, &ai) == 0 &&
	    ((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr ==
	    htonl(INADDR_LOOPBACK), "getaddrinfo localhost");
	freeaddrinfo(ai);
}

/* What an unprivileged process may not do, natively too: a port below
 * 1024, a netlink request that changes the network. */
static void
unprivileged(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(80),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req;
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} ack;
	pid_t pid = fork();
	int s, st;

	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(20);
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (bind(s, (struct sockaddr *)&in, sizeof(in)) != -1 ||
		    errno != EACCES)
			_exit(21);
		s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
		memset(&req, 0, sizeof(req));
		req.h.nlmsg_len = sizeof(req);
		req.h.nlmsg_type = RTM_NEWLINK;
		req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		req.i.ifi_index = (int)if_nametoindex("lo");
		req.i.ifi_change = IFF_UP;
		if (send(s, &req, sizeof(req), 0) == (ssize_t)sizeof(req)) {
			/* Linux answers with an error ack */
			if (recv(s, &ack, sizeof(ack), 0) < 0 ||
			    ack.h.nlmsg_type != NLMSG_ERROR ||
			    ack.e.error != -EPERM)
				_exit(22);
		} else if (errno != EPERM)
			_exit(23);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "unprivileged: %d", WEXITSTATUS(st));
}

/* Under vkernel only: what no guest may ask of the host socket, though
 * a root process could natively. */
static void
contain(void)
{
	struct sock_filter code[] = { { 0x06, 0, 0, 0 } }; /* ret 0 */
	struct sock_fprog prog = { 1, code };
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = 1 };
	int s = socket(AF_INET, SOCK_DGRAM, 0), v = 1;

	CHECK(setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) == -1 && errno == ENOPROTOOPT,
	    "SO_ATTACH_FILTER (a pointer for the host): ENOPROTOOPT");
	CHECK(setsockopt(s, SOL_SOCKET, SO_MARK, &v, sizeof(v)) == -1 &&
	    errno == ENOPROTOOPT, "SO_MARK: ENOPROTOOPT");
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, 100000) == -1 &&
	    errno == EINVAL, "an option of 100000 bytes: EINVAL");
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_ULP, "tls", 3) == -1 &&
	    errno == ENOPROTOOPT, "TCP_ULP: ENOPROTOOPT");
	close(s);
	CHECK(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) == -1 && errno == EPERM,
	    "raw IP: EPERM");
	CHECK(socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT) == -1 &&
	    errno == EPROTONOSUPPORT, "netlink audit: EPROTONOSUPPORT");
	CHECK(socket(AF_PACKET, SOCK_RAW, 0) == -1 && errno == EAFNOSUPPORT,
	    "AF_PACKET: EAFNOSUPPORT");
	s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	CHECK(sendto(s, "xxxxxxxxxxxxxxxx", 16, 0, (struct sockaddr *)&to,
	    sizeof(to)) == -1 && errno == EPERM,
	    "netlink to another port: EPERM");
	CHECK(sendto(s, "x", 1, 0, (struct sockaddr *)&to, 1 << 20) == -1 &&
	    errno == EINVAL, "a huge address length: EINVAL");
	CHECK(sendto(s, "x", 1, 0, (void *)8, sizeof(to)) == -1 &&
	    errno == EFAULT, "a bad address: EFAULT");
	close(s);
}

/* Opens datagram sockets until refused: prints how many and why. */
static int
hoard(void)
{
	struct rlimit rl;
	int n = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	while (socket(AF_INET, SOCK_DGRAM, 0) >= 0)
		n++;
	printf("%d sockets, then %s\n", n, errno == ENOBUFS ? "ENOBUFS" :
	    errno == EMFILE ? "EMFILE" : errno == ENFILE ? "ENFILE" :
	    strerror(errno));
	return 0;
}

/* connect to addr (127.0.0.1 if NULL) at port: prints what happened
 * (the test compares the guest's network with the host's). */
static int
probe(int port, const char *addr)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
	    .sin_port = htons((unsigned short)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (addr != NULL && inet_pton(AF_INET, addr, &in.sin_addr) != 1) {
		printf("bad address %s\n", addr);
		return 2;
	}

	if (s < 0) {
		printf("socket: %s\n", strerror(errno));
		return 1;
	}
	if (connect(s, (struct sockaddr *)&in, sizeof(in)) != 0) {
		printf("connect: %s\n", strerror(errno));
		return 1;
	}
	printf("connected\n");
	return 0;
}

/* Listens on 127.0.0.1:port for seconds, then says whether anyone came. */
static int
serve(int port, int seconds)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
	    .sin_port = htons((unsigned short)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct pollfd pf;
	int s = socket(AF_INET, SOCK_STREAM, 0), on = 1;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(s, (struct sockaddr *)&in, sizeof(in)) != 0 ||
	    listen(s, 1) != 0) {
		printf("listen: %s\n", strerror(errno));
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	pf.fd = s;
	pf.events = POLLIN;
	if (poll(&pf, 1, seconds * 1000) != 1) {
		printf("alone\n");
		return 0;
	}
	/* accepted and closed with a FIN, never reset with the listener */
	close(accept(s, NULL, NULL));
	printf("visited\n");
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: inet all|tcp|udp|nonblock|names|unpriv|"
		    "contain | hoard | probe PORT [ADDR] | serve PORT SECONDS\n");
		return 2;
	}
	if (strcmp(argv[1], "hoard") == 0)
		return hoard();
	if (strcmp(argv[1], "probe") == 0 && argc > 2)
		return probe(atoi(argv[2]), argc > 3 ? argv[3] : NULL);
	if (strcmp(argv[1], "serve") == 0 && argc > 3)
		return serve(atoi(argv[2]), atoi(argv[3]));
	if (strcmp(argv[1], "tcp") == 0 || strcmp(argv[1], "all") == 0) {
		tcp(AF_INET);
		tcp(AF_INET6);
	}
	if (strcmp(argv[1], "udp") == 0 || strcmp(argv[1], "all") == 0) {
		udp(AF_INET);
		udp(AF_INET6);
	}
	if (strcmp(argv[1], "nonblock") == 0 || strcmp(argv[1], "all") == 0)
		nonblock();
	if (strcmp(argv[1], "names") == 0 || strcmp(argv[1], "all") == 0)
		netlink_names();
	if (strcmp(argv[1], "unpriv") == 0 || strcmp(argv[1], "all") == 0)
		unprivileged();
	if (strcmp(argv[1], "contain") == 0)
		contain();
	return check_report("inet");
}
