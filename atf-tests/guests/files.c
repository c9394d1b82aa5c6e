/* files.c: the file system calls as Linux defines them, mode by mode (argv[1]) in a directory the test made (argv[2], absolute): "MODE ok: N checks" or FAIL lines. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* statx, preadv2 and pwritev2 by number: musl has no wrappers. */
struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad0;
	uint64_t ino, size, blocks, attributes_mask;
	struct { int64_t sec; uint32_t nsec; int32_t pad; } atime, btime,
	    ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};
#define KSTATX_BASIC 0x7ffU
#define KSTATX_SIZE 0x200U

static int
kstatx(int dfd, const char *path, int flags, unsigned mask, struct kstatx *sx)
{
	return (int)syscall(SYS_statx, dfd, path, flags, mask, sx);
}

static long
kpreadv2(int fd, const struct iovec *iov, int n, long off, int flags)
{
	return syscall(SYS_preadv2, fd, iov, n, off, 0, flags);
}

static long
kpwritev2(int fd, const struct iovec *iov, int n, long off, int flags)
{
	return syscall(SYS_pwritev2, fd, iov, n, off, 0, flags);
}

static int
krenameat2(int od, const char *o, int nd, const char *n, unsigned flags)
{
	return (int)syscall(SYS_renameat2, od, o, nd, n, flags);
}

static int checks, failures;
static char dir[PATH_MAX];

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL line %d: ", __LINE__);			\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", errno, strerror(errno));	\
		fflush(stdout);						\
	}								\
} while (0)
/* A call that must fail with errno e. */
#define FAILS(call, e, ...) CHECK((call) == -1 && errno == (e), __VA_ARGS__)

/* dir/name in a static buffer (four in rotation). */
static const char *
P(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static long
sys(long nr, long a, long b, long c, long d, long e)
{
	return syscall(nr, a, b, c, d, e);
}

static void
open_modes(void)
{
	char buf[64];
	struct stat st;
	int fd, fd2;
	mode_t old;

	old = umask(022);
	CHECK(umask(027) == 022, "umask returns the old mask");
	fd = open(P("a"), O_CREAT | O_EXCL | O_RDWR, 0777);
	CHECK(fd >= 0, "O_CREAT|O_EXCL");
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) == 0750, "mode masked by umask: %o",
	    st.st_mode & 07777);
	FAILS(open(P("a"), O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST, "EEXIST");
	CHECK(write(fd, "hello world", 11) == 11, "write");
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, 5) == 5 &&
	    memcmp(buf, "hello", 5) == 0, "read back");
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "F_GETFL O_RDWR");
	close(fd);
	umask(0);
	fd = creat(P("c"), 0640);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640,
	    "creat");
	FAILS(read(fd, buf, 1), EBADF, "creat is write-only");
	close(fd);
	/* O_APPEND and F_SETFL reach the host's writes. */
	fd = open(P("a"), O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_APPEND), "O_APPEND");
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "!", 1) == 1, "append");
	CHECK(stat(P("a"), &st) == 0 && st.st_size == 12, "appended: %ld",
	    (long)st.st_size);
	CHECK(fcntl(fd, F_SETFL, 0) == 0 && !(fcntl(fd, F_GETFL) & O_APPEND),
	    "F_SETFL clears O_APPEND");
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, "H", 1) == 1 &&
	    stat(P("a"), &st) == 0 && st.st_size == 12, "overwrote");
	CHECK(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK) == 0 &&
	    (fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK)) ==
	    (O_APPEND | O_NONBLOCK), "F_SETFL sets both");
	CHECK(write(fd, "?", 1) == 1 && stat(P("a"), &st) == 0 &&
	    st.st_size == 13, "appended again");
	close(fd);
	fd = open(P("a"), O_RDONLY);
	CHECK(pread(fd, buf, 13, 0) == 13 && memcmp(buf, "Hello world!?", 13) == 0,
	    "contents %.13s", buf);
	int n = -1;
	CHECK(ioctl(fd, FIONREAD, &n) == 0 && n == 13, "FIONREAD %d", n);
	FAILS(ioctl(fd, TCGETS, buf), ENOTTY, "TCGETS on a file");
	FAILS(write(fd, "x", 1), EBADF, "write on O_RDONLY");
	close(fd);
	/* O_TRUNC, O_CLOEXEC, O_NONBLOCK, O_NOCTTY. */
	fd = open(P("a"), O_RDWR | O_TRUNC | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC");
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "O_NONBLOCK");
	close(fd);
	/* O_DIRECTORY, O_NOFOLLOW, O_PATH. */
	FAILS(open(P("a"), O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY file");
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0, "O_DIRECTORY dir");
	FAILS(read(fd, buf, 1), EISDIR, "read a directory");
	close(fd);
	FAILS(open(dir, O_WRONLY), EISDIR, "write-open a directory");
	CHECK(symlink("a", P("la")) == 0, "symlink");
	FAILS(open(P("la"), O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW");
	fd = open(P("la"), O_PATH | O_NOFOLLOW);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode),
	    "O_PATH|O_NOFOLLOW is the link");
	close(fd);
	fd = open(P("la"), O_PATH);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode), "O_PATH");
	FAILS(read(fd, buf, 1), EBADF, "read O_PATH");
	FAILS(write(fd, buf, 1), EBADF, "write O_PATH");
	FAILS(ioctl(fd, FIONREAD, &n), EBADF, "ioctl O_PATH");
	FAILS(sys(SYS_fchmod, fd, 0600, 0, 0, 0), EBADF, "fchmod O_PATH");
	CHECK(fcntl(fd, F_GETFL) & O_PATH, "F_GETFL O_PATH");
	fd2 = dup(fd);
	CHECK(fd2 > fd, "dup O_PATH");
	close(fd2);
	close(fd);
	fd = open(dir, O_PATH | O_DIRECTORY);
	fd2 = openat(fd, "a", O_RDONLY);
	CHECK(fd >= 0 && fd2 >= 0, "openat on an O_PATH directory");
	FAILS(openat(fd2, "a", O_RDONLY), ENOTDIR, "dirfd not a directory");
	close(fd2);
	close(fd);
	/* O_TMPFILE, where the file system has it (9p, as in the QEMU guest
	 * of the hw half, has not: EOPNOTSUPP, natively and here alike). */
	fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	CHECK((fd < 0 && errno == EOPNOTSUPP) || (fd >= 0 &&
	    write(fd, "tmp", 3) == 3 && fstat(fd, &st) == 0 &&
	    st.st_nlink == 0), "O_TMPFILE");
	if (fd >= 0)
		close(fd);
	FAILS(open(dir, O_TMPFILE | O_RDONLY, 0600), EINVAL, "O_TMPFILE ro");
	unlink(P("la"));
	unlink(P("c"));
	umask(old);
}

