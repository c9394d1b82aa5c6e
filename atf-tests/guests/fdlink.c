/* fdlink.c: the magic links /proc/self/fd/N, /proc/PID/fd/N, /dev/fd/N, /dev/stdin, /proc/self/cwd and exe, followed to the file itself as Linux does (`fdlink magic native|vk DIR`), and never more access through them than a descriptor had (`fdlink reopen DIR`, under vkernel -r only): "MODE ok: N checks" or FAIL lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#define PIPEFS 0x50495045

static int checks, failures, vk;
static char dir[PATH_MAX];
/* /dev/fd, but natively /proc/self/fd where the host's /dev has no fd
 * link (a minimal devtmpfs, as in the QEMU guest of the hw half). */
static const char *devfd = "/dev/fd";

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		int e_ = errno;						\
		failures++;						\
		printf("FAIL line %d: ", __LINE__);			\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", e_, strerror(e_));		\
		fflush(stdout);						\
	}								\
} while (0)
#define FAILS(call, e, ...) CHECK((call) == -1 && errno == (e), __VA_ARGS__)

/* statx by number (musl has no wrapper): the inode, or 0. */
static uint64_t
statx_ino(const char *path, int flags)
{
	struct { uint32_t mask, blksize; uint64_t attr; uint32_t nlink, uid,
	    gid; uint16_t mode, pad; uint64_t ino; char rest[200]; } sx;

	if (syscall(SYS_statx, AT_FDCWD, path, flags, 0x7ff, &sx) != 0)
		return 0;
	return sx.ino;
}

/* dir/name, in one of four rotating buffers. */
static const char *
P(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* The magic link of descriptor fd: /proc/self/fd/N by default, else
 * under the prefix given ("/dev/fd", "/proc/PID/fd"). */
static const char *
L(const char *prefix, int fd)
{
	static char buf[4][64];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%d",
	    prefix ? prefix : "/proc/self/fd", fd);
	return buf[i];
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static mode_t
fmode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static off_t
fsize_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

static void
make(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text),
	    "make %s", path);
	close(fd);
	CHECK(chmod(path, mode) == 0, "chmod %s", path);
}

/* The calls that act on a file through its name, through the O_PATH
 * descriptor op of file a's magic link. */
static void
through_o_path(int op, const char *a)
{
	struct timespec ts[2] = { { 100, 0 }, { 200, 0 } };
	struct timeval tv[2] = { { 300, 0 }, { 400, 0 } };
	struct statfs s1, s2;
	struct stat st, sa;
	char buf[PATH_MAX];
	ssize_t n;

	CHECK(chmod(L(NULL, op), 0600) == 0 && mode_of(a) == 0600,
	    "chmod through /proc/self/fd");
	CHECK(chown(L(NULL, op), getuid(), getgid()) == 0, "chown");
	CHECK(utimensat(AT_FDCWD, L(NULL, op), ts, 0) == 0 &&
	    stat(a, &st) == 0 && st.st_mtime == 200 && st.st_atime == 100,
	    "utimensat");
	CHECK(utimes(L(NULL, op), tv) == 0 && stat(a, &st) == 0 &&
	    st.st_mtime == 400, "utimes");
	CHECK(truncate(L(NULL, op), 3) == 0 && stat(a, &st) == 0 &&
	    st.st_size == 3, "truncate");
	CHECK(access(L(NULL, op), R_OK | W_OK) == 0, "access");
	CHECK(statfs(L(NULL, op), &s1) == 0 && statfs(dir, &s2) == 0 &&
	    s1.f_type == s2.f_type, "statfs is the file's");
	CHECK(stat(L(NULL, op), &st) == 0 && stat(a, &sa) == 0 &&
	    st.st_ino == sa.st_ino && S_ISREG(st.st_mode), "stat");
	CHECK(statx_ino(L(NULL, op), 0) == sa.st_ino, "statx");
	CHECK(lstat(L(NULL, op), &st) == 0 && S_ISLNK(st.st_mode),
	    "lstat is the link");
	n = readlink(L(NULL, op), buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strcmp(buf, a) == 0, "readlink: %s", buf);
	/* /dev/fd/N and /proc/PID/fd/N are the same links. */
	snprintf(buf, sizeof(buf), "/proc/%d/fd", (int)getpid());
	CHECK(chmod(L(devfd, op), 0604) == 0 && mode_of(a) == 0604,
	    "chmod through /dev/fd");
	CHECK(chmod(L(buf, op), 0644) == 0 && mode_of(a) == 0644,
	    "chmod through /proc/PID/fd");
	CHECK(chown(L(buf, op), (uid_t)-1, (gid_t)-1) == 0,
	    "chown through /proc/PID/fd");
	CHECK(utimensat(AT_FDCWD, L(devfd, op), NULL, 0) == 0 &&
	    stat(a, &st) == 0 && st.st_mtime > 400, "utimes through /dev/fd");
}

