/* fmap.c: guest that checks mmap of a regular file (its stdin, opened read-only) as Linux does it: private and shared read-only copies, offsets, the zeroed tail, SIGBUS (BUS_ADRERR at the address) and EFAULT past the end of the file, ld.so's PROT_NONE reservation, fork, and the errors; `fmap sharedwrite` tries a shared writable mapping. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096L

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

static char *file;   /* the whole file, read with pread */
static long fsize;

/* p holds the file's bytes [off, off+n), and zeros past its end. */
static int
same_as_file(const char *p, long off, long n)
{
	for (long i = 0; i < n; i++)
		if (p[i] != (off + i < fsize ? file[off + i] : 0))
			return 0;
	return 1;
}

/* mmap(NULL, len, prot, flags, fd, off) fails with err. */
static void
fails(long len, int prot, int flags, int fd, long off, int err)
{
	errno = 0;
	void *m = mmap(NULL, len, prot, flags, fd, off);
	CHECK(m == MAP_FAILED && errno == err, "mmap fd %d prot %d flags %#x "
	    "off %ld: %p, want errno %d", fd, prot, flags, off, m, err);
}

static void
private_maps(void)
{
	char *m;

	/* The whole file, not a page multiple: the tail of the last page is
	 * zero. */
	m = mmap(NULL, fsize, PROT_READ, MAP_PRIVATE, 0, 0);
	CHECK(m != MAP_FAILED, "mmap whole file");
	CHECK(same_as_file(m, 0, (fsize + PG - 1) / PG * PG), "contents");
	CHECK(munmap(m, fsize) == 0, "munmap");

	/* An offset. */
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0, PG);
	CHECK(m != MAP_FAILED && same_as_file(m, PG, 2 * PG), "at offset");
	munmap(m, 2 * PG);

	/* Written privately: the file does not change, nor does a second
	 * mapping of it. */
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0, 0);
	CHECK(m != MAP_FAILED, "mmap rw private");
	memset(m, 'x', 100);
	char b[100];
	CHECK(pread(0, b, 100, 0) == 100 && memcmp(b, file, 100) == 0,
	    "file unchanged by a private write");
	char *m2 = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 0, 0);
	CHECK(m2 != MAP_FAILED && same_as_file(m2, 0, PG), "second map");
	munmap(m2, PG);

	/* A forked child sees the private copy as it was written. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(m[0] == 'x' && m[100] == file[100] ? 0 : 1);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child sees the copy: %#x", st);
	munmap(m, PG);
}

static sigjmp_buf bus_jmp;
static volatile int bus_code;
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

/* Reads *p: 0, or 1 when it raised SIGBUS with BUS_ADRERR at p. */
static int
bus_at(const volatile char *p)
{
	bus_code = 0;
	bus_addr = NULL;
	if (sigsetjmp(bus_jmp, 1) != 0)
		return bus_code == BUS_ADRERR && bus_addr == (void *)p;
	(void)*p;
	return 0;
}

/* A mapping longer than the file: the page holding the end reads zero
 * past it, the pages wholly past it raise SIGBUS, and a system call given
 * one gets EFAULT. */
static void
past_eof(void)
{
	long whole = (fsize + PG - 1) / PG * PG;
	struct sigaction sa, old;
	int pfd[2];
	char *m;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGBUS, &sa, &old) == 0, "sigaction");
	for (int shared = 0; shared < 2; shared++) {
		m = mmap(NULL, whole + 2 * PG, PROT_READ, shared ? MAP_SHARED :
		    MAP_PRIVATE, 0, 0);
		CHECK(m != MAP_FAILED, "mmap past the end (shared %d)", shared);
		if (m == MAP_FAILED)
			continue;
		CHECK(same_as_file(m + whole - PG, whole - PG, PG),
		    "the last page, zero past the end");
		CHECK(bus_at(m + whole) && bus_at(m + whole + PG + 7),
		    "SIGBUS past the end (shared %d): code %d addr %p",
		    shared, bus_code, bus_addr);
		CHECK(pipe(pfd) == 0, "pipe");
		errno = 0;
		CHECK(write(pfd[1], m + whole, 1) == -1 && errno == EFAULT,
		    "write(2) from past the end");
		close(pfd[0]);
		close(pfd[1]);
		munmap(m, whole + 2 * PG);
	}
	sigaction(SIGBUS, &old, NULL);
}

