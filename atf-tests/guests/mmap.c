/* mmap.c: guest that checks anonymous mmap, munmap, mprotect and MAP_FIXED semantics without taking a signal. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PG   4096UL
#define SIZE (4UL * 1024 * 1024)

static void
fail(const char *what)
{
	printf("FAIL: %s (errno %d: %s)\n", what, errno, strerror(errno));
	exit(1);
}

static uint64_t
pat(size_t i)
{
	return 0x9e3779b97f4a7c15ULL * (i + 1);
}

/* Checks the pattern over words [from, to) of region r. */
static void
check_pattern(const uint64_t *r, size_t from, size_t to, const char *what)
{
	for (size_t i = from; i < to; i++)
		if (r[i] != pat(i)) {
			printf("word %zu: %#llx != %#llx\n", i,
			    (unsigned long long)r[i], (unsigned long long)pat(i));
			errno = 0;
			fail(what);
		}
}

static void
check_zero(const unsigned char *p, size_t len, const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0) {
			errno = 0;
			fail(what);
		}
}

int
main(void)
{
	const size_t words = SIZE / sizeof(uint64_t);
	const size_t wpp = PG / sizeof(uint64_t); /* words per page */

	/* 1. A 4 MiB anonymous private mapping: zero, writable, keeps data. */
	uint64_t *r = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		fail("mmap 4 MiB");
	if ((uintptr_t)r % PG != 0)
		fail("mmap result not page aligned");
	check_zero((unsigned char *)r, SIZE, "fresh anonymous memory is not zero");
	for (size_t i = 0; i < words; i++)
		r[i] = pat(i);
	check_pattern(r, 0, words, "pattern mismatch after writing 4 MiB");
	printf("4 MiB mapping ok\n");

	/* 2. munmap one page in the middle: the hole is free, neighbours keep data. */
	size_t hole_pg = 512; /* 2 MiB in */
	char *hole = (char *)r + hole_pg * PG;
	if (munmap(hole, PG) != 0)
		fail("munmap of a middle page");
	void *q = mmap(hole, PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (q == MAP_FAILED)
		fail("MAP_FIXED_NOREPLACE into the hole");
	if (q != hole) {
		errno = 0;
		fail("MAP_FIXED_NOREPLACE into the hole returned another address");
	}
	check_zero(q, PG, "page mapped into the hole is not zero");
	check_pattern(r, 0, hole_pg * wpp, "data below the hole changed");
	check_pattern(r, (hole_pg + 1) * wpp, words, "data above the hole changed");
	/* Occupied now: MAP_FIXED_NOREPLACE must refuse with EEXIST. */
	errno = 0;
	q = mmap(hole, PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (q != MAP_FAILED || errno != EEXIST)
		fail("MAP_FIXED_NOREPLACE over a mapping did not fail with EEXIST");
	/* Leave the hole unmapped for the checks below. */
	if (munmap(hole, PG) != 0)
		fail("munmap of the refilled hole");
	printf("munmap hole ok\n");

	/* 3. mprotect read-only and back. */
	char *ro = (char *)r + 16 * PG;
	if (mprotect(ro, 8 * PG, PROT_READ) != 0)
		fail("mprotect PROT_READ");
	check_pattern(r, 16 * wpp, 24 * wpp, "data changed under PROT_READ");
	if (mprotect(ro, 8 * PG, PROT_READ | PROT_WRITE) != 0)
		fail("mprotect back to PROT_READ|PROT_WRITE");
	for (size_t i = 16 * wpp; i < 24 * wpp; i++)
		r[i] = ~pat(i);
	for (size_t i = 16 * wpp; i < 24 * wpp; i++)
		if (r[i] != ~pat(i)) {
			errno = 0;
			fail("write after restoring PROT_WRITE lost");
		}
	for (size_t i = 16 * wpp; i < 24 * wpp; i++)
		r[i] = pat(i);
	/* PROT_NONE and back keeps the contents too. */
	if (mprotect(ro, PG, PROT_NONE) != 0)
		fail("mprotect PROT_NONE");
	if (mprotect(ro, PG, PROT_READ | PROT_WRITE) != 0)
		fail("mprotect back from PROT_NONE");
	check_pattern(r, 16 * wpp, 17 * wpp, "data changed across PROT_NONE");
	printf("mprotect ok\n");

	/* 4. mmap with a hint: must succeed and be usable; a free hint is normally taken. */
	void *hint = (void *)0x200000000000UL;
	char *h = mmap(hint, 4 * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		fail("mmap with a hint");
	if ((uintptr_t)h % PG != 0) {
		errno = 0;
		fail("hinted mmap not page aligned");
	}
	check_zero((unsigned char *)h, 4 * PG, "hinted mapping not zero");
	memset(h, 0x5a, 4 * PG);
	if (h[4 * PG - 1] != 0x5a) {
		errno = 0;
		fail("hinted mapping lost a write");
	}
	printf("hinted mmap %s\n", h == hint ? "at the hint" : "elsewhere");
	if (munmap(h, 4 * PG) != 0)
		fail("munmap of the hinted mapping");

	/* 5. MAP_FIXED over part of the mapping replaces it with zeroes. */
	char *fx = (char *)r + 100 * PG;
	q = mmap(fx, 3 * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (q == MAP_FAILED)
		fail("MAP_FIXED over an existing mapping");
	if (q != fx) {
		errno = 0;
		fail("MAP_FIXED returned another address");
	}
	check_zero(q, 3 * PG, "MAP_FIXED replacement does not read zero");
	check_pattern(r, 99 * wpp, 100 * wpp, "page below the MAP_FIXED range changed");
	check_pattern(r, 103 * wpp, 104 * wpp, "page above the MAP_FIXED range changed");
	printf("MAP_FIXED ok\n");

	/* 6. munmap of a range with nothing mapped succeeds. */
	if (munmap(hole, PG) != 0)
		fail("munmap of an unmapped page");
	/* ... and of a range straddling the hole. */
	if (munmap(hole - PG, 3 * PG) != 0)
		fail("munmap across the hole");

	/* 7. Errors. */
	errno = 0;
	q = mmap(NULL, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q != MAP_FAILED || errno != EINVAL)
		fail("mmap of length 0 did not fail with EINVAL");
	errno = 0;
	if (mprotect(hole, PG, PROT_READ) != -1 || errno != ENOMEM)
		fail("mprotect of an unmapped page did not fail with ENOMEM");
	errno = 0;
	if (munmap((char *)r + 1, PG) != -1 || errno != EINVAL)
		fail("munmap of an unaligned address did not fail with EINVAL");
	errno = 0;
	q = mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0);
	if (q != MAP_FAILED || errno != EINVAL)
		fail("mmap without MAP_PRIVATE/MAP_SHARED did not fail with EINVAL");
	printf("errors ok\n");

	if (munmap(r, SIZE) != 0)
		fail("munmap of the whole region");
	printf("mmap ok\n");
	return 0;
}
