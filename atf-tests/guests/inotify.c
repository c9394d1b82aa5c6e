/* inotify.c: inotify instances, watches and events as Linux defines them, on a directory given (run natively and under vkernel with the same expectations; "bound" under vkernel only, "host" waits for a host process's change). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vk_check.h"

static const char *dir;
static char evbuf[65536] __attribute__((aligned(8)));
static int evlen, evoff;

static void
path(char *out, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, name);
}

static void
touch(const char *name, const char *data)
{
	char p[PATH_MAX];
	int fd;

	path(p, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (data != NULL)
		(void)!write(fd, data, strlen(data));
	close(fd);
}

/* One write at the end of an existing file: IN_MODIFY, IN_CLOSE_WRITE. */
static void
append(const char *name, const char *data)
{
	char p[PATH_MAX];
	int fd;

	path(p, name);
	fd = open(p, O_WRONLY | O_APPEND);
	(void)!write(fd, data, strlen(data));
	close(fd);
}

/* The next event of fd (waiting up to ms), or NULL. */
static struct inotify_event *
next_event(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct inotify_event *e;

	if (evoff >= evlen) {
		evoff = evlen = 0;
		if (poll(&p, 1, ms) != 1 ||
		    (evlen = (int)read(fd, evbuf, sizeof(evbuf))) <= 0) {
			evlen = 0;
			return NULL;
		}
	}
	e = (struct inotify_event *)(evbuf + evoff);
	evoff += (int)(sizeof(*e) + e->len);
	return e;
}

/* The next event is wd, mask, name ("" for none). */
static int
expect(int fd, int wd, uint32_t mask, const char *name, uint32_t *cookie)
{
	struct inotify_event *e = next_event(fd, 5000);

	if (e == NULL) {
		printf("no event (want %#x %s)\n", mask, name);
		return 0;
	}
	if (cookie != NULL)
		*cookie = e->cookie;
	if (e->wd != wd || e->mask != mask ||
	    strcmp(e->len ? e->name : "", name) != 0) {
		printf("event wd %d mask %#x name '%s' (want %d %#x '%s')\n",
		    e->wd, e->mask, e->len ? e->name : "", wd, mask, name);
		return 0;
	}
	return 1;
}

static int
quiet(int fd)
{
	return evoff >= evlen && next_event(fd, 100) == NULL;
}

