/* sys_fs.c: system calls on files by name and by descriptor: open, stat, directories, links, modes, owners, times, sizes, locks and the working directory. */

#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "kmem.h"
#include "lockf.h"
#include "specfs.h"
#include "vfs.h"

#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE  (1 << 1)
#define RENAME_WHITEOUT  (1 << 2)
#endif
#define LOCK_RETRY_MS 10  /* a blocking OFD lock or flock polls its
                              non-blocking form */

/* ---- paths and descriptors ---- */

/* The /proc/self/fd link of one of the vkernel's own descriptors: how a
 * call that has no *at form with an empty path reaches an O_PATH file. */
static void
fd_link(int hostfd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", hostfd);
}

/* The guest's path argument upath, absolute against dirfd (an int, as
 * Linux takes it): 0 or -errno (EFAULT, ENAMETOOLONG, ENOENT for "",
 * EBADF, ENOTDIR). */
static long
path_in(struct proc *p, uint64_t dirfd, gva_t upath, char *gpath)
{
	char path[PATH_MAX];
	long r;

	if ((r = copyinstr(p, path, upath, sizeof(path))) < 0)
		return r;
	return vfs_abspath(p, (int)dirfd, path, gpath);
}

/* Like path_in, but with AT_EMPTY_PATH an empty path names dirfd itself:
 * 1 and *fp (NULL for AT_FDCWD: then gpath is the directory's path), or
 * 0 with gpath, or -errno. */
static long
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
		snprintf(gpath, PATH_MAX, "%s", p->cwd);
		return 0;
	}
	return (*fp = fget(p, (int)dirfd)) != NULL ? 1 : -EBADF;
}

/* The file at fd (held: fget) that an I/O-less call may act on: NULL
 * for EBADF. */
static struct file *
file_at(struct proc *p, uint64_t fd)
{
	return fget(p, (int)fd);
}

/* The guest file at fd whose host file the calls that change a file
 * through a descriptor may change: -EBADF (none, or O_PATH), -EINVAL
 * (not a file beneath the root: a pipe, the vkernel's streams, specfs). */
static long
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
static long
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
static int
host_fd(struct proc *p, const char *gpath, bool follow, int flags, int *fd)
{
	p->nhostcalls++;
	if (specfs_owns(gpath))
		return specfs_host_fd(p, gpath, follow, flags, fd);
	*fd = vfs_open(gpath, flags | (follow ? 0 : O_NOFOLLOW), 0);
	return *fd < 0 ? *fd : 0;
}

/* ---- open ---- */

/* O_TMPFILE without its O_DIRECTORY (glibc's __O_TMPFILE has both). */
#define VK_O_TMPFILE_BIT 020000000

/* The flags open(2) knows; Linux ignores the others. */
#define OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | \
    O_APPEND | O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | 0100000 | \
    O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | \
    O_TMPFILE)

/* Linux's build_open_flags: unknown bits dropped, EINVAL for an
 * O_TMPFILE without write access or with O_CREAT; O_PATH keeps only
 * O_DIRECTORY, O_NOFOLLOW and O_CLOEXEC. */
