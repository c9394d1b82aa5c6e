/* memfd.c: memfd_create and its seals, POSIX shared memory (/dev/shm) as Linux defines them (run natively and under vkernel with the same expectations; "bound" under vkernel only). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef F_ADD_SEALS
#define F_ADD_SEALS (1024 + 9)
#define F_GET_SEALS (1024 + 10)
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif

static int checks, failures;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL line %d: ", __LINE__);			\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", errno, strerror(errno));	\
	}								\
} while (0)

/* The errno of a call that should fail: 0 if it succeeded. */
#define ERR(call) ((call) == -1 ? errno : 0)

static int
mfd(const char *name, unsigned flags)
{
	return (int)syscall(SYS_memfd_create, name, flags);
}

static off_t
fsize(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

static void
fdlink(int fd, char *out, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, out, len - 1);
	out[n < 0 ? 0 : n] = '\0';
}

static int
reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags);
}

/* ---- memfd_create: a file of memory ---- */

static void
basics(void)
{
	char buf[64], name[300], link[PATH_MAX];
	struct stat st;
	int fd, fd2, st2;
	char *m, *q;
	pid_t pid;

	fd = mfd("basic", MFD_CLOEXEC);
	CHECK(fd >= 0, "memfd_create");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "MFD_CLOEXEC");
	CHECK((fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND)) == O_RDWR,
	    "F_GETFL %#x", fcntl(fd, F_GETFL));
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
	    (st.st_mode & 07777) == 0777, "fstat mode %o size %ld",
	    st.st_mode, (long)st.st_size);
	fdlink(fd, link, sizeof(link));
	CHECK(strcmp(link, "/memfd:basic (deleted)") == 0, "link %s", link);
	CHECK(write(fd, "hello world", 11) == 11, "write");
	CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	memset(buf, 0, sizeof(buf));
	CHECK(read(fd, buf, sizeof(buf)) == 11 && strcmp(buf, "hello world") ==
	    0, "read %s", buf);
	CHECK(pwrite(fd, "W", 1, 6) == 1 && pread(fd, buf, 5, 6) == 5 &&
	    memcmp(buf, "World", 5) == 0, "pwrite/pread");
	CHECK(ftruncate(fd, 8192) == 0 && fsize(fd) == 8192, "ftruncate");
	CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL, "no sealing: %d",
	    fcntl(fd, F_GET_SEALS));
	CHECK(ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW)) == EPERM,
	    "sealing not allowed");

	/* Shared mappings see write(2) and each other, across fork. */
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap shared");
	if (m == MAP_FAILED)
		return;
	CHECK(memcmp(m, "hello World", 11) == 0, "map sees writes");
	memcpy(m + 4096, "mapped", 6);
	CHECK(pread(fd, buf, 6, 4096) == 6 && memcmp(buf, "mapped", 6) == 0,
	    "read sees the map");
	q = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(q != MAP_FAILED && q[4096] == 'm', "mmap private");
	if ((pid = fork()) == 0) {
		m[100] = 'c';
		q[200] = 'p';
		_exit(pwrite(fd, "child", 5, 5000) == 5 ? 0 : 1);
	}
	CHECK(waitpid(pid, &st2, 0) == pid && st2 == 0, "child");
	CHECK(m[100] == 'c' && memcmp(m + 5000, "child", 5) == 0,
	    "the child's writes through the map and write(2)");
	CHECK(q[200] == 0, "a private copy is the child's own");
	q[300] = 'x';
	CHECK(pread(fd, buf, 1, 300) == 1 && buf[0] == 0, "private stays");
	munmap(q, 8192);
	munmap(m, 8192);

	/* Reopened through /proc: the same object. */
	fd2 = reopen(fd, O_RDWR);
	CHECK(fd2 >= 0 && fd2 != fd, "reopen");
	CHECK(pwrite(fd2, "again", 5, 0) == 5 && pread(fd, buf, 5, 0) == 5 &&
	    memcmp(buf, "again", 5) == 0, "reopen writes the object");
	fdlink(fd2, link, sizeof(link));
	CHECK(strcmp(link, "/memfd:basic (deleted)") == 0, "link %s", link);
	close(fd2);
	fd2 = reopen(fd, O_RDWR | O_TRUNC);
	CHECK(fd2 >= 0 && fsize(fd) == 0, "reopen O_TRUNC");
	close(fd2);
	close(fd);

	/* Flags and names. */
	CHECK(ERR(mfd("x", 0x100)) == EINVAL, "unknown flag");
	CHECK(ERR(mfd("x", 1U << 26)) == EINVAL, "page size without HUGETLB");
	CHECK(ERR(mfd("x", MFD_HUGETLB | (63U << 26))) == ENODEV,
	    "bad huge page size");
	CHECK(ERR(mfd("x", 0x8 | 0x10)) == EINVAL, "EXEC with NOEXEC_SEAL");
	CHECK(ERR(mfd(NULL, 0)) == EFAULT, "NULL name");
	CHECK(ERR(mfd((const char *)8, 0)) == EFAULT, "bad name");
	memset(name, 'n', sizeof(name));
	name[250] = '\0';
	CHECK(ERR(mfd(name, 0)) == EINVAL, "250-byte name");
	name[249] = '\0';
	fd = mfd(name, 0);
	CHECK(fd >= 0, "249-byte name");
	fdlink(fd, link, sizeof(link));
	CHECK(strncmp(link, "/memfd:nnn", 10) == 0 && strlen(link) == 7 + 249 +
	    10, "long link %zu", strlen(link));
	CHECK(fcntl(fd, F_GETFD) == 0, "no cloexec");
	close(fd);
	fd = mfd("", MFD_ALLOW_SEALING);
	CHECK(fd >= 0 && fcntl(fd, F_GET_SEALS) == 0, "empty name, sealable");
	fdlink(fd, link, sizeof(link));
	CHECK(strcmp(link, "/memfd: (deleted)") == 0, "link %s", link);
	close(fd);
}

