/* soft_int.h: what the soft backend's two files share: the backend's and a space's state (soft.c runs the ops, soft_gate.c the stub process and its gate). */
#ifndef KSHIM_SOFT_INT_H
#define KSHIM_SOFT_INT_H

#include <linux/filter.h>
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
	size_t maps_total, maps_max;
	sigset_t waitmask;        /* our mask while waiting: KS_WAKE_SIGNAL open */
	struct ks_stats st;
};

struct ks_space {
	struct ks_space_hdr hdr;
	struct ks *ks;
	int stubfd;               /* the stub area's memfd */
	struct soft_ctl *ctl;     /* its control page, mapped here too */

	/* The stub process now; pid 0 when there is none. */
	pid_t pid;
	int pidfd, lfd, mapsfd;   /* pidfd, seccomp listener, its maps */
	bool stopped;             /* we hold its gate notification: */
	uint64_t gate_id;         /* this one */
	bool fs_known;            /* fs/gs bases below are what it has */
	uint64_t fs_base, gs_base;

	/* Ops queued for the next batch, and the batch the stub is applying:
	 * the calls it may make, in order; nseen of them made so far. */
	struct soft_op *queue, *sent;  /* opcap entries each */
	uint32_t nqueue, nsent, nseen, opcap;
	struct soft_hostmap *hm;  /* what the stub should map once applied */

	/* kick() may signal the stub: it is started and not being reaped.
	 * Only changed outside soft_wait_gate's ppoll, where kick() runs. */
	volatile sig_atomic_t kickable;

	bool dead;                /* the guest's host side is gone for good */
	char why[128];            /* ... and why */
	bool replace;             /* kill the stub; start an empty one */
};

/*
 * The stub process and its gate (soft_gate.c).
 * soft_stub_start: forks a stub for sp, contains it and waits for its
 *   first trap: 0, or -errno with nothing left running.
 * soft_stub_kill: kills and reaps the stub (nothing mapped is left: its
 *   record is cleared); sp may get a new one.
 * soft_fail: the guest's host side is gone for good: the stub is killed
 *   and why (one line) says so.
 * soft_wait_gate: waits until the stub enters its gate (checking every
 *   mapping call it makes on the way against the batch sent): 0, or
 *   -ESRCH when the stub is gone (sp->dead and sp->why say why).
 * soft_respond: answers notification id with val (or err).
 * soft_send: hands the stub the queued ops with cmd (SOFT_CMD_APPLY or
 *   SOFT_CMD_RUN) and waits for the gate again, then checks the batch
 *   with the host: 0, -EBUSY (the stub is not stopped), -ESRCH.
 * soft_ops_grow: room for one more queued op: 0, or -ENOMEM at
 *   SOFT_MAXOPS (the queue must be flushed first).
 */
int soft_stub_start(struct ks_space *sp);
void soft_stub_kill(struct ks_space *sp);
void soft_fail(struct ks_space *sp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int soft_wait_gate(struct ks_space *sp);
void soft_respond(struct ks_space *sp, uint64_t id, long val, int err,
    uint32_t flags);
int soft_send(struct ks_space *sp, long cmd);
int soft_ops_grow(struct ks_space *sp);

#endif /* KSHIM_SOFT_INT_H */
