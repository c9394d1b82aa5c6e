/* procs.c: guest processes as Linux runs them (fork, wait, exec, #! scripts, vfork and posix_spawn, groups and sessions, pipes, isolation, fork bombs); `procs MODE SELF [ARG]`, SELF being this program's path. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define PTRACE_ATTACH_	16
#define PTRACE_DETACH_	17
#define CAP_V3		0x20080522	/* _LINUX_CAPABILITY_VERSION_3 */
#define CAP_SYS_PTRACE_	19
#define PAGE		4096

extern char **environ;

static const char *mode = "";
static const char *self;		/* argv[2]: the path of this program */
static long checks, failures;

/* Checks and failures of children, added up for the final line. */
static struct tally {
	long checks, failures;
} *tally;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		int e_ = errno;						\
		failures++;						\
		printf("FAIL: %s line %d pid %d: ", mode, __LINE__,	\
		    (int)getpid());					\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", e_, strerror(e_));		\
	}								\
} while (0)

/* A child adds its counts to the tally and exits with CODE. */
static void
child_exit_code(int code)
{
	__atomic_add_fetch(&tally->checks, checks, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&tally->failures, failures, __ATOMIC_SEQ_CST);
	_exit(code);
}

static void
child_exit(void)
{
	child_exit_code(failures != 0);
}

/* fork() that must work; the child starts counting from zero. */
static pid_t
xfork(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		CHECK(0, "fork");
		exit(1);
	}
	if (pid == 0)
		checks = failures = 0;
	return pid;
}

static int
reap(pid_t pid)
{
	int st = -1;
	pid_t r = waitpid(pid, &st, 0);

	CHECK(r == pid, "waitpid(%d) = %d", (int)pid, (int)r);
	return st;
}

static void
expect_exit(pid_t pid, int code, const char *what)
{
	int st = reap(pid);

	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == code,
	    "%s: status 0x%x, want exit %d", what, st, code);
}

static void
expect_signal(pid_t pid, int sig, const char *what)
{
	int st = reap(pid);

	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sig && !WCOREDUMP(st),
	    "%s: status 0x%x, want signal %d", what, st, sig);
}

static void
no_children(const char *when)
{
	int st;

	errno = 0;
	CHECK(wait(&st) == -1 && errno == ECHILD, "%s: wait is not ECHILD", when);
}

static const char *
errname(int e)
{
	static char buf[32];

	switch (e) {
	case 0: return "none";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case ENOSYS: return "ENOSYS";
	case EPERM: return "EPERM";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void *
shared_page(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("FAIL: %s: shared mmap: %s\n", mode, strerror(errno));
		exit(1);
	}
	return p;
}

/* Reads until EOF into buf (NUL-terminated); returns the length. */
static size_t
read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			CHECK(0, "read_all");
			break;
		}
		len += n;
	}
	buf[len] = '\0';
	return len;
}

/* fork50: 50 children exit with status i (by exit, _exit or SIGTERM). */
static int atexit_fd = -1;

static void
atexit_hook(void)
{
	if (atexit_fd >= 0)
		write(atexit_fd, "x", 1);
}

static void
mode_fork50(void)
{
	pid_t pids[50];
	int seen[50] = { 0 }, p[2], st, i, n, exits = 0;
	char buf[64];

	CHECK(pipe(p) == 0, "pipe");
	atexit_fd = p[1];
	atexit(atexit_hook);
	for (i = 0; i < 50; i++) {
		pids[i] = xfork();
		if (pids[i] == 0) {
			close(p[0]);
			if (i == 13) {
				kill(getpid(), SIGTERM);
				_exit(99);
			}
			if (i % 2)
				exit(i);	/* runs the atexit hook */
			_exit(i);		/* does not */
		}
		if (i % 2 && i != 13)
			exits++;
	}
	atexit_fd = -1;
	close(p[1]);
	for (i = 0; i < 50; i++)
		CHECK(pids[i] != getpid() && (i == 0 || pids[i] != pids[i - 1]),
		    "child %d pid %d", i, (int)pids[i]);
	for (n = 0; n < 50; n++) {
		pid_t pid = n % 2 ? wait4(-1, &st, 0, NULL) : waitpid(-1, &st, 0);

		for (i = 0; i < 50 && pids[i] != pid; i++)
			;
		CHECK(i < 50 && !seen[i], "wait gave pid %d", (int)pid);
		if (i == 50 || seen[i])
			continue;
		seen[i] = 1;
		if (i == 13)
			CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM &&
			    !WIFEXITED(st), "child 13 status 0x%x", st);
		else
			CHECK(WIFEXITED(st) && WEXITSTATUS(st) == i &&
			    !WIFSIGNALED(st), "child %d status 0x%x", i, st);
	}
	no_children("after 50");
	CHECK(waitpid(pids[7], &st, WNOHANG) == -1 && errno == ECHILD,
	    "waitpid of a reaped child");
	n = read_all(p[0], buf, sizeof(buf));
	CHECK(n == exits, "atexit hooks ran %d times, want %d", n, exits);
	close(p[0]);
}

/* cow: 30 generations each see their parent's memory and keep their own. */
#define COW_SIZE	(1 << 20)
#define COW_GENS	30
#define HEAP_SIZE	(256 << 10)

static unsigned char cowbuf[COW_SIZE];
static int cow_data = 1000;

struct cowshared {
	int gens;
};

static unsigned char
cow_init(size_t p, size_t off)
{
	return (p * 31 + off * 7 + 0x55) & 0xff;
}

static unsigned char
cow_mark(size_t p, size_t off)
{
	unsigned char m = (p ^ (off * 37) ^ 0xa5) & 0xff;

	return m == cow_init(p, off) ? m ^ 0xff : m;
}

/* Generation g writes byte g of each page p with p % 4 == g % 4. */
static unsigned char
cow_expect(size_t i, int writers)
{
	size_t p = i / PAGE, off = i % PAGE;

	if ((int)off < writers && p % 4 == off % 4)
		return cow_mark(p, off);
	return cow_init(p, off);
}

static void
cow_verify(int g, int writers, const char *when)
{
	size_t i;

	for (i = 0; i < COW_SIZE && cowbuf[i] == cow_expect(i, writers); i++)
		;
	CHECK(i == COW_SIZE, "gen %d %s: byte %zu is 0x%02x, want 0x%02x",
	    g, when, i, i < COW_SIZE ? cowbuf[i] : 0,
	    i < COW_SIZE ? cow_expect(i, writers) : 0);
}

static int
all_bytes(const unsigned char *p, size_t len, unsigned char v)
{
	size_t i;

	for (i = 0; i < len && p[i] == v; i++)
		;
	return i == len;
}

