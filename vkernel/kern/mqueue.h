/* mqueue.h: POSIX message queues, named in the vkernel's own table and opened as guest files (mqueue.c). */
#ifndef VKERNEL_MQUEUE_H
#define VKERNEL_MQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct proc;
struct file;

/*
 * Queues are the vkernel's own, never the host's /dev/mqueue: no other
 * vkernel and no host process sees them.  Every function is called with
 * the big lock held; errors are -errno, as Linux's.
 *
 * The limits /proc/sys/fs/mqueue shows (Linux's defaults): a queue's
 * maxmsg and msgsize past msg_max and msgsize_max are EINVAL but with
 * CAP_SYS_RESOURCE, which may go to the hard limits; past queues_max
 * queues, ENOSPC for everyone (Linux lets CAP_SYS_RESOURCE past it: here
 * it is the vkernel's bound); what a user's queues may hold is bounded by
 * its RLIMIT_MSGQUEUE (EMFILE).
 */
#define MQ_QUEUES_MAX      256
#define MQ_MSG_MAX         10
#define MQ_MSGSIZE_MAX     8192
#define MQ_MSG_HARDMAX     65536
#define MQ_MSGSIZE_HARDMAX (16 << 20)

/* The guest's struct mq_attr. */
struct mq_attr_g {
	long flags, maxmsg, msgsize, curmsgs, pad[4];
};

/* mqueue_open: name as the kernel gets it (no leading '/'), oflag and
 *   mode as mq_open's, attr (NULL: the defaults) only with O_CREAT: 0 and
 *   *fp, a new open file of the queue (one reference).
 * mqueue_unlink: the name goes; the queue goes with its last file.
 * mqueue_is: f is a queue's file.
 * mqueue_send: one message of len bytes at umsg (copied in before any
 *   wait); mqueue_receive: the oldest of the highest priority into ubuf
 *   (len at least msgsize), its length, its priority in *prio.  Both wait
 *   unless the file is O_NONBLOCK (-EAGAIN) until the deadline
 *   (CLOCK_MONOTONIC; NULL none: -ETIMEDOUT) or a signal (-ERESTARTSYS);
 *   the caller holds f across the call.
 * mqueue_getsetattr: the attributes in *old, then O_NONBLOCK from *nw
 *   (NULL: unchanged).
 * mqueue_notify: remove takes p's process's registration away; else
 *   SIGEV_SIGNAL (signo) or SIGEV_NONE for p's process: -EBUSY when
 *   another process has one, -EINVAL for SIGEV_THREAD (which wants a
 *   netlink socket) and others.
 * mqueue_fini: at the vkernel's end, every name and so every queue. */
int mqueue_open(struct proc *p, const char *name, int oflag, mode_t mode,
    const struct mq_attr_g *attr, struct file **fp);
int mqueue_unlink(struct proc *p, const char *name);
bool mqueue_is(const struct file *f);
long mqueue_send(struct proc *p, struct file *f, uint64_t umsg, size_t len,
    unsigned prio, const struct timespec *deadline);
long mqueue_receive(struct proc *p, struct file *f, uint64_t ubuf, size_t len,
    unsigned *prio, const struct timespec *deadline);
void mqueue_getsetattr(struct file *f, const struct mq_attr_g *nw,
    struct mq_attr_g *old);
int mqueue_notify(struct proc *p, struct file *f, bool remove, int notify,
    int signo, uint64_t value);
void mqueue_fini(void);

#endif /* VKERNEL_MQUEUE_H */
