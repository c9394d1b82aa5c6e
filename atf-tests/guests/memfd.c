/* memfd.c: memfd_create and its seals, POSIX shared memory (/dev/shm) as Linux defines them (run natively and under vkernel with the same expectations; "bound" under vkernel only). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
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

#include "vk_check.h"

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

/* ---- POSIX shared memory: /dev/shm ---- */

static int
in_dir(const char *dir, const char *name)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int found = 0;

	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, name) == 0)
			found = d->d_type == DT_REG ? 1 : 2;
	closedir(dp);
	return found;
}

static void
posix(void)
{
	char name[64], path[80], link[PATH_MAX], want[PATH_MAX], buf[16];
	struct stat st;
	int fd, fd2, ro, wst;
	char *m, *m2;
	pid_t pid;

	umask(022);
	snprintf(name, sizeof(name), "/vkt-shm-%d", (int)getpid());
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	CHECK(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == 01777, "/dev/shm %o", st.st_mode);
	CHECK(shm_open(name, O_RDWR, 0) < 0 && errno == ENOENT, "absent");
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0666);
	CHECK(fd >= 0, "shm_open O_CREAT");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "cloexec");
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) == 0644 && st.st_size == 0, "mode %o",
	    st.st_mode);
	CHECK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600) < 0 &&
	    errno == EEXIST, "EEXIST");
	CHECK(in_dir("/dev/shm", name + 1) == 1, "listed");
	fdlink(fd, link, sizeof(link));
	CHECK(strcmp(link, path) == 0, "link %s", link);
	CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL, "seals");
	CHECK(ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW)) == EPERM, "no sealing");
	CHECK(ftruncate(fd, 8192) == 0, "ftruncate");
	CHECK(truncate(path, 100) == 0 && fsize(fd) == 100 &&
	    truncate(path, 8192) == 0, "truncate by name");
	CHECK(stat(path, &st) == 0 && st.st_size == 8192, "stat by name");
	CHECK(fchmod(fd, 0600) == 0 && stat(path, &st) == 0 &&
	    (st.st_mode & 07777) == 0600, "fchmod");
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap");
	if (m == MAP_FAILED)
		return;
	strcpy(m, "parent");

	/* Another process opens it by name. */
	if ((pid = fork()) == 0) {
		int c = shm_open(name, O_RDWR, 0);
		char *cm;

		if (c < 0)
			_exit(1);
		cm = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, c, 0);
		if (cm == MAP_FAILED || strcmp(cm, "parent") != 0)
			_exit(2);
		strcpy(cm + 4096, "child");
		_exit(0);
	}
	CHECK(waitpid(pid, &wst, 0) == pid && wst == 0, "child %#x", wst);
	CHECK(strcmp(m + 4096, "child") == 0, "the child's write");

	/* Read-only opens, O_TRUNC. */
	ro = shm_open(name, O_RDONLY, 0);
	CHECK(ro >= 0 && ERR(write(ro, "x", 1)) == EBADF, "read-only");
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) ==
	    MAP_FAILED && errno == EACCES, "no writable map");
	CHECK(pread(ro, buf, 6, 0) == 6 && memcmp(buf, "parent", 6) == 0,
	    "read");
	close(ro);
	fd2 = shm_open(name, O_RDWR | O_TRUNC, 0);
	CHECK(fd2 >= 0 && fsize(fd) == 0, "O_TRUNC");
	CHECK(ftruncate(fd2, 4096) == 0 && pwrite(fd2, "again", 5, 0) == 5,
	    "grow again");
	close(fd2);
	CHECK(m[0] == 'a', "the map follows");

	/* Unlinked: gone by name, alive while open and mapped. */
	CHECK(shm_unlink(name) == 0, "shm_unlink");
	CHECK(shm_unlink(name) < 0 && errno == ENOENT, "unlinked twice");
	CHECK(shm_open(name, O_RDWR, 0) < 0 && errno == ENOENT, "gone");
	CHECK(in_dir("/dev/shm", name + 1) == 0, "not listed");
	snprintf(want, sizeof(want), "%s (deleted)", path);
	fdlink(fd, link, sizeof(link));
	CHECK(strcmp(link, want) == 0, "link %s", link);
	CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "again", 5) == 0,
	    "still there");
	fd2 = shm_open(name, O_RDWR | O_CREAT, 0600);
	CHECK(fd2 >= 0 && fsize(fd2) == 0, "a new object by the name");
	m2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	CHECK(m2 != MAP_FAILED && ftruncate(fd2, 4096) == 0 && m2[0] == 0,
	    "not the old one");
	CHECK(shm_unlink(name) == 0, "shm_unlink");
	munmap(m2, 4096);
	munmap(m, 8192);
	close(fd2);
	close(fd);
	CHECK(stat(path, &st) < 0 && errno == ENOENT, "no name left");
}