static void
cow_gen(int g, struct cowshared *sh, unsigned char *heap,
    unsigned char *parent_stack)
{
	unsigned char stk[PAGE];
	size_t p;
	pid_t pid;

	cow_verify(g, g, "inherited");
	CHECK(cow_data == 1000 + g, "gen %d: data %d", g, cow_data);
	CHECK(all_bytes(heap, HEAP_SIZE, g), "gen %d: heap", g);
	CHECK(parent_stack == NULL || all_bytes(parent_stack, PAGE, g - 1),
	    "gen %d: parent's stack", g);
	CHECK(sh->gens == g, "gen %d: shared count %d", g, sh->gens);
	sh->gens++;
	for (p = g % 4; p < COW_SIZE / PAGE; p += 4)
		cowbuf[p * PAGE + g] = cow_mark(p, g);
	cow_data = 1000 + g + 1;
	memset(heap, g + 1, HEAP_SIZE);
	memset(stk, g, sizeof(stk));
	if (parent_stack != NULL)
		memset(parent_stack, 0xee, PAGE);	/* its own copy */
	if (g < COW_GENS) {
		pid = xfork();
		if (pid == 0)
			cow_gen(g + 1, sh, heap, stk);
		expect_exit(pid, 0, "next generation");
		cow_verify(g, g + 1, "after the child's writes");
		CHECK(cow_data == 1000 + g + 1, "gen %d: data %d after", g,
		    cow_data);
		CHECK(all_bytes(heap, HEAP_SIZE, g + 1), "gen %d: heap after", g);
		CHECK(all_bytes(stk, PAGE, g), "gen %d: stack after", g);
	}
	CHECK(sh->gens == COW_GENS + 1, "gen %d: shared count %d at the end",
	    g, sh->gens);
	if (g > 0) {
		memset(cowbuf, 0xee, COW_SIZE);
		memset(heap, 0xee, HEAP_SIZE);
		child_exit();
	}
}

static void
mode_cow(void)
{
	struct cowshared *sh = shared_page(PAGE);
	unsigned char *heap = malloc(HEAP_SIZE);
	size_t i;

	CHECK(heap != NULL, "malloc");
	memset(heap, 0, HEAP_SIZE);
	for (i = 0; i < COW_SIZE; i++)
		cowbuf[i] = cow_init(i / PAGE, i % PAGE);
	cow_gen(0, sh, heap, NULL);
	free(heap);
}

/* wait: the wait family's results, options and errors. */
static volatile sig_atomic_t chld_count, chld_pid, chld_code, chld_status;

static void
on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_count++;
	chld_pid = si->si_pid;
	chld_code = si->si_code;
	chld_status = si->si_status;
}

static void
wait_sigchld(void)
{
	struct sigaction sa = { 0 };
	sigset_t blk, old;
	pid_t pid;

	sigemptyset(&blk);
	sigaddset(&blk, SIGCHLD);
	sigprocmask(SIG_BLOCK, &blk, &old);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0, "sigaction SIGCHLD");
	pid = xfork();
	if (pid == 0)
		_exit(5);
	while (chld_count == 0)
		sigsuspend(&old);
	CHECK(chld_count == 1 && chld_pid == pid && chld_code == CLD_EXITED &&
	    chld_status == 5, "SIGCHLD handler: count %d pid %d code %d status %d",
	    (int)chld_count, (int)chld_pid, (int)chld_code, (int)chld_status);
	expect_exit(pid, 5, "SIGCHLD child");
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	sigaction(SIGCHLD, &sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
wait_pgid(void)
{
	int go[2], st;
	pid_t c1, c2, c3;
	siginfo_t si;
	char c;

	CHECK(pipe(go) == 0, "pipe");
	c1 = xfork();
	if (c1 == 0) {
		setpgid(0, 0);
		close(go[1]);
		read(go[0], &c, 1);
		_exit(11);
	}
	CHECK(setpgid(c1, c1) == 0, "setpgid(c1)");
	c2 = xfork();
	if (c2 == 0) {
		setpgid(0, c1);
		close(go[1]);
		read(go[0], &c, 1);
		_exit(12);
	}
	CHECK(setpgid(c2, c1) == 0, "setpgid(c2, c1)");
	c3 = xfork();
	if (c3 == 0)
		_exit(13);
	/* c3, outside the group, is a zombie before the group may exit. */
	CHECK(waitid(P_PID, c3, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == c3,
	    "waitid WNOWAIT c3");
	memset(&si, 0x55, sizeof(si));
	CHECK(waitid(P_PGID, c1, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0,
	    "P_PGID WNOHANG with the group running: si_pid %d", si.si_pid);
	close(go[0]);
	close(go[1]);
	for (int n = 0; n < 2; n++) {
		memset(&si, 0, sizeof(si));
		CHECK(waitid(P_PGID, c1, &si, WEXITED) == 0 &&
		    ((si.si_pid == c1 && si.si_status == 11) ||
		    (si.si_pid == c2 && si.si_status == 12)),
		    "P_PGID %d: pid %d status %d", n, si.si_pid, si.si_status);
	}
	CHECK(waitpid(-c1, &st, 0) == -1 && errno == ECHILD,
	    "waitpid(-pgid) of an empty group");
	CHECK(waitpid(-1, &st, 0) == c3 && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 13, "c3 last: status 0x%x", st);
}

/* A grandchild is no child: wait4 and waitid on it are ECHILD. */
static void
wait_grandchild(void)
{
	int gp[2], hold[2];
	pid_t c, g = 0;
	siginfo_t si;
	int st;

	CHECK(pipe(gp) == 0 && pipe(hold) == 0, "pipes");
	c = xfork();
	if (c == 0) {
		close(hold[1]);
		g = xfork();
		if (g == 0) {
			char ch;

			read(hold[0], &ch, 1);
			_exit(0);
		}
		write(gp[1], &g, sizeof(g));
		expect_exit(g, 0, "grandchild");
		child_exit();
	}
	close(hold[0]);
	CHECK(read(gp[0], &g, sizeof(g)) == sizeof(g), "grandchild pid");
	CHECK(wait4(g, &st, 0, NULL) == -1 && errno == ECHILD,
	    "wait4 on a grandchild");
	CHECK(waitid(P_PID, g, &si, WEXITED) == -1 && errno == ECHILD,
	    "waitid on a grandchild");
	close(hold[1]);
	expect_exit(c, 0, "child of the grandchild");
	close(gp[0]);
	close(gp[1]);
}

static void
mode_wait(void)
{
	siginfo_t si;
	pid_t me = getpid(), pid;
	int st;

	wait_sigchld();

	pid = xfork();
	if (pid == 0) {
		CHECK(getppid() == me, "getppid %d, want %d", getppid(), me);
		CHECK(getpid() != me, "child pid is the parent's");
		child_exit();
	}
	expect_exit(pid, 0, "getppid child");

	pid = xfork();
	if (pid == 0)
		_exit(42);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_pid == pid &&
	    si.si_signo == SIGCHLD && si.si_code == CLD_EXITED &&
	    si.si_status == 42 && si.si_uid == getuid(),
	    "waitid P_PID: pid %d signo %d code %d status %d", si.si_pid,
	    si.si_signo, si.si_code, si.si_status);

	/* WNOHANG with a child running, then the child killed. */
	pid = xfork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	memset(&si, 0x55, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOHANG) == 0 &&
	    si.si_pid == 0 && si.si_signo == 0,
	    "waitid WNOHANG running: pid %d signo %d", si.si_pid, si.si_signo);
	CHECK(waitpid(pid, &st, WNOHANG) == 0, "waitpid WNOHANG running");
	CHECK(wait4(-1, &st, WNOHANG, NULL) == 0, "wait4 WNOHANG running");
	CHECK(kill(pid, SIGKILL) == 0, "kill");
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_ALL, 0, &si, WEXITED) == 0 && si.si_pid == pid &&
	    si.si_code == CLD_KILLED && si.si_status == SIGKILL,
	    "waitid P_ALL killed: pid %d code %d status %d", si.si_pid,
	    si.si_code, si.si_status);

	/* WNOWAIT leaves the child waitable. */
	pid = xfork();
	if (pid == 0)
		_exit(3);
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0 &&
	    si.si_pid == pid && si.si_status == 3, "waitid WNOWAIT");
	CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == pid,
	    "waitid WNOWAIT twice");
	expect_exit(pid, 3, "after WNOWAIT");

	/* Only the low 8 bits of the exit status are kept. */
	pid = xfork();
	if (pid == 0)
		exit(0x1234);
	expect_exit(pid, 0x34, "exit(0x1234)");
	pid = xfork();
	if (pid == 0)
		_exit(-1);
	expect_exit(pid, 255, "_exit(-1)");

	wait_pgid();
	wait_grandchild();

	/* Bad arguments are EINVAL before anything else; then ECHILD. */
	CHECK(wait4(-1, &st, 0x1000, NULL) == -1 && errno == EINVAL,
	    "wait4 bad option");
	CHECK(wait4(-1, &st, WEXITED, NULL) == -1 && errno == EINVAL,
	    "wait4 takes no WEXITED");
	CHECK(waitid(P_ALL, 0, &si, 0) == -1 && errno == EINVAL,
	    "waitid without WEXITED");
	CHECK(waitid(P_ALL, 0, &si, WNOHANG) == -1 && errno == EINVAL,
	    "waitid WNOHANG alone");
	CHECK(waitid((idtype_t)42, 0, &si, WEXITED) == -1 && errno == EINVAL,
	    "waitid bad idtype");
	CHECK(waitid(P_ALL, 0, &si, WEXITED) == -1 && errno == ECHILD,
	    "waitid with no children");
	CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == -1 && errno == ECHILD,
	    "waitid WNOHANG with no children");
	CHECK(wait4(-1, &st, WNOHANG, NULL) == -1 && errno == ECHILD,
	    "wait4 WNOHANG with no children");
	no_children("end");
}