/* ---- seals ---- */

static void
seals(void)
{
	int fd, ro, p[2], fd2;
	char buf[16], *m, *w;

	fd = mfd("sealed", MFD_ALLOW_SEALING);
	CHECK(fd >= 0 && ftruncate(fd, 8192) == 0, "memfd");

	/* Bad requests. */
	CHECK(ERR(fcntl(fd, F_ADD_SEALS, 0x100)) == EINVAL, "unknown seal");
	ro = reopen(fd, O_RDONLY);
	CHECK(ro >= 0 && fcntl(ro, F_GET_SEALS) == 0, "read-only reopen");
	CHECK(ERR(fcntl(ro, F_ADD_SEALS, F_SEAL_GROW)) == EPERM,
	    "seal through a read-only file");
	CHECK(pipe(p) == 0, "pipe");
	CHECK(ERR(fcntl(p[0], F_GET_SEALS)) == EINVAL, "F_GET_SEALS on a pipe");
	CHECK(ERR(fcntl(p[1], F_ADD_SEALS, F_SEAL_GROW)) == EINVAL,
	    "F_ADD_SEALS on a pipe");
	close(p[0]);
	close(p[1]);
	CHECK(ERR(fcntl(999, F_GET_SEALS)) == EBADF, "bad fd");

	/* Shrink and grow. */
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0 &&
	    fcntl(fd, F_GET_SEALS) == F_SEAL_SHRINK, "SHRINK");
	CHECK(ERR(ftruncate(fd, 4096)) == EPERM, "shrink refused");
	CHECK(ftruncate(fd, 12288) == 0, "grow allowed");
	fd2 = reopen(fd, O_RDWR | O_TRUNC);
	CHECK(fd2 < 0 && errno == EPERM && fsize(fd) == 12288,
	    "O_TRUNC refused");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW) == 0 &&
	    fcntl(fd, F_GET_SEALS) == (F_SEAL_SHRINK | F_SEAL_GROW), "GROW");
	CHECK(ERR(ftruncate(fd, 16384)) == EPERM, "grow refused");
	CHECK(ftruncate(fd, 12288) == 0, "same size allowed");
	CHECK(pwrite(fd, "abc", 3, 100) == 3, "write inside");
	CHECK(ERR(pwrite(fd, "abc", 3, 12288)) == EPERM, "write past the end");
	CHECK(pwrite(fd, "abcdefgh", 8, 12284) == 4, "write across the end");
	CHECK(fsize(fd) == 12288, "size kept");
	CHECK(ERR(fallocate(fd, 0, 8192, 8192)) == EPERM, "fallocate past");
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		CHECK(ERR(truncate(path, 0)) == EPERM, "truncate(2) by link");
	}

	/* WRITE: EBUSY while a shared mapping may write. */
	w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(w != MAP_FAILED, "shared writable map");
	CHECK(ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)) == EBUSY, "EBUSY");
	w[0] = 'W';
	CHECK(munmap(w, 4096) == 0, "munmap");
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "private writable map");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0, "WRITE");
	CHECK(pread(fd, buf, 1, 0) == 1 && buf[0] == 'W', "the map's byte");
	CHECK(ERR(write(fd, "x", 1)) == EPERM, "write refused");
	CHECK(ERR(pwrite(fd, "x", 1, 0)) == EPERM, "pwrite refused");
	fd2 = reopen(fd, O_RDWR);
	CHECK(fd2 >= 0 && ERR(pwrite(fd2, "x", 1, 0)) == EPERM,
	    "refused through a reopen");
	close(fd2);
	CHECK(ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
	    4096)) == EPERM, "punching refused");
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
	    MAP_FAILED && errno == EPERM, "shared writable map refused");
	w = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(w != MAP_FAILED && w[0] == 'W', "shared read-only map");
	CHECK(ERR(mprotect(w, 4096, PROT_READ | PROT_WRITE)) == EACCES,
	    "never writable");
	munmap(w, 4096);
	m[0] = 'P';  /* a private copy may still be written */
	CHECK(pread(fd, buf, 1, 0) == 1 && buf[0] == 'W', "private write");
	munmap(m, 4096);
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) == 0, "SEAL");
	CHECK(ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE)) == EPERM,
	    "no more seals");
	CHECK(fcntl(fd, F_GET_SEALS) == (F_SEAL_SEAL | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_WRITE), "seals %#x", fcntl(fd, F_GET_SEALS));
	close(ro);
	close(fd);

	/* FUTURE_WRITE: mappings made before still write. */
	fd = mfd("future", MFD_ALLOW_SEALING);
	CHECK(fd >= 0 && ftruncate(fd, 4096) == 0, "memfd");
	w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(w != MAP_FAILED, "map");
	CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0, "FUTURE_WRITE");
	w[10] = 'F';
	CHECK(pread(fd, buf, 1, 10) == 1 && buf[0] == 'F', "old map writes");
	CHECK(ERR(pwrite(fd, "x", 1, 0)) == EPERM, "write refused");
	CHECK(mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
	    errno == EPERM, "new writable map refused");
	CHECK(ftruncate(fd, 8192) == 0, "size still free");
	munmap(w, 4096);
	close(fd);
}

