/* sys_futex.c: futex(2) and futex_waitv(2): the operations decoded, their timeouts, and the word checks before a wait (kern/futex.c keeps the queues). */

/*
 * Every operation Linux has but the requeue-PI pair (WAIT_REQUEUE_PI,
 * CMP_REQUEUE_PI: ENOSYS, which glibc's condition variables stopped using
 * in 2.25): WAIT and WAKE with their bitset forms, REQUEUE, CMP_REQUEUE,
 * WAKE_OP, LOCK_PI, LOCK_PI2, UNLOCK_PI, TRYLOCK_PI, each with its
 * _PRIVATE form, and futex_waitv.  A word the guest cannot read is EFAULT.
 */

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "sys.h"
#include "futex.h"

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif
#ifndef FUTEX_32
#define FUTEX_32 2
#endif
#ifndef FUTEX_WAITV_MAX
#define FUTEX_WAITV_MAX 128
struct futex_waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t __reserved;
};
#endif

/* A timespec from the guest: 0, -EFAULT or -EINVAL. */
static int
timeout_in(struct proc *p, gva_t uts, struct timespec *ts)
{
	if (copyin(p, ts, uts, sizeof(*ts)) != 0)
		return -EFAULT;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
		return -EINVAL;
	return 0;
}

/* The monotonic deadline for an absolute time on clk. */
static void
deadline_at(struct timespec *deadline, clockid_t clk, const struct timespec *at)
{
	struct timespec now, rel;

	clock_gettime(clk, &now);
	rel = ts_cmp(at, &now) > 0 ? ts_sub(at, &now) :
	    (struct timespec){ 0, 0 };
	deadline_after(deadline, &rel);
}

/* WAIT and WAIT_BITSET: sleeps if the word still holds val. */
static long
futex_wait_op(struct proc *p, gva_t uaddr, bool private, uint32_t val,
    const struct timespec *deadline, uint32_t bitset)
{
	struct futex_waiter w = { .bitset = bitset };
	uint32_t cur;
	int r;

	if (bitset == 0)
		return -EINVAL;
	if ((r = futex_key(p, uaddr, private, &w.key, &cur)) != 0)
		return r;
	if (cur != val)
		return -EAGAIN;
	r = futex_sleep(p, &w, 1, deadline);
	return r >= 0 ? 0 : r;
}

/* REQUEUE and CMP_REQUEUE (the latter only if *uaddr is still val3). */
static long
futex_requeue_op(struct proc *p, gva_t uaddr, gva_t uaddr2, bool private,
    int nwake, int nmove, bool cmp, uint32_t val3)
{
	struct futex_key k1, k2;
	uint32_t v1, v2;
	int r;

	if (nwake < 0 || nmove < 0)
		return -EINVAL;
	if ((r = futex_key(p, uaddr, private, &k1, &v1)) != 0 ||
	    (r = futex_key(p, uaddr2, private, &k2, &v2)) != 0)
		return r;
	if (cmp && v1 != val3)
		return -EAGAIN;
	return futex_requeue(&k1, &k2, nwake, nmove);
}

/* Whether thread tid is still there (a PI lock's owner). */
static bool
thread_alive(pid_t tid)
{
	struct proc *t = proc_find(tid);

	return t != NULL && !t->torn_down;
}

/* futex(uaddr, op, val, timeout or val2, uaddr2, val3). */
long
sys_futex(struct proc *p, const uint64_t *a)
{
	int op = (int)a[1], cmd = op & FUTEX_CMD_MASK;
	bool private = (op & FUTEX_PRIVATE_FLAG) != 0;
	bool realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
	struct timespec ts, deadline, *dl = NULL;
	uint32_t bitset = FUTEX_BITSET_MATCH_ANY;
	struct futex_key k;
	uint32_t v;
	int r;

	/* FUTEX_CLOCK_REALTIME only where a timeout is absolute. */
	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT_BITSET:
		bitset = (uint32_t)a[5];
		/* FALLTHROUGH */
	case FUTEX_WAIT:
		if (a[3] != 0) {
			if ((r = timeout_in(p, a[3], &ts)) != 0)
				return r;
			if (cmd == FUTEX_WAIT)   /* relative */
				deadline_after(&deadline, &ts);
			else                     /* absolute */
				deadline_at(&deadline, realtime ?
				    CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
			dl = &deadline;
		}
		return futex_wait_op(p, a[0], private, (uint32_t)a[2], dl,
		    bitset);
	case FUTEX_WAKE_BITSET:
		bitset = (uint32_t)a[5];
		if (bitset == 0)
			return -EINVAL;
		/* FALLTHROUGH */
	case FUTEX_WAKE:
		if ((r = futex_key(p, a[0], private, &k, &v)) != 0)
			return r;
		return futex_wake(&k, (int)a[2], bitset);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		return futex_requeue_op(p, a[0], a[4], private, (int)a[2],
		    (int)a[3], cmd == FUTEX_CMP_REQUEUE, (uint32_t)a[5]);
	case FUTEX_WAKE_OP:
		return futex_wake_op(p, a[0], a[4], private, (int)a[2],
		    (int)a[3], (uint32_t)a[5]);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		/* An absolute deadline: CLOCK_REALTIME for LOCK_PI, the
		 * flag's clock for LOCK_PI2. */
		if (a[3] != 0) {
			if ((r = timeout_in(p, a[3], &ts)) != 0)
				return r;
			deadline_at(&deadline, cmd == FUTEX_LOCK_PI || realtime ?
			    CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
			dl = &deadline;
		}
		return futex_lock_pi(p, a[0], private, false, dl,
		    thread_alive);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(p, a[0], private, true, NULL,
		    thread_alive);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(p, a[0], private);
	default:
		return -ENOSYS;
	}
}

/* futex_waitv(waiters, nr, flags, timeout, clockid): waits on up to 128
 * words at once; the index of the one woken. */
long
sys_futex_waitv(struct proc *p, const uint64_t *a)
{
	struct futex_waitv wv[FUTEX_WAITV_MAX];
	struct futex_waiter w[FUTEX_WAITV_MAX];
	struct timespec ts, deadline, *dl = NULL;
	uint32_t nr = (uint32_t)a[1], i, cur;
	clockid_t clk = (clockid_t)a[4];
	int r;

	if (a[2] != 0 || nr == 0 || nr > FUTEX_WAITV_MAX)
		return -EINVAL;
	if (a[3] != 0) {
		if (clk != CLOCK_MONOTONIC && clk != CLOCK_REALTIME)
			return -EINVAL;
		if ((r = timeout_in(p, a[3], &ts)) != 0)
			return r;
		deadline_at(&deadline, clk, &ts);
		dl = &deadline;
	}
	if (copyin(p, wv, a[0], nr * sizeof(wv[0])) != 0)
		return -EFAULT;
	memset(w, 0, nr * sizeof(w[0]));
	for (i = 0; i < nr; i++) {
		if ((wv[i].flags & ~(uint32_t)(FUTEX_PRIVATE_FLAG | 3)) != 0 ||
		    (wv[i].flags & 3) != FUTEX_32 || wv[i].__reserved != 0)
			return -EINVAL;
		if (wv[i].uaddr & 3)
			return -EINVAL;
		if ((r = futex_key(p, wv[i].uaddr,
		    (wv[i].flags & FUTEX_PRIVATE_FLAG) != 0, &w[i].key,
		    &cur)) != 0)
			return r;
		if (cur != (uint32_t)wv[i].val)
			return -EAGAIN;
		w[i].bitset = FUTEX_BITSET_MATCH_ANY;
	}
	return futex_sleep(p, w, (int)nr, dl);
}