/* orphan: a child whose parent exits is reparented (to pid 1 if we are it). */
static void
mode_orphan(void)
{
	int info[2], ack[2], go[2], res[2];
	pid_t me = getpid(), mid, orphan = 0, ppid = 0;
	int st;

	CHECK(pipe(info) == 0 && pipe(ack) == 0 && pipe(go) == 0 &&
	    pipe(res) == 0, "pipes");
	mid = xfork();
	if (mid == 0) {
		pid_t o = xfork();

		if (o == 0) {
			pid_t before = getppid(), after;
			char c;

			write(ack[1], "a", 1);	/* the middle may go now */
			close(go[1]);
			close(res[0]);
			read(go[0], &c, 1);	/* the middle process is gone */
			after = getppid();
			write(res[1], &before, sizeof(before));
			write(res[1], &after, sizeof(after));
			child_exit();
		}
		char c;

		CHECK(read(ack[0], &c, 1) == 1, "the orphan started");
		write(info[1], &o, sizeof(o));
		child_exit();
	}
	close(res[1]);
	close(go[0]);
	CHECK(read(info[0], &orphan, sizeof(orphan)) == sizeof(orphan), "pid");
	expect_exit(mid, 0, "middle process");
	write(go[1], "g", 1);
	CHECK(read(res[0], &ppid, sizeof(ppid)) == sizeof(ppid) && ppid == mid,
	    "orphan's parent before: %d, want %d", (int)ppid, (int)mid);
	CHECK(read(res[0], &ppid, sizeof(ppid)) == sizeof(ppid) && ppid != mid,
	    "orphan's parent after the middle exited: %d", (int)ppid);
	if (me == 1) {
		CHECK(ppid == 1, "orphan's parent %d, want 1", (int)ppid);
		CHECK(waitpid(-1, &st, 0) == orphan && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0, "pid 1 reaps the orphan");
	} else {
		/* Reparented to init or a subreaper, not to us. */
		char buf[8];

		CHECK(read_all(res[0], buf, sizeof(buf)) == 0, "EOF");
		CHECK(waitpid(orphan, &st, WNOHANG) == -1 && errno == ECHILD,
		    "the orphan is not our child");
	}
	no_children("end");
}

/* stop: SIGSTOP and SIGCONT are reported to WUNTRACED/WCONTINUED waits. */
static void
mode_stop(void)
{
	siginfo_t si;
	pid_t pid;
	int st;

	pid = xfork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK(kill(pid, SIGSTOP) == 0, "SIGSTOP");
	CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) &&
	    WSTOPSIG(st) == SIGSTOP, "WUNTRACED: status 0x%x", st);
	CHECK(waitpid(pid, &st, WUNTRACED | WNOHANG) == 0,
	    "the stop is reported once");
	CHECK(kill(pid, SIGCONT) == 0, "SIGCONT");
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WCONTINUED) == 0 && si.si_pid == pid &&
	    si.si_code == CLD_CONTINUED && si.si_status == SIGCONT,
	    "waitid WCONTINUED: code %d status %d", si.si_code, si.si_status);
	CHECK(kill(pid, SIGSTOP) == 0, "SIGSTOP again");
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WSTOPPED) == 0 && si.si_pid == pid &&
	    si.si_code == CLD_STOPPED && si.si_status == SIGSTOP,
	    "waitid WSTOPPED: code %d status %d", si.si_code, si.si_status);
	/* SIGTERM waits for a SIGCONT; SIGKILL does not. */
	CHECK(kill(pid, SIGTERM) == 0, "SIGTERM");
	sleep_ms(50);
	CHECK(waitpid(pid, &st, WNOHANG | WUNTRACED | WCONTINUED) == 0,
	    "SIGTERM to a stopped child: status 0x%x", st);
	CHECK(kill(pid, SIGCONT) == 0, "SIGCONT");
	expect_signal(pid, SIGTERM, "stopped child, SIGTERM then SIGCONT");
	pid = xfork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK(kill(pid, SIGSTOP) == 0, "SIGSTOP");
	CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st), "stopped");
	CHECK(kill(pid, SIGKILL) == 0, "SIGKILL");
	expect_signal(pid, SIGKILL, "stopped child and SIGKILL");
	no_children("end");
}

/* autoreap: with SIGCHLD ignored or SA_NOCLDWAIT children leave no zombie. */
static void
mode_autoreap(void)
{
	struct sigaction sa = { 0 };
	sigset_t blk, old;
	pid_t pid = 0;
	int st, i;

	sa.sa_handler = SIG_IGN;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0, "SIG_IGN");
	for (i = 0; i < 5; i++) {
		pid = xfork();
		if (pid == 0) {
			sleep_ms(20 * i);
			_exit(i);
		}
	}
	/* wait sleeps until every child is gone, then fails. */
	CHECK(wait(&st) == -1 && errno == ECHILD, "wait with SIGCHLD ignored");
	CHECK(kill(pid, 0) == -1 && errno == ESRCH, "the last child is gone");

	sigemptyset(&blk);
	sigaddset(&blk, SIGCHLD);
	sigprocmask(SIG_BLOCK, &blk, &old);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
	CHECK(sigaction(SIGCHLD, &sa, NULL) == 0, "SA_NOCLDWAIT");
	pid = xfork();
	if (pid == 0)
		_exit(9);
	CHECK(waitpid(pid, &st, 0) == -1 && errno == ECHILD,
	    "waitpid with SA_NOCLDWAIT");
	while (chld_count == 0)
		sigsuspend(&old);
	CHECK(chld_pid == pid && chld_code == CLD_EXITED && chld_status == 9,
	    "SA_NOCLDWAIT still signals: pid %d code %d status %d",
	    (int)chld_pid, (int)chld_code, (int)chld_status);
	sigprocmask(SIG_SETMASK, &old, NULL);

	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	sigaction(SIGCHLD, &sa, NULL);
	pid = xfork();
	if (pid == 0)
		_exit(4);
	expect_exit(pid, 4, "with SIGCHLD back to SIG_DFL");
	no_children("end");
}

/* pgrp: process groups, sessions, kill to groups, tgkill. */
static volatile sig_atomic_t got_usr2;

