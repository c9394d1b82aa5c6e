/* knet.c: the guest network: a socket factory process in a network namespace of the vkernel's own (-I none, user), or the host's network (-I host). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "knet.h"

/*
 * The factory protocol, over a SOCK_SEQPACKET pair: the vkernel sends a
 * struct knet_req, the factory answers with a struct knet_rep and, when
 * err is 0, the socket as an SCM_RIGHTS descriptor.  Requests are
 * answered in order, one at a time; the vkernel makes them under its big
 * lock, so there is never more than one outstanding.
 */
struct knet_req {
	int domain, type, protocol;
};

struct knet_rep {
	int err; /* 0 or an errno */
};

static enum knet_mode mode = KNET_HOST;
static int chan = -1;            /* the vkernel's end of the pair */
static pid_t factory = -1, pasta = -1;
static int init_err;             /* knet_init's failure, or 0 */

/* ---- the factory (its own process) ---- */

static int
write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

/* A new network namespace for this process: directly where it may (the
 * vkernel runs as root), else inside a new user namespace mapping its
 * own ids.  0 or -errno. */
static int
enter_netns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWNET) == 0)
		return 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
		return -errno;
	(void)write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) != 0)
		return -EPERM;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) != 0)
		return -EPERM;
	return 0;
}

/* lo up, and the namespace's sysctls as a guest expects of its own
 * machine: any port bindable (the vkernel checks the guest's
 * CAP_NET_BIND_SERVICE itself), ping sockets for every group. */
static int
setup_netns(void)
{
	struct ifreq ifr;
	int s, r = 0;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		r = -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (r == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		r = -errno;
	close(s);
	(void)write_file("/proc/sys/net/ipv4/ip_unprivileged_port_start",
	    "0");
	(void)write_file("/proc/sys/net/ipv4/ping_group_range",
	    "0 2147483647");
	return r;
}

/* Gives up every capability: the sockets made here then carry no
 * privilege (a netlink request that changes the network is EPERM for
 * them as for any unprivileged process, whatever guest asks), and pasta,
 * which keeps a few capabilities only, may join this namespace (Linux
 * refuses to let a process see into one with capabilities it lacks). */
static int
drop_caps(void)
{
	struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
	struct { uint32_t eff, prm, inh; } data[2];

	memset(data, 0, sizeof(data));
	(void)prctl(PR_SET_KEEPCAPS, 0);
	return syscall(SYS_capset, &hdr, data) == 0 ? 0 : -errno;
}

static void
send_rep(int fd, int err, int sock)
{
	struct knet_rep rep = { err };
	struct iovec iov = { &rep, sizeof(rep) };
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (sock >= 0) {
		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &sock, sizeof(int));
	}
	(void)sendmsg(fd, &mh, MSG_NOSIGNAL);
}

/* The factory's life: set up, say how (the first reply), then make
 * sockets until the vkernel's end closes.  Never returns. */
static void __attribute__((noreturn))
factory_main(int fd, pid_t parent)
{
	struct knet_req req;
	ssize_t n;
	int r, s;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	signal(SIGPIPE, SIG_IGN);
	/* Nothing of the vkernel's but the channel: its guest memory, its
	 * root and KVM descriptors stay out of this process. */
	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		fd = 3;
	}
	(void)syscall(SYS_close_range, 4U, ~0U, 0U);
	if ((r = enter_netns()) == 0 && (r = setup_netns()) == 0)
		r = drop_caps();
	send_rep(fd, -r, -1);
	if (r != 0)
		_exit(0);
	for (;;) {
		n = recv(fd, &req, sizeof(req), 0);
		if (n == 0 || (n < 0 && errno != EINTR))
			_exit(0);
		if (n != (ssize_t)sizeof(req)) {
			send_rep(fd, EINVAL, -1);
			continue;
		}
		s = socket(req.domain, req.type | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    req.protocol);
		send_rep(fd, s < 0 ? errno : 0, s);
		if (s >= 0)
			close(s);
	}
}

/* ---- the vkernel's side ---- */

/* One reply from the factory: its err, *sock the descriptor sent with
 * it or -1 (a socket's reply with err 0 always has one: else EIO). */
