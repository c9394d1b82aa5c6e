/* stale.c: the stale-translation stress test: one thread remaps, write-protects and unmaps pages while others read and write them; they must see the fault or the new contents, never the old page. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NPG      8
#define NREADERS 3
#define PG       4096

/*
 * The writer's state, one word: generation << 2 | phase.  A generation
 * starts with every page replaced by a fresh one (mmap MAP_FIXED) holding
 * the generation number, then published MAPPED; then the pages are made
 * read-only, published RO; then unmapped, published UNMAPPED.  CHANGING
 * is published before each change, so a reader that faults while the
 * state it read is still there has met a fault it should not have.
 */
enum { CHANGING = 0, MAPPED = 1, RO = 2, UNMAPPED = 3 };

static char *region;
static _Atomic long state;
static _Atomic int stop;
static _Atomic long reads, faults, bad;
static __thread sigjmp_buf jb;
static __thread volatile int catching, writing;

static void
segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	if (!catching)
		abort();
	siglongjmp(jb, 1);
}

static void
report(const char *what, long s, long v, int page)
{
	if (atomic_fetch_add(&bad, 1) < 5)
		printf("STALE: %s: generation %ld phase %ld, page %d read %ld\n",
		    what, s >> 2, s & 3, page, v);
}

static void *
reader(void *arg)
{
	long id = (long)arg, s, s2, g, ph, v, quiet = -1, wrote = -1;
	volatile long *w;
	int i = (int)id, n = 0;

	while (!stop) {
		s = atomic_load(&state);
		g = s >> 2;
		ph = s & 3;
		if (++n % 64 == 0 || s == quiet)
			sched_yield();
		if (s == quiet)
			continue; /* it faulted here: wait for the next state */
		i = (i + 1) % NPG;
		w = (volatile long *)(region + (size_t)i * PG);
		catching = 1;
		writing = 0;
		if (sigsetjmp(jb, 1) != 0) {
			catching = 0;
			faults++;
			quiet = s;
			/* A read fault is right only once the page went, or
			 * is going (the state moved on since); a write fault
			 * is what a read-only page gives. */
			if (!writing && (ph == MAPPED || ph == RO) &&
			    atomic_load(&state) == s)
				report("fault on a mapped page", s, -1, i);
			continue;
		}
		v = w[0];
		if (ph == RO && wrote != g) {
			/* A write must fault while it is read-only. */
			wrote = g;
			writing = 1;
			w[128] = v;
			s2 = atomic_load(&state);
			if (s2 == s)
				report("write through a read-only page", s, v,
				    i);
		}
		catching = 0;
		reads++;
		/* 0 is a fresh page not written yet: a newer one.  Anything
		 * older than what was published is the old page. */
		if (v != 0 && (ph == UNMAPPED ? v <= g : v < g))
			report("old contents", s, v, i);
	}
	return NULL;
}

/* Lets the readers look at the state just published. */
static void
pause_a_little(void)
{
	int i;

	for (i = 0; i < 4; i++)
		sched_yield();
}

int
main(int argc, char *argv[])
{
	long gens = argc > 1 ? atol(argv[1]) : 200, g;
	struct sigaction sa;
	pthread_t t[NREADERS];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	region = mmap(NULL, NPG * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (region == MAP_FAILED)
		return 2;
	state = 0 << 2 | UNMAPPED;
	/* The threads' stacks first: nothing else may land in the hole. */
	for (i = 0; i < NREADERS; i++)
		pthread_create(&t[i], NULL, reader, (void *)(long)i);
	munmap(region, NPG * PG);
	for (g = 1; g <= gens; g++) {
		for (i = 0; i < NPG; i++) {
			long *p = mmap(region + (size_t)i * PG, PG,
			    PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

			if (p == MAP_FAILED)
				return 3;
			p[0] = g;
		}
		atomic_store(&state, g << 2 | MAPPED);
		pause_a_little();
		atomic_store(&state, g << 2 | CHANGING);
		if (mprotect(region, NPG * PG, PROT_READ) != 0)
			return 4;
		atomic_store(&state, g << 2 | RO);
		pause_a_little();
		atomic_store(&state, g << 2 | CHANGING);
		if (munmap(region, NPG * PG) != 0)
			return 5;
		atomic_store(&state, g << 2 | UNMAPPED);
		pause_a_little();
	}
	stop = 1;
	for (i = 0; i < NREADERS; i++)
		pthread_join(t[i], NULL);
	if (bad != 0)
		return 1;
	fprintf(stderr, "%ld reads, %ld faults\n", (long)reads, (long)faults);
	printf("stale ok: %ld generations\n", gens);
	return 0;
}