static void
basics(void)
{
	char p[PATH_MAX], sub[PATH_MAX];
	int fd, fd2, wd, wd2, wdf, n, ep, st, pf[2];
	uint32_t c1 = 0, c2 = 0;
	struct epoll_event ev;
	char small[8];
	pid_t pid;

	CHECK(ERR(inotify_init1(0x1)) == EINVAL, "bad flags");
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	CHECK(fd >= 0, "inotify_init1");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "cloexec");
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "nonblock");
	CHECK(ERR(read(fd, evbuf, sizeof(evbuf))) == EAGAIN, "EAGAIN");
	CHECK(ERR(write(fd, "x", 1)) == EBADF, "write");
	{
		char l[64], link[64] = "";

		snprintf(l, sizeof(l), "/proc/self/fd/%d", fd);
		CHECK(readlink(l, link, sizeof(link) - 1) > 0 &&
		    strcmp(link, "anon_inode:inotify") == 0, "link %s", link);
		CHECK(ERR(open(l, O_RDONLY)) == ENXIO, "no reopen");
	}

	/* Bad watches. */
	CHECK(ERR(inotify_add_watch(fd, dir, 0)) == EINVAL, "no events");
	CHECK(ERR(inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_ADD |
	    IN_MASK_CREATE)) == EINVAL, "MASK_ADD with MASK_CREATE");
	path(p, "missing");
	CHECK(ERR(inotify_add_watch(fd, p, IN_CREATE)) == ENOENT, "ENOENT");
	touch("f", NULL);
	path(p, "f");
	CHECK(ERR(inotify_add_watch(fd, p, IN_MODIFY | IN_ONLYDIR)) == ENOTDIR,
	    "IN_ONLYDIR");
	CHECK(ERR(inotify_add_watch(999, dir, IN_CREATE)) == EBADF, "EBADF");
	CHECK(pipe(pf) == 0, "pipe");
	CHECK(ERR(inotify_add_watch(pf[0], dir, IN_CREATE)) == EINVAL,
	    "not inotify");
	CHECK(ERR(inotify_rm_watch(pf[0], 1)) == EINVAL, "rm: not inotify");
	CHECK(ERR(inotify_rm_watch(999, 1)) == EBADF, "rm: EBADF");
	CHECK(ERR(inotify_add_watch(fd, (const char *)8, IN_CREATE)) == EFAULT,
	    "EFAULT");

	/* A directory's children. */
	wd = inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE | IN_MODIFY |
	    IN_CLOSE_WRITE | IN_MOVE | IN_ATTRIB | IN_DELETE_SELF);
	CHECK(wd >= 1, "watch %d", wd);
	CHECK(inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE | IN_MODIFY |
	    IN_CLOSE_WRITE | IN_MOVE | IN_ATTRIB | IN_DELETE_SELF) == wd,
	    "the same inode, the same wd");
	CHECK(ERR(inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_CREATE)) ==
	    EEXIST, "IN_MASK_CREATE");
	CHECK(quiet(fd), "nothing yet");
	touch("a", "hello");
	CHECK(ioctl(fd, FIONREAD, &n) == 0 && n == 3 * (int)(sizeof(struct
	    inotify_event) + 16), "FIONREAD %d", n);
	CHECK(ERR(read(fd, small, sizeof(small))) == EINVAL, "short buffer");
	CHECK(expect(fd, wd, IN_CREATE, "a", NULL), "IN_CREATE");
	CHECK(expect(fd, wd, IN_MODIFY, "a", NULL), "IN_MODIFY");
	CHECK(expect(fd, wd, IN_CLOSE_WRITE, "a", NULL), "IN_CLOSE_WRITE");
	path(p, "a");
	path(sub, "b");
	CHECK(rename(p, sub) == 0, "rename");
	CHECK(expect(fd, wd, IN_MOVED_FROM, "a", &c1) &&
	    expect(fd, wd, IN_MOVED_TO, "b", &c2) && c1 == c2 && c1 != 0,
	    "moves share a cookie");
	CHECK(chmod(sub, 0600) == 0 && expect(fd, wd, IN_ATTRIB, "b", NULL),
	    "IN_ATTRIB");
	CHECK(unlink(sub) == 0 && expect(fd, wd, IN_DELETE, "b", NULL),
	    "IN_DELETE");
	path(p, "d");
	CHECK(mkdir(p, 0755) == 0 && expect(fd, wd, IN_CREATE | IN_ISDIR,
	    "d", NULL), "IN_ISDIR");
	CHECK(quiet(fd), "nothing more");

	/* A file, once. */
	path(p, "f");
	wdf = inotify_add_watch(fd, p, IN_MODIFY | IN_ONESHOT);
	CHECK(wdf > wd, "file watch %d", wdf);
	append("f", "x");
	CHECK(expect(fd, wd, IN_MODIFY, "f", NULL), "the directory's");
	CHECK(expect(fd, wdf, IN_MODIFY, "", NULL), "the file's own event");
	CHECK(expect(fd, wdf, IN_IGNORED, "", NULL), "IN_ONESHOT ends it");
	CHECK(expect(fd, wd, IN_CLOSE_WRITE, "f", NULL), "closed");
	append("f", "y");
	CHECK(expect(fd, wd, IN_MODIFY, "f", NULL) &&
	    expect(fd, wd, IN_CLOSE_WRITE, "f", NULL) && quiet(fd), "once");
	CHECK(ERR(inotify_rm_watch(fd, wdf)) == EINVAL, "gone");

	/* Two instances on one directory: each hears, each removes its own. */
	fd2 = inotify_init();
	wd2 = inotify_add_watch(fd2, dir, IN_CREATE);
	CHECK(wd2 >= 1, "second instance");
	touch("two", NULL);
	CHECK(expect(fd2, wd2, IN_CREATE, "two", NULL), "second hears");
	CHECK(expect(fd, wd, IN_CREATE, "two", NULL) &&
	    expect(fd, wd, IN_CLOSE_WRITE, "two", NULL), "first hears");
	CHECK(inotify_rm_watch(fd2, wd2) == 0 &&
	    expect(fd2, wd2, IN_IGNORED, "", NULL), "rm_watch: IN_IGNORED");
	CHECK(ERR(inotify_rm_watch(fd2, wd2)) == EINVAL, "rm twice");
	touch("three", NULL);
	CHECK(expect(fd, wd, IN_CREATE, "three", NULL) &&
	    expect(fd, wd, IN_CLOSE_WRITE, "three", NULL), "first still");
	CHECK(quiet(fd2), "second hears nothing");

	/* A blocking read woken by another process; epoll. */
	fcntl(fd2, F_SETFL, 0);
	wd2 = inotify_add_watch(fd2, dir, IN_DELETE);
	if ((pid = fork()) == 0) {
		usleep(200000);
		path(p, "three");
		_exit(unlink(p) == 0 ? 0 : 1);
	}
	evoff = evlen = 0;
	n = (int)read(fd2, evbuf, sizeof(evbuf));
	CHECK(n > 0 && ((struct inotify_event *)evbuf)->mask == IN_DELETE &&
	    strcmp(((struct inotify_event *)evbuf)->name, "three") == 0,
	    "blocking read");
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "child");
	CHECK(expect(fd, wd, IN_DELETE, "three", NULL), "first too");
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.u32 = 5;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd2, &ev) == 0, "epoll add");
	CHECK(epoll_wait(ep, &ev, 1, 0) == 0, "epoll: nothing");
	path(p, "two");
	CHECK(unlink(p) == 0, "unlink");
	CHECK(epoll_wait(ep, &ev, 1, 5000) == 1 && ev.data.u32 == 5,
	    "epoll: ready");
	CHECK(expect(fd, wd, IN_DELETE, "two", NULL), "first too");
	close(ep);
	close(fd2);

	/* The watched directory goes. */
	path(p, "d");
	wd2 = inotify_add_watch(fd, p, IN_DELETE_SELF);
	CHECK(rmdir(p) == 0, "rmdir");
	CHECK(expect(fd, wd2, IN_DELETE_SELF, "", NULL) &&
	    expect(fd, wd2, IN_IGNORED, "", NULL), "IN_DELETE_SELF, IGNORED");
	CHECK(expect(fd, wd, IN_DELETE | IN_ISDIR, "d", NULL), "in the parent");
	CHECK(inotify_rm_watch(fd, wd) == 0 &&
	    expect(fd, wd, IN_IGNORED, "", NULL), "rm");
	path(p, "f");
	unlink(p);
	CHECK(quiet(fd), "nothing after rm");
	close(fd);
	close(pf[0]);
	close(pf[1]);
}

