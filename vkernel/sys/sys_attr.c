/* sys_attr.c: a file's attributes: access, modes, owners, times and extended attributes (none). */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "shm.h"
#include "specfs.h"
#include "vfs.h"

/* access on a specfs name: its mode bits for the vkernel's user. */
static long
specfs_access(struct proc *p, const char *gpath, bool follow, int mode)
{
	struct stat st;
	int r, bits;

	if ((r = specfs_stat(p, gpath, follow, &st)) < 0)
		return r;
	bits = st.st_uid == geteuid() ? (int)(st.st_mode >> 6) & 7 :
	    (int)st.st_mode & 7;
	return (bits & mode) == mode ? 0 : -EACCES;
}

static long
do_faccessat(struct proc *p, uint64_t dirfd, gva_t upath, uint64_t mode,
    uint64_t flags)
{
	char gpath[PATH_MAX];
	struct file *f;
	int fd, hflags = AT_EMPTY_PATH | ((int)flags & AT_EACCESS);
	long r;

	if (mode & ~(uint64_t)(R_OK | W_OK | X_OK) || flags &
	    ~(uint64_t)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	/* Without AT_EACCESS Linux checks (and walks) with the real ids:
	 * where the host follows the guest's, it takes them as fs ids. */
	if (cred_host_enforced() && !(flags & AT_EACCESS)) {
		if (cred_host_use_real(&p->cred) != 0)
			return -EACCES;
		hflags |= AT_EACCESS;
	}
	if ((r = at_path(p, dirfd, upath, flags & AT_EMPTY_PATH, gpath,
	    &f)) < 0)
		return r;
	if (f != NULL)
		return f->hostfd < 0 ? 0 : syscall(SYS_faccessat2, f->hostfd,
		    "", (int)mode, hflags) != 0 ? -errno : 0;
	if ((r = host_fd(p, gpath, !(flags & AT_SYMLINK_NOFOLLOW), O_PATH,
	    &fd)) < 0)
		return r;
	if (fd < 0)
		return specfs_access(p, gpath, !(flags & AT_SYMLINK_NOFOLLOW),
		    (int)mode);
	r = syscall(SYS_faccessat2, fd, "", (int)mode, hflags) != 0 ? -errno : 0;
	close(fd);
	return r;
}

long
sys_access(struct proc *p, const uint64_t *a)
{
	return do_faccessat(p, AT_FDCWD, a[0], a[1], 0);
}

long
sys_faccessat(struct proc *p, const uint64_t *a)
{
	return do_faccessat(p, a[0], a[1], a[2], 0);
}

long
sys_faccessat2(struct proc *p, const uint64_t *a)
{
	return do_faccessat(p, a[0], a[1], a[2], a[3]);
}

/* chmod through the O_PATH descriptor's /proc/self/fd link (Linux's
 * fchmodat has no empty path); a symlink itself: EOPNOTSUPP, as Linux. */
static long
chmod_fd(int fd, mode_t mode)
{
	char link[64];
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -EOPNOTSUPP;
	fd_link(fd, link, sizeof(link));
	return chmod(link, mode & 07777) != 0 ? -errno : 0;
}

static long
do_fchmodat(struct proc *p, uint64_t dirfd, gva_t upath, uint64_t mode)
{
	char gpath[PATH_MAX];
	long r;
	int fd;

	if ((r = path_in(p, dirfd, upath, gpath)) < 0)
		return r;
	if ((fd = change_fd(p, gpath, true)) < 0)
		return fd;
	r = chmod_fd(fd, (mode_t)mode);
	close(fd);
	return r;
}

long
sys_chmod(struct proc *p, const uint64_t *a)
{
	return do_fchmodat(p, AT_FDCWD, a[0], a[1]);
}

long
sys_fchmodat(struct proc *p, const uint64_t *a)
{
	return do_fchmodat(p, a[0], a[1], a[2]);
}

/* fchmod, fchown and friends change only files beneath the root: on the
 * vkernel's streams and specfs files they are EPERM. */
long
sys_fchmod(struct proc *p, const uint64_t *a)
{
	struct file *f;
	long r;

	if ((r = vfs_file_at(p, a[0], &f)) < 0)
		return r == -EINVAL ? -EPERM : r;
	if (file_shm(f) != NULL &&
	    (r = shm_chmod_check(file_shm(f), (mode_t)a[1])) != 0)
		return r;
	p->nhostcalls++;
	return fchmod(f->hostfd, (mode_t)a[1] & 07777) != 0 ? -errno : 0;
}

static long
do_fchownat(struct proc *p, uint64_t dirfd, gva_t upath, uint64_t uid,
    uint64_t gid, uint64_t flags)
{
	char gpath[PATH_MAX];
	struct file *f;
	long r;
	int fd;

	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((r = at_path(p, dirfd, upath, flags & AT_EMPTY_PATH, gpath,
	    &f)) < 0)
		return r;
	if (f != NULL) {
		if (!file_is_vfs(f))
			return -EPERM;
		fd = f->hostfd;
	} else if ((fd = change_fd(p, gpath,
	    !(flags & AT_SYMLINK_NOFOLLOW))) < 0) {
		return fd;
	}
	r = fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH) != 0 ?
	    -errno : 0;
	if (f == NULL)
		close(fd);
	return r;
}

