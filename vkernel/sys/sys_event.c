/* sys_event.c: eventfd, timerfd and signalfd system calls (the objects are in kern/eventfd.c and signalfd.c). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>

#include "sys.h"
#include "file.h"
#include "event.h"

#ifndef CLOCK_REALTIME_ALARM
#define CLOCK_REALTIME_ALARM 8
#endif
#ifndef CLOCK_BOOTTIME_ALARM
#define CLOCK_BOOTTIME_ALARM 9
#endif

/* A new file f at the lowest free descriptor (close-on-exec with
 * cloexec): the descriptor, or -errno with f gone. */
static long
install(struct proc *p, struct file *f, bool cloexec)
{
	int fd;

	if ((fd = fdtab_alloc(p->fds, f, 0, sys_nofile(p), cloexec)) < 0)
		file_unref(f);
	return fd;
}

/* A descriptor's file for these calls: NULL for none or an O_PATH one
 * (EBADF). */
static struct file *
fget_event(struct proc *p, uint64_t fd)
{
	struct file *f = fget(p, (long)(int)fd);

	return f != NULL && !(f->flags & O_PATH) ? f : NULL;
}

long
sys_eventfd2(struct proc *p, const uint64_t *a)
{
	struct file *f;
	int flags = (int)a[1], r;

	if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
		return -EINVAL;
	if ((r = eventfd_new((uint32_t)a[0], flags, &f)) < 0)
		return r;
	return install(p, f, flags & EFD_CLOEXEC);
}

long
sys_eventfd(struct proc *p, const uint64_t *a)
{
	uint64_t b[2] = { a[0], 0 };

	return sys_eventfd2(p, b);
}

long
sys_timerfd_create(struct proc *p, const uint64_t *a)
{
	struct file *f;
	int clock = (int)a[0], flags = (int)a[1], r;

	if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	if (clock == CLOCK_REALTIME_ALARM || clock == CLOCK_BOOTTIME_ALARM)
		return -EPERM; /* Linux without CAP_WAKE_ALARM */
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC &&
	    clock != CLOCK_BOOTTIME)
		return -EINVAL;
	if ((r = timerfd_new(clock, flags, &f)) < 0)
		return r;
	return install(p, f, flags & TFD_CLOEXEC);
}

long
sys_timerfd_settime(struct proc *p, const uint64_t *a)
{
	struct itimerspec nv, old;
	struct file *f;
	int r;

	if (a[1] & ~(uint64_t)(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	if (copyin(p, &nv, a[2], sizeof(nv)) != 0)
		return -EFAULT;
	if ((f = fget_event(p, a[0])) == NULL)
		return -EBADF;
	if ((r = timerfd_set(f, (int)a[1], &nv, &old)) < 0)
		return r;
	if (a[3] != 0 && copyout(p, a[3], &old, sizeof(old)) != 0)
		return -EFAULT;
	return 0;
}

long
sys_timerfd_gettime(struct proc *p, const uint64_t *a)
{
	struct itimerspec cur;
	struct file *f;
	int r;

	if ((f = fget_event(p, a[0])) == NULL)
		return -EBADF;
	if ((r = timerfd_get(f, &cur)) < 0)
		return r;
	return copyout(p, a[1], &cur, sizeof(cur)) != 0 ? -EFAULT : 0;
}

/* signalfd4(fd, mask, sizemask, flags): a new signalfd for fd -1, else
 * fd's mask changed. */
long
sys_signalfd4(struct proc *p, const uint64_t *a)
{
	struct file *f;
	uint64_t mask;
	int flags = (int)a[3], r;

	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
		return -EINVAL;
	if (a[2] != sizeof(mask))
		return -EINVAL;
	if (copyin(p, &mask, a[1], sizeof(mask)) != 0)
		return -EFAULT;
	if ((int)a[0] == -1) {
		if ((r = signalfd_new(mask, flags, &f)) < 0)
			return r;
		return install(p, f, flags & SFD_CLOEXEC);
	}
	if ((f = fget_event(p, a[0])) == NULL)
		return -EBADF;
	if ((r = signalfd_setmask(f, mask)) < 0)
		return r;
	return (int)a[0];
}

long
sys_signalfd(struct proc *p, const uint64_t *a)
{
	uint64_t b[4] = { a[0], a[1], a[2], 0 };

	return sys_signalfd4(p, b);
}