static int
recv_rep(int *sock, bool want)
{
	struct knet_rep rep;
	struct iovec iov = { &rep, sizeof(rep) };
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	ssize_t n;

	*sock = -1;
	do
		n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(rep))
		return n < 0 ? errno : EIO;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(sock, CMSG_DATA(c), sizeof(int));
	if (rep.err == 0 && want && *sock < 0)
		return EIO;
	return rep.err;
}

/* pasta (-I user) attached to the factory's namespace: outbound TCP/UDP
 * and DNS, no host port forwarded.  0 or -errno with why. */
static int
start_pasta(char *why, size_t whylen)
{
	char ns[40], runas[32];
	int st;

	snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)factory);
	/* As root, pasta would become nobody, who may not join a
	 * namespace of root's: it stays the vkernel's user instead (the
	 * capabilities it keeps are its own choice). */
	snprintf(runas, sizeof(runas), "%u:%u", (unsigned)geteuid(),
	    (unsigned)getegid());
	if ((pasta = fork()) < 0)
		return -errno;
	if (pasta == 0) {
		sigset_t none;

		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		(void)syscall(SYS_close_range, 3U, ~0U, 0U);
		/* pasta refuses to start with SIGPIPE ignored, as the
		 * vkernel has it: exec keeps an ignored signal so. */
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execlp("pasta", "pasta", "--config-net", "--quiet", "--runas",
		    runas,
		    "--foreground", "-t", "none", "-u", "none", "-T", "none",
		    "-U", "none", "--netns", ns, (char *)NULL);
		_exit(127);
	}
	/* pasta --foreground stays; a quick death is a failure to start. */
	usleep(200000);
	if (waitpid(pasta, &st, WNOHANG) == pasta) {
		pasta = -1;
		snprintf(why, whylen, "-I user: pasta (Debian's passt) %s",
		    WIFEXITED(st) && WEXITSTATUS(st) == 127 ?
		    "is not installed" : "could not attach to the guest "
		    "network");
		return -ENOENT;
	}
	return 0;
}

int
knet_init(enum knet_mode m, char *why, size_t whylen)
{
	int sv[2], s, r;
	pid_t parent = getpid();

	mode = m;
	if (m == KNET_HOST)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		init_err = errno;
		snprintf(why, whylen, "guest network: socketpair: %s",
		    strerror(errno));
		return -init_err;
	}
	if ((factory = fork()) < 0) {
		init_err = errno;
		close(sv[0]);
		close(sv[1]);
		snprintf(why, whylen, "guest network: fork: %s",
		    strerror(init_err));
		return -init_err;
	}
	if (factory == 0) {
		close(sv[0]);
		factory_main(sv[1], parent);
	}
	close(sv[1]);
	chan = sv[0];
	if ((r = recv_rep(&s, false)) != 0) {
		init_err = r;
		snprintf(why, whylen, "guest network: the host refuses a "
		    "network namespace (%s): AF_INET and AF_INET6 sockets are "
		    "refused (EACCES); -I host shares the host's network",
		    strerror(r));
		knet_fini();
		return -r;
	}
	if (m == KNET_USER && (r = start_pasta(why, whylen)) != 0) {
		init_err = -r;
		knet_fini();
		return r;
	}
	return 0;
}

const char *
knet_describe(void)
{
	if (init_err != 0)
		return "none (no network namespace: AF_INET refused)";
	switch (mode) {
	case KNET_HOST:
		return "host (the host's network)";
	case KNET_USER:
		return "user (a namespace of its own, outbound through pasta)";
	default:
		return "none (a namespace of its own, loopback only)";
	}
}

int
knet_socket(int domain, int type, int protocol)
{
	struct knet_req req = { domain, type, protocol };
	int s, r;

	if (mode == KNET_HOST) {
		s = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    protocol);
		return s < 0 ? -errno : s;
	}
	if (init_err != 0 || chan < 0)
		return -EACCES;
	if (send(chan, &req, sizeof(req), MSG_NOSIGNAL) != sizeof(req))
		return -EIO;
	return (r = recv_rep(&s, true)) != 0 ? -r : s;
}

bool
knet_private(void)
{
	return mode != KNET_HOST && init_err == 0 && chan >= 0;
}

void
knet_fini(void)
{
	if (chan >= 0) {
		close(chan);
		chan = -1;
	}
	if (pasta > 0) {
		kill(pasta, SIGTERM);
		waitpid(pasta, NULL, 0);
		pasta = -1;
	}
	if (factory > 0) {
		waitpid(factory, NULL, 0);
		factory = -1;
	}
}
