/* specfs.c: the guest's own /dev and /proc: names the vkernel answers itself, never the host's. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "pty.h"
#include "shm.h"
#include "specfs.h"
#include "vfs.h"
#include "specfs_gen.h"
#include "console.h"
#include "tty.h"

/*
 * A guest path is walked here component by component from the guest's
 * root: "." and ".." are taken as they come (".." of a specfs symlink's
 * target is the target's parent, as on Linux), specfs symlinks are
 * followed, and components outside /dev and /proc are only names (the
 * host walks them, beneath the -r root, when a link leads there).  Files
 * are generated whole at open (a snapshot); directories list what exists
 * at open.  Nothing here holds a struct proc beyond the call that looked
 * it up: an open file keeps only its text, its entries and its path.
 */

#define MAXLINKS        40               /* Linux's MAXSYMLINKS */

/* The host devices behind ours, by fixed name (never a guest string). */
static const char *
dev_host(enum what w)
{
	switch (w) {
	case W_NULL: return "/dev/null";
	case W_ZERO: return "/dev/zero";
	case W_FULL: return "/dev/full";
	case W_RANDOM: return "/dev/random";
	case W_URANDOM: return "/dev/urandom";
	default: return NULL;
	}
}

/* ---- open files' descriptions (/proc/PID/fd/N) ---- */

/* What Linux's /proc/PID/fd/N says for f: its guest path, "pipe:[N]",
 * the name of a host stream that is no file beneath the root
 * ("/dev/pts/0", "pipe:[N]", "socket:[N]"), else "anon_inode:[KIND]". */
static void
describe(struct file *f, char *out, size_t len)
{
	char link[64], host[PATH_MAX];
	struct stat st;
	ssize_t n;

	/* A FIFO's is its file's guest path, as Linux's */
	if (pipe_fifo_pathfd(f) >= 0 &&
	    vfs_fd_path(pipe_fifo_pathfd(f), out, len) == 0)
		return;
	if (pipe_is(f) && f->ops->stat(f, &st) == 0) {
		snprintf(out, len, "pipe:[%lu]", (unsigned long)st.st_ino);
		return;
	}
	if (strcmp(f->ops->kind, "socket") == 0 && f->ops->stat(f, &st) == 0) {
		snprintf(out, len, "socket:[%lu]", (unsigned long)st.st_ino);
		return;
	}
	if (is_specfs_file(f)) {
		snprintf(out, len, "%s", ((struct snap *)f->data)->path);
		return;
	}
	if (tty_of(f) != NULL) {
		snprintf(out, len, "%s", tty_name(tty_of(f)));
		return;
	}
	if (pty_master_tty(f) != NULL) {
		snprintf(out, len, "/dev/ptmx");
		return;
	}
	if (file_shm(f) != NULL) {
		shm_describe(file_shm(f), out, len);
		return;
	}
	if (f->hostfd >= 0) {
		if (vfs_fd_path(f->hostfd, out, len) == 0)
			return;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", f->hostfd);
		if ((n = readlink(link, host, sizeof(host) - 1)) > 0) {
			host[n] = '\0';
			if (strncmp(host, "/dev/", 5) == 0 ||
			    strncmp(host, "pipe:[", 6) == 0 ||
			    strncmp(host, "socket:[", 8) == 0 ||
			    strncmp(host, "anon_inode:", 11) == 0) {
				snprintf(out, len, "%s", host);
				return;
			}
		}
	}
	snprintf(out, len, "anon_inode:[%s]", f->ops->kind);
}

/* ---- names ---- */

static void
set_root(struct node *n)
{
	memset(n, 0, offsetof(struct node, path));
	n->kind = K_HOST;
	n->what = W_ROOT;
	n->fd = -1;
	strcpy(n->path, "/");
}

/* The entry name of directory d: 0 with *c filled (but for its path), or
 * -ENOENT. */
