/* vfs.h: guest paths: the -r root, names made absolute against a directory, and host descriptors opened only beneath the root. */
#ifndef VKERNEL_VFS_H
#define VKERNEL_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct proc;

/*
 * A guest path names a file beneath the guest root (-r, default /).  The
 * vkernel holds an O_PATH descriptor of the root and opens every guest
 * path with openat2(root, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS):
 * the host kernel resolves each component, treating ".." at the root and
 * absolute symlinks as the root itself, and refuses /proc magic links, so
 * no guest string reaches a host file outside the root, however it races
 * with renames (the kernel checks as it walks, not before).
 */

/* Opens the root (on an ordinary file system, as vfs_open checks).  0,
 * or -1 with a one-line reason. */
int vfs_init(const char *root, char *why, size_t whylen);
/* The guest path of the vkernel's own working directory ("/" if it is not
 * beneath the root). */
void vfs_initial_cwd(char *out, size_t len);

/* upath made absolute (not resolved: ".." and symlinks are the host's to
 * follow) against p's working directory, or the directory open at dirfd
 * when it is not AT_FDCWD.  0, -ENOENT (empty), -ENAMETOOLONG, -EBADF,
 * -ENOTDIR.  out holds PATH_MAX bytes. */
int vfs_abspath(struct proc *p, int dirfd, const char *upath, char *out);

/*
 * Opens the absolute guest path gpath beneath the root with open(2)
 * flags and mode (already masked by the caller's umask): a host
 * descriptor (close-on-exec, and O_NONBLOCK on the host so that no open
 * or read of a FIFO blocks the vkernel) or -errno.  Defence in depth: a
 * file on anything but an ordinary file system (ext4, xfs, btrfs, tmpfs,
 * nfs...: an allow-list, so procfs, sysfs, cgroup, debugfs and whatever
 * a kernel adds are refused unnamed) is ENOENT, and a character or block
 * device EACCES unless flags has O_PATH; a name that exists is looked at
 * through O_PATH before it is opened, so such a device is never opened,
 * and a missing one is made (O_CREAT) only beneath a parent that passed
 * the same checks (through a dangling symlink, at its target, as Linux).
 */
int vfs_open(const char *gpath, int flags, mode_t mode);
/* vfs_open, except that a FIFO (without O_PATH) is not opened on the
 * host: its O_PATH descriptor comes back, with its stat in *fifo, once
 * the host says the caller may open it so (a FIFO is the guest's own pipe,
 * pipe.c).  fifo->st_mode is left alone for anything else. */
int vfs_open_fifo(const char *gpath, int flags, mode_t mode,
    struct stat *fifo);
/* vfs_open(gpath, O_PATH, follow ? 0 : O_NOFOLLOW): for the calls that
 * act on a file through its name (stat, readlink, chown, utimes...). */
int vfs_open_path(const char *gpath, bool follow);

/*
 * The re-open rule: the file behind hostfd (a guest file's host
 * descriptor) opened again with open(2) flags, as Linux opens
 * /proc/PID/fd/N: the same inode, no walk, and the host checking the
 * file's permissions (may_open: an O_PATH descriptor re-opened O_RDONLY
 * works, as programs use O_PATH).  What it reaches is checked as
 * vfs_open checks, before and after opening: an ordinary file system
 * (ENOENT), no device unless O_PATH (EACCES), no symlink (ELOOP, the
 * host's).  had: the open(2) flags the guest file was opened with.
 * Unless own (a file the guest opened by name) and the file is beneath
 * the root (or was, when it was unlinked), the new open may not ask for
 * an access had did not give: EACCES, as Linux answers a refused
 * permission.  A host descriptor (close-on-exec, O_NONBLOCK on the host)
 * or -errno.
 */
int vfs_reopen(int hostfd, int flags, int had, bool own);
/* open(2) flags ask for no access (read, write: O_TRUNC writes) that
 * the flags had a file was opened with do not give (O_PATH gives none). */
bool vfs_within(int flags, int had);
/* The host file at hostfd is on an ordinary file system (vfs_open's
 * allow-list). */
bool vfs_ordinary(int hostfd);

/* For calls that act on a name itself (unlink, mkdir, rename, lstat,
 * readlink...): an O_PATH descriptor of gpath's parent directory, and in
 * *base its last component (a pointer into gpath; "." for the root).
 * -errno on failure. */
int vfs_open_parent(const char *gpath, const char **base);
/* base (from vfs_open_parent) is "." or ".." (with trailing slashes):
 * never acted on through the parent, where ".." is outside the walk. */
bool vfs_dot(const char *base);

/* The vkernel's umask when it started (pid 1's); the host's own is 0
 * from vfs_init on, the guest's is applied by the calls. */
mode_t vfs_umask(void);

/* The guest path of a host descriptor beneath the root (where it is now):
 * 0, or -ENOENT (deleted, or not beneath the root). */
int vfs_fd_path(int hostfd, char *out, size_t len);

#endif /* VKERNEL_VFS_H */
