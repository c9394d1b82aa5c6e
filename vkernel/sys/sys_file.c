/* sys_file.c: system calls on descriptors: lseek, fstat, ioctl, close, dup, pipes, fcntl and its record locks, flock. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "inet.h"
#include "pty.h"
#include "tty.h"
#include "uipc.h"
#include "kmem.h"
#include "lockf.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define LOCK_RETRY_MS 10  /* a blocking OFD lock or flock polls its
                              non-blocking form */

long
sys_lseek(struct proc *p, const uint64_t *a)
{
	struct file *f;

	if ((f = fget(p, (long)a[0])) == NULL)
		return -EBADF;
	if (f->ops->lseek == NULL)
		return -ESPIPE;
	if (a[2] > SEEK_HOLE)
		return -EINVAL;
	p->nhostcalls++;
	return f->ops->lseek(f, (off_t)a[1], (int)a[2]);
}

long
sys_fstat(struct proc *p, const uint64_t *a)
{
	struct stat st;
	struct file *f;
	int r;

	if ((f = fget(p, (long)a[0])) == NULL)
		return -EBADF;
	if ((r = f->ops->stat(f, &st)) < 0)
		return r;
	return copyout(p, a[1], &st, sizeof(st)) ? -EFAULT : 0;
}

/* FIONBIO: O_NONBLOCK on (a nonzero int) or off. */
static long
fionbio(struct proc *p, struct file *f, uint64_t arg)
{
	int on;

	if (copyin(p, &on, arg, sizeof(on)) != 0)
		return -EFAULT;
	f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
	return 0;
}

/* The descriptor and request are unsigned ints, as Linux takes them: musl's
 * ioctl(int fd, int req, ...) passes _IOR's (TIOCGPTN) sign-extended. */
long
sys_ioctl(struct proc *p, const uint64_t *args)
{
	const uint64_t a[3] = { (uint32_t)args[0], (uint32_t)args[1],
	    args[2] };
	char buf[64];
	size_t len = 0;
	struct file *f;
	long r;

	if ((f = fget(p, (long)a[0])) == NULL || (f->flags & O_PATH))
		return -EBADF;
	switch (a[1]) {  /* the requests Linux answers for every file */
	case FIOCLEX:
	case FIONCLEX:
		fdtab_set_cloexec(p->fds, (long)a[0], a[1] == FIOCLEX);
		return 0;
	case FIONBIO:
		return fionbio(p, f, a[2]);
	}
	if (inet_ifreq(a[1]) && (inet_is(f) || uipc_is(f)))
		return sysinet_ioctl(p, f, a);
	if (tty_of(f) != NULL || pty_master_tty(f) != NULL)
		return systty_ioctl(p, f, a);
	if (f->ops->ioctl == NULL)
		return -ENOTTY;
	memset(buf, 0, sizeof(buf));
	if ((r = f->ops->ioctl(f, p, a[1], buf, &len)) < 0)
		return r;
	return len > 0 && copyout(p, a[2], buf, len) ? -EFAULT : 0;
}

long
sys_close(struct proc *p, const uint64_t *a)
{
	return fdtab_close(p->fds, (long)a[0]);
}

long
sys_close_range(struct proc *p, const uint64_t *a)
{
	if ((a[2] & ~(uint64_t)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) ||
	    (uint32_t)a[0] > (uint32_t)a[1])
		return -EINVAL;
	fdtab_close_range(p->fds, (uint32_t)a[0], (uint32_t)a[1],
	    a[2] & CLOSE_RANGE_CLOEXEC);
	return 0;
}

/* dup2/dup3's common part: f at exactly newfd. */
static long
dup_to(struct proc *p, struct file *f, uint64_t newfd, bool cloexec)
{
	int r;

	if (newfd >= (uint64_t)sys_nofile(p))
		return -EBADF;
	if ((r = fdtab_install(p->fds, (long)newfd, file_ref(f), cloexec)) < 0) {
		file_unref(f);
		return r;
	}
	return (long)newfd;
}

long
sys_dup(struct proc *p, const uint64_t *a)
{
	struct file *f;
	int r;

	if ((f = fget(p, (long)a[0])) == NULL)
		return -EBADF;
	if ((r = fdtab_alloc(p->fds, file_ref(f), 0, sys_nofile(p), false)) < 0)
		file_unref(f);
	return r;
}