static int
child(struct proc *p, const struct node *d, const char *name, struct node *c)
{
	const struct ent *t;
	struct proc *q;
	size_t n, i;
	long v;

	*c = (struct node){ .kind = K_HOST, .what = W_HOSTNAME_PATH,
	    .pid = d->pid, .fd = -1 };
	if (d->kind == K_HOST) {
		if (d->what == W_ROOT && strcmp(name, "dev") == 0)
			c->kind = K_DIR, c->what = W_DEV;
		else if (d->what == W_ROOT && strcmp(name, "proc") == 0)
			c->kind = K_DIR, c->what = W_PROC;
		else if (d->what == W_ROOT && strcmp(name, "sys") == 0)
			c->kind = K_DIR, c->what = W_SYSFS;
		return 0;
	}
	if (d->what == W_SHMDIR) {
		if (shm_lookup(name) == NULL)
			return -ENOENT;
		c->kind = K_SHM, c->what = W_SHM;
		return 0;
	}
	if (d->what == W_PTSDIR) {  /* a pty whose master is open */
		if ((v = number(name)) < 0 || v > INT_MAX ||
		    pty_next((int)v - 1) != v)
			return -ENOENT;
		c->kind = K_DEV, c->what = W_PTS, c->fd = (int)v;
		return 0;
	}
	if (d->pid != 0 && find(p, d->pid) == NULL)
		return -ENOENT; /* gone since */
	t = table(d->what, &n);
	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0) {
			c->kind = t[i].kind;
			c->what = t[i].what;
			return 0;
		}
	v = number(name);
	if (d->what == W_PROC && v > 0 && find(p, (pid_t)v) != NULL) {
		c->kind = K_DIR, c->what = W_PID, c->pid = (pid_t)v;
		return 0;
	}
	/* /sys/devices/system/cpu/cpuN, one for each vCPU. */
	if (d->what == W_SYSCPU && strncmp(name, "cpu", 3) == 0 &&
	    (v = number(name + 3)) >= 0 && v < sched_ncpus()) {
		c->kind = K_DIR, c->what = W_SYSCPUN;
		return 0;
	}
	/* /proc/PID/task/TID: a live thread of that process. */
	if (d->what == W_TASKDIR && v > 0 && (q = proc_find((pid_t)v)) != NULL &&
	    !q->torn_down && find(p, d->pid) != NULL &&
	    q->tg == find(p, d->pid)->tg) {
		c->kind = K_DIR, c->what = W_TID, c->pid = (pid_t)v;
		return 0;
	}
	if (d->what == W_FDDIR && v >= 0 && (q = find(p, d->pid)) != NULL &&
	    fdtab_peek(q->fds, v) != NULL) {
		c->kind = K_LINK, c->what = W_FD, c->fd = (int)v;
		return 0;
	}
	return -ENOENT;
}

/* The target of symlink l as readlink shows it: 0 or -errno. */
static int
link_target(struct proc *p, const struct node *l, char *out, size_t len)
{
	struct proc *q = l->pid ? find(p, l->pid) : p;
	struct file *f;

	if (q == NULL)
		return -ENOENT;
	switch (l->what) {
	case W_SELF:
		snprintf(out, len, "%d", (int)p->tg->tgid);
		return 0;
	case W_THREADSELF:
		snprintf(out, len, "%d/task/%d", (int)p->tg->tgid, (int)p->pid);
		return 0;
	case W_EXE:
	case W_CWD:
		snprintf(out, len, "%s", l->what == W_EXE ? q->tg->exe : q->tg->cwd);
		return out[0] == '/' ? 0 : -ENOENT;
	case W_DEVFD:
		snprintf(out, len, "/proc/self/fd");
		return 0;
	case W_STDIN:
	case W_STDOUT:
	case W_STDERR:
		snprintf(out, len, "/proc/self/fd/%d", l->what - W_STDIN);
		return 0;
	case W_FD:
		if ((f = fdtab_peek(q->fds, l->fd)) == NULL)
			return -ENOENT;
		describe(f, out, len);
		return 0;
	default:
		return -EINVAL;
	}
}

/* The file a /proc/PID/fd/N node names, or NULL: borrowed (fdtab_peek)
 * for a look during the walk, held for p's call (fget_in) with hold. */
static struct file *
fd_file(struct proc *p, const struct node *n, bool hold)
{
	struct proc *q = find(p, n->pid);

	if (q == NULL)
		return NULL;
	return hold ? fget_in(p, q->fds, n->fd) : fdtab_peek(q->fds, n->fd);
}

