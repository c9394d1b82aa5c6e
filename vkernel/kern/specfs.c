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
#include "specfs.h"
#include "vfs.h"

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

#define SPECFS_DEV      makedev(0, 22)   /* st_dev of our synthetic names */
#define MAXLINKS        40               /* Linux's MAXSYMLINKS */
#define SNAP_FILE_MAX   (16u << 20)      /* one snapshot's text at most */
#define ARGS_MAX        (2u << 20)       /* cmdline, environ: exec's limit */

/* What a name is. */
enum kind { K_HOST, K_DIR, K_FILE, K_LINK, K_DEV, K_FD };

/* Which one. */
enum what {
	W_ROOT, W_HOSTNAME_PATH,                       /* host (K_HOST) */
	W_DEV, W_PROC, W_PID, W_FDDIR, W_SYS, W_KERNEL, /* directories */
	W_SYSFS,                                       /* /sys: empty */
	W_SELF, W_EXE, W_CWD, W_FD, W_DEVFD,           /* symlinks */
	W_STDIN, W_STDOUT, W_STDERR,
	W_CMDLINE, W_COMM, W_ENVIRON, W_MAPS, W_STAT, W_STATUS, /* files */
	W_CPUINFO, W_FILESYSTEMS, W_LOADAVG, W_MEMINFO, W_UPTIME,
	W_OSTYPE, W_OSRELEASE, W_HOSTNAME,
	W_NULL, W_ZERO, W_FULL, W_RANDOM, W_URANDOM, W_TTY, /* devices */
};

struct ent {
	const char *name;
	enum kind kind;
	enum what what;
};

/* Directory contents, in listing order. */
static const struct ent dev_ents[] = {
	{ "fd", K_LINK, W_DEVFD }, { "full", K_DEV, W_FULL },
	{ "null", K_DEV, W_NULL }, { "random", K_DEV, W_RANDOM },
	{ "stderr", K_LINK, W_STDERR }, { "stdin", K_LINK, W_STDIN },
	{ "stdout", K_LINK, W_STDOUT }, { "tty", K_DEV, W_TTY },
	{ "urandom", K_DEV, W_URANDOM }, { "zero", K_DEV, W_ZERO },
};
static const struct ent proc_ents[] = {
	{ "cpuinfo", K_FILE, W_CPUINFO },
	{ "filesystems", K_FILE, W_FILESYSTEMS },
	{ "loadavg", K_FILE, W_LOADAVG }, { "meminfo", K_FILE, W_MEMINFO },
	{ "self", K_LINK, W_SELF }, { "sys", K_DIR, W_SYS },
	{ "uptime", K_FILE, W_UPTIME },
};
static const struct ent pid_ents[] = {
	{ "cmdline", K_FILE, W_CMDLINE }, { "comm", K_FILE, W_COMM },
	{ "cwd", K_LINK, W_CWD }, { "environ", K_FILE, W_ENVIRON },
	{ "exe", K_LINK, W_EXE }, { "fd", K_DIR, W_FDDIR },
	{ "maps", K_FILE, W_MAPS }, { "stat", K_FILE, W_STAT },
	{ "status", K_FILE, W_STATUS },
};
static const struct ent sys_ents[] = { { "kernel", K_DIR, W_KERNEL } };
static const struct ent kernel_ents[] = {
	{ "hostname", K_FILE, W_HOSTNAME }, { "osrelease", K_FILE, W_OSRELEASE },
	{ "ostype", K_FILE, W_OSTYPE },
};

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
	case W_TTY: return "/dev/tty";
	default: return NULL;
	}
}

/* A name that was looked up: its kind, and for K_HOST the guest path
 * outside specfs a link led to. */
struct node {
	enum kind kind;
	enum what what;
	pid_t pid;                   /* /proc/PID/...; 0 elsewhere */
	int fd;                      /* /proc/PID/fd/N */
	char path[PATH_MAX];         /* clean and free of symlinks */
};

/* ---- text buffers ---- */

/* Text being generated, its room charged to kmem as it grows. */
struct sbuf {
	char *b;
	size_t len, cap;
	int err;                     /* -ENOMEM once it could not grow */
};

