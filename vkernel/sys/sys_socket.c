/* sys_socket.c: the socket calls on Unix-domain sockets (socket, socketpair, bind, listen, connect, accept, shutdown, names, options): arguments decoded and names resolved beneath the root, for kern/uipc.c. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "specfs.h"
#include "inet.h"
#include "uipc.h"
#include "vfs.h"

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif

long
sock_at(struct proc *p, uint64_t fd, struct file **fp)
{
	if ((*fp = fget(p, (long)fd)) == NULL)
		return -EBADF;
	return uipc_is(*fp) || inet_is(*fp) ? 0 : -ENOTSOCK;
}

/* The path of a path name, absolute: 0 or -errno. */
static long
name_path(struct proc *p, const struct uname *n, char *gpath)
{
	return vfs_abspath(p, AT_FDCWD, n->addr.sun_path, gpath);
}

/*
 * A bound path name: the socket file made on the host beneath the root
 * (mode 0777 less the umask, as Linux), EADDRINUSE if the name exists;
 * *pinfd an O_PATH descriptor of it and n's dev and ino.
 */
static long
name_create(struct proc *p, struct uname *n, int *pinfd)
{
	char gpath[PATH_MAX];
	const char *base;
	struct stat st;
	long r;
	int pfd;

	if ((r = name_path(p, n, gpath)) < 0)
		return r;
	if (specfs_owns(gpath))
		return (r = specfs_refuse(p, gpath, true)) == -EEXIST ?
		    -EADDRINUSE : r;
	p->nhostcalls++;
	if ((pfd = vfs_open_parent(gpath, &base)) < 0)
		return pfd;
	if (vfs_dot(base))
		r = -EADDRINUSE;
	else if (mknodat(pfd, base, S_IFSOCK | (0777 & ~p->tg->umask), 0) != 0)
		r = errno == EEXIST ? -EADDRINUSE : -errno;
	else if ((*pinfd = openat(pfd, base, O_PATH | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || fstat(*pinfd, &st) != 0) {
		r = -errno;
		if (*pinfd >= 0)
			close(*pinfd);
		unlinkat(pfd, base, 0);
	} else {
		n->dev = st.st_dev;
		n->ino = st.st_ino;
	}
	close(pfd);
	return r;
}

/* A path name to connect or send to: n's dev and ino, of a socket file
 * the caller may write (EACCES), or ECONNREFUSED for anything else
 * that exists.  Never a host connect(). */
static long
name_find(struct proc *p, struct uname *n)
{
	char gpath[PATH_MAX];
	struct stat st;
	long r;
	int fd;

	if ((r = name_path(p, n, gpath)) < 0)
		return r;
	if ((r = host_fd(p, gpath, true, O_PATH, &fd)) < 0)
		return r;
	if (fd < 0)
		return (r = stat_path(p, gpath, true, &st)) < 0 ? r :
		    -ECONNREFUSED;
	if (fstat(fd, &st) != 0)
		r = -errno;
	else if (!S_ISSOCK(st.st_mode))
		r = -ECONNREFUSED;
	else if (faccessat(fd, "", W_OK, AT_EMPTY_PATH | AT_EACCESS) != 0)
		r = -errno;
	n->dev = st.st_dev;
	n->ino = st.st_ino;
	close(fd);
	return r;
}

/*
 * The guest's sockaddr_un at va (alen bytes) as a name: 0, 1 for just
 * the family (autobind; AF_UNSPEC too with unspec_ok), or -EINVAL.  A
 * path is cut at its first NUL, as Linux's unix_mkname_bsd.
 */
long
name_in(struct proc *p, gva_t va, uint64_t alen, struct uname *n,
    bool unspec_ok)
{
	size_t min = offsetof(struct sockaddr_un, sun_path);

	memset(n, 0, sizeof(*n));
	if (alen < sizeof(sa_family_t) || alen > sizeof(n->addr))
		return -EINVAL;
	if (copyin(p, &n->addr, va, alen) != 0)
		return -EFAULT;
	if (unspec_ok && n->addr.sun_family == AF_UNSPEC)
		return 1;
	if (n->addr.sun_family != AF_UNIX)
		return -EINVAL;
	if (alen == min)
		return 1;
	if (n->addr.sun_path[0] == '\0') {
		n->abstract = true;
		n->len = (socklen_t)alen;
		return 0;
	}
	n->addr.sun_path[sizeof(n->addr.sun_path) - 1] = '\0';
	if (alen - min < sizeof(n->addr.sun_path))
		n->addr.sun_path[alen - min] = '\0';
	n->len = (socklen_t)(min + strlen(n->addr.sun_path) + 1);
	return 0;
}

/* A name to connect or send to, resolved: 0, 1 (family only) or
 * -errno. */
long
name_target(struct proc *p, gva_t va, uint64_t alen, struct uname *n,
    bool unspec_ok)
{
	long r;

	if ((r = name_in(p, va, alen, n, unspec_ok)) != 0 || n->abstract)
		return r;
	return name_find(p, n);
}

/* Writes n at va, its length at lenva (truncated to what the guest
 * said it holds, the full length reported, as Linux). */
long
name_out(struct proc *p, const struct uname *n, gva_t va, gva_t lenva)
{
	int len;

	if (va == 0)
		return 0;
	if (copyin(p, &len, lenva, sizeof(len)) != 0)
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (copyout(p, va, &n->addr, (size_t)len < n->len ? (size_t)len :
	    n->len) != 0)
		return -EFAULT;
	len = (int)n->len;
	return copyout(p, lenva, &len, sizeof(len)) ? -EFAULT : 0;
}

/* A socket type argument: the type, *flags its O_NONBLOCK and
 * O_CLOEXEC; -EINVAL or -ESOCKTNOSUPPORT. */
static int
sock_type(uint64_t arg, int *flags)
{
	int type = (int)(arg & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC));

	*flags = (arg & SOCK_NONBLOCK ? O_NONBLOCK : 0) |
	    (arg & SOCK_CLOEXEC ? O_CLOEXEC : 0);
	if (type != SOCK_STREAM && type != SOCK_DGRAM &&
	    type != SOCK_SEQPACKET)
		return type <= 0 || type > SOCK_PACKET ? -EINVAL :
		    -ESOCKTNOSUPPORT;
	return type;
}

/* socket's checks for AF_UNIX: the type, or -errno. */
static int
sock_args(const uint64_t *a, int *flags)
{
	int type;

	if ((type = sock_type(a[1], flags)) < 0)
		return type;
	return a[2] != 0 && a[2] != AF_UNIX ? -EPROTONOSUPPORT : type;
}

/* f at a new descriptor of p (O_CLOEXEC from flags): the number, or
 * -errno with f dropped. */
long
sock_install(struct proc *p, struct file *f, int flags)
{
	int fd = fdtab_alloc(p->fds, f, 0, sys_nofile(p), flags & O_CLOEXEC);

	if (fd < 0)
		file_unref(f);
	return fd;
}

long
sys_socket(struct proc *p, const uint64_t *a)
{
	struct file *f;
	int type, flags, r;

	if (inet_family((int)a[0])) {
		type = (int)(a[1] & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC));
		flags = (a[1] & SOCK_NONBLOCK ? O_NONBLOCK : 0) |
		    (a[1] & SOCK_CLOEXEC ? O_CLOEXEC : 0);
		if ((r = inet_create(p, (int)a[0], type, (int)a[2], flags,
		    &f)) < 0)
			return r;
		return sock_install(p, f, flags);
	}
	if (a[0] != AF_UNIX)
		return -EAFNOSUPPORT;
	if ((type = sock_args(a, &flags)) < 0)
		return type;
	if ((r = uipc_create(p, type, flags, &f)) < 0)
		return r;
	return sock_install(p, f, flags);
}

