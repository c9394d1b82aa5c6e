/* file.c: open files, descriptor tables, and the vkernel's own standard streams as guest files. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "shm.h"

/* Open files in the vkernel now, and how many may be (file_set_max). */
static size_t nfiles, files_max;

void
file_set_max(size_t n)
{
	files_max = n;
}

size_t
file_count(void)
{
	return nfiles;
}

struct file *
file_new(const struct fileops *ops, int flags, void *data)
{
	struct file *f;

	if (files_max != 0 && nfiles + vm_file_count() >= files_max) {
		errno = ENFILE;
		return NULL;
	}
	if ((f = kmem_alloc(sizeof(*f))) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	nfiles++;
	f->ops = ops;
	f->refs = 1;
	f->flags = flags;
	f->hostfd = -1;
	f->data = data;
	return f;
}

struct file *
file_ref(struct file *f)
{
	f->refs++;
	return f;
}

static void (*file_release_hook)(struct file *f);

void
file_set_release_hook(void (*fn)(struct file *f))
{
	file_release_hook = fn;
}

void
file_unref(struct file *f)
{
	if (f == NULL || --f->refs > 0)
		return;
	if (f->epitems != NULL && file_release_hook != NULL)
		file_release_hook(f);
	if (f->ops->close != NULL)
		f->ops->close(f);
	nfiles--;
	kmem_free(f, sizeof(*f));
}

/* An O_PATH file, and the access mode 3 (ioctl only), can do neither. */
bool
file_readable(const struct file *f)
{
	return !(f->flags & O_PATH) && ((f->flags & O_ACCMODE) == O_RDONLY ||
	    (f->flags & O_ACCMODE) == O_RDWR);
}

bool
file_writable(const struct file *f)
{
	return !(f->flags & O_PATH) && ((f->flags & O_ACCMODE) == O_WRONLY ||
	    (f->flags & O_ACCMODE) == O_RDWR);
}

int
file_key(struct file *f)
{
	struct stat st;

	if (f->keyed)
		return 0;
	if (f->hostfd < 0)
		return -EBADF;
	if (fstat(f->hostfd, &st) != 0)
		return -errno;
	f->cacheable = S_ISREG(st.st_mode);
	f->fmt = st.st_mode & S_IFMT;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->keyed = true;
	return 0;
}

void
file_pseudo_stat(struct stat *st, mode_t mode, ino_t ino, dev_t dev)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = mode;
	st->st_nlink = 1;
	st->st_ino = ino;
	st->st_dev = dev;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
}

int
file_anon_stat(struct file *f, struct stat *st)
{
	(void)f;
	file_pseudo_stat(st, S_IRUSR | S_IWUSR, 1, 0xd); /* anon_inode_fs */
	return 0;
}

/* ---- the vkernel's standard streams ---- */

/* Waits until the host descriptor is ready for events, or says why not. */
static long
host_wait(struct file *f, struct proc *p, short events)
{
	struct pollfd pf = { .fd = f->hostfd, .events = events };
	int r;

	for (;;) {
		if (poll(&pf, 1, 0) != 0)
			return 0; /* ready, or an error the call will report */
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if ((r = proc_sleep(p, NULL, &pf, 1, NULL)) < 0)
			return r;
	}
}

static long
host_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	long r;

	if ((r = host_wait(f, p, POLLIN)) < 0)
		return r;
	p->nhostcalls++;
	return (r = read(f->hostfd, buf, n)) < 0 ? -errno : r;
}

static long
host_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	long r;

	if ((r = host_wait(f, p, POLLOUT)) < 0)
		return r;
	p->nhostcalls++;
	return (r = write(f->hostfd, buf, n)) < 0 ? -errno : r;
}

static long
host_pread(struct file *f, void *buf, size_t n, off_t off)
{
	long r = pread(f->hostfd, buf, n, off);

	return r < 0 ? -errno : r;
}

static long
host_pwrite(struct file *f, const void *buf, size_t n, off_t off)
{
	long r = pwrite(f->hostfd, buf, n, off);

	return r < 0 ? -errno : r;
}

static off_t
host_lseek(struct file *f, off_t off, int whence)
{
	off_t r = lseek(f->hostfd, off, whence);

	return r < 0 ? -errno : r;
}

static int
host_poll(struct file *f)
{
	struct pollfd pf = { .fd = f->hostfd, .events = POLLIN | POLLOUT };

	return poll(&pf, 1, 0) < 0 ? POLLERR : pf.revents;
}

static int
host_stat(struct file *f, struct stat *st)
{
	return fstat(f->hostfd, st) < 0 ? -errno : 0;
}

