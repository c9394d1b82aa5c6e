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

/*
 * The host timer (a POSIX timer raising KS_WAKE_SIGNAL in the vkernel).
 * clock_init sets it up once, with the signal blocked on the thread
 * everywhere but in the waits that open clock_waitmask() (the scheduler's
 * ppoll, ks_run's).  clock_timer_arm makes it fire at at (CLOCK_MONOTONIC
 * ns; 0: never); its handler kicks the thread that clock_kick_target named
 * (NULL: none), so a running guest comes out with KS_TRAP_KICK.
 */
void clock_init(void);
void clock_timer_arm(uint64_t at);
void clock_kick_target(struct ks_thread *th);
const sigset_t *clock_waitmask(void);

#endif /* VKERNEL_CLOCK_H */