/* The guest path of the directory /proc/PID/fd/N names, to walk on
 * through it: 0, or -ENOTDIR. */
static int
fd_dir_path(struct proc *p, const struct node *n, char *out, size_t len)
{
	struct file *f = fd_file(p, n, false);
	struct stat st;

	if (f == NULL)
		return -ENOENT;
	if (f->ops == &dir_ops) {
		snprintf(out, len, "%s", ((struct snap *)f->data)->path);
		return 0;
	}
	if (f->hostfd >= 0 && fstat(f->hostfd, &st) == 0 &&
	    S_ISDIR(st.st_mode) && vfs_fd_path(f->hostfd, out, len) == 0)
		return 0;
	return -ENOTDIR;
}

static int walk(struct proc *p, const char *gpath, bool follow,
    struct node *n);

/* ".." from n: its parent, looked up again (a /proc/PID may be gone). */
static int
walk_up(struct proc *p, struct node *n)
{
	char up[PATH_MAX];
	char *slash;

	snprintf(up, sizeof(up), "%s", n->path);
	if ((slash = strrchr(up, '/')) != NULL)
		slash[slash == up ? 1 : 0] = '\0';
	return walk(p, up, false, n);
}

/* Carries on a walk through link l (its remaining path rest): *todo
 * becomes the target with rest appended, and n where it starts. */
static int
walk_link(struct proc *p, struct node *n, const struct node *l,
    const char *rest, char *todo)
{
	char target[PATH_MAX], tmp[PATH_MAX];
	int rc;

	rc = l->what == W_FD ? fd_dir_path(p, l, target, sizeof(target)) :
	    link_target(p, l, target, sizeof(target));
	if (rc != 0)
		return rc;
	if (snprintf(tmp, sizeof(tmp), "%s/%s", target, rest) >= PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(todo, tmp);
	if (target[0] == '/')
		set_root(n);
	return 0;
}

/*
 * Resolves the absolute guest path gpath into *n as Linux walks it,
 * following specfs symlinks (the last one only with follow; a last
 * /proc/PID/fd/N is then K_FD, the open file itself).  0 or -errno
 * (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG).
 */
static int
walk(struct proc *p, const char *gpath, bool follow, struct node *n)
{
	char todo[PATH_MAX], comp[NAME_MAX + 1];
	const char *s, *r;
	struct node c;
	size_t len;
	int links = 0, rc;
	bool last;

	if (gpath[0] != '/')
		return -ENOENT;
	if (strlen(gpath) >= sizeof(todo))
		return -ENAMETOOLONG;
	strcpy(todo, gpath);
	set_root(n);
	for (s = todo;;) {
		while (*s == '/')
			s++;
		if (*s == '\0')
			return 0;
		if ((len = strcspn(s, "/")) > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, s, len);
		comp[len] = '\0';
		for (s += len, r = s; *r == '/'; r++)
			;
		last = *r == '\0';
		if (n->kind != K_DIR && n->kind != K_HOST)
			return -ENOTDIR;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if ((rc = walk_up(p, n)) != 0)
				return rc;
			continue;
		}
		if ((rc = child(p, n, comp, &c)) != 0)
			return rc;
		strcpy(c.path, n->path);
		if ((rc = path_push(c.path, comp)) != 0)
			return rc;
		if (c.kind == K_LINK && (!last || follow)) {
			if (++links > MAXLINKS)
				return -ELOOP;
			if (c.what == W_FD && last) {
				*n = c;
				n->kind = K_FD;
				return 0;
			}
			if ((rc = walk_link(p, n, &c, r, todo)) != 0)
				return rc;
			s = todo;
			continue;
		}
		*n = c;
	}
}

/* The lexical clean-up of an absolute path ("//", "." and ".." taken as
 * names, no link followed) into out: 0 or -ENAMETOOLONG. */
