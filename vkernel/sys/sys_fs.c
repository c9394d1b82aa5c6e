/* sys_fs.c: system calls on files by name: open, stat, statfs, unlink, rename, links, symlinks, truncate, sync, umask. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "shm.h"
#include "specfs.h"
#include "vfs.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE  (1 << 1)
#define RENAME_WHITEOUT  (1 << 2)
#endif
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
	struct stat st;
	long r;
	int fd;

	if (specfs_owns(gpath)) {
		/* A /proc link may lead to a host file and truncate it. */
		if ((r = specfs_open_mode(p, gpath, flags,
		    mode & 07777 & ~p->tg->umask, fp)) == 0 &&
		    (flags & O_TRUNC))
			open_truncated(*fp);
		return r;
	}
	p->nhostcalls++;
	st.st_mode = 0;
	if ((fd = vfs_open_fifo(gpath, flags, mode & 07777 & ~p->tg->umask,
	    &st)) < 0)
		return fd;
	if (S_ISFIFO(st.st_mode))
		return pipe_fifo_open(p, fd, &st, flags, fp);
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

/*
 * mknod: a regular file, a FIFO (the guest's pipe behind it: pipe.c) or a
 * socket file, beneath its parent as mkdir makes a directory.  Device
 * nodes are EPERM, as for a process without CAP_MKNOD: a guest never
 * makes a host device; a directory is EPERM, a symlink EINVAL, as Linux.
 */
static long
do_mknodat(struct proc *p, uint64_t dirfd, gva_t upath, uint64_t mode)
{
	char gpath[PATH_MAX];
	mode_t type = (mode_t)mode & S_IFMT;
	const char *base;
	long r;
	int pfd;

	if (type == S_IFCHR || type == S_IFBLK || type == S_IFDIR)
		return -EPERM;  /* a directory too, as Linux's may_mknod */
	if (type != 0 && type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
		return -EINVAL;
	if ((r = parent_at(p, dirfd, upath, true, gpath, &base, &pfd)) < 0)
		return r;
	r = vfs_dot(base) ? -EEXIST : mknodat(pfd, base, (type ? type : S_IFREG) |
	    ((mode_t)mode & 07777 & ~p->tg->umask), 0) != 0 ? -errno : 0;
	close(pfd);
	return r;
}

long
sys_mknod(struct proc *p, const uint64_t *a)
{
	return do_mknodat(p, AT_FDCWD, a[0], a[1]);
}

long
sys_mknodat(struct proc *p, const uint64_t *a)
{
	return do_mknodat(p, a[0], a[1], a[2]);
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
	/* A /dev/shm name is specfs's to remove (shm_unlink). */
	if (!(flags & AT_REMOVEDIR) && path_in(p, dirfd, upath, gpath) == 0 &&
	    specfs_owns(gpath) && (r = specfs_unlink(p, gpath)) <= 0)
		return r;
	if ((r = parent_at(p, dirfd, upath, false, gpath, &base, &pfd)) < 0)
		return r;
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
	    (r = path_in(p, nd, unew, g2)) < 0)
		return r;
	/* Within /dev/shm: specfs's names (RENAME_EXCHANGE is not built). */
	if (specfs_owns(g1) && specfs_owns(g2) && !(flags & RENAME_EXCHANGE) &&
	    (r = specfs_shm_link(p, g1, g2, true,
	    flags & RENAME_NOREPLACE)) <= 0)
		return r;
	if ((r = two_parents(p, g1, g2, &pfd1, &b1, &pfd2, &b2)) < 0)
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
	if (specfs_owns(g1) && specfs_owns(g2) &&
	    (r = specfs_shm_link(p, g1, g2, false, true)) <= 0)
		return r;
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

/* truncate(2) of a shared memory object by name: its seals and budget
 * first, through a host descriptor the host checks the access of. */
static long
truncate_shm(struct shm *s, off_t size)
{
	int fd = shm_open_fd(s, O_WRONLY);
	long r;

	if (fd < 0)
		return fd;
	if ((r = shm_resize_check(s, size)) == 0 && ftruncate(fd, size) != 0)
		r = -errno;
	shm_wrote(s);
	if (r == 0)
		vm_file_truncate_fd(fd, size);
	close(fd);
	return r;
}

long
sys_truncate(struct proc *p, const uint64_t *a)
{
	char gpath[PATH_MAX];
	struct shm *s;
	long r;
	int fd;

	if ((r = path_in(p, AT_FDCWD, a[0], gpath)) < 0)
		return r;
	if ((int64_t)a[1] >= 0 && specfs_owns(gpath) &&
	    (s = specfs_shm(p, gpath)) != NULL)
		return truncate_shm(s, (off_t)a[1]);
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
	/* A shared memory object's seals and budget first. */
	if (file_shm(f) != NULL &&
	    (r = shm_resize_check(file_shm(f), (off_t)a[1])) != 0)
		return r;
	p->nhostcalls++;
	r = ftruncate(f->hostfd, (off_t)a[1]) != 0 ? -errno : 0;
	if (file_shm(f) != NULL)
		shm_wrote(file_shm(f));
	if (r == 0)
		file_cache_truncate(f, (off_t)a[1]);
	return r;
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
	if (file_shm(f) != NULL && (r = shm_fallocate_check(file_shm(f),
	    (int)a[1], (off_t)a[2], (off_t)a[3])) != 0)
		return r;
	p->nhostcalls++;
	r = fallocate(f->hostfd, (int)a[1], (off_t)a[2], (off_t)a[3]) != 0 ?
	    -errno : 0;
	if (file_shm(f) != NULL)
		shm_wrote(file_shm(f));
	return r;
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
	mode_t old = p->tg->umask;

	p->tg->umask = (mode_t)a[0] & 0777;
	return old;
}
