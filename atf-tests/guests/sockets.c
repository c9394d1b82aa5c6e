/* sockets.c: Unix-domain sockets as Linux defines them: socketpair types, record boundaries, names, connections between processes, rights and credentials, EPIPE, non-blocking calls, poll, shutdown. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int checks, failures;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL line %d: ", __LINE__);			\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", errno, strerror(errno));	\
	}								\
} while (0)

static void
pair_stream(void)
{
	char buf[64], link[64], path[64];
	struct stat st;
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int sv[2], v = 0, n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(write(sv[0], "abc", 3) == 3 && write(sv[0], "def", 3) == 3,
	    "two writes");
	CHECK(recv(sv[1], buf, 2, MSG_PEEK) == 2 && memcmp(buf, "ab", 2) == 0,
	    "peek");
	CHECK(read(sv[1], buf, sizeof(buf)) == 6 &&
	    memcmp(buf, "abcdef", 6) == 0, "a stream joins writes");
	CHECK(recv(sv[1], buf, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN,
	    "MSG_DONTWAIT on empty: EAGAIN");
	CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode), "fstat S_IFSOCK");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", sv[0]);
	n = (int)readlink(path, link, sizeof(link) - 1);
	CHECK(n > 8 && strncmp(link, "socket:[", 8) == 0, "fd link socket:[");
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 &&
	    uc.pid == getpid() && uc.uid == geteuid(), "SO_PEERCRED pair");
	len = sizeof(v);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 &&
	    v == SOCK_STREAM, "SO_TYPE");
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 &&
	    v == AF_UNIX, "SO_DOMAIN");
	v = 10000;
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == 0 &&
	    getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &len) == 0 &&
	    v == 20000, "SO_RCVBUF doubled: %d", v);
	CHECK(getsockopt(sv[0], SOL_SOCKET, 12345, &v, &len) == -1 &&
	    errno == ENOPROTOOPT, "unknown option");
	/* shutdown: the peer reads EOF, our writes fail EPIPE */
	CHECK(shutdown(sv[0], SHUT_WR) == 0, "shutdown");
	CHECK(read(sv[1], buf, 1) == 0, "EOF after SHUT_WR");
	CHECK(send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE,
	    "send after SHUT_WR: EPIPE");
	CHECK(write(sv[1], "y", 1) == 1 && read(sv[0], buf, 1) == 1,
	    "the other way still works");
	close(sv[0]);
	CHECK(send(sv[1], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE,
	    "send to closed peer: EPIPE");
	CHECK(read(sv[1], buf, 1) == 0, "EOF from closed peer");
	close(sv[1]);
}

static void
pair_records(int type)
{
	static char big[1 << 20], back[1 << 20];
	char buf[64];
	struct msghdr mh;
	struct iovec iov = { buf, 3 };
	int sv[2];

	CHECK(socketpair(AF_UNIX, type, 0, sv) == 0, "socketpair %d", type);
	CHECK(send(sv[0], "hello", 5, 0) == 5 && send(sv[0], "world!", 6, 0)
	    == 6 && send(sv[0], "", 0, 0) == 0, "three records");
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	CHECK(recvmsg(sv[1], &mh, 0) == 3 && (mh.msg_flags & MSG_TRUNC) &&
	    memcmp(buf, "hel", 3) == 0, "truncated record: MSG_TRUNC");
	CHECK(recv(sv[1], buf, 2, MSG_TRUNC) == 6, "MSG_TRUNC: full length");
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 0, "empty record");
	CHECK(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) == -1 &&
	    errno == EAGAIN, "no more records");
	memset(big, 'b', sizeof(big));
	CHECK(write(sv[0], big, 100000) == 100000 &&
	    read(sv[1], back, sizeof(back)) == 100000,
	    "a 100000-byte record whole through write and read");
	CHECK(send(sv[0], big, 150000, 0) == 150000 &&
	    recv(sv[1], back, sizeof(back), 0) == 150000,
	    "a 150000-byte record whole through send and recv");
	CHECK(write(sv[0], big, sizeof(big)) == -1 && errno == EMSGSIZE,
	    "a record past SO_SNDBUF: EMSGSIZE");
	close(sv[0]);
	if (type == SOCK_SEQPACKET)
		CHECK(recv(sv[1], buf, sizeof(buf), 0) == 0, "seqpacket EOF");
	else
		CHECK(send(sv[1], "x", 1, 0) == -1 && errno == ECONNREFUSED,
		    "dgram to closed peer: ECONNREFUSED");
	close(sv[1]);
}

