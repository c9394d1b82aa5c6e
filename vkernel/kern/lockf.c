/* lockf.c: POSIX record locks kept by the vkernel per host file, owned by descriptor tables, mirrored on the host as OFD locks on one description per file (after Linux's fs/locks.c and DragonFly's kern_lockf.c). */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "lockf.h"
#include "kmem.h"

#define LF_MAX        INT64_MAX /* the last byte a range can name */
#define LF_RECORDS    8192      /* lock records per vkernel (ENOLCK past) */
#define LF_DEADLK_MAX 10        /* links of a waiting chain followed */
#define LF_RETRY_MS   10        /* a host refusal is retried this often */
#define LF_BUCKETS    64

/* Access bits of a host description. */
#define LF_R 1
#define LF_W 2

/* One lock: [start, end] of a file, held by a descriptor table. */
struct lf_lock {
	struct lf_lock *next;
	struct fdtab *owner;
	pid_t pid;                /* the process that took it */
	short type;               /* F_RDLCK or F_WRLCK */
	off_t start, end;         /* end LF_MAX: to the end, whatever the size */
};

/*
 * A host file with locks or waiters.  It lives while it holds locks or
 * references (a request in progress holds one, across its sleeps).
 */
struct lf_file {
	struct lf_file *next;     /* in its hash bucket */
	dev_t dev;
	ino_t ino;
	int refs;
	struct lf_lock *locks;    /* unordered; an owner's never overlap */
	struct waitq wq;          /* F_SETLKW sleepers: woken when a lock
	                             is released, shrinks or weakens */
	int hostfd;               /* the host description holding the union
	                             of the locks as OFD locks, or -1 */
	int hostacc;              /* its access (LF_R, LF_W) */
	bool nohost;              /* not a regular file or directory, or
	                             the host would not reopen it: the
	                             vkernel's table alone */
};

/* A process asleep in F_SETLKW, for the deadlock check. */
struct lf_waiter {
	struct lf_waiter *next;
	struct fdtab *owner;
	struct lf_file *lf;
	short type;
	off_t start, end;
};

long lockf_held;
static struct lf_file *buckets[LF_BUCKETS];
static struct lf_waiter *waiters;

/* ---- records and files ---- */

static struct lf_lock *
lf_rec_new(void)
{
	struct lf_lock *l;

	if (lockf_held >= LF_RECORDS || (l = kmem_alloc(sizeof(*l))) == NULL)
		return NULL;
	lockf_held++;
	return l;
}

static void
lf_rec_free(struct lf_lock *l)
{
	if (l == NULL)
		return;
	kmem_free(l, sizeof(*l));
	lockf_held--;
}

static struct lf_file **
lf_bucket(dev_t dev, ino_t ino)
{
	return &buckets[(unsigned)((uint64_t)dev * 31 + (uint64_t)ino) %
	    LF_BUCKETS];
}

/* The entry of f's host file (keyed), or NULL. */
static struct lf_file *
lf_find(const struct file *f)
{
	struct lf_file *lf;

	for (lf = *lf_bucket(f->dev, f->ino); lf != NULL; lf = lf->next)
		if (lf->dev == f->dev && lf->ino == f->ino)
			return lf;
	return NULL;
}

/* The entry of f's host file with one more reference, made if need be;
 * NULL if out of memory. */
static struct lf_file *
lf_get(const struct file *f)
{
	struct lf_file *lf, **b;

	if ((lf = lf_find(f)) == NULL) {
		if ((lf = kmem_alloc(sizeof(*lf))) == NULL)
			return NULL;
		lf->dev = f->dev;
		lf->ino = f->ino;
		lf->hostfd = -1;
		lf->nohost = f->fmt != S_IFREG && f->fmt != S_IFDIR;
		b = lf_bucket(f->dev, f->ino);
		lf->next = *b;
		*b = lf;
	}
	lf->refs++;
	return lf;
}

/* Once lf holds no lock its host description closes (the host drops
 * its locks), and once nothing refers to it either it goes. */
