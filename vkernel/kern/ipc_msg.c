/* ipc_msg.c: System V message queues (Linux's ipc/msg.c): msgget, msgsnd and msgrcv with their waits, msgctl. */

/*
 * A queue is a FIFO list of messages, each one allocation (header and
 * text) charged to the kernel memory budget, bounded by the queue's
 * msg_qbytes in bytes and in messages (Linux's msg_fits_inqueue).  One
 * wait queue for senders and receivers, woken by every change; a sleeper
 * holds the queue by a reference and sees EIDRM once it is removed.  A
 * sender copies its message in before it waits, as Linux's load_msg.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <time.h>

#include "vkernel.h"
#include "kmem.h"
#include "ipc.h"
#include "ipc_var.h"

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct kmsg {
	struct kmsg *next;
	long type;
	size_t len;
	char text[];
};

struct msgq {
	struct ipc_obj o;
	struct kmsg *head, **tail;
	size_t qbytes;               /* its bound (IPC_SET), bytes and count */
	size_t cbytes, qnum;
	pid_t lspid, lrpid;
	time_t stime, rtime;
	struct waitq wq;
};

static size_t msg_bytes, msg_count;  /* over all queues (MSG_INFO) */

static void
kmsg_free(struct kmsg *m)
{
	kmem_free(m, sizeof(*m) + m->len);
}

static void
q_unref(struct msgq *q)
{
	struct kmsg *m;

	if (--q->o.refs > 0)
		return;
	while ((m = q->head) != NULL) {
		q->head = m->next;
		msg_bytes -= m->len;
		msg_count--;
		kmsg_free(m);
	}
	kmem_free(q, sizeof(*q));
}

static void
q_remove(struct ipc_obj *o)
{
	struct msgq *q = (struct msgq *)o;

	ipc_remove(IPC_MSG_K, &q->o);
	waitq_wakeup(&q->wq);
	q_unref(q);
}

/* One wait of a sender or receiver holding q: 0 (look again), nowait
 * with IPC_NOWAIT, -EIDRM, or -ERESTARTNOHAND for a signal (Linux's). */
static int
q_wait(struct proc *p, struct msgq *q, int flg, int nowait)
{
	int r;

	if (flg & IPC_NOWAIT)
		return nowait;
	r = proc_sleep(p, &q->wq, NULL, 0, NULL);
	if (q->o.removed)
		return -EIDRM;
	return r == -ERESTARTSYS ? -ERESTARTNOHAND : 0;
}