static void
nonblock_poll(void)
{
	struct pollfd pfd[2];
	char buf[4096];
	int sv[2], i, n = 0;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0,
	    "socketpair nonblock");
	pfd[0] = (struct pollfd){ sv[0], POLLIN | POLLOUT, 0 };
	pfd[1] = (struct pollfd){ sv[1], POLLIN, 0 };
	CHECK(poll(pfd, 2, 0) == 1 && pfd[0].revents == POLLOUT &&
	    pfd[1].revents == 0, "poll: writable, nothing to read");
	memset(buf, 'z', sizeof(buf));
	for (i = 0; i < 10000; i++)
		if (write(sv[0], buf, sizeof(buf)) < 0)
			break;
		else
			n++;
	CHECK(i < 10000 && errno == EAGAIN, "a full socket: EAGAIN");
	CHECK(poll(pfd, 2, 0) == 1 && !(pfd[0].revents & POLLOUT) &&
	    (pfd[1].revents & POLLIN), "poll: full, readable");
	while (read(sv[1], buf, sizeof(buf)) > 0)
		;
	CHECK(errno == EAGAIN, "drained");
	CHECK(poll(pfd, 1, 0) == 1 && (pfd[0].revents & POLLOUT),
	    "writable again");
	close(sv[0]);
	pfd[1].events = POLLIN;
	CHECK(poll(&pfd[1], 1, 1000) == 1 &&
	    (pfd[1].revents & (POLLIN | POLLHUP)) == (POLLIN | POLLHUP),
	    "peer closed: POLLIN|POLLHUP %#x", pfd[1].revents);
	close(sv[1]);
	CHECK(socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno == EAFNOSUPPORT,
	    "AF_INET");
}

/* Serves one connection at name on a listening socket, from a child:
 * the child's pid is the peer's, what it sends comes back reversed. */
static void
connect_pair(const struct sockaddr_un *sa, socklen_t salen, bool path)
{
	struct sockaddr_un got;
	struct ucred uc;
	socklen_t len = sizeof(uc), glen = sizeof(got);
	char buf[16];
	struct stat st;
	pid_t pid;
	int l, c, s, status;

	CHECK((l = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0, "socket");
	CHECK(bind(l, (const struct sockaddr *)sa, salen) == 0, "bind");
	CHECK(listen(l, 4) == 0, "listen");
	if (path)
		CHECK(stat(sa->sun_path, &st) == 0 && S_ISSOCK(st.st_mode),
		    "the socket file is there");
	CHECK((s = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0 &&
	    bind(s, (const struct sockaddr *)sa, salen) == -1 &&
	    errno == EADDRINUSE, "bind again: EADDRINUSE");
	close(s);
	if ((pid = fork()) == 0) {
		c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(c, (const struct sockaddr *)sa, salen) != 0)
			_exit(2);
		if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0 ||
		    uc.pid != getppid())
			_exit(3);
		if (write(c, "ping", 4) != 4 || read(c, buf, 4) != 4 ||
		    memcmp(buf, "pong", 4) != 0)
			_exit(4);
		_exit(0);
	}
	CHECK((s = accept(l, NULL, NULL)) >= 0, "accept");
	CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 &&
	    uc.pid == pid, "SO_PEERCRED: the child %d", (int)uc.pid);
	CHECK(getsockname(s, (struct sockaddr *)&got, &glen) == 0 &&
	    glen == (path ? offsetof(struct sockaddr_un, sun_path) +
	    strlen(sa->sun_path) + 1 : salen) &&
	    memcmp(&got, sa, glen) == 0,
	    "getsockname of the accepted socket: %d", (int)glen);
	CHECK(read(s, buf, 4) == 4 && memcmp(buf, "ping", 4) == 0, "ping");
	CHECK(write(s, "pong", 4) == 4, "pong");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "child %#x", status);
	CHECK(read(s, buf, 1) == 0, "EOF once the child exited");
	close(s);
	close(l);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (const struct sockaddr *)sa, salen) == -1 &&
	    errno == (path ? ECONNREFUSED : ECONNREFUSED),
	    "connect after the listener closed: ECONNREFUSED");
	close(c);
	if (path)
		unlink(sa->sun_path);
}

static void
names(const char *dir)
{
	struct sockaddr_un sa;
	socklen_t len;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/srv.sock", dir);
	unlink(sa.sun_path);
	connect_pair(&sa, sizeof(sa), true);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
	    "vk-test-%d", (int)getpid()));
	connect_pair(&sa, len, false);
}