static void
lf_gc(struct lf_file *lf)
{
	struct lf_file **pp;

	if (lf->locks != NULL)
		return;
	if (lf->hostfd >= 0) {
		close(lf->hostfd);
		lf->hostfd = -1;
		lf->hostacc = 0;
	}
	if (lf->refs > 0)
		return;
	for (pp = lf_bucket(lf->dev, lf->ino); *pp != NULL; pp = &(*pp)->next)
		if (*pp == lf) {
			*pp = lf->next;
			break;
		}
	kmem_free(lf, sizeof(*lf));
}

static void
lf_put(struct lf_file *lf)
{
	lf->refs--;
	lf_gc(lf);
}

/* ---- ranges ---- */

/* The absolute range [*start, *end] fl names on f, as Linux's
 * flock_to_posix_lock: 0, -EINVAL or -EOVERFLOW. */
static int
lf_range(struct file *f, const struct flock *fl, off_t *start, off_t *end)
{
	off_t base = 0, s;
	struct stat st;

	switch (fl->l_whence) {
	case SEEK_SET:
		break;
	case SEEK_CUR:  /* a file with no offset (a pipe) is at 0 */
		if (f->ops->lseek != NULL &&
		    (base = f->ops->lseek(f, 0, SEEK_CUR)) < 0)
			base = 0;
		break;
	case SEEK_END:
		if (f->ops->stat != NULL && f->ops->stat(f, &st) == 0)
			base = st.st_size;
		break;
	default:
		return -EINVAL;
	}
	if (fl->l_start > LF_MAX - base)
		return -EOVERFLOW;
	if ((s = base + fl->l_start) < 0)
		return -EINVAL;
	if (fl->l_len > 0) {
		if (fl->l_len - 1 > LF_MAX - s)
			return -EOVERFLOW;
		*start = s;
		*end = s + (fl->l_len - 1);
	} else if (fl->l_len < 0) {
		if (s + fl->l_len < 0)
			return -EINVAL;
		*start = s + fl->l_len;
		*end = s - 1;
	} else {
		*start = s;
		*end = LF_MAX;
	}
	return 0;
}

/* A host flock for [start, end] (l_len 0 to the end). */
static struct flock
lf_hostfl(int type, off_t start, off_t end)
{
	struct flock h = { .l_type = (short)type, .l_whence = SEEK_SET,
	    .l_start = start, .l_len = end == LF_MAX ? 0 : end - start + 1 };

	return h;
}

/* F_GETLK's answer for the lock l. */
static void
lf_report(const struct lf_lock *l, struct flock *fl)
{
	*fl = lf_hostfl(l->type, l->start, l->end);
	fl->l_pid = l->pid;
}

/* The conflicting lock of lf with the lowest start: another owner's
 * (owner NULL: anyone's) over [s, e] where either is a write lock. */
static struct lf_lock *
lf_conflict(const struct lf_file *lf, const struct fdtab *owner, int type,
    off_t s, off_t e)
{
	struct lf_lock *l, *first = NULL;

	for (l = lf->locks; l != NULL; l = l->next)
		if (l->owner != owner && l->start <= e && l->end >= s &&
		    (type == F_WRLCK || l->type == F_WRLCK) &&
		    (first == NULL || l->start < first->start))
			first = l;
	return first;
}

/* ---- the host description ---- */

/* How strong a type is: none, read, write. */
static int
lf_rank(int type)
{
	return type == F_WRLCK ? 2 : type == F_RDLCK ? 1 : 0;
}

/*
 * Calls fn(lf, start, end, type, arg) for each maximal run of [s, e]
 * over which the strongest guest lock of lf is one type (F_UNLCK where
 * there is none).  Quadratic in the locks of the file, which
 * LF_RECORDS bounds; no allocation, so it cannot fail half-way.
 */
static void
lf_runs(struct lf_file *lf, off_t s, off_t e,
    void (*fn)(struct lf_file *, off_t, off_t, int, void *), void *arg)
{
	uint64_t pos = (uint64_t)s, hi = (uint64_t)e + 1, next, ls, le;
	uint64_t run = pos;
	int t, runt = -1;
	struct lf_lock *l;

	while (pos < hi) {
		t = 0;
		next = hi;
		for (l = lf->locks; l != NULL; l = l->next) {
			ls = (uint64_t)l->start;
			le = (uint64_t)l->end + 1;
			if (le <= pos || ls >= hi)
				continue;
			if (ls > pos) {
				next = ls < next ? ls : next;
				continue;
			}
			if (lf_rank(l->type) > t)
				t = lf_rank(l->type);
			next = le < next ? le : next;
		}
		if (t != runt) {
			if (runt >= 0)
				fn(lf, (off_t)run, (off_t)(pos - 1), runt, arg);
			run = pos;
			runt = t;
		}
		pos = next;
	}
	if (runt >= 0)
		fn(lf, (off_t)run, (off_t)(hi - 1),
		    runt, arg);
}

