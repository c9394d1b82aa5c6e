/* oom.c: guest that maps N MiB (default 512, argv[1]) in 4 MiB pieces and touches every page, printing only at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Pieces no larger than any guest memory the tests give, so that each
 * mmap passes the heuristic overcommit check and only touching them
 * runs out. */
#define PIECE (4UL << 20)

int
main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 512;
	size_t len, done, off;

	if (mib <= 0) {
		printf("FAIL: bad size %s\n", argv[1]);
		return 2;
	}
	len = (size_t)mib << 20;
	for (done = 0; done < len; done += PIECE) {
		volatile char *p = mmap(NULL, PIECE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			printf("FAIL: mmap at %zu MiB\n", done >> 20);
			return 1;
		}
		for (off = 0; off < PIECE; off += 4096)
			p[off] = (char)(off >> 12 | 1);
	}
	printf("touched %ld MiB\n", mib);
	return 0;
}