long
sys_chown(struct proc *p, const uint64_t *a)
{
	return do_fchownat(p, AT_FDCWD, a[0], a[1], a[2], 0);
}

long
sys_lchown(struct proc *p, const uint64_t *a)
{
	return do_fchownat(p, AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW);
}

long
sys_fchownat(struct proc *p, const uint64_t *a)
{
	return do_fchownat(p, a[0], a[1], a[2], a[3], a[4]);
}

long
sys_fchown(struct proc *p, const uint64_t *a)
{
	struct file *f;
	long r;

	if ((r = vfs_file_at(p, a[0], &f)) < 0)
		return r == -EINVAL ? -EPERM : r;
	p->nhostcalls++;
	return fchown(f->hostfd, (uid_t)a[1], (gid_t)a[2]) != 0 ? -errno : 0;
}

/* Times as utimensat takes them (NULL: now); EINVAL for a bad nsec. */
static long
times_ok(const struct timespec *ts)
{
	int i;

	for (i = 0; ts != NULL && i < 2; i++)
		if (ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT &&
		    (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000L))
			return -EINVAL;
	return 0;
}

/*
 * utimensat and its older forms.  A NULL path is the descriptor dirfd
 * itself (futimens; not an O_PATH one).  A name's file is reached through
 * an O_PATH descriptor (a symlink itself with AT_SYMLINK_NOFOLLOW).
 */
static long
set_times(struct proc *p, uint64_t dirfd, gva_t upath,
    const struct timespec *ts, uint64_t flags)
{
	char gpath[PATH_MAX];
	struct file *f;
	long r;
	int fd;

	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((r = times_ok(ts)) < 0)
		return r;
	if (upath == 0) {
		if ((r = vfs_file_at(p, dirfd, &f)) < 0)
			return r == -EINVAL ? -EPERM : r;
		p->nhostcalls++;
		return futimens(f->hostfd, ts) != 0 ? -errno : 0;
	}
	if ((r = at_path(p, dirfd, upath, flags & AT_EMPTY_PATH, gpath,
	    &f)) < 0)
		return r;
	if (f != NULL) {
		if (!file_is_vfs(f))
			return -EPERM;
		return utimensat(f->hostfd, "", ts, AT_EMPTY_PATH) != 0 ?
		    -errno : 0;
	}
	if ((fd = change_fd(p, gpath, !(flags & AT_SYMLINK_NOFOLLOW))) < 0)
		return fd;
	r = utimensat(fd, "", ts, AT_EMPTY_PATH) != 0 ? -errno : 0;
	close(fd);
	return r;
}

