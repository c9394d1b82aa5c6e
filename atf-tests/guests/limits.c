/* limits.c: what a process's limits and its parent's death mean on Linux: exit signals after reparenting, per-process resource limits, many children at once, absurd memory requests. */

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int checks;

#define CHECK(cond, ...) do {                                         \
	checks++;                                                     \
	if (!(cond)) {                                                \
		printf("FAIL %s:%d: ", __FILE__, __LINE__);           \
		printf(__VA_ARGS__);                                  \
		printf(" (errno %d: %s)\n", errno, strerror(errno));  \
		exit(1);                                              \
	}                                                             \
} while (0)

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * killsig: a grandchild cloned with exit signal SIGKILL outlives its
 * parent; reparented to us (pid 1 under the vkernel, a subreaper
 * natively), its death must not kill us: Linux resets the exit signal to
 * SIGCHLD when it reparents.
 */
static void
mode_killsig(void)
{
	int st, got = 0;
	pid_t mid, pid;

	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGCHLD, SIG_DFL);
	fflush(stdout);
	if ((mid = fork()) == 0) {
		long g = syscall(SYS_clone, SIGKILL, 0, 0, 0, 0);

		if (g == 0) {
			pause_ms(200); /* outlive the parent */
			_exit(7);
		}
		_exit(g > 0 ? 0 : 1);
	}
	CHECK(mid > 0, "fork");
	CHECK(waitpid(mid, &st, 0) == mid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "middle child status %#x", st);
	/* The grandchild is ours now; its exit must come as SIGCHLD. */
	while ((pid = waitpid(-1, &st, __WALL)) > 0) {
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7,
		    "grandchild status %#x", st);
		got++;
	}
	CHECK(got == 1, "reaped %d grandchildren", got);
	printf("killsig: the reparented grandchild was reaped, we live\n");
}

/* rlimit: limits belong to each process, are inherited by fork and kept
 * across exec, and prlimit reaches another process. */
static void
mode_rlimit(const char *self)
{
	struct rlimit rl, old;
	int st, up[2], down[2];
	pid_t pid;
	char c;

	CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0, "getrlimit");
	rl = (struct rlimit){ 100, old.rlim_max };
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit");
	CHECK(pipe(up) == 0 && pipe(down) == 0, "pipe");
	fflush(stdout);
	if ((pid = fork()) == 0) {
		struct rlimit mine;

		CHECK(getrlimit(RLIMIT_NOFILE, &mine) == 0 &&
		    mine.rlim_cur == 100, "child inherits 100: %ld",
		    (long)mine.rlim_cur);
		mine.rlim_cur = 50;
		CHECK(setrlimit(RLIMIT_NOFILE, &mine) == 0, "child sets 50");
		CHECK(dup2(0, 60) == -1 && errno == EBADF,
		    "dup2 past the child's own limit");
		CHECK(write(up[1], "x", 1) == 1, "tell");
		CHECK(read(down[0], &c, 1) == 1, "wait");
		/* The parent raised ours to 70 meanwhile (prlimit). */
		CHECK(getrlimit(RLIMIT_NOFILE, &mine) == 0 &&
		    mine.rlim_cur == 70, "child sees prlimit's 70: %ld",
		    (long)mine.rlim_cur);
		/* exec keeps the limits. */
		execl(self, self, "rlimit-exec", (char *)NULL);
		_exit(9);
	}
	CHECK(pid > 0, "fork");
	CHECK(read(up[0], &c, 1) == 1, "child ready");
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 100,
	    "the parent still has 100: %ld", (long)rl.rlim_cur);
	CHECK(dup2(0, 60) == 60, "dup2 below the parent's limit");
	close(60);
	CHECK(prlimit(pid, RLIMIT_NOFILE, NULL, &rl) == 0 &&
	    rl.rlim_cur == 50, "prlimit reads the child's 50: %ld",
	    (long)rl.rlim_cur);
	rl.rlim_cur = 70;
	CHECK(prlimit(pid, RLIMIT_NOFILE, &rl, NULL) == 0, "prlimit sets 70");
	CHECK(write(down[1], "y", 1) == 1, "go");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child status %#x", st);
	CHECK(prlimit(pid, RLIMIT_NOFILE, NULL, &rl) == -1 && errno == ESRCH,
	    "prlimit of a reaped pid");
	rl = (struct rlimit){ 10, 20 };
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "lower the hard limit");
	/* Raising it back needs CAP_SYS_RESOURCE: which way it goes is
	 * printed, to be the same natively and under the vkernel. */
	rl = (struct rlimit){ 10, 30 };
	errno = 0;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0 || errno == EPERM,
	    "raise the hard limit");
	printf("rlimit: per process, inherited, kept over exec; raising the "
	    "hard limit: %s\n", errno == EPERM ? "EPERM" : "allowed");
}

