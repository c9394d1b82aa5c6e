/* clock.h: time for the guest kernel: the monotonic clock, timespec and deadline arithmetic, and the host timer that kicks the running guest out. */
#ifndef VKERNEL_CLOCK_H
#define VKERNEL_CLOCK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "kshim.h"

/* CLOCK_MONOTONIC in ns. */
uint64_t mono_ns(void);
/* timespec comparison (-1, 0, 1); a - b (a >= b); a timespec in ns (1 for
 * one before the epoch, UINT64_MAX past what 64 bits hold). */
int ts_cmp(const struct timespec *a, const struct timespec *b);
struct timespec ts_sub(const struct timespec *a, const struct timespec *b);
uint64_t ts_ns(const struct timespec *ts);
/* deadline = now (CLOCK_MONOTONIC) + rel; *left = what remains of it
 * (zero once passed); whether it has passed. */
void deadline_after(struct timespec *deadline, const struct timespec *rel);
void deadline_left(const struct timespec *deadline, struct timespec *left);
bool deadline_passed(const struct timespec *deadline);

/* The most vCPUs -n may ask for. */
#define VK_MAXCPU 256

/*
 * The host timers (a POSIX timer per vCPU thread, raising KS_WAKE_SIGNAL
 * on that thread).  clock_init(cpu) sets up the calling thread's as vCPU
 * cpu's (the signal's handler and its blocking once, for every thread made
 * after: it stays blocked everywhere but in the waits that open
 * clock_waitmask(), the scheduler's and ks_run's); clock_fini removes it.
 * clock_timer_arm makes the calling thread's fire at at (CLOCK_MONOTONIC
 * ns; 0: never), clock_timer_arm_cpu another vCPU's, unless it is armed
 * for earlier already (the big lock held).  The handler kicks the guest
 * thread that its thread's clock_kick_target named (NULL: none), so a
 * running guest comes out with KS_TRAP_KICK.
 */
void clock_init(int cpu);
void clock_fini(void);
void clock_timer_arm(uint64_t at);
void clock_timer_arm_cpu(int cpu, uint64_t at);
void clock_kick_target(struct ks_thread *th);
const sigset_t *clock_waitmask(void);

#endif /* VKERNEL_CLOCK_H */
