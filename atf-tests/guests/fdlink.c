/* fdlink.c: the magic links /proc/self/fd/N, /proc/PID/fd/N, /dev/fd/N, /dev/stdin: never more access through them than a descriptor had (`fdlink reopen`, under vkernel -r only): "MODE ok: N checks" or FAIL lines. */
#define _GNU_SOURCE
#include <errno.h>
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

static int checks, failures;

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
	FAILS(open(L("/dev/fd", zero), O_WRONLY), EACCES, "through /dev/fd");
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
	if (strcmp(mode, "reopen") == 0) {
		reopen();
	} else {
		printf("usage: fdlink reopen\n");
		return 2;
	}
	if (failures == 0)
		printf("%s ok: %d checks\n", mode, checks);
	return failures != 0;
}