static void
on_usr2(int sig)
{
	(void)sig;
	got_usr2++;
}

static void
pgrp_kill_group(void)
{
	pid_t g[3], other;
	int i;

	for (i = 0; i < 3; i++) {
		g[i] = xfork();
		if (g[i] == 0) {
			setpgid(0, i ? g[0] : 0);
			for (;;)
				pause();
		}
		CHECK(setpgid(g[i], g[0]) == 0, "setpgid(g%d)", i);
	}
	other = xfork();
	if (other == 0) {
		for (;;)
			pause();
	}
	CHECK(getpgid(g[2]) == g[0], "getpgid of a member");
	CHECK(kill(-g[0], SIGUSR1) == 0, "kill(-pgid)");
	for (i = 0; i < 3; i++)
		expect_signal(g[i], SIGUSR1, "group member");
	CHECK(kill(-g[0], 0) == -1 && errno == ESRCH, "kill of an empty group");
	CHECK(killpg(g[0], SIGUSR1) == -1 && errno == ESRCH,
	    "killpg of an empty group");
	CHECK(kill(other, 0) == 0 && waitpid(other, NULL, WNOHANG) == 0,
	    "the child outside the group lives");
	CHECK(kill(other, SIGKILL) == 0, "SIGKILL");
	expect_signal(other, SIGKILL, "child outside the group");
}

static void
pgrp_exists(void)
{
	siginfo_t si;
	pid_t pid;

	pid = xfork();
	if (pid == 0)
		_exit(0);
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "zombie");
	CHECK(kill(pid, 0) == 0, "kill(zombie, 0) finds it");
	expect_exit(pid, 0, "zombie");
	CHECK(kill(pid, 0) == -1 && errno == ESRCH, "kill(reaped, 0)");
	CHECK(kill(pid, SIGTERM) == -1 && errno == ESRCH, "kill(reaped)");
	CHECK(getpgid(pid) == -1 && errno == ESRCH, "getpgid(reaped)");
	CHECK(getsid(pid) == -1 && errno == ESRCH, "getsid(reaped)");
	CHECK(setpgid(pid, 0) == -1 && errno == ESRCH, "setpgid(reaped)");
	CHECK(syscall(SYS_tgkill, pid, pid, SIGTERM) == -1 && errno == ESRCH,
	    "tgkill(reaped)");
}

static void
pgrp_tgkill(void)
{
	struct sigaction sa = { 0 };
	sigset_t blk, old;
	pid_t pid;

	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR2);
	sigprocmask(SIG_BLOCK, &blk, &old);
	pid = xfork();
	if (pid == 0) {
		while (got_usr2 == 0)
			sigsuspend(&old);
		_exit(got_usr2 == 1 ? 0 : 1);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK(syscall(SYS_tgkill, pid, getpid(), SIGUSR2) == -1 && errno == ESRCH,
	    "tgkill with a tid of another process");
	CHECK(syscall(SYS_tgkill, pid, pid, 0) == 0, "tgkill signal 0");
	CHECK(syscall(SYS_tgkill, pid, pid, SIGUSR2) == 0, "tgkill");
	expect_exit(pid, 0, "tgkill target");
	CHECK(got_usr2 == 0, "the sender got its own signal");
}

static void
pgrp_session(void)
{
	int sync[2], hold[2];
	pid_t pid, mysid = getsid(0);
	char c;

	CHECK(pipe(sync) == 0 && pipe(hold) == 0, "pipes");
	pid = xfork();
	if (pid == 0) {
		pid_t me = getpid();

		CHECK(setsid() == me, "setsid in a fresh child");
		CHECK(getsid(0) == me && getpgrp() == me && getpgid(0) == me,
		    "new session and group");
		CHECK(setsid() == -1 && errno == EPERM, "setsid twice");
		CHECK(setpgid(0, 0) == -1 && errno == EPERM,
		    "setpgid of a session leader");
		write(sync[1], "s", 1);
		close(hold[1]);
		read(hold[0], &c, 1);
		child_exit();
	}
	close(hold[0]);
	CHECK(read(sync[0], &c, 1) == 1, "sync");
	CHECK(getsid(pid) == pid, "getsid of the child: %d", (int)getsid(pid));
	CHECK(getsid(0) == mysid, "our session unchanged");
	CHECK(setpgid(pid, getpgrp()) == -1 && errno == EPERM,
	    "setpgid of a child in another session");
	close(hold[1]);
	expect_exit(pid, 0, "session leader");
	close(sync[0]);
	close(sync[1]);
}

/* Once a child has exec'd, its parent may no longer move it. */
static void
pgrp_after_exec(void)
{
	int p[2];
	pid_t pid;
	char c, fd[16];

	CHECK(pipe(p) == 0, "pipe");
	pid = xfork();
	if (pid == 0) {
		snprintf(fd, sizeof(fd), "%d", p[1]);
		close(p[0]);
		execl(self, self, "pauser", self, fd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	CHECK(read(p[0], &c, 1) == 1, "the exec'd child is ready");
	CHECK(setpgid(pid, pid) == -1 && errno == EACCES,
	    "setpgid after the child's execve");
	CHECK(kill(pid, SIGKILL) == 0, "SIGKILL");
	expect_signal(pid, SIGKILL, "exec'd child");
	close(p[0]);
}

/* The group tests run in a fresh child, which leads no session or group. */
static void
mode_pgrp(void)
{
	pid_t me = getpid(), pid;

	CHECK(getpgrp() == getpgid(0) && getpgid(me) == getpgid(0),
	    "getpgrp %d getpgid %d", (int)getpgrp(), (int)getpgid(0));
	CHECK(getsid(0) == getsid(me) && getsid(0) >= 0, "getsid");
	CHECK(setpgid(0, -1) == -1 && errno == EINVAL, "setpgid(0, -1)");
	pid = xfork();
	if (pid == 0) {
		pid_t x = getpid(), sid = getsid(0);

		CHECK(getpgrp() != x && getsid(0) != x, "fresh child leads");
		CHECK(setpgid(getppid(), getppid()) == -1 && errno == ESRCH,
		    "setpgid of our parent");
		CHECK(setpgid(0, 0) == 0 && getpgrp() == x && getpgid(0) == x,
		    "setpgid(0, 0): group %d", (int)getpgrp());
		CHECK(getsid(0) == sid, "setpgid keeps the session");
		CHECK(setsid() == -1 && errno == EPERM, "setsid of a group leader");
		pgrp_kill_group();
		pgrp_exists();
		pgrp_tgkill();
		pgrp_session();
		pgrp_after_exec();
		no_children("end");
		child_exit();
	}
	expect_exit(pid, 0, "group tests");
	CHECK(getpgid(pid) == -1 && errno == ESRCH, "getpgid after reaping");
}

#define EXEC_ADDR	((void *)0x200000000000UL)

/* exec: a new image with new arguments, environment, fds and signals. */
static void
on_usr1(int sig)
{
	(void)sig;
}

static void *
unmapped_page(void)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	munmap(p, PAGE);
	return p;
}

static void
mode_exec(void)
{
	char *nargv[] = { (char *)self, "exit3", (char *)self, NULL };
	char *envp[] = { "A=1", "B=two words", "EMPTY=", NULL };
	char a[8][32], *bad = unmapped_page(), *badstr[] = { "x", bad, NULL };
	int cl[2], keep[2];
	struct sigaction sa = { 0 };
	sigset_t set;
	void *m;
	pid_t pid;

	CHECK(execve("/nonexistent/procs", nargv, environ) == -1 &&
	    errno == ENOENT, "execve of a missing path");
	CHECK(execve("/", nargv, environ) == -1 && errno == EACCES,
	    "execve of a directory");
	CHECK(execve(self, (char **)bad, environ) == -1 && errno == EFAULT,
	    "execve with a bad argv");
	CHECK(execve(self, badstr, environ) == -1 && errno == EFAULT,
	    "execve with a bad argv string");
	CHECK(execve(self, nargv, (char **)bad) == -1 && errno == EFAULT,
	    "execve with a bad envp");
	CHECK(execve(bad, nargv, environ) == -1 && errno == EFAULT,
	    "execve with a bad path");

	/* A child's new image exits 3 and the parent sees it. */
	pid = xfork();
	if (pid == 0) {
		execve(self, nargv, envp);
		_exit(127);
	}
	expect_exit(pid, 3, "fork and exec");

	CHECK(pipe2(cl, O_CLOEXEC) == 0 && pipe(keep) == 0, "pipes");
	sa.sa_handler = on_usr1;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "handle SIGUSR1");
	sa.sa_handler = SIG_IGN;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0, "ignore SIGUSR2");
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	m = mmap(EXEC_ADDR, PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(m == EXEC_ADDR, "mmap");
	snprintf(a[0], 32, "%d", (int)getpid());
	snprintf(a[1], 32, "%d", (int)getppid());
	snprintf(a[2], 32, "%d,%d,%d,%d", cl[0], cl[1], keep[0], keep[1]);
	snprintf(a[3], 32, "%p", m);
	snprintf(a[4], 32, "%ld", checks + tally->checks);
	snprintf(a[5], 32, "%ld", failures + tally->failures);
	char *xargv[] = { "exec-image", "exec2", (char *)self, a[0], a[1], a[2],
	    a[3], a[4], a[5], "two words", "", NULL };
	fflush(stdout);
	execve(self, xargv, envp);
	CHECK(0, "execve of %s", self);
}

