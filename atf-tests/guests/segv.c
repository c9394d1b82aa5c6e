/* segv.c: guest that prints "before" and then writes to a read-only page, so it must die of SIGSEGV. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int
main(void)
{
	volatile char *p = mmap(NULL, 4096, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("FAIL: mmap\n");
		return 1;
	}
	printf("before\n");
	fflush(stdout);
	p[0] = 1; /* SIGSEGV */
	printf("FAIL: still alive after writing a read-only page\n");
	return 1;
}
