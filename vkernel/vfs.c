/* vfs.c: guest paths: the -r root, names made absolute against a directory, and host descriptors opened only beneath the root. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "vfs.h"

static int rootfd = -1;
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
		if ((f = fdtab_get(p->fds, dirfd)) == NULL)
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

int
vfs_open(const char *gpath, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (rootfd < 0)
		return -ENOENT;
	fd = syscall(SYS_openat2, rootfd, gpath, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
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
