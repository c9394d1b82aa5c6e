/* futex.c: futex wait queues keyed by address space and address (private) or by shared object and offset, wake and requeue, the PI lock word, WAKE_OP, and what a thread's end does to futexes (clear_tid, the robust list). */

/*
 * A waiter sleeps in proc_sleep until a wake for its key and bitset, a
 * signal, or its deadline.  Waiters hang in a small hash of FIFO queues.
 * The big lock makes "check the word, then queue" atomic against every
 * waker, which must enter the vkernel to wake; words are read and changed
 * through copy_word, with host atomics, since guest threads on other vCPUs
 * may touch them at the same time.
 */

#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <string.h>

#include "futex.h"

#define FUTEX_BUCKETS 256

static struct futex_waiter *buckets[FUTEX_BUCKETS];

static unsigned
bucket_of(const struct futex_key *k)
{
	uint64_t h = ((uint64_t)(uintptr_t)k->space >> 4) ^ (k->addr >> 2);

	return (unsigned)((h * 0x9e3779b97f4a7c15ULL) >> 56) % FUTEX_BUCKETS;
}

static bool
key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->addr == b->addr;
}

/* Appends w to its key's queue (waiters are woken in the order they
 * came). */
static void
queue_add(struct futex_waiter *w)
{
	struct futex_waiter **pp = &buckets[bucket_of(&w->key)];

	while (*pp != NULL)
		pp = &(*pp)->next;
	w->next = NULL;
	*pp = w;
}

static void
queue_remove(struct futex_waiter *w)
{
	struct futex_waiter **pp;

	for (pp = &buckets[bucket_of(&w->key)]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			return;
		}
}

int
futex_key(struct proc *p, gva_t uaddr, bool private, struct futex_key *k,
    uint32_t *val)
{
	struct vm_map_entry *e;
	uint32_t *w;
	int err;

	if ((w = copy_word(p, uaddr, false, &err)) == NULL)
		return err;
	*val = __atomic_load_n(w, __ATOMIC_SEQ_CST);
	if (!private && (e = vm_map_lookup(&p->vm->map, uaddr)) != NULL &&
	    (e->flags & VM_ENTRY_SHARED)) {
		k->space = e->obj;
		k->addr = ((e->offset + ((uaddr - e->start) >> PAGE_SHIFT)) <<
		    PAGE_SHIFT) | (uaddr & PAGE_MASK);
	} else {
		k->space = p->vm;
		k->addr = uaddr;
	}
	return 0;
}

int
futex_sleep(struct proc *p, struct futex_waiter *w, int n,
    const struct timespec *deadline)
{
	int i, r = 0, found = -1;

	for (i = 0; i < n; i++) {
		w[i].p = p;
		w[i].woken = false;
		w[i].pi = false;
		queue_add(&w[i]);
	}
	for (;;) {
		for (i = 0; i < n && found < 0; i++)
			if (w[i].woken)
				found = i;
		if (found >= 0 || r != 0)
			break;
		r = proc_sleep(p, NULL, NULL, 0, deadline);
	}
	for (i = 0; i < n; i++)
		if (!w[i].woken)
			queue_remove(&w[i]);
	return found >= 0 ? found : r;
}

/* Wakes w (already off its queue). */
static void
waiter_wake(struct futex_waiter *w)
{
	w->woken = true;
	proc_wake(w->p);
}

int
futex_wake(const struct futex_key *k, int n, uint32_t bitset)
{
	struct futex_waiter **pp, *w;
	int woken = 0;

	for (pp = &buckets[bucket_of(k)]; (w = *pp) != NULL;) {
		if (key_eq(&w->key, k) && (w->bitset & bitset)) {
			*pp = w->next;
			waiter_wake(w);
			if (++woken >= n) /* as Linux: n <= 0 still wakes one */
				break;
		} else {
			pp = &w->next;
		}
	}
	return woken;
}

