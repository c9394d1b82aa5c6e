/* specfs.h: the guest's synthetic /dev and /proc: names the vkernel answers itself instead of the host's. */
#ifndef VKERNEL_SPECFS_H
#define VKERNEL_SPECFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct proc;
struct file;

/*
 * Every absolute guest path under /dev and /proc (after the lexical
 * clean-up specfs_owns does: "//", "." and ".." as names) belongs to
 * specfs, never to the host: the host's /proc would describe the vkernel
 * and the host's processes, and its /dev the host's disks.  Callers ask
 * specfs first and go to the host (vfs_open) only when specfs_owns says
 * no.
 *
 * The other three walk the path as Linux does: specfs symlinks are
 * followed (/proc/self, /dev/fd, /dev/stdin, /proc/PID/{exe,cwd,fd/N}),
 * ".." after a link is the target's parent, and a link that leads
 * outside specfs (exe, cwd) goes on beneath the -r root through vfs_open.
 * Only the guest's live processes exist under /proc (the caller always
 * does); any other pid is ENOENT.
 *
 * specfs_owns: true when gpath is /dev, /proc, /sys (an empty directory:
 *   the host's sysfs is never shown) or beneath them (or too
 *   long to clean up: specfs then refuses it).
 * specfs_open: opens it with open(2) flags: 0 and *fp, or -errno: ENOENT
 *   for a name that does not exist (EACCES when O_CREAT would make one in
 *   a specfs directory), EACCES to write a /proc file, EISDIR to write a
 *   directory, ENOTDIR, ELOOP (O_NOFOLLOW on a link; with O_PATH it
 *   opens the link itself), ENXIO (/dev/tty
 *   without a controlling terminal), ENOMEM.  A /proc file is generated
 *   whole at open (a snapshot) and read, pread and lseek work over it; a
 *   directory lists what exists at open through fileops.getdents (Linux's
 *   linux_dirent64 records); /proc/PID/fd/N is a new open of the same
 *   file under the re-open rule (vfs_reopen for a guest file beneath the
 *   root, the same pipe, the same specfs name or device; the vkernel's
 *   streams never with more access than they have: EACCES).  /dev/shm
 *   holds shared memory objects by name (shm.c): O_CREAT makes one with
 *   mode (already masked by the umask), O_EXCL, O_TRUNC as for files.
 * specfs_stat: stat (follow: of what a symlink names) into *st; 0 or
 *   -errno.  /proc files say size 0, as Linux's do.
 * specfs_readlink: a symlink's target (/proc/self, /proc/self/exe,
 *   /proc/self/fd/N, /dev/fd, /dev/stdin...) into buf, not terminated,
 *   truncated to len: its length, or -EINVAL (not a symlink), -ENOENT,
 *   -ENOTDIR.  /proc/PID/fd/N names the file's guest path, "pipe:[INO]",
 *   or a host stream's own name ("/dev/pts/0", "socket:[N]").
 * specfs_host_fd: for the calls that act on a file through a name
 *   (chmod, chown, utimes, truncate, access, statfs, statx, readlink,
 *   link): when gpath leads through a specfs link to a file beneath the
 *   root (/proc/PID/fd/N of a guest file, /proc/PID/cwd and exe and the
 *   names beneath them), a host descriptor of that very file (a magic
 *   link is followed to the file itself, as on Linux, also when its name
 *   was unlinked) opened with flags (O_PATH, O_WRONLY) under the re-open
 *   rule: 0 and *hostfd.  0 and *hostfd -1 when gpath is specfs's own, or
 *   names a file that is not beneath the root (a pipe, a stream, a
 *   device): the caller refuses or answers for it.  Else -errno.
 */
bool specfs_owns(const char *gpath);
int specfs_open(struct proc *p, const char *gpath, int flags,
    struct file **fp);
/* specfs_open with open's mode for a name O_CREAT makes (already masked
 * by the umask); specfs_open makes one 0600. */
int specfs_open_mode(struct proc *p, const char *gpath, int flags,
    mode_t mode, struct file **fp);
/* The shared memory object gpath names (/dev/shm/NAME, or a
 * /proc/PID/fd/N link to a file on one; followed), else NULL. */
struct shm *specfs_shm(struct proc *p, const char *gpath);
/* unlink of gpath: 0 when it was a /dev/shm name (shm.c), now gone; 1
 * when gpath is no such name (the caller refuses as for any specfs name);
 * or -errno of the walk. */
int specfs_unlink(struct proc *p, const char *gpath);
/* link (rename false) or rename of the /dev/shm entry from to the name
 * to in /dev/shm: 0 or -errno (-EEXIST when to exists and may not be
 * replaced), or 1 when either is not a /dev/shm entry (the caller
 * refuses it as for any specfs name). */
int specfs_shm_link(struct proc *p, const char *from, const char *to,
    bool rename, bool noreplace);
int specfs_stat(struct proc *p, const char *gpath, bool follow,
    struct stat *st);
long specfs_readlink(struct proc *p, const char *gpath, char *buf,
    size_t len);
int specfs_host_fd(struct proc *p, const char *gpath, bool follow, int flags,
    int *hostfd);

#endif /* VKERNEL_SPECFS_H */
