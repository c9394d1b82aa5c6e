/* touch64.c: guest that maps N MiB (default 64, argv[1]), writes an index pattern to every word and verifies it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int
main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 64;
	if (mib <= 0) {
		printf("FAIL: bad size %s\n", argv[1]);
		return 2;
	}
	size_t len = (size_t)mib << 20;
	uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("FAIL: mmap %ld MiB\n", mib);
		return 1;
	}
	size_t n = len / sizeof(*p);
	for (size_t i = 0; i < n; i++)
		p[i] = i ^ 0xa5a5a5a5a5a5a5a5ULL;
	for (size_t i = 0; i < n; i++)
		if (p[i] != (i ^ 0xa5a5a5a5a5a5a5a5ULL)) {
			printf("FAIL: word %zu reads %#llx\n", i,
			    (unsigned long long)p[i]);
			return 1;
		}
	printf("touch ok %ld MiB\n", mib);
	return 0;
}
