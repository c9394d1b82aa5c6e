/* sys_file.c: system calls on descriptors: read and write, dup and close, pipes, fcntl, ioctl, poll and select. */

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "sys.h"
#include "file.h"
#include "kmem.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024
#endif


/* p's descriptor limit (RLIMIT_NOFILE). */
static long
nofile(struct proc *p)
{
	return (long)sys_rlimit_cur(p, RLIMIT_NOFILE);
}

/* A write on a pipe with no reader: SIGPIPE (as Linux's send_sig: SI_USER
 * from the kernel), and EPIPE. */
long
sys_epipe(struct proc *p)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGPIPE;
	si.si_code = SI_USER;
	sig_post(p, SIGPIPE, &si);
	return -EPIPE;
}

/*
 * Reads at most one chunk from f into the guest at va.  Like Linux, only
 * as many bytes are read as the guest can take, so a bad buffer never
 * consumes input.
 */
static long
read_to_guest(struct proc *p, struct file *f, gva_t va, size_t len)
{
	char small[KMEM_SMALL], *buf;
	size_t n, bsize;
	long r;

	if (len == 0)
		return 0;
	buf = kmem_bounce(p, small, &bsize);
	if ((n = writable_prefix(p, va, len > bsize ? bsize : len)) == 0)
		return -EFAULT;
	if ((r = f->ops->read(f, p, buf, n)) <= 0)
		return r;
	return copyout(p, va, buf, r) ? -EFAULT : r;
}

/* Writes len guest bytes at va to f in chunks: bytes written or -errno.
 * A write of up to PIPE_BUF bytes is one chunk (KMEM_SMALL at least). */
static long
write_from_guest(struct proc *p, struct file *f, gva_t va, size_t len)
{
	char small[KMEM_SMALL], *buf;
	long done = 0, r;
	size_t bsize;

	if (len == 0)
		return 0;
	buf = kmem_bounce(p, small, &bsize);
	while (len > 0) {
		size_t n = len > bsize ? bsize : len;

		/* A file takes the bytes up to the first page the guest
		 * cannot read (a short write, EFAULT if none), as Linux's
		 * write_iter does; a pipe takes a chunk whole or not at all,
		 * as Linux's pipe_write. */
		if ((!pipe_is(f) && (n = readable_prefix(p, va, n)) == 0) ||
		    copyin(p, buf, va, n) != 0)
			return done > 0 ? done : -EFAULT;
		if ((r = f->ops->write(f, p, buf, n)) < 0)
			return done > 0 ? done : r == -EPIPE ? sys_epipe(p) : r;
		done += r;
		if ((size_t)r < n || n < (len > bsize ? bsize : len))
			break;
		va += n;
		len -= n;
	}
	return done;
}

/* The file at fd (held: fget) if it may be read (or written): NULL
 * means EBADF. */
static struct file *
fd_for(struct proc *p, uint64_t fd, bool write)
{
	struct file *f = fget(p, (long)fd);

	if (f == NULL || (write ? !file_writable(f) : !file_readable(f)))
		return NULL;
	return f;
}

long
sys_read(struct proc *p, const uint64_t *a)
{
	struct file *f;

	if ((f = fd_for(p, a[0], false)) == NULL)
		return -EBADF;
	if (!user_range(a[1], a[2]))
		return -EFAULT;
	return read_to_guest(p, f, a[1], a[2]);
}

long
sys_write(struct proc *p, const uint64_t *a)
{
	struct file *f;

	if ((f = fd_for(p, a[0], true)) == NULL)
		return -EBADF;
	if (!user_range(a[1], a[2]))
		return -EFAULT;
	return write_from_guest(p, f, a[1],
	    a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a[2]);
}

