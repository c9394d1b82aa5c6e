/* sys_dir.c: directories: getdents64, mkdir, and the working directory (getcwd, chdir, fchdir). */

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
#include "kmem.h"
#include "specfs.h"
#include "vfs.h"

long
sys_getdents64(struct proc *p, const uint64_t *a)
{
	char small[KMEM_SMALL], *buf;
	struct file *f;
	size_t n, bsize;
	long r;

	if ((f = file_at(p, a[0])) == NULL || (f->flags & O_PATH))
		return -EBADF;
	if (f->ops->getdents == NULL)
		return -ENOTDIR;
	buf = copy_bounce(p, small, &bsize);
	n = a[2] > bsize ? bsize : a[2];
	if (!user_range(a[1], a[2]) || writable_prefix(p, a[1], n) < n)
		return -EFAULT;
	p->nhostcalls++;
	if ((r = f->ops->getdents(f, buf, n)) <= 0)
		return r;
	return copyout(p, a[1], buf, r) ? -EFAULT : r;
}

static long
do_mkdirat(struct proc *p, uint64_t dirfd, gva_t upath, uint64_t mode)
{
	char gpath[PATH_MAX];
	const char *base;
	long r;
	int pfd;

	if ((r = parent_at(p, dirfd, upath, true, gpath, &base, &pfd)) < 0)
		return r;
	r = vfs_dot(base) ? -EEXIST : mkdirat(pfd, base,
	    (mode_t)mode & 07777 & ~p->tg->umask) != 0 ? -errno : 0;
	close(pfd);
	return r;
}

long
sys_mkdir(struct proc *p, const uint64_t *a)
{
	return do_mkdirat(p, AT_FDCWD, a[0], a[1]);
}

long
sys_mkdirat(struct proc *p, const uint64_t *a)
{
	return do_mkdirat(p, a[0], a[1], a[2]);
}

long
sys_getcwd(struct proc *p, const uint64_t *a)
{
	size_t len = strlen(p->tg->cwd) + 1;

	if (a[1] < len)
		return -ERANGE;
	return copyout(p, a[0], p->tg->cwd, len) ? -EFAULT : (long)len;
}

/* The directory open at host descriptor fd becomes p's if it may be
 * searched; it is kept as its guest path, as the host resolved it. */
static long
chdir_fd(struct proc *p, int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (faccessat(fd, "", X_OK, AT_EACCESS | AT_EMPTY_PATH) != 0)
		return -errno;
	return vfs_fd_path(fd, p->tg->cwd, sizeof(p->tg->cwd));
}

long
sys_chdir(struct proc *p, const uint64_t *a)
{
	char gpath[PATH_MAX];
	struct stat st;
	long r;
	int fd;

	if ((r = path_in(p, AT_FDCWD, a[0], gpath)) < 0)
		return r;
	if (specfs_owns(gpath)) {
		if ((r = specfs_stat(p, gpath, true, &st)) < 0)
			return r;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		snprintf(p->tg->cwd, sizeof(p->tg->cwd), "%s", gpath);
		return 0;
	}
	p->nhostcalls++;
	if ((fd = vfs_open(gpath, O_PATH | O_DIRECTORY, 0)) < 0)
		return fd;
	r = chdir_fd(p, fd);
	close(fd);
	return r;
}

/* A directory descriptor (O_PATH ones too) beneath the root. */
long
sys_fchdir(struct proc *p, const uint64_t *a)
{
	struct file *f;

	if ((f = file_at(p, a[0])) == NULL)
		return -EBADF;
	if (f->hostfd < 0 || !file_is_vfs(f))
		return -ENOTDIR;
	p->nhostcalls++;
	return chdir_fd(p, f->hostfd);
}
