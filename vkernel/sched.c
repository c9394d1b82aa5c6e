/* sched.c: the task model's waits: the big lock, wait queues, and how a guest task sleeps. */

/*
 * Each guest task will run on a host thread of its own (today there is one
 * task, on the main thread).  Kernel state is guarded by one big lock,
 * vk_biglock: a task holds it while in the vkernel and drops it only to
 * sleep here (and, once there are several tasks, to run guest code).
 * Sleeping is a host poll(2) on the task's eventfd plus any host
 * descriptors the wait depends on, so a wakeup from another task, a
 * signal for this one and a host stream becoming ready all end the same
 * sleep, and nothing spins.
 */

#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "vkernel.h"

pthread_mutex_t vk_biglock = PTHREAD_MUTEX_INITIALIZER;
struct waitq vk_pollq;

int
proc_wait_init(struct proc *p)
{
	p->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return p->wakefd < 0 ? -errno : 0;
}

void
proc_wait_fini(struct proc *p)
{
	if (p->wakefd >= 0)
		close(p->wakefd);
	p->wakefd = -1;
}

void
proc_wake(struct proc *p)
{
	uint64_t one = 1;

	if (p->wakefd >= 0 && write(p->wakefd, &one, sizeof(one)) < 0) {
		/* The counter is full: a wakeup is pending anyway. */
	}
}

void
waitq_wakeup(struct waitq *wq)
{
	struct proc *p;

	for (p = wq->head; p != NULL; p = p->wq_next)
		proc_wake(p);
}

static void
waitq_add(struct waitq *wq, struct proc *p)
{
	p->wq_next = wq->head;
	wq->head = p;
}

static void
waitq_remove(struct waitq *wq, struct proc *p)
{
	struct proc **pp;

	for (pp = &wq->head; *pp != NULL; pp = &(*pp)->wq_next)
		if (*pp == p) {
			*pp = p->wq_next;
			break;
		}
	p->wq_next = NULL;
}

int
ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

struct timespec
ts_sub(const struct timespec *a, const struct timespec *b)
{
	struct timespec r = { a->tv_sec - b->tv_sec, a->tv_nsec - b->tv_nsec };

	if (r.tv_nsec < 0) {
		r.tv_sec--;
		r.tv_nsec += 1000000000L;
	}
	return r;
}

void
deadline_left(const struct timespec *deadline, struct timespec *left)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	*left = ts_cmp(deadline, &now) > 0 ? ts_sub(deadline, &now) :
	    (struct timespec){ 0, 0 };
}

/* Milliseconds from now until deadline (rounded up), or -1 for none. */
static int
ms_until(const struct timespec *deadline)
{
	struct timespec left;

	if (deadline == NULL)
		return -1;
	deadline_left(deadline, &left);
	if (left.tv_sec >= INT32_MAX / 1000 - 1)
		return INT32_MAX;
	return (int)(left.tv_sec * 1000 + (left.tv_nsec + 999999) / 1000000);
}

int
proc_sleep(struct proc *p, struct waitq *wq, struct pollfd *hostfds,
    int nhost, const struct timespec *deadline)
{
	struct pollfd pfd[1 + VK_SLEEP_MAXHOST];
	struct timespec tmo;
	uint64_t count;
	int i, n, ms;

	if (nhost > VK_SLEEP_MAXHOST)
		return -EINVAL;
	if (proc_signal_pending(p))
		return -ERESTARTSYS;
	if ((ms = ms_until(deadline)) == 0)
		return -ETIMEDOUT;
	pfd[0] = (struct pollfd){ .fd = p->wakefd, .events = POLLIN };
	for (i = 0; i < nhost; i++)
		pfd[1 + i] = hostfds[i];
	if (wq != NULL)
		waitq_add(wq, p);
	pthread_mutex_unlock(&vk_biglock);
	/* KS_WAKE_SIGNAL (the guest's timer) is open only here. */
	if (ms >= 0) {
		tmo.tv_sec = ms / 1000;
		tmo.tv_nsec = (long)(ms % 1000) * 1000000;
	}
	n = ppoll(pfd, 1 + nhost, ms >= 0 ? &tmo : NULL, sig_waitmask());
	pthread_mutex_lock(&vk_biglock);
	if (wq != NULL)
		waitq_remove(wq, p);
	if (read(p->wakefd, &count, sizeof(count)) < 0) {
		/* Nothing pending: woken by a host descriptor or the clock. */
	}
	for (i = 0; i < nhost; i++)
		hostfds[i].revents = pfd[1 + i].revents;
	if (proc_signal_pending(p))
		return -ERESTARTSYS;
	if (n == 0 && ms_until(deadline) == 0)
		return -ETIMEDOUT;
	return 0;
}

void
deadline_after(struct timespec *deadline, const struct timespec *rel)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += rel->tv_sec;
	deadline->tv_nsec += rel->tv_nsec;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
}
