/* vmcalls.c: guest that checks mremap, mincore, msync and madvise(MADV_DONTNEED) as Linux does them, shared anonymous memory included. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL

static int checks, failed;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failed++;						\
		printf("FAIL: line %d: ", __LINE__);			\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", errno, strerror(errno));	\
	}								\
} while (0)

static void
fill(char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i += PG)
		p[i] = (char)(c + i / PG);
}

static int
same(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i += PG)
		if (p[i] != (char)(c + i / PG))
			return 0;
	return 1;
}

static void
remaps(void)
{
	char *a, *b, *c, *hole;

	/* Grow in place into a free neighbour. */
	hole = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(hole != MAP_FAILED, "mmap");
	CHECK(munmap(hole + 2 * PG, 6 * PG) == 0, "munmap tail");
	fill(hole, 2 * PG, 'a');
	a = mremap(hole, 2 * PG, 6 * PG, 0);
	CHECK(a == hole, "grow in place: %p", (void *)a);
	CHECK(same(a, 2 * PG, 'a') && a[5 * PG] == 0, "contents after grow");
	/* Shrink. */
	a = mremap(hole, 6 * PG, PG, 0);
	CHECK(a == hole && same(a, PG, 'a'), "shrink");
	/* Grow where it cannot: ENOMEM without MAYMOVE, a move with it. */
	b = mmap(hole + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
	    MAP_FIXED, -1, 0);
	CHECK(b == hole + PG, "block the neighbour");
	errno = 0;
	CHECK(mremap(hole, PG, 4 * PG, 0) == MAP_FAILED && errno == ENOMEM,
	    "no room, no move");
	c = mremap(hole, PG, 4 * PG, MREMAP_MAYMOVE);
	CHECK(c != MAP_FAILED && c != hole, "move: %p", (void *)c);
	CHECK(same(c, PG, 'a'), "moved contents");
	c[3 * PG] = 'z';
	/* The old place is gone. */
	CHECK(mincore(hole, PG, (unsigned char[1]){ 0 }) == -1 &&
	    errno == ENOMEM, "old range unmapped");
	/* FIXED: to a chosen place. */
	b = mmap(NULL, 16 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(b != MAP_FAILED, "mmap target");
	a = mremap(c, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, b + 8 * PG);
	CHECK(a == b + 8 * PG && same(a, PG, 'a') && a[3 * PG] == 'z',
	    "fixed move");
	/* Bad arguments. */
	errno = 0;
	CHECK(mremap(a + 1, PG, PG, 0) == MAP_FAILED && errno == EINVAL,
	    "misaligned");
	errno = 0;
	CHECK(mremap(a, PG, PG, MREMAP_FIXED, b) == MAP_FAILED &&
	    errno == EINVAL, "FIXED without MAYMOVE");
	errno = 0;
	CHECK(mremap(a, PG, 0, 0) == MAP_FAILED && errno == EINVAL,
	    "new length 0");
	errno = 0;
	CHECK(mremap(a, PG, PG, 0x40) == MAP_FAILED && errno == EINVAL,
	    "unknown flag");
	munmap(b, 16 * PG);
	munmap(hole + PG, PG);
}

static void
cores(void)
{
	unsigned char vec[8];
	char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED, "mmap");
	p[0] = 1;
	p[5 * PG] = 1;
	CHECK(mincore(p, 8 * PG, vec) == 0, "mincore");
	CHECK((vec[0] & 1) && (vec[5] & 1), "touched pages resident");
	errno = 0;
	CHECK(mincore(p + 1, PG, vec) == -1 && errno == EINVAL, "misaligned");
	errno = 0;
	CHECK(mincore(p, PG, (unsigned char *)8) == -1 && errno == EFAULT,
	    "bad vector");
	CHECK(msync(p, 8 * PG, MS_SYNC) == 0, "msync");
	CHECK(msync(p, 0, MS_ASYNC) == 0, "msync of nothing");
	errno = 0;
	CHECK(msync(p, PG, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL,
	    "SYNC and ASYNC");
	errno = 0;
	CHECK(msync(p + 1, PG, MS_SYNC) == -1 && errno == EINVAL, "misaligned");
	/* MADV_DONTNEED: private anonymous memory reads zero again. */
	CHECK(madvise(p, 8 * PG, MADV_DONTNEED) == 0, "madvise");
	CHECK(p[0] == 0 && p[5 * PG] == 0, "zero after DONTNEED");
	munmap(p, 8 * PG);
	errno = 0;
	CHECK(msync(p, PG, MS_SYNC) == -1 && errno == ENOMEM, "msync unmapped");
}

/* MAP_SHARED|MAP_ANONYMOUS survives fork both ways; private does not. */
static void
shared(void)
{
	int *sh = mmap(NULL, PG, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *pr = mmap(NULL, PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int st;
	pid_t pid;

	CHECK(sh != MAP_FAILED && pr != MAP_FAILED, "mmap");
	*sh = 1;
	*pr = 1;
	if ((pid = fork()) == 0) {
		int ok = *sh == 1 && *pr == 1;

		*sh = 2;
		*pr = 2;
		_exit(ok ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && st == 0, "child");
	CHECK(*sh == 2, "shared write seen: %d", *sh);
	CHECK(*pr == 1, "private write not seen: %d", *pr);
}

int
main(void)
{
	remaps();
	cores();
	shared();
	if (failed) {
		printf("FAIL: %d of %d checks\n", failed, checks);
		return 1;
	}
	printf("vmcalls ok: %d checks\n", checks);
	return 0;
}
