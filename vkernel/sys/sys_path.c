/* sys_path.c: what the file system calls share: guest path arguments made absolute, the files at descriptors they act on, specfs's refusals, host descriptors of names. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "specfs.h"
#include "vfs.h"

/* The /proc/self/fd link of one of the vkernel's own descriptors: how a
 * call that has no *at form with an empty path reaches an O_PATH file. */
void
fd_link(int hostfd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", hostfd);
}

/* The guest's path argument upath, absolute against dirfd (an int, as
 * Linux takes it): 0 or -errno (EFAULT, ENAMETOOLONG, ENOENT for "",
 * EBADF, ENOTDIR). */
long
path_in(struct proc *p, uint64_t dirfd, gva_t upath, char *gpath)
{
	char path[PATH_MAX];
	long r;

	if ((r = copyinstr(p, path, upath, sizeof(path))) < 0)
		return r;
	return vfs_abspath(p, (int)dirfd, path, gpath);
}

/*
 * The parent directory of the name (dirfd, upath) that a call makes or
 * removes: *pfd its host descriptor (the caller closes it) and *base the
 * last component, inside gpath (PATH_MAX bytes).  0, or -errno: a name
 * specfs owns is specfs_refuse's answer (create: the call makes it).
 */
long
parent_at(struct proc *p, uint64_t dirfd, gva_t upath, bool create,
    char *gpath, const char **base, int *pfd)
{
	long r;

	if ((r = path_in(p, dirfd, upath, gpath)) < 0)
		return r;
	if (specfs_owns(gpath))
		return specfs_refuse(p, gpath, create);
	p->nhostcalls++;
	if ((*pfd = vfs_open_parent(gpath, base)) < 0)
		return *pfd;
	return 0;
}

/* Like path_in, but with AT_EMPTY_PATH an empty path names dirfd itself:
 * 1 and *fp (NULL for AT_FDCWD: then gpath is the directory's path), or
 * 0 with gpath, or -errno. */
long
at_path(struct proc *p, uint64_t dirfd, gva_t upath, bool empty_ok,
    char *gpath, struct file **fp)
{
	char path[PATH_MAX];
	long r;

	*fp = NULL;
	if ((r = copyinstr(p, path, upath, sizeof(path))) < 0)
		return r;
	if (path[0] != '\0' || !empty_ok)
		return vfs_abspath(p, (int)dirfd, path, gpath);
	if ((int)dirfd == AT_FDCWD) {
		snprintf(gpath, PATH_MAX, "%s", p->tg->cwd);
		return 0;
	}
	return (*fp = fget(p, (int)dirfd)) != NULL ? 1 : -EBADF;
}

/* The file at fd (held: fget) that an I/O-less call may act on: NULL
 * for EBADF. */
struct file *
file_at(struct proc *p, uint64_t fd)
{
	return fget(p, (int)fd);
}

/* The guest file at fd whose host file the calls that change a file
 * through a descriptor may change: -EBADF (none, or O_PATH), -EINVAL
 * (not a file beneath the root: a pipe, the vkernel's streams, specfs). */
long
vfs_file_at(struct proc *p, uint64_t fd, struct file **fp)
{
	struct file *f = file_at(p, fd);

	if (f == NULL || (f->flags & O_PATH))
		return -EBADF;
	if (!file_is_vfs(f))
		return -EINVAL;
	*fp = f;
	return 0;
}

/*
 * A call that would change specfs (/dev and /proc are the vkernel's and
 * read-only), answered as Linux answers for /proc: creating a name is
 * ENOENT (its directories cannot create) or EEXIST for one that exists;
 * removing or changing one that exists is EPERM.
 */
long
specfs_refuse(struct proc *p, const char *gpath, bool create)
{
	struct stat st;
	int r = specfs_stat(p, gpath, false, &st);

	if (create)
		return r == 0 ? -EEXIST : -ENOENT;
	return r == 0 ? -EPERM : r;
}

/* An O_PATH host descriptor of gpath (follow: what a symlink names), for
 * a call acting on the file; -errno.  Never for a specfs path. */
static int
path_fd(struct proc *p, const char *gpath, bool follow)
{
	p->nhostcalls++;
	return vfs_open_path(gpath, follow);
}

/*
 * A host descriptor, opened with flags (O_PATH, or O_WRONLY), of the file
 * gpath names for a call that acts on a file through its name: beneath
 * the root by the host's walk, or through a specfs link to a file beneath
 * the root (/proc/PID/fd/N, /dev/fd/N, /proc/PID/cwd and exe), which is
 * followed to the file itself as Linux follows a magic link, under the
 * re-open rule (specfs_host_fd).  0 and *fd; 0 and *fd -1 for specfs's
 * own names and the vkernel's files that are not beneath the root (its
 * streams, pipes, devices), which the caller answers for; or -errno.
 */
int
host_fd(struct proc *p, const char *gpath, bool follow, int flags, int *fd)
{
	p->nhostcalls++;
	if (specfs_owns(gpath))
		return specfs_host_fd(p, gpath, follow, flags, fd);
	*fd = vfs_open(gpath, flags | (follow ? 0 : O_NOFOLLOW), 0);
	return *fd < 0 ? *fd : 0;
}

/* What a name-taking call that changes a file acts on: an O_PATH host
 * descriptor of the file gpath names (follow or not; through a specfs
 * link too, as host_fd says), or specfs's refusal (EPERM: the vkernel's
 * streams, pipes and specfs files are not the guest's to change). */
int
change_fd(struct proc *p, const char *gpath, bool follow)
{
	int fd, r;

	if ((r = host_fd(p, gpath, follow, O_PATH, &fd)) < 0)
		return r;
	return fd >= 0 ? fd : (int)specfs_refuse(p, gpath, false);
}

/* stat of gpath (follow: of what a symlink names): 0 or -errno. */
int
stat_path(struct proc *p, const char *gpath, bool follow, struct stat *st)
{
	int fd, r;

	if (specfs_owns(gpath))
		return specfs_stat(p, gpath, follow, st);
	if ((fd = path_fd(p, gpath, follow)) < 0)
		return fd;
	r = fstat(fd, st) != 0 ? -errno : 0;
	close(fd);
	return r;
}
