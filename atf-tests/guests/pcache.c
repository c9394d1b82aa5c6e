/* pcache.c: guest for the page cache: `share F` maps file F (4 MiB) MAP_PRIVATE in two processes and reads it all; `cow F` private writes stay private across fork (and a read-only file's shared mapping stays read-only); `shw F` shared writes seen by read(2) in another process and write(2) seen through the mapping; `fdmodes F` write-back through an O_APPEND descriptor after a read-only one; `big F` maps and reads a file larger than memory, privately and then shared with writes; `bus F` touches a page past the end with no handler (killed by SIGBUS). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096L

static int failed;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		failed++;						\
		printf("FAIL: line %d: ", __LINE__);			\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", errno, strerror(errno));	\
	}								\
} while (0)

/* The byte the test files hold at offset i (tools make them so). */
static unsigned char
pat(long i)
{
	return (unsigned char)(i * 7 + i / PG);
}

static long
fsize(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/* Sums the mapping one byte a page, checking the pattern. */
static long
walk(const volatile unsigned char *m, long n)
{
	long bad = 0;

	for (long i = 0; i < n; i += PG / 2)
		if (m[i] != pat(i))
			bad++;
	return bad;
}

static int
share(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = fsize(fd);
	unsigned char *m;
	pid_t pid;
	int st;

	CHECK(fd >= 0 && n > 0, "open %s", path);
	m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "mmap");
	if (m == MAP_FAILED)
		return 1;
	close(fd);
	CHECK(walk(m, n) == 0, "parent reads the file");
	if ((pid = fork()) == 0) {
		/* The child maps it again itself: the same cache pages. */
		int fd2 = open(path, O_RDONLY);
		unsigned char *m2 = mmap(NULL, n, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE, fd2, 0);

		if (m2 == MAP_FAILED || walk(m2, n) != 0 || walk(m, n) != 0)
			_exit(1);
		/* mprotect, mremap and munmap of pieces. */
		if (mprotect(m2 + PG, PG, PROT_READ | PROT_WRITE) != 0)
			_exit(2);
		m2[PG] = 1;
		if (m2[PG] != 1 || m[PG] != pat(PG))
			_exit(3);
		/* The tail after the mprotected page, grown and moved. */
		unsigned char *r = mremap(m2 + 2 * PG, n - 2 * PG,
		    n + 16 * PG, MREMAP_MAYMOVE);
		if (r == MAP_FAILED || r[0] != pat(2 * PG) ||
		    r[PG] != pat(3 * PG))
			_exit(4);
		if (r[n - 3 * PG - 1] != pat(n - PG - 1)) /* the last byte */
			_exit(5);
		if (munmap(r + 3 * PG, 2 * PG) != 0 || r[5 * PG] != pat(7 * PG))
			_exit(6);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child: status %#x", st);
	CHECK(walk(m, n) == 0, "parent reads the file again");
	return 0;
}

static int
cow(const char *path)
{
	int fd = open(path, O_RDONLY);
	unsigned char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE, fd, 0);
	pid_t pid;
	int st;

	CHECK(m != MAP_FAILED, "mmap");
	if (m == MAP_FAILED)
		return 1;
	CHECK(m[10] == pat(10), "read");
	m[10] = 0xaa;
	if ((pid = fork()) == 0) {
		m[11] = 0xbb;
		m[PG] = 0xcc;
		_exit(m[10] == 0xaa && m[11] == 0xbb ? 0 : 1);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child: status %#x", st);
	CHECK(m[10] == 0xaa && m[11] == pat(11) && m[PG] == pat(PG),
	    "parent's private copy");
	/* A second private mapping and the file itself are unchanged. */
	unsigned char *m2 = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	unsigned char b = 0;
	CHECK(m2 != MAP_FAILED && m2[10] == pat(10), "second mapping");
	CHECK(pread(fd, &b, 1, 10) == 1 && b == pat(10), "file: %#x", b);
	CHECK(madvise(m, PG, MADV_DONTNEED) == 0 && m[10] == pat(10),
	    "DONTNEED reverts to the file");
	/* A shared mapping of a read-only file never becomes writable. */
	unsigned char *s = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	errno = 0;
	CHECK(s != MAP_FAILED && mprotect(s, PG, PROT_READ | PROT_WRITE) == -1 &&
	    errno == EACCES, "mprotect of a read-only shared mapping");
	return 0;
}

static int
shw(const char *path)
{
	int fd = open(path, O_RDWR);
	long n = fsize(fd);
	unsigned char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	char buf[16];
	pid_t pid;
	int st;

	CHECK(m != MAP_FAILED, "mmap shared");
	if (m == MAP_FAILED)
		return 1;
	memcpy(m + 100, "mapped", 6);
	if ((pid = fork()) == 0) {
		/* Another process, its own open file: read(2) sees it. */
		int fd2 = open(path, O_RDWR);

		if (pread(fd2, buf, 6, 100) != 6 || memcmp(buf, "mapped", 6))
			_exit(1);
		if (lseek(fd2, PG + 5, SEEK_SET) != PG + 5 ||
		    write(fd2, "written", 7) != 7)
			_exit(2);
		/* And its own mapping sees the parent's writes. */
		unsigned char *c = mmap(NULL, n, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd2, 0);
		if (c == MAP_FAILED || memcmp(c + 100, "mapped", 6))
			_exit(3);
		memcpy(c + 2 * PG, "child", 5);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child: status %#x", st);
	CHECK(memcmp(m + PG + 5, "written", 7) == 0, "write(2) shows in map");
	CHECK(memcmp(m + 2 * PG, "child", 5) == 0, "child's mapping");
	CHECK(msync(m, n, MS_SYNC) == 0, "msync");
	CHECK(pread(fd, buf, 5, 2 * PG) == 5 && memcmp(buf, "child", 5) == 0,
	    "pread after msync");
	m[3 * PG] = 'Z'; /* written back at exit */
	CHECK(mprotect(m, PG, PROT_READ) == 0, "mprotect");
	return 0;
}

/* The cache's descriptor is its own: mapped read-only first, then shared
 * writable through an O_APPEND descriptor, the write lands in place. */
static int
fdmodes(const char *path)
{
	int ro = open(path, O_RDONLY), ap = open(path, O_RDWR | O_APPEND);
	long n = fsize(ro);
	unsigned char *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, ro, 0);
	unsigned char *w = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED,
	    ap, 0);
	unsigned char b = 0;

	CHECK(p != MAP_FAILED && w != MAP_FAILED, "mmap");
	if (p == MAP_FAILED || w == MAP_FAILED)
		return 1;
	close(ap);
	CHECK(p[PG] == pat(PG), "private read");
	w[PG + 1] = 0x42;
	CHECK(msync(w, n, MS_SYNC) == 0, "msync");
	CHECK(pread(ro, &b, 1, PG + 1) == 1 && b == 0x42, "pread: %#x", b);
	CHECK(fsize(ro) == n, "size %ld, want %ld", fsize(ro), n);
	CHECK(p[PG + 1] == 0x42, "the private mapping shows the unwritten page");
	return 0;
}