long
sys_dup2(struct proc *p, const uint64_t *a)
{
	struct file *f;

	if ((f = fget(p, (long)a[0])) == NULL)
		return -EBADF;
	if (a[0] == a[1])
		return (long)a[1];
	return dup_to(p, f, a[1], false);
}

long
sys_dup3(struct proc *p, const uint64_t *a)
{
	struct file *f;

	if ((a[2] & ~(uint64_t)O_CLOEXEC) != 0 || a[0] == a[1])
		return -EINVAL;
	if ((f = fget(p, (long)a[0])) == NULL)
		return -EBADF;
	return dup_to(p, f, a[1], a[2] & O_CLOEXEC);
}

long
sys_pipe2(struct proc *p, const uint64_t *a)
{
	struct file *rd, *wr;
	bool cloexec = a[1] & O_CLOEXEC;
	int fds[2], r;

	if ((a[1] & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK)) != 0)
		return -EINVAL;
	if ((r = pipe_create(&rd, &wr, (int)a[1])) != 0)
		return r;
	if ((fds[0] = fdtab_alloc(p->fds, rd, 0, sys_nofile(p), cloexec)) < 0) {
		file_unref(rd);
		file_unref(wr);
		return fds[0];
	}
	if ((fds[1] = fdtab_alloc(p->fds, wr, 0, sys_nofile(p), cloexec)) < 0) {
		fdtab_close(p->fds, fds[0]);
		file_unref(wr);
		return fds[1];
	}
	if (copyout(p, a[0], fds, sizeof(fds)) != 0) {
		fdtab_close(p->fds, fds[0]);
		fdtab_close(p->fds, fds[1]);
		return -EFAULT;
	}
	return 0;
}

long
sys_pipe(struct proc *p, const uint64_t *a)
{
	uint64_t b[2] = { a[0], 0 };

	return sys_pipe2(p, b);
}

/*
 * F_SETFL: Linux lets O_APPEND and O_NONBLOCK change; the access mode
 * stays.  O_APPEND goes to the host descriptor too, since the host's
 * write places the bytes; O_NONBLOCK is the vkernel's (a host file's
 * reads wait in proc_sleep unless it is set, and the descriptors the
 * vkernel opens are non-blocking on the host anyway).
 */
static long
setfl(struct proc *p, struct file *f, int fl)
{
	int host;

	if (f->flags & O_PATH)
		return -EBADF;
	if (f->hostfd >= 0 && (host = fcntl(f->hostfd, F_GETFL)) >= 0) {
		p->nhostcalls++;
		host = (host & ~O_APPEND) | (fl & O_APPEND);
		if (fcntl(f->hostfd, F_SETFL, host) != 0)
			return -errno;
	}
	f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) |
	    (fl & (O_APPEND | O_NONBLOCK));
	return 0;
}

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
static long
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

long
sys_fcntl(struct proc *p, const uint64_t *a)
{
	struct file *f;
	int r;

	if ((f = fget(p, (long)a[0])) == NULL)
		return -EBADF;
	switch ((int)a[1]) {
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return sys_fcntl_lock(p, f, (long)a[0], (int)a[1], a[2]);
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (a[2] >= (uint64_t)sys_nofile(p))
			return -EINVAL;
		r = fdtab_alloc(p->fds, file_ref(f), (long)a[2], sys_nofile(p),
		    (int)a[1] == F_DUPFD_CLOEXEC);
		if (r < 0)
			file_unref(f);
		return r;
	case F_GETFD:
		return fdtab_cloexec(p->fds, (long)a[0]) ? FD_CLOEXEC : 0;
	case F_SETFD:
		fdtab_set_cloexec(p->fds, (long)a[0], a[2] & FD_CLOEXEC);
		return 0;
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		return setfl(p, f, (int)a[2]);
	case F_ADD_SEALS:
	case F_GET_SEALS:
		return sys_fcntl_seals(p, f, (int)a[1], a[2]);
	case F_GETPIPE_SZ:
		return strcmp(f->ops->kind, "pipe") == 0 ? VK_PIPE_SIZE :
		    -EBADF;
	default:
		return -EINVAL;
	}
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