static void
mode_exec2(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t set;
	int fd[4], n = 0;
	void *m, *got;
	char c;

	if (argc != 11) {
		printf("FAIL: exec2: argc %d\n", argc);
		exit(1);
	}
	mode = "exec";
	checks = atol(argv[7]);
	failures = atol(argv[8]);
	CHECK(argv[11] == NULL, "argv ends");
	CHECK(strcmp(argv[0], "exec-image") == 0 && strcmp(argv[9], "two words")
	    == 0 && strcmp(argv[10], "") == 0, "argv");
	while (environ[n])
		n++;
	CHECK(n == 3 && strcmp(environ[0], "A=1") == 0 &&
	    strcmp(environ[1], "B=two words") == 0 &&
	    strcmp(environ[2], "EMPTY=") == 0, "environ (%d entries)", n);
	CHECK(getenv("B") && strcmp(getenv("B"), "two words") == 0, "getenv");
	CHECK(getauxval(AT_PAGESZ) == PAGE, "AT_PAGESZ");
	CHECK(getauxval(AT_EXECFN) &&
	    strcmp((char *)getauxval(AT_EXECFN), argv[2]) == 0, "AT_EXECFN");
	CHECK(getpid() == atoi(argv[3]), "pid %d, want %s", getpid(), argv[3]);
	CHECK(getppid() == atoi(argv[4]), "ppid %d", getppid());
	CHECK(sscanf(argv[5], "%d,%d,%d,%d", &fd[0], &fd[1], &fd[2], &fd[3])
	    == 4, "fds");
	CHECK(fcntl(fd[0], F_GETFD) == -1 && errno == EBADF, "O_CLOEXEC read end");
	CHECK(fcntl(fd[1], F_GETFD) == -1 && errno == EBADF, "O_CLOEXEC write end");
	CHECK(fcntl(fd[2], F_GETFD) == 0 && fcntl(fd[3], F_GETFD) == 0,
	    "the plain pipe survives");
	CHECK(write(fd[3], "k", 1) == 1 && read(fd[2], &c, 1) == 1 && c == 'k',
	    "the plain pipe works");
	CHECK(sigaction(SIGUSR1, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL,
	    "a handled signal is reset to SIG_DFL");
	CHECK(sigaction(SIGUSR2, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN,
	    "an ignored signal stays ignored");
	CHECK(sigprocmask(SIG_BLOCK, NULL, &set) == 0 &&
	    sigismember(&set, SIGWINCH) && !sigismember(&set, SIGUSR1),
	    "the signal mask is kept");
	/* The old image's mapping is gone. */
	CHECK(sscanf(argv[6], "%p", &m) == 1, "address");
	got = mmap(m, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
	    MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(got == m, "the old mapping at %p is gone (mmap gave %p)", m, got);
}

/* script: #! lines, Linux style: interpreter, its argument, the path, args. */
static void
mode_interp(int argc, char **argv)
{
	unsigned long fn = getauxval(AT_EXECFN);

	for (int i = 0; i < argc; i++)
		printf("[%s] ", argv[i]);
	printf("execfn %s\n", fn ? (char *)fn : "(none)");
	exit(0);
}

/* Runs PATH with ARGV in a child; its output must be exactly WANT. */
static void
script_run(const char *path, char *const argv[], const char *want)
{
	char *envp[] = { "PROCS_INTERP=1", NULL };
	char out[4096];
	int p[2];
	pid_t pid;

	CHECK(pipe(p) == 0, "pipe");
	pid = xfork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execve(path, argv, envp);
		printf("execve %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	read_all(p[0], out, sizeof(out));
	close(p[0]);
	expect_exit(pid, 0, path);
	CHECK(strcmp(out, want) == 0, "%s printed\n%s want\n%s", path, out, want);
}

static void
mode_script(const char *dir)
{
	char s[8][512], want[4096];
	char *envp[] = { "PROCS_INTERP=1", NULL };
	int i;

	for (i = 1; i < 8; i++)
		snprintf(s[i], sizeof(s[i]), "%s/s%d", dir, i);
	char *args1[] = { "ARGV0", "x", "y z", NULL };
	snprintf(want, sizeof(want), "[%s] [interp] [%s] [x] [y z] execfn %s\n",
	    self, s[1], s[1]);
	script_run(s[1], args1, want);
	/* Blanks around the interpreter go; its argument is one word. */
	char *args2[] = { "ARGV0", NULL };
	snprintf(want, sizeof(want), "[%s] [one  two] [%s] execfn %s\n",
	    self, s[2], s[2]);
	script_run(s[2], args2, want);
	/* No argument; argv[0] is dropped even when empty. */
	char *args3[] = { "", "a", NULL };
	snprintf(want, sizeof(want), "[%s] [%s] [a] execfn %s\n", self, s[3],
	    s[3]);
	script_run(s[3], args3, want);
	/* A script as interpreter of a script. */
	char *args4[] = { "ARGV0", "b", NULL };
	snprintf(want, sizeof(want),
	    "[%s] [interp] [%s] [%s] [b] execfn %s\n", self, s[1], s[4], s[4]);
	script_run(s[4], args4, want);

	CHECK(execve(s[5], args1, envp) == -1 && errno == ENOENT,
	    "a missing interpreter");
	CHECK(execve(s[6], args1, envp) == -1 && errno == ENOEXEC,
	    "neither ELF nor #!");
	CHECK(execve(s[7], args1, envp) == -1 && errno == EACCES,
	    "not executable");
}

/* vfork and posix_spawn. */
static volatile int vfork_var;

static void
mode_vfork(void)
{
	char *argv3[] = { (char *)self, "exit3", (char *)self, NULL };
	char *argve[] = { (char *)self, "echo", (char *)self, "a", "b c", NULL };
	posix_spawn_file_actions_t fa;
	char out[256];
	pid_t pid;
	int p[2], r;

	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		vfork_var = 1234;
		_exit(7);
	}
	CHECK(pid > 0, "vfork");
	CHECK(vfork_var == 1234, "the vfork child's write: %d", vfork_var);
	expect_exit(pid, 7, "vfork child");

	r = posix_spawn(&pid, self, NULL, NULL, argv3, environ);
	CHECK(r == 0, "posix_spawn: %s", strerror(r));
	if (r == 0)
		expect_exit(pid, 3, "spawned");

	CHECK(pipe(p) == 0, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	r = posix_spawn(&pid, self, &fa, NULL, argve, environ);
	posix_spawn_file_actions_destroy(&fa);
	CHECK(r == 0, "posix_spawn with file actions: %s", strerror(r));
	close(p[1]);
	read_all(p[0], out, sizeof(out));
	close(p[0]);
	CHECK(strcmp(out, "a|b c\n") == 0, "spawned echo printed '%s'", out);
	if (r == 0)
		expect_exit(pid, 0, "spawned echo");

	r = posix_spawn(&pid, "/nonexistent/procs", NULL, NULL, argv3, environ);
	CHECK(r == ENOENT, "posix_spawn of a missing file: %d", r);
	no_children("end");
}

/* pipe: 1 MiB to a child; EOF only once every write end is closed. */
static uint32_t
hash(uint32_t h, const unsigned char *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static void
mode_pipe(void)
{
	static unsigned char buf[64 << 10];
	uint32_t h = 2166136261u, res[2];
	int p[2], r[2], w2, q[2];
	size_t i, total = 0;
	pid_t pid;
	ssize_t n;
	char c;

	CHECK(pipe(p) == 0 && pipe(r) == 0, "pipes");
	pid = xfork();
	if (pid == 0) {
		uint32_t ch = 2166136261u, cn = 0;
		char tail[3] = { 0 };

		close(p[1]);
		close(r[0]);
		while ((n = read(p[0], buf, sizeof(buf))) > 0) {
			ch = hash(ch, buf, n);
			for (ssize_t k = 0; k < n; k++) {
				memmove(tail, tail + 1, 2);
				tail[2] = buf[k];
			}
			cn += n;
		}
		CHECK(n == 0, "read to EOF");
		CHECK(memcmp(tail, "END", 3) == 0, "the last bytes written");
		res[0] = cn;
		res[1] = ch;
		write(r[1], res, sizeof(res));
		child_exit();
	}
	close(p[0]);
	close(r[1]);
	w2 = dup(p[1]);
	for (i = 0; i < 16; i++) {
		for (size_t k = 0; k < sizeof(buf); k++)
			buf[k] = (i * 131 + k * 7) & 0xff;
		CHECK(write(i % 2 ? w2 : p[1], buf, sizeof(buf)) == sizeof(buf),
		    "write");
		h = hash(h, buf, sizeof(buf));
		total += sizeof(buf);
	}
	close(p[1]);
	sleep_ms(50);		/* the child must not see EOF now */
	CHECK(write(w2, "END", 3) == 3, "write through the last write end");
	h = hash(h, (const unsigned char *)"END", 3);
	total += 3;
	close(w2);
	CHECK(read(r[0], res, sizeof(res)) == sizeof(res), "result");
	CHECK(res[0] == total && res[1] == h, "child read %u bytes hash %x, "
	    "want %zu hash %x", res[0], res[1], total, h);
	CHECK(read(r[0], &c, 1) == 0, "EOF once the child exits");
	expect_exit(pid, 0, "reader");
	close(r[0]);

	/* EPIPE once the last reader, in another process, is gone. */
	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(q) == 0, "pipe");
	pid = xfork();
	if (pid == 0) {
		close(q[1]);
		read(q[0], &c, 1);
		_exit(0);
	}
	close(q[0]);
	CHECK(write(q[1], "x", 1) == 1, "write while the child reads");
	expect_exit(pid, 0, "reader");
	CHECK(write(q[1], "y", 1) == -1 && errno == EPIPE, "EPIPE");
	close(q[1]);
}

/* pipeline: a | b | c as a shell runs it, and SIGPIPE up a pipeline. */
static void
pipeline_stage(int in, int out, int stage, int res)
{
	FILE *fi = in >= 0 ? fdopen(in, "r") : NULL;
	FILE *fo = out >= 0 ? fdopen(out, "w") : NULL;
	long v, sum = 0;

	if (stage == 0) {
		for (v = 1; v <= 1000; v++)
			fprintf(fo, "%ld\n", v);
	} else if (stage == 1) {
		while (fscanf(fi, "%ld", &v) == 1)
			fprintf(fo, "%ld\n", v * 2);
	} else {
		while (fscanf(fi, "%ld", &v) == 1)
			sum += v;
		write(res, &sum, sizeof(sum));
	}
	if (fo)
		fclose(fo);
	child_exit();
}

/* The calling process's CPU clock in ns. */
static long long
own_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* cpuclock: each process's CPU clock counts its own time only: a child
 * that spins 300 ms of CPU leaves its waiting parent's clock far behind. */
static void
mode_cpuclock(void)
{
	long long before = own_cpu_ns(), after;
	pid_t pid;

	pid = xfork();
	if (pid == 0) {
		long long start = own_cpu_ns();
		volatile unsigned long spin = 0;

		while (own_cpu_ns() - start < 300000000LL)
			spin++;
		_exit(own_cpu_ns() - start >= 300000000LL ? 0 : 1);
	}
	expect_exit(pid, 0, "the spinning child");
	after = own_cpu_ns();
	CHECK(after - before < 150000000LL,
	    "the parent's CPU clock moved %lld ms while its child spun 300",
	    (after - before) / 1000000);
}

/* vforkkill: a parent killed while it waits for its vfork child dies at
 * once; the child, still running on the dead parent's memory, goes on,
 * exits, and is reaped by pid 1 (us, under the vkernel). */
static void
mode_vforkkill(void)
{
	pid_t mid, c;
	int st;

	mid = xfork();
	if (mid == 0) {
		if ((c = vfork()) == 0) {
			sleep_ms(300);
			_exit(5);
		}
		_exit(c > 0 ? 0 : 1);
	}
	sleep_ms(100);
	CHECK(kill(mid, SIGKILL) == 0, "kill the waiting parent");
	expect_signal(mid, SIGKILL, "a vfork parent killed while waiting");
	sleep_ms(600);
	if (getpid() == 1) {
		c = waitpid(-1, &st, WNOHANG);
		CHECK(c > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 5,
		    "pid 1 reaps the orphaned vfork child: %d status 0x%x",
		    (int)c, st);
	}
	no_children("end");
}

/* clonefiles: clone(CLONE_FILES) shares the descriptor table (a close in
 * the child closes the parent's), fork copies it, and exec unshares it. */
static void
mode_clonefiles(void)
{
	int p[2], q[2];
	long pid;

	CHECK(pipe(p) == 0 && pipe(q) == 0, "pipe");
	pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		close(p[1]);
		_exit(0);
	}
	CHECK(pid > 0, "clone(CLONE_FILES)");
	expect_exit((pid_t)pid, 0, "CLONE_FILES child");
	CHECK(fcntl(p[1], F_GETFD) == -1 && errno == EBADF,
	    "the child's close closed the shared descriptor");
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(0);
	}
	expect_exit((pid_t)pid, 0, "fork child");
	CHECK(fcntl(p[0], F_GETFD) == 0, "a forked child's close is its own");
	/* exec unshares: the new image's close (exit3 closes nothing, but
	 * execve itself closes the O_CLOEXEC end) does not reach us. */
	CHECK(fcntl(q[1], F_SETFD, FD_CLOEXEC) == 0, "FD_CLOEXEC");
	pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		execl(self, self, "exit3", self, (char *)NULL);
		_exit(127);
	}
	expect_exit((pid_t)pid, 3, "CLONE_FILES child that execs");
	CHECK(fcntl(q[1], F_GETFD) == FD_CLOEXEC,
	    "exec in a CLONE_FILES child left our close-on-exec fd open");
	close(p[0]);
	close(q[0]);
	close(q[1]);
}

static void
mode_pipeline(void)
{
	int p1[2], p2[2], r[2];
	pid_t a, b, c;
	long sum = 0;
	char ch;

	CHECK(pipe(p1) == 0 && pipe(p2) == 0 && pipe(r) == 0, "pipes");
	a = xfork();
	if (a == 0) {
		dup2(p1[1], 1);
		close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
		close(r[0]); close(r[1]);
		pipeline_stage(-1, 1, 0, -1);
	}
	b = xfork();
	if (b == 0) {
		dup2(p1[0], 0);
		dup2(p2[1], 1);
		close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
		close(r[0]); close(r[1]);
		pipeline_stage(0, 1, 1, -1);
	}
	c = xfork();
	if (c == 0) {
		dup2(p2[0], 0);
		close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
		close(r[0]);
		pipeline_stage(0, -1, 2, r[1]);
	}
	close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]); close(r[1]);
	CHECK(read(r[0], &sum, sizeof(sum)) == sizeof(sum) && sum == 1001000,
	    "pipeline sum %ld", sum);
	CHECK(read(r[0], &ch, 1) == 0, "EOF");
	close(r[0]);
	expect_exit(a, 0, "a");
	expect_exit(b, 0, "b");
	expect_exit(c, 0, "c");

	/* yes | head -c 1: the writer dies of SIGPIPE. */
	CHECK(pipe(p1) == 0, "pipe");
	a = xfork();
	if (a == 0) {
		signal(SIGPIPE, SIG_DFL);
		close(p1[0]);
		for (;;)
			write(p1[1], "y\n", 2);
	}
	b = xfork();
	if (b == 0) {
		close(p1[1]);
		_exit(read(p1[0], &ch, 1) == 1 && ch == 'y' ? 0 : 1);
	}
	close(p1[0]);
	close(p1[1]);
	expect_exit(b, 0, "head");
	expect_signal(a, SIGPIPE, "yes");
}