static int
open_flags(uint64_t in, int *out)
{
	int flags = (int)in & OPEN_FLAGS;

	if (flags & VK_O_TMPFILE_BIT) {
		if ((flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE ||
		    (flags & O_ACCMODE) == O_RDONLY)
			return -EINVAL;
	}
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	*out = flags;
	return 0;
}

/*
 * After an open with O_TRUNC: the page cache drops what lies past the
 * file's end, as a truncate would.  The size is the host's (not 0): a
 * path that opened the file without truncating it (O_TRUNC is ignored for
 * what is not a regular file) then drops nothing inside the file.
 */
static void
open_truncated(struct file *f)
{
	struct vm_object *o;
	struct stat st;

	if (f->hostfd >= 0 && vm_file_count() > 0 &&
	    fstat(f->hostfd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (o = vm_file_find(st.st_dev, st.st_ino)) != NULL)
		vm_file_truncate(o, st.st_size);
}

/* Opens gpath with checked flags for p: a new struct file, or -errno. */
static long
open_file(struct proc *p, const char *gpath, int flags, mode_t mode,
    struct file **fp)
{
	long r;
	int fd;

	if (specfs_owns(gpath)) {
		/* A /proc link may lead to a host file and truncate it. */
		if ((r = specfs_open(p, gpath, flags, fp)) == 0 &&
		    (flags & O_TRUNC))
			open_truncated(*fp);
		return r;
	}
	p->nhostcalls++;
	if ((fd = vfs_open(gpath, flags, mode & 07777 & ~p->umask)) < 0)
		return fd;
	if ((*fp = file_vfs_new(fd, flags)) == NULL) {
		int err = errno;

		close(fd);
		return -err;
	}
	if (flags & O_TRUNC)
		open_truncated(*fp);
	return 0;
}

static long
do_open(struct proc *p, uint64_t dirfd, gva_t upath, uint64_t uflags,
    uint64_t mode)
{
	char gpath[PATH_MAX];
	struct file *f;
	int flags;
	long r;

	if ((r = open_flags(uflags, &flags)) < 0 ||
	    (r = path_in(p, dirfd, upath, gpath)) < 0 ||
	    (r = open_file(p, gpath, flags, (mode_t)mode, &f)) < 0)
		return r;
	r = fdtab_alloc(p->fds, f, 0, (long)sys_rlimit_cur(p, RLIMIT_NOFILE),
	    (flags & O_CLOEXEC) != 0);
	if (r < 0)
		file_unref(f);
	return r;
}

long
sys_open(struct proc *p, const uint64_t *a)
{
	return do_open(p, AT_FDCWD, a[0], a[1], a[2]);
}

long
sys_openat(struct proc *p, const uint64_t *a)
{
	return do_open(p, a[0], a[1], a[2], a[3]);
}

long
sys_creat(struct proc *p, const uint64_t *a)
{
	return do_open(p, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1]);
}

/* ---- stat ---- */

/* stat of gpath (follow: of what a symlink names): 0 or -errno. */
static int
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

static int
stat_file(struct file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	return f->ops->stat != NULL ? f->ops->stat(f, st) : -EBADF;
}

static long
do_fstatat(struct proc *p, uint64_t dirfd, gva_t upath, gva_t ubuf,
    uint64_t flags)
{
	char gpath[PATH_MAX];
	struct stat st;
	struct file *f;
	long r;

	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH |
	    AT_NO_AUTOMOUNT))
		return -EINVAL;
	if ((r = at_path(p, dirfd, upath, flags & AT_EMPTY_PATH, gpath, &f)) < 0)
		return r;
	r = f != NULL ? stat_file(f, &st) :
	    stat_path(p, gpath, !(flags & AT_SYMLINK_NOFOLLOW), &st);
	if (r < 0)
		return r;
	return copyout(p, ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

long
sys_newfstatat(struct proc *p, const uint64_t *a)
{
	return do_fstatat(p, a[0], a[1], a[2], a[3]);
}

long
sys_stat(struct proc *p, const uint64_t *a)
{
	return do_fstatat(p, AT_FDCWD, a[0], a[1], 0);
}

long
sys_lstat(struct proc *p, const uint64_t *a)
{
	return do_fstatat(p, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

/* A struct stat as statx reports it (the basic fields). */
static void
statx_of(const struct stat *st, struct statx *sx)
{
	memset(sx, 0, sizeof(*sx));
	sx->stx_mask = STATX_BASIC_STATS;
	sx->stx_blksize = (uint32_t)st->st_blksize;
	sx->stx_nlink = (uint32_t)st->st_nlink;
	sx->stx_uid = st->st_uid;
	sx->stx_gid = st->st_gid;
	sx->stx_mode = (uint16_t)st->st_mode;
	sx->stx_ino = st->st_ino;
	sx->stx_size = (uint64_t)st->st_size;
	sx->stx_blocks = (uint64_t)st->st_blocks;
	sx->stx_atime.tv_sec = st->st_atim.tv_sec;
	sx->stx_atime.tv_nsec = (uint32_t)st->st_atim.tv_nsec;
	sx->stx_mtime.tv_sec = st->st_mtim.tv_sec;
	sx->stx_mtime.tv_nsec = (uint32_t)st->st_mtim.tv_nsec;
	sx->stx_ctime.tv_sec = st->st_ctim.tv_sec;
	sx->stx_ctime.tv_nsec = (uint32_t)st->st_ctim.tv_nsec;
	sx->stx_rdev_major = major(st->st_rdev);
	sx->stx_rdev_minor = minor(st->st_rdev);
	sx->stx_dev_major = major(st->st_dev);
	sx->stx_dev_minor = minor(st->st_dev);
}

/* statx of a host descriptor (the host fills in what it has). */
static int
statx_fd(int fd, int flags, unsigned mask, struct statx *sx)
{
	return statx(fd, "", AT_EMPTY_PATH | (flags & AT_STATX_SYNC_TYPE),
	    mask, sx) != 0 ? -errno : 0;
}

/* statx: a NULL path is "" with AT_EMPTY_PATH, as on Linux 6.11. */
long
sys_statx(struct proc *p, const uint64_t *a)
{
	char gpath[PATH_MAX];
	struct statx sx;
	struct stat st;
	struct file *f = NULL;
	int flags = (int)a[2], fd;
	long r;

	if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
	    AT_STATX_SYNC_TYPE)) ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE ||
	    (a[3] & STATX__RESERVED))
		return -EINVAL;
	if (a[1] == 0 && (flags & AT_EMPTY_PATH) && (int)a[0] != AT_FDCWD) {
		if ((f = file_at(p, a[0])) == NULL)
			return -EBADF;
	} else if ((r = at_path(p, a[0], a[1], flags & AT_EMPTY_PATH, gpath,
	    &f)) < 0) {
		return r;
	}
	if (f != NULL && f->hostfd >= 0) {
		r = statx_fd(f->hostfd, flags, (unsigned)a[3], &sx);
	} else if (f != NULL) {
		if ((r = stat_file(f, &st)) == 0)
			statx_of(&st, &sx);
	} else if ((r = host_fd(p, gpath, !(flags & AT_SYMLINK_NOFOLLOW),
	    O_PATH, &fd)) == 0 && fd >= 0) {
		r = statx_fd(fd, flags, (unsigned)a[3], &sx);
		close(fd);
	} else if (r == 0) {  /* specfs's own */
		if ((r = specfs_stat(p, gpath, !(flags & AT_SYMLINK_NOFOLLOW),
		    &st)) == 0)
			statx_of(&st, &sx);
	}
	if (r < 0)
		return r;
	return copyout(p, a[4], &sx, sizeof(sx)) ? -EFAULT : 0;
}