/* The terminal requests a program asks of its standard streams. */
static long
host_ioctl(struct file *f, struct proc *p, unsigned long req, void *arg,
    size_t *arglen)
{
	switch (req) {
	case TCGETS:
		*arglen = 36; /* the kernel's struct termios */
		break;
	case TIOCGWINSZ:
		*arglen = sizeof(struct winsize);
		break;
	case FIONREAD:
		*arglen = sizeof(int);
		break;
	default:
		return -ENOTTY;
	}
	p->nhostcalls++;
	return ioctl(f->hostfd, req, arg) < 0 ? -errno : 0;
}

static void
host_close(struct file *f)
{
	close(f->hostfd);
}

static const struct fileops host_ops = {
	.kind = "host",
	.read = host_read,
	.write = host_write,
	.pread = host_pread,
	.pwrite = host_pwrite,
	.lseek = host_lseek,
	.poll = host_poll,
	.stat = host_stat,
	.ioctl = host_ioctl,
	.close = host_close,
};

struct file *
file_host(int hostfd)
{
	struct file *f;
	int fd, fl;

	if ((fl = fcntl(hostfd, F_GETFL)) < 0 ||
	    (fd = fcntl(hostfd, F_DUPFD_CLOEXEC, 3)) < 0)
		return NULL;
	if ((f = file_new(&host_ops, fl & (O_ACCMODE | O_APPEND), NULL)) ==
	    NULL) {
		close(fd);
		return NULL;
	}
	f->hostfd = fd;
	return f;
}

/* ---- files beneath the root ---- */

/* getdents64 on the host directory, laid out as the guest's. */
static long
vfs_getdents(struct file *f, void *buf, size_t n)
{
	long r = syscall(SYS_getdents64, f->hostfd, buf, n);

	return r < 0 ? -errno : r;
}

/* FIONREAD: the bytes left in a regular file (the host answers). */
static long
vfs_ioctl(struct file *f, struct proc *p, unsigned long req, void *arg,
    size_t *arglen)
{
	if (req != FIONREAD)
		return -ENOTTY;
	*arglen = sizeof(int);
	p->nhostcalls++;
	return ioctl(f->hostfd, req, arg) < 0 ? -errno : 0;
}

/*
 * Coherence with the page cache (vm_file.c).  A file's cached pages are
 * the newest copy of its bytes while it is mapped (a shared mapping's
 * writes reach the host only at write-back), so a read copies the
 * resident pages over what the host returned, and a write goes to the
 * host and then into the resident pages, which stay as dirty or clean as
 * they were.  Reading the pages rather than writing dirty pages back first
 * keeps read(2) one host call, and leaves write-back to msync, munmap and
 * the last mapping, as on Linux.  The object is looked up after the host
 * call (it may have gone meanwhile), by the key cached in the file.
 */
static struct vm_object *
vfs_cache(struct file *f)
{
	if (vm_file_count() == 0 || file_key(f) != 0)
		return NULL;
	/* Only regular files are cached: others are keyed as such. */
	return f->cacheable ? vm_file_find(f->dev, f->ino) : NULL;
}

static long
vfs_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct vm_object *o;
	off_t off;
	long r;

	/* Not cached: the host alone, with no lseek for the offset. */
	if (vfs_cache(f) == NULL)
		return host_read(f, p, buf, n);
	off = lseek(f->hostfd, 0, SEEK_CUR);
	r = host_read(f, p, buf, n);

	if (r > 0 && off >= 0 && (o = vfs_cache(f)) != NULL)
		vm_file_overlay(o, off, buf, (size_t)r);
	return r;
}

/*
 * A shared memory object's file (data: its struct shm) asks shm.c before
 * a write changes bytes or size (seals, the budget): how much of n bytes
 * at off (-1: at the file's offset, or its end with O_APPEND) may go.
 */
static long
shm_room(struct file *f, off_t off, size_t n)
{
	struct stat st;

	if (off < 0 && (f->flags & O_APPEND))
		off = fstat(f->hostfd, &st) == 0 ? st.st_size : -1;
	else if (off < 0)
		off = lseek(f->hostfd, 0, SEEK_CUR);
	if (off < 0)
		return -errno;
	return shm_write_room(f->data, off, n);
}

static long
vfs_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	struct vm_object *o;
	off_t end;
	long r;

	if (f->data != NULL && (r = shm_room(f, -1, n)) <= 0)
		return r;
	else if (f->data != NULL)
		n = (size_t)r;
	r = host_write(f, p, buf, n);
	if (f->data != NULL)
		shm_wrote(f->data);
	if (r > 0 && (o = vfs_cache(f)) != NULL &&
	    (end = lseek(f->hostfd, 0, SEEK_CUR)) >= r)
		vm_file_update(o, end - r, buf, (size_t)r);
	return r;
}

static long
vfs_pread(struct file *f, void *buf, size_t n, off_t off)
{
	long r = host_pread(f, buf, n, off);
	struct vm_object *o;

	if (r > 0 && (o = vfs_cache(f)) != NULL)
		vm_file_overlay(o, off, buf, (size_t)r);
	return r;
}