/* A socket file beneath the root that no guest socket is bound to. */
static int
refused(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int c;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "a socket file");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno == ECONNREFUSED, "connect: ECONNREFUSED");
	close(c);
	c = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(sendto(c, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) == -1
	    && errno == ECONNREFUSED, "sendto: ECONNREFUSED");
	close(c);
	return 0;
}

static int race_fd;
static char race_buf[8];

static void *
race_reader(void *arg)
{
	(void)arg;
	return (void *)(long)recv(race_fd, race_buf, sizeof(race_buf), 0);
}

/* A call blocked on a socket keeps it whatever happens meanwhile: a recv
 * blocked while another thread closes its descriptor gets the bytes
 * written later (as Linux: the file lives while in use); a send blocked
 * on a full peer returns what it sent when the peer's process closes
 * it, and the next fails with EPIPE. */
static void
race(void)
{
	static char buf[1 << 20];
	pthread_t t;
	void *res;
	ssize_t n;
	int sv[2], status;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	race_fd = sv[0];
	CHECK(pthread_create(&t, NULL, race_reader, NULL) == 0, "thread");
	usleep(100000);
	CHECK(close(sv[0]) == 0, "close under the blocked recv");
	CHECK(write(sv[1], "late", 4) == 4, "write after the close");
	CHECK(pthread_join(t, &res) == 0 && (long)res == 4 &&
	    memcmp(race_buf, "late", 4) == 0, "the blocked recv got %ld",
	    (long)res);
	close(sv[1]);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	if ((pid = fork()) == 0) {
		close(sv[0]);
		usleep(200000);
		_exit(0);
	}
	close(sv[1]);
	n = send(sv[0], buf, sizeof(buf), MSG_NOSIGNAL);
	CHECK(n > 0 && n < (ssize_t)sizeof(buf),
	    "a send blocked on a full peer that goes: short, %zd", n);
	CHECK(send(sv[0], buf, 1, MSG_NOSIGNAL) == -1 && errno == EPIPE,
	    "then EPIPE");
	CHECK(waitpid(pid, &status, 0) == pid, "child");
	close(sv[0]);
}

/* A listener's backlog: connections past it wait, or (non-blocking)
 * fail with EAGAIN, until one is accepted. */
static void
backlog(void)
{
	struct sockaddr_un sa;
	socklen_t len;
	int l, c[3], s, i, v = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
	    "vk-backlog-%d", (int)getpid()));
	CHECK((l = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0 &&
	    bind(l, (struct sockaddr *)&sa, len) == 0 && listen(l, 1) == 0,
	    "listen 1");
	len = sizeof(v);
	CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 &&
	    v == 1, "SO_ACCEPTCONN");
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(sa.sun_path + 1));
	for (i = 0; i < 3; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		errno = 0;
		CHECK((connect(c[i], (struct sockaddr *)&sa, len) == 0) ==
		    (i < 2) && (i < 2 || errno == EAGAIN),
		    "connection %d of a backlog of 1", i);
	}
	CHECK((s = accept(l, NULL, NULL)) >= 0, "accept one");
	CHECK(connect(c[2], (struct sockaddr *)&sa, len) == 0,
	    "room again after accept");
	close(s);
	for (i = 0; i < 3; i++)
		close(c[i]);
	close(l);
}

