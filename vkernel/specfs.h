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
 * clean-up specfs_owns does) belongs to specfs, never to the host: the
 * host's /proc would describe the vkernel and the host's processes, and
 * its /dev the host's disks.  Callers ask specfs first and go to the
 * host (vfs_open) only when specfs_owns says no.
 *
 * specfs_owns: true when gpath is /dev, /proc or beneath them.
 * specfs_open: opens it with open(2) flags: 0 and *fp, or -errno
 *   (ENOENT for a name that does not exist there).
 * specfs_stat: stat (follow: of what a symlink names) into *st; 0 or
 *   -errno.
 * specfs_readlink: a symlink's target (/proc/self, /proc/self/exe,
 *   /proc/self/fd/N, /dev/fd, /dev/stdin...) into buf, not terminated:
 *   its length, or -EINVAL (not a symlink), -ENOENT.
 */
bool specfs_owns(const char *gpath);
int specfs_open(struct proc *p, const char *gpath, int flags,
    struct file **fp);
int specfs_stat(struct proc *p, const char *gpath, bool follow,
    struct stat *st);
long specfs_readlink(struct proc *p, const char *gpath, char *buf,
    size_t len);

#endif /* VKERNEL_SPECFS_H */