long
sys_socketpair(struct proc *p, const uint64_t *a)
{
	struct file *f0, *f1;
	int type, flags, fds[2], r;

	if (a[0] != AF_UNIX)
		return inet_family((int)a[0]) ? -EOPNOTSUPP : -EAFNOSUPPORT;
	if ((type = sock_args(a, &flags)) < 0)
		return type;
	if ((r = uipc_pair(p, type, flags, &f0, &f1)) < 0)
		return r;
	if ((fds[0] = (int)sock_install(p, f0, flags)) < 0) {
		file_unref(f1);
		return fds[0];
	}
	if ((fds[1] = (int)sock_install(p, f1, flags)) < 0) {
		fdtab_close(p->fds, fds[0]);
		return fds[1];
	}
	if (copyout(p, a[3], fds, sizeof(fds)) != 0) {
		fdtab_close(p->fds, fds[0]);
		fdtab_close(p->fds, fds[1]);
		return -EFAULT;
	}
	return 0;
}

long
sys_bind(struct proc *p, const uint64_t *a)
{
	struct uname n;
	struct file *f;
	int pinfd = -1;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	if (inet_is(f))
		return sysinet_bind(p, f, a);
	if ((r = name_in(p, a[1], a[2], &n, false)) < 0)
		return r;
	if (r == 1)
		return uipc_bound(f) ? -EINVAL : uipc_autobind(f);
	if (uipc_bound(f))
		return -EINVAL;
	if (!n.abstract && (r = name_create(p, &n, &pinfd)) < 0)
		return r;
	return uipc_bind(f, &n, pinfd);
}