static long
vfs_pwrite(struct file *f, const void *buf, size_t n, off_t off)
{
	struct vm_object *o;
	long r;

	if (f->data != NULL && (r = shm_room(f, off, n)) <= 0)
		return r;
	else if (f->data != NULL)
		n = (size_t)r;
	r = host_pwrite(f, buf, n, off);
	if (f->data != NULL)
		shm_wrote(f->data);

	if (r > 0 && (o = vfs_cache(f)) != NULL)
		vm_file_update(o, off, buf, (size_t)r);
	return r;
}

void
file_cache_truncate(struct file *f, off_t size)
{
	struct vm_object *o;

	if (f->hostfd >= 0 && (o = vfs_cache(f)) != NULL)
		vm_file_truncate(o, size);
}

int
file_cache_sync(struct file *f)
{
	struct vm_object *o;

	if (f->hostfd < 0 || (o = vfs_cache(f)) == NULL)
		return 0;
	return vm_file_sync(o, 0, o->npages, true);
}

static void
vfs_close(struct file *f)
{
	host_close(f);
	if (f->data != NULL)
		shm_unref(f->data);
}

static const struct fileops vfs_ops = {
	.kind = "file",
	.read = vfs_read,
	.write = vfs_write,
	.pread = vfs_pread,
	.pwrite = vfs_pwrite,
	.lseek = host_lseek,
	.poll = host_poll,
	.stat = host_stat,
	.ioctl = vfs_ioctl,
	.getdents = vfs_getdents,
	.close = vfs_close,
};

/* The bits of open(2)'s flags F_GETFL reports (Linux keeps them in
 * f_flags); every file but an O_PATH one says O_LARGEFILE on x86-64. */
#define VFS_FLFLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | \
    O_DIRECT | O_NOATIME | O_DIRECTORY | O_NOFOLLOW | O_PATH | O_ASYNC)
#define VK_O_LARGEFILE 0100000

struct file *
file_vfs_new(int hostfd, int flags)
{
	int fl = flags & VFS_FLFLAGS;
	struct file *f;

	if (fl & O_PATH)
		fl &= O_PATH | O_DIRECTORY | O_NOFOLLOW;
	else
		fl |= VK_O_LARGEFILE;
	if ((f = file_new(&vfs_ops, fl, NULL)) != NULL)
		f->hostfd = hostfd;
	return f;
}

bool
file_is_vfs(const struct file *f)
{
	return f->ops == &vfs_ops;
}

int
file_shm_new(struct shm *s, int flags, struct file **fp)
{
	struct file *f;
	int fd, r;

	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	if ((fd = shm_open_fd(s, flags)) < 0)
		return fd;
	if ((f = file_vfs_new(fd, flags)) == NULL) {
		close(fd);
		return -errno;
	}
	f->data = shm_ref(s);
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
		if ((r = shm_resize_check(s, 0)) == 0 && ftruncate(fd, 0) != 0)
			r = -errno;
		shm_wrote(s);
		if (r != 0) {
			file_unref(f);
			return r;
		}
		file_cache_truncate(f, 0);
	}
	*fp = f;
	return 0;
}

struct shm *
file_shm(const struct file *f)
{
	return f->ops == &vfs_ops ? f->data : NULL;
}

struct file *
file_host_new(int hostfd, int flags)
{
	struct file *f = file_new(&host_ops, flags, NULL);

	if (f != NULL)
		f->hostfd = hostfd;
	return f;
}

/* ---- descriptor tables ---- */

static struct fdtab_hooks hooks;

void
fdtab_set_hooks(const struct fdtab_hooks *h)
{
	hooks = *h;
}

struct fdent {
	struct file *f;
	bool cloexec;
};

struct fdtab {
	int refs;           /* processes sharing it (CLONE_FILES) */
	int n;              /* slots in ent */
	int open;           /* descriptors in use */
	struct fdent *ent;
};

struct fdtab *
fdtab_new(void)
{
	struct fdtab *t = kmem_alloc(sizeof(struct fdtab));

	if (t != NULL)
		t->refs = 1;
	return t;
}

struct fdtab *
fdtab_share(struct fdtab *t)
{
	t->refs++;
	return t;
}

bool
fdtab_shared(const struct fdtab *t)
{
	return t->refs > 1;
}

/* Makes room for descriptor fd.  0 or -ENOMEM. */
static int
fdtab_grow(struct fdtab *t, long fd)
{
	struct fdent *e;
	int n = t->n ? t->n : 16;

	while (n <= fd)
		n *= 2;
	if (n == t->n)
		return 0;
	if ((e = kmem_realloc(t->ent, t->n * sizeof(*e), n * sizeof(*e))) ==
	    NULL)
		return -ENOMEM;
	memset(e + t->n, 0, (n - t->n) * sizeof(*e));
	t->ent = e;
	t->n = n;
	return 0;
}

