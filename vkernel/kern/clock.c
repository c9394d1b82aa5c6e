/* clock.c: time for the guest kernel: the monotonic clock, timespec and deadline arithmetic, and the host timer that kicks the running guest out. */

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "clock.h"

uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int
ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

struct timespec
ts_sub(const struct timespec *a, const struct timespec *b)
{
	struct timespec r = { a->tv_sec - b->tv_sec, a->tv_nsec - b->tv_nsec };

	if (r.tv_nsec < 0) {
		r.tv_sec--;
		r.tv_nsec += 1000000000L;
	}
	return r;
}

uint64_t
ts_ns(const struct timespec *ts)
{
	if (ts->tv_sec < 0)
		return 1;
	if ((uint64_t)ts->tv_sec >= UINT64_MAX / 1000000000ULL - 1)
		return UINT64_MAX;
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

void
deadline_left(const struct timespec *deadline, struct timespec *left)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	*left = ts_cmp(deadline, &now) > 0 ? ts_sub(deadline, &now) :
	    (struct timespec){ 0, 0 };
}

void
deadline_after(struct timespec *deadline, const struct timespec *rel)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += rel->tv_sec;
	deadline->tv_nsec += rel->tv_nsec;
	if (deadline->tv_nsec >= 1000000000) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000;
	}
}

bool
deadline_passed(const struct timespec *deadline)
{
	struct timespec left;

	deadline_left(deadline, &left);
	return left.tv_sec == 0 && left.tv_nsec == 0;
}

/* ---- the host timers and the kick ---- */

/* Each vCPU thread has its own timer, aimed at that thread
 * (SIGEV_THREAD_ID), and its own kick target.  Timers are armed with the
 * big lock held. */
static timer_t timers[VK_MAXCPU];
static bool timer_ok[VK_MAXCPU];
static uint64_t timer_at[VK_MAXCPU];  /* what each is armed for (0: not) */
static _Thread_local int my_cpu;
static _Thread_local struct ks_thread *volatile kick_thread;
static sigset_t waitmask;        /* the threads' mask with KS_WAKE_SIGNAL open */
static bool handler_set;

/* KS_WAKE_SIGNAL: runs only inside run()'s or the scheduler's waits, on
 * the thread whose timer fired. */
static void
wake_handler(int sig)
{
	struct ks_thread *th = kick_thread;

	(void)sig;
	if (th != NULL)
		ks_kick(th);
}

void
clock_init(int cpu)
{
	struct sigaction sa;
	struct sigevent sev;
	sigset_t s;

	if (cpu < 0 || cpu >= VK_MAXCPU || timer_ok[cpu])
		return;
	if (!handler_set) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = wake_handler;
		sigfillset(&sa.sa_mask);
		sigaction(KS_WAKE_SIGNAL, &sa, NULL);
		sigemptyset(&s);
		sigaddset(&s, KS_WAKE_SIGNAL);
		pthread_sigmask(SIG_BLOCK, &s, NULL);
		pthread_sigmask(SIG_BLOCK, NULL, &waitmask);
		sigdelset(&waitmask, KS_WAKE_SIGNAL);
		handler_set = true;
	}
	my_cpu = cpu;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = KS_WAKE_SIGNAL;
	sev._sigev_un._tid = gettid();
	timer_ok[cpu] = timer_create(CLOCK_MONOTONIC, &sev, &timers[cpu]) == 0;
}

void
clock_fini(void)
{
	if (timer_ok[my_cpu])
		timer_delete(timers[my_cpu]);
	timer_ok[my_cpu] = false;
	timer_at[my_cpu] = 0;
}

static void
timer_arm(int cpu, uint64_t at)
{
	struct itimerspec its;

	if (!timer_ok[cpu] || at == timer_at[cpu])
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(at / 1000000000ULL);
	its.it_value.tv_nsec = (long)(at % 1000000000ULL);
	timer_settime(timers[cpu], TIMER_ABSTIME, &its, NULL);
	timer_at[cpu] = at;
}

void
clock_timer_arm(uint64_t at)
{
	timer_arm(my_cpu, at);
}

void
clock_timer_arm_cpu(int cpu, uint64_t at)
{
	if (cpu >= 0 && cpu < VK_MAXCPU && at != 0 &&
	    (timer_at[cpu] == 0 || at < timer_at[cpu] ||
	    timer_at[cpu] <= mono_ns()))
		timer_arm(cpu, at == timer_at[cpu] ? at + 1 : at);
}

void
clock_kick_target(struct ks_thread *th)
{
	kick_thread = th;
}

const sigset_t *
clock_waitmask(void)
{
	return &waitmask;
}