/* isolate: a sibling cannot see or touch another process's memory. */
#define ISO_ADDR	((char *)0x100000000000UL)
static const char secret[] = "A's secret: 5f0c1e2d3b4a";

static void
drop_ptrace_cap(void)
{
	struct { uint32_t version; int pid; } hdr = { CAP_V3, 0 };
	struct { uint32_t eff, perm, inh; } data[2];

	/* Natively root may trace anyone; drop that (ENOSYS is fine). */
	if (syscall(SYS_capget, &hdr, data) == 0) {
		data[0].eff &= ~(1u << CAP_SYS_PTRACE_);
		data[0].perm &= ~(1u << CAP_SYS_PTRACE_);
		syscall(SYS_capset, &hdr, data);
	}
}

static void
isolate_b(pid_t a)
{
	char buf[sizeof(secret)] = "", path[64];
	struct iovec lv = { buf, sizeof(buf) }, rv = { ISO_ADDR, sizeof(buf) };
	int i, same = 0, fd;
	long r;

	drop_ptrace_cap();
	for (i = 0; i < 2000; i++) {
		if (memcmp(ISO_ADDR, secret, sizeof(secret)) == 0)
			same++;
		if (i % 100 == 0)
			sched_yield();
	}
	CHECK(same == 0 && all_bytes((unsigned char *)ISO_ADDR, PAGE, 0),
	    "B saw A's page");
	r = syscall(SYS_process_vm_readv, a, &lv, 1, &rv, 1, 0);
	CHECK(r == -1 && (errno == ENOSYS || errno == EPERM || errno == ESRCH),
	    "process_vm_readv of A: %ld", r);
	CHECK(memcmp(buf, secret, sizeof(secret)) != 0, "B read A's secret");
	memcpy(buf, "hacked by B", 12);
	r = syscall(SYS_process_vm_writev, a, &lv, 1, &rv, 1, 0);
	CHECK(r == -1 && (errno == ENOSYS || errno == EPERM || errno == ESRCH),
	    "process_vm_writev to A: %ld", r);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)a);
	fd = open(path, O_RDWR);
	if (fd >= 0) {
		memset(buf, 0, sizeof(buf));
		r = pread(fd, buf, sizeof(buf), (off_t)(uintptr_t)ISO_ADDR);
		CHECK(r != (long)sizeof(buf) ||
		    memcmp(buf, secret, sizeof(secret)) != 0,
		    "B read A's secret through %s", path);
		r = pwrite(fd, "hacked", 6, (off_t)(uintptr_t)ISO_ADDR);
		CHECK(r == -1, "B wrote A's memory through %s", path);
		close(fd);
	}
	r = syscall(SYS_ptrace, PTRACE_ATTACH_, a, 0, 0);
	CHECK(r == -1, "B attached to A with ptrace");
	if (r == 0)
		syscall(SYS_ptrace, PTRACE_DETACH_, a, 0, 0);
}

