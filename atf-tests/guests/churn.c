/* churn.c: page-heavy, process and thread micro-benchmarks for comparing paging paths and vCPU counts (and a sanity test). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Maps mib MiB, writes one word per page, checks them, unmaps; rounds times. */
static int
touch(long mib, long rounds)
{
	size_t len = (size_t)mib << 20, pages = len / 4096;
	double t0 = now();

	for (long r = 0; r < rounds; r++) {
		uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return perror("mmap"), 1;
		for (size_t i = 0; i < pages; i++)
			p[i * 512] = i ^ r;
		for (size_t i = 0; i < pages; i++)
			if (p[i * 512] != (i ^ r))
				return fprintf(stderr, "bad page %zu\n", i), 1;
		munmap(p, len);
	}
	printf("touch: %ld x %ld MiB: %.3f us/page\n", rounds, mib,
	    (now() - t0) * 1e6 / ((double)pages * rounds));
	return 0;
}

/* Touches pages in a scattered order: no sequential fault-ahead helps. */
static int
scatter(long mib, long rounds)
{
	size_t len = (size_t)mib << 20, pages = len / 4096;
	double t0 = now();

	for (long r = 0; r < rounds; r++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return perror("mmap"), 1;
		for (size_t i = 0; i < pages; i++)
			p[((i * 7919) % pages) * 4096] = 1;
		munmap(p, len);
	}
	printf("scatter: %ld x %ld MiB: %.3f us/page\n", rounds, mib,
	    (now() - t0) * 1e6 / ((double)pages * rounds));
	return 0;
}

/* mprotect a resident 1 MiB region read-only and back, n times. */
static int
protect(long n)
{
	size_t len = 1 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0;

	if (p == MAP_FAILED)
		return perror("mmap"), 1;
	memset(p, 1, len);
	t0 = now();
	for (long i = 0; i < n; i++) {
		if (mprotect(p, len, PROT_READ) || mprotect(p, len, PROT_READ | PROT_WRITE))
			return perror("mprotect"), 1;
		p[(i * 4096) % len]++;
	}
	printf("protect: %ld x 2 mprotect(1 MiB) + a write fault: %.3f us/round\n",
	    n, (now() - t0) * 1e6 / n);
	return 0;
}

/* A null system call, n times. */
static int
nullsys(long n)
{
	double t0 = now();

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("syscall: %ld x getppid: %.3f us/call\n", n, (now() - t0) * 1e6 / n);
	return 0;
}

/* fork, the child touching 16 pages of a 1 MiB heap buffer and exiting,
 * the parent reaping it; n times. */
static int
forks(long n)
{
	char *buf = malloc(1 << 20);
	double t0;
	int st;

	if (buf == NULL)
		return 1;
	memset(buf, 1, 1 << 20);
	t0 = now();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			for (int j = 0; j < 16; j++)
				buf[j * 4096] = 2;
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0) {
			printf("FAIL: fork/wait\n");
			return 1;
		}
	}
	printf("fork: %ld x fork+exit+wait: %.3f us/fork\n", n,
	    (now() - t0) * 1e6 / n);
	return 0;
}

/* One byte each way through two pipes between parent and child, n times:
 * the cost of a hand-off between two guest processes. */
static int
pingpong(long n)
{
	int a[2], b[2], st;
	char c = 0;
	double t0;
	pid_t pid;

	if (pipe(a) != 0 || pipe(b) != 0)
		return 1;
	if ((pid = fork()) == 0) {
		close(a[1]);
		while (read(a[0], &c, 1) == 1)
			if (write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	t0 = now();
	for (long i = 0; i < n; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1) {
			printf("FAIL: pingpong\n");
			return 1;
		}
	printf("pipe: %ld x round trip between two processes: %.3f us/trip\n", n,
	    (now() - t0) * 1e6 / n);
	close(a[1]);
	waitpid(pid, &st, 0);
	return 0;
}

/* A unit of CPU-bound work: 2^20 steps of a 64-bit LCG, nothing else. */
static void *
cpu_units(void *arg)
{
	long n = *(long *)arg;
	volatile uint64_t sink;
	uint64_t x = (uint64_t)(uintptr_t)arg;

	for (long u = 0; u < n; u++)
		for (int i = 0; i < (1 << 20); i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
	(void)sink;
	return NULL;
}

/* Two threads, n units each: wall time per unit (one unit's time when they
 * run in parallel, two when they take turns). */
static int
threads(long n)
{
	pthread_t t[2];
	long each[2] = { n, n };
	double t0 = now();

	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, cpu_units, &each[i]) != 0)
			return printf("FAIL: pthread_create\n"), 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("threads: 2 threads x %ld CPU units: %.3f us/unit\n", n,
	    (now() - t0) * 1e6 / n);
	return 0;
}

static _Atomic uint32_t fword;

static long
fx(uint32_t v, int op)
{
	return syscall(SYS_futex, &fword, op | 128 /* PRIVATE */, v, NULL,
	    NULL, 0);
}

/* The other side of the futex ping-pong: waits for 1, answers 0. */
static void *
futex_peer(void *arg)
{
	long n = *(long *)arg;

	for (long i = 0; i < n; i++) {
		while (atomic_load(&fword) != 1)
			fx(0, 0 /* WAIT */);
		atomic_store(&fword, 0);
		fx(0, 1 /* WAKE */);
	}
	return NULL;
}

/* n round trips between two threads through one futex word. */
static int
futex_pingpong(long n)
{
	pthread_t t;
	double t0;

	if (pthread_create(&t, NULL, futex_peer, &n) != 0)
		return printf("FAIL: pthread_create\n"), 1;
	t0 = now();
	for (long i = 0; i < n; i++) {
		atomic_store(&fword, 1);
		fx(0, 1 /* WAKE */);
		while (atomic_load(&fword) != 0)
			fx(1, 0 /* WAIT */);
	}
	pthread_join(t, NULL);
	printf("futex: %ld x round trip between two threads: %.3f us/trip\n",
	    n, (now() - t0) * 1e6 / n);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *w = argc > 1 ? argv[1] : "touch";
	long a = argc > 2 ? atol(argv[2]) : 16, b = argc > 3 ? atol(argv[3]) : 4;

	if (strcmp(w, "touch") == 0)
		return touch(a, b);
	if (strcmp(w, "scatter") == 0)
		return scatter(a, b);
	if (strcmp(w, "protect") == 0)
		return protect(a);
	if (strcmp(w, "syscall") == 0)
		return nullsys(a);
	if (strcmp(w, "fork") == 0)
		return forks(a);
	if (strcmp(w, "pipe") == 0)
		return pingpong(a);
	if (strcmp(w, "threads") == 0)
		return threads(a);
	if (strcmp(w, "futex") == 0)
		return futex_pingpong(a);
	fprintf(stderr, "usage: churn touch|scatter MiB rounds | "
	    "protect|syscall|fork|pipe|threads|futex n\n");
	return 2;
}
