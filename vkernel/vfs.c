/* vfs.c: guest paths: the -r root, names made absolute against a directory, and host descriptors opened only beneath the root. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "vfs.h"

static int rootfd = -1;
static mode_t initial_umask;  /* the vkernel's, before vfs_init set 0 */
static char rootpath[PATH_MAX];  /* the root's host path, "" for "/" */
static size_t rootlen;

int
vfs_init(const char *root, char *why, size_t whylen)
{
	char real[PATH_MAX];

	if (realpath(root, real) == NULL ||
	    (rootfd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	/* The guest's umask is applied by the vkernel (struct proc): the
	 * host's must not mask the modes a second time. */
	initial_umask = umask(0);
	snprintf(rootpath, sizeof(rootpath), "%s",
	    strcmp(real, "/") == 0 ? "" : real);
	rootlen = strlen(rootpath);
	return 0;
}

/* A host path made a guest path: 0, or -ENOENT if not beneath the root. */
static int
guest_of_host(const char *host, char *out, size_t len)
{
	const char *rest;

	if (strncmp(host, rootpath, rootlen) != 0 ||
	    (host[rootlen] != '/' && host[rootlen] != '\0'))
		return -ENOENT;
	rest = host[rootlen] == '\0' ? "/" : host + rootlen;
	if ((size_t)snprintf(out, len, "%s", rest) >= len)
		return -ENAMETOOLONG;
	return 0;
}

void
vfs_initial_cwd(char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    guest_of_host(cwd, out, len) != 0)
		snprintf(out, len, "/");
}

int
vfs_fd_path(int hostfd, char *out, size_t len)
{
	char link[64], host[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", hostfd);
	if ((n = readlink(link, host, sizeof(host) - 1)) < 0)
		return -ENOENT;
	host[n] = '\0';
	if (host[0] != '/' || (n > 10 && strcmp(host + n - 10, " (deleted)") == 0))
		return -ENOENT;
	return guest_of_host(host, out, len);
}

int
vfs_abspath(struct proc *p, int dirfd, const char *upath, char *out)
{
	char base[PATH_MAX];
	struct file *f;
	struct stat st;
	int n, rc;

	if (upath[0] == '\0')
		return -ENOENT;
	if (upath[0] == '/') {
		n = snprintf(out, PATH_MAX, "%s", upath);
		return n >= PATH_MAX ? -ENAMETOOLONG : 0;
	}
	if (dirfd == AT_FDCWD) {
		snprintf(base, sizeof(base), "%s", p->cwd);
	} else {
		if ((f = fget(p, dirfd)) == NULL)
			return -EBADF;
		if (f->hostfd < 0 || fstat(f->hostfd, &st) != 0 ||
		    !S_ISDIR(st.st_mode))
			return -ENOTDIR;
		if ((rc = vfs_fd_path(f->hostfd, base, sizeof(base))) != 0)
			return rc;
	}
	n = snprintf(out, PATH_MAX, "%s%s%s", base,
	    base[strlen(base) - 1] == '/' ? "" : "/", upath);
	return n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* openat2 beneath the root.  A rename anywhere on the host while ".."
 * is being resolved makes the kernel refuse with EAGAIN (it cannot prove
 * the walk stayed beneath the root): that is retried, never a way out. */
static int
resolve(const char *gpath, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;
	int tries;

	if (rootfd < 0)
		return -ENOENT;
	for (tries = 0; tries < 64; tries++) {
		fd = syscall(SYS_openat2, rootfd, gpath, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN)
			break;
	}
	return -errno;
}

/*
 * Defence in depth on what a host walk reached: nothing on the host's
 * procfs or sysfs (ENOENT: a bind mount or a symlink into them inside
 * the root describes the host), and, when it is to be opened for I/O, no
 * character or block device (EACCES: only specfs's devices are the
 * guest's).  0 or -errno; *st is the file's stat.
 */
static int
vfs_check(int fd, bool io, struct stat *st)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) != 0 || fstat(fd, st) != 0)
		return -errno;
	if (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC)
		return -ENOENT;
	if (io && (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)))
		return -EACCES;
	return 0;
}

/* The descriptor fd if vfs_check passes, else closed and -errno. */
static int
checked(int fd, bool io, struct stat *st)
{
	int rc;

	if (fd < 0)
		return fd;
	if ((rc = vfs_check(fd, io, st)) != 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* Opens the file behind the O_PATH descriptor pfd again with flags
 * (through its /proc/self/fd link: the same inode, no new walk).  The
 * new descriptor, or -errno; pfd is closed either way. */
static int
reopen(int pfd, int flags, mode_t mode)
{
	char link[64];
	int fd;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	fd = open(link, flags | O_CLOEXEC, mode);
	fd = fd < 0 ? -errno : fd;
	close(pfd);
	return fd;
}

int
vfs_open(const char *gpath, int flags, mode_t mode)
{
	/* Never block the vkernel's thread in open (a FIFO), never let the
	 * host signal it (O_ASYNC), never need aligned buffers (O_DIRECT). */
	int hflags = (flags & ~(O_ASYNC | O_DIRECT | O_EXCL | O_NOCTTY)) |
	    O_NONBLOCK | O_NOCTTY;
	struct stat st;
	int fd;

	if (flags & O_PATH)
		return checked(resolve(gpath, O_PATH | (flags & (O_NOFOLLOW |
		    O_DIRECTORY)), 0), false, &st);
	/* O_CREAT|O_EXCL makes a new regular file and never opens an old
	 * one; O_TMPFILE an unnamed one in a directory. */
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return checked(resolve(gpath, hflags | O_EXCL, mode), true,
		    &st);
	/* Anything else is looked at (O_PATH) before it is opened, so a
	 * device beneath the root is never opened at all. */
	fd = checked(resolve(gpath, O_PATH | (flags & (O_NOFOLLOW |
	    O_DIRECTORY)), 0), true, &st);
	if (fd == -ENOENT && (flags & O_CREAT))
		return checked(resolve(gpath, hflags, mode), true, &st);
	if (fd < 0)
		return fd;
	if (S_ISLNK(st.st_mode)) {
		close(fd);
		return -ELOOP;  /* O_NOFOLLOW on a symlink */
	}
	return checked(reopen(fd, hflags & ~(O_CREAT | O_NOFOLLOW), mode),
	    true, &st);
}

int
vfs_open_path(const char *gpath, bool follow)
{
	return vfs_open(gpath, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
}

int
vfs_open_parent(const char *gpath, const char **base)
{
	char dir[PATH_MAX];
	const char *slash, *end;
	size_t n = strlen(gpath);

	/* Trailing slashes belong to the last component's name. */
	end = gpath + n;
	while (end > gpath + 1 && end[-1] == '/')
		end--;
	for (slash = end - 1; slash > gpath && *slash != '/'; slash--)
		;
	if (slash == gpath && *slash == '/' && end == gpath + 1) {
		*base = ".";  /* the root itself */
		return vfs_open("/", O_PATH | O_DIRECTORY, 0);
	}
	*base = *slash == '/' ? slash + 1 : slash;
	n = (size_t)(*base - gpath);
	memcpy(dir, gpath, n);
	dir[n] = '\0';
	return vfs_open(n ? dir : ".", O_PATH | O_DIRECTORY, 0);
}

bool
vfs_dot(const char *base)
{
	size_t n = strcspn(base, "/");

	return (n == 1 && base[0] == '.') ||
	    (n == 2 && base[0] == '.' && base[1] == '.');
}

mode_t
vfs_umask(void)
{
	return initial_umask;
}