long
sys_listen(struct proc *p, const uint64_t *a)
{
	struct file *f;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	if (inet_is(f))
		return inet_listen(f, (int)a[1]);
	return uipc_listen(f, p, (int)a[1]);
}

long
sys_connect(struct proc *p, const uint64_t *a)
{
	struct uname n;
	struct file *f;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	if (inet_is(f))
		return sysinet_connect(p, f, a);
	if ((r = name_target(p, a[1], a[2], &n, true)) < 0)
		return r;
	if (r == 1)
		return uipc_type(f) == SOCK_DGRAM ? uipc_connect(f, p, NULL) :
		    -EINVAL;
	return uipc_connect(f, p, &n);
}

/* accept on a network socket: the connection's file installed, its
 * peer's address given out. */
static long
inet_do_accept(struct proc *p, struct file *f, const uint64_t *a, int fl)
{
	struct sockaddr_storage sa;
	struct file *nf;
	socklen_t len;
	long r, fd;

	if ((r = inet_accept(f, p, fl, &sa, &len, &nf)) < 0)
		return r;
	if ((fd = sock_install(p, nf, fl)) < 0)
		return fd;
	if ((r = sysinet_addr_out(p, &sa, len, a[1], a[2])) < 0) {
		fdtab_close(p->fds, fd);
		return r;
	}
	return fd;
}