static void
mode_isolate(void)
{
	int tob[2], ready[2], go[2];
	pid_t a, b;
	char *m, c;

	m = mmap(ISO_ADDR, PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(m == ISO_ADDR, "mmap at %p: %p", (void *)ISO_ADDR, (void *)m);
	if (m != ISO_ADDR)
		return;
	CHECK(pipe(tob) == 0 && pipe(ready) == 0 && pipe(go) == 0, "pipes");
	b = xfork();
	if (b == 0) {
		close(tob[1]);
		CHECK(read(tob[0], &a, sizeof(a)) == sizeof(a), "A's pid");
		isolate_b(a);
		child_exit();
	}
	a = xfork();
	if (a == 0) {
		prctl(PR_SET_DUMPABLE, 0);	/* natively: no tracing by B */
		memcpy(ISO_ADDR, secret, sizeof(secret));
		write(ready[1], "r", 1);
		close(go[1]);
		read(go[0], &c, 1);
		CHECK(memcmp(ISO_ADDR, secret, sizeof(secret)) == 0 &&
		    all_bytes((unsigned char *)ISO_ADDR + sizeof(secret),
		    PAGE - sizeof(secret), 0), "A's secret changed");
		child_exit();
	}
	CHECK(read(ready[0], &c, 1) == 1, "A ready");
	CHECK(write(tob[1], &a, sizeof(a)) == sizeof(a), "A's pid to B");
	expect_exit(b, 0, "B");
	close(go[1]);
	expect_exit(a, 0, "A");
	CHECK(all_bytes((unsigned char *)ISO_ADDR, PAGE, 0), "the parent's page");
}

/* forkbomb N: children that pause until fork fails or N of them exist. */
static void
mode_forkbomb(long n)
{
	pid_t *pids = calloc(n, sizeof(*pids)), pid;
	long k, i, reaped = 0;
	int err = 0, st;

	CHECK(pids != NULL, "calloc");
	fflush(stdout);
	for (k = 0; k < n; k++) {
		pid = fork();
		if (pid == 0) {
			for (;;)
				pause();
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		pids[k] = pid;
	}
	printf("forkbomb: %ld children, then %s\n", k, errname(err));
	for (i = 0; i < k; i++)
		CHECK(kill(pids[i], SIGKILL) == 0, "kill %d", (int)pids[i]);
	while ((pid = wait(&st)) > 0) {
		reaped++;
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		    "pid %d status 0x%x", (int)pid, st);
	}
	CHECK(errno == ECHILD, "wait ends with ECHILD");
	CHECK(reaped == k, "reaped %ld of %ld", reaped, k);
	free(pids);
}

/* bomb N: every process forks until a fork fails or N processes exist;
 * then the whole group is killed at once and its orphans reaped. */
#define B_FORKED	1ULL
#define B_STARTED	(1ULL << 21)
#define B_SETTLED	(1ULL << 42)
#define B_MASK		((1ULL << 21) - 1)

struct bomb {
	uint64_t counts;	/* forks seen by parents, starts, settles */
	long reserved;
	int stop, err;
};

static void
bomb_member(struct bomb *b, long n)
{
	__atomic_add_fetch(&b->counts, B_STARTED, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&b->stop, __ATOMIC_SEQ_CST)) {
		pid_t pid;

		if (__atomic_add_fetch(&b->reserved, 1, __ATOMIC_SEQ_CST) > n)
			break;
		pid = fork();
		if (pid == 0) {
			__atomic_add_fetch(&b->counts, B_STARTED,
			    __ATOMIC_SEQ_CST);
			continue;
		}
		if (pid < 0) {
			int zero = 0;

			__atomic_compare_exchange_n(&b->err, &zero, errno, 0,
			    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			break;
		}
		__atomic_add_fetch(&b->counts, B_FORKED, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&b->stop, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&b->counts, B_SETTLED, __ATOMIC_SEQ_CST);
	for (;;)
		pause();
}

static void
mode_bomb(long n)
{
	struct bomb *b = shared_page(PAGE);
	uint64_t c = 0, forked = 0, started, settled;
	long reaped = 0, waited;
	pid_t leader, pid;
	int st;

	/* Natively the orphans come back to us; pid 1 gets them anyway. */
	CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 || getpid() == 1,
	    "PR_SET_CHILD_SUBREAPER");
	b->reserved = 1;
	leader = xfork();
	if (leader == 0) {
		setpgid(0, 0);
		bomb_member(b, n);
	}
	setpgid(leader, leader);
	/* Settled == started == forked + 1: nobody is left inside fork. */
	for (waited = 0; waited < 100000; waited += 10) {
		c = __atomic_load_n(&b->counts, __ATOMIC_SEQ_CST);
		forked = c & B_MASK;
		started = (c >> 21) & B_MASK;
		settled = c >> 42;
		if (__atomic_load_n(&b->stop, __ATOMIC_SEQ_CST) &&
		    settled == started && started == forked + 1)
			break;
		sleep_ms(10);
	}
	CHECK(waited < 100000, "bomb never settled: counts %llx",
	    (unsigned long long)c);
	printf("bomb: %llu processes, then %s\n",
	    (unsigned long long)forked + 1, errname(b->err));
	CHECK(kill(-leader, SIGKILL) == 0, "kill(-leader, SIGKILL)");
	while ((pid = wait(&st)) > 0) {
		reaped++;
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		    "pid %d status 0x%x", (int)pid, st);
	}
	CHECK(errno == ECHILD, "wait ends with ECHILD");
	CHECK(reaped == (long)forked + 1, "reaped %ld of %llu", reaped,
	    (unsigned long long)forked + 1);
}

