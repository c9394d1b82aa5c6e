/* hostinfo.c: guest that checks what it learns of the host through clocks and MAP_32BIT: "stdclocks" (the standard clocks work), "owncpu" (its own CPU clocks advance while it spins), "hostpids PID..." (other processes' CPU clocks are EINVAL), "map32" (MAP_32BIT lands below 2 GiB). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_32BIT
#define MAP_32BIT 0x40
#endif

#define PG		4096UL
#define MIB		(1UL << 20)
#define MAP32_LO	0x40000000UL
#define MAP32_HI	0x80000000UL
#define SCAN_PIDS	1024

/* Linux's CPU-clock ids: ((~pid) << 3) | (thread ? 4 : 0) | type. */
#define CPUCLOCK(pid, thread, type) \
	((int)((~(unsigned)(pid) << 3) | ((thread) ? 4 : 0) | (type)))
#define CPUCLOCK_SCHED	2

static int failures;

static void
failf(const char *what, long id)
{
	printf("FAIL: %s (clock %ld, errno %d: %s)\n", what, id, errno,
	    strerror(errno));
	failures++;
}

/* Raw calls: the libc wrappers may use the vDSO or map errors. */
static long
gettime(long id, struct timespec *ts)
{
	errno = 0;
	return syscall(SYS_clock_gettime, id, ts);
}

static long
getres(long id, struct timespec *ts)
{
	errno = 0;
	return syscall(SYS_clock_getres, id, ts);
}

static int64_t
ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t
now(clockid_t id)
{
	struct timespec ts;

	if (gettime(id, &ts) != 0)
		failf("clock_gettime", id);
	return ns(&ts);
}

static int
stdclocks(void)
{
	static const long ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC,
	    CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,
	    CLOCK_BOOTTIME, 11 /* CLOCK_TAI */ };
	struct timespec ts, res, rem = { 0, 0 }, req;
	int64_t t0;
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (gettime(ids[i], &ts) != 0 || ts.tv_nsec < 0 ||
		    ts.tv_nsec >= 1000000000L)
			failf("clock_gettime of a standard clock", ids[i]);
		if (getres(ids[i], &res) != 0 || ns(&res) <= 0 ||
		    ns(&res) > 1000000000L)
			failf("clock_getres of a standard clock", ids[i]);
	}
	if (gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 1500000000)
		failf("CLOCK_REALTIME is before 2017", CLOCK_REALTIME);
	if (gettime(10, &ts) != -1 || errno != EINVAL)
		failf("clock_gettime of clock 10 is not EINVAL", 10);

	/* clock_nanosleep: relative and absolute on CLOCK_MONOTONIC. */
	t0 = now(CLOCK_MONOTONIC);
	req.tv_sec = 0;
	req.tv_nsec = 20000000;
	errno = 0;
	if (syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, &rem) != 0)
		failf("clock_nanosleep 20 ms", CLOCK_MONOTONIC);
	if (now(CLOCK_MONOTONIC) - t0 < 20000000)
		failf("clock_nanosleep returned early", CLOCK_MONOTONIC);
	req.tv_sec = 1;
	req.tv_nsec = 0; /* long past on the monotonic clock */
	errno = 0;
	if (syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &req,
	    NULL) != 0)
		failf("clock_nanosleep TIMER_ABSTIME in the past", CLOCK_MONOTONIC);
	/* No sleeping on one's own thread CPU clock, by either name. */
	errno = 0;
	if (syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req,
	    NULL) != -1 || errno != EOPNOTSUPP)
		failf("clock_nanosleep on CLOCK_THREAD_CPUTIME_ID is not "
		    "EOPNOTSUPP", CLOCK_THREAD_CPUTIME_ID);
	errno = 0;
	if (syscall(SYS_clock_nanosleep, CPUCLOCK(0, 1, CPUCLOCK_SCHED), 0,
	    &req, NULL) != -1 || errno != EINVAL)
		failf("clock_nanosleep on the own thread's CPU clock is not "
		    "EINVAL", CPUCLOCK(0, 1, CPUCLOCK_SCHED));
	if (failures)
		return 1;
	printf("stdclocks ok\n");
	return 0;
}

static volatile uint64_t sink;

