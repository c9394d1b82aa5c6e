/* churn.c: page-heavy and process micro-benchmarks for comparing paging paths (and a sanity test). */
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
	fprintf(stderr, "usage: churn touch|scatter MiB rounds | "
	    "protect|syscall|fork|pipe n\n");
	return 2;
}