static const short rank_type[] = { F_UNLCK, F_RDLCK, F_WRLCK };

/* Sets [start, end] of lf's host description to the rank t. */
static void
lf_host_set(struct lf_file *lf, off_t start, off_t end, int t, void *arg)
{
	struct flock h = lf_hostfl(rank_type[t], start, end);

	(void)arg;
	/* Only ever weakens or keeps what the description holds there,
	 * which the host never refuses. */
	if (fcntl(lf->hostfd, F_OFD_SETLK, &h) != 0)
		vk_verbose("locks: host F_OFD_SETLK: %s", strerror(errno));
}

/* Moves a run of the locks of lf to the description *arg: a read lock
 * is taken there before the old one goes (both may hold it), a write
 * lock after. */
static void
lf_host_move(struct lf_file *lf, off_t start, off_t end, int t, void *arg)
{
	struct flock h = lf_hostfl(rank_type[t], start, end), u;
	int fd = *(int *)arg;

	if (t == 0)
		return;
	if (t == 2) {
		u = lf_hostfl(F_UNLCK, start, end);
		(void)fcntl(lf->hostfd, F_OFD_SETLK, &u);
	}
	if (fcntl(fd, F_OFD_SETLK, &h) != 0)
		vk_verbose("locks: moving a host lock: %s", strerror(errno));
}

/* The host description of lf after its locks changed over [s, e]: each
 * run there gets the strongest type the guests hold on it. */
static void
lf_host_sync(struct lf_file *lf, off_t s, off_t e)
{
	if (lf->hostfd >= 0 && lf->locks != NULL)
		lf_runs(lf, s, e, lf_host_set, NULL);
}

/* A new host description of f's file with at least the access acc: read
 * and write where the host allows, else acc alone.  It is opened
 * through the vkernel's /proc/self/fd link of f's own descriptor (the
 * same inode, no walk).  The descriptor, or -errno. */
static int
lf_host_open(struct file *f, int acc, int *got)
{
	static const struct { int flags, acc; } modes[] = {
		{ O_RDWR, LF_R | LF_W }, { O_RDONLY, LF_R }, { O_WRONLY, LF_W },
	};
	char link[64];
	size_t i;
	int fd, err = EACCES;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", f->hostfd);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if ((modes[i].acc & acc) != acc)
			continue;
		fd = open(link, modes[i].flags | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK);
		if (fd >= 0) {
			*got = modes[i].acc;
			return fd;
		}
		err = errno;
	}
	return -err;
}

/*
 * Makes sure lf's host description can hold a lock of type (a read
 * lock needs a readable description, a write lock a writable one),
 * opening it or, when the one open lacks the access (the file's mode
 * changed since it was opened), moving its locks to a new one.  Where
 * the host will not open the file again (its mode forbids it now), the
 * file's locks stay in the table alone while it has any.  0, or -ENOLCK
 * when the vkernel is out of descriptors or memory.
 */
static int
lf_host_ready(struct lf_file *lf, struct file *f, int type)
{
	int need = type == F_WRLCK ? LF_W : LF_R, fd, got = 0;

	if (lf->nohost || (lf->hostfd >= 0 && (lf->hostacc & need)))
		return 0;
	if ((fd = lf_host_open(f, need | lf->hostacc, &got)) < 0) {
		if (fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM)
			return -ENOLCK;
		vk_verbose("locks: cannot open a locked file again (%s): "
		    "its locks are the vkernel's alone", strerror(-fd));
		if (lf->hostfd >= 0)
			close(lf->hostfd);
		lf->hostfd = -1;
		lf->hostacc = 0;
		lf->nohost = true;
		return 0;
	}
	if (lf->hostfd >= 0) {
		lf_runs(lf, 0, LF_MAX, lf_host_move, &fd);
		close(lf->hostfd);
	}
	lf->hostfd = fd;
	lf->hostacc = got;
	return 0;
}