long
sys_iov_in(struct proc *p, struct iovec *fast, struct iovec **iovp,
    uint64_t va, uint64_t cnt)
{
	struct iovec *iov = fast;
	uint64_t i, total = 0;

	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	if (cnt > UIO_FASTIOV &&
	    (iov = kmem_scratch(p, cnt * sizeof(*iov))) == NULL)
		return -ENOMEM;
	*iovp = iov;
	if (copyin(p, iov, va, cnt * sizeof(iov[0])) != 0)
		return -EFAULT;
	for (i = 0; i < cnt; i++) {
		if ((ssize_t)iov[i].iov_len < 0 ||
		    total + iov[i].iov_len > (uint64_t)SSIZE_MAX)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return (long)total;
}

/* readv: one read of up to a chunk, scattered over the iovecs. */
long
sys_readv(struct proc *p, const uint64_t *a)
{
	struct iovec fast[UIO_FASTIOV], *iov;
	char small[KMEM_SMALL], *buf;
	struct file *f;
	long total, r, off = 0;
	uint64_t i;
	size_t bsize;

	if ((f = fd_for(p, a[0], false)) == NULL)
		return -EBADF;
	if ((total = sys_iov_in(p, fast, &iov, a[1], a[2])) < 0)
		return total;
	buf = kmem_bounce(p, small, &bsize);
	if (total > (long)bsize)
		total = (long)bsize;
	/* Only as much as the first buffers can take, as for read. */
	for (i = 0, r = 0; i < a[2] && r < total; i++) {
		size_t n = writable_prefix(p, (gva_t)iov[i].iov_base,
		    iov[i].iov_len);

		r += n;
		if (n < iov[i].iov_len)
			break;
	}
	if (total > 0 && r == 0)
		return -EFAULT;
	if (r < total)
		total = r;
	if (total == 0 || (r = f->ops->read(f, p, buf, total)) <= 0)
		return total == 0 ? 0 : r;
	for (i = 0; i < a[2] && off < r; i++) {
		size_t n = iov[i].iov_len;

		if (n > (size_t)(r - off))
			n = r - off;
		if (copyout(p, (gva_t)iov[i].iov_base, buf + off, n) != 0)
			return off > 0 ? off : -EFAULT;
		off += n;
	}
	return r;
}

/* writev: gathered a chunk at a time, so that a pipe write of up to
 * PIPE_BUF bytes stays one atomic write. */
long
sys_writev(struct proc *p, const uint64_t *a)
{
	struct iovec fast[UIO_FASTIOV], *iov;
	char small[KMEM_SMALL], *buf;
	struct file *f;
	long total, done = 0, r;
	uint64_t i = 0;
	size_t used = 0, off = 0, bsize;

	if ((f = fd_for(p, a[0], true)) == NULL)
		return -EBADF;
	if ((total = sys_iov_in(p, fast, &iov, a[1], a[2])) < 0)
		return total;
	buf = kmem_bounce(p, small, &bsize);
	while (done < total) {
		/* Gather up to a chunk. */
		for (used = 0; i < a[2] && used < bsize;) {
			size_t n = iov[i].iov_len - off;

			if (n > bsize - used)
				n = bsize - used;
			if (copyin(p, buf + used, (gva_t)iov[i].iov_base + off,
			    n) != 0) {
				if (used == 0)
					return done > 0 ? done : -EFAULT;
				i = a[2]; /* write what was gathered, then stop */
				total = done + used;
				break;
			}
			used += n;
			off += n;
			if (off == iov[i].iov_len) {
				i++;
				off = 0;
			}
		}
		if ((r = f->ops->write(f, p, buf, used)) < 0)
			return done > 0 ? done : r == -EPIPE ? sys_epipe(p) : r;
		done += r;
		if ((size_t)r < used)
			break;
	}
	return done;
}

long
sys_pread64(struct proc *p, const uint64_t *a)
{
	char small[KMEM_SMALL], *buf;
	struct file *f;
	size_t n = a[2], bsize;
	long r;

	if ((f = fd_for(p, a[0], false)) == NULL)
		return -EBADF;
	if (f->ops->pread == NULL)
		return -ESPIPE;
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	if (!user_range(a[1], a[2]))
		return -EFAULT;
	if (n == 0)
		return 0;
	buf = kmem_bounce(p, small, &bsize);
	if ((n = writable_prefix(p, a[1], n > bsize ? bsize : n)) == 0)
		return -EFAULT;
	p->nhostcalls++;
	if ((r = f->ops->pread(f, buf, n, (off_t)a[3])) <= 0)
		return r;
	return copyout(p, a[1], buf, r) ? -EFAULT : r;
}

long
sys_pwrite64(struct proc *p, const uint64_t *a)
{
	char small[KMEM_SMALL], *buf;
	struct file *f;
	size_t n, bsize;

	if ((f = fd_for(p, a[0], true)) == NULL)
		return -EBADF;
	if (f->ops->pwrite == NULL)
		return -ESPIPE;
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	if (!user_range(a[1], a[2]))
		return -EFAULT;
	buf = kmem_bounce(p, small, &bsize);
	n = a[2] > bsize ? bsize : a[2];
	if (copyin(p, buf, a[1], n) != 0)
		return -EFAULT;
	p->nhostcalls++;
	return f->ops->pwrite(f, buf, n, (off_t)a[3]);
}

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

long
sys_ioctl(struct proc *p, const uint64_t *a)
{
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

	if (newfd >= (uint64_t)nofile(p))
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
	if ((r = fdtab_alloc(p->fds, file_ref(f), 0, nofile(p), false)) < 0)
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
	if ((fds[0] = fdtab_alloc(p->fds, rd, 0, nofile(p), cloexec)) < 0) {
		file_unref(rd);
		file_unref(wr);
		return fds[0];
	}
	if ((fds[1] = fdtab_alloc(p->fds, wr, 0, nofile(p), cloexec)) < 0) {
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
		if (a[2] >= (uint64_t)nofile(p))
			return -EINVAL;
		r = fdtab_alloc(p->fds, file_ref(f), (long)a[2], nofile(p),
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
	case F_GETPIPE_SZ:
		return strcmp(f->ops->kind, "pipe") == 0 ? VK_PIPE_SIZE :
		    -EBADF;
	default:
		return -EINVAL;
	}
}

/* ---- poll and select ---- */

/*
 * A relative timeout as a deadline: NULL (none) when rel is NULL or too
 * far off to matter; -EINVAL for a negative or malformed one.
 */
static int
timeout_deadline(const struct timespec *rel, struct timespec *deadline,
    struct timespec **dp)
{
	*dp = NULL;
	if (rel == NULL)
		return 0;
	if (rel->tv_sec < 0 || rel->tv_nsec < 0 || rel->tv_nsec >= 1000000000)
		return -EINVAL;
	if (rel->tv_sec > (365LL * 86400 * 100))
		return 0;
	deadline_after(deadline, rel);
	*dp = deadline;
	return 0;
}

/* Drops the references do_poll_once took. */
static void
poll_unref(struct file **held, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		file_unref(held[i]);
}

/*
 * One round of poll over pfd[0..n): each descriptor is looked up again
 * (a closed one is POLLNVAL, as on Linux) and its file referenced into
 * held[] (n slots), so that the host descriptors collected in host[] for
 * the sleep stay open whatever a sharer of the table closes meanwhile.
 * The number of entries with events; *nheld and *nhost say what to drop
 * and what to wait for.
 */
static long
do_poll_once(struct proc *p, struct pollfd *pfd, size_t n,
    struct file **held, size_t *nheld, struct pollfd *host, int *nhost)
{
	struct file *f;
	long ready = 0;
	size_t i;

	*nheld = 0;
	*nhost = 0;
	for (i = 0; i < n; i++) {
		pfd[i].revents = 0;
		if (pfd[i].fd < 0)
			continue;
		if ((f = fdtab_peek(p->fds, pfd[i].fd)) == NULL) {
			pfd[i].revents = POLLNVAL;
		} else {
			held[(*nheld)++] = file_ref(f);
			pfd[i].revents = f->ops->poll(f) &
			    (pfd[i].events | POLLERR | POLLHUP);
			if (f->hostfd >= 0 && *nhost < VK_SLEEP_MAXHOST)
				host[(*nhost)++] = (struct pollfd){
				    .fd = f->hostfd, .events = pfd[i].events };
		}
		if (pfd[i].revents != 0)
			ready++;
	}
	return ready;
}

/*
 * Polls pfd[0..n) until something is ready, the deadline passes or a
 * signal comes: the number of entries with events, 0 at the deadline,
 * -ERESTARTNOHAND when a signal came, -ENOMEM.  Sleeps on vk_pollq (every
 * pipe change wakes it) and on the host descriptors, holding a reference
 * to every file it polls across the sleep.
 */
static long
do_poll(struct proc *p, struct pollfd *pfd, size_t n,
    const struct timespec *deadline)
{
	struct pollfd host[VK_SLEEP_MAXHOST];
	struct file **held;
	size_t nheld;
	int nhost, r;
	long ready;

	if ((held = kmem_scratch(p, (n ? n : 1) * sizeof(*held))) == NULL)
		return -ENOMEM;
	for (;;) {
		ready = do_poll_once(p, pfd, n, held, &nheld, host, &nhost);
		if (ready > 0)
			break;
		r = proc_sleep(p, &vk_pollq, host, nhost, deadline);
		poll_unref(held, nheld);
		nheld = 0;
		if (r == -ETIMEDOUT) {
			ready = 0;
			break;
		}
		if (r < 0) { /* poll and select: EINTR after a handler */
			ready = r == -ERESTARTSYS ? -ERESTARTNOHAND : r;
			break;
		}
	}
	poll_unref(held, nheld);
	return ready;
}

static long
poll_common(struct proc *p, uint64_t ufds, uint64_t nfds,
    const struct timespec *deadline)
{
	struct pollfd *pfd;
	long r;

	if (nfds > (uint64_t)nofile(p))
		return -EINVAL;
	if ((pfd = kmem_scratch(p, (nfds ? nfds : 1) * sizeof(*pfd))) == NULL)
		return -ENOMEM;
	if (copyin(p, pfd, ufds, nfds * sizeof(*pfd)) != 0)
		return -EFAULT;
	r = do_poll(p, pfd, nfds, deadline);
	if (r >= 0 && copyout(p, ufds, pfd, nfds * sizeof(*pfd)) != 0)
		r = -EFAULT;
	return r;
}

long
sys_poll(struct proc *p, const uint64_t *a)
{
	struct timespec rel, deadline, *dp = NULL;
	int ms = (int)a[2];

	if (ms >= 0) {
		rel.tv_sec = ms / 1000;
		rel.tv_nsec = (long)(ms % 1000) * 1000000;
		timeout_deadline(&rel, &deadline, &dp);
	}
	return poll_common(p, a[0], a[1], dp);
}

/* The signal mask argument of ppoll/pselect6: checked, not yet applied
 * (signals are not delivered to handlers yet). */
static long
sigmask_arg(struct proc *p, uint64_t va, uint64_t size)
{
	uint64_t mask;

	if (va == 0)
		return 0;
	if (size != sizeof(mask))
		return -EINVAL;
	return copyin(p, &mask, va, sizeof(mask)) ? -EFAULT : 0;
}

long
sys_ppoll(struct proc *p, const uint64_t *a)
{
	struct timespec rel, deadline, left, *dp = NULL;
	long r;

	if (a[2] != 0) {
		if (copyin(p, &rel, a[2], sizeof(rel)) != 0)
			return -EFAULT;
		if ((r = timeout_deadline(&rel, &deadline, &dp)) < 0)
			return r;
	}
	if ((r = sigmask_arg(p, a[3], a[4])) < 0)
		return r;
	r = poll_common(p, a[0], a[1], dp);
	if (dp != NULL && r >= 0) {
		deadline_left(dp, &left);
		if (copyout(p, a[2], &left, sizeof(left)) != 0)
			return -EFAULT;
	}
	return r;
}

/*
 * select over up to nofile(p) descriptors: each set bit must be open
 * (EBADF otherwise); readable means POLLIN/HUP/ERR, writable POLLOUT/ERR,
 * exceptional POLLPRI.  The sets are written back; the count of set bits.
 */
static long
do_select(struct proc *p, uint64_t nfds, uint64_t uin, uint64_t uout,
    uint64_t uex, const struct timespec *deadline)
{
	fd_set in, out, ex, rin, rout, rex;
	struct pollfd *pfd;
	size_t bytes, n = 0, i;
	long fd, r;

	if ((int64_t)nfds < 0)
		return -EINVAL;
	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	bytes = (nfds + 63) / 64 * 8;
	FD_ZERO(&in);
	FD_ZERO(&out);
	FD_ZERO(&ex);
	if ((uin && copyin(p, &in, uin, bytes)) ||
	    (uout && copyin(p, &out, uout, bytes)) ||
	    (uex && copyin(p, &ex, uex, bytes)))
		return -EFAULT;
	if ((pfd = kmem_scratch(p, (nfds ? nfds : 1) * sizeof(*pfd))) == NULL)
		return -ENOMEM;
	for (fd = 0; fd < (long)nfds; fd++) {
		short ev = (FD_ISSET(fd, &in) ? POLLIN : 0) |
		    (FD_ISSET(fd, &out) ? POLLOUT : 0) |
		    (FD_ISSET(fd, &ex) ? POLLPRI : 0);

		if (ev == 0)
			continue;
		if (fdtab_peek(p->fds, fd) == NULL)
			return -EBADF;
		pfd[n++] = (struct pollfd){ .fd = (int)fd, .events = ev };
	}
	if ((r = do_poll(p, pfd, n, deadline)) < 0)
		return r;
	FD_ZERO(&rin);
	FD_ZERO(&rout);
	FD_ZERO(&rex);
	for (i = 0, r = 0; i < n; i++) {
		short re = pfd[i].revents;

		if ((pfd[i].events & POLLIN) && (re & (POLLIN | POLLHUP |
		    POLLERR))) {
			FD_SET(pfd[i].fd, &rin);
			r++;
		}
		if ((pfd[i].events & POLLOUT) && (re & (POLLOUT | POLLERR))) {
			FD_SET(pfd[i].fd, &rout);
			r++;
		}
		if ((pfd[i].events & POLLPRI) && (re & POLLPRI)) {
			FD_SET(pfd[i].fd, &rex);
			r++;
		}
	}
	if ((uin && copyout(p, uin, &rin, bytes)) ||
	    (uout && copyout(p, uout, &rout, bytes)) ||
	    (uex && copyout(p, uex, &rex, bytes)))
		return -EFAULT;
	return r;
}

long
sys_select(struct proc *p, const uint64_t *a)
{
	struct timespec rel, deadline, left, *dp = NULL;
	struct timeval tv;
	long r;

	if (a[4] != 0) {
		if (copyin(p, &tv, a[4], sizeof(tv)) != 0)
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		rel.tv_sec = tv.tv_sec + tv.tv_usec / 1000000;
		rel.tv_nsec = (tv.tv_usec % 1000000) * 1000;
		if ((r = timeout_deadline(&rel, &deadline, &dp)) < 0)
			return r;
	}
	r = do_select(p, a[0], a[1], a[2], a[3], dp);
	if (dp != NULL && r >= 0) {
		deadline_left(dp, &left);
		tv.tv_sec = left.tv_sec;
		tv.tv_usec = left.tv_nsec / 1000;
		if (copyout(p, a[4], &tv, sizeof(tv)) != 0)
			return -EFAULT;
	}
	return r;
}

long
sys_pselect6(struct proc *p, const uint64_t *a)
{
	struct timespec rel, deadline, left, *dp = NULL;
	struct { uint64_t ss, len; } sm;
	long r;

	if (a[4] != 0) {
		if (copyin(p, &rel, a[4], sizeof(rel)) != 0)
			return -EFAULT;
		if ((r = timeout_deadline(&rel, &deadline, &dp)) < 0)
			return r;
	}
	if (a[5] != 0) {
		if (copyin(p, &sm, a[5], sizeof(sm)) != 0)
			return -EFAULT;
		if ((r = sigmask_arg(p, sm.ss, sm.len)) < 0)
			return r;
	}
	r = do_select(p, a[0], a[1], a[2], a[3], dp);
	if (dp != NULL && r >= 0) {
		deadline_left(dp, &left);
		if (copyout(p, a[4], &left, sizeof(left)) != 0)
			return -EFAULT;
	}
	return r;
}