/* What ld.so does: reserve the span with the first segment's mapping,
 * PROT_NONE the rest, MAP_FIXED the next segment over it. */
static void
ldso_pattern(void)
{
	char *r = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE, 0, 0);
	CHECK(r != MAP_FAILED, "reservation");
	CHECK(mprotect(r + PG, 2 * PG, PROT_NONE) == 0, "PROT_NONE the rest");
	char *s = mmap(r + 2 * PG, PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_FIXED, 0, PG);
	CHECK(s == r + 2 * PG, "MAP_FIXED segment: %p", (void *)s);
	CHECK(same_as_file(s, PG, PG), "segment holds offset PG");
	CHECK(mprotect(r + PG, PG, PROT_READ) == 0 &&
	    same_as_file(r, 0, 2 * PG), "the PROT_NONE page held the file");
	/* A PROT_NONE mapping of the file, made readable later. */
	char *n = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE, 0, 2 * PG);
	CHECK(n != MAP_FAILED && mprotect(n, PG, PROT_READ) == 0 &&
	    same_as_file(n, 2 * PG, PG), "PROT_NONE then readable");
	munmap(n, PG);
	munmap(r, 3 * PG);
}

static void
shared_maps(void)
{
	char *m = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, 0, PG);
	CHECK(m != MAP_FAILED && same_as_file(m, PG, 2 * PG),
	    "MAP_SHARED read-only");
	munmap(m, 2 * PG);
	/* stdin is read-only: no shared writable mapping of it. */
	fails(PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0, 0, EACCES);
}

static void
errors(void)
{
	int pfd[2];

	fails(PG, PROT_READ, MAP_PRIVATE, 0, 100, EINVAL);
	fails(PG, PROT_READ, MAP_PRIVATE, 99, 0, EBADF);
	fails(PG, PROT_READ, MAP_PRIVATE, -1, 0, EBADF);
	CHECK(pipe(pfd) == 0, "pipe");
	fails(PG, PROT_READ, MAP_PRIVATE, pfd[0], 0, ENODEV);
	fails(PG, PROT_READ, MAP_PRIVATE, pfd[1], 0, EACCES);
	close(pfd[0]);
	close(pfd[1]);
	/* A directory, where the vkernel can open one yet. */
	int d = open("/", O_RDONLY | O_DIRECTORY);
	if (d >= 0) {
		fails(PG, PROT_READ, MAP_PRIVATE, d, 0, ENODEV);
		close(d);
	}
}

/* MAP_SHARED|PROT_WRITE of stdin opened read-write: "mapped", or the
 * errno (Linux and the vkernel's page cache map it). */
static int
shared_write(void)
{
	void *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, 0, 0);

	printf("%s\n", m != MAP_FAILED ? "mapped" : errno == ENODEV ?
	    "ENODEV" : strerror(errno));
	return 0;
}

int
main(int argc, char **argv)
{
	struct stat st;

	if (argc > 1 && strcmp(argv[1], "sharedwrite") == 0)
		return shared_write();

	if (fstat(0, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 3 * PG) {
		printf("usage: fmap < FILE (a regular file of 3 pages or more)\n");
		return 2;
	}
	fsize = st.st_size;
	if ((file = malloc(fsize)) == NULL || pread(0, file, fsize, 0) != fsize) {
		printf("cannot read stdin\n");
		return 2;
	}
	private_maps();
	past_eof();
	ldso_pattern();
	shared_maps();
	errors();
	if (failed) {
		printf("fmap: %d of %d checks failed\n", failed, checks);
		return 1;
	}
	printf("fmap ok: %d checks\n", checks);
	return 0;
}