/* A statfs for specfs: /proc as procfs, /dev as the tmpfs devtmpfs is. */
static void
specfs_statfs(const char *gpath, struct statfs *sf)
{
	memset(sf, 0, sizeof(*sf));
	sf->f_type = strncmp(gpath, "/proc", 5) == 0 ? PROC_SUPER_MAGIC :
	    TMPFS_MAGIC;
	sf->f_bsize = sf->f_frsize = 4096;
	sf->f_namelen = 255;
	sf->f_flags = ST_NOSUID | ST_NOEXEC;
}

long
sys_statfs(struct proc *p, const uint64_t *a)
{
	char gpath[PATH_MAX];
	struct statfs sf;
	struct stat st;
	long r;
	int fd;

	if ((r = path_in(p, AT_FDCWD, a[0], gpath)) < 0 ||
	    (r = host_fd(p, gpath, true, O_PATH, &fd)) < 0)
		return r;
	if (fd < 0) {  /* specfs's own */
		if ((r = specfs_stat(p, gpath, true, &st)) < 0)
			return r;
		specfs_statfs(gpath, &sf);
		if (S_ISFIFO(st.st_mode))
			sf.f_type = PIPEFS_MAGIC;  /* a pipe's: as fstatfs says */
	} else {
		r = fstatfs(fd, &sf) != 0 ? -errno : 0;
		close(fd);
		if (r < 0)
			return r;
	}
	return copyout(p, a[1], &sf, sizeof(sf)) ? -EFAULT : 0;
}

long
sys_fstatfs(struct proc *p, const uint64_t *a)
{
	struct statfs sf;
	struct file *f;

	if ((f = file_at(p, a[0])) == NULL)
		return -EBADF;
	if (f->hostfd >= 0) {
		p->nhostcalls++;
		if (fstatfs(f->hostfd, &sf) != 0)
			return -errno;
	} else {
		memset(&sf, 0, sizeof(sf));
		sf.f_type = PIPEFS_MAGIC;  /* pipes: Linux's pipefs */
		sf.f_bsize = sf.f_frsize = 4096;
		sf.f_namelen = 255;
	}
	return copyout(p, a[1], &sf, sizeof(sf)) ? -EFAULT : 0;
}

/* ---- directories ---- */

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
	buf = kmem_bounce(p, small, &bsize);
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

	if ((r = path_in(p, dirfd, upath, gpath)) < 0)
		return r;
	if (specfs_owns(gpath))
		return specfs_refuse(p, gpath, true);
	p->nhostcalls++;
	if ((pfd = vfs_open_parent(gpath, &base)) < 0)
		return pfd;
	r = vfs_dot(base) ? -EEXIST : mkdirat(pfd, base,
	    (mode_t)mode & 07777 & ~p->umask) != 0 ? -errno : 0;
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

/* unlink and rmdir.  "." and ".." are refused as Linux refuses them. */
static long
do_unlinkat(struct proc *p, uint64_t dirfd, gva_t upath, uint64_t flags)
{
	char gpath[PATH_MAX];
	const char *base;
	long r;
	int pfd;

	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	if ((r = path_in(p, dirfd, upath, gpath)) < 0)
		return r;
	if (specfs_owns(gpath))
		return specfs_refuse(p, gpath, false);
	p->nhostcalls++;
	if ((pfd = vfs_open_parent(gpath, &base)) < 0)
		return pfd;
	if (vfs_dot(base))
		r = !(flags & AT_REMOVEDIR) ? -EISDIR :
		    base[1] == '.' ? -ENOTEMPTY : -EINVAL;
	else
		r = unlinkat(pfd, base, (int)flags) != 0 ? -errno : 0;
	close(pfd);
	return r;
}