/* Some pure computation, no system call. */
static void
spin(void)
{
	uint64_t x = sink;
	long i;

	for (i = 0; i < 20000000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
}

static int
owncpu(void)
{
	const long ids[] = { CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
	    CPUCLOCK(0, 0, CPUCLOCK_SCHED), CPUCLOCK(0, 1, CPUCLOCK_SCHED),
	    CPUCLOCK(getpid(), 0, CPUCLOCK_SCHED),
	    CPUCLOCK(getpid(), 1, CPUCLOCK_SCHED),
	    CPUCLOCK(getpid(), 0, 0), CPUCLOCK(getpid(), 0, 1) };
	const size_t n = sizeof(ids) / sizeof(ids[0]);
	int64_t before[sizeof(ids) / sizeof(ids[0])], t0, c0;
	struct timespec ts;
	size_t i;

	for (i = 0; i < n; i++) {
		before[i] = now((clockid_t)ids[i]);
		if (getres(ids[i], &ts) != 0 || ns(&ts) <= 0 ||
		    ns(&ts) > 1000000000L)
			failf("clock_getres of an own CPU clock", ids[i]);
	}
	if (failures)
		return 1;
	/* Type 3 is not a CPU clock (it names a clock fd): EINVAL. */
	if (gettime(CPUCLOCK(getpid(), 0, 3), &ts) != -1 || errno != EINVAL)
		failf("own pid's clock of type 3 is not EINVAL",
		    CPUCLOCK(getpid(), 0, 3));

	/* Spin until 200 ms of CPU time show, or give up after 10 s. */
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	do
		spin();
	while (now(CLOCK_PROCESS_CPUTIME_ID) - c0 < 200000000 &&
	    now(CLOCK_MONOTONIC) - t0 < 10000000000LL);
	for (i = 0; i < n; i++) {
		int64_t d = now((clockid_t)ids[i]) - before[i];

		if (d < 200000000) {
			printf("FAIL: own CPU clock %ld advanced %lld ns while "
			    "spinning %lld ms\n", ids[i], (long long)d,
			    (long long)(now(CLOCK_MONOTONIC) - t0) / 1000000);
			failures++;
		}
	}
	if (failures)
		return 1;
	printf("owncpu ok\n");
	return 0;
}

/* Every CPU clock of pid: EINVAL from clock_gettime and clock_getres. */
static void
foreign(long pid)
{
	struct timespec ts;
	int thread, type;

	if (pid == getpid() || pid <= 0)
		return;
	for (thread = 0; thread < 2; thread++)
		for (type = 0; type < 3; type++) {
			long id = CPUCLOCK(pid, thread, type);

			if (gettime(id, &ts) != -1 || errno != EINVAL) {
				printf("FAIL: clock_gettime of pid %ld's CPU "
				    "clock %ld returned errno %d\n", pid, id,
				    errno);
				failures++;
			}
			if (getres(id, &ts) != -1 || errno != EINVAL) {
				printf("FAIL: clock_getres of pid %ld's CPU "
				    "clock %ld returned errno %d\n", pid, id,
				    errno);
				failures++;
			}
		}
}

static int
hostpids(int argc, char **argv)
{
	long pid;
	int i;

	for (i = 0; i < argc; i++)
		foreign(atol(argv[i]));
	for (pid = 1; pid <= SCAN_PIDS && failures < 20; pid++)
		foreign(pid);
	if (failures)
		return 1;
	printf("hostpids ok\n");
	return 0;
}

static void
in_window(const char *p, size_t len, const char *what)
{
	if (p == MAP_FAILED) {
		printf("FAIL: %s: errno %d\n", what, errno);
		failures++;
	} else if ((uintptr_t)p < MAP32_LO || (uintptr_t)p + len > MAP32_HI) {
		printf("FAIL: %s at %p, outside [1 GiB, 2 GiB)\n", what, p);
		failures++;
	}
}

static int
map32(void)
{
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT;
	char *p, *q[8], *f;
	size_t i, j;

	p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, flags, -1, 0);
	in_window(p, MIB, "1 MiB MAP_32BIT");
	if (failures)
		return 1;
	for (i = 0; i < MIB; i += PG)
		p[i] = (char)(i >> 12);
	for (i = 0; i < MIB; i += PG)
		if (p[i] != (char)(i >> 12)) {
			printf("FAIL: MAP_32BIT memory reads back wrong\n");
			return 1;
		}

	/* Several mappings: all in the window, none overlapping. */
	for (i = 0; i < 8; i++) {
		q[i] = mmap(NULL, 64 * MIB, PROT_READ | PROT_WRITE, flags, -1, 0);
		in_window(q[i], 64 * MIB, "64 MiB MAP_32BIT");
		if (q[i] != MAP_FAILED)
			q[i][64 * MIB - 1] = 1;
		for (j = 0; j < i && q[i] != MAP_FAILED; j++)
			if (q[j] != MAP_FAILED && q[i] < q[j] + 64 * MIB &&
			    q[j] < q[i] + 64 * MIB) {
				printf("FAIL: MAP_32BIT mappings overlap\n");
				failures++;
			}
	}

	/* The window is at most 1 GiB. */
	errno = 0;
	f = mmap(NULL, 1024 * MIB + PG, PROT_NONE, flags, -1, 0);
	if (f != MAP_FAILED || errno != ENOMEM) {
		printf("FAIL: 1 GiB + 4 KiB MAP_32BIT gave %p, errno %d\n", f,
		    errno);
		failures++;
	}
	/* A hint above 2 GiB is not taken; one below it that is free is. */
	f = mmap((void *)0x200000000UL, PG, PROT_READ, flags, -1, 0);
	in_window(f, PG, "MAP_32BIT with a hint above 4 GiB");
	f = mmap((void *)0x30000000UL, PG, PROT_READ, flags, -1, 0);
	if (f != (void *)0x30000000UL) {
		printf("FAIL: MAP_32BIT with a free hint below 2 GiB: %p\n", f);
		failures++;
	}
	/* MAP_FIXED wins: MAP_32BIT is ignored, as on Linux. */
	f = mmap((void *)0x300000000UL, PG, PROT_READ | PROT_WRITE,
	    flags | MAP_FIXED, -1, 0);
	if (f != (void *)0x300000000UL) {
		printf("FAIL: MAP_32BIT|MAP_FIXED at 12 GiB gave %p\n", f);
		failures++;
	}
	if (failures)
		return 1;
	printf("map32 ok\n");
	return 0;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 2 && strcmp(argv[1], "stdclocks") == 0)
		return stdclocks();
	if (argc >= 2 && strcmp(argv[1], "owncpu") == 0)
		return owncpu();
	if (argc >= 2 && strcmp(argv[1], "hostpids") == 0)
		return hostpids(argc - 2, argv + 2);
	if (argc >= 2 && strcmp(argv[1], "map32") == 0)
		return map32();
	printf("usage: hostinfo stdclocks|owncpu|hostpids PID...|map32\n");
	return 2;
}