/* ---- changing an owner's locks ---- */

/* l overlaps [s, e] or touches it. */
static bool
lf_touches(const struct lf_lock *l, off_t s, off_t e)
{
	return l->end >= s - 1 && (e == LF_MAX || l->start <= e + 1);
}

/*
 * Sets owner's locks over [s, e] to type (F_UNLCK: none), as Linux's
 * posix_lock_inode: the owner's locks of the same type that overlap or
 * touch the range merge into one with it, the others are cut back or
 * split around it.  A merged lock keeps the pid of the lowest one it
 * absorbed (Linux extends that one).  spare[0] (the new lock) and
 * spare[1] (a split's second half) are taken as needed (the slot set to
 * NULL).  True when one of the owner's locks shrank or changed type:
 * waiters look again.
 */
static bool
lf_apply(struct lf_file *lf, struct fdtab *owner, pid_t pid, int type,
    off_t s, off_t e, struct lf_lock **spare)
{
	struct lf_lock **lp, *l, *r;
	off_t lowest = LF_MAX;
	bool shrank = false;

	for (lp = &lf->locks; type != F_UNLCK && (l = *lp) != NULL;) {
		if (l->owner == owner && l->type == type &&
		    lf_touches(l, s, e)) {
			if (l->start <= lowest) {
				lowest = l->start;
				pid = l->pid;
			}
			s = l->start < s ? l->start : s;
			e = l->end > e ? l->end : e;
			*lp = l->next;
			lf_rec_free(l);
		} else {
			lp = &l->next;
		}
	}
	for (lp = &lf->locks; (l = *lp) != NULL;) {
		if (l->owner != owner || l->end < s || l->start > e) {
			lp = &l->next;
			continue;
		}
		shrank = true;
		if (l->start < s && l->end > e) {
			r = spare[1];
			spare[1] = NULL;
			*r = *l;
			r->start = e + 1;
			l->end = s - 1;
			l->next = r;
			lp = &r->next;
		} else if (l->start < s) {
			l->end = s - 1;
			lp = &l->next;
		} else if (l->end > e) {
			l->start = e + 1;
			lp = &l->next;
		} else {
			*lp = l->next;
			lf_rec_free(l);
		}
	}
	if (type != F_UNLCK) {
		r = spare[0];
		spare[0] = NULL;
		r->owner = owner;
		r->pid = pid;
		r->type = (short)type;
		r->start = s;
		r->end = e;
		r->next = lf->locks;
		lf->locks = r;
	}
	return shrank;
}

/* Whether setting owner's [s, e] to type splits one of its locks in two
 * (lf_apply then needs a second record). */
static bool
lf_splits(const struct lf_file *lf, const struct fdtab *owner, int type,
    off_t s, off_t e)
{
	const struct lf_lock *l;

	for (l = lf->locks; l != NULL; l = l->next)
		if (l->owner == owner && l->type != type && l->start < s &&
		    l->end > e)
			return true;
	return false;
}

/* owner's locks over [s, e] go: 0 or -ENOLCK (a split found no record). */
static int
lf_unlock(struct lf_file *lf, struct fdtab *owner, pid_t pid, off_t s,
    off_t e)
{
	struct lf_lock *spare[2] = { NULL, NULL };

	if (lf_splits(lf, owner, F_UNLCK, s, e) &&
	    (spare[1] = lf_rec_new()) == NULL)
		return -ENOLCK;
	if (lf_apply(lf, owner, pid, F_UNLCK, s, e, spare)) {
		lf_host_sync(lf, s, e);
		waitq_wakeup(&lf->wq);
	}
	lf_rec_free(spare[1]);
	lf_gc(lf);
	return 0;
}

/* Takes [s, e] of type for p (no other guest's lock conflicts): the host
 * first, which refuses when something outside the table holds a
 * conflicting lock.  0, -EAGAIN (refused), -ENOLCK. */
