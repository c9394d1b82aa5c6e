/* oom.c: guest that maps N MiB (default 512, argv[1]) and touches every page, printing only at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int
main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 512;
	if (mib <= 0) {
		printf("FAIL: bad size %s\n", argv[1]);
		return 2;
	}
	size_t len = (size_t)mib << 20;
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("FAIL: mmap %ld MiB\n", mib);
		return 1;
	}
	for (size_t off = 0; off < len; off += 4096)
		p[off] = (char)(off >> 12 | 1);
	printf("touched %ld MiB\n", mib);
	return 0;
}
