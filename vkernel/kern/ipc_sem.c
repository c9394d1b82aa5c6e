/* ipc_sem.c: System V semaphore arrays (Linux's ipc/sem.c): semget, semop with its atomicity, sleeps and SEM_UNDO, semctl. */

/*
 * An array is its values and last pids, charged to the kernel memory
 * budget, with one wait queue that every change wakes (each sleeper
 * tries its whole operation again: simple, and fair enough for the
 * sizes guests use).  A sleeper is on the array's waiter list with its
 * operations while it sleeps, which is what GETNCNT and GETZCNT count,
 * and holds the array by a reference: IPC_RMID takes the array out of
 * the table and wakes everyone, and the last reference frees it.
 *
 * SEM_UNDO: one undo record per (process, array), on the process's list
 * (struct tgroup, so the threads of a process share it, as CLONE_SYSVSEM
 * makes Linux's threads share theirs; fork's child starts with none, exec
 * keeps it) and on the array's (SETVAL and SETALL clear the adjustments
 * there, IPC_RMID detaches them).  The last task of the process applies
 * its adjustments (ipc_sem_exit), clamped to [0, SEMVMX] as Linux's
 * exit_sem does.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <time.h>

#include "vkernel.h"
#include "kmem.h"
#include "clock.h"
#include "ipc.h"
#include "ipc_var.h"

struct sem_undo;

struct sem_waiter {
	struct sem_waiter *next;
	const struct sembuf *sops;
	size_t nsops;
};

struct semarr {
	struct ipc_obj o;            /* first: the table's view */
	int nsems;
	time_t otime;                /* last semop */
	struct waitq wq;
	struct sem_waiter *waiters;
	struct sem_undo *undos;      /* every process's record for it */
	struct {
		int val;
		pid_t pid;
	} sem[];
};

struct sem_undo {
	struct sem_undo *pnext;      /* the process's records */
	struct sem_undo *anext;      /* the array's records */
	struct semarr *arr;          /* NULL once the array is removed */
	int nsems;
	short adj[];
};

static int used_sems;                /* semaphores in all arrays */

static size_t
arr_size(int nsems)
{
	return sizeof(struct semarr) +
	    (size_t)nsems * sizeof(((struct semarr *)0)->sem[0]);
}

static size_t
undo_size(int nsems)
{
	return sizeof(struct sem_undo) + (size_t)nsems * sizeof(short);
}

static struct semarr *
sem_find(int id)
{
	return (struct semarr *)ipc_lookup(IPC_SEM_K, id);
}

static void
arr_unref(struct semarr *a)
{
	if (--a->o.refs > 0)
		return;
	used_sems -= a->nsems;
	kmem_free(a, arr_size(a->nsems));
}

/* IPC_RMID: out of the table, undo records detached, sleepers woken
 * (they see EIDRM), the table's reference dropped. */
static void
arr_remove(struct ipc_obj *o)
{
	struct semarr *a = (struct semarr *)o;
	struct sem_undo *u;

	ipc_remove(IPC_SEM_K, &a->o);
	for (u = a->undos; u != NULL; u = u->anext)
		u->arr = NULL;
	a->undos = NULL;
	waitq_wakeup(&a->wq);
	arr_unref(a);
}

/* ---- semget ---- */

static int
sem_precheck(void *arg)
{
	int nsems = *(int *)arg;

	if (nsems <= 0 || nsems > IPC_SEMMSL)
		return -EINVAL;
	if (used_sems + nsems > IPC_SEMMNS)
		return -ENOSPC;
	return 0;
}