static int
lf_take(struct lf_file *lf, struct file *f, struct proc *p, int type,
    off_t s, off_t e)
{
	struct lf_lock *spare[2] = { NULL, NULL };
	struct flock h = lf_hostfl(type, s, e);
	int r = -ENOLCK;

	if ((spare[0] = lf_rec_new()) == NULL ||
	    (lf_splits(lf, p->fds, type, s, e) &&
	    (spare[1] = lf_rec_new()) == NULL))
		goto out;
	if ((r = lf_host_ready(lf, f, type)) != 0)
		goto out;
	if (lf->hostfd >= 0) {
		/* Over [s, e] the union becomes type: a write lock has
		 * no other guest's there, a read lock only readers. */
		p->nhostcalls++;
		if (fcntl(lf->hostfd, F_OFD_SETLK, &h) != 0) {
			r = errno == EACCES ? -EAGAIN : -errno;
			goto out;
		}
	}
	if (lf_apply(lf, p->fds, p->tg->tgid, type, s, e, spare))
		waitq_wakeup(&lf->wq);
	r = 0;
out:
	lf_rec_free(spare[0]);
	lf_rec_free(spare[1]);
	return r;
}

/* owner's locks on lf all go (it closed a descriptor of the file, or
 * its table went). */
static void
lf_drop(struct lf_file *lf, struct fdtab *owner)
{
	struct lf_lock **lp, *l;
	off_t lo = LF_MAX, hi = 0;

	for (lp = &lf->locks; (l = *lp) != NULL;) {
		if (l->owner != owner) {
			lp = &l->next;
			continue;
		}
		lo = l->start < lo ? l->start : lo;
		hi = l->end > hi ? l->end : hi;
		*lp = l->next;
		lf_rec_free(l);
	}
	if (lo > hi)
		return;
	lf_host_sync(lf, lo, hi);
	waitq_wakeup(&lf->wq);
	lf_gc(lf);
}

/* ---- waiting ---- */

/*
 * Whether waiting for blocker would deadlock me, as Linux's
 * posix_locks_deadlock: blocker is itself asleep waiting for a lock
 * whose owner waits ... for a lock me holds.  The chain is followed
 * LF_DEADLK_MAX links at most; each link is the first lock that blocks
 * the waiter now.
 */
static bool
lf_deadlock(const struct fdtab *me, struct fdtab *blocker)
{
	struct lf_waiter *w;
	struct lf_lock *c;
	int i;

	for (i = 0; i < LF_DEADLK_MAX; i++) {
		for (w = waiters; w != NULL && w->owner != blocker; w = w->next)
			;
		if (w == NULL || (c = lf_conflict(w->lf, w->owner, w->type,
		    w->start, w->end)) == NULL)
			return false;
		if (c->owner == me)
			return true;
		blocker = c->owner;
	}
	return false;
}

/* Sleeps on lf's queue until a lock there is released or weakened (a
 * host refusal: at most LF_RETRY_MS).  0 or -ERESTARTSYS. */
static int
lf_wait(struct proc *p, struct lf_file *lf, bool host, int type, off_t s,
    off_t e)
{
	struct timespec rel = { 0, LF_RETRY_MS * 1000000L }, dl;
	struct lf_waiter w = { .owner = p->fds, .lf = lf,
	    .type = (short)type, .start = s, .end = e }, **wp;
	int r;

	w.next = waiters;
	waiters = &w;
	if (host)
		deadline_after(&dl, &rel);
	r = proc_sleep(p, &lf->wq, NULL, 0, host ? &dl : NULL);
	for (wp = &waiters; *wp != NULL; wp = &(*wp)->next)
		if (*wp == &w) {
			*wp = w.next;
			break;
		}
	return r == -ERESTARTSYS ? r : 0;
}

/* ---- the calls ---- */

