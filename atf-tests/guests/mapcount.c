/* mapcount.c: an ordinary program that would need more host mappings than vm.max_map_count allows on the sw path, and checks no page aliases another. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096UL

/* What page i of region r holds. */
static uint64_t
tag(int r, size_t i)
{
	return ((uint64_t)r << 56) ^ (i * 0x9e3779b97f4a7c15ULL) ^ 0x5a5a;
}

static char *
region(size_t pages)
{
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("mmap of %zu pages failed\n", pages);
		exit(2);
	}
	return p;
}

/* Checks every page of r that is still mapped (skip: every k-th from
 * first, unmapped). */
static size_t
check(const char *p, int r, size_t pages, size_t first, size_t k)
{
	size_t i, bad = 0;

	for (i = 0; i < pages; i++) {
		if (k != 0 && i >= first && (i - first) % k == 0)
			continue;
		if (*(const uint64_t *)(p + i * PAGE) != tag(r, i) && bad++ < 3)
			printf("region %d page %zu: %#llx, not %#llx\n", r, i,
			    (unsigned long long)*(const uint64_t *)(p + i * PAGE),
			    (unsigned long long)tag(r, i));
	}
	return bad;
}

int
main(int argc, char *argv[])
{
	size_t na = argc > 1 ? strtoul(argv[1], NULL, 0) : 66000;
	size_t nb = 4096, nc = 600, i, bad;
	char *a, *b, *c;

	/* A: touched backwards, so no two pages continue each other on the
	 * host: one host mapping per page, past vm.max_map_count. */
	a = region(na);
	for (i = na; i-- > 0;)
		*(uint64_t *)(a + i * PAGE) = tag(1, i);
	/* B: touched forwards, in runs; then single pages unmapped in the
	 * middle of the runs, each splitting one. */
	b = region(nb);
	for (i = 0; i < nb; i++)
		*(uint64_t *)(b + i * PAGE) = tag(2, i);
	for (i = 5; i < nb; i += 8)
		if (munmap(b + i * PAGE, PAGE) != 0) {
			printf("munmap failed\n");
			return 2;
		}
	/* C: fresh pages, which reuse the ones just freed. */
	c = region(nc);
	for (i = 0; i < nc; i++)
		*(uint64_t *)(c + i * PAGE) = tag(3, i);

	bad = check(a, 1, na, 0, 0) + check(b, 2, nb, 5, 8) +
	    check(c, 3, nc, 0, 0);
	if (bad != 0) {
		printf("%zu pages lost their contents\n", bad);
		return 1;
	}
	printf("mapcount ok: %zu pages\n", na + nb + nc);
	return 0;
}
