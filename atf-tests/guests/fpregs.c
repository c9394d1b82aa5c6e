/* fpregs.c: guest whose processes keep distinct SSE register values across system calls, task switches and preemption (Linux keeps each process's FPU state its own). */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Loads v into xmm0 and xmm8, makes a sched_yield system call (another
 * process may run meanwhile), and says whether both still hold v. */
static int
across_syscall(uint64_t v)
{
	uint64_t a, b;
	long nr = 24; /* SYS_sched_yield */

	__asm__ volatile(
	    "movq %[v], %%xmm0\n\t"
	    "movq %[v], %%xmm8\n\t"
	    "syscall\n\t"
	    "movq %%xmm0, %[a]\n\t"
	    "movq %%xmm8, %[b]\n\t"
	    : [a] "=r"(a), [b] "=r"(b), "+a"(nr)
	    : [v] "r"(v)
	    : "rcx", "r11", "xmm0", "xmm8", "memory");
	return a == v && b == v;
}

/* Spins n rounds with v in xmm1 (preemption may switch to another
 * process at any instruction) and says whether xmm1 kept it. */
static int
across_preemption(uint64_t v, long n)
{
	uint64_t got;

	__asm__ volatile(
	    "movq %[v], %%xmm1\n\t"
	    "1:\n\t"
	    "pause\n\t"
	    "dec %[n]\n\t"
	    "jnz 1b\n\t"
	    "movq %%xmm1, %[g]\n\t"
	    : [g] "=r"(got), [n] "+r"(n)
	    : [v] "r"(v)
	    : "xmm1", "cc");
	return got == v;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Each of the processes checks its own values; the exit status says. */
static int
worker(uint64_t id, double secs, long spin)
{
	uint64_t v = 0x1111111111111111ULL * (id + 1);
	double end = now() + secs;
	long rounds = 0, bad = 0;

	while (now() < end || rounds < 200) {
		bad += !across_syscall(v + (uint64_t)rounds);
		bad += !across_preemption(v ^ (uint64_t)rounds, spin);
		rounds++;
	}
	if (bad)
		printf("FAIL: process %llu: %ld of %ld rounds lost its SSE "
		    "registers\n", (unsigned long long)id, bad, rounds);
	return bad ? 1 : 0;
}

int
main(int argc, char **argv)
{
	int nproc = argc > 1 ? atoi(argv[1]) : 3, st, bad = 0;
	double secs = argc > 2 ? atof(argv[2]) : 0.5;
	long spin = argc > 3 ? atol(argv[3]) : 20000;
	pid_t pid;

	fflush(stdout);
	for (int i = 1; i < nproc; i++) {
		if ((pid = fork()) < 0) {
			printf("FAIL: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0)
			_exit(worker((uint64_t)i, secs, spin));
	}
	bad |= worker(0, secs, spin);
	while ((pid = wait(&st)) > 0)
		bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	if (bad)
		return 1;
	printf("fpregs ok: %d processes\n", nproc);
	return 0;
}
