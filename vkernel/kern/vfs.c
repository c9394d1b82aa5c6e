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

static bool ordinary(const struct statfs *sf);

int
vfs_init(const char *root, char *why, size_t whylen)
{
	char real[PATH_MAX];
	struct statfs sf;

	if (realpath(root, real) == NULL ||
	    (rootfd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstatfs(rootfd, &sf) != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (!ordinary(&sf)) {
		snprintf(why, whylen, "not on an ordinary file system "
		    "(type %#lx: procfs, sysfs, cgroup... are never a root)",
		    (unsigned long)sf.f_type);
		close(rootfd);
		rootfd = -1;
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
		snprintf(base, sizeof(base), "%s", p->tg->cwd);
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
 * The file systems a guest path may reach: ordinary ones, that hold files
 * and directories and nothing else (by statfs's f_type).  Everything
 * else is refused without being named, whatever a future kernel adds:
 * procfs and sysfs (the host's processes and devices), cgroup and
 * cgroup2 (every host pid, control files), debugfs, tracefs, securityfs,
 * bpf, configfs, pstore, efivarfs, devpts, mqueue, binfmt_misc, nsfs,
 * fusectl, selinuxfs... and hugetlbfs, which holds no secret but is no
 * ordinary file system (write(2) is EINVAL there, and its files take the
 * host's reserved huge pages).  devtmpfs says tmpfs's magic: its device
 * nodes are refused as devices.
 */
static const uint32_t ordinary_fs[] = {
	EXT4_SUPER_MAGIC,       /* ext2, ext3, ext4 */
	XFS_SUPER_MAGIC, BTRFS_SUPER_MAGIC, F2FS_SUPER_MAGIC,
	TMPFS_MAGIC,            /* tmpfs, devtmpfs */
	RAMFS_MAGIC, OVERLAYFS_SUPER_MAGIC,
	V9FS_MAGIC,
	FUSE_SUPER_MAGIC,       /* fuse, fuseblk, virtiofs */
	NFS_SUPER_MAGIC, CIFS_SUPER_MAGIC, SMB2_SUPER_MAGIC, SMB_SUPER_MAGIC,
	CEPH_SUPER_MAGIC, AFS_SUPER_MAGIC, AFS_FS_MAGIC, CODA_SUPER_MAGIC,
	AUTOFS_SUPER_MAGIC,     /* the directories it mounts on */
	MSDOS_SUPER_MAGIC,      /* msdos, vfat */
	EXFAT_SUPER_MAGIC, REISERFS_SUPER_MAGIC, OCFS2_SUPER_MAGIC,
	NILFS_SUPER_MAGIC, ISOFS_SUPER_MAGIC, UDF_SUPER_MAGIC,
	SQUASHFS_MAGIC, EROFS_SUPER_MAGIC_V1, CRAMFS_MAGIC, JFFS2_SUPER_MAGIC,
	ECRYPTFS_SUPER_MAGIC, MINIX_SUPER_MAGIC, MINIX_SUPER_MAGIC2,
	MINIX2_SUPER_MAGIC, MINIX2_SUPER_MAGIC2, MINIX3_SUPER_MAGIC,
	ADFS_SUPER_MAGIC, AFFS_SUPER_MAGIC, HPFS_SUPER_MAGIC, EFS_SUPER_MAGIC,
	/* Not in <linux/magic.h>: the file systems' own sources. */
	0x5346544e,             /* ntfs (NTFS_SB_MAGIC) */
	0x7366746e,             /* ntfs3 ("ntfs") */
	0xca451a4e,             /* bcachefs (BCACHEFS_STATFS_MAGIC) */
	0x2fc12fc1,             /* zfs (ZFS_SUPER_MAGIC) */
	0x3153464a,             /* jfs (JFS_SUPER_MAGIC) */
	0x01161970,             /* gfs2 (GFS2_MAGIC) */
	0x482b,                 /* hfsplus (HFSPLUS_SUPER_MAGIC) */
	0x4244,                 /* hfs (HFS_SUPER_MAGIC) */
	0x00011954,             /* ufs (UFS_MAGIC) */
	0x7275,                 /* romfs (ROMFS_MAGIC) */
	0x24051905,             /* ubifs (UBIFS_SUPER_MAGIC) */
	0x61756673,             /* aufs (AUFS_SUPER_MAGIC) */
	0x0BD00BD0,             /* lustre (LL_SUPER_MAGIC) */
	0x786f4256,             /* vboxsf (VBOXSF_SUPER_MAGIC) */
	0x47504653,             /* gpfs */
};

/* f_type is one of ordinary_fs. */
static bool
ordinary(const struct statfs *sf)
{
	size_t i;

	for (i = 0; i < sizeof(ordinary_fs) / sizeof(ordinary_fs[0]); i++)
		if ((uint32_t)sf->f_type == ordinary_fs[i])
			return true;
	return false;
}

/*
 * Defence in depth on what a host walk reached: nothing outside the
 * ordinary file systems (ENOENT, as if the name were not there: the
 * guest's world has its own /proc and /sys and none of the host's
 * pseudo file systems, and EACCES would tell it that something exists
 * that no permission explains, for root too), and, when it is to be
 * opened for I/O, no character or block device (EACCES: only specfs's
 * devices are the guest's).  0 or -errno; *st is the file's stat.
 */
static int
vfs_check(int fd, bool io, struct stat *st)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) != 0 || fstat(fd, st) != 0)
		return -errno;
	if (!ordinary(&sf))
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

/* Opens the file behind the host descriptor fd again with flags, through
 * its /proc/self/fd link (the same inode, no new walk, the host checking
 * the file's permissions as Linux's may_open does).  The new descriptor,
 * or -errno. */
static int
open_link(int fd, int flags, mode_t mode)
{
	char link[64];
	int nfd;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	nfd = open(link, flags | O_CLOEXEC, mode);
	return nfd < 0 ? -errno : nfd;
}

/* open_link of the O_PATH descriptor pfd, which is closed either way. */
static int
reopen(int pfd, int flags, mode_t mode)
{
	int fd = open_link(pfd, flags, mode);

	close(pfd);
	return fd;
}

/* The host flags for a guest's open flags: never block the vkernel's
 * thread in open (a FIFO), never let the host signal it (O_ASYNC), never
 * need aligned buffers (O_DIRECT). */
static int
host_flags(int flags)
{
	return (flags & ~(O_ASYNC | O_DIRECT | O_EXCL | O_NOCTTY)) |
	    O_NONBLOCK | O_NOCTTY;
}

/*
 * Makes the missing name gpath (O_CREAT) with open's host flags: its
 * parent is opened and checked first (vfs_open_parent), so nothing is
 * ever made on a file system the guest may not reach, and the name is
 * made there alone, O_EXCL|O_NOFOLLOW (a name that appeared meanwhile is
 * EEXIST).  The new descriptor, or -errno.
 */
static int
create(const char *gpath, int hflags, mode_t mode)
{
	const char *base;
	struct stat st;
	int pfd, fd;

	if ((pfd = vfs_open_parent(gpath, &base)) < 0)
		return pfd;
	if (vfs_dot(base)) {
		close(pfd);
		return -EEXIST;  /* it is a directory that exists */
	}
	fd = openat(pfd, base, hflags | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	fd = fd < 0 ? -errno : fd;
	close(pfd);
	return checked(fd, true, &st);
}

/*
 * O_CREAT of path, which did not resolve.  No name there: it is made
 * (create).  A dangling symlink there: path becomes its target, as Linux
 * follows it (an absolute target from the root, a relative one from the
 * link's directory; the host walks it again), and -EAGAIN says look
 * again, as when the name appeared meanwhile.  The new descriptor, or
 * -errno (ELOOP for a symlink with nofollow).
 */
static int
open_missing(char *path, bool nofollow, int hflags, mode_t mode)
{
	char target[PATH_MAX];
	char *end, *slash;
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = resolve(path, O_PATH | O_NOFOLLOW, 0)) == -ENOENT) {
		fd = create(path, hflags, mode);
		return fd == -EEXIST ? -EAGAIN : fd;
	}
	if (fd < 0)
		return fd;
	n = fstat(fd, &st) != 0 || !S_ISLNK(st.st_mode) ? -2 :
	    readlinkat(fd, "", target, sizeof(target) - 1);
	close(fd);
	if (n == -2)
		return -EAGAIN;  /* not a symlink: it appeared meanwhile */
	if (n <= 0)
		return -ENOENT;
	if (nofollow)
		return -ELOOP;
	target[n] = '\0';
	for (end = path + strlen(path); end > path && end[-1] == '/'; end--)
		;
	for (slash = end; slash > path && slash[-1] != '/'; slash--)
		;
	if (target[0] == '/')
		slash = path;
	if ((size_t)(slash - path) + (size_t)n >= PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(slash, target);
	return -EAGAIN;
}

int
vfs_open(const char *gpath, int flags, mode_t mode)
{
	return vfs_open_fifo(gpath, flags, mode, NULL);
}

/* May the caller open the file at fd (O_PATH) with flags: 0 or -errno. */
static int
may_open(int fd, int flags)
{
	static const int want[4] = { R_OK, W_OK, R_OK | W_OK, R_OK | W_OK };

	if (faccessat(fd, "", want[flags & O_ACCMODE],
	    AT_EMPTY_PATH | AT_EACCESS) != 0)
		return -errno;
	return 0;
}

int
vfs_open_fifo(const char *gpath, int flags, mode_t mode, struct stat *fifo)
{
	int hflags = host_flags(flags), fd, links, r;
	char path[PATH_MAX];
	struct stat st;

	if (flags & O_PATH)
		return checked(resolve(gpath, O_PATH | (flags & (O_NOFOLLOW |
		    O_DIRECTORY)), 0), false, &st);
	/* O_CREAT|O_EXCL makes a new regular file and never opens an old
	 * one; O_TMPFILE an unnamed one in a directory. */
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return create(gpath, hflags, mode);
	/* Anything else is looked at (O_PATH) before it is opened, so a
	 * device beneath the root is never opened at all; a missing name is
	 * made only beneath a directory that passed the same checks. */
	snprintf(path, sizeof(path), "%s", gpath);
	for (links = 0;; links++) {
		fd = resolve(path, O_PATH | (flags & (O_NOFOLLOW |
		    O_DIRECTORY)), 0);
		if (fd != -ENOENT || !(flags & O_CREAT))
			break;
		if (links == 40)
			return -ELOOP;  /* Linux's MAXSYMLINKS */
		if ((fd = open_missing(path, flags & O_NOFOLLOW, hflags,
		    mode)) != -EAGAIN)
			return fd;
	}
	if ((fd = checked(fd, true, &st)) < 0)
		return fd;
	if (S_ISLNK(st.st_mode) || ((flags & O_CREAT) && S_ISDIR(st.st_mode))) {
		close(fd);
		/* O_NOFOLLOW on a symlink; O_CREAT on a directory. */
		return S_ISLNK(st.st_mode) ? -ELOOP : -EISDIR;
	}
	if (fifo != NULL && S_ISFIFO(st.st_mode)) {
		if ((r = may_open(fd, flags)) < 0) {
			close(fd);
			return r;
		}
		*fifo = st;
		return fd;
	}
	return checked(reopen(fd, hflags & ~(O_CREAT | O_NOFOLLOW), mode),
	    true, &st);
}

int
vfs_open_path(const char *gpath, bool follow)
{
	return vfs_open(gpath, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
}

/* The accesses open(2) flags ask for (1 read, 2 write; O_TRUNC writes,
 * the access mode 3 asks for both, as Linux's ACC_MODE) or give (the
 * mode 3 and O_PATH give neither). */
static int
asks(int flags)
{
	static const int acc[4] = { 1, 2, 3, 3 };

	if (flags & O_PATH)
		return 0;
	return acc[flags & O_ACCMODE] | (flags & O_TRUNC ? 2 : 0);
}

static int
gives(int flags)
{
	static const int acc[4] = { 1, 2, 3, 0 };

	return flags & O_PATH ? 0 : acc[flags & O_ACCMODE];
}

/* The host file at fd is beneath the root, or was when it was unlinked
 * (its last name, " (deleted)", is). */
static bool
beneath(int fd)
{
	char link[64], host[PATH_MAX], guest[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, host, sizeof(host) - 1)) <= 0)
		return false;
	host[n] = '\0';
	if (n > 10 && strcmp(host + n - 10, " (deleted)") == 0)
		host[n - 10] = '\0';
	return host[0] == '/' && guest_of_host(host, guest, sizeof(guest)) == 0;
}

bool
vfs_within(int flags, int had)
{
	return (asks(flags) & ~gives(had)) == 0;
}

bool
vfs_ordinary(int hostfd)
{
	struct statfs sf;

	return fstatfs(hostfd, &sf) == 0 && ordinary(&sf);
}

int
vfs_reopen(int hostfd, int flags, int had, bool own)
{
	int hflags = flags & O_PATH ? O_PATH | (flags & O_DIRECTORY) :
	    host_flags(flags) & ~(O_CREAT | O_NOFOLLOW |
	    (O_TMPFILE & ~O_DIRECTORY));
	bool io = !(flags & O_PATH);
	struct stat st;
	int rc;

	if ((rc = vfs_check(hostfd, io, &st)) != 0)
		return rc;
	if (!vfs_within(flags, had) && (!own || !beneath(hostfd)))
		return -EACCES;
	return checked(open_link(hostfd, hflags, 0), io, &st);
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