static long
do_accept(struct proc *p, const uint64_t *a, uint64_t flags)
{
	struct file *f, *nf;
	struct uname n;
	long r, fd;
	int fl;

	if (flags & ~(uint64_t)(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	fl = (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0) |
	    (flags & SOCK_CLOEXEC ? O_CLOEXEC : 0);
	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	if (inet_is(f))
		return inet_do_accept(p, f, a, fl);
	if ((r = uipc_accept(f, p, fl, &nf)) < 0)
		return r;
	if ((fd = sock_install(p, nf, fl)) < 0)
		return fd;
	if (uipc_getname(nf, true, &n) != 0) {
		memset(&n, 0, sizeof(n));
		n.addr.sun_family = AF_UNIX;
		n.len = sizeof(sa_family_t);
	}
	if ((r = name_out(p, &n, a[1], a[2])) < 0) {
		fdtab_close(p->fds, fd);
		return r;
	}
	return fd;
}

long
sys_accept(struct proc *p, const uint64_t *a)
{
	return do_accept(p, a, 0);
}

long
sys_accept4(struct proc *p, const uint64_t *a)
{
	return do_accept(p, a, a[3]);
}

long
sys_shutdown(struct proc *p, const uint64_t *a)
{
	struct file *f;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	if (inet_is(f))
		return inet_shutdown(f, (int)a[1]);
	return uipc_shutdown(f, (int)a[1]);
}

static long
do_getname(struct proc *p, const uint64_t *a, bool peer)
{
	struct uname n;
	struct file *f;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	if (inet_is(f))
		return sysinet_getname(p, f, a, peer);
	if ((r = uipc_getname(f, peer, &n)) < 0)
		return r;
	return name_out(p, &n, a[1], a[2]);
}

long
sys_getsockname(struct proc *p, const uint64_t *a)
{
	return do_getname(p, a, false);
}

long
sys_getpeername(struct proc *p, const uint64_t *a)
{
	return do_getname(p, a, true);
}

/* ---- options ---- */

/* SO_RCVTIMEO/SO_SNDTIMEO's struct timeval (old and new forms alike on
 * x86-64). */
static long
timeo_set(struct proc *p, struct file *f, int opt, gva_t va, uint64_t len)
{
	struct timeval tv;
	uint64_t ns;

	if (len < sizeof(tv))
		return -EINVAL;
	if (copyin(p, &tv, va, sizeof(tv)) != 0)
		return -EFAULT;
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	ns = tv.tv_sec < 0 ? 0 : (uint64_t)tv.tv_sec * 1000000000 +
	    (uint64_t)tv.tv_usec * 1000;
	uipc_timeo(f, opt == SO_SNDTIMEO || opt == SO_SNDTIMEO_NEW, &ns,
	    true);
	return 0;
}

long
sys_setsockopt(struct proc *p, const uint64_t *a)
{
	struct file *f;
	int opt = (int)a[2], val;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	if (inet_is(f))
		return sysinet_setsockopt(p, f, a);
	if (a[1] != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (opt == SO_RCVTIMEO || opt == SO_SNDTIMEO ||
	    opt == SO_RCVTIMEO_NEW || opt == SO_SNDTIMEO_NEW)
		return timeo_set(p, f, opt, a[3], a[4]);
	if ((int)a[4] < (int)sizeof(int))
		return -EINVAL;
	if (copyin(p, &val, a[3], sizeof(val)) != 0)
		return -EFAULT;
	return uipc_setopt(f, opt, val);
}

/* Writes an option's value (n bytes at v) cut to the guest's length. */
static long
opt_out(struct proc *p, const void *v, size_t n, gva_t va, gva_t lenva)
{
	int len;

	if (copyin(p, &len, lenva, sizeof(len)) != 0)
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if ((size_t)len > n)
		len = (int)n;
	if (copyout(p, va, v, (size_t)len) != 0 ||
	    copyout(p, lenva, &len, sizeof(len)) != 0)
		return -EFAULT;
	return 0;
}

long
sys_getsockopt(struct proc *p, const uint64_t *a)
{
	struct file *f;
	struct ucred uc;
	struct timeval tv;
	uint64_t ns;
	int opt = (int)a[2], val;
	long r;

	if ((r = sock_at(p, a[0], &f)) < 0)
		return r;
	if (inet_is(f))
		return sysinet_getsockopt(p, f, a);
	if (a[1] != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (opt == SO_PEERCRED) {
		uipc_peercred(f, &uc);
		return opt_out(p, &uc, sizeof(uc), a[3], a[4]);
	}
	if (opt == SO_RCVTIMEO || opt == SO_SNDTIMEO ||
	    opt == SO_RCVTIMEO_NEW || opt == SO_SNDTIMEO_NEW) {
		uipc_timeo(f, opt == SO_SNDTIMEO || opt == SO_SNDTIMEO_NEW,
		    &ns, false);
		tv.tv_sec = (time_t)(ns / 1000000000);
		tv.tv_usec = (suseconds_t)(ns % 1000000000 / 1000);
		return opt_out(p, &tv, sizeof(tv), a[3], a[4]);
	}
	if ((r = uipc_getopt(f, opt, &val)) < 0)
		return r;
	return opt_out(p, &val, sizeof(val), a[3], a[4]);
}