static struct ipc_obj *
sem_make(struct proc *p, void *arg, int *err)
{
	int nsems = *(int *)arg;
	struct semarr *a;

	(void)p;
	if ((a = kmem_alloc(arr_size(nsems))) == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	a->nsems = nsems;
	used_sems += nsems;
	return &a->o;
}

static int
sem_check(struct ipc_obj *o, void *arg)
{
	return *(int *)arg > ((struct semarr *)o)->nsems ? -EINVAL : 0;
}

int
ipc_semget(struct proc *p, key_t key, int nsems, int flg)
{
	static const struct ipc_get_ops ops = { sem_precheck, sem_make,
	    sem_check };

	if (nsems < 0 || nsems > IPC_SEMMSL)
		return -EINVAL; /* 0 finds an existing array of any size */
	return ipc_get(p, IPC_SEM_K, key, flg, &ops, &nsems);
}

/* ---- semop ---- */

static struct sem_undo *
undo_find(struct tgroup *tg, struct semarr *a)
{
	struct sem_undo *u;

	for (u = tg->semundo; u != NULL; u = u->pnext)
		if (u->arr == a)
			return u;
	return NULL;
}

/*
 * Tries sops on a as one: 0 (applied, undo adjusted), 1 (would block at
 * an operation; *nowait: that operation has IPC_NOWAIT), or -ERANGE.
 * Nothing is changed unless all of them go.
 */
static int
try_ops(struct semarr *a, const struct sembuf *sops, size_t nsops,
    struct sem_undo *u, pid_t pid, bool *nowait)
{
	size_t i;
	int v, rc = 0;

	for (i = 0; i < nsops; i++) {
		const struct sembuf *s = &sops[i];

		v = a->sem[s->sem_num].val + s->sem_op;
		if ((s->sem_op == 0 && a->sem[s->sem_num].val != 0) || v < 0) {
			*nowait = (s->sem_flg & IPC_NOWAIT) != 0;
			rc = 1;
			break;
		}
		if (v > IPC_SEMVMX) {
			rc = -ERANGE;
			break;
		}
		if ((s->sem_flg & SEM_UNDO) && u != NULL) {
			int adj = u->adj[s->sem_num] - s->sem_op;

			if (adj < -IPC_SEMVMX - 1 || adj > IPC_SEMVMX) {
				rc = -ERANGE;
				break;
			}
		}
		a->sem[s->sem_num].val = v;
	}
	if (rc != 0) {
		while (i-- > 0)
			a->sem[sops[i].sem_num].val -= sops[i].sem_op;
		return rc;
	}
	for (i = 0; i < nsops; i++) {
		a->sem[sops[i].sem_num].pid = pid;
		if ((sops[i].sem_flg & SEM_UNDO) && u != NULL)
			u->adj[sops[i].sem_num] -= sops[i].sem_op;
	}
	a->otime = time(NULL);
	return 0;
}

int
ipc_semop(struct proc *p, int id, uint64_t usops, size_t nsops,
    const struct timespec *timeout)
{
	struct sembuf sops[IPC_SEMOPM];
	struct sem_waiter w, **wp;
	struct timespec dl;
	struct semarr *a;
	struct sem_undo *u = NULL;
	bool undo = false, alter = false, nowait;
	int max = 0, r, rc;
	size_t i;

	if (nsops < 1)
		return -EINVAL;
	if (nsops > IPC_SEMOPM)
		return -E2BIG;
	if (copyin(p, sops, usops, nsops * sizeof(sops[0])) != 0)
		return -EFAULT;
	if (timeout != NULL) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
		    timeout->tv_nsec >= 1000000000L)
			return -EINVAL;
		deadline_after(&dl, timeout);
	}
	for (i = 0; i < nsops; i++) {
		if (sops[i].sem_num > max)
			max = sops[i].sem_num;
		undo |= (sops[i].sem_flg & SEM_UNDO) != 0;
		alter |= sops[i].sem_op != 0;
	}
	if ((a = sem_find(id)) == NULL)
		return -EINVAL;
	if (max >= a->nsems)
		return -EFBIG;
	if (!ipc_perm_ok(p, &a->o, alter ? S_IWUGO : S_IRUGO))
		return -EACCES;
	if (undo && (u = undo_find(p->tg, a)) == NULL) {
		if ((u = kmem_alloc(undo_size(a->nsems))) == NULL)
			return -ENOMEM;
		u->arr = a;
		u->nsems = a->nsems;
		u->pnext = p->tg->semundo;
		p->tg->semundo = u;
		u->anext = a->undos;
		a->undos = u;
	}
	a->o.refs++;
	for (;;) {
		if ((rc = try_ops(a, sops, nsops, u, p->tg->tgid, &nowait)) <= 0)
			break;
		if (nowait) {
			rc = -EAGAIN;
			break;
		}
		w.sops = sops;
		w.nsops = nsops;
		w.next = a->waiters;
		a->waiters = &w;
		r = proc_sleep(p, &a->wq, NULL, 0, timeout != NULL ? &dl : NULL);
		for (wp = &a->waiters; *wp != NULL; wp = &(*wp)->next)
			if (*wp == &w) {
				*wp = w.next;
				break;
			}
		if (a->o.removed) {
			rc = -EIDRM;
			break;
		}
		/* The array may have been removed and u freed with the
		 * process's list only at exit: u stays valid here. */
		if ((rc = try_ops(a, sops, nsops, u, p->tg->tgid, &nowait)) <= 0)
			break;
		if (r == -ERESTARTSYS) {
			rc = -EINTR;
			break;
		}
		if (r == -ETIMEDOUT) {
			rc = -EAGAIN;
			break;
		}
	}
	if (rc == 0 && alter)
		waitq_wakeup(&a->wq);
	arr_unref(a);
	return rc;
}