static void
io_calls(void)
{
	char buf[256], a[8], b[8];
	struct iovec iov[2] = { { a, 4 }, { b, 4 } };
	struct stat st;
	off_t off;
	int fd, out, pfd[2];

	fd = open(P("io"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(write(fd, "0123456789abcdef", 16) == 16, "write 16");
	CHECK(preadv(fd, iov, 2, 4) == 8 && memcmp(a, "4567", 4) == 0 &&
	    memcmp(b, "89ab", 4) == 0, "preadv");
	memcpy(a, "WXYZ", 4);
	CHECK(pwritev(fd, iov, 1, 0) == 4, "pwritev");
	CHECK(pread(fd, buf, 4, 0) == 4 && memcmp(buf, "WXYZ", 4) == 0,
	    "pwritev wrote");
	CHECK(lseek(fd, 2, SEEK_SET) == 2 && kpreadv2(fd, iov, 1, -1, 0) == 4 &&
	    memcmp(a, "YZ45", 4) == 0 && lseek(fd, 0, SEEK_CUR) == 6,
	    "preadv2 at -1 is readv");
	CHECK(kpreadv2(fd, iov, 1, 0, 0) == 4, "preadv2 at 0");
	FAILS(kpreadv2(fd, iov, 1, 0, 0x40), EOPNOTSUPP, "preadv2 flags");
	CHECK(kpwritev2(fd, iov, 1, 12, 0) == 4, "pwritev2");
	FAILS(preadv(fd, iov, 1, -1), EINVAL, "preadv negative offset");
	/* sendfile to a file, and to a pipe, with and without an offset. */
	out = open(P("io2"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	off = 4;
	CHECK(sendfile(out, fd, &off, 8) == 8 && off == 12, "sendfile off");
	CHECK(lseek(fd, 0, SEEK_CUR) == 6, "sendfile kept the position");
	CHECK(sendfile(out, fd, NULL, 100) == 10 &&
	    lseek(fd, 0, SEEK_CUR) == 16, "sendfile from the position");
	CHECK(fstat(out, &st) == 0 && st.st_size == 18, "sendfile size %ld",
	    (long)st.st_size);
	CHECK(pipe(pfd) == 0 && sendfile(pfd[1], out, &(off_t){ 0 }, 18) == 18 &&
	    read(pfd[0], buf, sizeof(buf)) == 18, "sendfile to a pipe");
	FAILS(sendfile(out, pfd[0], &off, 1), ESPIPE, "sendfile from a pipe at an offset");
	FAILS(sendfile(pfd[0], fd, NULL, 1), EBADF, "sendfile to a read end");
	close(pfd[0]);
	close(pfd[1]);
	/* Sizes. */
	CHECK(ftruncate(out, 4) == 0 && fstat(out, &st) == 0 && st.st_size == 4,
	    "ftruncate");
	CHECK(truncate(P("io2"), 100) == 0 && stat(P("io2"), &st) == 0 &&
	    st.st_size == 100, "truncate");
	FAILS(truncate(P("io2"), -1), EINVAL, "truncate negative");
	FAILS(truncate(dir, 0), EISDIR, "truncate a directory");
	CHECK(fallocate(out, 0, 0, 8192) == 0 && fstat(out, &st) == 0 &&
	    st.st_size == 8192, "fallocate");
	CHECK(posix_fadvise(out, 0, 0, POSIX_FADV_SEQUENTIAL) == 0, "fadvise");
	CHECK(fsync(out) == 0 && fdatasync(out) == 0 && syncfs(out) == 0,
	    "fsync, fdatasync, syncfs");
	close(out);
	out = open(P("io2"), O_RDONLY);
	FAILS(ftruncate(out, 0), EINVAL, "ftruncate read-only");
	close(out);
	CHECK(pipe(pfd) == 0, "pipe");
	FAILS(fsync(pfd[0]), EINVAL, "fsync a pipe");
	FAILS(lseek(pfd[0], 0, SEEK_SET), ESPIPE, "lseek a pipe");
	CHECK(fstat(pfd[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat a pipe");
	close(pfd[0]);
	close(pfd[1]);
	CHECK(fstat(1, &st) == 0, "fstat stdout");
	out = open("/dev/null", O_RDWR);
	CHECK(out >= 0 && fstat(out, &st) == 0 && S_ISCHR(st.st_mode),
	    "fstat /dev/null");
	close(out);
	close(fd);
	unlink(P("io"));
	unlink(P("io2"));
}

static void
stat_calls(void)
{
	struct stat st, st2;
	struct kstatx sx;
	struct statfs sf;
	int fd;

	fd = open(P("s"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(write(fd, "12345", 5) == 5, "write");
	CHECK(symlink("s", P("ls")) == 0, "symlink");
	CHECK(stat(P("ls"), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 5,
	    "stat follows");
	CHECK(lstat(P("ls"), &st2) == 0 && S_ISLNK(st2.st_mode) &&
	    st2.st_size == 1, "lstat does not");
	CHECK(fstatat(AT_FDCWD, P("ls"), &st2, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st2.st_mode), "fstatat nofollow");
	CHECK(fstatat(fd, "", &st2, AT_EMPTY_PATH) == 0 &&
	    st2.st_ino == st.st_ino, "fstatat AT_EMPTY_PATH");
	FAILS(fstatat(fd, "", &st2, 0), ENOENT, "empty path");
	FAILS(fstatat(AT_FDCWD, P("s"), &st2, 0x8000000), EINVAL, "bad flags");
	CHECK(kstatx(AT_FDCWD, P("ls"), 0, KSTATX_BASIC, &sx) == 0 &&
	    sx.size == 5 && sx.ino == st.st_ino, "statx");
	CHECK(kstatx(AT_FDCWD, P("ls"), AT_SYMLINK_NOFOLLOW, KSTATX_BASIC,
	    &sx) == 0 && S_ISLNK(sx.mode), "statx nofollow");
	CHECK(kstatx(fd, "", AT_EMPTY_PATH, KSTATX_SIZE, &sx) == 0 &&
	    sx.size == 5, "statx AT_EMPTY_PATH");
	FAILS(kstatx(AT_FDCWD, P("s"), 0, 0x80000000U, &sx), EINVAL,
	    "statx reserved mask");
	FAILS(kstatx(AT_FDCWD, P("nope"), 0, KSTATX_BASIC, &sx), ENOENT,
	    "statx ENOENT");
	CHECK(statfs(dir, &sf) == 0 && sf.f_bsize > 0, "statfs");
	CHECK(fstatfs(fd, &sf) == 0 && sf.f_bsize > 0, "fstatfs");
	FAILS(statfs(P("nope"), &sf), ENOENT, "statfs ENOENT");
	close(fd);
	/* access. */
	CHECK(access(P("s"), R_OK | W_OK) == 0, "access");
	CHECK(access(P("s"), X_OK) == -1 && errno == EACCES, "access X_OK");
	FAILS(access(P("nope"), F_OK), ENOENT, "access ENOENT");
	FAILS(access(P("s"), 8), EINVAL, "access bad mode");
	CHECK(faccessat(AT_FDCWD, P("ls"), R_OK, AT_EACCESS) == 0, "faccessat");
	CHECK(sys(SYS_faccessat2, AT_FDCWD, (long)P("ls"), F_OK,
	    AT_SYMLINK_NOFOLLOW, 0) == 0, "faccessat2 nofollow");
	FAILS(sys(SYS_faccessat2, AT_FDCWD, (long)P("s"), F_OK, 0x4000, 0),
	    EINVAL, "faccessat2 bad flags");
	unlink(P("ls"));
	unlink(P("s"));
}

/* The names in dir (not . and ..), through getdents64: their count. */
static int
count_entries(const char *path, const char *want, int *found)
{
	char buf[1024];
	int fd = open(path, O_RDONLY | O_DIRECTORY), n = 0;
	long r, off;

	*found = 0;
	while ((r = sys(SYS_getdents64, fd, (long)buf, sizeof(buf), 0, 0)) > 0)
		for (off = 0; off < r;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				n++;
			if (strcmp(d->d_name, want) == 0)
				*found = 1;
			off += d->d_reclen;
		}
	close(fd);
	return r < 0 ? -1 : n;
}

static void
name_calls(void)
{
	char buf[PATH_MAX], cwd[PATH_MAX];
	struct stat st;
	struct timespec ts[2] = { { 1000000, 0 }, { 2000000, 500 } };
	struct utimbuf ub = { 3000000, 4000000 };
	struct timeval tv[2] = { { 5000000, 0 }, { 6000000, 7 } };
	int fd, dfd, found, i;
	DIR *d;
	struct dirent *e;

	umask(022);
	CHECK(mkdir(P("d"), 0777) == 0 && stat(P("d"), &st) == 0 &&
	    S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755, "mkdir");
	FAILS(mkdir(P("d"), 0777), EEXIST, "mkdir EEXIST");
	FAILS(mkdir(P("nope/x"), 0777), ENOENT, "mkdir ENOENT");
	dfd = open(P("d"), O_RDONLY | O_DIRECTORY);
	CHECK(mkdirat(dfd, "e", 0700) == 0, "mkdirat");
	for (i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "f%03d", i);
		close(openat(dfd, buf, O_CREAT | O_WRONLY, 0600));
	}
	CHECK(count_entries(P("d"), "f042", &found) == 101 && found,
	    "getdents64 lists 101 names");
	CHECK(sys(SYS_getdents64, dfd, (long)buf, 8, 0, 0) == -1 &&
	    errno == EINVAL, "getdents64 too small");
	fd = openat(dfd, "f000", O_RDONLY);
	CHECK(sys(SYS_getdents64, fd, (long)buf, sizeof(buf), 0, 0) == -1 &&
	    errno == ENOTDIR, "getdents64 on a file");
	close(fd);
	d = opendir(P("d"));
	for (i = 0; d != NULL && (e = readdir(d)) != NULL;)
		i += e->d_name[0] == 'f';
	CHECK(d != NULL && i == 100, "readdir %d", i);
	if (d)
		closedir(d);
	/* unlink, rmdir. */
	FAILS(unlinkat(dfd, "e", 0), EISDIR, "unlink a directory");
	FAILS(rmdir(P("d")), ENOTEMPTY, "rmdir ENOTEMPTY");
	FAILS(unlinkat(dfd, "f000", 0x4000), EINVAL, "unlinkat bad flags");
	CHECK(unlinkat(dfd, "e", AT_REMOVEDIR) == 0, "unlinkat AT_REMOVEDIR");
	FAILS(rmdir(P("d/f001")), ENOTDIR, "rmdir a file");
	FAILS(rmdir(P("d/.")), EINVAL, "rmdir .");
	for (i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "%s/f%03d", P("d"), i);
		CHECK(unlink(buf) == 0, "unlink %s", buf);
	}
	FAILS(unlink(P("d/f000")), ENOENT, "unlink ENOENT");
	/* rename. */
	close(open(P("r1"), O_CREAT | O_WRONLY, 0644));
	close(open(P("r2"), O_CREAT | O_WRONLY, 0644));
	CHECK(rename(P("r1"), P("r3")) == 0 && access(P("r1"), F_OK) == -1 &&
	    access(P("r3"), F_OK) == 0, "rename");
	CHECK(renameat(AT_FDCWD, P("r3"), dfd, "r4") == 0, "renameat");
	CHECK(krenameat2(dfd, "r4", AT_FDCWD, P("r2"), RENAME_NOREPLACE) == -1 &&
	    errno == EEXIST, "RENAME_NOREPLACE");
	CHECK(krenameat2(dfd, "r4", AT_FDCWD, P("r2"), RENAME_EXCHANGE) == 0,
	    "RENAME_EXCHANGE");
	FAILS(krenameat2(dfd, "r4", AT_FDCWD, P("r2"), 0x100), EINVAL,
	    "renameat2 bad flags");
	FAILS(rename(P("nope"), P("x")), ENOENT, "rename ENOENT");
	FAILS(rename(P("d"), P("d/sub")), EINVAL, "rename into itself");
	/* link, symlink, readlink. */
	CHECK(link(P("r2"), P("h")) == 0 && stat(P("h"), &st) == 0 &&
	    st.st_nlink == 2, "link");
	FAILS(link(P("r2"), P("h")), EEXIST, "link EEXIST");
	FAILS(link(P("d"), P("hd")), EPERM, "link a directory");
	CHECK(symlink("r2", P("sl")) == 0, "symlink");
	CHECK(linkat(AT_FDCWD, P("sl"), AT_FDCWD, P("hl"), 0) == 0 &&
	    lstat(P("hl"), &st) == 0 && S_ISLNK(st.st_mode), "linkat a link");
	CHECK(linkat(AT_FDCWD, P("sl"), AT_FDCWD, P("hf"), AT_SYMLINK_FOLLOW) == 0 &&
	    lstat(P("hf"), &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 3,
	    "linkat AT_SYMLINK_FOLLOW");
	FAILS(linkat(AT_FDCWD, P("sl"), AT_FDCWD, P("hx"), 0x8), EINVAL,
	    "linkat bad flags");
	memset(buf, 0, sizeof(buf));
	CHECK(readlink(P("sl"), buf, sizeof(buf)) == 2 && strcmp(buf, "r2") == 0,
	    "readlink");
	CHECK(readlink(P("sl"), buf, 1) == 1 && buf[0] == 'r', "readlink short");
	CHECK(readlinkat(dfd, "../sl", buf, sizeof(buf)) == 2, "readlinkat");
	FAILS(readlink(P("r2"), buf, sizeof(buf)), EINVAL, "readlink a file");
	FAILS(sys(SYS_readlink, (long)P("sl"), (long)buf, 0, 0, 0), EINVAL,
	    "readlink size 0");
	FAILS(symlink("", P("se")), ENOENT, "symlink empty target");
	FAILS(symlink("x", P("sl")), EEXIST, "symlink EEXIST");
	unlink(P("hl"));
	unlink(P("hf"));
	unlink(P("h"));
	/* chmod, chown, times. */
	CHECK(chmod(P("sl"), 0604) == 0 && stat(P("r2"), &st) == 0 &&
	    (st.st_mode & 0777) == 0604, "chmod follows");
	fd = open(P("r2"), O_RDWR);
	CHECK(fchmod(fd, 04711) == 0 && fstat(fd, &st) == 0 &&
	    (st.st_mode & 07777) == 04711, "fchmod");
	CHECK(fchmodat(dfd, "../r2", 0640, 0) == 0 && stat(P("r2"), &st) == 0 &&
	    (st.st_mode & 07777) == 0640, "fchmodat");
	CHECK(chown(P("r2"), 1234, 5678) == 0 && stat(P("r2"), &st) == 0 &&
	    st.st_uid == 1234 && st.st_gid == 5678, "chown");
	CHECK(lchown(P("sl"), 4321, -1) == 0 && lstat(P("sl"), &st) == 0 &&
	    st.st_uid == 4321 && stat(P("sl"), &st) == 0 && st.st_uid == 1234,
	    "lchown");
	CHECK(fchown(fd, 0, 0) == 0 && fstat(fd, &st) == 0 && st.st_uid == 0,
	    "fchown");
	CHECK(fchownat(fd, "", 7, 7, AT_EMPTY_PATH) == 0 && fstat(fd, &st) == 0 &&
	    st.st_uid == 7, "fchownat AT_EMPTY_PATH");
	FAILS(fchownat(AT_FDCWD, P("r2"), 0, 0, 0x2), EINVAL, "fchownat flags");
	CHECK(utimensat(AT_FDCWD, P("sl"), ts, 0) == 0 && stat(P("r2"), &st) == 0 &&
	    st.st_atime == 1000000 && st.st_mtim.tv_sec == 2000000 &&
	    st.st_mtim.tv_nsec == 500, "utimensat");
	CHECK(utimensat(AT_FDCWD, P("sl"), ts, AT_SYMLINK_NOFOLLOW) == 0 &&
	    lstat(P("sl"), &st) == 0 && st.st_mtime == 2000000, "utimensat link");
	CHECK(futimens(fd, NULL) == 0 && fstat(fd, &st) == 0 &&
	    st.st_mtime > 2000000, "futimens now");
	CHECK(utime(P("r2"), &ub) == 0 && stat(P("r2"), &st) == 0 &&
	    st.st_mtime == 4000000, "utime");
	CHECK(utimes(P("r2"), tv) == 0 && stat(P("r2"), &st) == 0 &&
	    st.st_mtim.tv_nsec == 7000, "utimes");
	ts[0].tv_nsec = 1000000000;
	FAILS(utimensat(AT_FDCWD, P("r2"), ts, 0), EINVAL, "utimensat bad nsec");
	close(fd);
	/* chdir, fchdir, getcwd. */
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd");
	CHECK(chdir(P("d")) == 0 && getcwd(buf, sizeof(buf)) != NULL &&
	    strcmp(buf, P("d")) == 0, "chdir %s", buf);
	CHECK(access("r4", F_OK) == 0 && access("../r2", F_OK) == 0,
	    "relative to the new directory");
	CHECK(chdir("..") == 0 && getcwd(buf, sizeof(buf)) != NULL &&
	    strcmp(buf, dir) == 0, "chdir ..");
	CHECK(fchdir(dfd) == 0 && getcwd(buf, sizeof(buf)) != NULL &&
	    strcmp(buf, P("d")) == 0, "fchdir");
	fd = open(dir, O_PATH);
	CHECK(fchdir(fd) == 0 && getcwd(buf, sizeof(buf)) != NULL &&
	    strcmp(buf, dir) == 0, "fchdir O_PATH");
	close(fd);
	fd = open(P("r2"), O_RDONLY);
	FAILS(fchdir(fd), ENOTDIR, "fchdir a file");
	FAILS(chdir(P("r2")), ENOTDIR, "chdir a file");
	FAILS(fchdir(999), EBADF, "fchdir EBADF");
	close(fd);
	CHECK(getcwd(buf, 2) == NULL && errno == ERANGE, "getcwd ERANGE");
	CHECK(chdir(cwd) == 0, "chdir back");
	close(dfd);
	unlink(P("d/r4"));
	unlink(P("sl"));
	unlink(P("r2"));
	CHECK(rmdir(P("d")) == 0, "rmdir");
}

/* Hostile arguments get Linux's errno. */
static void
errors(void)
{
	char *longp = malloc(PATH_MAX + 10), comp[300];
	void *bad = (void *)8;
	struct stat st;
	char buf[8];

	memset(longp, 'a', PATH_MAX + 9);
	longp[0] = '/';
	longp[PATH_MAX + 9] = '\0';
	FAILS(open(longp, O_RDONLY), ENAMETOOLONG, "path too long");
	FAILS(stat(longp, &st), ENAMETOOLONG, "stat too long");
	FAILS(mkdir(longp, 0700), ENAMETOOLONG, "mkdir too long");
	memset(comp, 'b', sizeof(comp) - 1);
	comp[sizeof(comp) - 1] = '\0';
	FAILS(open(P(comp), O_RDONLY), ENAMETOOLONG, "component too long");
	FAILS(sys(SYS_open, (long)bad, O_RDONLY, 0, 0, 0), EFAULT, "open bad ptr");
	FAILS(sys(SYS_newfstatat, AT_FDCWD, (long)bad, (long)&st, 0, 0), EFAULT,
	    "stat bad ptr");
	FAILS(sys(SYS_newfstatat, AT_FDCWD, (long)dir, (long)bad, 0, 0), EFAULT,
	    "stat bad buffer");
	FAILS(sys(SYS_unlink, (long)bad, 0, 0, 0, 0), EFAULT, "unlink bad ptr");
	FAILS(sys(SYS_rename, (long)P("x"), (long)bad, 0, 0, 0), EFAULT,
	    "rename bad ptr");
	FAILS(sys(SYS_readlink, (long)bad, (long)buf, 8, 0, 0), EFAULT,
	    "readlink bad ptr");
	FAILS(sys(SYS_chdir, (long)bad, 0, 0, 0, 0), EFAULT, "chdir bad ptr");
	/* An unterminated path running into unmapped memory. */
	char *edge = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(edge != MAP_FAILED && munmap(edge + 4096, 4096) == 0, "mmap");
	memset(edge, 'c', 4096);
	FAILS(sys(SYS_open, (long)edge + 4000, O_RDONLY, 0, 0, 0), EFAULT,
	    "unterminated path");
	/* A write whose buffer runs into unmapped memory: a file takes the
	 * bytes before it, a pipe none (Linux's pipe_write). */
	{
		int wfd = open(P("partial"), O_WRONLY | O_CREAT | O_TRUNC,
		    0600), pp[2];

		CHECK(wfd >= 0 && pipe(pp) == 0, "partial set-up");
		CHECK(write(wfd, edge + 4086, 100) == 10, "short file write");
		FAILS(write(pp[1], edge + 4000, 200), EFAULT,
		    "pipe write into a hole");
		FAILS(write(wfd, edge + 4096, 10), EFAULT,
		    "file write from a hole");
		close(wfd);
		close(pp[0]);
		close(pp[1]);
		unlink(P("partial"));
	}
	munmap(edge, 4096);
	FAILS(open("", O_RDONLY), ENOENT, "empty path");
	FAILS(stat("", &st), ENOENT, "stat empty path");
	FAILS(openat(999, "x", O_RDONLY), EBADF, "bad dirfd");
	FAILS(openat(-5, "x", O_RDONLY), EBADF, "negative dirfd");
	FAILS(openat(1, "x", O_RDONLY), ENOTDIR, "non-directory dirfd");
	FAILS(mkdirat(999, "x", 0700), EBADF, "mkdirat bad dirfd");
	FAILS(fstat(999, &st), EBADF, "fstat EBADF");
	FAILS(fchmod(999, 0), EBADF, "fchmod EBADF");
	FAILS(ftruncate(999, 0), EBADF, "ftruncate EBADF");
	FAILS(fsync(999), EBADF, "fsync EBADF");
	FAILS(sys(SYS_getdents64, 999, (long)buf, 8, 0, 0), EBADF, "getdents EBADF");
	FAILS(flock(999, LOCK_EX), EBADF, "flock EBADF");
	FAILS(open(P("x"), O_TMPFILE | O_CREAT | O_RDWR, 0600), EINVAL,
	    "O_TMPFILE|O_CREAT");
	FAILS(faccessat(AT_FDCWD, dir, F_OK, 0x1), EINVAL, "faccessat flags");
	FAILS(flock(0, 0x40), EINVAL, "flock bad op");
	FAILS(sys(SYS_openat, AT_FDCWD, (long)P("nope/x"), O_RDONLY, 0, 0),
	    ENOENT, "ENOENT inside");
	FAILS(open(P("nope/"), O_CREAT | O_WRONLY, 0600), EISDIR,
	    "create with a trailing slash");
	free(longp);
}

static volatile sig_atomic_t alarmed;
static void on_alarm(int sig) { (void)sig; alarmed = 1; }

/* Record locks and flock between two processes that opened the file
 * separately; a blocking request waits for the holder and yields to a
 * signal. */
static void
locks(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_start = 0, .l_len = 10 };
	struct sigaction sa = { .sa_handler = on_alarm };
	int fd, pfd[2], st;
	char c;
	pid_t pid;

	fd = open(P("lk"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fcntl(fd, F_SETLK, &fl) == 0, "F_SETLK");
	CHECK(flock(fd, LOCK_EX) == 0, "flock");
	CHECK(pipe(pfd) == 0, "pipe");
	if ((pid = fork()) == 0) {
		int cfd = open(P("lk"), O_RDWR), ok = 1;
		struct flock g = fl;

		ok &= fcntl(cfd, F_SETLK, &g) == -1 &&
		    (errno == EAGAIN || errno == EACCES);
		g = fl;
		ok &= fcntl(cfd, F_GETLK, &g) == 0 && g.l_type == F_WRLCK;
		g = fl;
		g.l_start = 20;
		ok &= fcntl(cfd, F_SETLK, &g) == 0;  /* another range */
		ok &= flock(cfd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK;
		/* Blocking, interrupted by a signal without SA_RESTART. */
		sigaction(SIGALRM, &sa, NULL);
		alarm(1);
		g = fl;
		ok &= fcntl(cfd, F_SETLKW, &g) == -1 && errno == EINTR && alarmed;
		alarmed = 0;
		alarm(1);
		ok &= flock(cfd, LOCK_EX) == -1 && errno == EINTR && alarmed;
		/* Blocking until the parent lets go. */
		write(pfd[1], "w", 1);
		g = fl;
		ok &= fcntl(cfd, F_SETLKW, &g) == 0;
		ok &= flock(cfd, LOCK_EX) == 0;
		_exit(ok ? 0 : 1);
	}
	CHECK(read(pfd[0], &c, 1) == 1, "child waits");
	usleep(200000);
	fl.l_type = F_UNLCK;
	CHECK(fcntl(fd, F_SETLK, &fl) == 0, "F_UNLCK");
	CHECK(flock(fd, LOCK_UN) == 0, "LOCK_UN");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child's lock checks: status %x", st);
	/* OFD locks, the same way. */
	struct flock o = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_len = 5 };
	CHECK(fcntl(fd, F_OFD_SETLK, &o) == 0, "F_OFD_SETLK");
	int fd2 = open(P("lk"), O_RDWR);
	o.l_type = F_WRLCK;
	FAILS(fcntl(fd2, F_OFD_SETLK, &o), EAGAIN, "OFD conflict");
	o.l_type = F_WRLCK;
	CHECK(fcntl(fd2, F_OFD_GETLK, &o) == 0 && o.l_type == F_RDLCK,
	    "F_OFD_GETLK");
	o.l_type = F_RDLCK;
	o.l_pid = 1;
	FAILS(fcntl(fd2, F_OFD_SETLK, &o), EINVAL, "OFD l_pid");
	o.l_pid = 0;
	CHECK(fcntl(fd2, F_OFD_SETLKW, &o) == 0, "shared OFD lock");
	fl.l_type = F_WRLCK;
	int rd = open(P("lk"), O_RDONLY);
	FAILS(fcntl(rd, F_SETLK, &fl), EBADF, "write lock on a read-only fd");
	FAILS(fcntl(rd, F_SETLK, (void *)8), EFAULT, "bad flock pointer");
	close(rd);
	close(fd2);
	close(fd);
	close(pfd[0]);
	close(pfd[1]);
	unlink(P("lk"));
}

/* Files a child opens and never closes, and files opened and closed many
 * times: the vkernel must close its host descriptors for each.  Between
 * phases it says so and waits for a byte on stdin (the test counts the
 * vkernel's descriptors then). */
static void
leak(void)
{
	char c;
	int i, fd, fd2, st;
	pid_t pid;

	printf("leak ready\n");
	fflush(stdout);
	read(0, &c, 1);
	close(open(P("lf"), O_CREAT | O_WRONLY, 0600));
	for (i = 0; i < 5000; i++) {
		fd = open(i % 3 == 0 ? P("lf") : dir, i % 3 == 0 ? O_RDWR :
		    i % 3 == 1 ? O_RDONLY | O_DIRECTORY : O_PATH);
		CHECK(fd >= 0, "open %d", i);
		fd2 = dup(fd);
		close(fd);
		close(fd2);
	}
	if ((pid = fork()) == 0) {
		for (i = 0; i < 100; i++)
			open(P("lf"), O_RDONLY);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "child");
	for (i = 0; i < 50; i++)
		FAILS(open(P("nope"), O_RDONLY), ENOENT, "ENOENT %d", i);
	unlink(P("lf"));
	printf("leak done\n");
	fflush(stdout);
	read(0, &c, 1);
}

/* 1 if the file at path (opened with dirfd) holds the secret. */
static int
leaks(int dirfd, const char *path, int flags)
{
	char buf[256];
	int fd = openat(dirfd, path, flags | O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, "TOPSECRET") != NULL;
}

#define NOLEAK(dirfd, path) CHECK(!leaks(dirfd, path, 0), "read the secret through %s", path)

/*
 * Run as the root's /files with -r root (or chroot root): every way out of
 * the root to the secret, which sits beside it (argv[2] names its host
 * path).  None may read it.
 */
static void
escape(const char *hostpath)
{
	char path[PATH_MAX], buf[PATH_MAX];
	const char *ways[] = {
		"/../secret", "../../../../../../../../secret",
		"/../../../../../../../../../secret", "/sub/../../secret",
		"/sub/../../../../../secret", "/abs", "/rel", "/sub/rel2",
		"/absdir/secret", "/reldir/secret", "/magic", "/proc/self/root/../secret",
		"/proc/1/root/../secret", "/proc/self/cwd/../secret",
	};
	struct stat st;
	size_t i;
	int fd, k, dfd;
	pid_t pid;

	for (i = 0; i < sizeof(ways) / sizeof(ways[0]); i++)
		NOLEAK(AT_FDCWD, ways[i]);
	NOLEAK(AT_FDCWD, hostpath);
	snprintf(path, sizeof(path), "/../../../../../..%s", hostpath);
	NOLEAK(AT_FDCWD, path);
	FAILS(open("/loop1", O_RDONLY), ELOOP, "symlink loop");
	FAILS(stat("/loop1", &st), ELOOP, "stat a symlink loop");
	/* Relative to descriptors and directories. */
	dfd = open("/sub", O_PATH | O_DIRECTORY);
	NOLEAK(dfd, "../../secret");
	NOLEAK(dfd, "../../../../../../../secret");
	NOLEAK(dfd, "rel2");
	close(dfd);
	dfd = open("/", O_RDONLY | O_DIRECTORY);
	NOLEAK(dfd, "../secret");
	NOLEAK(dfd, "..");
	close(dfd);
	CHECK(chdir("/sub") == 0, "chdir");
	for (k = 0; k < 10; k++)
		CHECK(chdir("..") == 0, "chdir ..");
	CHECK(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, "/") == 0,
	    "still at / (%s)", buf);
	NOLEAK(AT_FDCWD, "secret");
	NOLEAK(AT_FDCWD, "../secret");
	dfd = open("..", O_PATH);
	CHECK(fchdir(dfd) == 0 && getcwd(buf, sizeof(buf)) != NULL &&
	    strcmp(buf, "/") == 0, "fchdir ..");
	close(dfd);
	/* Links made from inside. */
	CHECK(symlink("/../../../../secret", "/mine") == 0, "symlink");
	NOLEAK(AT_FDCWD, "/mine");
	snprintf(path, sizeof(path), "../../../../../..%s", hostpath);
	CHECK(symlink(path, "/mine2") == 0, "symlink to the host path");
	NOLEAK(AT_FDCWD, "/mine2");
	FAILS(link("/../secret", "/hard"), ENOENT, "link the secret");
	CHECK(readlink("/abs", buf, sizeof(buf)) > 0, "readlink");
	/* Nothing changes outside. */
	chmod("/../secret", 0777);
	chmod("/abs", 0777);
	chown("/rel", 1, 1);
	truncate("/abs", 0);
	unlink("/../secret");
	rename("/../secret", "/stolen");
	utimensat(AT_FDCWD, "/rel", NULL, 0);
	mkdir("/../escaped", 0777);
	FAILS(access("/stolen", F_OK), ENOENT, "rename out of the root");
	/* A directory renamed back and forth while paths go through it. */
	mkdir("/x", 0755);
	mkdir("/x/a", 0755);
	mkdir("/y", 0755);
	if ((pid = fork()) == 0) {
		for (k = 0; k < 20000; k++) {
			rename("/x/a", "/y/a");
			rename("/y/a", "/x/a");
		}
		_exit(0);
	}
	for (k = 0; k < 2000; k++) {
		NOLEAK(AT_FDCWD, "/x/a/../../../secret");
		NOLEAK(AT_FDCWD, "/y/a/../../../../secret");
		fd = open("/x/a", O_PATH | O_DIRECTORY);
		if (fd >= 0) {
			NOLEAK(fd, "../../../secret");
			NOLEAK(fd, "../../../../../../secret");
			close(fd);
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Under the vkernel only (natively root can do all of these): a host
 * procfs bind-mounted into the root, and device nodes inside it. */
static void
hostfs(const char *hostpath)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	FAILS(open("/hp/self/environ", O_RDONLY), ENOENT, "host procfs file");
	snprintf(path, sizeof(path), "/hp/1/root%s", hostpath);
	CHECK(open(path, O_RDONLY) == -1, "host procfs magic link");
	NOLEAK(AT_FDCWD, path);
	FAILS(stat("/hp/self/status", &st), ENOENT, "stat on host procfs");
	FAILS(open("/hp", O_PATH), ENOENT, "host procfs directory");
	FAILS(open("/hpl/self/environ", O_RDONLY), ENOENT, "symlink to procfs");
	FAILS(open("/mem", O_RDONLY), EACCES, "a device node");
	FAILS(open("/memlink", O_RDWR), EACCES, "a symlink to a device node");
	FAILS(open("/mem", O_WRONLY | O_CREAT, 0600), EACCES, "O_CREAT on a device");
	fd = open("/mem", O_PATH);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode),
	    "O_PATH of a device is only a name");
	close(fd);
	CHECK(stat("/mem", &st) == 0 && S_ISCHR(st.st_mode), "stat a device");
	CHECK(open("/dev/null", O_RDWR) >= 0, "specfs's devices open");
}

/*
 * Under the vkernel only (natively root reaches them all): each argument
 * after the writable directory w is DIR:CHILD, a directory on a host
 * pseudo file system (cgroup2, debugfs, tracefs, mqueue, devpts...)
 * however the test made it reachable (mounted in the root, bind-mounted,
 * through a symlink or ".."), and an entry in it (or none).  Nothing
 * there exists for the guest: every call by name is ENOENT, and O_CREAT
 * through a dangling symlink in w makes nothing there.  The calls that
 * would change something change nothing even if they got through (chown
 * to -1, times omitted).
 */
static void
pseudofs(const char *w, int n, char **args)
{
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	char d[PATH_MAX], c[PATH_MAX], x[PATH_MAX], l[PATH_MAX], buf[256];
	struct statfs sf;
	struct stat st;
	struct kstatx sx;
	char *colon;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(d, sizeof(d), "%s", args[i]);
		if ((colon = strrchr(d, ':')) == NULL)
			continue;
		*colon = '\0';
		snprintf(c, sizeof(c), "%s/%s", d, colon + 1);
		snprintf(x, sizeof(x), "%s/vkprobe", d);
		FAILS(open(d, O_RDONLY | O_DIRECTORY), ENOENT, "open %s", d);
		FAILS(open(d, O_PATH), ENOENT, "O_PATH %s", d);
		FAILS(stat(d, &st), ENOENT, "stat %s", d);
		FAILS(kstatx(AT_FDCWD, d, 0, KSTATX_BASIC, &sx), ENOENT,
		    "statx %s", d);
		FAILS(statfs(d, &sf), ENOENT, "statfs %s", d);
		FAILS(access(d, F_OK), ENOENT, "access %s", d);
		FAILS(chdir(d), ENOENT, "chdir %s", d);
		FAILS(mkdir(x, 0755), ENOENT, "mkdir %s", x);
		FAILS(open(x, O_WRONLY | O_CREAT | O_EXCL, 0600), ENOENT,
		    "create %s", x);
		FAILS(symlink("/", x), ENOENT, "symlink %s", x);
		snprintf(l, sizeof(l), "%s/vkdangle", w);
		CHECK(symlink(x, l) == 0, "symlink %s", l);
		FAILS(open(l, O_WRONLY | O_CREAT, 0600), ENOENT,
		    "create %s through a dangling symlink", x);
		unlink(l);
		if (colon[1] == '\0')
			continue;
		FAILS(open(c, O_RDONLY), ENOENT, "open %s", c);
		FAILS(open(c, O_WRONLY), ENOENT, "open %s for writing", c);
		FAILS(stat(c, &st), ENOENT, "stat %s", c);
		FAILS(lstat(c, &st), ENOENT, "lstat %s", c);
		FAILS(readlink(c, buf, sizeof(buf)), ENOENT, "readlink %s", c);
		FAILS(chown(c, (uid_t)-1, (gid_t)-1), ENOENT, "chown %s", c);
		FAILS(utimensat(AT_FDCWD, c, omit, 0), ENOENT, "utimes %s", c);
		FAILS(unlink(c), ENOENT, "unlink %s", c);
		FAILS(rename(c, x), ENOENT, "rename %s", c);
	}
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		printf("usage: files MODE DIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[2]);
	if (strcmp(mode, "open") == 0)
		open_modes();
	else if (strcmp(mode, "io") == 0)
		io_calls();
	else if (strcmp(mode, "stat") == 0)
		stat_calls();
	else if (strcmp(mode, "names") == 0)
		name_calls();
	else if (strcmp(mode, "errors") == 0)
		errors();
	else if (strcmp(mode, "locks") == 0)
		locks();
	else if (strcmp(mode, "leak") == 0)
		leak();
	else if (strcmp(mode, "escape") == 0)
		escape(argv[2]);
	else if (strcmp(mode, "hostfs") == 0)
		hostfs(argv[2]);
	else if (strcmp(mode, "pseudofs") == 0)
		pseudofs(argv[2], argc - 3, argv + 3);
	else {
		printf("unknown mode %s\n", mode);
		return 2;
	}
	if (failures == 0)
		printf("%s ok: %d checks\n", mode, checks);
	return failures != 0;
}
