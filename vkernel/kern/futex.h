/* futex.h: futex wait queues, the lock-word protocols and what a thread's end does to futexes (futex.c). */
#ifndef VKERNEL_FUTEX_H
#define VKERNEL_FUTEX_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "vkernel.h"

/* Where waiters for one futex word meet. */
struct futex_key {
	const void *space;   /* the vmspace (private) or vm_object (shared) */
	uint64_t addr;       /* user address, or byte offset in the object */
};

/* One waiter on one key (a wait on several words has one each): it lives
 * on the waiting task's stack while queued. */
struct futex_waiter {
	struct futex_key key;
	uint32_t bitset;
	struct proc *p;
	bool woken;
	bool pi;               /* LOCK_PI: woken as the lock's new owner */
	struct futex_waiter *next;
};

/*
 * The key of the 32-bit word at uaddr in p's address space: private (the
 * space and the address) when the operation says so or the word lies in
 * a private mapping, as Linux's get_futex_key; else the shared object and
 * the word's offset in it, so that processes mapping it meet.  Also
 * copies the word's value to *val.  0, -EINVAL (misaligned), -EFAULT.
 */
int futex_key(struct proc *p, gva_t uaddr, bool private, struct futex_key *k,
    uint32_t *val);

/*
 * Sleeps p on the n waiters w (their keys and bitsets set; the caller
 * checked the words' values, with nothing in between that could sleep)
 * until one is woken, a signal, or the deadline (CLOCK_MONOTONIC; NULL for
 * none).  The index of the woken waiter, -ETIMEDOUT or -ERESTARTSYS.
 */
int futex_sleep(struct proc *p, struct futex_waiter *w, int n,
    const struct timespec *deadline);

/* Wakes up to n waiters on k whose bitset meets bitset: how many.  As
 * Linux's futex_wake (and so FUTEX_WAKE, WAKE_BITSET, WAKE_OP), a
 * count of 0 or less still wakes one: programs pass 0 and rely on it. */
int futex_wake(const struct futex_key *k, int n, uint32_t bitset);

/* Wakes up to nwake waiters on k1 and moves up to nmove more to k2: how
 * many were woken or moved. */
int futex_requeue(const struct futex_key *k1, const struct futex_key *k2,
    int nwake, int nmove);

/*
 * The priority-inheritance lock word (owner tid | FUTEX_WAITERS |
 * FUTEX_OWNER_DIED), as glibc's PTHREAD_PRIO_INHERIT mutexes use it; with
 * one priority for all, inheritance is a no-op and what remains is the
 * hand-over.  futex_lock_pi: takes the lock at uaddr for p, sleeping
 * until its owner hands it over (try: -EAGAIN instead); 0, -EDEADLK (p
 * owns it), -ESRCH (its owner, by alive(), is gone without releasing it),
 * -ETIMEDOUT, -ERESTARTNOINTR (a signal: restarted), -EFAULT, -EINVAL.  futex_unlock_pi: p gives it to the first waiter, or
 * frees it; 0, -EPERM (p does not own it), -EFAULT, -EINVAL.
 */
int futex_lock_pi(struct proc *p, gva_t uaddr, bool private, bool try,
    const struct timespec *deadline, bool (*alive)(pid_t tid));
int futex_unlock_pi(struct proc *p, gva_t uaddr, bool private);

/*
 * FUTEX_WAKE_OP: *uaddr2 = op(*uaddr2, oparg) atomically, wakes up to n
 * waiters on uaddr and, if the old value passes the comparison encoded in
 * encoded_op, up to n2 on uaddr2.  How many, or -EFAULT, -EINVAL, -ENOSYS
 * (an unknown op or comparison).
 */
long futex_wake_op(struct proc *p, gva_t uaddr, gva_t uaddr2, bool private,
    int n, int n2, uint32_t encoded_op);

/*
 * A task ends (or execs): its robust futexes are released to their
 * waiters (FUTEX_OWNER_DIED), and if it shares its address space, its
 * clear_tid word is zeroed and one waiter on it woken, as Linux's
 * mm_release.  The guest's lists are walked with bounds: never a fault.
 */
void futex_exit(struct proc *p);

#endif /* VKERNEL_FUTEX_H */
