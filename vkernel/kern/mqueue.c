/* mqueue.c: POSIX message queues (Linux's ipc/mqueue.c), named in the vkernel's own table and opened as guest files. */

/*
 * A queue is a name (in one list, at most MQ_QUEUES_MAX), its attributes
 * and owner, and its messages, each one allocation charged to the
 * kernel memory budget, kept by priority (highest first, FIFO within
 * one).  Each open of it is a struct file of kind "mqueue" whose data is
 * the queue; the queue is reference-counted by its name and its files,
 * and every sender or receiver that sleeps holds its file, so the queue
 * outlives the sleep.  mq_unlink takes the name away; the last file
 * frees the queue.  A change wakes the queue's wait queue and vk_pollq;
 * the file polls POLLIN with a message, POLLOUT with room.  The bytes a
 * queue may hold (maxmsg x msgsize, and a header per message) count
 * against its creator's RLIMIT_MSGQUEUE over the queues alive, as on
 * Linux (EMFILE past it).
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <linux/capability.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "mqueue.h"

#define MQ_PRIO_MAX_ 32768
#define MQ_MSG_COST  64              /* Linux's msg_msg and tree node */

struct mq_msg {
	struct mq_msg *next;
	unsigned prio;
	size_t len;
	char text[];
};

struct mqueue {
	struct mqueue *next;         /* the named queues */
	char name[NAME_MAX + 1];
	bool named;                  /* not unlinked yet */
	int refs;                    /* the name's and each file's */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	long maxmsg, msgsize, curmsgs;
	size_t bytes;                /* what RLIMIT_MSGQUEUE counts */
	struct mq_msg *head;         /* highest priority first */
	struct waitq wq;
	uint64_t sseq, rseq;         /* sends and receives (poll_seq) */
	pid_t notify_pid;            /* 0: no registration */
	int notify, signo;
	uint64_t value;
	uid_t notify_uid;
};

static struct mqueue *queues;        /* alive: named, or still open */
static int nqueues;

static void
mq_unref(struct mqueue *q)
{
	struct mqueue **qp;
	struct mq_msg *m;

	if (--q->refs > 0)
		return;
	for (qp = &queues; *qp != NULL; qp = &(*qp)->next)
		if (*qp == q) {
			*qp = q->next;
			break;
		}
	nqueues--;
	while ((m = q->head) != NULL) {
		q->head = m->next;
		kmem_free(m, sizeof(*m) + m->len);
	}
	kmem_free(q, sizeof(*q));
}

static void
mq_changed(struct mqueue *q)
{
	waitq_wakeup(&q->wq);
	waitq_wakeup(&vk_pollq);
}