static void
mode_rlimit_exec(void)
{
	struct rlimit rl;

	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 70,
	    "exec keeps 70: %ld", (long)rl.rlim_cur);
	exit(0);
}

/* children N: N children exist at once (each pauses), then all are
 * killed and reaped. */
static void
mode_children(long n)
{
	pid_t *pids = calloc(n, sizeof(*pids));
	long k, reaped = 0;
	int st;

	CHECK(pids != NULL, "calloc");
	fflush(stdout);
	for (k = 0; k < n; k++) {
		if ((pids[k] = fork()) == 0) {
			for (;;)
				pause();
		}
		CHECK(pids[k] > 0, "fork %ld of %ld", k + 1, n);
	}
	for (k = 0; k < n; k++)
		CHECK(kill(pids[k], SIGKILL) == 0, "kill");
	while (wait(&st) > 0)
		reaped++;
	CHECK(reaped == n, "reaped %ld", reaped);
	printf("children: %ld at once, all reaped\n", n);
	free(pids);
}

/* overcommit: one request for more memory than there could ever be is
 * refused (ENOMEM); MAP_NORESERVE and inaccessible reservations are not
 * counted, as with Linux's default heuristic. */
static void
mode_overcommit(void)
{
	size_t huge = 64ULL << 40; /* 64 TiB */
	void *m, *brk0 = sbrk(0);

	m = mmap(NULL, huge, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m == MAP_FAILED && errno == ENOMEM, "64 TiB private: %p", m);
	m = mmap(NULL, huge, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(m == MAP_FAILED && errno == ENOMEM, "64 TiB shared: %p", m);
	m = mmap(NULL, huge, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(m != MAP_FAILED, "64 TiB MAP_NORESERVE");
	CHECK(munmap(m, huge) == 0, "munmap");
	m = mmap(NULL, huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, "64 TiB PROT_NONE reservation");
	CHECK(munmap(m, huge) == 0, "munmap");
	CHECK(syscall(SYS_brk, (char *)brk0 + huge) == (long)brk0,
	    "brk of 64 TiB more leaves the break");
	CHECK(sbrk(0) == brk0, "the break stays");
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, "one page");
	CHECK(mremap(m, 4096, huge, MREMAP_MAYMOVE) == MAP_FAILED &&
	    errno == ENOMEM, "mremap to 64 TiB");
	printf("overcommit: absurd requests refused\n");
}

/* nproc: as an unprivileged user (uid 4242, no other process of it
 * anywhere), RLIMIT_NPROC 5 lets the user have 5 processes, zombies
 * included: we and 4 children, then EAGAIN; reaping one makes room. */
static void
mode_nproc(void)
{
	struct rlimit rl = { 5, 5 };
	pid_t pids[8];
	int k, st, err = 0;

	CHECK(setrlimit(RLIMIT_NPROC, &rl) == 0, "setrlimit");
	CHECK(setresgid(4242, 4242, 4242) == 0 &&
	    setresuid(4242, 4242, 4242) == 0, "drop to 4242");
	fflush(stdout);
	for (k = 0; k < 8; k++) {
		if ((pids[k] = fork()) == 0)
			_exit(0);
		if (pids[k] < 0) {
			err = errno;
			break;
		}
	}
	CHECK(k == 4 && err == EAGAIN, "%d children, then errno %d", k, err);
	pause_ms(100); /* all four exit: zombies still count */
	CHECK(fork() == -1 && errno == EAGAIN, "zombies count");
	CHECK(waitpid(pids[0], &st, 0) == pids[0], "reap one");
	if ((pids[0] = fork()) == 0)
		_exit(0);
	CHECK(pids[0] > 0, "fork after reaping one");
	while (wait(&st) > 0)
		;
	printf("nproc: 4 children, then EAGAIN, zombies count\n");
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "killsig") == 0)
		mode_killsig();
	else if (argc >= 2 && strcmp(argv[1], "rlimit") == 0)
		mode_rlimit(argv[0]);
	else if (argc >= 2 && strcmp(argv[1], "rlimit-exec") == 0)
		mode_rlimit_exec();
	else if (argc >= 3 && strcmp(argv[1], "children") == 0)
		mode_children(atol(argv[2]));
	else if (argc >= 2 && strcmp(argv[1], "overcommit") == 0)
		mode_overcommit();
	else if (argc >= 2 && strcmp(argv[1], "nproc") == 0)
		mode_nproc();
	else {
		fprintf(stderr, "usage: limits killsig|rlimit|children N|"
		    "overcommit\n");
		return 2;
	}
	printf("limits ok: %d checks\n", checks);
	return 0;
}