int
futex_requeue(const struct futex_key *k1, const struct futex_key *k2,
    int nwake, int nmove)
{
	struct futex_waiter **pp, *w, *moved = NULL, **tail = &moved;
	int woken = 0, nmoved = 0;

	for (pp = &buckets[bucket_of(k1)]; (w = *pp) != NULL;) {
		if (!key_eq(&w->key, k1) || (woken >= nwake && nmoved >= nmove)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		if (woken < nwake) {
			waiter_wake(w);
			woken++;
		} else {
			w->next = NULL;
			*tail = w;
			tail = &w->next;
			nmoved++;
		}
	}
	while ((w = moved) != NULL) {
		moved = w->next;
		w->key = *k2;
		queue_add(w);
	}
	return woken + nmoved;
}

/* Whether anyone but skip waits on k. */
static bool
has_waiters(const struct futex_key *k, const struct futex_waiter *skip)
{
	struct futex_waiter *w;

	for (w = buckets[bucket_of(k)]; w != NULL; w = w->next)
		if (w != skip && key_eq(&w->key, k))
			return true;
	return false;
}

/* ---- the PI lock word ---- */

int
futex_lock_pi(struct proc *p, gva_t uaddr, bool private, bool try,
    const struct timespec *deadline, bool (*alive)(pid_t tid))
{
	uint32_t tid = (uint32_t)p->pid, val, nval, *word;
	struct futex_waiter w = { .bitset = FUTEX_BITSET_MATCH_ANY };
	int err, r;

	for (;;) {
		if ((err = futex_key(p, uaddr, private, &w.key, &val)) != 0 ||
		    (word = copy_word(p, uaddr, true, &err)) == NULL)
			return err;
		val = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		if ((val & FUTEX_TID_MASK) == 0) {
			/* Free (its last owner may have died): take it. */
			nval = tid | (val & FUTEX_OWNER_DIED) |
			    (has_waiters(&w.key, NULL) ? FUTEX_WAITERS : 0);
			if (__atomic_compare_exchange_n(word, &val, nval, false,
			    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				return 0;
			continue;
		}
		if ((val & FUTEX_TID_MASK) == tid)
			return -EDEADLK;
		if (!alive((pid_t)(val & FUTEX_TID_MASK)))
			return -ESRCH; /* its owner died without releasing it */
		if (try)
			return -EAGAIN;
		if (!(val & FUTEX_WAITERS) &&
		    !__atomic_compare_exchange_n(word, &val,
		    val | FUTEX_WAITERS, false, __ATOMIC_SEQ_CST,
		    __ATOMIC_SEQ_CST))
			continue;
		r = futex_sleep(p, &w, 1, deadline);
		if (r == 0 && w.pi)
			return 0; /* handed over: the word names p */
		if (r == -ETIMEDOUT)
			return r;
		if (r == -ERESTARTSYS)
			return -ERESTARTNOINTR;
		/* Woken to look again (an owner died). */
	}
}

int
futex_unlock_pi(struct proc *p, gva_t uaddr, bool private)
{
	uint32_t tid = (uint32_t)p->pid, val, nval, *word;
	struct futex_waiter **pp, *w;
	struct futex_key k;
	int err;

	for (;;) {
		if ((err = futex_key(p, uaddr, private, &k, &val)) != 0 ||
		    (word = copy_word(p, uaddr, true, &err)) == NULL)
			return err;
		val = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		if ((val & FUTEX_TID_MASK) != tid)
			return -EPERM;
		for (pp = &buckets[bucket_of(&k)]; (w = *pp) != NULL;
		    pp = &w->next)
			if (key_eq(&w->key, &k))
				break;
		nval = 0;
		if (w != NULL)
			nval = (uint32_t)w->p->pid |
			    (has_waiters(&k, w) ? FUTEX_WAITERS : 0);
		if (!__atomic_compare_exchange_n(word, &val, nval, false,
		    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			continue;
		if (w != NULL) {
			*pp = w->next;
			w->pi = true;
			waiter_wake(w);
		}
		return 0;
	}
}

/* ---- WAKE_OP ---- */

long
futex_wake_op(struct proc *p, gva_t uaddr, gva_t uaddr2, bool private,
    int n, int n2, uint32_t encoded_op)
{
	int op = (int)((encoded_op >> 28) & 7), cmp = (int)((encoded_op >> 24) & 15);
	int32_t oparg = (int32_t)(encoded_op << 8) >> 20;
	int32_t cmparg = (int32_t)(encoded_op << 20) >> 20;
	uint32_t v1, v2, old, nval, *word;
	struct futex_key k1, k2;
	bool hit;
	long woken;
	int err;

	if (encoded_op & (FUTEX_OP_OPARG_SHIFT << 28))
		oparg = 1 << (oparg & 31);
	if ((err = futex_key(p, uaddr, private, &k1, &v1)) != 0 ||
	    (err = futex_key(p, uaddr2, private, &k2, &v2)) != 0 ||
	    (word = copy_word(p, uaddr2, true, &err)) == NULL)
		return err;
	old = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	do {
		switch (op) {
		case FUTEX_OP_SET:  nval = (uint32_t)oparg; break;
		case FUTEX_OP_ADD:  nval = old + (uint32_t)oparg; break;
		case FUTEX_OP_OR:   nval = old | (uint32_t)oparg; break;
		case FUTEX_OP_ANDN: nval = old & ~(uint32_t)oparg; break;
		case FUTEX_OP_XOR:  nval = old ^ (uint32_t)oparg; break;
		default:            return -ENOSYS;
		}
	} while (!__atomic_compare_exchange_n(word, &old, nval, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	switch (cmp) {
	case FUTEX_OP_CMP_EQ: hit = (int32_t)old == cmparg; break;
	case FUTEX_OP_CMP_NE: hit = (int32_t)old != cmparg; break;
	case FUTEX_OP_CMP_LT: hit = (int32_t)old < cmparg; break;
	case FUTEX_OP_CMP_LE: hit = (int32_t)old <= cmparg; break;
	case FUTEX_OP_CMP_GT: hit = (int32_t)old > cmparg; break;
	case FUTEX_OP_CMP_GE: hit = (int32_t)old >= cmparg; break;
	default:              return -ENOSYS;
	}
	woken = futex_wake(&k1, n, FUTEX_BITSET_MATCH_ANY);
	if (hit)
		woken += futex_wake(&k2, n2, FUTEX_BITSET_MATCH_ANY);
	return woken;
}

/* ---- a thread's end ---- */

/* Linux's robust_list_head: the list, the offset from an entry to its
 * futex word, and the entry being taken or given up. */
struct robust_head {
	uint64_t next;
	int64_t futex_offset;
	uint64_t pending;
};

#define ROBUST_LIMIT 2048   /* Linux's ROBUST_LIST_LIMIT */

/* The lock word at uaddr was p's: it is marked as its owner's death and
 * one waiter looks again (Linux's handle_futex_death). */
static void
robust_death(struct proc *p, gva_t uaddr, bool pending)
{
	uint32_t tid = (uint32_t)p->pid, val, nval, *word;
	struct futex_key k;
	int err;

	if (futex_key(p, uaddr, false, &k, &val) != 0)
		return;
	if (pending && val == 0) {
		futex_wake(&k, 1, FUTEX_BITSET_MATCH_ANY);
		return;
	}
	if ((word = copy_word(p, uaddr, true, &err)) == NULL)
		return;
	val = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	do {
		if ((val & FUTEX_TID_MASK) != tid)
			return;
		nval = (val & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	} while (!__atomic_compare_exchange_n(word, &val, nval, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	if (val & FUTEX_WAITERS)
		futex_wake(&k, 1, FUTEX_BITSET_MATCH_ANY);
}

static void
robust_release(struct proc *p)
{
	struct robust_head h;
	uint64_t entry, next;
	int limit = ROBUST_LIMIT;

	if (p->robust_list == 0 ||
	    copyin(p, &h, p->robust_list, sizeof(h)) != 0)
		return;
	for (entry = h.next; (entry & ~1ULL) != p->robust_list && limit-- > 0;
	    entry = next) {
		/* The next entry first: once released, this one may go. */
		if (copyin(p, &next, entry & ~1ULL, sizeof(next)) != 0)
			break;
		if ((entry & ~1ULL) != (h.pending & ~1ULL))
			robust_death(p, (entry & ~1ULL) +
			    (uint64_t)h.futex_offset, false);
	}
	if (h.pending != 0)
		robust_death(p, (h.pending & ~1ULL) + (uint64_t)h.futex_offset,
		    true);
}

void
futex_exit(struct proc *p)
{
	uint32_t zero = 0, val;
	struct futex_key k;

	if (p->vm == NULL)
		return;
	robust_release(p);
	p->robust_list = 0;
	if (p->clear_tid != 0 && p->vm->refs > 1 &&
	    copyout(p, p->clear_tid, &zero, sizeof(zero)) == 0 &&
	    futex_key(p, p->clear_tid, false, &k, &val) == 0)
		futex_wake(&k, 1, FUTEX_BITSET_MATCH_ANY);
	p->clear_tid = 0;
}