/* deepchain: 300 sequential children; exit keeps the low 8 bits. */
static void
mode_deepchain(void)
{
	pid_t prev = 0, pid;

	for (int i = 0; i < 300; i++) {
		pid = xfork();
		if (pid == 0)
			exit(i);
		CHECK(pid != prev, "pid %d reused at once", (int)pid);
		expect_exit(pid, i & 0xff, "chain link");
		prev = pid;
	}
	no_children("end");
}

/* tree: a binary tree of processes 5 deep; each returns its subtree's size. */
static int
tree(int depth)
{
	pid_t l, r;
	int sl, sr;

	if (depth == 0)
		return 1;
	l = xfork();
	if (l == 0)
		child_exit_code(tree(depth - 1));
	r = xfork();
	if (r == 0)
		child_exit_code(tree(depth - 1));
	sl = reap(l);
	sr = reap(r);
	CHECK(WIFEXITED(sl) && WIFEXITED(sr), "depth %d: status 0x%x 0x%x",
	    depth, sl, sr);
	return 1 + WEXITSTATUS(sl) + WEXITSTATUS(sr);
}

static void
mode_tree(void)
{
	int n = tree(5);

	CHECK(n == 63, "tree of %d processes, want 63", n);
	no_children("end");
}

static void
usage(void)
{
	printf("FAIL: usage: procs MODE SELF [N|DIR]; MODE: fork50 cow wait "
	    "orphan stop autoreap pgrp exec script vfork pipe pipeline "
	    "isolate forkbomb bomb deepchain tree\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("PROCS_INTERP"))
		mode_interp(argc, argv);
	if (argc < 3)
		usage();
	mode = argv[1];
	self = argv[2];
	/* Helpers run by the modes. */
	if (strcmp(mode, "exit3") == 0)
		return 3;
	if (strcmp(mode, "echo") == 0) {
		printf("%s|%s\n", argc > 3 ? argv[3] : "", argc > 4 ? argv[4] : "");
		return 0;
	}
	if (strcmp(mode, "pauser") == 0) {
		write(atoi(argv[3]), "p", 1);
		for (;;)
			pause();
	}
	tally = shared_page(PAGE);
	if (strcmp(mode, "exec2") == 0)
		mode_exec2(argc, argv);
	else if (strcmp(mode, "fork50") == 0)
		mode_fork50();
	else if (strcmp(mode, "cow") == 0)
		mode_cow();
	else if (strcmp(mode, "wait") == 0)
		mode_wait();
	else if (strcmp(mode, "orphan") == 0)
		mode_orphan();
	else if (strcmp(mode, "stop") == 0)
		mode_stop();
	else if (strcmp(mode, "autoreap") == 0)
		mode_autoreap();
	else if (strcmp(mode, "pgrp") == 0)
		mode_pgrp();
	else if (strcmp(mode, "exec") == 0)
		mode_exec();
	else if (strcmp(mode, "script") == 0 && argc > 3)
		mode_script(argv[3]);
	else if (strcmp(mode, "vfork") == 0)
		mode_vfork();
	else if (strcmp(mode, "pipe") == 0)
		mode_pipe();
	else if (strcmp(mode, "cpuclock") == 0)
		mode_cpuclock();
	else if (strcmp(mode, "vforkkill") == 0)
		mode_vforkkill();
	else if (strcmp(mode, "clonefiles") == 0)
		mode_clonefiles();
	else if (strcmp(mode, "pipeline") == 0)
		mode_pipeline();
	else if (strcmp(mode, "isolate") == 0)
		mode_isolate();
	else if (strcmp(mode, "forkbomb") == 0 && argc > 3)
		mode_forkbomb(atol(argv[3]));
	else if (strcmp(mode, "bomb") == 0 && argc > 3)
		mode_bomb(atol(argv[3]));
	else if (strcmp(mode, "deepchain") == 0)
		mode_deepchain();
	else if (strcmp(mode, "tree") == 0)
		mode_tree();
	else
		usage();
	checks += tally->checks;
	failures += tally->failures;
	if (failures) {
		printf("FAIL: %s: %ld of %ld checks failed\n", mode, failures,
		    checks);
		return 1;
	}
	printf("%s ok: %ld checks\n", mode, checks);
	return 0;
}
