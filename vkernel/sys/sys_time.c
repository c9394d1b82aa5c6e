/* sys_time.c: the clock system calls: clock_gettime/getres (host clocks and the guest's own CPU clocks), gettimeofday, time, nanosleep, clock_nanosleep. */

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

/*
 * Clock ids as Linux encodes them (an int: the register's upper half is
 * ignored).  A negative id is a CPU-time clock:
 * ((~pid) << 3) | (per-thread ? 4 : 0) | type (0 PROF, 1 VIRT, 2 SCHED;
 * 3 is a dynamic clock's fd, not a CPU clock).
 */
#define CPUCLOCK_PID(id)     ((pid_t)~((id) >> 3))
#define CPUCLOCK_TYPE(id)    ((id) & 3)
#define CPUCLOCK_PERTHREAD   4
#define CPUCLOCK_FD          3
#define CLOCK_REALTIME_ALARM_  8
#define CLOCK_BOOTTIME_ALARM_  9

enum clock_kind { CLK_BAD, CLK_HOST, CLK_CPU };

/*
 * What the guest's clock id names, and the host clock to read for it:
 * the standard clocks (the alarm clocks read their base clock, whatever
 * the host's RTC), or one of the guest's own CPU clocks: the process and
 * thread clocks, by their fixed ids, by pid 0, by the guest's own pid or
 * (a thread clock) the tid of one of its threads; *cpu is the task and
 * *thread says which of the two.  Every other id, the CPU clocks of host
 * processes above all, is CLK_BAD: EINVAL, as Linux says for a process
 * that does not exist, so the guest learns nothing about the host's pids.
 */
static enum clock_kind
clock_kind(struct proc *p, clockid_t id, clockid_t *host, struct proc **cpu,
    bool *thread)
{
	struct proc *t;
	pid_t pid;

	*cpu = p;
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		*host = id;
		return CLK_HOST;
	case CLOCK_REALTIME_ALARM_:
		*host = CLOCK_REALTIME;
		return CLK_HOST;
	case CLOCK_BOOTTIME_ALARM_:
		*host = CLOCK_BOOTTIME;
		return CLK_HOST;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*host = id; /* the vkernel's own: for getres */
		*thread = id == CLOCK_THREAD_CPUTIME_ID;
		return CLK_CPU;
	}
	if (id >= 0 || CPUCLOCK_TYPE(id) == CPUCLOCK_FD)
		return CLK_BAD;
	*thread = (id & CPUCLOCK_PERTHREAD) != 0;
	if ((pid = CPUCLOCK_PID(id)) != 0) {
		if ((t = proc_find(pid)) == NULL || t->tg != p->tg ||
		    (*thread ? t->torn_down : pid != p->tg->tgid))
			return CLK_BAD;
		*cpu = t;
	}
	/* The same kind of clock of the vkernel itself (pid 0), for getres. */
	*host = (clockid_t)((~0U << 3) | (id & (CPUCLOCK_PERTHREAD | 3)));
	return CLK_CPU;
}

/* clock_gettime and clock_getres.  A guest CPU clock reads the CPU time
 * the host spent running the guest (its stub threads or vCPU thread). */
long
sys_clock_gettime(struct proc *p, const uint64_t *a)
{
	bool getres = p->frame.rax == SYS_clock_getres, thread = false;
	struct proc *cpu;
	struct timespec ts;
	clockid_t host;
	uint64_t ns;
	long r;

	switch (clock_kind(p, (clockid_t)a[0], &host, &cpu, &thread)) {
	case CLK_BAD:
		return -EINVAL;
	case CLK_CPU:
		if (!getres) {
			p->nhostcalls++;
			ns = proc_cputime(cpu, thread);
			ts.tv_sec = (time_t)(ns / 1000000000ULL);
			ts.tv_nsec = (long)(ns % 1000000000ULL);
			break;
		}
		/* FALLTHROUGH */
	case CLK_HOST:
		if ((r = host_ret(p, getres ? clock_getres(host, &ts) :
		    clock_gettime(host, &ts))) < 0)
			return r;
		break;
	}
	if (a[1] == 0 && getres)
		return 0;
	return copyout(p, a[1], &ts, sizeof(ts)) ? -EFAULT : 0;
}

long
sys_gettimeofday(struct proc *p, const uint64_t *a)
{
	struct timeval tv;
	struct timezone tz = { 0, 0 };

	host_ret(p, gettimeofday(&tv, NULL));
	if (a[0] && copyout(p, a[0], &tv, sizeof(tv)))
		return -EFAULT;
	if (a[1] && copyout(p, a[1], &tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

long
sys_time(struct proc *p, const uint64_t *a)
{
	int64_t t = time(NULL);

	if (a[0] && copyout(p, a[0], &t, sizeof(t)))
		return -EFAULT;
	return t;
}

long
sys_nanosleep(struct proc *p, const uint64_t *a)
{
	struct timespec ts;

	if (copyin(p, &ts, a[0], sizeof(ts)))
		return -EFAULT;
	if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L || ts.tv_sec < 0)
		return -EINVAL;
	return sig_sleep(p, CLOCK_MONOTONIC, false, &ts, a[1]);
}

/*
 * clock_nanosleep on the clocks Linux can sleep on: REALTIME, MONOTONIC,
 * BOOTTIME and TAI, relative or TIMER_ABSTIME.  The rest fail as Linux
 * fails them for an unprivileged caller, in its order: clocks without a
 * sleep (raw, coarse, CLOCK_THREAD_CPUTIME_ID) EOPNOTSUPP, then EFAULT
 * and EINVAL for the request, then the alarm clocks EPERM (no
 * CAP_WAKE_ALARM) and the guest's own per-thread CPU clocks EINVAL.
 * Sleeping on its own process CPU clock is not supported here
 * (EOPNOTSUPP).  Any other id is EINVAL, as for clock_gettime.
 */
long
sys_clock_nanosleep(struct proc *p, const uint64_t *a)
{
	struct timespec ts;
	clockid_t id = (clockid_t)a[0]; /* an int, as Linux takes it */
	clockid_t host;
	enum clock_kind kind;
	struct proc *cpu;
	bool thread;

	if ((kind = clock_kind(p, id, &host, &cpu, &thread)) == CLK_BAD)
		return -EINVAL;
	if (id == CLOCK_THREAD_CPUTIME_ID || (kind == CLK_HOST &&
	    host != CLOCK_REALTIME && host != CLOCK_MONOTONIC &&
	    host != CLOCK_BOOTTIME && host != CLOCK_TAI))
		return -EOPNOTSUPP;
	if (copyin(p, &ts, a[2], sizeof(ts)))
		return -EFAULT;
	if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L || ts.tv_sec < 0)
		return -EINVAL;
	if (id == CLOCK_REALTIME_ALARM_ || id == CLOCK_BOOTTIME_ALARM_)
		return -EPERM;
	if (kind == CLK_CPU)
		return id < 0 && (id & CPUCLOCK_PERTHREAD) ? -EINVAL :
		    -EOPNOTSUPP;
	return sig_sleep(p, host, (a[1] & TIMER_ABSTIME) != 0, &ts, a[3]);
}
