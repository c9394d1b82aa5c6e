/* sysinfo.c: guest that checks uname, the pid/tid and uid calls, clocks, getrandom, prlimit64, sysinfo and CPU affinity. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <sys/sysinfo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void
check(int ok, const char *what)
{
	if (!ok) {
		printf("FAIL: %s (errno %d: %s)\n", what, errno, strerror(errno));
		failures++;
	}
}

static int64_t
ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

int
main(void)
{
	struct utsname u;
	errno = 0;
	check(uname(&u) == 0, "uname");
	printf("sysname=%s machine=%s\n", u.sysname, u.machine);
	check(strcmp(u.sysname, "Linux") == 0, "uname sysname is Linux");
	check(strcmp(u.machine, "x86_64") == 0, "uname machine is x86_64");
	check(u.release[0] != '\0', "uname release is set");

	pid_t pid = getpid();
	long tid = syscall(SYS_gettid);
	printf("pid=%ld tid=%ld ppid=%ld\n", (long)pid, tid, (long)getppid());
	check(pid > 0, "getpid > 0");
	check(tid == pid, "gettid == getpid in a single-threaded process");

	/* sysinfo and affinity: self-consistent, natively and here. */
	struct sysinfo si;
	check(sysinfo(&si) == 0 && si.totalram > 0 && si.mem_unit >= 1 &&
	    si.freeram <= si.totalram && si.procs >= 1 && si.uptime >= 0,
	    "sysinfo");
	cpu_set_t set;
	CPU_ZERO(&set);
	check(sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    CPU_COUNT(&set) >= 1, "sched_getaffinity");
	check(sched_setaffinity(0, sizeof(set), &set) == 0,
	    "sched_setaffinity to the same set");
	unsigned cpu = 999;
	check(syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 && CPU_ISSET(cpu, &set),
	    "getcpu names a CPU of the affinity set");
	check(syscall(SYS_sched_getaffinity, 0, 1, &set) == -1 && errno == EINVAL,
	    "sched_getaffinity with a too small mask");

	/* getpeername of a pipe: not a socket; of a closed descriptor: EBADF. */
	int pp[2];
	char sa[128];
	unsigned salen = sizeof(sa);
	check(pipe(pp) == 0 && syscall(SYS_getpeername, pp[0], sa, &salen) == -1 &&
	    errno == ENOTSOCK, "getpeername of a pipe is ENOTSOCK");
	close(pp[0]);
	check(syscall(SYS_getsockname, pp[0], sa, &salen) == -1 && errno == EBADF,
	    "getsockname of a closed descriptor is EBADF");
	close(pp[1]);

	uid_t uid = getuid(), euid = geteuid();
	gid_t gid = getgid(), egid = getegid();
	printf("uid=%ld euid=%ld gid=%ld egid=%ld\n", (long)uid, (long)euid,
	    (long)gid, (long)egid);
	check(uid != (uid_t)-1 && euid != (uid_t)-1, "getuid/geteuid");
	check(gid != (gid_t)-1 && egid != (gid_t)-1, "getgid/getegid");

	/* Monotonic time never goes back and does move. */
	struct timespec t0, t1;
	check(clock_gettime(CLOCK_MONOTONIC, &t0) == 0, "clock_gettime MONOTONIC");
	int moved = 0;
	for (int i = 0; i < 1000000 && !moved; i++) {
		check(clock_gettime(CLOCK_MONOTONIC, &t1) == 0,
		    "clock_gettime MONOTONIC again");
		if (ns(&t1) < ns(&t0)) {
			check(0, "CLOCK_MONOTONIC went backwards");
			break;
		}
		moved = ns(&t1) > ns(&t0);
	}
	check(moved, "CLOCK_MONOTONIC increases");
	struct timespec rt;
	check(clock_gettime(CLOCK_REALTIME, &rt) == 0, "clock_gettime REALTIME");
	check(rt.tv_sec > 1500000000, "CLOCK_REALTIME is after 2017");

	struct timeval tv;
	check(gettimeofday(&tv, NULL) == 0, "gettimeofday");
	check(tv.tv_sec > 1500000000, "gettimeofday is after 2017");
	check(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday usec in range");
	check(llabs((long long)tv.tv_sec - (long long)rt.tv_sec) < 60,
	    "gettimeofday agrees with CLOCK_REALTIME");

	unsigned char buf[16];
	memset(buf, 0, sizeof(buf));
	check(getrandom(buf, sizeof(buf), 0) == (ssize_t)sizeof(buf), "getrandom 16 bytes");
	int nz = 0;
	for (size_t i = 0; i < sizeof(buf); i++)
		nz |= buf[i];
	check(nz != 0, "getrandom bytes are not all zero");

	struct rlimit rl;
	memset(&rl, 0, sizeof(rl));
	errno = 0;
	check(syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &rl) == 0,
	    "prlimit64(0, RLIMIT_STACK)");
	printf("stack limit cur=%lld max=%lld\n", (long long)rl.rlim_cur,
	    (long long)rl.rlim_max);
	check(rl.rlim_cur > 0, "RLIMIT_STACK cur > 0");
	check(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= rl.rlim_cur,
	    "RLIMIT_STACK max >= cur");

	if (failures) {
		printf("sysinfo FAILED (%d)\n", failures);
		return 1;
	}
	printf("sysinfo ok\n");
	return 0;
}
