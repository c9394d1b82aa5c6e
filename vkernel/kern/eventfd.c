/* eventfd.c: eventfd counters and timerfd timers, as kinds of struct file (Linux's eventfd.c and timerfd.c). */

/*
 * Both are a few words charged to the kernel memory budget with their
 * file, a wait queue for blocked readers (and an eventfd's writers), and
 * a change count for edge-triggered epoll.  A timerfd's time is the
 * vkernel's CLOCK_MONOTONIC: arming it turns the guest's time on its clock
 * into a monotonic expiry once (as sig_wait does per round), and
 * expirations are counted when someone looks (a read, a poll), never by
 * a host timer: a blocked read sleeps in proc_sleep with the expiry as
 * its deadline, and poll, select and epoll take the expiry from poll_time
 * as theirs.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "event.h"

#define EFD_MAX UINT64_C(0xfffffffffffffffe) /* the largest count */

struct eventfd {
	uint64_t count;
	bool sem;             /* EFD_SEMAPHORE: a read takes 1 */
	struct waitq wq;      /* blocked readers and writers */
	uint64_t rseq, wseq;  /* reads and writes so far (poll_seq) */
};

static void
efd_changed(struct eventfd *e)
{
	waitq_wakeup(&e->wq);
	waitq_wakeup(&vk_pollq);
}

/* 8 bytes: the count (or 1 with EFD_SEMAPHORE), which goes down by as
 * much; waits while it is 0. */
static long
efd_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct eventfd *e = f->data;
	uint64_t v;
	int r;

	if (n < sizeof(v))
		return -EINVAL;
	while (e->count == 0) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if ((r = proc_sleep(p, &e->wq, NULL, 0, NULL)) < 0)
			return r;
	}
	v = e->sem ? 1 : e->count;
	e->count -= v;
	memcpy(buf, &v, sizeof(v));
	e->rseq++;
	efd_changed(e);
	return sizeof(v);
}

/* 8 bytes added to the count; waits while the sum would pass EFD_MAX. */
static long
efd_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	struct eventfd *e = f->data;
	uint64_t v;
	int r;

	if (n < sizeof(v))
		return -EINVAL;
	memcpy(&v, buf, sizeof(v));
	if (v == UINT64_MAX)
		return -EINVAL;
	while (EFD_MAX - e->count < v) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if ((r = proc_sleep(p, &e->wq, NULL, 0, NULL)) < 0)
			return r;
	}
	if (v == 0)
		return sizeof(v);
	e->count += v;
	e->wseq++;
	efd_changed(e);
	return sizeof(v);
}

static int
efd_poll(struct file *f)
{
	struct eventfd *e = f->data;
	int ev = 0;

	if (e->count > 0)
		ev |= POLLIN | POLLRDNORM;
	if (e->count < EFD_MAX)
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

/* Readers wait for writes, writers for reads. */
static uint64_t
efd_seq(struct file *f, uint32_t events)
{
	struct eventfd *e = f->data;

	return ((events & (POLLIN | POLLRDNORM)) ? e->wseq : 0) +
	    ((events & (POLLOUT | POLLWRNORM)) ? e->rseq : 0);
}

/* No one sleeps on it: a sleeper holds the file. */
static void
efd_close(struct file *f)
{
	kmem_free(f->data, sizeof(struct eventfd));
}

static const struct fileops eventfd_ops = {
	.kind = "eventfd",
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.stat = file_anon_stat,
	.close = efd_close,
	.poll_seq = efd_seq,
};

int
eventfd_new(uint64_t initval, int flags, struct file **fp)
{
	struct eventfd *e;
	int err;

	if ((e = kmem_alloc(sizeof(*e))) == NULL)
		return -ENOMEM;
	e->count = initval;
	e->sem = (flags & EFD_SEMAPHORE) != 0;
	if ((*fp = file_new(&eventfd_ops, O_RDWR | (flags & O_NONBLOCK),
	    e)) == NULL) {
		err = errno;
		kmem_free(e, sizeof(*e));
		return -err;
	}
	return 0;
}

/* ---- timerfd ---- */

struct timerfd {
	int clock;            /* what gettime and absolute times are on */
	uint64_t next;        /* the next expiry, CLOCK_MONOTONIC ns; 0 off */
	uint64_t interval;    /* ns, 0 one-shot */
	uint64_t ticks;       /* expirations not read yet */
	struct waitq wq;      /* blocked readers */
	uint64_t seq;         /* expiries and settings so far (poll_seq) */
};

#define NS 1000000000ULL

static void
tfd_changed(struct timerfd *t)
{
	t->seq++;
	waitq_wakeup(&t->wq);
	waitq_wakeup(&vk_pollq);
}

/* Counts the expirations up to now, moving next past them. */
static void
tfd_update(struct timerfd *t)
{
	uint64_t now, n;

	if (t->next == 0 || (now = mono_ns()) < t->next)
		return;
	n = 1;
	if (t->interval != 0) {
		n += (now - t->next) / t->interval;
		t->next += n * t->interval;
	} else {
		t->next = 0;
	}
	t->ticks += n;
	t->seq++;
}

/* 8 bytes: the expirations since the last read (or setting); waits
 * until the next one while there were none. */
static long
tfd_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct timerfd *t = f->data;
	struct timespec dl;
	int r;

	if (n < sizeof(t->ticks))
		return -EINVAL;
	for (;;) {
		tfd_update(t);
		if (t->ticks != 0)
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		dl.tv_sec = (time_t)(t->next / NS);
		dl.tv_nsec = (long)(t->next % NS);
		r = proc_sleep(p, &t->wq, NULL, 0, t->next != 0 ? &dl : NULL);
		if (r < 0 && r != -ETIMEDOUT)
			return r;
	}
	memcpy(buf, &t->ticks, sizeof(t->ticks));
	t->ticks = 0;
	return sizeof(t->ticks);
}