static int
mq_poll(struct file *f)
{
	struct mqueue *q = f->data;
	int ev = 0;

	if (q->curmsgs > 0)
		ev |= POLLIN | POLLRDNORM;
	if (q->curmsgs < q->maxmsg)
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

static uint64_t
mq_seq(struct file *f, uint32_t events)
{
	struct mqueue *q = f->data;

	return ((events & (POLLIN | POLLRDNORM)) ? q->sseq : 0) +
	    ((events & (POLLOUT | POLLWRNORM)) ? q->rseq : 0);
}

static void
mq_close(struct file *f)
{
	mq_unref(f->data);
}

static const struct fileops mqueue_ops = {
	.kind = "mqueue",
	.poll = mq_poll,
	.stat = file_anon_stat,
	.close = mq_close,
	.poll_seq = mq_seq,
};

bool
mqueue_is(const struct file *f)
{
	return f->ops == &mqueue_ops;
}

static struct mqueue *
mq_lookup(const char *name)
{
	struct mqueue *q;

	for (q = queues; q != NULL; q = q->next)
		if (q->named && strcmp(q->name, name) == 0)
			return q;
	return NULL;
}

/* A name as Linux's mqueue file system takes it. */
static int
mq_name_ok(const char *name)
{
	if (name[0] == '\0')
		return -ENOENT;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -EACCES;
	return 0;
}

/* The access mode's rights to q, as Linux's inode permission. */
static bool
mq_access(struct proc *p, const struct mqueue *q, int acc)
{
	const struct cred *c = &p->cred;
	int want = acc == O_RDONLY ? 4 : acc == O_WRONLY ? 2 : 6;
	int have = (int)q->mode;

	if (cred_capable(c, CAP_DAC_OVERRIDE))
		return true;
	if (c->fsuid == q->uid)
		have >>= 6;
	else if (c->fsgid == q->gid)
		have >>= 3;
	return (want & ~have & 7) == 0;
}

/* What the queues of uid alive may hold (RLIMIT_MSGQUEUE). */
static size_t
mq_user_bytes(uid_t uid)
{
	const struct mqueue *q;
	size_t n = 0;

	for (q = queues; q != NULL; q = q->next)
		if (q->uid == uid)
			n += q->bytes;
	return n;
}

static int
mq_create(struct proc *p, const char *name, mode_t mode,
    const struct mq_attr_g *attr, struct mqueue **qp)
{
	bool cap = cred_capable(&p->cred, CAP_SYS_RESOURCE);
	long maxmsg = MQ_MSG_MAX, msgsize = MQ_MSGSIZE_MAX;
	struct mqueue *q;
	size_t bytes;

	if (attr != NULL) {
		maxmsg = attr->maxmsg;
		msgsize = attr->msgsize;
		if (maxmsg <= 0 || msgsize <= 0)
			return -EINVAL;
		if (maxmsg > (cap ? MQ_MSG_HARDMAX : MQ_MSG_MAX) ||
		    msgsize > (cap ? MQ_MSGSIZE_HARDMAX : MQ_MSGSIZE_MAX))
			return -EINVAL;
	}
	bytes = (size_t)maxmsg * (MQ_MSG_COST + (size_t)msgsize);
	if (mq_user_bytes(p->cred.euid) + bytes >
	    p->tg->rlim[RLIMIT_MSGQUEUE].rlim_cur)
		return -EMFILE;
	if (nqueues >= MQ_QUEUES_MAX)
		return -ENOSPC;
	if ((q = kmem_alloc(sizeof(*q))) == NULL)
		return -ENOMEM;
	strcpy(q->name, name);
	q->named = true;
	q->refs = 1;
	q->uid = p->cred.euid;
	q->gid = p->cred.egid;
	q->mode = mode & ~p->tg->umask & 0777;
	q->maxmsg = maxmsg;
	q->msgsize = msgsize;
	q->bytes = bytes;
	q->next = queues;
	queues = q;
	nqueues++;
	*qp = q;
	return 0;
}

int
mqueue_open(struct proc *p, const char *name, int oflag, mode_t mode,
    const struct mq_attr_g *attr, struct file **fp)
{
	struct mqueue *q;
	int acc = oflag & O_ACCMODE, err;
	bool made = false;

	if ((err = mq_name_ok(name)) != 0)
		return err;
	if (acc == O_ACCMODE)
		return -EINVAL;
	if ((q = mq_lookup(name)) != NULL) {
		if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			return -EEXIST;
		if (!mq_access(p, q, acc))
			return -EACCES;
	} else {
		if (!(oflag & O_CREAT))
			return -ENOENT;
		if ((err = mq_create(p, name, mode, attr, &q)) != 0)
			return err;
		made = true;
	}
	if ((*fp = file_new(&mqueue_ops, acc | (oflag & O_NONBLOCK), q)) ==
	    NULL) {
		err = -errno;
		if (made)
			(void)mqueue_unlink(p, name);
		return err;
	}
	q->refs++;
	return 0;
}

int
mqueue_unlink(struct proc *p, const char *name)
{
	struct mqueue *q;
	int err;

	if ((err = mq_name_ok(name)) != 0)
		return err;
	if ((q = mq_lookup(name)) == NULL)
		return -ENOENT;
	/* The directory is sticky and everyone's: the owner, or
	 * CAP_FOWNER. */
	if (p->cred.fsuid != q->uid && !cred_capable(&p->cred, CAP_FOWNER))
		return -EACCES;
	q->named = false;
	q->name[0] = '\0';
	mq_unref(q);
	return 0;
}

/* A message has come to an empty queue: the registered process gets
 * its signal (and the registration goes), unless a receiver waits. */
static void
mq_notify_send(struct proc *p, struct mqueue *q)
{
	struct proc *t;
	siginfo_t si;

	if (q->notify_pid == 0 || q->wq.head != NULL)
		return;
	if (q->notify == SIGEV_SIGNAL && q->signo != 0 &&
	    (t = proc_find(q->notify_pid)) != NULL && !t->torn_down) {
		memset(&si, 0, sizeof(si));
		si.si_signo = q->signo;
		si.si_code = SI_MESGQ;
		si.si_pid = p->tg->tgid;
		si.si_uid = p->cred.ruid;
		si.si_value.sival_ptr = (void *)(uintptr_t)q->value;
		sig_post(t, q->signo, &si);
	}
	q->notify_pid = 0;
}

/* One wait of a sender or receiver (holding f): 0 (look again),
 * -EAGAIN for a non-blocking file, -ETIMEDOUT, -ERESTARTSYS. */
static int
mq_wait(struct proc *p, struct file *f, const struct timespec *deadline)
{
	struct mqueue *q = f->data;
	int r;

	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	r = proc_sleep(p, &q->wq, NULL, 0, deadline);
	return r == -ETIMEDOUT || r == -ERESTARTSYS ? r : 0;
}

long
mqueue_send(struct proc *p, struct file *f, uint64_t umsg, size_t len,
    unsigned prio, const struct timespec *deadline)
{
	struct mqueue *q = f->data;
	struct mq_msg *m, **mp;
	int r;

	if (!file_writable(f))
		return -EBADF;
	if (prio >= MQ_PRIO_MAX_)
		return -EINVAL;
	if (len > (size_t)q->msgsize)
		return -EMSGSIZE;
	/* Copied in before the wait, as Linux's load_msg. */
	if ((m = kmem_alloc(sizeof(*m) + len)) == NULL)
		return -ENOMEM;
	m->prio = prio;
	m->len = len;
	if (copyin(p, m->text, umsg, len) != 0) {
		kmem_free(m, sizeof(*m) + len);
		return -EFAULT;
	}
	while (q->curmsgs >= q->maxmsg)
		if ((r = mq_wait(p, f, deadline)) != 0) {
			kmem_free(m, sizeof(*m) + len);
			return r;
		}
	for (mp = &q->head; *mp != NULL && (*mp)->prio >= prio;
	    mp = &(*mp)->next)
		;
	m->next = *mp;
	*mp = m;
	if (q->curmsgs++ == 0)
		mq_notify_send(p, q);
	q->sseq++;
	mq_changed(q);
	return 0;
}

long
mqueue_receive(struct proc *p, struct file *f, uint64_t ubuf, size_t len,
    unsigned *prio, const struct timespec *deadline)
{
	struct mqueue *q = f->data;
	struct mq_msg *m;
	long n;
	int r;

	if (!file_readable(f))
		return -EBADF;
	if (len < (size_t)q->msgsize)
		return -EMSGSIZE;
	while (q->head == NULL)
		if ((r = mq_wait(p, f, deadline)) != 0)
			return r;
	m = q->head;
	q->head = m->next;
	q->curmsgs--;
	/* As Linux's: the message is gone even when the buffer is bad. */
	n = copyout(p, ubuf, m->text, m->len) != 0 ? -EFAULT : (long)m->len;
	*prio = m->prio;
	kmem_free(m, sizeof(*m) + m->len);
	q->rseq++;
	mq_changed(q);
	return n;
}

void
mqueue_getsetattr(struct file *f, const struct mq_attr_g *nw,
    struct mq_attr_g *old)
{
	struct mqueue *q = f->data;

	memset(old, 0, sizeof(*old));
	old->flags = f->flags & O_NONBLOCK;
	old->maxmsg = q->maxmsg;
	old->msgsize = q->msgsize;
	old->curmsgs = q->curmsgs;
	if (nw != NULL)
		f->flags = (f->flags & ~O_NONBLOCK) | (nw->flags & O_NONBLOCK);
}

int
mqueue_notify(struct proc *p, struct file *f, bool remove, int notify,
    int signo, uint64_t value)
{
	struct mqueue *q = f->data;
	pid_t me = p->tg->tgid;
	struct proc *t;

	/* A registration whose process is gone is no one's. */
	if (q->notify_pid != 0 && ((t = proc_find(q->notify_pid)) == NULL ||
	    t->tg->tgid != q->notify_pid || t->zombie))
		q->notify_pid = 0;
	if (remove) {
		if (q->notify_pid == me)
			q->notify_pid = 0;
		return 0;
	}
	if (notify != SIGEV_SIGNAL && notify != SIGEV_NONE)
		return -EINVAL; /* SIGEV_THREAD wants a netlink socket */
	if (notify == SIGEV_SIGNAL && (signo < 0 || signo > VK_NSIG))
		return -EINVAL;
	if (q->notify_pid != 0)
		return -EBUSY;
	q->notify_pid = me;
	q->notify = notify;
	q->signo = signo;
	q->value = value;
	return 0;
}

/* At the vkernel's end the names go, and with them the queues (one
 * whose file is still in flight in a socket goes with that file, at
 * uipc_fini). */
void
mqueue_fini(void)
{
	struct mqueue *q;

again:
	for (q = queues; q != NULL; q = q->next)
		if (q->named) {
			q->named = false;
			mq_unref(q);
			goto again; /* the list may have changed */
		}
}