/* Binds a stream socket at path and leaves the file behind. */
static void
bind_only(const char *path)
{
	struct sockaddr_un sa;
	int s;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	CHECK((s = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0 &&
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind %s", path);
	close(s);
}

/* Between processes: a blocking stream transfer of 1 MiB each way
 * through a listener's connection (the writer waits for room, the reader
 * for bytes), MSG_WAITALL, select; DGRAM by path with the sender's name
 * from recvfrom; sendmmsg/recvmmsg; the errors of connect and accept. */
static void
procs(const char *dir)
{
	static char big[1 << 20], back[1 << 20];
	struct sockaddr_un sa, sb, from;
	struct mmsghdr mm[3];
	struct iovec iov[3];
	char buf[16], r[3][8];
	socklen_t flen = sizeof(from);
	fd_set rfds;
	struct timeval tv = { 5, 0 };
	pid_t pid;
	int l, c, s, d, e, i, status;
	size_t got;
	ssize_t n;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/p.sock", dir);
	sb = sa;
	snprintf(sb.sun_path, sizeof(sb.sun_path), "%s/q.sock", dir);
	unlink(sa.sun_path);
	unlink(sb.sun_path);
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 4096);
	CHECK((l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) >= 0 &&
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno == ECONNREFUSED, "connect to a bound non-listener");
	close(c);
	CHECK(listen(l, 1) == 0, "listen");
	CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN,
	    "non-blocking accept: EAGAIN");
	c = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    errno == EPROTOTYPE, "DGRAM to a stream listener: EPROTOTYPE");
	close(c);
	if ((pid = fork()) == 0) {
		c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			_exit(2);
		for (got = 0; got < sizeof(back); got += (size_t)n)
			if ((n = read(c, back + got, sizeof(back) - got)) <= 0)
				_exit(3);
		if (write(c, back, sizeof(back)) != (ssize_t)sizeof(back))
			_exit(4);
		d = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (bind(d, (struct sockaddr *)&sb, sizeof(sb)) != 0 ||
		    sendto(d, "dg", 2, 0, (struct sockaddr *)&sa,
		    sizeof(sa)) != -1 || errno != EPROTOTYPE)
			_exit(5);
		if (write(c, "x", 1) != 1 || recv(d, buf, 4, 0) != 4 ||
		    memcmp(buf, "back", 4) != 0)
			_exit(6);
		_exit(0);
	}
	FD_ZERO(&rfds);
	FD_SET(l, &rfds);
	CHECK(select(l + 1, &rfds, NULL, NULL, &tv) == 1 && FD_ISSET(l, &rfds),
	    "select: a connection to accept");
	CHECK((s = accept4(l, NULL, NULL, SOCK_CLOEXEC)) >= 0 &&
	    fcntl(s, F_GETFD) == FD_CLOEXEC, "accept4 SOCK_CLOEXEC");
	CHECK(write(s, big, sizeof(big)) == (ssize_t)sizeof(big),
	    "1 MiB written, the reader draining it");
	CHECK(recv(s, back, sizeof(back), MSG_WAITALL) == (ssize_t)sizeof(back)
	    && memcmp(big, back, sizeof(big)) == 0, "MSG_WAITALL: 1 MiB back");
	CHECK(read(s, buf, 1) == 1, "the child's DGRAM socket is bound");
	e = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(sendto(e, "back", 4, 0, (struct sockaddr *)&sb, sizeof(sb)) == 4,
	    "sendto by path");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "child %#x", status);
	close(s);
	close(l);
	/* a DGRAM reply carries the sender's name */
	unlink(sa.sun_path);
	unlink(sb.sun_path);
	CHECK((d = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0 &&
	    bind(d, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    close(e) == 0 && (e = socket(AF_UNIX, SOCK_DGRAM, 0)) >= 0 &&
	    bind(e, (struct sockaddr *)&sb, sizeof(sb)) == 0, "two DGRAMs");
	for (i = 0; i < 3; i++) {
		iov[i] = (struct iovec){ r[i], sizeof(r[i]) };
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &sa;
		mm[i].msg_hdr.msg_namelen = sizeof(sa);
		snprintf(r[i], sizeof(r[i]), "m%d", i);
		iov[i].iov_len = 3;
	}
	CHECK(sendmmsg(e, mm, 3, 0) == 3 && mm[2].msg_len == 3, "sendmmsg");
	for (i = 0; i < 3; i++) {
		iov[i].iov_len = sizeof(r[i]);
		mm[i].msg_hdr.msg_name = NULL;
		mm[i].msg_hdr.msg_namelen = 0;
	}
	CHECK(recvmmsg(d, mm, 3, MSG_DONTWAIT, NULL) == 3 &&
	    mm[1].msg_len == 3 && memcmp(r[1], "m1", 3) == 0, "recvmmsg");
	CHECK(sendto(e, "hi", 2, 0, (struct sockaddr *)&sa, sizeof(sa)) == 2 &&
	    recvfrom(d, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen)
	    == 2 && strcmp(from.sun_path, sb.sun_path) == 0,
	    "recvfrom: the sender's path");
	close(e);
	e = socket(AF_UNIX, SOCK_DGRAM, 0);
	flen = sizeof(from);
	CHECK(sendto(e, "hi", 2, 0, (struct sockaddr *)&sa, sizeof(sa)) == 2 &&
	    recvfrom(d, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen)
	    == 2 && flen == 0, "recvfrom an unbound sender: no name, %d",
	    (int)flen);
	close(d);
	close(e);
	unlink(sa.sun_path);
	unlink(sb.sun_path);
}

/* Fills n socketpairs as far as they go (under vkernel, the budget
 * stops it): how much was buffered, in KiB. */
static void
hoard(int n)
{
	static char buf[65536];
	long total = 0;
	int i, sv[2];
	ssize_t k;

	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
			break;
		while ((k = write(sv[0], buf, sizeof(buf))) > 0)
			total += k;
		CHECK(errno == EAGAIN || errno == ENOBUFS || errno == ENOMEM,
		    "a full socket");
	}
	CHECK(i > 100, "%d socketpairs", i);
	printf("buffered %ld KiB in %d pairs\n", total / 1024, i);
}