/*
 * Under vkernel -m 16m only: the bytes of all memfds are bounded by -m
 * (ENOSPC past it, as a full tmpfs), a mapping keeps its object's bytes
 * charged after the last descriptor closed, and everything comes back.
 */
static void
bound(void)
{
	static char chunk[1 << 20];
	int fd, fd2, fd3, n, i, *fds;
	long total = 0;
	ssize_t w;
	char *m;

	fd = mfd("big", 0);
	CHECK(fd >= 0, "memfd");
	CHECK(ERR(ftruncate(fd, 32 << 20)) == ENOSPC, "32 MiB refused");
	memset(chunk, 'b', sizeof(chunk));
	while ((w = write(fd, chunk, sizeof(chunk))) > 0)
		total += w;
	CHECK(w < 0 && errno == ENOSPC, "write ends with ENOSPC");
	CHECK(total > (15 << 20) && total <= (16 << 20), "wrote %ld", total);
	CHECK(fsize(fd) == total, "size %ld", (long)fsize(fd));
	fd2 = mfd("second", 0);
	CHECK(fd2 < 0 || ERR(ftruncate(fd2, 1 << 20)) == ENOSPC,
	    "nothing left");
	close(fd);
	if (fd2 < 0)
		fd2 = mfd("second", 0);
	CHECK(fd2 >= 0 && ftruncate(fd2, 8 << 20) == 0, "room again");
	m = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	CHECK(m != MAP_FAILED, "map");
	close(fd2);
	memset(m, 'm', 8 << 20);
	fd3 = mfd("third", 0);
	CHECK(fd3 >= 0 && ERR(ftruncate(fd3, 12 << 20)) == ENOSPC,
	    "a mapping keeps its bytes");
	CHECK(munmap(m, 8 << 20) == 0, "munmap");
	CHECK(ftruncate(fd3, 12 << 20) == 0, "room after munmap");
	close(fd3);

	/* Objects: at most a page each, refused past the budget. */
	fds = calloc(8192, sizeof(int));
	for (n = 0; n < 8192 && (fds[n] = mfd("many", 0)) >= 0; n++)
		;
	CHECK(n < 8192 && n <= 4096 && (errno == ENOSPC || errno == ENFILE ||
	    errno == EMFILE), "%d objects", n);
	for (i = 0; i < n; i++)
		close(fds[i]);
	fd = mfd("after", 0);
	CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "room at the end");
	free(fds);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "memfd") == 0)
		basics();
	else if (strcmp(mode, "seals") == 0)
		seals();
	else if (strcmp(mode, "bound") == 0)
		bound();
	else {
		fprintf(stderr, "usage: memfd memfd|seals|bound\n");
		return 2;
	}
	if (failures)
		printf("%s: %d of %d checks failed\n", mode, failures, checks);
	else
		printf("%s ok: %d checks\n", mode, checks);
	return failures != 0;
}
