/* bigmap.c: guest that reserves six 64 GiB MAP_NORESERVE anonymous mappings (three read-write, which merge, and three PROT_NONE), touches a few pages of each, checks them, drops and unmaps them; the vkernel's memory must follow what is touched. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PG	4096UL
#define GIB	(1UL << 30)
#define BIG	(64 * GIB)
#define N	3

static void
fail(const char *what, int i)
{
	printf("FAIL: %s %d (errno %d: %s)\n", what, i, errno, strerror(errno));
	exit(1);
}

/* The word stored at off of mapping k. */
static uint64_t
tag(int k, size_t off)
{
	return 0x9e3779b97f4a7c15ULL * (uint64_t)(k + 1) ^ off;
}

/* Offsets touched in each read-write mapping: both ends and the middle. */
static const size_t rw_off[] = { 0, BIG / 2 + 5 * PG, BIG - PG };

int
main(void)
{
	char *rw[N], *none[N];
	int i, j;

	for (i = 0; i < N; i++) {
		rw[i] = mmap(NULL, BIG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (rw[i] == MAP_FAILED)
			fail("mmap 64 GiB read-write", i);
	}
	for (i = 0; i < N; i++) {
		none[i] = mmap(NULL, BIG, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (none[i] == MAP_FAILED)
			fail("mmap 64 GiB PROT_NONE", i);
	}

	for (i = 0; i < N; i++)
		for (j = 0; j < 3; j++)
			*(uint64_t *)(rw[i] + rw_off[j]) = tag(i, rw_off[j]);
	/* One page in the middle of each PROT_NONE mapping becomes usable. */
	for (i = 0; i < N; i++) {
		char *pg = none[i] + (size_t)(i + 1) * 7 * GIB;

		if (mprotect(pg, PG, PROT_READ | PROT_WRITE) != 0)
			fail("mprotect a page of the PROT_NONE mapping", i);
		*(uint64_t *)pg = tag(N + i, 0);
	}

	for (i = 0; i < N; i++) {
		for (j = 0; j < 3; j++)
			if (*(uint64_t *)(rw[i] + rw_off[j]) != tag(i, rw_off[j]))
				fail("read back the read-write mapping", i);
		if (*(uint64_t *)(none[i] + (size_t)(i + 1) * 7 * GIB) !=
		    tag(N + i, 0))
			fail("read back the page of the PROT_NONE mapping", i);
		/* Untouched memory reads zero. */
		if (*(volatile uint64_t *)(rw[i] + BIG / 4) != 0)
			fail("untouched page not zero", i);
	}

	/* MADV_DONTNEED over all 64 GiB drops the pages: they read zero. */
	if (madvise(rw[0], BIG, MADV_DONTNEED) != 0)
		fail("madvise MADV_DONTNEED 64 GiB", 0);
	for (j = 0; j < 3; j++)
		if (*(volatile uint64_t *)(rw[0] + rw_off[j]) != 0)
			fail("page not zero after MADV_DONTNEED", j);
	for (j = 0; j < 3; j++)
		if (*(uint64_t *)(rw[1] + rw_off[j]) != tag(1, rw_off[j]))
			fail("MADV_DONTNEED reached the next mapping", j);

	for (i = 0; i < N; i++)
		if (munmap(rw[i], BIG) != 0 || munmap(none[i], BIG) != 0)
			fail("munmap 64 GiB", i);
	printf("bigmap ok\n");
	return 0;
}