/* Sends nfds descriptors (and one byte) on s. */
static int
send_fds(int s, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { "r", 1 };
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof(mh));
	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	return (int)sendmsg(s, &mh, 0);
}

/* Receives descriptors into fds (cap of them fit the control buffer):
 * how many, -1; *flags the msg_flags. */
static int
recv_fds(int s, int *fds, int cap, int *flags)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)], b;
	struct iovec iov = { &b, 1 };
	struct msghdr mh;
	struct cmsghdr *c;
	int n = 0;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = cap > 0 ? CMSG_SPACE(sizeof(int) * cap) :
	    sizeof(struct cmsghdr) - 1;
	if (recvmsg(s, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	*flags = mh.msg_flags;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_type == SCM_RIGHTS) {
			n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(c), sizeof(int) * n);
		}
	return n;
}

/* A socket that only a message on itself holds, holding a pipe's
 * writer: nobody can ever receive it, so it is collected (Linux's
 * unix_gc, asynchronous on newer kernels) and the reader sees EOF. */
static void
gc_cycle(void)
{
	struct pollfd pfd;
	int sv[2], p[2];
	char b;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && pipe(p) == 0,
	    "socketpair, pipe");
	CHECK(send_fds(sv[0], &p[1], 1) == 1 && send_fds(sv[0], &sv[1], 1) == 1,
	    "a pipe's writer, then the receiving socket over itself");
	close(p[1]);
	close(sv[1]);
	close(sv[0]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 5000) == 1 && read(p[0], &b, 1) == 0,
	    "the cycle is collected: EOF on the pipe");
	close(p[0]);
}

/* n cycles (a socket sent over itself, holding a pipe's writer), each
 * left at once: all collected as they go, never running out of files;
 * the last one's pipe sees EOF. */
static void
cycles(int n)
{
	struct pollfd pfd;
	int i, sv[2], p[2] = { -1, -1 };
	char b;

	for (i = 0; i < n; i++) {
		if (p[0] >= 0)
			close(p[0]);
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0 || pipe(p) != 0)
			break;
		if (send_fds(sv[0], &p[1], 1) != 1 ||
		    send_fds(sv[0], &sv[1], 1) != 1)
			break;
		close(p[1]);
		close(sv[1]);
		close(sv[0]);
	}
	CHECK(i == n, "%d of %d cycles made", i, n);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 5000) == 1 && read(p[0], &b, 1) == 0,
	    "the last cycle collected too");
}

static void
rights(const char *dir)
{
	char path[256], buf[16];
	struct pollfd pfd;
	int sv[2], p[2], fds[4], n, flags = 0, fd, status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/rights.txt", dir);
	CHECK((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0 &&
	    write(fd, "file!", 5) == 5, "a file");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(p) == 0,
	    "socketpair and pipe");
	if ((pid = fork()) == 0) {
		close(sv[0]);
		close(p[0]);
		close(p[1]);
		close(fd);
		if (recv_fds(sv[1], fds, 4, &flags) != 2)
			_exit(2);
		if (fcntl(fds[0], F_GETFD) != FD_CLOEXEC)
			_exit(3);
		if (write(fds[0], "via", 3) != 3 ||
		    pread(fds[1], buf, 5, 0) != 5 || memcmp(buf, "file!", 5))
			_exit(4);
		_exit(0);
	}
	fds[0] = p[1];
	fds[1] = fd;
	CHECK(send_fds(sv[0], fds, 2) == 1, "sendmsg SCM_RIGHTS");
	close(p[1]);
	close(fd);
	CHECK(read(p[0], buf, 3) == 3 && memcmp(buf, "via", 3) == 0,
	    "the child wrote through the pipe end it received");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "child %#x", status);
	close(p[0]);
	/* MSG_CTRUNC: no room for the rights, which are closed */
	CHECK(pipe(p) == 0 && send_fds(sv[0], &p[1], 1) == 1, "send again");
	close(p[1]);
	CHECK((n = recv_fds(sv[1], fds, 0, &flags)) == 0 &&
	    (flags & MSG_CTRUNC), "short control buffer: MSG_CTRUNC");
	CHECK(read(p[0], buf, 1) == 0, "the dropped write end is closed");
	close(p[0]);
	/* rights never received go with the socket */
	CHECK(pipe(p) == 0 && send_fds(sv[0], &p[1], 1) == 1, "in flight");
	close(p[1]);
	pfd = (struct pollfd){ p[0], POLLIN, 0 };
	CHECK(poll(&pfd, 1, 0) == 0, "the write end lives in flight");
	close(sv[1]);
	CHECK(poll(&pfd, 1, 1000) == 1 && read(p[0], buf, 1) == 0,
	    "EOF once the socket holding it closed");
	close(p[0]);
	close(sv[0]);
	/* a socket passed over itself: freed at exit at the latest */
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 &&
	    send_fds(sv[0], &sv[1], 1) == 1, "a socket sent over itself");
	close(sv[0]);
	close(sv[1]);
	unlink(path);
	gc_cycle();
}