static int
big(const char *path)
{
	int fd = open(path, O_RDONLY);
	long n = fsize(fd);
	unsigned char *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);

	CHECK(m != MAP_FAILED, "mmap");
	if (m == MAP_FAILED)
		return 1;
	CHECK(walk(m, n) == 0, "first pass");
	CHECK(walk(m, n) == 0, "second pass");
	CHECK(munmap(m, n) == 0, "munmap");
	/* Shared and written: dirty pages go back to the file to be evicted. */
	int fdw = open(path, O_RDWR);
	volatile unsigned char *w = mmap(NULL, n, PROT_READ | PROT_WRITE,
	    MAP_SHARED, fdw, 0);
	long bad = 0;
	CHECK(w != MAP_FAILED, "mmap shared");
	if (w == MAP_FAILED)
		return 1;
	for (long i = 0; i < n; i += PG)
		if (w[i] != pat(i))
			bad++;
	for (long i = 0; i < n; i += 8 * PG)
		w[i + 1] = 0x5a;
	for (long i = 0; i < n; i += 8 * PG)
		if (w[i + 1] != 0x5a || w[i] != pat(i))
			bad++;
	CHECK(bad == 0, "%ld bad bytes in the shared mapping", bad);
	return 0;
}

/* A page wholly past the end with no handler: SIGBUS ends the process. */
static int
bus(const char *path)
{
	int fd = open(path, O_RDONLY);
	volatile unsigned char *m = mmap(NULL, 4 * PG, PROT_READ,
	    MAP_PRIVATE, fd, 0);

	CHECK(m != MAP_FAILED && fsize(fd) < 2 * PG, "mmap");
	if (m == MAP_FAILED)
		return 1;
	printf("before\n");
	fflush(stdout);
	return m[2 * PG];
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		printf("usage: pcache share|cow|shw|fdmodes|big|bus FILE\n");
		return 2;
	}
	if (strcmp(argv[1], "share") == 0)
		share(argv[2]);
	else if (strcmp(argv[1], "cow") == 0)
		cow(argv[2]);
	else if (strcmp(argv[1], "shw") == 0)
		shw(argv[2]);
	else if (strcmp(argv[1], "fdmodes") == 0)
		fdmodes(argv[2]);
	else if (strcmp(argv[1], "big") == 0)
		big(argv[2]);
	else if (strcmp(argv[1], "bus") == 0)
		bus(argv[2]);
	else
		return 2;
	if (failed)
		return 1;
	printf("pcache %s ok\n", argv[1]);
	return 0;
}