struct fdtab *
fdtab_copy(struct fdtab *t)
{
	struct fdtab *c;
	int i;

	if ((c = fdtab_new()) == NULL)
		return NULL;
	if (fdtab_grow(c, t->n - 1) != 0) {
		fdtab_free(c);
		return NULL;
	}
	for (i = 0; i < t->n; i++)
		if (t->ent[i].f != NULL) {
			c->ent[i].f = file_ref(t->ent[i].f);
			c->ent[i].cloexec = t->ent[i].cloexec;
		}
	c->open = t->open;
	return c;
}

void
fdtab_free(struct fdtab *t)
{
	int i;

	if (t == NULL || --t->refs > 0)
		return;
	if (hooks.gone != NULL)  /* the owner of its POSIX locks goes */
		hooks.gone(t);
	for (i = 0; i < t->n; i++)
		file_unref(t->ent[i].f);
	kmem_free(t->ent, t->n * sizeof(*t->ent));
	kmem_free(t, sizeof(*t));
}

struct file *
fdtab_peek(struct fdtab *t, long fd)
{
	return fd >= 0 && fd < t->n ? t->ent[fd].f : NULL;
}

struct file *
fget_in(struct proc *p, struct fdtab *t, long fd)
{
	struct file *f = fdtab_peek(t, fd);

	if (f == NULL)
		return NULL;
	if (p->nholds == VK_FILE_HOLDS) {
		/* A call that looks up more files than it may hold is a
		 * vkernel bug: EBADF to the guest, said once. */
		static bool said;

		if (!said)
			vk_log("pid %d: more than %d files held by one call",
			    p->pid, VK_FILE_HOLDS);
		said = true;
		return NULL;
	}
	p->holds[p->nholds++] = file_ref(f);
	return f;
}

struct file *
fget(struct proc *p, long fd)
{
	return fget_in(p, p->fds, fd);
}

void
file_holds_release(struct proc *p)
{
	while (p->nholds > 0)
		file_unref(p->holds[--p->nholds]);
}

int
fdtab_install(struct fdtab *t, long fd, struct file *f, bool cloexec)
{
	struct file *old;

	if (fd < 0)
		return -EBADF;
	if (fdtab_grow(t, fd) != 0)
		return -ENOMEM;
	old = t->ent[fd].f;
	t->ent[fd].f = f;
	t->ent[fd].cloexec = cloexec;
	if (old == NULL)
		t->open++;
	else if (hooks.close != NULL)  /* dup2 over it closes it */
		hooks.close(t, old);
	file_unref(old);
	return 0;
}

int
fdtab_alloc(struct fdtab *t, struct file *f, long min, long limit,
    bool cloexec)
{
	long fd;

	if (min < 0 || min >= limit)
		return -EINVAL;
	for (fd = min; fd < limit; fd++)
		if (fd >= t->n || t->ent[fd].f == NULL)
			break;
	if (fd >= limit)
		return -EMFILE;
	if (fdtab_install(t, fd, f, cloexec) != 0)
		return -ENOMEM;
	return (int)fd;
}

int
fdtab_close(struct fdtab *t, long fd)
{
	struct file *f;

	if ((f = fdtab_peek(t, fd)) == NULL)
		return -EBADF;
	t->ent[fd].f = NULL;
	t->ent[fd].cloexec = false;
	t->open--;
	/* As on Linux, closing any descriptor of a file drops every POSIX
	 * lock the table holds on it (close, close_range, exec). */
	if (hooks.close != NULL)
		hooks.close(t, f);
	file_unref(f);
	return 0;
}

bool
fdtab_cloexec(struct fdtab *t, long fd)
{
	return fdtab_peek(t, fd) != NULL && t->ent[fd].cloexec;
}

void
fdtab_set_cloexec(struct fdtab *t, long fd, bool on)
{
	if (fdtab_peek(t, fd) != NULL)
		t->ent[fd].cloexec = on;
}

void
fdtab_close_range(struct fdtab *t, unsigned first, unsigned last,
    bool cloexec_only)
{
	long fd;

	for (fd = first; fd <= (long)last && fd < t->n; fd++) {
		if (t->ent[fd].f == NULL)
			continue;
		if (cloexec_only)
			t->ent[fd].cloexec = true;
		else
			fdtab_close(t, fd);
	}
}

void
fdtab_exec(struct fdtab *t)
{
	int fd;

	for (fd = 0; fd < t->n; fd++)
		if (t->ent[fd].f != NULL && t->ent[fd].cloexec)
			fdtab_close(t, fd);
}

int
fdtab_count(const struct fdtab *t)
{
	return t->open;
}
