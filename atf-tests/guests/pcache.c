/* pcache.c: guest for the page cache: `share F` maps file F (4 MiB) MAP_PRIVATE in two processes and reads it all; `cow F` private writes stay private across fork (and a read-only file's shared mapping stays read-only); `shw F` shared writes seen by read(2) in another process and write(2) seen through the mapping; `fdmodes F` write-back through an O_APPEND descriptor after a read-only one; `big F` maps and reads a file larger than memory, privately and then shared with writes; `trunc F` truncation drops the pages past the end from every mapping (SIGBUS there, zeros when the file grows again, nothing written back), also through O_TRUNC and truncate(2) while another process maps the file; `bus F` touches a page past the end with no handler (killed by SIGBUS). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
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

/* ---- truncation and SIGBUS ---- */

static sigjmp_buf bus_jmp;
static volatile sig_atomic_t bus_code;
static void *volatile bus_addr;

static void
on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	bus_addr = si->si_addr;
	siglongjmp(bus_jmp, 1);
}

/* Reads (or writes v to) *p: 0, or the si_code of the SIGBUS it raised
 * (si_addr must be p itself, else -1). */
static int
touch(volatile unsigned char *p, bool write, unsigned char v)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	bus_code = 0;
	bus_addr = NULL;
	if (sigsetjmp(bus_jmp, 1) != 0)
		return bus_addr == (void *)p ? bus_code : -1;
	if (write)
		*p = v;
	else
		(void)*p;
	return 0;
}

#define BUS(p, w) (touch((p), (w), 'w') == BUS_ADRERR)

/* True if the directory of path keeps holes (SEEK_DATA finds none in a
 * file that is one): then "nothing written back" can be seen as a hole. */
