/* sys_mqueue.c: the POSIX message queue calls (mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr): arguments decoded for kern/mqueue.c. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "sys.h"
#include "file.h"
#include "clock.h"
#include "mqueue.h"

/* The name argument (glibc and musl pass it without its '/'). */
static long
mq_name_in(struct proc *p, uint64_t uname, char *name)
{
	long r = copyinstr(p, name, uname, NAME_MAX + 2);

	return r < 0 ? r : 0;
}

long
sys_mq_open(struct proc *p, const uint64_t *a)
{
	char name[NAME_MAX + 2];
	struct mq_attr_g attr;
	struct file *f;
	int oflag = (int)a[1], fd;
	long r;

	if ((r = mq_name_in(p, a[0], name)) != 0)
		return r;
	if ((oflag & O_CREAT) && a[3] != 0 &&
	    copyin(p, &attr, a[3], sizeof(attr)) != 0)
		return -EFAULT;
	if ((r = mqueue_open(p, name, oflag, (mode_t)a[2],
	    (oflag & O_CREAT) && a[3] != 0 ? &attr : NULL, &f)) != 0)
		return r;
	if ((fd = fdtab_alloc(p->fds, f, 0, sys_nofile(p),
	    (oflag & O_CLOEXEC) != 0)) < 0)
		file_unref(f);
	return fd;
}

long
sys_mq_unlink(struct proc *p, const uint64_t *a)
{
	char name[NAME_MAX + 2];
	long r;

	if ((r = mq_name_in(p, a[0], name)) != 0)
		return r;
	return mqueue_unlink(p, name);
}

/* The queue at fd (held for the call), or NULL: EBADF. */
static struct file *
mq_file(struct proc *p, uint64_t fd)
{
	struct file *f = fget(p, (long)(int)fd);

	return f != NULL && mqueue_is(f) ? f : NULL;
}

/* An absolute CLOCK_REALTIME timeout at ut (0: none) as a
 * CLOCK_MONOTONIC deadline in *dl: 0 (*dlp set), -EFAULT, -EINVAL. */
static int
mq_deadline(struct proc *p, uint64_t ut, struct timespec *dl,
    const struct timespec **dlp)
{
	struct timespec abs, now, rel;

	*dlp = NULL;
	if (ut == 0)
		return 0;
	if (copyin(p, &abs, ut, sizeof(abs)) != 0)
		return -EFAULT;
	if (abs.tv_sec < 0 || abs.tv_nsec < 0 || abs.tv_nsec >= 1000000000L)
		return -EINVAL;
	clock_gettime(CLOCK_REALTIME, &now);
	rel = ts_cmp(&abs, &now) > 0 ? ts_sub(&abs, &now) :
	    (struct timespec){ 0, 0 };
	deadline_after(dl, &rel);
	*dlp = dl;
	return 0;
}

/* mq_timedsend's and mq_timedreceive's queue (a[0]) and timeout (a[4]):
 * 0, -EBADF, -EFAULT or -EINVAL. */
static int
mq_io_args(struct proc *p, const uint64_t *a, struct file **fp,
    struct timespec *dl, const struct timespec **dlp)
{
	if ((*fp = mq_file(p, a[0])) == NULL)
		return -EBADF;
	return mq_deadline(p, a[4], dl, dlp);
}

long
sys_mq_timedsend(struct proc *p, const uint64_t *a)
{
	const struct timespec *dlp;
	struct timespec dl;
	struct file *f;
	int r;

	if ((r = mq_io_args(p, a, &f, &dl, &dlp)) != 0)
		return r;
	return mqueue_send(p, f, a[1], a[2], (unsigned)a[3], dlp);
}

long
sys_mq_timedreceive(struct proc *p, const uint64_t *a)
{
	const struct timespec *dlp;
	struct timespec dl;
	struct file *f;
	unsigned prio;
	long n;
	int r;

	if ((r = mq_io_args(p, a, &f, &dl, &dlp)) != 0)
		return r;
	if ((n = mqueue_receive(p, f, a[1], a[2], &prio, dlp)) >= 0 &&
	    a[3] != 0 && copyout(p, a[3], &prio, sizeof(prio)) != 0)
		return -EFAULT;
	return n;
}

long
sys_mq_notify(struct proc *p, const uint64_t *a)
{
	struct {
		uint64_t value;
		int32_t signo, notify;
	} ev;
	struct file *f;

	if ((f = mq_file(p, a[0])) == NULL)
		return -EBADF;
	if (a[1] == 0)
		return mqueue_notify(p, f, true, 0, 0, 0);
	if (copyin(p, &ev, a[1], sizeof(ev)) != 0)
		return -EFAULT;
	return mqueue_notify(p, f, false, ev.notify, ev.signo, ev.value);
}

long
sys_mq_getsetattr(struct proc *p, const uint64_t *a)
{
	struct mq_attr_g nw, old;
	struct file *f;

	if ((f = mq_file(p, a[0])) == NULL)
		return -EBADF;
	if (a[1] != 0) {
		if (copyin(p, &nw, a[1], sizeof(nw)) != 0)
			return -EFAULT;
		if (nw.flags & ~O_NONBLOCK)
			return -EINVAL;
	}
	mqueue_getsetattr(f, a[1] != 0 ? &nw : NULL, &old);
	if (a[2] != 0 && copyout(p, a[2], &old, sizeof(old)) != 0)
		return -EFAULT;
	return 0;
}