static int
clean(const char *gpath, char *out)
{
	char comp[NAME_MAX + 1], *sl;
	size_t len;

	strcpy(out, "/");
	for (;;) {
		while (*gpath == '/')
			gpath++;
		if (*gpath == '\0')
			return 0;
		if ((len = strcspn(gpath, "/")) > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(comp, gpath, len);
		comp[len] = '\0';
		gpath += len;
		if (strcmp(comp, "..") == 0) {
			sl = strrchr(out, '/');
			sl[sl == out ? 1 : 0] = '\0';
		} else if (strcmp(comp, ".") != 0 && path_push(out, comp) != 0)
			return -ENAMETOOLONG;
	}
}

bool
specfs_owns(const char *gpath)
{
	char c[PATH_MAX];

	/* A name too long to clean is ours too: specfs refuses it
	 * (ENAMETOOLONG) rather than let the host try. */
	if (gpath[0] != '/')
		return false;
	if (strlen(gpath) >= sizeof(c) || clean(gpath, c) != 0)
		return true;
	return (strncmp(c, "/dev", 4) == 0 && (c[4] == '\0' || c[4] == '/')) ||
	    (strncmp(c, "/proc", 5) == 0 && (c[5] == '\0' || c[5] == '/')) ||
	    (strncmp(c, "/sys", 4) == 0 && (c[4] == '\0' || c[4] == '/'));
}

/* ---- stat ---- */

/* A /proc/PID/fd/N link's mode bits as Linux gives them: read and
 * search for a readable file, write and search for a writable one. */
static mode_t
fd_mode(struct proc *p, const struct node *n)
{
	struct file *f = fd_file(p, n, false);
	mode_t m = 0;

	if (f != NULL && file_readable(f))
		m |= S_IRUSR | S_IXUSR;
	if (f != NULL && file_writable(f))
		m |= S_IWUSR | S_IXUSR;
	return m;
}

/* /dev/tty (c 5,0, anyone's) and /dev/console (the console's own, else
 * c 5,1 as Linux's). */
static void
term_stat(enum what w, struct stat *st)
{
	struct tty *cons = console_tty();

	if (w == W_CONSOLE && cons != NULL) {
		tty_stat(cons, st);
		return;
	}
	memset(st, 0, sizeof(*st));
	st->st_dev = SPECFS_DEV;
	st->st_ino = ino_of(w == W_TTY ? "/dev/tty" : "/dev/console");
	st->st_mode = S_IFCHR | (w == W_TTY ? 0666 : 0600);
	st->st_nlink = 1;
	st->st_gid = 5;
	st->st_rdev = makedev(5, w == W_TTY ? 0 : 1);
	st->st_blksize = 1024;
	clock_gettime(CLOCK_REALTIME, &st->st_mtim);
	st->st_atim = st->st_ctim = st->st_mtim;
}

static int
node_stat(struct proc *p, const struct node *n, struct stat *st)
{
	char target[PATH_MAX];
	struct shm *s;
	struct file *f;
	struct timespec now;
	int fd, rc;

	switch (n->kind) {
	case K_HOST:
		if ((fd = vfs_open(n->path, O_PATH, 0)) < 0)
			return fd;
		rc = fstat(fd, st) == 0 ? 0 : -errno;
		close(fd);
		return rc;
	case K_FD:
		if ((f = fd_file(p, n, false)) == NULL)
			return -ENOENT;
		return f->ops->stat(f, st);
	case K_DEV:
		if (n->what == W_TTY || n->what == W_CONSOLE) {
			term_stat(n->what, st);
			return 0;
		}
		if (n->what == W_PTMX) {
			pty_ptmx_stat(st);
			return 0;
		}
		if (n->what == W_PTS)
			return pty_stat(n->fd, st);
		return stat(dev_host(n->what), st) == 0 ? 0 : -errno;
	case K_SHM:
		return (s = shm_lookup(strrchr(n->path, '/') + 1)) != NULL ?
		    shm_stat(s, st) : -ENOENT;
	default:
		break;
	}
	memset(st, 0, sizeof(*st));
	clock_gettime(CLOCK_REALTIME, &now);
	st->st_dev = SPECFS_DEV;
	st->st_ino = ino_of(n->path);
	st->st_nlink = n->kind == K_DIR ? 2 : 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 1024;
	st->st_atim = st->st_mtim = st->st_ctim = now;
	if (n->kind == K_DIR) {
		st->st_mode = S_IFDIR | (n->what == W_DEV ? 0755 :
		    n->what == W_SHMDIR ? 01777 : 0555);
	} else if (n->kind == K_LINK) {
		st->st_mode = S_IFLNK | (n->what == W_FD ? fd_mode(p, n) : 0777);
		if (link_target(p, n, target, sizeof(target)) == 0)
			st->st_size = (off_t)strlen(target);
	} else {
		/* Linux says 0 for a /proc file's size: it is made on read. */
		st->st_mode = S_IFREG | (n->what == W_ENVIRON ? 0400 : 0444);
	}
	return 0;
}

/* ---- opening ---- */

/* A file on the host descriptor fd (taken over; -errno passes through),
 * moved above 2 and with O_NONBLOCK as the guest asked (the host open
 * used it so that no FIFO or terminal open waits in the vkernel). */
static int
host_file(int fd, int flags, struct file **fp)
{
	int nfd, err;

	if (fd < 0)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	err = errno;
	close(fd);
	if (nfd < 0)
		return -err;
	if (!(flags & O_NONBLOCK))
		(void)fcntl(nfd, F_SETFL, fcntl(nfd, F_GETFL) & ~O_NONBLOCK);
	if ((*fp = file_host_new(nfd, flags & (O_PATH | O_ACCMODE | O_APPEND |
	    O_NONBLOCK))) == NULL) {
		err = errno;  /* ENFILE or ENOMEM */
		close(nfd);
		return -err;
	}
	return 0;
}

/* The host's character device behind ours, by its fixed name. */
static int
open_dev(enum what w, int flags, struct file **fp)
{
	int fd = open(dev_host(w), (flags & (O_ACCMODE | O_APPEND)) |
	    O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	return host_file(fd < 0 ? -errno : fd, flags, fp);
}

/* /dev/tty: p's controlling terminal (ENXIO without one); /dev/console:
 * the console (ENXIO when the vkernel has none). */
static int
open_term(struct proc *p, enum what w, int flags, struct file **fp)
{
	struct tty *t = w == W_TTY ? tty_ctty(p) : console_tty();

	if (t == NULL)
		return -ENXIO;
	return tty_open(p, t, w == W_TTY ? flags | O_NOCTTY : flags, fp);
}

/* Which of our devices the host device st is (by its device number), or
 * W_ROOT for none. */
static enum what
dev_of(const struct stat *st)
{
	static const enum what devs[] = { W_NULL, W_ZERO, W_FULL, W_RANDOM,
	    W_URANDOM };
	struct stat d;
	size_t i;

	if (!S_ISCHR(st->st_mode))
		return W_ROOT;
	for (i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (stat(dev_host(devs[i]), &d) == 0 && S_ISCHR(d.st_mode) &&
		    d.st_rdev == st->st_rdev)
			return devs[i];
	return W_ROOT;
}

/*
 * A re-open of a host file that is no guest file beneath the root.  One
 * of our devices (by its device number, whoever opened it: a stream on
 * /dev/null too) is made again, as a guest may open it by name.  Any
 * other is one of the vkernel's own streams, which the guest could not
 * open by name: it keeps at most the access it has (EACCES past it), and
 * is opened again through its link (a new open with its own offset, as
 * on Linux) only when it is a regular file on an ordinary file system;
 * anything else (a terminal, a host pipe or socket, a file on the host's
 * procfs) is never opened: the new file shares the stream's host
 * descriptor.
 */
static int
reopen_stream(struct file *f, int flags, struct file **fp)
{
	struct stat st;
	enum what w;
	int fd;

	if (fstat(f->hostfd, &st) != 0)
		return -errno;
	if ((w = dev_of(&st)) != W_ROOT)
		return open_dev(w, flags, fp);
	if (!vfs_within(flags, f->flags))
		return -EACCES;
	if (S_ISREG(st.st_mode) && vfs_ordinary(f->hostfd))
		return host_file(vfs_reopen(f->hostfd, flags, f->flags, false),
		    flags, fp);
	if ((fd = fcntl(f->hostfd, F_DUPFD_CLOEXEC, 3)) < 0)
		return -errno;
	if ((*fp = file_host_new(fd, flags & (O_PATH | O_ACCMODE | O_APPEND |
	    O_NONBLOCK))) == NULL) {
		int err = errno;  /* ENFILE or ENOMEM */

		close(fd);
		return -err;
	}
	return 0;
}

/* A host descriptor (taken over) as a guest file of the kind an open by
 * name gives: 0, or -errno (passed through). */
static int
vfs_file(int fd, int flags, struct file **fp)
{
	if (fd < 0)
		return fd;
	if ((*fp = file_vfs_new(fd, flags)) == NULL) {
		int err = errno;  /* ENFILE or ENOMEM */

		close(fd);
		return -err;
	}
	return 0;
}

/*
 * /proc/PID/fd/N: a new open of the same file under the re-open rule
 * (see design.md): a guest file beneath the root is opened again through
 * the vkernel's own descriptor of it (vfs_reopen: the host checks the
 * file's permissions, the vkernel what it reaches), a pipe gets a new
 * end, a specfs name is made again, a device or stream as
 * reopen_stream says.  Never a name, never more than the guest may have.
 */
static int
reopen(struct proc *p, const struct node *n, int flags, struct file **fp)
{
	struct file *f = fd_file(p, n, true);

	if (f == NULL)
		return -ENOENT;
	if (is_specfs_file(f))  /* a link (an O_PATH of it) is not followed */
		return specfs_open(p, ((struct snap *)f->data)->path,
		    S_ISLNK(((struct snap *)f->data)->st.st_mode) ?
		    flags | O_NOFOLLOW : flags & ~O_NOFOLLOW, fp);
	if (pipe_is(f))
		return pipe_reopen(f, flags, fp);
	if (file_shm(f) != NULL)  /* the object again, seals and all */
		return file_shm_new(file_shm(f), flags, fp);
	if (tty_of(f) != NULL)
		return tty_open(p, tty_of(f), flags, fp);
	if (pty_master_tty(f) != NULL)  /* /dev/ptmx again: a new pair */
		return pty_open_master(p, flags, fp);
	if (file_is_vfs(f))
		return vfs_file(vfs_reopen(f->hostfd, flags, f->flags, true),
		    flags, fp);
	/* An anonymous inode: an inotify instance's host descriptor is the
	 * vkernel's, shared by all. */
	if (f->hostfd < 0 || strcmp(f->ops->kind, "inotify") == 0)
		return -ENXIO;
	return reopen_stream(f, flags, fp);
}

/* A guest path outside specfs that a link led to, opened beneath the
 * root as by name (no creation through a link: its mode is not ours to
 * choose). */
static int
open_host(const char *gpath, int flags, struct file **fp)
{
	flags &= ~(O_CREAT | O_EXCL | (O_TMPFILE & ~O_DIRECTORY) | O_NOFOLLOW);
	return vfs_file(vfs_open(gpath, flags, 0), flags, fp);
}

/* A snapshot of file or directory n. */
static int
open_snap(struct proc *p, const struct node *n, int flags, struct file **fp)
{
	struct sbuf sb = { 0 };
	struct snap *sn;
	int rc;

	if ((sn = kmem_alloc(sizeof(*sn))) == NULL)
		return -ENOMEM;
	rc = n->kind == K_DIR ? list_dir(p, n, sn) : n->kind == K_LINK ? 0 :
	    generate(p, n, &sb);
	sn->text = sb.b;
	sn->len = sb.len;
	sn->textcap = sb.cap;
	snprintf(sn->path, sizeof(sn->path), "%s", n->path);
	if (rc == 0 && (rc = node_stat(p, n, &sn->st)) == 0 &&
	    (*fp = file_new(n->kind == K_DIR ? &dir_ops : &snap_ops,
	    O_RDONLY | (flags & (O_NONBLOCK | O_PATH)), sn)) == NULL)
		rc = -errno;
	if (rc != 0)
		snap_free(sn);
	return rc;
}

/* A new /dev/shm object named name with mode, opened with flags (the
 * open's access even when mode denies it, as for a file just made; the
 * directory holds it by name). */
static int
shm_make(const char *name, int flags, mode_t mode, struct file **fp)
{
	struct shm *s;
	int rc;

	if ((flags & O_DIRECTORY) || (flags & O_TMPFILE & ~O_DIRECTORY))
		return -EISDIR;
	if ((rc = shm_create(name, true, SHM_SEAL_SEAL, 0600, &s)) != 0)
		return rc;
	if ((rc = file_shm_new(s, flags, fp)) == 0 &&
	    ((rc = shm_chmod(s, mode)) != 0 || (rc = shm_link(s, name)) != 0))
		file_unref(*fp);
	shm_unref(s);
	return rc;
}

/* ENOENT of a name to create in one of our directories is EACCES, as
 * for Linux's read-only /proc and /dev entries; /dev/shm makes it. */
static int
missing(struct proc *p, const char *gpath, int flags, mode_t mode,
    struct file **fp)
{
	char parent[PATH_MAX], *sl;
	struct node d;

	if (!(flags & O_CREAT))
		return -ENOENT;
	snprintf(parent, sizeof(parent), "%s", gpath);
	if ((sl = strrchr(parent, '/')) != NULL)
		sl[sl == parent ? 1 : 0] = '\0';
	if (walk(p, parent, true, &d) != 0 || d.kind != K_DIR)
		return -ENOENT;
	if (d.what == W_SHMDIR && sl != NULL && sl[1] != '\0' &&
	    gpath[strlen(gpath) - 1] != '/')
		return shm_make(gpath + (sl - parent) + 1, flags, mode, fp);
	return -EACCES;
}

int
specfs_open(struct proc *p, const char *gpath, int flags, struct file **fp)
{
	return specfs_open_mode(p, gpath, flags, 0600, fp);
}

int
specfs_open_mode(struct proc *p, const char *gpath, int flags, mode_t mode,
    struct file **fp)
{
	struct node n;
	int acc = flags & O_PATH ? O_RDONLY : flags & O_ACCMODE, rc;

	if ((rc = walk(p, gpath, !(flags & O_NOFOLLOW), &n)) != 0)
		return rc == -ENOENT ? missing(p, gpath, flags, mode, fp) : rc;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if ((flags & O_DIRECTORY) && (n.kind == K_FILE || n.kind == K_DEV))
		return -ENOTDIR;
	switch (n.kind) {
	case K_HOST:
		return open_host(n.path, flags, fp);
	case K_LINK:
		/* O_NOFOLLOW: only O_PATH opens a link itself, as on Linux. */
		return flags & O_PATH ? open_snap(p, &n, flags, fp) : -ELOOP;
	case K_FD:
		return reopen(p, &n, flags, fp);
	case K_SHM:
		return file_shm_new(shm_lookup(strrchr(n.path, '/') + 1), flags,
		    fp);
	case K_DEV:
		if (n.what == W_TTY || n.what == W_CONSOLE)
			return open_term(p, n.what, flags, fp);
		if ((n.what == W_PTMX || n.what == W_PTS) && (flags & O_PATH))
			return open_snap(p, &n, flags, fp);  /* no device open */
		if (n.what == W_PTMX)
			return pty_open_master(p, flags, fp);
		if (n.what == W_PTS)
			return pty_open_slave(p, n.fd, flags, fp);
		return open_dev(n.what, flags, fp);
	case K_DIR:
		return acc != O_RDONLY ? -EISDIR : open_snap(p, &n, flags, fp);
	case K_FILE:
		return acc != O_RDONLY || (flags & O_TRUNC) ? -EACCES :
		    open_snap(p, &n, flags, fp);
	}
	return -ENOENT;
}

int
specfs_stat(struct proc *p, const char *gpath, bool follow, struct stat *st)
{
	struct node n;
	int rc, fd;

	if ((rc = walk(p, gpath, follow, &n)) != 0)
		return rc;
	if (n.kind == K_HOST && !follow) {  /* a name beneath cwd or exe */
		if ((fd = vfs_open(n.path, O_PATH | O_NOFOLLOW, 0)) < 0)
			return fd;
		rc = fstat(fd, st) == 0 ? 0 : -errno;
		close(fd);
		return rc;
	}
	return node_stat(p, &n, st);
}

long
specfs_readlink(struct proc *p, const char *gpath, char *buf, size_t len)
{
	char target[PATH_MAX];
	struct node n;
	size_t l;
	int rc;

	if ((rc = walk(p, gpath, false, &n)) != 0)
		return rc;
	if (n.kind != K_LINK)
		return -EINVAL;
	if ((rc = link_target(p, &n, target, sizeof(target))) != 0)
		return rc;
	l = strlen(target);
	if (l > len)
		l = len;
	memcpy(buf, target, l);
	return (long)l;
}

int
specfs_host_fd(struct proc *p, const char *gpath, bool follow, int flags,
    int *hostfd)
{
	struct file *f;
	struct node n;
	int rc, fd;

	*hostfd = -1;
	if ((rc = walk(p, gpath, follow, &n)) != 0)
		return rc;
	if (n.kind == K_HOST)
		fd = vfs_open(n.path, flags | (follow ? 0 : O_NOFOLLOW), 0);
	else if (n.kind == K_SHM && (flags & O_ACCMODE) != O_RDONLY)
		return -EPERM; /* truncate(2) would pass the budget */
	else if (n.kind == K_SHM)
		fd = shm_open_fd(shm_lookup(strrchr(n.path, '/') + 1), O_PATH);
	else if (n.kind == K_FD && (f = fd_file(p, &n, false)) != NULL &&
	    file_shm(f) != NULL && (flags & O_ACCMODE) != O_RDONLY)
		return -EPERM; /* truncate(2) would pass the seals */
	else if (n.kind == K_FD && f != NULL && file_is_vfs(f))
		fd = vfs_reopen(f->hostfd, flags, f->flags, true);
	else
		return 0;
	if (fd < 0)
		return fd;
	*hostfd = fd;
	return 0;
}

int
specfs_unlink(struct proc *p, const char *gpath)
{
	struct node n;
	int rc;

	if ((rc = walk(p, gpath, false, &n)) != 0)
		return rc == -ENOENT ? 1 : rc;
	if (n.kind != K_SHM)
		return 1;
	return shm_unlink_name(strrchr(n.path, '/') + 1);
}

/* The name a new /dev/shm entry at gpath would have (a pointer into
 * gpath), or NULL if gpath is not in /dev/shm. */
static const char *
shm_new_name(struct proc *p, const char *gpath)
{
	char parent[PATH_MAX], *sl;
	struct node d;

	snprintf(parent, sizeof(parent), "%s", gpath);
	if ((sl = strrchr(parent, '/')) == NULL || sl[1] == '\0')
		return NULL;
	sl[sl == parent ? 1 : 0] = '\0';
	if (walk(p, parent, true, &d) != 0 || d.kind != K_DIR ||
	    d.what != W_SHMDIR)
		return NULL;
	return gpath + (sl - parent) + 1;
}

int
specfs_shm_link(struct proc *p, const char *from, const char *to,
    bool rename, bool noreplace)
{
	struct node n, t;
	const char *name;
	struct shm *s;
	int rc;

	if (walk(p, from, false, &n) != 0 || n.kind != K_SHM)
		return 1;
	if ((name = shm_new_name(p, to)) == NULL)
		return 1;
	s = shm_lookup(strrchr(n.path, '/') + 1);
	if (walk(p, to, false, &t) == 0) {
		if (t.kind != K_SHM || !rename || noreplace)
			return -EEXIST;
		if (shm_lookup(name) == s)
			return 0;  /* the same file: nothing, as rename(2) */
	}
	shm_ref(s);
	if (rename && shm_lookup(name) != NULL)
		(void)shm_unlink_name(name);
	if ((rc = shm_link(s, name)) == 0 && rename)
		rc = shm_unlink_name(strrchr(n.path, '/') + 1);
	shm_unref(s);
	return rc;
}

struct shm *
specfs_shm(struct proc *p, const char *gpath)
{
	struct file *f;
	struct node n;

	if (walk(p, gpath, true, &n) != 0)
		return NULL;
	if (n.kind == K_SHM)
		return shm_lookup(strrchr(n.path, '/') + 1);
	if (n.kind == K_FD && (f = fd_file(p, &n, false)) != NULL)
		return file_shm(f);
	return NULL;
}