/* Waits (10 s) for a host process to make DIR/hostfile after DIR/ready. */
static void
host(void)
{
	int fd = inotify_init1(IN_CLOEXEC), wd;

	wd = inotify_add_watch(fd, dir, IN_CREATE);
	CHECK(wd >= 1, "watch");
	touch("ready", NULL);
	CHECK(expect(fd, wd, IN_CREATE, "ready", NULL), "our own");
	CHECK(expect(fd, wd, IN_CREATE, "hostfile", NULL), "the host's");
	close(fd);
}

/* Under vkernel only: at most 8192 watches (ENOSPC) and 128 instances
 * (EMFILE) per vkernel, and all comes back once closed. */
static void
bound(void)
{
	char name[32], p[PATH_MAX];
	int fd, fds[200], n, i, wd = 0;

	fd = inotify_init1(IN_CLOEXEC);
	for (i = 0; i < 8300; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		touch(name, NULL);
		path(p, name);
		if ((wd = inotify_add_watch(fd, p, IN_MODIFY)) < 0)
			break;
	}
	CHECK(i == 8192 && wd < 0 && errno == ENOSPC, "%d watches", i);
	close(fd);
	for (n = 0; n < 200 && (fds[n] = inotify_init1(IN_CLOEXEC)) >= 0; n++)
		;
	CHECK(n == 128 && errno == EMFILE, "%d instances", n);
	for (i = 0; i < n; i++)
		close(fds[i]);
	fd = inotify_init1(IN_CLOEXEC);
	path(p, "w0");
	CHECK(fd >= 0 && inotify_add_watch(fd, p, IN_MODIFY) >= 1,
	    "room again");
	close(fd);
	for (i = 0; i < 8300; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		path(p, name);
		unlink(p);
	}
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	dir = argc > 2 ? argv[2] : "";
	if (strcmp(mode, "inotify") == 0)
		basics();
	else if (strcmp(mode, "host") == 0)
		host();
	else if (strcmp(mode, "bound") == 0)
		bound();
	else {
		fprintf(stderr, "usage: inotify inotify|host|bound DIR\n");
		return 2;
	}
	return check_report(mode);
}
