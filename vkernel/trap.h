/* trap.h: the trap loop (trap.c), the body of every guest task. */
#ifndef VKERNEL_TRAP_H
#define VKERNEL_TRAP_H

struct proc;

/* Runs p in the guest, trap after trap, until it exits; then tears it
 * down (proc_teardown).  The scheduler's task body (sched_init). */
void trap_run(struct proc *p);

#endif /* VKERNEL_TRAP_H */