static bool
holes_kept(const char *path)
{
	char probe[4096];
	int fd;
	bool ok;

	snprintf(probe, sizeof(probe), "%s.holes", path);
	if ((fd = open(probe, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		return false;
	ok = ftruncate(fd, 16 * PG) == 0 && lseek(fd, 0, SEEK_DATA) == -1 &&
	    errno == ENXIO;
	close(fd);
	unlink(probe);
	return ok;
}

/* Pipe handshakes between the truncating parent and the mapping child. */
static void
say(int fd)
{
	char c = 'x';

	if (write(fd, &c, 1) != 1)
		_exit(90);
}

/* False when the other side is gone. */
static bool
hear(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

/* Another process maps the file, shared and private, with written pages;
 * this one truncates it by path (truncate(2)), then grows it: the child
 * sees SIGBUS past the end in between, zeros after. */
static void
trunc_other(const char *path)
{
	int up[2], down[2], st;
	pid_t pid;

	CHECK(pipe(up) == 0 && pipe(down) == 0, "pipes");
	if ((pid = fork()) == 0) {
		close(up[0]);
		close(down[1]);
		int fd = open(path, O_RDWR);
		unsigned char *s = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
		unsigned char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE, fd, 0);

		if (s == MAP_FAILED || p == MAP_FAILED)
			_exit(10);
		s[3 * PG] = 'S';
		p[2 * PG] = 'P';
		say(up[1]);
		if (!hear(down[0]))     /* truncated to PG + 10 */
			_exit(91);
		if (!BUS(s + 3 * PG, false) || !BUS(p + 2 * PG, false) ||
		    !BUS(s + 2 * PG, true))
			_exit(11);
		if (s[PG + 9] != pat(PG + 9) || s[PG + 10] != 0)
			_exit(12);
		say(up[1]);
		if (!hear(down[0]))     /* grown to 4 pages */
			_exit(91);
		if (s[3 * PG] != 0 || p[2 * PG] != 0 || p[3 * PG] != 0)
			_exit(13);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (hear(up[0])) {
		CHECK(truncate(path, PG + 10) == 0, "truncate");
		say(down[1]);
	}
	if (hear(up[0])) {
		CHECK(truncate(path, 4 * PG) == 0, "truncate up");
		say(down[1]);
	}
	close(up[0]);
	close(down[1]);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child: status %#x", st);
}

static int
trunc_(const char *path)
{
	int fd = open(path, O_RDWR), fd2;
	unsigned char *s, *p, buf[32];
	bool holes = holes_kept(path);

	CHECK(fd >= 0 && fsize(fd) == 8 * PG, "open %s", path);
	s = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(s != MAP_FAILED && p != MAP_FAILED, "mmap");
	if (s == MAP_FAILED || p == MAP_FAILED)
		return 1;
	s[6 * PG] = 'S';           /* shared, past the truncation */
	s[2 * PG + 50] = 's';      /* shared, the partial page */
	s[2 * PG + 300] = 't';     /* its tail, past the new end */
	p[5 * PG] = 'P';           /* a private copy past the truncation */
	p[2 * PG + 200] = 'Q';     /* a private copy of the partial page */
	CHECK(p[7 * PG] == pat(7 * PG), "private read");

	CHECK(ftruncate(fd, 2 * PG + 100) == 0, "ftruncate");
	/* Past the end: SIGBUS, shared or private, copied or not, read or
	 * write; the handler sees BUS_ADRERR and the address. */
	CHECK(BUS(s + 6 * PG, false), "shared read past the end: %d",
	    touch(s + 6 * PG, false, 0));
	CHECK(BUS(s + 3 * PG + 5, true), "shared write past the end");
	CHECK(BUS(p + 5 * PG, false), "private copy past the end");
	CHECK(BUS(p + 7 * PG, false), "private read past the end");
	CHECK(BUS(p + 4 * PG, true), "private write past the end");
	/* The partial page: the file's bytes, zero past the end, no fault;
	 * the private copy of it keeps what it had. */
	CHECK(s[2 * PG + 50] == 's' && s[2 * PG + 99] == pat(2 * PG + 99) &&
	    s[2 * PG + 100] == 0 && s[2 * PG + 300] == 0 &&
	    s[3 * PG - 1] == 0, "shared partial page");
	CHECK(p[2 * PG + 200] == 'Q' && p[2 * PG + 300] == 't',
	    "private copy of the partial page (copied after the shared "
	    "write)");
	CHECK(p[PG] == pat(PG), "private page inside");
	/* System calls on those pages: EFAULT, or a short count. */
	CHECK((fd2 = open(path, O_RDONLY)) >= 0, "reopen");
	errno = 0;
	CHECK(write(fd, s + 6 * PG, 10) == -1 && errno == EFAULT,
	    "write(2) from past the end");
	errno = 0;
	CHECK(pread(fd2, s + 6 * PG, 10, 0) == -1 && errno == EFAULT,
	    "read(2) into past the end");
	CHECK(pread(fd2, p + 3 * PG - 10, 20, 0) == 10,
	    "read(2) across the end: short");

	/* Grown again: the bytes past the truncation are gone for all. */
	CHECK(ftruncate(fd, 8 * PG) == 0, "ftruncate up");
	CHECK(s[6 * PG] == 0 && p[5 * PG] == 0 && p[7 * PG] == 0 &&
	    s[3 * PG + 5] == 0, "zeros after growing: %#x %#x %#x",
	    s[6 * PG], p[5 * PG], p[7 * PG]);
	CHECK(pread(fd2, buf, 1, 6 * PG) == 1 && buf[0] == 0, "pread");
	CHECK(s[2 * PG + 300] == 0, "the partial page's old tail");

	/* O_CREAT|O_TRUNC (as creat(2) and the shell's > do) while mapped. */
	s[3 * PG] = 'T';
	s[2 * PG] = 'V';           /* dirty, and not touched again */
	s[0] = 'U';
	CHECK((fd2 = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0 &&
	    fsize(fd) == 0, "O_TRUNC");
	CHECK(BUS(s, false) && BUS(s + 3 * PG, false) && BUS(p + PG, false),
	    "SIGBUS after O_TRUNC");
	CHECK(ftruncate(fd, 4 * PG) == 0, "ftruncate up");
	CHECK(s[0] == 0 && s[3 * PG] == 0 && p[PG] == 0,
	    "zeros after O_TRUNC and growing: %#x %#x", s[0], s[3 * PG]);
	/* The same through a /proc link that leads to the file. */
	if (path[0] != '/') {
		char link[4096];

		s[3 * PG] = 'L';
		snprintf(link, sizeof(link), "/proc/self/cwd/%s", path);
		CHECK(open(link, O_RDWR | O_TRUNC) >= 0 && fsize(fd) == 0,
		    "O_TRUNC through %s", link);
		CHECK(BUS(s + 3 * PG, false), "SIGBUS after O_TRUNC (link)");
		CHECK(ftruncate(fd, 4 * PG) == 0 && s[3 * PG] == 0,
		    "zeros after O_TRUNC (link) and growing");
	}
	/* Nothing of the dropped pages reaches the file: page 2, dirty
	 * before O_TRUNC and not touched since, is still a hole (tmpfs
	 * allocates the pages a mapping reads, so only this one is sure). */
	CHECK(munmap(s, 8 * PG) == 0 && munmap(p, 8 * PG) == 0, "munmap");
	CHECK(fsync(fd) == 0, "fsync");
	if (holes) {
		off_t d = lseek(fd, 2 * PG, SEEK_DATA);

		CHECK(d != 2 * PG, "page 2 was written back: data at %ld",
		    (long)d);
	}
	CHECK(pread(fd, buf, 32, 2 * PG) == 32 && buf[0] == 0, "file");
	CHECK(pread(fd, buf, 32, 3 * PG) == 32 && buf[0] == 0, "file");

	/* And while another process maps it (the pattern again first). */
	static unsigned char page[4 * PG];
	for (long i = 0; i < 4 * PG; i++)
		page[i] = pat(i);
	CHECK(pwrite(fd, page, 4 * PG, 0) == 4 * PG, "pwrite");
	trunc_other(path);
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
		printf("usage: pcache share|cow|shw|fdmodes|big|trunc|bus FILE\n");
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
	else if (strcmp(argv[1], "trunc") == 0)
		trunc_(argv[2]);
	else if (strcmp(argv[1], "bus") == 0)
		bus(argv[2]);
	else
		return 2;
	if (failed)
		return 1;
	printf("pcache %s ok\n", argv[1]);
	return 0;
}