/* ---- the end of a process ---- */

static void
undo_unlink(struct sem_undo *u)
{
	struct sem_undo **pp;

	if (u->arr == NULL)
		return;
	for (pp = &u->arr->undos; *pp != NULL; pp = &(*pp)->anext)
		if (*pp == u) {
			*pp = u->anext;
			break;
		}
}

void
ipc_sem_exit(struct tgroup *tg)
{
	struct sem_undo *u;
	struct semarr *a;
	int i, v;

	while ((u = tg->semundo) != NULL) {
		tg->semundo = u->pnext;
		if ((a = u->arr) != NULL) {
			for (i = 0; i < a->nsems && i < u->nsems; i++) {
				if (u->adj[i] == 0)
					continue;
				v = a->sem[i].val + u->adj[i];
				a->sem[i].val = v < 0 ? 0 :
				    v > IPC_SEMVMX ? IPC_SEMVMX : v;
				a->sem[i].pid = tg->tgid;
			}
			undo_unlink(u);
			waitq_wakeup(&a->wq);
		}
		kmem_free(u, undo_size(u->nsems));
	}
}

/* ---- semctl ---- */

struct semid64_g {
	struct ipc64_perm_g perm;
	int64_t otime;
	uint64_t unused1;
	int64_t ctime;
	uint64_t unused2;
	uint64_t nsems;
	uint64_t unused3, unused4;
};

static int
count_waiters(struct semarr *a, int num, bool zero)
{
	struct sem_waiter *w;
	size_t i;
	int n = 0;

	for (w = a->waiters; w != NULL; w = w->next)
		for (i = 0; i < w->nsops; i++)
			if (w->sops[i].sem_num == num &&
			    (zero ? w->sops[i].sem_op == 0 :
			    w->sops[i].sem_op < 0) &&
			    !(w->sops[i].sem_flg & IPC_NOWAIT))
				n++;
	return n;
}

/* SETVAL, SETALL: the adjustments of num (-1: all) are void. */
static void
clear_undos(struct semarr *a, int num)
{
	struct sem_undo *u;

	for (u = a->undos; u != NULL; u = u->anext) {
		if (num >= 0)
			u->adj[num] = 0;
		else
			memset(u->adj, 0, (size_t)u->nsems * sizeof(short));
	}
}

static long
sem_info(struct proc *p, int cmd, uint64_t arg)
{
	struct seminfo si;
	int max = ipc_maxidx(IPC_SEM_K);

	memset(&si, 0, sizeof(si));
	si.semmni = IPC_SEMMNI;
	si.semmns = IPC_SEMMNS;
	si.semmsl = IPC_SEMMSL;
	si.semopm = IPC_SEMOPM;
	si.semvmx = IPC_SEMVMX;
	si.semmnu = IPC_SEMMNS;
	si.semmap = IPC_SEMMNS;
	si.semume = IPC_SEMOPM;
	if (cmd == SEM_INFO) {
		si.semusz = ipc_count(IPC_SEM_K);
		si.semaem = used_sems;
	} else {
		si.semusz = 20;
		si.semaem = IPC_SEMVMX;
	}
	if (copyout(p, arg, &si, sizeof(si)) != 0)
		return -EFAULT;
	return max < 0 ? 0 : max;
}

