/* sys_futex.c: futex(2) wait and wake, keyed by address space and address (private) or by guest-physical address (shared). */

/*
 * A waiter sleeps in proc_sleep until a wake for its key and bitset, a
 * signal, or its deadline.  A private futex (FUTEX_PRIVATE_FLAG) is keyed
 * by the address space and the user address; a shared one by the guest-
 * physical address of the word, so processes that share the page through
 * MAP_SHARED memory meet.  (Two processes that share a page only through
 * fork's copy-on-write also meet on a shared key: that can only cause
 * spurious wakeups, which futex callers must handle anyway.)  Requeue and
 * the priority-inheritance operations are ENOSYS until guest threads.
 */

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "sys.h"

struct futex_key {
	const void *space;   /* the vmspace (private), or NULL (shared) */
	uint64_t addr;       /* user address (private) or gpa (shared) */
};

struct futex_waiter {
	struct futex_key key;
	uint32_t bitset;
	struct proc *p;
	bool woken;
	struct futex_waiter *next;
};

static struct futex_waiter *waiters;

static bool
key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->addr == b->addr;
}

/* The key of the word at uaddr, whose value goes to *val: 0, -EINVAL
 * (misaligned) or -EFAULT. */
static int
futex_key(struct proc *p, gva_t uaddr, bool private, struct futex_key *k,
    uint32_t *val)
{
	gpa_t pa;
	int prot;

	if (uaddr & 3)
		return -EINVAL;
	if (copyin(p, val, uaddr, sizeof(*val)) != 0)
		return -EFAULT;
	if (private) {
		k->space = p->vm;
		k->addr = uaddr;
		return 0;
	}
	if (!pmap_extract(p->vm->pmap, uaddr, &pa, &prot))
		return -EFAULT;
	k->space = NULL;
	k->addr = trunc_page(pa) | (uaddr & PAGE_MASK);
	return 0;
}

static void
waiter_remove(struct futex_waiter *w)
{
	struct futex_waiter **pp;

	for (pp = &waiters; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			return;
		}
}

static long
futex_wait(struct proc *p, gva_t uaddr, bool private, uint32_t val,
    const struct timespec *deadline, uint32_t bitset)
{
	struct futex_waiter w = { .bitset = bitset, .p = p };
	uint32_t cur;
	int r;

	if (bitset == 0)
		return -EINVAL;
	if ((r = futex_key(p, uaddr, private, &w.key, &cur)) != 0)
		return r;
	if (cur != val)
		return -EAGAIN;
	w.next = waiters;
	waiters = &w;
	do
		r = proc_sleep(p, NULL, NULL, 0, deadline);
	while (r == 0 && !w.woken);
	if (!w.woken)
		waiter_remove(&w);
	if (w.woken)
		return 0;
	return r == -ETIMEDOUT ? -ETIMEDOUT : -ERESTARTSYS;
}

static long
futex_wake(struct proc *p, gva_t uaddr, bool private, int n, uint32_t bitset)
{
	struct futex_waiter **pp, *w;
	struct futex_key k;
	uint32_t cur;
	long woken = 0;
	int r;

	if (bitset == 0)
		return -EINVAL;
	if ((r = futex_key(p, uaddr, private, &k, &cur)) != 0)
		return r;
	for (pp = &waiters; (w = *pp) != NULL && woken < n;) {
		if (key_eq(&w->key, &k) && (w->bitset & bitset)) {
			*pp = w->next;
			w->woken = true;
			proc_wake(w->p);
			woken++;
		} else {
			pp = &w->next;
		}
	}
	return woken;
}

/* futex(uaddr, op, val, timeout, uaddr2, val3). */
long
sys_futex(struct proc *p, const uint64_t *a)
{
	int op = (int)a[1], cmd = op & FUTEX_CMD_MASK;
	bool private = (op & FUTEX_PRIVATE_FLAG) != 0;
	struct timespec ts, now, deadline, *dl = NULL;
	uint32_t bitset = FUTEX_BITSET_MATCH_ANY;

	switch (cmd) {
	case FUTEX_WAIT_BITSET:
		bitset = (uint32_t)a[5];
		/* FALLTHROUGH */
	case FUTEX_WAIT:
		if (a[3] != 0) {
			if (copyin(p, &ts, a[3], sizeof(ts)) != 0)
				return -EFAULT;
			if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
			    ts.tv_nsec >= 1000000000L)
				return -EINVAL;
			if (cmd == FUTEX_WAIT) {        /* relative */
				deadline_after(&deadline, &ts);
			} else {                        /* absolute */
				clock_gettime(op & FUTEX_CLOCK_REALTIME ?
				    CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
				ts = ts_cmp(&ts, &now) > 0 ? ts_sub(&ts, &now) :
				    (struct timespec){ 0, 0 };
				deadline_after(&deadline, &ts);
			}
			dl = &deadline;
		}
		return futex_wait(p, a[0], private, (uint32_t)a[2], dl, bitset);
	case FUTEX_WAKE_BITSET:
		bitset = (uint32_t)a[5];
		/* FALLTHROUGH */
	case FUTEX_WAKE:
		return futex_wake(p, a[0], private,
		    (int)a[2] < 0 ? INT_MAX : (int)a[2], bitset);
	default:
		return -ENOSYS;
	}
}