static int
tfd_poll(struct file *f)
{
	struct timerfd *t = f->data;

	tfd_update(t);
	return t->ticks != 0 ? POLLIN | POLLRDNORM : 0;
}

static uint64_t
tfd_time(struct file *f)
{
	struct timerfd *t = f->data;

	return t->ticks != 0 ? 0 : t->next;
}

static uint64_t
tfd_seq(struct file *f, uint32_t events)
{
	(void)events;
	return ((struct timerfd *)f->data)->seq;
}

static void
tfd_close(struct file *f)
{
	kmem_free(f->data, sizeof(struct timerfd));
}

static const struct fileops timerfd_ops = {
	.kind = "timerfd",
	.read = tfd_read,
	.poll = tfd_poll,
	.stat = file_anon_stat,
	.close = tfd_close,
	.poll_time = tfd_time,
	.poll_seq = tfd_seq,
};

int
timerfd_new(int clock, int flags, struct file **fp)
{
	struct timerfd *t;
	int err;

	if ((t = kmem_alloc(sizeof(*t))) == NULL)
		return -ENOMEM;
	t->clock = clock;
	if ((*fp = file_new(&timerfd_ops, O_RDWR | (flags & O_NONBLOCK),
	    t)) == NULL) {
		err = errno;
		kmem_free(t, sizeof(*t));
		return -err;
	}
	return 0;
}

static bool
ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long)NS;
}

/* A timespec in ns, saturating. */
static uint64_t
ts_to_ns(const struct timespec *ts)
{
	if ((uint64_t)ts->tv_sec >= UINT64_MAX / NS / 2)
		return UINT64_MAX / 2;
	return (uint64_t)ts->tv_sec * NS + (uint64_t)ts->tv_nsec;
}

static struct timespec
ns_to_ts(uint64_t ns)
{
	return (struct timespec){ (time_t)(ns / NS), (long)(ns % NS) };
}

int
timerfd_get(struct file *f, struct itimerspec *cur)
{
	struct timerfd *t = f->data;
	uint64_t now;

	if (f->ops != &timerfd_ops)
		return -EINVAL;
	tfd_update(t);
	now = mono_ns();
	cur->it_interval = ns_to_ts(t->interval);
	cur->it_value = ns_to_ts(t->next == 0 ? 0 :
	    t->next > now ? t->next - now : 1);
	return 0;
}

int
timerfd_set(struct file *f, int flags, const struct itimerspec *nv,
    struct itimerspec *old)
{
	struct timerfd *t = f->data;
	struct timespec cnow;
	uint64_t now, v, c;

	if (f->ops != &timerfd_ops)
		return -EINVAL;
	if (!ts_valid(&nv->it_value) || !ts_valid(&nv->it_interval))
		return -EINVAL;
	timerfd_get(f, old);
	now = mono_ns();
	v = ts_to_ns(&nv->it_value);
	t->ticks = 0;
	t->interval = v != 0 ? ts_to_ns(&nv->it_interval) : 0;
	if (v == 0) {
		t->next = 0;
	} else if (flags & TFD_TIMER_ABSTIME) {
		/* The clock's time now, once: a change of the host's clock
		 * later is not followed.  A time passed expires now, with
		 * the periods missed since counted. */
		clock_gettime(t->clock, &cnow);
		c = ts_to_ns(&cnow);
		if (v > c)
			t->next = now + (v - c);
		else
			t->next = now - (c - v < now - 1 ? c - v : now - 1);
	} else {
		t->next = now + v;
	}
	tfd_changed(t);
	return 0;
}