static struct ipc_obj *
msg_make(struct proc *p, void *arg, int *err)
{
	struct msgq *q;

	(void)p, (void)arg;
	if ((q = kmem_alloc(sizeof(*q))) == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	q->tail = &q->head;
	q->qbytes = IPC_MSGMNB;
	return &q->o;
}

int
ipc_msgget(struct proc *p, key_t key, int flg)
{
	static const struct ipc_get_ops ops = { NULL, msg_make, NULL };

	return ipc_get(p, IPC_MSG_K, key, flg, &ops, NULL);
}

int
ipc_msgsnd(struct proc *p, int id, uint64_t umsg, size_t sz, int flg)
{
	struct msgq *q;
	struct kmsg *m;
	long type;
	int rc = 0;

	if ((ssize_t)sz < 0 || sz > IPC_MSGMAX || id < 0)
		return -EINVAL;
	if (copyin(p, &type, umsg, sizeof(type)) != 0)
		return -EFAULT;
	if (type < 1)
		return -EINVAL;
	if ((m = kmem_alloc(sizeof(*m) + sz)) == NULL)
		return -ENOMEM;
	m->type = type;
	m->len = sz;
	if (copyin(p, m->text, umsg + sizeof(long), sz) != 0) {
		kmsg_free(m);
		return -EFAULT;
	}
	if ((q = (struct msgq *)ipc_lookup(IPC_MSG_K, id)) == NULL) {
		kmsg_free(m);
		return -EINVAL;
	}
	if (!ipc_perm_ok(p, &q->o, S_IWUGO)) {
		kmsg_free(m);
		return -EACCES;
	}
	q->o.refs++;
	while (q->qnum + 1 > q->qbytes || q->cbytes + sz > q->qbytes)
		if ((rc = q_wait(p, q, flg, -EAGAIN)) != 0)
			break;
	if (rc != 0) {
		kmsg_free(m);
		q_unref(q);
		return rc;
	}
	m->next = NULL;
	*q->tail = m;
	q->tail = &m->next;
	q->qnum++;
	q->cbytes += sz;
	msg_count++;
	msg_bytes += sz;
	q->lspid = p->tg->tgid;
	q->stime = time(NULL);
	waitq_wakeup(&q->wq);
	q_unref(q);
	return 0;
}

/* The message msgrcv's type and flags select, and where it is linked. */
static struct kmsg **
msg_find(struct msgq *q, long type, int flg)
{
	struct kmsg **mp, **best = NULL;

	for (mp = &q->head; *mp != NULL; mp = &(*mp)->next) {
		long t = (*mp)->type;

		if (type == 0)
			return mp;
		if (type > 0 && ((flg & MSG_EXCEPT) ? t != type : t == type))
			return mp;
		if (type < 0 && t <= -type && (best == NULL || t < (*best)->type))
			best = mp;
	}
	return best;
}

long
ipc_msgrcv(struct proc *p, int id, uint64_t umsg, size_t sz, long type,
    int flg)
{
	struct kmsg **mp, *m;
	struct msgq *q;
	size_t n;
	long rc = 0;

	if ((ssize_t)sz < 0 || id < 0)
		return -EINVAL;
	if (flg & MSG_COPY)
		return -ENOSYS; /* Linux without CONFIG_CHECKPOINT_RESTORE */
	if (type == LONG_MIN)
		type = LONG_MIN + 1; /* -type must not overflow */
	if ((q = (struct msgq *)ipc_lookup(IPC_MSG_K, id)) == NULL)
		return -EINVAL;
	if (!ipc_perm_ok(p, &q->o, S_IRUGO))
		return -EACCES;
	q->o.refs++;
	for (;;) {
		if ((mp = msg_find(q, type, flg)) != NULL) {
			if ((*mp)->len > sz && !(flg & MSG_NOERROR)) {
				rc = -E2BIG;
				break;
			}
			m = *mp;
			*mp = m->next;
			if (q->tail == &m->next)
				q->tail = mp;
			q->qnum--;
			q->cbytes -= m->len;
			msg_count--;
			msg_bytes -= m->len;
			q->lrpid = p->tg->tgid;
			q->rtime = time(NULL);
			waitq_wakeup(&q->wq);
			/* As Linux's: the message is gone even when the
			 * guest's buffer is bad. */
			n = m->len < sz ? m->len : sz;
			if (copyout(p, umsg, &m->type, sizeof(long)) != 0 ||
			    copyout(p, umsg + sizeof(long), m->text, n) != 0)
				rc = -EFAULT;
			else
				rc = (long)n;
			kmsg_free(m);
			break;
		}
		if ((rc = q_wait(p, q, flg, -ENOMSG)) != 0)
			break;
	}
	q_unref(q);
	return rc;
}

struct msqid64_g {
	struct ipc64_perm_g perm;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int32_t lspid, lrpid;
	uint64_t unused4, unused5;
};

static long
msg_stat(struct proc *p, struct msgq *q, uint64_t ubuf)
{
	struct msqid64_g g;

	memset(&g, 0, sizeof(g));
	ipc_perm_out(&q->o, &g.perm);
	g.stime = q->stime;
	g.rtime = q->rtime;
	g.ctime = q->o.ctime;
	g.cbytes = q->cbytes;
	g.qnum = q->qnum;
	g.qbytes = q->qbytes;
	g.lspid = q->lspid;
	g.lrpid = q->lrpid;
	return copyout(p, ubuf, &g, sizeof(g)) != 0 ? -EFAULT : 0;
}

long
ipc_msgctl(struct proc *p, int id, int cmd, uint64_t ubuf)
{
	struct msqid64_g g;
	struct msginfo mi;
	struct msgq *q;
	int err, max;
	long v;

	cmd = IPC_CMD(cmd);
	if (id < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO:
		memset(&mi, 0, sizeof(mi));
		mi.msgmni = IPC_MSGMNI;
		mi.msgmax = IPC_MSGMAX;
		mi.msgmnb = IPC_MSGMNB;
		mi.msgssz = 16;
		mi.msgseg = 0xffff;
		if (cmd == MSG_INFO) {
			mi.msgpool = ipc_count(IPC_MSG_K);
			mi.msgmap = (int)msg_count;
			mi.msgtql = (int)msg_bytes;
		} else {
			mi.msgpool = (IPC_MSGMNI * IPC_MSGMNB) / 1024;
			mi.msgmap = IPC_MSGMNB;
			mi.msgtql = IPC_MSGMNB;
		}
		if (copyout(p, ubuf, &mi, sizeof(mi)) != 0)
			return -EFAULT;
		max = ipc_maxidx(IPC_MSG_K);
		return max < 0 ? 0 : max;
	case MSG_STAT:
	case MSG_STAT_ANY:
		if ((q = (struct msgq *)ipc_stat_index(p, IPC_MSG_K, id,
		    cmd == MSG_STAT_ANY, &err)) == NULL)
			return err;
		v = msg_stat(p, q, ubuf);
		return v < 0 ? v : q->o.id;
	case IPC_STAT:
	case IPC_SET:
	case IPC_RMID:
		break;
	default:
		return -EINVAL;
	}
	if (cmd == IPC_SET && copyin(p, &g, ubuf, sizeof(g)) != 0)
		return -EFAULT;
	if ((q = (struct msgq *)ipc_lookup(IPC_MSG_K, id)) == NULL)
		return -EINVAL;
	if ((err = ipc_ctl_perm(p, &q->o, cmd)) != 0)
		return err;
	switch (cmd) {
	case IPC_STAT:
		return msg_stat(p, q, ubuf);
	case IPC_SET:
		if (g.qbytes > IPC_MSGMNB &&
		    !cred_capable(&p->cred, 24 /* CAP_SYS_RESOURCE */))
			return -EPERM;
		ipc_set(&q->o, g.perm.uid, g.perm.gid, g.perm.mode);
		q->qbytes = g.qbytes;
		waitq_wakeup(&q->wq); /* senders may fit now */
		return 0;
	}
	q_remove(&q->o);
	return 0;
}

void
ipc_msg_info(const struct ipc_obj *o, struct ipc_msg_stat *st)
{
	const struct msgq *q = (const struct msgq *)o;

	st->cbytes = q->cbytes;
	st->qnum = q->qnum;
	st->lspid = q->lspid;
	st->lrpid = q->lrpid;
	st->stime = q->stime;
	st->rtime = q->rtime;
}

void
ipc_msg_fini(void)
{
	ipc_each(IPC_MSG_K, q_remove);
}
