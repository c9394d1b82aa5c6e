/* sys_rw.c: read and write and their vector and positional forms, sendfile: bytes between guest memory and open files. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "kmem.h"
#include "uipc.h"

#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024
#endif

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
 * The buffer for one read or write of want bytes on f (*bsize its size):
 * a bounce buffer, or for a socket that keeps records, where one read or
 * write is one record, one as large as the record up to UIPC_RECMAX
 * (NULL past the budget: ENOMEM).
 */
static char *
rw_buffer(struct proc *p, struct file *f, char *small, size_t *bsize,
    size_t want)
{
	if (!uipc_is(f) || uipc_type(f) == SOCK_STREAM)
		return copy_bounce(p, small, bsize);
	*bsize = want < UIPC_RECMAX ? want : UIPC_RECMAX;
	if (*bsize <= KMEM_SMALL) {
		*bsize = KMEM_SMALL;
		return small;
	}
	return copy_scratch(p, *bsize);
}

/* A write of len bytes that a socket keeping records cannot take as
 * one: EMSGSIZE, as Linux. */
static bool
record_too_big(struct file *f, size_t len)
{
	return uipc_is(f) && uipc_type(f) != SOCK_STREAM && len > UIPC_RECMAX;
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
	if ((buf = rw_buffer(p, f, small, &bsize, len)) == NULL)
		return -ENOMEM;
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
	if (record_too_big(f, len))
		return -EMSGSIZE;
	if ((buf = rw_buffer(p, f, small, &bsize, len)) == NULL)
		return -ENOMEM;
	while (len > 0) {
		size_t n = len > bsize ? bsize : len;

		/* A file takes the bytes up to the first page the guest
		 * cannot read (a short write, EFAULT if none), as Linux's
		 * write_iter does; a pipe takes a chunk whole or not at all,
		 * as Linux's pipe_write, and a socket a record. */
		if ((!pipe_is(f) && !uipc_is(f) &&
		    (n = readable_prefix(p, va, n)) == 0) ||
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
	    (iov = copy_scratch(p, cnt * sizeof(*iov))) == NULL)
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
	if ((buf = rw_buffer(p, f, small, &bsize, (size_t)total)) == NULL)
		return -ENOMEM;
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
	if (record_too_big(f, (size_t)total))
		return -EMSGSIZE;
	if ((buf = rw_buffer(p, f, small, &bsize, (size_t)total)) == NULL)
		return -ENOMEM;
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
	buf = copy_bounce(p, small, &bsize);
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
	buf = copy_bounce(p, small, &bsize);
	n = a[2] > bsize ? bsize : a[2];
	if (copyin(p, buf, a[1], n) != 0)
		return -EFAULT;
	p->nhostcalls++;
	return f->ops->pwrite(f, buf, n, (off_t)a[3]);
}

/* The file at fd for reading (or writing) with a position: -EBADF,
 * -ESPIPE (no position: a pipe). */
static long
pos_file(struct proc *p, uint64_t fd, bool write, struct file **fp)
{
	struct file *f = file_at(p, fd);

	if (f == NULL || (write ? !file_writable(f) : !file_readable(f)))
		return -EBADF;
	if ((write ? (void *)f->ops->pwrite : (void *)f->ops->pread) == NULL)
		return -ESPIPE;
	*fp = f;
	return 0;
}

int
sys_iov_copy(struct proc *p, const struct iovec *iov, uint64_t cnt,
    size_t skip, char *buf, size_t len, bool out)
{
	uint64_t i;

	for (i = 0; i < cnt && len > 0; i++) {
		size_t n = iov[i].iov_len;
		gva_t va = (gva_t)iov[i].iov_base;

		if (skip >= n) {
			skip -= n;
			continue;
		}
		va += skip;
		n -= skip;
		skip = 0;
		if (n > len)
			n = len;
		if (out ? copyout(p, va, buf, n) : copyin(p, buf, va, n))
			return -EFAULT;
		buf += n;
		len -= n;
	}
	return 0;
}

/* preadv/preadv2: one positioned read of up to a chunk, scattered. */
static long
do_preadv(struct proc *p, const uint64_t *a, int64_t off)
{
	struct iovec fast[UIO_FASTIOV], *iov;
	char small[KMEM_SMALL], *buf;
	struct file *f;
	long total, r;
	size_t bsize;

	if ((r = pos_file(p, a[0], false, &f)) < 0)
		return r;
	if (off < 0)
		return -EINVAL;
	if ((total = sys_iov_in(p, fast, &iov, a[1], a[2])) <= 0)
		return total;
	buf = copy_bounce(p, small, &bsize);
	if (total > (long)bsize)
		total = (long)bsize;
	p->nhostcalls++;
	if ((r = f->ops->pread(f, buf, (size_t)total, (off_t)off)) <= 0)
		return r;
	return sys_iov_copy(p, iov, a[2], 0, buf, (size_t)r, true) ? -EFAULT : r;
}

/* pwritev/pwritev2: gathered and written a chunk at a time. */
static long
do_pwritev(struct proc *p, const uint64_t *a, int64_t off)
{
	struct iovec fast[UIO_FASTIOV], *iov;
	char small[KMEM_SMALL], *buf;
	struct file *f;
	long total, done = 0, r;
	size_t bsize;

	if ((r = pos_file(p, a[0], true, &f)) < 0)
		return r;
	if (off < 0)
		return -EINVAL;
	if ((total = sys_iov_in(p, fast, &iov, a[1], a[2])) <= 0)
		return total;
	buf = copy_bounce(p, small, &bsize);
	while (done < total) {
		size_t n = (size_t)(total - done) > bsize ? bsize :
		    (size_t)(total - done);

		if (sys_iov_copy(p, iov, a[2], (size_t)done, buf, n, false) != 0)
			return done > 0 ? done : -EFAULT;
		p->nhostcalls++;
		if ((r = f->ops->pwrite(f, buf, n, (off_t)(off + done))) < 0)
			return done > 0 ? done : r;
		done += r;
		if ((size_t)r < n)
			break;
	}
	return done;
}

long
sys_preadv(struct proc *p, const uint64_t *a)
{
	return do_preadv(p, a, (int64_t)a[3]);
}

long
sys_pwritev(struct proc *p, const uint64_t *a)
{
	return do_pwritev(p, a, (int64_t)a[3]);
}

/* The v2 forms: no RWF_* flags (EOPNOTSUPP, as Linux says for flags it
 * does not support); offset -1 is the file's position (readv/writev). */
long
sys_preadv2(struct proc *p, const uint64_t *a)
{
	if (a[5] != 0)
		return -EOPNOTSUPP;
	return (int64_t)a[3] == -1 ? sys_readv(p, a) :
	    do_preadv(p, a, (int64_t)a[3]);
}

long
sys_pwritev2(struct proc *p, const uint64_t *a)
{
	if (a[5] != 0)
		return -EOPNOTSUPP;
	return (int64_t)a[3] == -1 ? sys_writev(p, a) :
	    do_pwritev(p, a, (int64_t)a[3]);
}

/* Writes all of buf[0..n) to f (it may sleep): bytes written or -errno. */
static long
write_all(struct proc *p, struct file *f, const char *buf, size_t n)
{
	size_t done = 0;
	long r;

	while (done < n) {
		if ((r = f->ops->write(f, p, buf + done, n - done)) < 0)
			return done > 0 ? (long)done : r == -EPIPE ?
			    sys_epipe(p) : r;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (long)done;
}

/*
 * sendfile: from any readable file (at *offset with pread when offset is
 * given, leaving its position alone) to any writable one, through a
 * bounce buffer a chunk at a time; stops at end of file or a short write.
 */
long
sys_sendfile(struct proc *p, const uint64_t *a)
{
	char small[KMEM_SMALL], *buf;
	struct file *in, *out;
	size_t bsize;
	uint64_t count = a[3] > MAX_RW_COUNT ? MAX_RW_COUNT : a[3];
	int64_t off = 0;
	long done = 0, r, w;

	if ((in = file_at(p, a[1])) == NULL || !file_readable(in) ||
	    (out = file_at(p, a[0])) == NULL || !file_writable(out))
		return -EBADF;
	if (out->flags & O_APPEND)
		return -EINVAL;
	if (a[2] != 0) {
		if (copyin(p, &off, a[2], sizeof(off)) != 0)
			return -EFAULT;
		if (off < 0)
			return -EINVAL;
		if (in->ops->pread == NULL)
			return -ESPIPE;
	}
	buf = copy_bounce(p, small, &bsize);
	while ((uint64_t)done < count) {
		size_t n = count - done > bsize ? bsize : count - done;

		p->nhostcalls++;
		r = a[2] != 0 ? in->ops->pread(in, buf, n, (off_t)(off + done)) :
		    in->ops->read(in, p, buf, n);
		if (r <= 0) {
			if (done == 0)
				done = r;
			break;
		}
		if ((w = write_all(p, out, buf, (size_t)r)) < 0) {
			if (done == 0)
				done = w;
			break;
		}
		done += w;
		if (w < r)
			break;
	}
	if (a[2] != 0 && done > 0) {
		off += done;
		if (copyout(p, a[2], &off, sizeof(off)) != 0)
			return -EFAULT;
	}
	return done;
}