static void
sb_add(struct sbuf *s, const void *data, size_t n)
{
	size_t cap = s->cap ? s->cap : 4096;
	char *b;

	if (s->err)
		return;
	if (s->len + n > SNAP_FILE_MAX) {
		s->err = -ENOMEM;
		return;
	}
	while (cap < s->len + n + 1)
		cap *= 2;
	if (cap != s->cap) {
		if ((b = kmem_realloc(s->b, s->cap, cap)) == NULL) {
			s->err = -ENOMEM;
			return;
		}
		s->b = b;
		s->cap = cap;
	}
	memcpy(s->b + s->len, data, n);
	s->len += n;
	s->b[s->len] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *s, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		s->err = -EINVAL;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		sb_add(s, small, n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		s->err = -ENOMEM;
		return;
	}
	sb_add(s, big, n);
	free(big);
}

/* ---- processes ---- */

/* The live guest process pid (the caller is always one), or NULL. */
static struct proc *
find(struct proc *p, pid_t pid)
{
	struct proc *q = pid == p->pid ? p : proc_find(pid);

	return q != NULL && q->vm != NULL && q->fds != NULL ? q : NULL;
}

/* A decimal name as Linux's name_to_int takes it (no sign, no leading
 * zero): its value, or -1. */
static long
number(const char *s)
{
	long v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') ||
	    strlen(s) > 9)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Copies [va, va+len) of vm's memory as it is, without faulting anything
 * in or changing any map (a page never touched reads as zeros, as
 * Linux's access_remote_vm gives /proc readers): the bytes copied,
 * fewer when a hole comes first. */
static size_t
peek(struct vmspace *vm, gva_t va, char *buf, size_t len)
{
	size_t done = 0, n;
	struct vm_map_entry *e;
	const char *h;
	gpa_t pa;

	while (done < len) {
		if ((e = vm_map_lookup(&vm->map, va)) == NULL || e->obj == NULL)
			break;
		n = PAGE_SIZE - (va & PAGE_MASK);
		if (n > len - done)
			n = len - done;
		pa = vm_object_lookup(e->obj,
		    e->offset + ((va - e->start) >> PAGE_SHIFT));
		if (pa != 0 && (h = vm_phys_hva(pa)) != NULL)
			memcpy(buf + done, h + (va & PAGE_MASK), n);
		else
			memset(buf + done, 0, n);
		done += n;
		va += n;
	}
	return done;
}

/* ---- open files' descriptions (/proc/PID/fd/N) ---- */

static const struct fileops snap_ops, dir_ops;

struct dent {
	uint64_t ino;
	unsigned char type;          /* DT_* */
	char name[24];
};

/* An open specfs file or directory: what it said at open. */
struct snap {
	char *text;                  /* a file's contents */
	size_t len;
	struct dent *ents;           /* a directory's entries */
	size_t nents, capents;
	off_t pos;                   /* bytes (file) or entries (directory) */
	size_t textcap;              /* text's room, charged to kmem */
	struct stat st;
	char path[PATH_MAX];         /* where it was opened (clean) */
};


static bool
is_specfs_file(const struct file *f)
{
	return f->ops == &snap_ops || f->ops == &dir_ops;
}

/* What Linux's /proc/PID/fd/N says for f: its guest path, "pipe:[N]",
 * the name of a host stream that is no file beneath the root
 * ("/dev/pts/0", "pipe:[N]", "socket:[N]"), else "anon_inode:[KIND]". */
static void
describe(struct file *f, char *out, size_t len)
{
	char link[64], host[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (pipe_is(f) && f->ops->stat(f, &st) == 0) {
		snprintf(out, len, "pipe:[%lu]", (unsigned long)st.st_ino);
		return;
	}
	if (is_specfs_file(f)) {
		snprintf(out, len, "%s", ((struct snap *)f->data)->path);
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

static const struct ent *
table(enum what dir, size_t *n)
{
#define T(a) (*n = sizeof(a) / sizeof((a)[0]), (a))
	switch (dir) {
	case W_DEV: return T(dev_ents);
	case W_PROC: return T(proc_ents);
	case W_PID: return T(pid_ents);
	case W_SYS: return T(sys_ents);
	case W_KERNEL: return T(kernel_ents);
	default: *n = 0; return NULL;
	}
#undef T
}

static void
set_root(struct node *n)
{
	memset(n, 0, offsetof(struct node, path));
	n->kind = K_HOST;
	n->what = W_ROOT;
	n->fd = -1;
	strcpy(n->path, "/");
}

/* Appends a component to a clean path: 0 or -ENAMETOOLONG. */
static int
path_push(char *path, const char *comp)
{
	size_t l = strlen(path);

	if (l + 1 + strlen(comp) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (l > 1)
		path[l++] = '/';
	strcpy(path + l, comp);
	return 0;
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
		snprintf(out, len, "%d", (int)p->pid);
		return 0;
	case W_EXE:
	case W_CWD:
		snprintf(out, len, "%s", l->what == W_EXE ? q->exe : q->cwd);
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

/* ---- what the files say ---- */

/* An inode number for a synthetic name (FNV-1a of its path). */
static uint64_t
ino_of(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 0x100000001b3ULL;
	return h >> 1 | 1;
}

/* Sizes in bytes from the map and its resident pages, for status. */
struct vmtotals {
	size_t size, rss, shared, data, stk, exe;
};

static size_t
entry_resident(const struct vm_map_entry *e)
{
	size_t slot = e->offset, n = 0;
	size_t end = e->offset + ((e->end - e->start) >> PAGE_SHIFT);
	gpa_t pa;

	while (e->obj != NULL && vm_object_next(e->obj, &slot, end, &pa)) {
		n++;
		slot++;
	}
	return n * PAGE_SIZE;
}

static bool
is_heap(const struct vmspace *vm, const struct vm_map_entry *e)
{
	return (e->flags & VM_ENTRY_BRK) || (vm->brk_end > vm->brk_base &&
	    e->start < vm->brk_end && e->end > vm->brk_base);
}

static void
vm_totals(struct vmspace *vm, struct vmtotals *t)
{
	struct vm_map_entry *e;
	size_t len, res;

	memset(t, 0, sizeof(*t));
	for (e = vm->map.head.next; e != &vm->map.head; e = e->next) {
		len = e->end - e->start;
		res = entry_resident(e);
		t->size += len;
		t->rss += res;
		if (e->flags & VM_ENTRY_SHARED)
			t->shared += res;
		if (e->flags & VM_ENTRY_GROWSDOWN)
			t->stk += len;
		else if (e->prot & KS_PROT_EXEC)
			t->exe += len;
		else if ((e->prot & KS_PROT_WRITE) &&
		    !(e->flags & VM_ENTRY_SHARED))
			t->data += len;
	}
}

/* maps: Linux's "start-end perms offset dev inode", the name padded to
 * column 73; everything here is anonymous memory. */
static void
gen_maps(struct proc *q, struct sbuf *s)
{
	struct vmspace *vm = q->vm;
	struct vm_map_entry *e;
	const char *name;
	size_t before;

	for (e = vm->map.head.next; e != &vm->map.head; e = e->next) {
		before = s->len;
		sb_printf(s, "%08lx-%08lx %c%c%c%c %08x %02x:%02x %lu ",
		    (unsigned long)e->start, (unsigned long)e->end,
		    e->prot & KS_PROT_READ ? 'r' : '-',
		    e->prot & KS_PROT_WRITE ? 'w' : '-',
		    e->prot & KS_PROT_EXEC ? 'x' : '-',
		    e->flags & VM_ENTRY_SHARED ? 's' : 'p', 0, 0, 0, 0UL);
		name = e->flags & VM_ENTRY_GROWSDOWN ? "[stack]" :
		    is_heap(vm, e) ? "[heap]" : NULL;
		if (name != NULL)
			sb_printf(s, "%*s%s", (int)(s->len - before < 73 ?
			    73 - (s->len - before) : 0), "", name);
		sb_add(s, "\n", 1);
	}
}

/* cmdline and environ: exec's strings, read from the process's memory. */
static void
gen_strings(struct proc *q, bool env, struct sbuf *s)
{
	gva_t start = env ? q->vm->env_start : q->vm->arg_start;
	gva_t end = env ? q->vm->env_end : q->vm->arg_end;
	size_t len = end > start ? end - start : 0;
	char *buf;

	if (len > ARGS_MAX)
		len = ARGS_MAX;
	if (len == 0)
		return;
	if ((buf = kmem_alloc(len)) == NULL) {
		s->err = -ENOMEM;
		return;
	}
	sb_add(s, buf, peek(q->vm, start, buf, len));
	kmem_free(buf, len);
}

static char
state_char(struct proc *p, struct proc *q)
{
	return q->stopped ? 'T' : q == p || q->state == TASK_RUN ? 'R' : 'S';
}

static const char *
state_name(char c)
{
	return c == 'T' ? "T (stopped)" : c == 'R' ? "R (running)" :
	    "S (sleeping)";
}

/* Signals q ignores and catches, as Linux's masks (bit sig-1). */
static void
sig_masks(struct proc *q, uint64_t *ign, uint64_t *cgt)
{
	int sig;

	*ign = *cgt = 0;
	for (sig = 1; sig <= VK_NSIG; sig++) {
		if (q->sigacts[sig].handler == 1)        /* SIG_IGN */
			*ign |= SIGBIT(sig);
		else if (q->sigacts[sig].handler != 0)   /* not SIG_DFL */
			*cgt |= SIGBIT(sig);
	}
}

/* Linux's FDSize: its table's slots, 64 or the next power of two. */
static int
fd_size(struct proc *q)
{
	int n = fdtab_count(q->fds), found = 0, fd, size = 64;

	for (fd = 0; found < n && fd < (1 << 24); fd++)
		if (fdtab_peek(q->fds, fd) != NULL) {
			found++;
			while (fd >= size)
				size *= 2;
		}
	return size;
}

static void
gen_status(struct proc *p, struct proc *q, struct sbuf *s)
{
	const struct cred *c = &q->cred;
	struct vmtotals t;
	uint64_t ign, cgt;
	pid_t ppid = q->parent ? q->parent->pid : 0;
	int i;

	vm_totals(q->vm, &t);
	sig_masks(q, &ign, &cgt);
	sb_printf(s, "Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\n"
	    "Ngid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
	    q->comm, state_name(state_char(p, q)), (int)q->pid, (int)q->pid,
	    (int)ppid);
	sb_printf(s, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
	    c->ruid, c->euid, c->suid, c->fsuid,
	    c->rgid, c->egid, c->sgid, c->fsgid);
	sb_printf(s, "FDSize:\t%d\nGroups:\t", fd_size(q));
	for (i = 0; i < c->groups->ngroups; i++)
		sb_printf(s, "%s%u", i ? " " : "", c->groups->gid[i]);
	/* Linux's trailing space, even with no groups. */
	sb_printf(s, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
	    (int)q->pid, (int)q->pid, (int)q->pgid, (int)q->sid);
#define KB(name, v) sb_printf(s, name ":\t%8zu kB\n", (size_t)(v) >> 10)
	KB("VmPeak", t.size);
	KB("VmSize", t.size);
	KB("VmLck", 0);
	KB("VmPin", 0);
	KB("VmHWM", t.rss);
	KB("VmRSS", t.rss);
	KB("RssAnon", t.rss - t.shared);
	KB("RssFile", 0);
	KB("RssShmem", t.shared);
	KB("VmData", t.data);
	KB("VmStk", t.stk);
	KB("VmExe", t.exe);
	KB("VmLib", 0);
	KB("VmPTE", 0);
	KB("VmSwap", 0);
#undef KB
	sb_printf(s, "CoreDumping:\t0\nThreads:\t1\nSigQ:\t%d/%d\n",
	    __builtin_popcountll(q->sig.pending), 256);
	sb_printf(s, "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\n"
	    "SigIgn:\t%016llx\nSigCgt:\t%016llx\n",
	    (unsigned long long)q->sig.pending,
	    (unsigned long long)q->sig.pending,
	    (unsigned long long)q->sigmask, (unsigned long long)ign,
	    (unsigned long long)cgt);
	sb_printf(s, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n"
	    "CapBnd:\t%016llx\nCapAmb:\t%016llx\nNoNewPrivs:\t%d\n"
	    "Seccomp:\t0\n"
	    "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
	    (unsigned long long)c->cap_inh, (unsigned long long)c->cap_prm,
	    (unsigned long long)c->cap_eff, (unsigned long long)c->cap_bnd,
	    (unsigned long long)c->cap_amb, (int)c->no_new_privs);
}

/* stat: Linux's 52 fields; those the vkernel does not keep are 0. */
static void
gen_stat(struct proc *p, struct proc *q, struct sbuf *s)
{
	struct vmspace *vm = q->vm;
	struct vmtotals t;
	uint64_t ign, cgt;

	vm_totals(vm, &t);
	sig_masks(q, &ign, &cgt);
	/* 1-9: pid (comm) state ppid pgrp session tty_nr tpgid flags */
	sb_printf(s, "%d (%s) %c %d %d %d 0 -1 0 ", (int)q->pid, q->comm,
	    state_char(p, q), q->parent ? (int)q->parent->pid : 0,
	    (int)q->pgid, (int)q->sid);
	/* 10-22: minflt cminflt majflt cmajflt utime stime cutime cstime
	 * priority nice num_threads itrealvalue starttime */
	sb_printf(s, "%llu 0 0 0 0 0 0 0 20 0 1 0 0 ",
	    (unsigned long long)q->nfaults);
	/* 23-30: vsize rss rsslim startcode endcode startstack kstkesp
	 * kstkeip */
	sb_printf(s, "%zu %zu %llu 0 0 0 0 0 ", t.size, (size_t)(t.rss / PAGE_SIZE),
	    (unsigned long long)RLIM_INFINITY);
	/* 31-37: signal blocked sigignore sigcatch wchan nswap cnswap */
	sb_printf(s, "%llu %llu %llu %llu 0 0 0 ",
	    (unsigned long long)q->sig.pending, (unsigned long long)q->sigmask,
	    (unsigned long long)ign, (unsigned long long)cgt);
	/* 38-44: exit_signal processor rt_priority policy
	 * delayacct_blkio_ticks guest_time cguest_time */
	sb_printf(s, "%d 0 0 0 0 0 0 ", q->exit_signal);
	/* 45-52: start_data end_data start_brk arg_start arg_end env_start
	 * env_end exit_code */
	sb_printf(s, "0 0 %lu %lu %lu %lu %lu 0\n",
	    (unsigned long)vm->brk_base, (unsigned long)vm->arg_start,
	    (unsigned long)vm->arg_end, (unsigned long)vm->env_start,
	    (unsigned long)vm->env_end);
}

static void
gen_meminfo(struct sbuf *s)
{
	struct vm_page_stats st;
	size_t kb = PAGE_SIZE >> 10;

	vm_page_stats(&st);
#define KB(name, v) sb_printf(s, "%-16s%8zu kB\n", name ":", (size_t)(v))
	KB("MemTotal", (st.total - st.reserved) * kb);
	KB("MemFree", st.free * kb);
	KB("MemAvailable", st.free * kb);
	KB("Buffers", 0);
	KB("Cached", 0);
	KB("SwapCached", 0);
	KB("SwapTotal", 0);
	KB("SwapFree", 0);
#undef KB
}

/* The host's first processor block, as processor 0 of a one-CPU
 * machine (the vkernel runs its guests on one vCPU). */
static void
gen_cpuinfo(struct sbuf *s)
{
	static const char *const one[] = { "processor", "physical id",
	    "core id", "apicid", "initial apicid" };
	static const char *const single[] = { "siblings", "cpu cores" };
	FILE *fp = fopen("/proc/cpuinfo", "re");
	char *line = NULL;
	size_t cap = 0, i, k;
	ssize_t n;
	bool done;

	while (fp != NULL && (n = getline(&line, &cap, fp)) > 1) {
		done = false;
		k = strcspn(line, "\t:");
		for (i = 0; i < 5 && !done; i++)
			if (k == strlen(one[i]) && strncmp(line, one[i], k) == 0) {
				sb_printf(s, "%.*s: 0\n",
				    (int)strcspn(line, ":"), line);
				done = true;
			}
		for (i = 0; i < 2 && !done; i++)
			if (k == strlen(single[i]) &&
			    strncmp(line, single[i], k) == 0) {
				sb_printf(s, "%.*s: 1\n",
				    (int)strcspn(line, ":"), line);
				done = true;
			}
		if (!done)
			sb_add(s, line, n);
	}
	if (s->len == 0)
		sb_printf(s, "processor\t: 0\n");
	sb_add(s, "\n", 1);
	free(line);
	if (fp != NULL)
		fclose(fp);
}

static void
gen_loadavg(struct sbuf *s)
{
	struct proc *q;
	int run = 0, all = 0;
	pid_t last = 0;

	for (q = proc_first(); q != NULL; q = q->all_next) {
		if (q->zombie)
			continue;
		all++;
		run += q->state == TASK_RUN && !q->stopped;
		if (q->pid > last)
			last = q->pid;
	}
	sb_printf(s, "0.00 0.00 0.00 %d/%d %d\n", run, all, (int)last);
}

/* The contents of file n: 0, or -errno (ENOENT: its process is gone). */
static int
generate(struct proc *p, const struct node *n, struct sbuf *s)
{
	struct proc *q = n->pid ? find(p, n->pid) : NULL;
	struct utsname u;
	struct timespec ts;

	if (n->pid != 0 && q == NULL)
		return -ENOENT;
	switch (n->what) {
	case W_MAPS: gen_maps(q, s); break;
	case W_STATUS: gen_status(p, q, s); break;
	case W_STAT: gen_stat(p, q, s); break;
	case W_CMDLINE: gen_strings(q, false, s); break;
	case W_ENVIRON: gen_strings(q, true, s); break;
	case W_COMM: sb_printf(s, "%s\n", q->comm); break;
	case W_MEMINFO: gen_meminfo(s); break;
	case W_CPUINFO: gen_cpuinfo(s); break;
	case W_LOADAVG: gen_loadavg(s); break;
	case W_UPTIME:
		/* CLOCK_BOOTTIME, which the guest can read itself. */
		clock_gettime(CLOCK_BOOTTIME, &ts);
		sb_printf(s, "%lld.%02ld 0.00\n", (long long)ts.tv_sec,
		    ts.tv_nsec / 10000000);
		break;
	case W_FILESYSTEMS:
		sb_printf(s, "nodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\n");
		break;
	case W_OSTYPE: sb_printf(s, "Linux\n"); break;
	case W_OSRELEASE:
		sb_printf(s, "%s\n", uname(&u) == 0 ? u.release : "");
		break;
	case W_HOSTNAME: sb_printf(s, "vkernel\n"); break;
	default: return -ENOENT;
	}
	return s->err;
}

/* ---- open specfs files: snapshots ---- */

static long
snap_pread(struct file *f, void *buf, size_t n, off_t off)
{
	struct snap *sn = f->data;

	if (off < 0)
		return -EINVAL;
	if ((size_t)off >= sn->len)
		return 0;
	if (n > sn->len - (size_t)off)
		n = sn->len - (size_t)off;
	memcpy(buf, sn->text + off, n);
	return (long)n;
}

static long
snap_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct snap *sn = f->data;
	long r = snap_pread(f, buf, n, sn->pos);

	(void)p;
	if (r > 0)
		sn->pos += r;
	return r;
}

static long
snap_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	(void)f, (void)p, (void)buf, (void)n;
	return -EBADF; /* opened read-only, always */
}

/* A file's position is in bytes, a directory's in entries. */
static off_t
snap_lseek(struct file *f, off_t off, int whence)
{
	struct snap *sn = f->data;
	off_t base, end = f->ops == &dir_ops ? (off_t)sn->nents :
	    (off_t)sn->len;

	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = sn->pos; break;
	case SEEK_END: base = end; break;
	default: return -EINVAL;
	}
	if ((off > 0 && base > LLONG_MAX - off) || base + off < 0)
		return -EINVAL;
	return sn->pos = base + off;
}

static int
snap_poll(struct file *f)
{
	(void)f;
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
}

static int
snap_stat(struct file *f, struct stat *st)
{
	*st = ((struct snap *)f->data)->st;
	return 0;
}

/* A snapshot and what it holds, all of it charged to kmem. */
static void
snap_free(struct snap *sn)
{
	kmem_free(sn->text, sn->textcap);
	kmem_free(sn->ents, sn->capents * sizeof(*sn->ents));
	kmem_free(sn, sizeof(*sn));
}

static void
snap_close(struct file *f)
{
	struct snap *sn = f->data;

	snap_free(sn);
}

static long
dir_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	(void)f, (void)p, (void)buf, (void)n;
	return -EISDIR;
}

/* Linux's struct linux_dirent64: ino, off, reclen, type, name. */
static long
dir_getdents(struct file *f, void *buf, size_t n)
{
	struct snap *sn = f->data;
	const struct dent *d;
	size_t done = 0, nl, rec;
	int64_t off;
	uint16_t rl;
	char *r;

	while (sn->pos >= 0 && (size_t)sn->pos < sn->nents) {
		d = &sn->ents[sn->pos];
		nl = strlen(d->name);
		rec = (19 + nl + 1 + 7) & ~(size_t)7;
		if (done + rec > n)
			break;
		r = (char *)buf + done;
		off = sn->pos + 1;
		rl = (uint16_t)rec;
		memset(r, 0, rec);
		memcpy(r, &d->ino, 8);
		memcpy(r + 8, &off, 8);
		memcpy(r + 16, &rl, 2);
		r[18] = (char)d->type;
		memcpy(r + 19, d->name, nl);
		done += rec;
		sn->pos++;
	}
	if (done == 0 && sn->pos >= 0 && (size_t)sn->pos < sn->nents)
		return -EINVAL;
	return (long)done;
}

static const struct fileops snap_ops = {
	.kind = "specfs",
	.read = snap_read,
	.write = snap_write,
	.pread = snap_pread,
	.lseek = snap_lseek,
	.poll = snap_poll,
	.stat = snap_stat,
	.close = snap_close,
};

static const struct fileops dir_ops = {
	.kind = "specfs-dir",
	.read = dir_read,
	.write = snap_write,
	.lseek = snap_lseek,
	.poll = snap_poll,
	.stat = snap_stat,
	.getdents = dir_getdents,
	.close = snap_close,
};

/* ---- directories ---- */

static int
dir_add(struct snap *sn, const char *name, unsigned char type,
    uint64_t ino)
{
	struct dent *e;
	size_t cap = sn->capents ? sn->capents * 2 : 16;

	if (sn->nents == sn->capents) {
		if ((e = kmem_realloc(sn->ents, sn->capents * sizeof(*e),
		    cap * sizeof(*e))) == NULL)
			return -ENOMEM;
		sn->ents = e;
		sn->capents = cap;
	}
	e = &sn->ents[sn->nents++];
	e->ino = ino;
	e->type = type;
	snprintf(e->name, sizeof(e->name), "%s", name);
	return 0;
}

static unsigned char
dtype(enum kind k)
{
	return k == K_DIR ? DT_DIR : k == K_LINK ? DT_LNK :
	    k == K_DEV ? DT_CHR : DT_REG;
}

static int
cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/* The live processes' pids, in order: their count (*out: malloc'd). */
static int
live_pids(struct proc *p, pid_t **out)
{
	struct proc *q;
	int n = 0;

	if ((*out = malloc((proc_count() + 1) * sizeof(pid_t))) == NULL)
		return -ENOMEM;
	for (q = proc_first(); q != NULL; q = q->all_next)
		if (find(p, q->pid) == q)
			(*out)[n++] = q->pid;
	qsort(*out, n, sizeof(pid_t), cmp_pid);
	return n;
}

/* Entries named by number: the pids under /proc, the descriptors under
 * /proc/PID/fd. */
static int
list_numbers(struct proc *p, const struct node *d, struct snap *sn)
{
	char name[24], path[PATH_MAX];
	struct proc *q;
	pid_t *pids;
	int i, n, fd, found, rc = 0;

	if (d->what == W_PROC) {
		if ((n = live_pids(p, &pids)) < 0)
			return n;
		for (i = 0; i < n && rc == 0; i++) {
			snprintf(name, sizeof(name), "%d", (int)pids[i]);
			snprintf(path, sizeof(path), "/proc/%s", name);
			rc = dir_add(sn, name, DT_DIR, ino_of(path));
		}
		free(pids);
		return rc;
	}
	if (d->what != W_FDDIR || (q = find(p, d->pid)) == NULL)
		return 0;
	n = fdtab_count(q->fds);
	for (fd = 0, found = 0; found < n && fd < (1 << 24) && rc == 0; fd++) {
		if (fdtab_peek(q->fds, fd) == NULL)
			continue;
		found++;
		snprintf(name, sizeof(name), "%d", fd);
		strcpy(path, d->path);
		rc = path_push(path, name);
		rc = rc ? rc : dir_add(sn, name, DT_LNK, ino_of(path));
	}
	return rc;
}

/* Directory d's entries at this moment: ".", "..", its table, and the
 * numbered ones. */
static int
list_dir(struct proc *p, const struct node *d, struct snap *sn)
{
	char path[PATH_MAX], up[PATH_MAX], *sl;
	const struct ent *t;
	size_t n, i;
	int rc;

	snprintf(up, sizeof(up), "%s", d->path);
	sl = strrchr(up, '/');
	sl[sl == up ? 1 : 0] = '\0';
	if ((rc = dir_add(sn, ".", DT_DIR, ino_of(d->path))) != 0 ||
	    (rc = dir_add(sn, "..", DT_DIR, ino_of(up))) != 0)
		return rc;
	t = table(d->what, &n);
	for (i = 0; i < n && rc == 0; i++) {
		strcpy(path, d->path);
		rc = path_push(path, t[i].name);
		rc = rc ? rc : dir_add(sn, t[i].name, dtype(t[i].kind),
		    ino_of(path));
	}
	return rc != 0 ? rc : list_numbers(p, d, sn);
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

static int
node_stat(struct proc *p, const struct node *n, struct stat *st)
{
	char target[PATH_MAX];
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
		return stat(dev_host(n->what), st) == 0 ? 0 : -errno;
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
		st->st_mode = S_IFDIR | (n->what == W_DEV ? 0755 : 0555);
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

/* The host's character device behind ours, by its fixed name; /dev/tty
 * is the vkernel's controlling terminal, ENXIO without one. */
static int
open_dev(enum what w, int flags, struct file **fp)
{
	int fd = open(dev_host(w), (flags & (O_ACCMODE | O_APPEND)) |
	    O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	return host_file(fd < 0 ? -errno : fd, flags, fp);
}

/* Which of our devices the host device st is (by its device number), or
 * W_ROOT for none. */
static enum what
dev_of(const struct stat *st)
{
	static const enum what devs[] = { W_NULL, W_ZERO, W_FULL, W_RANDOM,
	    W_URANDOM, W_TTY };
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
	if (file_is_vfs(f))
		return vfs_file(vfs_reopen(f->hostfd, flags, f->flags, true),
		    flags, fp);
	if (f->hostfd < 0)
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

/* ENOENT of a name to create in one of our directories is EACCES, as
 * for Linux's read-only /proc and /dev entries. */
static int
missing(struct proc *p, const char *gpath, int flags)
{
	char parent[PATH_MAX], *sl;
	struct node d;

	if (!(flags & O_CREAT))
		return -ENOENT;
	snprintf(parent, sizeof(parent), "%s", gpath);
	if ((sl = strrchr(parent, '/')) != NULL)
		sl[sl == parent ? 1 : 0] = '\0';
	return walk(p, parent, true, &d) == 0 && d.kind == K_DIR ? -EACCES :
	    -ENOENT;
}

int
specfs_open(struct proc *p, const char *gpath, int flags, struct file **fp)
{
	struct node n;
	int acc = flags & O_PATH ? O_RDONLY : flags & O_ACCMODE, rc;

	if ((rc = walk(p, gpath, !(flags & O_NOFOLLOW), &n)) != 0)
		return rc == -ENOENT ? missing(p, gpath, flags) : rc;
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
	case K_DEV:
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
	else if (n.kind == K_FD && (f = fd_file(p, &n, false)) != NULL &&
	    file_is_vfs(f))
		fd = vfs_reopen(f->hostfd, flags, f->flags, true);
	else
		return 0;
	if (fd < 0)
		return fd;
	*hostfd = fd;
	return 0;
}
