/* sys_inotify.c: inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch (the instances are kern/inotify.c's). */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "inotify.h"

/* inotify_init1(flags): IN_NONBLOCK, IN_CLOEXEC, else EINVAL. */
long
sys_inotify_init1(struct proc *p, const uint64_t *a)
{
	struct file *f;
	int r;

	if (a[0] & ~(uint64_t)(IN_NONBLOCK | IN_CLOEXEC))
		return -EINVAL;
	if ((r = inotify_new((int)a[0] & IN_NONBLOCK, &f)) != 0)
		return r;
	if ((r = fdtab_alloc(p->fds, f, 0, sys_nofile(p),
	    (a[0] & IN_CLOEXEC) != 0)) < 0)
		file_unref(f);
	return r;
}

long
sys_inotify_init(struct proc *p, const uint64_t *a)
{
	const uint64_t none[1] = { 0 };

	(void)a;
	return sys_inotify_init1(p, none);
}

/* The inotify instance at fd: EBADF, or EINVAL for another kind. */
static long
instance(struct proc *p, uint64_t fd, struct file **fp)
{
	if ((*fp = fget(p, (long)(int)fd)) == NULL)
		return -EBADF;
	return inotify_is(*fp) ? 0 : -EINVAL;
}

/*
 * inotify_add_watch(fd, path, mask): path is resolved as every path call
 * resolves it (beneath the root by the host's walk, or through a specfs
 * link to a file beneath the root); IN_DONT_FOLLOW does not follow a last
 * symlink.  specfs's own names (/dev, /proc, /sys) are EACCES: nothing
 * the host would report changes there.
 */
long
sys_inotify_add_watch(struct proc *p, const uint64_t *a)
{
	char gpath[PATH_MAX];
	uint32_t mask = (uint32_t)a[2];
	struct file *f;
	long r;
	int fd;

	if (!(mask & IN_ALL_EVENTS))
		return -EINVAL;
	if ((r = instance(p, a[0], &f)) != 0 ||
	    (r = path_in(p, AT_FDCWD, a[1], gpath)) < 0)
		return r;
	if ((r = host_fd(p, gpath, !(mask & IN_DONT_FOLLOW), O_PATH, &fd)) < 0)
		return r;
	if (fd < 0)
		return -EACCES;
	r = inotify_watch(f, fd, mask);
	close(fd);
	return r;
}

long
sys_inotify_rm_watch(struct proc *p, const uint64_t *a)
{
	struct file *f;
	long r;

	if ((r = instance(p, a[0], &f)) != 0)
		return r;
	return inotify_unwatch(f, (int)a[1]);
}