/* An O_PATH descriptor re-opened for I/O is the same file, a file of the
 * same kind as one opened by name. */
static void
reopen_o_path(int op, const char *a)
{
	struct stat st, sa;
	char buf[8] = "";
	char *m;
	int fd;

	fd = open(L(NULL, op), O_RDWR);
	CHECK(fd >= 0, "O_PATH re-opened O_RDWR");
	CHECK(pwrite(fd, "xyz", 3, 0) == 3, "write the re-opened file");
	CHECK(fstat(fd, &st) == 0 && stat(a, &sa) == 0 &&
	    st.st_ino == sa.st_ino, "the same inode");
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "F_GETFL");
	CHECK(fchmod(fd, 0640) == 0 && mode_of(a) == 0640,
	    "fchmod of the re-opened file");
	m = mmap(NULL, 3, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED && memcmp(m, "xyz", 3) == 0, "mmap it");
	if (m != MAP_FAILED)
		munmap(m, 3);
	close(fd);
	fd = open(L(devfd, op), O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, 3) == 3 && memcmp(buf, "xyz", 3) == 0,
	    "O_PATH re-opened O_RDONLY through /dev/fd");
	close(fd);
	fd = open(L(NULL, op), O_PATH);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == sa.st_ino,
	    "O_PATH re-opened O_PATH");
	close(fd);
}

/* A file whose name is gone: the link still leads to it. */
static void
unlinked(void)
{
	struct timespec ts[2] = { { 500, 0 }, { 600, 0 } };
	struct stat st;
	char buf[8] = "";
	int uo, fd;

	make(P("u"), "hello", 0644);
	uo = open(P("u"), O_PATH);
	CHECK(uo >= 0 && unlink(P("u")) == 0, "O_PATH, then unlink");
	CHECK(chmod(L(NULL, uo), 0640) == 0 && fmode_of(uo) == 0640,
	    "chmod of an unlinked file");
	CHECK(truncate(L(NULL, uo), 2) == 0 && fsize_of(uo) == 2,
	    "truncate of an unlinked file");
	CHECK(utimensat(AT_FDCWD, L(NULL, uo), ts, 0) == 0 &&
	    fstat(uo, &st) == 0 && st.st_mtime == 600, "utimensat of it");
	CHECK(chown(L(NULL, uo), (uid_t)-1, (gid_t)-1) == 0, "chown of it");
	CHECK(stat(L(NULL, uo), &st) == 0 && st.st_nlink == 0 &&
	    st.st_size == 2, "stat of it: nlink 0");
	fd = open(L(NULL, uo), O_RDWR);
	CHECK(fd >= 0 && read(fd, buf, 8) == 2 && memcmp(buf, "he", 2) == 0,
	    "re-open an unlinked file");
	close(fd);
	FAILS(linkat(AT_FDCWD, L(NULL, uo), AT_FDCWD, P("u2"),
	    AT_SYMLINK_FOLLOW), ENOENT, "no new name for an unlinked file");
	close(uo);
}

/* What glibc's fchmodat(AT_SYMLINK_NOFOLLOW) and lchmod do (tar restores
 * a directory's mode so), and the libc calls themselves. */