long
sys_utimensat(struct proc *p, const uint64_t *a)
{
	struct timespec ts[2];

	if (a[2] != 0 && copyin(p, ts, a[2], sizeof(ts)) != 0)
		return -EFAULT;
	return set_times(p, a[0], a[1], a[2] ? ts : NULL, a[3]);
}

long
sys_utimes(struct proc *p, const uint64_t *a)
{
	struct timespec ts[2];
	struct timeval tv[2];
	int i;

	if (a[1] == 0)
		return set_times(p, AT_FDCWD, a[0], NULL, 0);
	if (copyin(p, tv, a[1], sizeof(tv)) != 0)
		return -EFAULT;
	for (i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return set_times(p, AT_FDCWD, a[0], ts, 0);
}

long
sys_utime(struct proc *p, const uint64_t *a)
{
	struct { int64_t actime, modtime; } ub;
	struct timespec ts[2];

	if (a[1] == 0)
		return set_times(p, AT_FDCWD, a[0], NULL, 0);
	if (copyin(p, &ub, a[1], sizeof(ub)) != 0)
		return -EFAULT;
	ts[0] = (struct timespec){ .tv_sec = ub.actime };
	ts[1] = (struct timespec){ .tv_sec = ub.modtime };
	return set_times(p, AT_FDCWD, a[0], ts, 0);
}

/*
 * No file here has extended attributes: get* is ENODATA (what Linux says
 * for a name a file does not have), list* is an empty list, and set* and
 * remove* are EOPNOTSUPP, as for a file system without them.  The path or
 * descriptor and the attribute name are checked first, as Linux does, so
 * a missing file is still ENOENT and a bad pointer EFAULT.
 */
static long
xattr_target(struct proc *p, const uint64_t *a, bool follow)
{
	char gpath[PATH_MAX];
	struct stat st;
	long r;

	if ((r = path_in(p, AT_FDCWD, a[0], gpath)) != 0)
		return r;
	return stat_path(p, gpath, follow, &st);
}

static long
xattr_name(struct proc *p, gva_t uname)
{
	char name[256];
	long r;

	if ((r = copyinstr(p, name, uname, sizeof(name))) < 0)
		return r == -ENAMETOOLONG ? -ERANGE : r;
	return r == 0 ? -ERANGE : 0;
}

static long
xattr_get(struct proc *p, const uint64_t *a, long target)
{
	long r;

	if (target < 0)
		return target;
	return (r = xattr_name(p, a[1])) != 0 ? r : -ENODATA;
}

long
sys_getxattr(struct proc *p, const uint64_t *a)
{
	return xattr_get(p, a, xattr_target(p, a, true));
}

long
sys_lgetxattr(struct proc *p, const uint64_t *a)
{
	return xattr_get(p, a, xattr_target(p, a, false));
}

long
sys_fgetxattr(struct proc *p, const uint64_t *a)
{
	return xattr_get(p, a, file_at(p, a[0]) ? 0 : -EBADF);
}

long
sys_listxattr(struct proc *p, const uint64_t *a)
{
	long r = xattr_target(p, a, p->frame.rax != SYS_llistxattr);

	return r < 0 ? r : 0;
}

long
sys_flistxattr(struct proc *p, const uint64_t *a)
{
	return file_at(p, a[0]) ? 0 : -EBADF;
}

long
sys_setxattr(struct proc *p, const uint64_t *a)
{
	long r;
	bool fd = p->frame.rax == SYS_fsetxattr ||
	    p->frame.rax == SYS_fremovexattr;

	if (fd)
		r = file_at(p, a[0]) ? 0 : -EBADF;
	else
		r = xattr_target(p, a, p->frame.rax == SYS_setxattr ||
		    p->frame.rax == SYS_removexattr);
	if (r < 0)
		return r;
	return (r = xattr_name(p, a[1])) != 0 ? r : -EOPNOTSUPP;
}
