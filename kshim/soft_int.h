/* soft_int.h: what the soft backend's two files share: the backend's and a space's state (soft.c runs the ops, soft_gate.c the stub process and its gate). */
#ifndef KSHIM_SOFT_INT_H
#define KSHIM_SOFT_INT_H

#include <linux/filter.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "soft_abi.h"
#include "soft_hostmap.h"

/* Bound on one stub's host mappings: half the host's vm.max_map_count, so a
 * batch of SOFT_MAXOPS ops can never reach the host's own limit. */
#define MAP_LIMIT_CAP 32768

/* A space's op queues start this long and grow to SOFT_MAXOPS for a big
 * batch; they shrink back once it is applied. */
#define SOFT_OPS_MIN 64

struct ks {
	int memfd;
	size_t memsize;
	struct sock_fprog notify; /* filter 1: mapping calls + gate -> us */
	struct sock_fprog filter; /* filter 2: the allow-list */
	size_t map_limit;
	/* Records of host mappings over every stub (what they cost the
	 * vkernel), and their bound from the memory size: past it the stub
	 * being run is replaced by an empty one, as past map_limit. */
	size_t maps_total, maps_max; /* maps_total: atomic (many spaces) */
	sigset_t waitmask;        /* our mask while waiting: KS_WAKE_SIGNAL open */
	int ncpus;                /* vCPUs: with more than one, a resume never
	                             carries a batch (soft_run) */
	struct ks_stats st;       /* counted with atomics */
};

/* A counter of ks->st, from any vCPU thread. */
#define SOFT_COUNT(ks, field, n) \
	__atomic_fetch_add(&(ks)->st.field, (n), __ATOMIC_RELAXED)

/* One host thread of a stub: the control thread, or a slot's. */
struct soft_hthr {
	pid_t tid;                /* its host tid; 0: none (yet, or any more) */
	bool stopped;             /* we hold its gate notification: */
	uint64_t gate_id;         /* this one, */
	uint64_t gate_arg;        /* its second argument (untrusted) */
	bool owned;               /* (a slot) a ks_thread has it */
	uint64_t cpu_base;        /* its CPU time (ns) when its guest thread
	                             took it: what earlier ones used */
	bool running;             /* (a slot) resumed, its gate not back */
	bool fs_known;            /* fs/gs bases below are what it has */
	uint64_t fs_base, gs_base;
	/* kick() may signal it (it was started and is not being reaped);
	 * kicked: it was, and has not entered its gate since. */
	volatile sig_atomic_t kickable, kicked;
};

/* A guest thread's handle: the slot it runs in (soft.c). */
struct ks_thread {
	struct ks_thread_hdr hdr;
	struct ks_space *sp;
	uint32_t slot;
};

/* Slot threads are kept in chunks that never move (kick() reads them from
 * a signal handler while another vCPU may add slots). */
#define SOFT_CHUNK 64

/* Who a batch went to: the control thread, or slot i (i >= 0); or none. */
#define SOFT_CTL_THREAD (-1)
#define SOFT_NO_BATCH   (-2)

/*
 * A space.  Its lock guards everything in it and the stub's gate: each
 * vCPU that runs one of its threads waits for that thread's gate, and one
 * of them at a time (pumping) takes the stub's notifications for all, the
 * others wait on cond.
 */
struct ks_space {
	struct ks_space_hdr hdr;
	struct ks *ks;
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* a notification was taken: look again */
	bool pumping;             /* a vCPU waits on the listener */
	bool ctl_busy;            /* a vCPU has the control thread (a batch
	                             or a clone, until it checked the end) */
	int nrunning;             /* slot threads resumed, their gate not back */
	int stubfd;               /* the stub area's memfd */
	struct soft_ctl *ctl;     /* its batch page, mapped here too */
	char *slots;              /* its slots, mapped here too */

	/* The stub process now; pid 0 when there is none. */
	pid_t pid;
	int pidfd, lfd, mapsfd;   /* pidfd, seccomp listener, its maps */
	struct soft_hthr ctlthr;  /* the control thread (tid == pid) */
	struct soft_hthr *chunk[STUB_SLOTS / SOFT_CHUNK]; /* the slots' threads */
	uint32_t nslots;          /* how many of them (whole chunks) */
	int clone_want;           /* the slot a clone is asked for, or -1 */
	bool clone_asked;         /* the control thread may make it now */
	int clone_slot;           /* that clone went through and its thread
	                             was not seen yet: its slot; else -1 */

	/* Ops queued for the next batch, and the batch a thread is applying
	 * (applier: SOFT_CTL_THREAD or a slot): the calls it may make, in
	 * order; nseen of them made so far. */
	struct soft_op *queue, *sent;  /* opcap entries each */
	uint32_t nqueue, nsent, nseen, opcap;
	int applier;
	struct soft_hostmap *hm;  /* what the stub should map once applied */

	bool dead;                /* the guest's host side is gone for good */
	char why[128];            /* ... and why */
	bool replace;             /* kill the stub; start an empty one */
};

/* Slot i's host thread. */
static inline struct soft_hthr *
soft_hthr(struct ks_space *sp, uint32_t i)
{
	return &sp->chunk[i / SOFT_CHUNK][i % SOFT_CHUNK];
}

/* The vkernel's view of slot i (guest-writable: read only while its
 * thread is stopped, and checked). */
static inline struct soft_slot *
soft_slot(struct ks_space *sp, uint32_t i)
{
	return (struct soft_slot *)(sp->slots + (size_t)i * STUB_SLOT_SIZE);
}

/*
 * The stub process and its gate (soft_gate.c).
 * soft_stub_start: forks a stub for sp, contains it and waits for its
 *   control thread's gate: 0, or -errno with nothing left running.
 * soft_stub_kill: kills and reaps the stub (nothing mapped is left: its
 *   record is cleared, no slot has a thread any more); sp may get a new
 *   one.
 * soft_fail: the guest's host side is gone for good: the stub is killed
 *   and why (one line) says so.
 * Every function here is called with sp->lock held.
 * soft_wait: takes the stub's notifications (checking every mapping call
 *   against the batch sent, and every clone), or waits while another vCPU
 *   takes them, until t enters its gate: 0, or -ESRCH when the stub is gone
 *   (sp->dead and sp->why say why).  Drops sp->lock while it waits.
 * soft_respond: answers notification id with val (or err).
 * soft_send: hands the queued ops with cmd to t, stopped in its gate
 *   (SOFT_CMD_APPLY to the control thread, once it is free; SOFT_CMD_RUN
 *   to a slot's), waits for t's gate again, then checks the batch with the
 *   host: 0, -EBUSY (t is not stopped), -ESRCH.
 * soft_thread_start: a host thread for slot i (the control thread makes
 *   it): 0, -EAGAIN when the host has no more, -ESRCH.
 * soft_ops_grow: room for one more queued op: 0, or -ENOMEM at
 *   SOFT_MAXOPS (the queue must be flushed first).
 */
int soft_stub_start(struct ks_space *sp);
void soft_stub_kill(struct ks_space *sp);
void soft_fail(struct ks_space *sp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int soft_wait(struct ks_space *sp, struct soft_hthr *t);
void soft_respond(struct ks_space *sp, uint64_t id, long val, int err,
    uint32_t flags);
int soft_send(struct ks_space *sp, int who, long cmd);
int soft_thread_start(struct ks_space *sp, uint32_t i);
int soft_ops_grow(struct ks_space *sp);

#endif /* KSHIM_SOFT_INT_H */