static void
credentials(void)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))], b;
	struct iovec iov = { &b, 1 };
	struct ucred uc = { getpid(), getuid(), getgid() }, *got;
	struct msghdr mh;
	struct cmsghdr *c;
	int sv[2], on = 1;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair");
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == 0,
	    "SO_PASSCRED");
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(uc));
	memcpy(CMSG_DATA(c), &uc, sizeof(uc));
	CHECK(sendmsg(sv[0], &mh, 0) == 1, "send own credentials");
	if (geteuid() != 0) {
		uc.pid = 1;
		memcpy(CMSG_DATA(c), &uc, sizeof(uc));
		CHECK(sendmsg(sv[0], &mh, 0) == -1 && errno == EPERM,
		    "another's pid: EPERM");
	}
	CHECK(send(sv[0], "y", 1, 0) == 1, "send without");
	for (on = 0; on < 2; on++) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_controllen = sizeof(cbuf);
		CHECK(recvmsg(sv[1], &mh, 0) == 1, "recvmsg");
		c = CMSG_FIRSTHDR(&mh);
		CHECK(c != NULL && c->cmsg_type == SCM_CREDENTIALS, "creds");
		if (c == NULL)
			continue;
		got = (struct ucred *)CMSG_DATA(c);
		CHECK(got->pid == getpid() && got->uid == getuid() &&
		    got->gid == getgid(), "the sender's: pid %d",
		    (int)got->pid);
	}
	close(sv[0]);
	close(sv[1]);
}

int
main(int argc, char *argv[])
{
	int sv[2];

	if (argc > 1 && strcmp(argv[1], "sigpipe") == 0) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
			return 2;
		close(sv[1]);
		printf("writing\n");
		fflush(stdout);
		write(sv[0], "x", 1);
		printf("survived\n");
		return 1;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: sockets sigpipe | MODE DIR | refused PATH\n");
		return 2;
	}
	if (strcmp(argv[1], "refused") == 0)
		refused(argv[2]);
	if (strcmp(argv[1], "bind") == 0)
		bind_only(argv[2]);
	if (strcmp(argv[1], "hoard") == 0)
		hoard(atoi(argv[2]));
	if (strcmp(argv[1], "cycles") == 0)
		cycles(atoi(argv[2]));
	if (strcmp(argv[1], "procs") == 0 || strcmp(argv[1], "all") == 0)
		procs(argv[2]);
	if (strcmp(argv[1], "pair") == 0 || strcmp(argv[1], "all") == 0) {
		pair_stream();
		pair_records(SOCK_SEQPACKET);
		pair_records(SOCK_DGRAM);
		nonblock_poll();
		backlog();
	}
	if (strcmp(argv[1], "names") == 0 || strcmp(argv[1], "all") == 0)
		names(argv[2]);
	if (strcmp(argv[1], "rights") == 0 || strcmp(argv[1], "all") == 0)
		rights(argv[2]);
	if (strcmp(argv[1], "creds") == 0 || strcmp(argv[1], "all") == 0)
		credentials();
	if (strcmp(argv[1], "race") == 0 || strcmp(argv[1], "all") == 0)
		race();
	if (checks == 0) {
		fprintf(stderr, "sockets: no mode %s\n", argv[1]);
		return 2;
	}
	if (failures)
		printf("%d of %d checks failed\n", failures, checks);
	else
		printf("sockets ok: %d checks\n", checks);
	return failures != 0;
}