static void
nofollow_chmod(void)
{
	struct timespec ts[2] = { { 700, 0 }, { 800, 0 } };
	struct stat st;
	int fd;

	make(P("c"), "c", 0644);
	CHECK(symlink("c", P("s")) == 0, "symlink");
	CHECK(mkdir(P("d"), 0700) == 0, "mkdir");
	fd = open(P("d"), O_PATH | O_NOFOLLOW | O_CLOEXEC);
	CHECK(fd >= 0 && fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 &&
	    S_ISDIR(st.st_mode), "O_PATH|O_NOFOLLOW of a directory");
	CHECK(chmod(L(NULL, fd), 0750) == 0 && mode_of(P("d")) == 0750,
	    "chmod of its /proc/self/fd link");
	close(fd);
	fd = open(P("s"), O_PATH | O_NOFOLLOW | O_CLOEXEC);
	CHECK(fd >= 0 && fstatat(fd, "", &st, AT_EMPTY_PATH) == 0 &&
	    S_ISLNK(st.st_mode), "O_PATH|O_NOFOLLOW of a symlink");
	FAILS(chmod(L(NULL, fd), 0600), EOPNOTSUPP, "no mode for a symlink");
	CHECK(utimensat(AT_FDCWD, L(NULL, fd), ts, 0) == 0 &&
	    lstat(P("s"), &st) == 0 && st.st_mtime == 800 &&
	    mode_of(P("c")) == 0644, "utimensat through it: the link's own");
	CHECK(chown(L(NULL, fd), (uid_t)-1, (gid_t)-1) == 0, "chown of it");
	FAILS(open(L(NULL, fd), O_RDONLY), ELOOP, "a symlink is not opened");
	close(fd);
	CHECK(fchmodat(AT_FDCWD, P("c"), 0611, AT_SYMLINK_NOFOLLOW) == 0 &&
	    mode_of(P("c")) == 0611, "fchmodat AT_SYMLINK_NOFOLLOW");
	FAILS(fchmodat(AT_FDCWD, P("s"), 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP,
	    "fchmodat AT_SYMLINK_NOFOLLOW of a symlink");
	CHECK(lchmod(P("d"), 0705) == 0 && mode_of(P("d")) == 0705, "lchmod");
	fd = open(P("c"), O_RDONLY);
	FAILS(fchmodat(AT_FDCWD, L(NULL, fd), 0600, AT_SYMLINK_NOFOLLOW),
	    EOPNOTSUPP, "fchmodat AT_SYMLINK_NOFOLLOW of a magic link");
	CHECK(mode_of(P("c")) == 0611, "which changes nothing");
	close(fd);
}

/* /proc/self/cwd and /proc/self/exe lead to the files beneath them. */
static void
cwd_exe(const char *argv0)
{
	struct statfs s1, s2;
	struct stat st, sa;
	char buf[PATH_MAX];
	ssize_t n;
	int fd;

	CHECK(chdir(dir) == 0, "chdir");
	CHECK(chmod("/proc/self/cwd/c", 0644) == 0 && mode_of(P("c")) == 0644,
	    "chmod beneath /proc/self/cwd");
	CHECK(truncate("/proc/self/cwd/c", 0) == 0 && stat(P("c"), &st) == 0 &&
	    st.st_size == 0, "truncate beneath it");
	CHECK(utimensat(AT_FDCWD, "/proc/self/cwd/c", NULL, 0) == 0, "utimes");
	CHECK(access("/proc/self/cwd/c", W_OK) == 0, "access");
	n = readlink("/proc/self/cwd/s", buf, sizeof(buf) - 1);
	CHECK(n == 1 && buf[0] == 'c', "readlink beneath it");
	CHECK(lstat("/proc/self/cwd/s", &st) == 0 && S_ISLNK(st.st_mode),
	    "lstat beneath it");
	CHECK(statfs("/proc/self/cwd", &s1) == 0 && statfs(dir, &s2) == 0 &&
	    s1.f_type == s2.f_type, "statfs of /proc/self/cwd");
	fd = open("/proc/self/cwd/c", O_RDWR);
	CHECK(fd >= 0 && fchmod(fd, 0640) == 0 && mode_of(P("c")) == 0640,
	    "open beneath it: a file opened by name");
	close(fd);
	CHECK(linkat(AT_FDCWD, "/proc/self/cwd/c", AT_FDCWD, P("c2"),
	    AT_SYMLINK_FOLLOW) == 0 && stat(P("c2"), &st) == 0 &&
	    st.st_nlink == 2, "linkat beneath it");
	CHECK(access("/proc/self/exe", X_OK) == 0, "access /proc/self/exe");
	CHECK(stat("/proc/self/exe", &st) == 0 && stat(argv0, &sa) == 0 &&
	    st.st_ino == sa.st_ino, "stat /proc/self/exe");
	CHECK(statx_ino("/proc/self/exe", 0) == sa.st_ino, "statx of it");
	CHECK(statfs("/proc/self/exe", &s1) == 0 && statfs(argv0, &s2) == 0 &&
	    s1.f_type == s2.f_type, "statfs of it");
}

/* A pipe's link: no truncate (EINVAL), pipefs, a new end by open. */
static void
pipe_link(void)
{
	struct statfs sf;
	int p[2], fd;
	char c = 0;

	CHECK(pipe(p) == 0, "pipe");
	FAILS(truncate(L(NULL, p[0]), 0), EINVAL, "truncate of a pipe");
	CHECK(statfs(L(NULL, p[0]), &sf) == 0 && sf.f_type == PIPEFS,
	    "statfs of a pipe: %lx", (long)sf.f_type);
	fd = open(L(NULL, p[0]), O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1 && read(p[0], &c, 1) == 1 &&
	    c == 'x', "the read end opened for writing");
	close(fd);
	/* The vkernel keeps no owner or mode for its pipes: not the guest's
	 * to change (natively root may). */
	if (vk)
		FAILS(chmod(L(NULL, p[0]), 0600), EPERM, "chmod of a pipe");
	/* An O_PATH open of the read end is no reader: with the read end
	 * closed, a write is EPIPE; and the O_PATH file outlives both ends. */
	fd = open(L(NULL, p[0]), O_PATH);
	CHECK(fd >= 0, "O_PATH of a pipe");
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	FAILS(write(p[1], "x", 1), EPIPE, "write with only an O_PATH reader");
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
	close(fd);
}

static void
magic(const char *argv0)
{
	int op;

	make(P("a"), "hello", 0644);
	op = open(P("a"), O_PATH);
	CHECK(op >= 0, "O_PATH");
	through_o_path(op, P("a"));
	reopen_o_path(op, P("a"));
	CHECK(linkat(AT_FDCWD, L(NULL, op), AT_FDCWD, P("b"),
	    AT_SYMLINK_FOLLOW) == 0, "linkat AT_SYMLINK_FOLLOW of the link");
	CHECK(mode_of(P("b")) == mode_of(P("a")), "the same file");
	close(op);
	unlinked();
	nofollow_chmod();
	cwd_exe(argv0);
	pipe_link();
}

/*
 * Under vkernel -r ROOT only, with ROOT/zero a device node (1,5), ROOT/ln
 * a symlink, standard input a read-only file outside the root that says
 * "STDIN\n" and standard output a host pipe: a re-open through
 * /proc/self/fd/N, /proc/PID/fd/N, /dev/fd/N or /dev/std* never gives
 * more than the descriptor had, never opens a device node, and the
 * vkernel's streams are not the guest's to change.
 */
static void
reopen(void)
{
	struct stat st, s0;
	char buf[16] = "", pfd[64];
	const char *in[] = { "/dev/stdin", "/proc/self/fd/0", "/dev/fd/0" };
	size_t i;
	pid_t pid;
	int fd, zero, ln, status;

	zero = open("/zero", O_PATH);
	CHECK(zero >= 0 && fstat(zero, &st) == 0 && S_ISCHR(st.st_mode),
	    "O_PATH of a device node");
	snprintf(pfd, sizeof(pfd), "/proc/%d/fd", (int)getpid());
	FAILS(open(L(NULL, zero), O_RDWR), EACCES, "device node O_RDWR");
	FAILS(open(L(NULL, zero), O_RDONLY), EACCES, "device node O_RDONLY");
	FAILS(open(L(devfd, zero), O_WRONLY), EACCES, "through /dev/fd");
	FAILS(open(L(pfd, zero), O_RDONLY), EACCES, "through /proc/PID/fd");
	fd = open(L(NULL, zero), O_PATH);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode),
	    "an O_PATH of it again is only a name");
	close(fd);
	ln = open("/ln", O_PATH | O_NOFOLLOW);
	FAILS(open(L(NULL, ln), O_RDONLY), ELOOP, "a symlink's O_PATH");
	/* The vkernel's standard input: read-only, outside the root. */
	CHECK(read(0, buf, 2) == 2 && fstat(0, &s0) == 0, "read stdin");
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		FAILS(open(in[i], O_RDWR), EACCES, "%s O_RDWR", in[i]);
		FAILS(open(in[i], O_WRONLY), EACCES, "%s O_WRONLY", in[i]);
		FAILS(open(in[i], O_RDONLY | O_TRUNC), EACCES, "%s O_TRUNC",
		    in[i]);
		FAILS(chmod(in[i], 0666), EPERM, "chmod %s", in[i]);
		FAILS(chown(in[i], 0, 0), EPERM, "chown %s", in[i]);
		FAILS(truncate(in[i], 0), EPERM, "truncate %s", in[i]);
		FAILS(utimensat(AT_FDCWD, in[i], NULL, 0), EPERM, "utimes %s",
		    in[i]);
		/* Read-only is what it has: a new open, from the start. */
		fd = open(in[i], O_RDONLY);
		memset(buf, 0, sizeof(buf));
		CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 6 &&
		    strcmp(buf, "STDIN\n") == 0 && fstat(fd, &st) == 0 &&
		    st.st_ino == s0.st_ino, "%s O_RDONLY: %s", in[i], buf);
		FAILS(write(fd, "x", 1), EBADF, "and it is read-only");
		close(fd);
	}
	/* Another process's descriptor: no more than it had either. */
	if ((pid = fork()) == 0) {
		snprintf(pfd, sizeof(pfd), "/proc/%d/fd/0", (int)getppid());
		_exit(open(pfd, O_RDWR) == -1 && errno == EACCES ? 0 : 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid && status == 0,
	    "the parent's stdin through /proc/PPID/fd/0");
	/* Standard output, a host pipe written to: not a reader. */
	FAILS(open("/dev/stdout", O_RDONLY), EACCES, "/dev/stdout O_RDONLY");
	FAILS(open("/proc/self/fd/1", O_RDWR), EACCES, "/proc/self/fd/1 O_RDWR");
	fd = open("/dev/stdout", O_WRONLY);
	CHECK(fd >= 0 && write(fd, "written through /dev/stdout\n", 28) == 28,
	    "/dev/stdout O_WRONLY");
	close(fd);
	FAILS(open("/dev/stderr", O_RDONLY), EACCES, "/dev/stderr O_RDONLY");
	close(zero);
	close(ln);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "magic") == 0 && argc == 4) {
		vk = strcmp(argv[2], "vk") == 0;
		if (!vk && access("/dev/fd", F_OK) != 0)
			devfd = "/proc/self/fd";
		snprintf(dir, sizeof(dir), "%s", argv[3]);
		magic(argv[0]);
	} else if (strcmp(mode, "reopen") == 0) {
		reopen();
	} else {
		printf("usage: fdlink magic native|vk DIR | fdlink reopen\n");
		return 2;
	}
	if (failures == 0)
		printf("%s ok: %d checks\n", mode, checks);
	return failures != 0;
}
