/* fifo.c: guest that checks FIFOs (mkfifo, mknod) as Linux has them: opens that wait for the other end, ENXIO, O_RDWR, EINTR, data gone with the last close; prints "fifo ok: N checks". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static int checks, fails;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		printf("FAIL line %d: ", __LINE__);			\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", errno, strerror(errno));	\
		fails++;						\
	}								\
} while (0)

static char path1[4096], path2[4096], path3[4096];

static void
on_alarm(int sig)
{
	(void)sig;
}

/* Non-blocking opens: ENXIO for a writer without a reader, a reader
 * without a writer reads EOF; the FIFO file's own stat. */
static void
nonblocking(void)
{
	struct stat a, b;
	char buf[8];
	int r, w;

	CHECK(mkfifo(path1, 0600) == 0, "mkfifo");
	CHECK(mkfifo(path1, 0600) == -1 && errno == EEXIST, "mkfifo again");
	CHECK(stat(path1, &a) == 0 && S_ISFIFO(a.st_mode), "stat");
	CHECK(open(path1, O_WRONLY | O_NONBLOCK) == -1 && errno == ENXIO,
	    "writer without a reader");
	r = open(path1, O_RDONLY | O_NONBLOCK);
	CHECK(r >= 0, "non-blocking reader");
	CHECK(read(r, buf, sizeof(buf)) == 0, "EOF without a writer");
	w = open(path1, O_WRONLY | O_NONBLOCK);
	CHECK(w >= 0, "writer with a reader");
	CHECK(write(w, "ab", 2) == 2, "write");
	CHECK(read(r, buf, sizeof(buf)) == 2 && memcmp(buf, "ab", 2) == 0,
	    "read");
	CHECK(read(r, buf, sizeof(buf)) == -1 && errno == EAGAIN, "empty");
	CHECK(fstat(r, &b) == 0 && S_ISFIFO(b.st_mode) &&
	    b.st_ino == a.st_ino && b.st_dev == a.st_dev,
	    "fstat is the FIFO file's");
	close(w);
	CHECK(read(r, buf, sizeof(buf)) == 0, "EOF after the writer");
	close(r);
}

/* A blocking writer waits in open until a reader comes. */
static void
rendezvous(void)
{
	char buf[16];
	pid_t pid;
	int r, st, n = 0, k;

	pid = fork();
	if (pid == 0) {
		int w = open(path1, O_WRONLY);

		if (w < 0 || write(w, "hello", 5) != 5)
			_exit(1);
		close(w);
		_exit(0);
	}
	CHECK(pid > 0, "fork");
	usleep(200000);
	CHECK(waitpid(pid, &st, WNOHANG) == 0, "the writer did not wait");
	r = open(path1, O_RDONLY);
	CHECK(r >= 0, "blocking reader");
	while ((k = read(r, buf + n, sizeof(buf) - n)) > 0)
		n += k;
	CHECK(k == 0 && n == 5 && memcmp(buf, "hello", 5) == 0,
	    "read %d bytes", n);
	close(r);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "writer status %#x", st);

	/* A blocking reader waits for a writer the same way. */
	pid = fork();
	if (pid == 0) {
		usleep(200000);
		int w = open(path1, O_WRONLY);

		if (w < 0 || write(w, "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	r = open(path1, O_RDONLY);
	CHECK(r >= 0, "reader waits for a writer");
	CHECK(read(r, buf, 1) == 1 && buf[0] == 'x', "reader's byte");
	close(r);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "second writer status %#x", st);
}

/* O_RDWR never waits; what is left in a FIFO goes with its last close. */
static void
rdwr(void)
{
	char buf[4];
	int fd;
	char link[64], got[512];
	ssize_t n;

	fd = open(path1, O_RDWR);
	CHECK(fd >= 0, "O_RDWR");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, got, sizeof(got) - 1);
	got[n > 0 ? n : 0] = '\0';
	CHECK(strcmp(got, path1) == 0, "/proc/self/fd names the FIFO: %s",
	    got);
	CHECK(write(fd, "zz", 2) == 2, "write to itself");
	CHECK(read(fd, buf, 1) == 1 && buf[0] == 'z', "read back");
	close(fd);
	fd = open(path1, O_RDWR | O_NONBLOCK);
	CHECK(fd >= 0, "O_RDWR again");
	CHECK(read(fd, buf, sizeof(buf)) == -1 && errno == EAGAIN,
	    "the old byte is gone");
	close(fd);
}

/* A handled signal ends an open that waits: EINTR without SA_RESTART. */
static void
interrupted(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	CHECK(mkfifo(path2, 0600) == 0, "mkfifo 2");
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK(open(path2, O_RDONLY) == -1 && errno == EINTR,
	    "interrupted open");
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK(open(path2, O_WRONLY) == -1 && errno == EINTR,
	    "interrupted writer open");
	/* The interrupted reader is gone: a writer still finds none. */
	CHECK(open(path2, O_WRONLY | O_NONBLOCK) == -1 && errno == ENXIO,
	    "no reader left");
}

/* mknod makes regular files, FIFOs and sockets; not a directory (EPERM)
 * or a symlink (EINVAL). */
static void
nodes(void)
{
	struct stat st;
	int fd;

	CHECK(mknod(path3, S_IFIFO | 0600, 0) == 0, "mknod FIFO");
	CHECK(stat(path3, &st) == 0 && S_ISFIFO(st.st_mode), "is a FIFO");
	fd = open(path3, O_RDWR);
	CHECK(fd >= 0 && write(fd, "q", 1) == 1, "mknod's FIFO works");
	close(fd);
	unlink(path3);
	CHECK(mknod(path3, S_IFREG | 0600, 0) == 0, "mknod regular");
	CHECK(stat(path3, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == 0, "is regular");
	unlink(path3);
	CHECK(mknod(path3, 0600, 0) == 0, "mknod type 0");
	CHECK(stat(path3, &st) == 0 && S_ISREG(st.st_mode), "type 0 regular");
	unlink(path3);
	CHECK(mknod(path3, S_IFSOCK | 0600, 0) == 0, "mknod socket");
	CHECK(stat(path3, &st) == 0 && S_ISSOCK(st.st_mode), "is a socket");
	unlink(path3);
	CHECK(mknod(path3, S_IFDIR | 0700, 0) == -1 && errno == EPERM,
	    "mknod directory");
	CHECK(mknod(path3, S_IFLNK | 0700, 0) == -1 && errno == EINVAL,
	    "mknod symlink");
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		printf("usage: fifo all|chr DIR\n");
		return 2;
	}
	snprintf(path1, sizeof(path1), "%s/f1", argv[2]);
	snprintf(path2, sizeof(path2), "%s/f2", argv[2]);
	snprintf(path3, sizeof(path3), "%s/n", argv[2]);
	unlink(path1);
	unlink(path2);
	unlink(path3);
	if (strcmp(argv[1], "chr") == 0) {
		/* vkernel only: a guest never makes a device node. */
		CHECK(mknod(path3, S_IFCHR | 0600, makedev(1, 3)) == -1 &&
		    errno == EPERM, "mknod char device");
		CHECK(mknod(path3, S_IFBLK | 0600, makedev(7, 0)) == -1 &&
		    errno == EPERM, "mknod block device");
	} else {
		nonblocking();
		rendezvous();
		rdwr();
		interrupted();
		nodes();
	}
	unlink(path1);
	unlink(path2);
	if (fails)
		printf("%d of %d checks failed\n", fails, checks);
	else
		printf("fifo ok: %d checks\n", checks);
	return fails != 0;
}