long
sys_unlink(struct proc *p, const uint64_t *a)
{
	return do_unlinkat(p, AT_FDCWD, a[0], 0);
}

long
sys_unlinkat(struct proc *p, const uint64_t *a)
{
	return do_unlinkat(p, a[0], a[1], a[2]);
}

long
sys_rmdir(struct proc *p, const uint64_t *a)
{
	return do_unlinkat(p, AT_FDCWD, a[0], AT_REMOVEDIR);
}

/* Both names of rename or link, each as a parent directory and a last
 * component; specfs on either side is refused (EXDEV when only one is:
 * another file system).  0 or -errno; on 0 both descriptors are open. */
static long
two_parents(struct proc *p, const char *g1, const char *g2, int *pfd1,
    const char **b1, int *pfd2, const char **b2)
{
	bool s1 = specfs_owns(g1), s2 = specfs_owns(g2);

	if (s1 || s2)
		return s1 && s2 ? specfs_refuse(p, g1, false) : -EXDEV;
	p->nhostcalls++;
	if ((*pfd1 = vfs_open_parent(g1, b1)) < 0)
		return *pfd1;
	if ((*pfd2 = vfs_open_parent(g2, b2)) < 0) {
		close(*pfd1);
		return *pfd2;
	}
	return 0;
}

static long
do_renameat2(struct proc *p, uint64_t od, gva_t uold, uint64_t nd,
    gva_t unew, uint64_t flags)
{
	char g1[PATH_MAX], g2[PATH_MAX];
	const char *b1, *b2;
	int pfd1, pfd2;
	long r;

	if (flags & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE |
	    RENAME_WHITEOUT))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)
		return -EPERM;  /* makes a device node: as without CAP_MKNOD */
	if ((r = path_in(p, od, uold, g1)) < 0 ||
	    (r = path_in(p, nd, unew, g2)) < 0 ||
	    (r = two_parents(p, g1, g2, &pfd1, &b1, &pfd2, &b2)) < 0)
		return r;
	if (vfs_dot(b1) || vfs_dot(b2))
		r = -EBUSY;
	else if (syscall(SYS_renameat2, pfd1, b1, pfd2, b2,
	    (unsigned)flags) != 0)
		r = -errno;
	close(pfd1);
	close(pfd2);
	return r;
}