/* link and rename within /dev/shm (glibc's and musl's sem_open make a
 * temporary name and link it to the real one), and named semaphores
 * shared with a child. */
static void
names(void)
{
	char a[64], b[64], c[64], nm[64], buf[4];
	struct stat sa, sb;
	sem_t *s, *t;
	pid_t pid;
	int fd, st;

	snprintf(a, sizeof(a), "/dev/shm/vkt-a-%d", (int)getpid());
	snprintf(b, sizeof(b), "/dev/shm/vkt-b-%d", (int)getpid());
	snprintf(c, sizeof(c), "/dev/shm/vkt-c-%d", (int)getpid());
	fd = open(a, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && write(fd, "xyz", 3) == 3, "an object by open(2)");
	CHECK(link(a, b) == 0, "link in /dev/shm");
	CHECK(link(a, b) < 0 && errno == EEXIST, "link to a taken name");
	CHECK(stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_ino == sb.st_ino && sb.st_nlink == 2,
	    "one object, two names: st_nlink %d", (int)sb.st_nlink);
	CHECK(unlink(a) == 0 && access(a, F_OK) < 0 && errno == ENOENT,
	    "the first name gone");
	close(fd);
	fd = open(b, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 3) == 3 && memcmp(buf, "xyz", 3) == 0,
	    "the object by its second name");
	close(fd);
	CHECK(rename(b, c) == 0 && access(b, F_OK) < 0 && access(c, F_OK) == 0,
	    "rename in /dev/shm");
	fd = open(a, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && rename(c, a) == 0, "rename over another object");
	close(fd);
	fd = open(a, O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 3) == 3 && memcmp(buf, "xyz", 3) == 0,
	    "the renamed object replaced the other");
	close(fd);
	CHECK(unlink(a) == 0 && access(c, F_OK) < 0, "none left");

	snprintf(nm, sizeof(nm), "/vkt-sem-%d", (int)getpid());
	s = sem_open(nm, O_CREAT | O_EXCL, 0600, 1);
	CHECK(s != SEM_FAILED, "sem_open O_CREAT");
	CHECK(sem_open(nm, O_CREAT | O_EXCL, 0600, 1) == SEM_FAILED &&
	    errno == EEXIST, "sem_open O_EXCL: EEXIST");
	CHECK(sem_wait(s) == 0 && sem_trywait(s) < 0 && errno == EAGAIN,
	    "sem_wait, then EAGAIN");
	if ((pid = fork()) == 0) {
		t = sem_open(nm, 0);
		_exit(t != SEM_FAILED && sem_post(t) == 0 ? 0 : 1);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "a child posts by name");
	CHECK(sem_trywait(s) == 0, "the child's post seen");
	CHECK(sem_unlink(nm) == 0 && sem_open(nm, 0) == SEM_FAILED &&
	    errno == ENOENT, "sem_unlink");
	sem_close(s);
}

/* Under vkernel: /dev/shm is the vkernel's own.  "iso NAME": NAME (a
 * host object's, or another vkernel's) is not there, and ours is not
 * the host's; "iso NAME S" then holds ours S seconds. */
static void
iso(const char *name, int hold)
{
	char path[80];
	int fd;

	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	CHECK(open(path, O_RDONLY) < 0 && errno == ENOENT, "%s not seen", path);
	CHECK(in_dir("/dev/shm", name) == 0, "not listed");
	fd = shm_open("/vkt-iso-guest", O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0 && ftruncate(fd, 4096) == 0, "a guest object");
	if (hold > 0)
		sleep((unsigned)hold);
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
	/* /dev/shm names count too, and go with shm_unlink. */
	for (n = 0; n < 8192; n++) {
		char nm[32];

		snprintf(nm, sizeof(nm), "/many-%d", n);
		if ((fd = shm_open(nm, O_RDWR | O_CREAT, 0600)) < 0)
			break;
		close(fd);
	}
	CHECK(n < 8192 && n <= 4096 && errno == ENOSPC, "%d names", n);
	for (i = 0; i < n; i++) {
		char nm[32];

		snprintf(nm, sizeof(nm), "/many-%d", i);
		shm_unlink(nm);
	}
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
	else if (strcmp(mode, "posix") == 0) {
		posix();
		names();
	}
	else if (strcmp(mode, "iso") == 0 && argc > 2)
		iso(argv[2], argc > 3 ? atoi(argv[3]) : 0);
	else {
		fprintf(stderr, "usage: memfd memfd|seals|bound|posix|iso NAME\n");
		return 2;
	}
	return check_report(mode);
}