static long
sem_stat(struct proc *p, struct semarr *a, uint64_t arg)
{
	struct semid64_g g;

	memset(&g, 0, sizeof(g));
	ipc_perm_out(&a->o, &g.perm);
	g.otime = a->otime;
	g.ctime = a->o.ctime;
	g.nsems = (uint64_t)a->nsems;
	return copyout(p, arg, &g, sizeof(g)) != 0 ? -EFAULT : 0;
}

/* GETALL and SETALL: the values through a scratch array. */
static long
sem_all(struct proc *p, struct semarr *a, int cmd, uint64_t arg)
{
	unsigned short *v;
	size_t n = (size_t)a->nsems * sizeof(*v);
	int i;

	if ((v = copy_scratch(p, n)) == NULL)
		return -ENOMEM;
	if (cmd == GETALL) {
		for (i = 0; i < a->nsems; i++)
			v[i] = (unsigned short)a->sem[i].val;
		return copyout(p, arg, v, n) != 0 ? -EFAULT : 0;
	}
	if (copyin(p, v, arg, n) != 0)
		return -EFAULT;
	for (i = 0; i < a->nsems; i++)
		if (v[i] > IPC_SEMVMX)
			return -ERANGE;
	for (i = 0; i < a->nsems; i++) {
		a->sem[i].val = v[i];
		a->sem[i].pid = p->tg->tgid;
	}
	clear_undos(a, -1);
	a->o.ctime = time(NULL);
	waitq_wakeup(&a->wq);
	return 0;
}

long
ipc_semctl(struct proc *p, int id, int num, int cmd, uint64_t arg)
{
	struct semid64_g g;
	struct semarr *a;
	int v;

	cmd = IPC_CMD(cmd);
	if (id < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SEM_INFO:
		return sem_info(p, cmd, arg);
	case SEM_STAT:
	case SEM_STAT_ANY:
		if ((a = (struct semarr *)ipc_stat_index(p, IPC_SEM_K, id,
		    cmd == SEM_STAT_ANY, &v)) == NULL)
			return v;
		v = sem_stat(p, a, arg);
		return v < 0 ? v : a->o.id;
	}
	if (cmd == IPC_SET && copyin(p, &g, arg, sizeof(g)) != 0)
		return -EFAULT;
	if ((a = sem_find(id)) == NULL)
		return -EINVAL;
	switch (cmd) {
	case IPC_RMID:
	case IPC_SET:
	case IPC_STAT:
	case GETPID:
	case GETVAL:
	case GETALL:
	case GETNCNT:
	case GETZCNT:
		if ((v = ipc_ctl_perm(p, &a->o, cmd)) != 0)
			return v;
		if (cmd == IPC_RMID)
			arr_remove(&a->o);
		else if (cmd == IPC_SET)
			ipc_set(&a->o, g.perm.uid, g.perm.gid, g.perm.mode);
		if (cmd == IPC_RMID || cmd == IPC_SET)
			return 0;
		break;
	case SETVAL:
	case SETALL:
		if (!ipc_perm_ok(p, &a->o, S_IWUGO))
			return -EACCES;
		break;
	default:
		return -EINVAL;
	}
	if (cmd == IPC_STAT)
		return sem_stat(p, a, arg);
	if (cmd == GETALL || cmd == SETALL)
		return sem_all(p, a, cmd, arg);
	if (num < 0 || num >= a->nsems)
		return -EINVAL;
	switch (cmd) {
	case GETPID: return a->sem[num].pid;
	case GETVAL: return a->sem[num].val;
	case GETNCNT: return count_waiters(a, num, false);
	case GETZCNT: return count_waiters(a, num, true);
	}
	v = (int)arg; /* SETVAL: the union's int */
	if (v < 0 || v > IPC_SEMVMX)
		return -ERANGE;
	a->sem[num].val = v;
	a->sem[num].pid = p->tg->tgid;
	clear_undos(a, num);
	a->o.ctime = time(NULL);
	waitq_wakeup(&a->wq);
	return 0;
}

void
ipc_sem_info(const struct ipc_obj *o, int *nsems, time_t *otime)
{
	const struct semarr *a = (const struct semarr *)o;

	*nsems = a->nsems;
	*otime = a->otime;
}

/* At the vkernel's end: every array (no process is left to sleep). */
void
ipc_sem_fini(void)
{
	ipc_each(IPC_SEM_K, arr_remove);
}