long
sys_rename(struct proc *p, const uint64_t *a)
{
	return do_renameat2(p, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

long
sys_renameat(struct proc *p, const uint64_t *a)
{
	return do_renameat2(p, a[0], a[1], a[2], a[3], 0);
}

long
sys_renameat2(struct proc *p, const uint64_t *a)
{
	return do_renameat2(p, a[0], a[1], a[2], a[3], a[4]);
}

/* link with AT_SYMLINK_FOLLOW or AT_EMPTY_PATH: the file behind the
 * host descriptor hfd (through its /proc/self/fd link, which needs no
 * privilege) gets the new name. */
static long
link_fd(struct proc *p, int hfd, const char *g2)
{
	char link[64];
	const char *b2;
	int pfd;
	long r;

	if (specfs_owns(g2))
		return -EXDEV;
	if ((pfd = vfs_open_parent(g2, &b2)) < 0)
		return pfd;
	fd_link(hfd, link, sizeof(link));
	p->nhostcalls++;
	r = vfs_dot(b2) ? -EEXIST : linkat(AT_FDCWD, link, pfd, b2,
	    AT_SYMLINK_FOLLOW) != 0 ? -errno : 0;
	close(pfd);
	return r;
}

static long
do_linkat(struct proc *p, uint64_t od, gva_t uold, uint64_t nd, gva_t unew,
    uint64_t flags)
{
	char g1[PATH_MAX], g2[PATH_MAX];
	const char *b1, *b2;
	struct file *f;
	int pfd1, pfd2, fd;
	long r;

	if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((r = at_path(p, od, uold, flags & AT_EMPTY_PATH, g1, &f)) < 0 ||
	    (r = path_in(p, nd, unew, g2)) < 0)
		return r;
	if (f != NULL)
		return file_is_vfs(f) ? link_fd(p, f->hostfd, g2) : -EXDEV;
	if ((flags & AT_SYMLINK_FOLLOW) &&
	    (r = host_fd(p, g1, true, O_PATH, &fd)) < 0)
		return r;
	if ((flags & AT_SYMLINK_FOLLOW) && fd >= 0) {
		r = link_fd(p, fd, g2);
		close(fd);
		return r;
	}
	if ((r = two_parents(p, g1, g2, &pfd1, &b1, &pfd2, &b2)) < 0)
		return r;
	if (vfs_dot(b1) || vfs_dot(b2))
		r = vfs_dot(b2) ? -EEXIST : -EPERM; /* no links to directories */
	else if (linkat(pfd1, b1, pfd2, b2, 0) != 0)
		r = -errno;
	close(pfd1);
	close(pfd2);
	return r;
}

long
sys_link(struct proc *p, const uint64_t *a)
{
	return do_linkat(p, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

long
sys_linkat(struct proc *p, const uint64_t *a)
{
	return do_linkat(p, a[0], a[1], a[2], a[3], a[4]);
}

/* The target is stored as the guest wrote it: it is resolved, beneath
 * the root, only when a path goes through the link. */
static long
do_symlinkat(struct proc *p, gva_t utarget, uint64_t nd, gva_t unew)
{
	char target[PATH_MAX], gpath[PATH_MAX];
	const char *base;
	long r;
	int pfd;

	if ((r = copyinstr(p, target, utarget, sizeof(target))) < 0 ||
	    (r = path_in(p, nd, unew, gpath)) < 0)
		return r;
	if (target[0] == '\0')
		return -ENOENT;
	if (specfs_owns(gpath))
		return specfs_refuse(p, gpath, true);
	p->nhostcalls++;
	if ((pfd = vfs_open_parent(gpath, &base)) < 0)
		return pfd;
	r = vfs_dot(base) ? -EEXIST :
	    symlinkat(target, pfd, base) != 0 ? -errno : 0;
	close(pfd);
	return r;
}

long
sys_symlink(struct proc *p, const uint64_t *a)
{
	return do_symlinkat(p, a[0], AT_FDCWD, a[1]);
}

long
sys_symlinkat(struct proc *p, const uint64_t *a)
{
	return do_symlinkat(p, a[0], a[1], a[2]);
}

static long
do_readlinkat(struct proc *p, uint64_t dirfd, gva_t upath, gva_t ubuf,
    uint64_t size)
{
	char gpath[PATH_MAX], buf[PATH_MAX];
	size_t len = size > sizeof(buf) ? sizeof(buf) : size;
	struct stat st;
	long r;
	int fd;

	if ((int)size <= 0)
		return -EINVAL;
	if ((r = path_in(p, dirfd, upath, gpath)) < 0)
		return r;
	if ((r = host_fd(p, gpath, false, O_PATH, &fd)) < 0)
		return r;
	if (fd < 0) {  /* specfs's own: its links */
		r = specfs_readlink(p, gpath, buf, len);
	} else {
		if (fstat(fd, &st) != 0)
			r = -errno;
		else if (!S_ISLNK(st.st_mode))
			r = -EINVAL;
		else if ((r = readlinkat(fd, "", buf, len)) < 0)
			r = -errno;
		close(fd);
	}
	if (r < 0)
		return r;
	return copyout(p, ubuf, buf, (size_t)r) ? -EFAULT : r;
}

long
sys_readlink(struct proc *p, const uint64_t *a)
{
	return do_readlinkat(p, AT_FDCWD, a[0], a[1], a[2]);
}

long
sys_readlinkat(struct proc *p, const uint64_t *a)
{
	return do_readlinkat(p, a[0], a[1], a[2], a[3]);
}

/* ---- access, modes, owners, times, sizes ---- */

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

/* What a name-taking call that changes a file acts on: an O_PATH host
 * descriptor of the file gpath names (follow or not; through a specfs
 * link too, as host_fd says), or specfs's refusal (EPERM: the vkernel's
 * streams, pipes and specfs files are not the guest's to change). */
static int
change_fd(struct proc *p, const char *gpath, bool follow)
{
	int fd, r;

	if ((r = host_fd(p, gpath, follow, O_PATH, &fd)) < 0)
		return r;
	return fd >= 0 ? fd : (int)specfs_refuse(p, gpath, false);
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

/* truncate of a specfs name, or of what a specfs link names that is not
 * beneath the root: EISDIR and EINVAL for what is no regular file (a
 * pipe, a device), as Linux checks before permissions; else refused. */
static long
truncate_refuse(struct proc *p, const char *gpath)
{
	struct stat st;
	int r;

	if ((r = specfs_stat(p, gpath, true, &st)) < 0)
		return r;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return S_ISREG(st.st_mode) ? specfs_refuse(p, gpath, false) : -EINVAL;
}

long
sys_truncate(struct proc *p, const uint64_t *a)
{
	char gpath[PATH_MAX];
	long r;
	int fd;

	if ((r = path_in(p, AT_FDCWD, a[0], gpath)) < 0)
		return r;
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	if ((r = host_fd(p, gpath, true, O_WRONLY, &fd)) < 0)
		return r;
	if (fd < 0)
		return truncate_refuse(p, gpath);
	r = ftruncate(fd, (off_t)a[1]) != 0 ? -errno : 0;
	if (r == 0)
		vm_file_truncate_fd(fd, (off_t)a[1]); /* the page cache too */
	close(fd);
	return r;
}

long
sys_ftruncate(struct proc *p, const uint64_t *a)
{
	struct file *f;
	long r;

	if ((r = vfs_file_at(p, a[0], &f)) < 0)
		return r;
	if ((int64_t)a[1] < 0 || !file_writable(f))
		return -EINVAL;
	p->nhostcalls++;
	if (ftruncate(f->hostfd, (off_t)a[1]) != 0)
		return -errno;
	file_cache_truncate(f, (off_t)a[1]);
	return 0;
}

long
sys_fallocate(struct proc *p, const uint64_t *a)
{
	struct file *f;
	long r;

	if ((r = vfs_file_at(p, a[0], &f)) < 0)
		return r == -EINVAL ? -ENODEV : r;
	if ((int64_t)a[2] < 0 || (int64_t)a[3] <= 0)
		return -EINVAL;
	if (!file_writable(f))
		return -EBADF;
	p->nhostcalls++;
	return fallocate(f->hostfd, (int)a[1], (off_t)a[2], (off_t)a[3]) != 0 ?
	    -errno : 0;
}

long
sys_fadvise64(struct proc *p, const uint64_t *a)
{
	struct file *f;

	if ((f = file_at(p, a[0])) == NULL || (f->flags & O_PATH))
		return -EBADF;
	if (f->hostfd < 0)
		return -ESPIPE;
	p->nhostcalls++;
	return -posix_fadvise(f->hostfd, (off_t)a[1], (off_t)a[2], (int)a[3]);
}

/* fsync and fdatasync: EINVAL where there is nothing to sync (a pipe). */
long
sys_fsync(struct proc *p, const uint64_t *a)
{
	struct file *f;
	int r;

	if ((f = file_at(p, a[0])) == NULL || (f->flags & O_PATH))
		return -EBADF;
	if (f->hostfd < 0)
		return -EINVAL;
	p->nhostcalls++;
	if ((r = file_cache_sync(f)) != 0)
		return r;
	if (p->frame.rax == SYS_fdatasync)
		return fdatasync(f->hostfd) != 0 ? -errno : 0;
	return fsync(f->hostfd) != 0 ? -errno : 0;
}

long
sys_syncfs(struct proc *p, const uint64_t *a)
{
	struct file *f;

	if ((f = file_at(p, a[0])) == NULL || (f->flags & O_PATH))
		return -EBADF;
	if (f->hostfd < 0 || !file_is_vfs(f))
		return 0;
	p->nhostcalls++;
	return syncfs(f->hostfd) != 0 ? -errno : 0;
}

long
sys_umask(struct proc *p, const uint64_t *a)
{
	mode_t old = p->umask;

	p->umask = (mode_t)a[0] & 0777;
	return old;
}

/* ---- vectored and positioned I/O, sendfile ---- */

/* The file at fd for reading (or writing) with a position: -EBADF,
 * -ESPIPE (no position: a pipe). */
static long
pos_file(struct proc *p, uint64_t fd, bool write, struct file **fp)
{
	struct file *f = file_at(p, fd);

	if (f == NULL || (write ? !file_writable(f) : !file_readable(f)))
		return -EBADF;
	if ((write ? (void *)f->ops->pwrite : (void *)f->ops->pread) == NULL)
		return -ESPIPE;
	*fp = f;
	return 0;
}

/* Copies len bytes between buf and the iovecs, from byte skip of them
 * on (out: to the guest).  0 or -EFAULT. */
static int
iov_copy(struct proc *p, const struct iovec *iov, uint64_t cnt, size_t skip,
    char *buf, size_t len, bool out)
{
	uint64_t i;

	for (i = 0; i < cnt && len > 0; i++) {
		size_t n = iov[i].iov_len;
		gva_t va = (gva_t)iov[i].iov_base;

		if (skip >= n) {
			skip -= n;
			continue;
		}
		va += skip;
		n -= skip;
		skip = 0;
		if (n > len)
			n = len;
		if (out ? copyout(p, va, buf, n) : copyin(p, buf, va, n))
			return -EFAULT;
		buf += n;
		len -= n;
	}
	return 0;
}

/* preadv/preadv2: one positioned read of up to a chunk, scattered. */
static long
do_preadv(struct proc *p, const uint64_t *a, int64_t off)
{
	struct iovec fast[UIO_FASTIOV], *iov;
	char small[KMEM_SMALL], *buf;
	struct file *f;
	long total, r;
	size_t bsize;

	if ((r = pos_file(p, a[0], false, &f)) < 0)
		return r;
	if (off < 0)
		return -EINVAL;
	if ((total = sys_iov_in(p, fast, &iov, a[1], a[2])) <= 0)
		return total;
	buf = kmem_bounce(p, small, &bsize);
	if (total > (long)bsize)
		total = (long)bsize;
	p->nhostcalls++;
	if ((r = f->ops->pread(f, buf, (size_t)total, (off_t)off)) <= 0)
		return r;
	return iov_copy(p, iov, a[2], 0, buf, (size_t)r, true) ? -EFAULT : r;
}

/* pwritev/pwritev2: gathered and written a chunk at a time. */
static long
do_pwritev(struct proc *p, const uint64_t *a, int64_t off)
{
	struct iovec fast[UIO_FASTIOV], *iov;
	char small[KMEM_SMALL], *buf;
	struct file *f;
	long total, done = 0, r;
	size_t bsize;

	if ((r = pos_file(p, a[0], true, &f)) < 0)
		return r;
	if (off < 0)
		return -EINVAL;
	if ((total = sys_iov_in(p, fast, &iov, a[1], a[2])) <= 0)
		return total;
	buf = kmem_bounce(p, small, &bsize);
	while (done < total) {
		size_t n = (size_t)(total - done) > bsize ? bsize :
		    (size_t)(total - done);

		if (iov_copy(p, iov, a[2], (size_t)done, buf, n, false) != 0)
			return done > 0 ? done : -EFAULT;
		p->nhostcalls++;
		if ((r = f->ops->pwrite(f, buf, n, (off_t)(off + done))) < 0)
			return done > 0 ? done : r;
		done += r;
		if ((size_t)r < n)
			break;
	}
	return done;
}

long
sys_preadv(struct proc *p, const uint64_t *a)
{
	return do_preadv(p, a, (int64_t)a[3]);
}

long
sys_pwritev(struct proc *p, const uint64_t *a)
{
	return do_pwritev(p, a, (int64_t)a[3]);
}

/* The v2 forms: no RWF_* flags (EOPNOTSUPP, as Linux says for flags it
 * does not support); offset -1 is the file's position (readv/writev). */
long
sys_preadv2(struct proc *p, const uint64_t *a)
{
	if (a[5] != 0)
		return -EOPNOTSUPP;
	return (int64_t)a[3] == -1 ? sys_readv(p, a) :
	    do_preadv(p, a, (int64_t)a[3]);
}

long
sys_pwritev2(struct proc *p, const uint64_t *a)
{
	if (a[5] != 0)
		return -EOPNOTSUPP;
	return (int64_t)a[3] == -1 ? sys_writev(p, a) :
	    do_pwritev(p, a, (int64_t)a[3]);
}

/* Writes all of buf[0..n) to f (it may sleep): bytes written or -errno. */
static long
write_all(struct proc *p, struct file *f, const char *buf, size_t n)
{
	size_t done = 0;
	long r;

	while (done < n) {
		if ((r = f->ops->write(f, p, buf + done, n - done)) < 0)
			return done > 0 ? (long)done : r == -EPIPE ?
			    sys_epipe(p) : r;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (long)done;
}

/*
 * sendfile: from any readable file (at *offset with pread when offset is
 * given, leaving its position alone) to any writable one, through a
 * bounce buffer a chunk at a time; stops at end of file or a short write.
 */
long
sys_sendfile(struct proc *p, const uint64_t *a)
{
	char small[KMEM_SMALL], *buf;
	struct file *in, *out;
	size_t bsize;
	uint64_t count = a[3] > MAX_RW_COUNT ? MAX_RW_COUNT : a[3];
	int64_t off = 0;
	long done = 0, r, w;

	if ((in = file_at(p, a[1])) == NULL || !file_readable(in) ||
	    (out = file_at(p, a[0])) == NULL || !file_writable(out))
		return -EBADF;
	if (out->flags & O_APPEND)
		return -EINVAL;
	if (a[2] != 0) {
		if (copyin(p, &off, a[2], sizeof(off)) != 0)
			return -EFAULT;
		if (off < 0)
			return -EINVAL;
		if (in->ops->pread == NULL)
			return -ESPIPE;
	}
	buf = kmem_bounce(p, small, &bsize);
	while ((uint64_t)done < count) {
		size_t n = count - done > bsize ? bsize : count - done;

		p->nhostcalls++;
		r = a[2] != 0 ? in->ops->pread(in, buf, n, (off_t)(off + done)) :
		    in->ops->read(in, p, buf, n);
		if (r <= 0) {
			if (done == 0)
				done = r;
			break;
		}
		if ((w = write_all(p, out, buf, (size_t)r)) < 0) {
			if (done == 0)
				done = w;
			break;
		}
		done += w;
		if (w < r)
			break;
	}
	if (a[2] != 0 && done > 0) {
		off += done;
		if (copyout(p, a[2], &off, sizeof(off)) != 0)
			return -EFAULT;
	}
	return done;
}

/* ---- locks ---- */

/* Sleeps LOCK_RETRY_MS (a blocking lock's next try): 0, or
 * -ERESTARTSYS when a signal came. */
static int
lock_pause(struct proc *p)
{
	struct timespec rel = { 0, LOCK_RETRY_MS * 1000000L }, dl;
	int r;

	deadline_after(&dl, &rel);
	r = proc_sleep(p, NULL, NULL, 0, &dl);
	return r == -ERESTARTSYS ? r : 0;
}

/*
 * fcntl's record locks.  POSIX locks (F_GETLK, F_SETLK, F_SETLKW) are the
 * vkernel's own, per process as on Linux (lockf.c).  Open file
 * description locks are the host's, on the guest's own description,
 * which is what they are on Linux; they conflict with the guests' POSIX
 * locks through the description lockf.c holds those on.  A blocking OFD
 * request never blocks the vkernel's thread: the non-blocking one is
 * retried every LOCK_RETRY_MS, interruptible by signals.
 */
long
sys_fcntl_lock(struct proc *p, struct file *f, long fd, int cmd,
    uint64_t arg)
{
	int hcmd = cmd == F_OFD_GETLK ? F_OFD_GETLK : F_OFD_SETLK;
	struct flock fl, req;
	long r;

	if (f->hostfd < 0 || (f->flags & O_PATH))
		return f->flags & O_PATH ? -EBADF : -EINVAL;
	if (copyin(p, &fl, arg, sizeof(fl)) != 0)
		return -EFAULT;
	switch (cmd) {
	case F_SETLK:
	case F_SETLKW:
		return lockf_setlk(p, f, fd, &fl, cmd == F_SETLKW);
	case F_GETLK:
		if ((r = lockf_getlk(p, f, &fl)) == 0 &&
		    copyout(p, arg, &fl, sizeof(fl)) != 0)
			return -EFAULT;
		return r;
	}
	req = fl;
	for (;;) {  /* f is held (fget) across the sleeps */
		p->nhostcalls++;
		if ((r = fcntl(f->hostfd, hcmd, &fl)) == 0)
			break;
		r = -errno;
		if (cmd != F_OFD_SETLKW || (r != -EAGAIN && r != -EACCES) ||
		    (r = lock_pause(p)) != 0)
			break;
	}
	if (r == 0 && cmd == F_OFD_GETLK) {
		/* A guest's POSIX lock is reported with its pid. */
		if (fl.l_type != F_UNLCK)
			lockf_ofd_holder(f, &req, &fl);
		if (copyout(p, arg, &fl, sizeof(fl)) != 0)
			return -EFAULT;
	}
	return r;
}

/* flock: the host's (per open file description, as on Linux), with the
 * same retry for a blocking request. */
long
sys_flock(struct proc *p, const uint64_t *a)
{
	int op = (int)a[1], type = op & ~LOCK_NB;
	struct file *f;
	long r;

	if ((f = file_at(p, a[0])) == NULL || (f->flags & O_PATH))
		return -EBADF;
	if (type != LOCK_SH && type != LOCK_EX && type != LOCK_UN)
		return -EINVAL;
	if (f->hostfd < 0)
		return -EINVAL;
	for (;;) {  /* f is held (fget) across the sleeps */
		p->nhostcalls++;
		if ((r = flock(f->hostfd, type | LOCK_NB)) == 0)
			break;
		r = -errno;
		if ((op & LOCK_NB) || r != -EWOULDBLOCK ||
		    (r = lock_pause(p)) != 0)
			break;
	}
	return r;
}

/* ---- the working directory ---- */

long
sys_getcwd(struct proc *p, const uint64_t *a)
{
	size_t len = strlen(p->cwd) + 1;

	if (a[1] < len)
		return -ERANGE;
	return copyout(p, a[0], p->cwd, len) ? -EFAULT : (long)len;
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
	return vfs_fd_path(fd, p->cwd, sizeof(p->cwd));
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
		snprintf(p->cwd, sizeof(p->cwd), "%s", gpath);
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

/* ---- extended attributes: none ---- */

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