long
lockf_setlk(struct proc *p, struct file *f, long fd, const struct flock *fl,
    bool wait)
{
	int type = fl->l_type;
	struct lf_lock *c;
	struct lf_file *lf;
	bool slept = false;
	off_t s, e;
	long r;

	if ((r = lf_range(f, fl, &s, &e)) != 0)
		return r;
	if (type != F_RDLCK && type != F_WRLCK && type != F_UNLCK)
		return -EINVAL;
	if ((type == F_RDLCK && !file_readable(f)) ||
	    (type == F_WRLCK && !file_writable(f)))
		return -EBADF;
	if ((r = file_key(f)) != 0)
		return r;
	if (type == F_UNLCK) {
		if ((lf = lf_find(f)) == NULL)
			return 0;
		return lf_unlock(lf, p->fds, p->tg->tgid, s, e);
	}
	if ((lf = lf_get(f)) == NULL)
		return -ENOLCK;
	for (;;) {  /* lf is held across the sleeps, f by fget */
		if ((c = lf_conflict(lf, p->fds, type, s, e)) == NULL &&
		    (r = lf_take(lf, f, p, type, s, e)) != -EAGAIN)
			break;
		r = -EAGAIN;
		if (!wait)
			break;
		if (c != NULL && lf_deadlock(p->fds, c->owner)) {
			r = -EDEADLK;
			break;
		}
		slept = true;
		if ((r = lf_wait(p, lf, c == NULL, type, s, e)) != 0)
			break;
	}
	/* A process sharing the table closed fd while this one slept: the
	 * close dropped the owner's locks, so this one goes too (Linux's
	 * answer to the same race). */
	if (r == 0 && slept && fdtab_peek(p->fds, fd) != f) {
		(void)lf_unlock(lf, p->fds, p->tg->tgid, s, e);
		r = -EBADF;
	}
	lf_put(lf);
	return r;
}

long
lockf_getlk(struct proc *p, struct file *f, struct flock *fl)
{
	struct lf_file *lf = NULL;
	struct lf_lock *c;
	struct flock h;
	off_t s, e;
	int r;

	if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK)
		return -EINVAL;
	if ((r = lf_range(f, fl, &s, &e)) != 0 || (r = file_key(f)) != 0)
		return r;
	if (lockf_held != 0 && (lf = lf_find(f)) != NULL &&
	    (c = lf_conflict(lf, p->fds, fl->l_type, s, e)) != NULL) {
		lf_report(c, fl);
		return 0;
	}
	/*
	 * Then whatever the host knows that the table does not: asked
	 * through the table's description (whose own locks, the guests',
	 * do not conflict with it), or, where the file has none, as a
	 * classic POSIX lock of the vkernel, which holds none of those.
	 */
	h = lf_hostfl(fl->l_type, s, e);
	p->nhostcalls++;
	if (lf != NULL && lf->hostfd >= 0)
		r = fcntl(lf->hostfd, F_OFD_GETLK, &h);
	else
		r = fcntl(f->hostfd, F_GETLK, &h);
	if (r != 0)
		return -errno;
	if (h.l_type == F_UNLCK) {
		fl->l_type = F_UNLCK;
	} else {
		*fl = h;
		fl->l_pid = -1;  /* no pid the guest could name */
	}
	return 0;
}

void
lockf_ofd_holder(struct file *f, const struct flock *req, struct flock *fl)
{
	struct lf_file *lf;
	struct lf_lock *c;
	off_t s, e;

	if (lockf_held == 0 || lf_range(f, req, &s, &e) != 0 ||
	    file_key(f) != 0 || (lf = lf_find(f)) == NULL)
		return;
	if ((c = lf_conflict(lf, NULL, req->l_type, s, e)) != NULL)
		lf_report(c, fl);
}

void
lockf_close(struct fdtab *owner, struct file *f)
{
	struct lf_file *lf;

	if (lockf_held == 0 || f->hostfd < 0 || file_key(f) != 0 ||
	    (lf = lf_find(f)) == NULL)
		return;
	lf_drop(lf, owner);
}

void
lockf_owner_gone(struct fdtab *owner)
{
	struct lf_file *lf, *next;
	int i;

	if (lockf_held == 0)
		return;
	for (i = 0; i < LF_BUCKETS; i++)
		for (lf = buckets[i]; lf != NULL; lf = next) {
			next = lf->next;  /* lf_drop may free lf */
			lf_drop(lf, owner);
		}
}

void
lockf_init(void)
{
	fdtab_set_hooks(&(struct fdtab_hooks){ .close = lockf_close,
	    .gone = lockf_owner_gone });
}
