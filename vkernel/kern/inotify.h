/* inotify.h: the guest's inotify instances, multiplexed over one host inotify descriptor of the vkernel's. */
#ifndef VKERNEL_INOTIFY_H
#define VKERNEL_INOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct file;

/*
 * One host inotify instance serves every guest instance of the vkernel
 * (so a guest never uses up the host user's max_user_instances): a guest
 * watch is a host watch on the same inode (shared by every guest watch
 * of that inode, its host mask the union of theirs), and the host's
 * events are read by whoever looks first and handed out to the guest
 * instances whose watches ask for them, under the guest's watch
 * descriptor.  Event names are the host's, which are the child's name in
 * a watched directory, never a path.  Everything is called with the big
 * lock held; errors are -errno.
 */
#define INOTIFY_MAX_INSTANCES 128    /* per vkernel, max_user_instances */
#define INOTIFY_MAX_WATCHES   8192   /* per vkernel, max_user_watches */
#define INOTIFY_MAX_EVENTS    16384  /* per instance, max_queued_events */

/* A new instance (flags: O_NONBLOCK or 0): 0 and *fp, -EMFILE past
 * INOTIFY_MAX_INSTANCES, -ENOMEM, -ENFILE, or the host's errno. */
int inotify_new(int flags, struct file **fp);
bool inotify_is(const struct file *f);
/*
 * inotify_add_watch on the host file open at pathfd (an O_PATH descriptor
 * the caller resolved beneath the root, and closes) with the guest's
 * mask: the watch descriptor (the existing one for an inode already
 * watched, its mask replaced, or with IN_MASK_ADD or'ed; -EEXIST with
 * IN_MASK_CREATE), -EINVAL (no event in mask, IN_MASK_ADD with
 * IN_MASK_CREATE), -ENOTDIR (IN_ONLYDIR), -ENOSPC past
 * INOTIFY_MAX_WATCHES, the host's errno.  IN_ONESHOT is the vkernel's
 * (the shared host watch stays); IN_EXCL_UNLINK is accepted and not
 * applied (the host watch is shared).
 */
int inotify_watch(struct file *f, int pathfd, uint32_t mask);
/* inotify_rm_watch: 0 (an IN_IGNORED event is queued) or -EINVAL. */
int inotify_unwatch(struct file *f, int wd);

#endif /* VKERNEL_INOTIFY_H */
