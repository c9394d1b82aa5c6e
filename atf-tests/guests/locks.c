/* locks.c: POSIX record locks as Linux keeps them (per process, dropped at any close of the file, not inherited, l_pid, deadlocks) and against OFD locks, flock and other host processes, mode by mode (argv[1]) in a directory (argv[2]): what it saw, then "MODE ok: N checks". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int checks, failures;
static char dir[PATH_MAX];

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL pid-label %s line %d: ", who, __LINE__);	\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", errno, strerror(errno));	\
		fflush(stdout);						\
	}								\
} while (0)
/* A call that must fail with errno e. */
#define FAILS(call, e, ...) CHECK((call) == -1 && errno == (e), __VA_ARGS__)

static const char *who = "main";

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

/* fcntl lock command cmd of type over (whence, start, len). */
static int
lk(int fd, int cmd, int type, int whence, off_t start, off_t len)
{
	struct flock fl = { .l_type = (short)type, .l_whence = (short)whence,
	    .l_start = start, .l_len = len };

	return fcntl(fd, cmd, &fl);
}

/* The same, on [start, start + len) from the start of the file. */
static int
lock(int fd, int cmd, int type, off_t start, off_t len)
{
	return lk(fd, cmd, type, SEEK_SET, start, len);
}

static const char *
tname(int t)
{
	return t == F_RDLCK ? "R" : t == F_WRLCK ? "W" : t == F_UNLCK ? "U" :
	    "?";
}

/* What F_GETLK (cmd) of type over [start, start + len) says, as a line:
 * "TAG: U" or "TAG: W 0+20 by NAME", NAME naming the pid: pidname if it
 * is pid, "-1", or "another pid". */
static void
probe(int fd, int cmd, const char *tag, int type, off_t start, off_t len,
    pid_t pid, const char *pidname)
{
	struct flock fl = { .l_type = (short)type, .l_whence = SEEK_SET,
	    .l_start = start, .l_len = len };
	const char *name;

	if (fcntl(fd, cmd, &fl) != 0) {
		printf("%s: error %s\n", tag, strerror(errno));
		failures++;
		return;
	}
	if (fl.l_type == F_UNLCK) {
		printf("%s: U\n", tag);
		CHECK(fl.l_start == start && fl.l_len == len &&
		    fl.l_whence == SEEK_SET, "F_GETLK changed more than l_type");
		return;
	}
	name = fl.l_pid == pid ? pidname : fl.l_pid == -1 ? "-1" :
	    "another pid";
	printf("%s: %s %lld+%lld by %s\n", tag, tname(fl.l_type),
	    (long long)fl.l_start, (long long)fl.l_len, name);
	CHECK(fl.l_whence == SEEK_SET, "l_whence %d", fl.l_whence);
}

/* One byte over a pipe, to hand the turn over; 0 at EOF. */
static int
token_get(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

static void
token_put(int fd)
{
	if (write(fd, "t", 1) != 1)
		_exit(9);
}

static volatile sig_atomic_t alarmed;
static void on_alarm(int sig) { (void)sig; alarmed++; }

/* SIGALRM runs on_alarm, restarting calls or not; a timer fires after ms
 * (0: disarms). */
static void
alarm_ms(int ms, int restart)
{
	struct sigaction sa = { .sa_handler = on_alarm,
	    .sa_flags = restart ? SA_RESTART : 0 };
	struct itimerval it = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };

	sigaction(SIGALRM, &sa, NULL);
	alarmed = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* A status that says the child exited with code. */
static int
reaped(pid_t pid, int code)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == code;
}

/* A file of 30 bytes, open read-write. */
static int
datafile(const char *name)
{
	int fd = open(P(name), O_CREAT | O_RDWR | O_TRUNC, 0644);

	if (fd < 0 || write(fd, "0123456789abcdefghijklmnopqrst", 30) != 30) {
		printf("cannot make %s: %s\n", P(name), strerror(errno));
		exit(2);
	}
	return fd;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- a fork child starts with no lock ---- */

static void
fork_mode(void)
{
	int fd = datafile("f"), go[2], back[2];
	pid_t parent = getpid(), pid;

	CHECK(pipe(go) == 0 && pipe(back) == 0, "pipes");
	CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 10) == 0, "parent locks [0,10)");
	if ((pid = fork()) == 0) {
		who = "child";
		/* The same open file description, another process. */
		FAILS(lock(fd, F_SETLK, F_WRLCK, 0, 10), EAGAIN,
		    "child takes its parent's lock");
		FAILS(lock(fd, F_SETLK, F_RDLCK, 5, 1), EAGAIN,
		    "child reads under its parent's write lock");
		probe(fd, F_GETLK, "child sees [0,10)", F_WRLCK, 0, 10, parent,
		    "parent");
		probe(fd, F_GETLK, "child sees [0,EOF)", F_RDLCK, 0, 0, parent,
		    "parent");
		CHECK(lock(fd, F_SETLK, F_WRLCK, 20, 10) == 0,
		    "child locks [20,30)");
		/* Its close drops its own locks, not its parent's. */
		close(fd);
		fd = open(P("f"), O_RDWR);
		probe(fd, F_GETLK, "child after its close", F_WRLCK, 0, 0,
		    parent, "parent");
		token_put(back[1]);
		token_get(go[0]);
		/* The parent let go. */
		CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 10) == 0,
		    "child locks [0,10) after the parent unlocked");
		token_put(back[1]);
		token_get(go[0]);
		_exit(failures ? 1 : 0);
	}
	token_get(back[0]);
	probe(fd, F_GETLK, "parent sees [20,30)", F_WRLCK, 20, 10, pid,
	    "child");
	CHECK(lock(fd, F_SETLK, F_UNLCK, 0, 0) == 0, "parent unlocks");
	token_put(go[1]);
	token_get(back[0]);
	probe(fd, F_GETLK, "parent sees [0,10)", F_WRLCK, 0, 10, pid, "child");
	token_put(go[1]);
	CHECK(reaped(pid, 0), "child's checks");
	probe(fd, F_GETLK, "after the child's exit", F_WRLCK, 0, 0, pid,
	    "child");
	close(fd);
}

/* ---- one owner: descriptors, dup, close_range, CLONE_FILES ---- */

/* A prober: a child with its own table and open file that answers each
 * token with the probe of [0,EOF) (the parent's pid named "owner"). */
static pid_t prober_pid;
static int prober_go[2], prober_back[2];

static void
prober_start(const char *name, int nprobes, const off_t *offs)
{
	pid_t owner = getpid();
	char tag[64];
	int fd, i;

	if (pipe(prober_go) != 0 || pipe(prober_back) != 0)
		exit(2);
	if ((prober_pid = fork()) == 0) {
		who = "prober";
		fd = open(P(name), O_RDWR);
		close(prober_go[1]);
		while (token_get(prober_go[0])) {
			for (i = 0; i < nprobes; i++) {
				snprintf(tag, sizeof(tag), "  %lld",
				    (long long)offs[i]);
				probe(fd, F_GETLK, tag, F_WRLCK, offs[i], 1,
				    owner, "owner");
			}
			token_put(prober_back[1]);
		}
		_exit(failures ? 1 : 0);
	}
	close(prober_go[0]);
	close(prober_back[1]);
}

/* The prober's view now, after what. */
static void
prober_ask(const char *what)
{
	printf("%s\n", what);
	token_put(prober_go[1]);
	token_get(prober_back[0]);
}

static void
prober_end(void)
{
	close(prober_go[1]);
	CHECK(reaped(prober_pid, 0), "prober's checks");
	close(prober_back[0]);
}

static void
owner_mode(void)
{
	static const off_t at[] = { 0, 12, 22 };
	int fd1 = datafile("o"), fd2, fd3, other;
	pid_t pid;

	prober_start("o", 3, at);
	fd2 = open(P("o"), O_RDWR);
	CHECK(lock(fd1, F_SETLK, F_WRLCK, 0, 10) == 0, "lock through fd1");
	CHECK(lock(fd2, F_SETLK, F_WRLCK, 5, 10) == 0,
	    "the same process through another open of the file");
	probe(fd2, F_GETLK, "own view", F_WRLCK, 0, 0, 0, "");
	prober_ask("two descriptors, one owner:");
	close(fd2);
	prober_ask("closed the descriptor that did not lock:");

	CHECK(lock(fd1, F_SETLK, F_WRLCK, 0, 10) == 0, "lock again");
	fd3 = dup(fd1);
	close(fd3);
	prober_ask("closed a dup:");

	fd3 = open(P("o"), O_RDONLY);
	other = open(P("other"), O_CREAT | O_RDWR, 0644);
	CHECK(lock(fd1, F_SETLK, F_WRLCK, 0, 10) == 0, "lock again");
	CHECK(dup2(other, fd3) == fd3, "dup2");
	prober_ask("dup2 over a descriptor of the file:");

	CHECK(lock(fd1, F_SETLK, F_WRLCK, 0, 30) == 0, "lock again");
	CHECK(dup2(fd1, 100) == 100, "dup2 to 100");
	CHECK(syscall(SYS_close_range, 100, 100, 4 /* CLOEXEC */) == 0,
	    "close_range CLOSE_RANGE_CLOEXEC");
	prober_ask("close_range marking it close-on-exec:");
	CHECK(syscall(SYS_close_range, 100, 100, 0) == 0, "close_range");
	prober_ask("close_range closing it:");

	/* CLONE_FILES: one table, one owner. */
	CHECK(lock(fd1, F_SETLK, F_WRLCK, 0, 10) == 0, "lock again");
	pid = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		who = "sharer";
		CHECK(lock(fd1, F_SETLK, F_WRLCK, 0, 10) == 0,
		    "a sharer of the table takes its lock");
		CHECK(lock(fd1, F_SETLK, F_WRLCK, 20, 5) == 0,
		    "a sharer locks [20,25)");
		_exit(failures ? 1 : 0);
	}
	CHECK(reaped(pid, 0), "sharer's checks");
	prober_ask("a CLONE_FILES sharer locked and exited:");
	close(other);
	prober_ask("closed another file:");
	fd2 = open(P("o"), O_RDONLY);
	close(fd2);
	prober_ask("opened and closed the file once more:");
	prober_end();
	close(fd1);
}

/* ---- merges, splits, upgrades and downgrades ---- */

static void
merge_mode(void)
{
	static const off_t at[] = { 0, 2, 3, 5, 9, 10, 12, 19, 20, 25, 29,
	    30, 34, 35, 39, 40, 100, 1000000 };
	int fd = datafile("m");

	prober_start("m", sizeof(at) / sizeof(at[0]), at);
	prober_ask("nothing:");
	CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 10) == 0, "W [0,10)");
	prober_ask("W [0,10):");
	CHECK(lock(fd, F_SETLK, F_WRLCK, 10, 10) == 0, "W [10,20)");
	prober_ask("W [10,20) merges:");
	CHECK(lock(fd, F_SETLK, F_RDLCK, 5, 5) == 0, "R [5,10)");
	prober_ask("R [5,10) splits it:");
	CHECK(lock(fd, F_SETLK, F_UNLCK, 2, 1) == 0, "U [2,3)");
	prober_ask("U [2,3):");
	CHECK(lock(fd, F_SETLK, F_WRLCK, 5, 5) == 0, "W [5,10)");
	prober_ask("W [5,10) upgrades and merges:");
	CHECK(lock(fd, F_SETLK, F_RDLCK, 0, 0) == 0, "R [0,EOF)");
	prober_ask("R [0,EOF) downgrades everything:");
	CHECK(lseek(fd, 50, SEEK_SET) == 50, "lseek");
	CHECK(lk(fd, F_SETLK, F_UNLCK, SEEK_CUR, -10, -5) == 0,
	    "U SEEK_CUR -10, len -5");
	prober_ask("U [35,40) by SEEK_CUR and a negative length:");
	CHECK(lk(fd, F_SETLK, F_WRLCK, SEEK_END, 0, -10) == 0,
	    "W SEEK_END 0, len -10");
	prober_ask("W [20,30) by SEEK_END and a negative length:");
	CHECK(lk(fd, F_SETLK, F_WRLCK, SEEK_END, 4, 1) == 0,
	    "W SEEK_END 4, len 1");
	prober_ask("W [34,35) by SEEK_END:");
	CHECK(lock(fd, F_SETLK, F_RDLCK, 29, 2) == 0, "R [29,31)");
	prober_ask("R [29,31) over the end of W [20,30):");
	CHECK(lock(fd, F_SETLK, F_UNLCK, 0, 0) == 0, "U [0,EOF)");
	prober_ask("U [0,EOF):");
	CHECK(lock(fd, F_SETLK, F_WRLCK, LLONG_MAX, 1) == 0, "the last byte");
	CHECK(lock(fd, F_SETLK, F_RDLCK, 1000000, 0) == 0, "R [1000000,EOF)");
	prober_ask("R [1000000,EOF) and W of the last byte:");
	CHECK(lock(fd, F_SETLK, F_UNLCK, 0, 0) == 0, "U [0,EOF)");
	prober_end();

	/* Ranges and types Linux refuses. */
	FAILS(lk(fd, F_SETLK, F_WRLCK, 7, 0, 1), EINVAL, "l_whence 7");
	FAILS(lock(fd, F_SETLK, F_WRLCK, -1, 1), EINVAL, "negative start");
	FAILS(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, -60, 1), EINVAL,
	    "before the start by SEEK_CUR");
	FAILS(lock(fd, F_SETLK, F_WRLCK, 5, -6), EINVAL,
	    "a negative length before 0");
	FAILS(lock(fd, F_SETLK, F_WRLCK, LLONG_MAX, 2), EOVERFLOW,
	    "past the largest offset");
	FAILS(lk(fd, F_SETLK, F_WRLCK, SEEK_END, LLONG_MAX, 1), EOVERFLOW,
	    "SEEK_END past the largest offset");
	FAILS(lock(fd, F_SETLK, 9, 0, 1), EINVAL, "l_type 9");
	FAILS(lock(fd, F_GETLK, F_UNLCK, 0, 1), EINVAL, "F_GETLK of F_UNLCK");
	FAILS(lk(fd, F_GETLK, F_WRLCK, 3, 0, 1), EINVAL, "F_GETLK l_whence 3");
	FAILS(fcntl(fd, F_SETLK, (void *)8), EFAULT, "bad flock pointer");
	FAILS(fcntl(fd, F_GETLK, (void *)8), EFAULT, "bad F_GETLK pointer");
	close(fd);
}

/* ---- F_SETLKW wakes when the holder lets go ---- */

/* A holder in a child takes W [0,10) (R for "downgrade") through a file
 * of its own, says so, and after 300 ms lets go by how: "unlock",
 * "exit", "close" (another descriptor of the file) or "downgrade" (to
 * R: a reader waits).  The parent waits in F_SETLKW meanwhile and must
 * get the lock only after the holder let go. */
static void
wait_one(const char *how)
{
	volatile int *released = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = datafile("w"), held[2], done[2], hfd, fd2;
	int rd = strcmp(how, "downgrade") == 0;
	uint64_t t0;
	pid_t pid;

	CHECK(pipe(held) == 0 && pipe(done) == 0, "pipes");
	*released = 0;
	if ((pid = fork()) == 0) {
		who = "holder";
		hfd = open(P("w"), O_RDWR);
		CHECK(lock(hfd, F_SETLK, F_WRLCK, 0, 10) == 0, "holder locks");
		token_put(held[1]);
		usleep(300000);
		*released = 1;
		if (strcmp(how, "unlock") == 0)
			CHECK(lock(hfd, F_SETLK, F_UNLCK, 0, 10) == 0, "unlock");
		else if (strcmp(how, "exit") == 0)
			_exit(failures ? 1 : 0);
		else if (strcmp(how, "close") == 0) {
			fd2 = open(P("w"), O_RDONLY);
			close(fd2);
		} else {
			CHECK(lock(hfd, F_SETLK, F_RDLCK, 0, 10) == 0,
			    "downgrade");
		}
		token_get(done[0]);
		_exit(failures ? 1 : 0);
	}
	token_get(held[0]);
	alarm_ms(10000, 0);
	t0 = now_ms();
	CHECK(lock(fd, F_SETLKW, rd ? F_RDLCK : F_WRLCK, 0, 10) == 0,
	    "F_SETLKW until the holder's %s", how);
	alarm_ms(0, 0);
	CHECK(*released, "got the lock only after the holder's %s", how);
	printf("F_SETLKW woke at the holder's %s%s\n", how,
	    now_ms() - t0 >= 150 ? " (it waited)" : " (it did not wait)");
	token_put(done[1]);
	CHECK(reaped(pid, 0), "holder's checks");
	close(held[0]);
	close(held[1]);
	close(done[0]);
	close(done[1]);
	close(fd);
	munmap((void *)released, 4096);
}

static void
wait_mode(void)
{
	wait_one("unlock");
	wait_one("exit");
	wait_one("close");
	wait_one("downgrade");
}

/* ---- deadlocks ---- */

/*
 * n processes in a cycle: process i holds byte i and then waits for
 * byte i+1 (mod n), each starting to wait 200 ms after the previous one.
 * Whichever closes the cycle must get EDEADLK (F_SETLK first says
 * EAGAIN), let go and exit 2; every other one then gets its lock and
 * exits 0.
 */
static void
deadlock_cycle(int n)
{
	int fd = datafile("d"), held[2], go[8][2], i, st, dead = 0, ok = 0;
	pid_t pids[8];

	CHECK(pipe(held) == 0, "pipe");
	for (i = 0; i < n; i++) {
		CHECK(pipe(go[i]) == 0, "pipe");
		if ((pids[i] = fork()) == 0) {
			who = "cycle member";
			CHECK(lock(fd, F_SETLK, F_WRLCK, i, 1) == 0, "byte %d", i);
			token_put(held[1]);
			token_get(go[i][0]);
			FAILS(lock(fd, F_SETLK, F_WRLCK, (i + 1) % n, 1),
			    EAGAIN, "F_SETLK of the next byte");
			alarm_ms(10000, 0);
			if (lock(fd, F_SETLKW, F_WRLCK, (i + 1) % n, 1) == 0)
				_exit(failures ? 1 : 0);
			CHECK(errno == EDEADLK, "F_SETLKW: EDEADLK");
			_exit(failures ? 1 : 2);
		}
	}
	for (i = 0; i < n; i++)
		token_get(held[0]);
	for (i = 0; i < n; i++) {
		token_put(go[i][1]);
		usleep(200000);
	}
	for (i = 0; i < n; i++) {
		CHECK(waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st),
		    "member %d", i);
		dead += WEXITSTATUS(st) == 2;
		ok += WEXITSTATUS(st) == 0;
	}
	CHECK(dead == 1 && ok == n - 1, "%d EDEADLK, %d locked", dead, ok);
	printf("a cycle of %d: %d EDEADLK, %d got their lock\n", n, dead, ok);
	for (i = 0; i < n; i++) {
		close(go[i][0]);
		close(go[i][1]);
	}
	close(held[0]);
	close(held[1]);
	close(fd);
}

static void
deadlock_mode(void)
{
	deadlock_cycle(2);
	deadlock_cycle(3);
}

/* ---- a sharer closes the descriptor a waiter sleeps on ---- */

/* A holder H keeps W [0,10) for 600 ms; this process waits for it in
 * F_SETLKW through fd, which a CLONE_FILES sharer closes at 300 ms: the
 * lock granted when H lets go goes again and the call says EBADF, as
 * Linux does; another process can then take the range. */
static void
closerace_mode(void)
{
	int fd = datafile("cr"), held[2], hfd, probefd;
	pid_t h, sharer;

	CHECK(pipe(held) == 0, "pipe");
	if ((h = fork()) == 0) {
		who = "holder";
		hfd = open(P("cr"), O_RDWR);
		CHECK(lock(hfd, F_SETLK, F_WRLCK, 0, 10) == 0, "holder locks");
		token_put(held[1]);
		usleep(600000);
		_exit(failures ? 1 : 0);
	}
	token_get(held[0]);
	sharer = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (sharer == 0) {
		usleep(300000);
		close(fd);
		_exit(0);
	}
	alarm_ms(10000, 0);
	FAILS(lock(fd, F_SETLKW, F_WRLCK, 0, 10), EBADF,
	    "F_SETLKW through a descriptor closed meanwhile");
	printf("F_SETLKW after a sharer closed its descriptor: %s\n",
	    errno == EBADF ? "EBADF" : strerror(errno));
	alarm_ms(0, 0);
	CHECK(reaped(sharer, 0) && reaped(h, 0), "children");
	probefd = open(P("cr"), O_RDWR);
	if ((h = fork()) == 0) {
		who = "prober";
		probe(probefd, F_GETLK, "the range after it", F_WRLCK, 0, 0,
		    getppid(), "the waiter");
		_exit(failures ? 1 : 0);
	}
	CHECK(reaped(h, 0), "prober's checks");
	close(probefd);
	close(held[0]);
	close(held[1]);
}

/* ---- signals ---- */

static void
signal_mode(void)
{
	int fd = datafile("s"), held[2], done[2], hfd;
	pid_t pid;

	CHECK(pipe(held) == 0 && pipe(done) == 0, "pipes");
	if ((pid = fork()) == 0) {
		who = "holder";
		hfd = open(P("s"), O_RDWR);
		CHECK(lock(hfd, F_SETLK, F_WRLCK, 0, 10) == 0, "holder locks");
		token_put(held[1]);
		token_get(done[0]);   /* the first wait was interrupted */
		usleep(800000);       /* the second one is restarted */
		_exit(failures ? 1 : 0);
	}
	token_get(held[0]);
	alarm_ms(300, 0);
	FAILS(lock(fd, F_SETLKW, F_WRLCK, 0, 10), EINTR,
	    "F_SETLKW interrupted without SA_RESTART");
	CHECK(alarmed == 1, "the handler ran");
	token_put(done[1]);
	alarm_ms(300, 1);
	CHECK(lock(fd, F_SETLKW, F_WRLCK, 0, 10) == 0,
	    "F_SETLKW restarted with SA_RESTART, then locked");
	CHECK(alarmed == 1, "the handler ran");
	printf("F_SETLKW: EINTR without SA_RESTART, restarted with it\n");
	CHECK(reaped(pid, 0), "holder's checks");
	close(fd);
}

/* ---- the access a type needs ---- */

static void
access_mode(void)
{
	int rw = datafile("a");
	int ro = open(P("a"), O_RDONLY), wo = open(P("a"), O_WRONLY);
	int pa = open(P("a"), O_PATH);
	pid_t pid;

	FAILS(lock(wo, F_SETLK, F_RDLCK, 0, 1), EBADF, "F_RDLCK write-only");
	FAILS(lock(wo, F_SETLKW, F_RDLCK, 0, 1), EBADF, "F_RDLCK write-only W");
	FAILS(lock(ro, F_SETLK, F_WRLCK, 0, 1), EBADF, "F_WRLCK read-only");
	CHECK(lock(ro, F_SETLK, F_UNLCK, 0, 1) == 0, "F_UNLCK read-only");
	CHECK(lock(wo, F_SETLK, F_UNLCK, 0, 1) == 0, "F_UNLCK write-only");
	CHECK(lock(ro, F_SETLK, F_RDLCK, 0, 1) == 0, "F_RDLCK read-only");
	CHECK(lock(wo, F_SETLK, F_WRLCK, 1, 1) == 0, "F_WRLCK write-only");
	probe(wo, F_GETLK, "F_GETLK on write-only", F_RDLCK, 0, 0, 0, "");
	FAILS(lock(pa, F_SETLK, F_RDLCK, 0, 1), EBADF, "O_PATH");
	FAILS(lock(pa, F_GETLK, F_RDLCK, 0, 1), EBADF, "F_GETLK O_PATH");
	FAILS(lock(999, F_SETLK, F_RDLCK, 0, 1), EBADF, "no descriptor");
	/* The write lock on a write-only descriptor reaches the host. */
	if ((pid = fork()) == 0) {
		who = "child";
		probe(rw, F_GETLK, "another process", F_RDLCK, 0, 0, getppid(),
		    "parent");
		_exit(failures ? 1 : 0);
	}
	CHECK(reaped(pid, 0), "child's checks");
	close(pa);
	close(ro);
	close(wo);
	close(rw);
}

/* ---- OFD locks and flock against POSIX locks ---- */

static void
ofd_mode(void)
{
	int fd = datafile("ofd"), fd2 = open(P("ofd"), O_RDWR), go[2], back[2];
	pid_t parent = getpid(), pid;
	int cfd;

	CHECK(pipe(go) == 0 && pipe(back) == 0, "pipes");
	CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 10) == 0, "POSIX W [0,10)");
	FAILS(lock(fd2, F_OFD_SETLK, F_RDLCK, 0, 10), EAGAIN,
	    "an OFD lock conflicts with its own process's POSIX lock");
	FAILS(lock(fd, F_OFD_SETLK, F_RDLCK, 5, 1), EAGAIN,
	    "even through the same descriptor");
	CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0, "flock is another lock");
	if ((pid = fork()) == 0) {
		who = "child";
		cfd = open(P("ofd"), O_RDWR);
		FAILS(lock(cfd, F_OFD_SETLK, F_WRLCK, 0, 10), EAGAIN,
		    "OFD W against another's POSIX W");
		probe(cfd, F_OFD_GETLK, "F_OFD_GETLK of the POSIX lock",
		    F_RDLCK, 0, 0, parent, "parent");
		CHECK(lock(cfd, F_OFD_SETLK, F_RDLCK, 20, 10) == 0,
		    "OFD R [20,30)");
		FAILS(flock(cfd, LOCK_EX | LOCK_NB), EWOULDBLOCK,
		    "flock between descriptions");
		token_put(back[1]);
		token_get(go[0]);
		/* The parent unlocks [0,10) in 300 ms. */
		alarm_ms(5000, 0);
		CHECK(lock(cfd, F_OFD_SETLKW, F_WRLCK, 0, 10) == 0,
		    "F_OFD_SETLKW waits for a POSIX lock");
		alarm_ms(0, 0);
		token_put(back[1]);
		token_get(go[0]);
		_exit(failures ? 1 : 0);
	}
	token_get(back[0]);
	FAILS(lock(fd, F_SETLK, F_WRLCK, 20, 10), EAGAIN,
	    "POSIX W against another's OFD R");
	probe(fd, F_GETLK, "F_GETLK of the OFD lock", F_WRLCK, 20, 10, pid,
	    "child");
	CHECK(lock(fd, F_SETLK, F_RDLCK, 20, 10) == 0, "POSIX R beside OFD R");
	token_put(go[1]);
	usleep(300000);
	CHECK(lock(fd, F_SETLK, F_UNLCK, 0, 10) == 0, "POSIX U [0,10)");
	token_get(back[0]);
	probe(fd, F_GETLK, "F_GETLK of the OFD W", F_RDLCK, 0, 10, pid, "child");
	token_put(go[1]);
	CHECK(reaped(pid, 0), "child's checks");
	CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 30) == 0,
	    "POSIX W once the child's description closed");
	CHECK(flock(fd, LOCK_UN) == 0, "LOCK_UN");
	close(fd2);
	close(fd);
}

/* ---- close-on-exec at exec ---- */

static void
exec_mode(const char *self)
{
	int x = datafile("x"), y = datafile("y"), y2;
	char xs[16], ys[16];

	y2 = open(P("y"), O_RDONLY | O_CLOEXEC);
	CHECK(y2 >= 0, "open y O_CLOEXEC");
	CHECK(lock(x, F_SETLK, F_WRLCK, 0, 10) == 0, "lock x");
	CHECK(lock(y, F_SETLK, F_WRLCK, 0, 10) == 0, "lock y");
	snprintf(xs, sizeof(xs), "%d", x);
	snprintf(ys, sizeof(ys), "%d", y);
	fflush(stdout);
	execl(self, "locks", "afterexec", dir, xs, ys, (char *)NULL);
	CHECK(0, "execl %s", self);
}

static void
afterexec_mode(int x, int y)
{
	pid_t me = getpid(), pid;

	if ((pid = fork()) == 0) {
		who = "child";
		probe(x, F_GETLK, "x after exec", F_WRLCK, 0, 0, me,
		    "the exec'd process");
		probe(y, F_GETLK, "y, whose other descriptor was close-on-exec",
		    F_WRLCK, 0, 0, me, "the exec'd process");
		_exit(failures ? 1 : 0);
	}
	CHECK(reaped(pid, 0), "child's checks");
}

/* ---- against processes outside: the test runs these in pairs ---- */

/* Waits for end of file on stdin (the test's signal to let go). */
static void
hold_until_eof(void)
{
	char buf[64];

	printf("held\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
}

/* W [0,100) of dir/shared until stdin ends. */
static void
hold_mode(void)
{
	int fd = open(P("shared"), O_CREAT | O_RDWR, 0644);

	CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 100) == 0, "W [0,100)");
	hold_until_eof();
}

/* Two processes: both R [0,100); then the parent W [200,300) turned R,
 * and U [0,100): readers remain everywhere [0,100) and [200,300). */
static void
hold2_mode(void)
{
	int fd = open(P("shared"), O_CREAT | O_RDWR, 0644), p[2], q[2];
	pid_t pid;

	CHECK(pipe(p) == 0 && pipe(q) == 0, "pipes");
	if ((pid = fork()) == 0) {
		who = "child";
		close(p[1]);
		CHECK(lock(fd, F_SETLK, F_RDLCK, 0, 100) == 0, "child R");
		token_put(q[1]);
		token_get(p[0]);
		_exit(failures ? 1 : 0);
	}
	close(p[0]);
	token_get(q[0]);
	CHECK(lock(fd, F_SETLK, F_RDLCK, 0, 100) == 0, "R [0,100)");
	CHECK(lock(fd, F_SETLK, F_WRLCK, 200, 100) == 0, "W [200,300)");
	CHECK(lock(fd, F_SETLK, F_RDLCK, 200, 100) == 0, "R [200,300)");
	CHECK(lock(fd, F_SETLK, F_UNLCK, 0, 100) == 0, "U [0,100)");
	hold_until_eof();
	close(p[1]);
	CHECK(reaped(pid, 0), "child's checks");
}

/*
 * Against a holder outside (kind W: hold, R: hold2) whose F_GETLK pid
 * is pidkind ("-1", or "pid": any positive one): F_SETLK fails, F_GETLK
 * says what and who, then F_SETLKW waits until the holder ends.
 */
static void
probe_mode(const char *kind, const char *pidkind)
{
	int fd = open(P("shared"), O_RDWR);
	int readers = strcmp(kind, "R") == 0;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_start = 0, .l_len = 100 };

	FAILS(lock(fd, F_SETLK, F_WRLCK, 0, 100), EAGAIN, "F_SETLK W");
	CHECK(fcntl(fd, F_GETLK, &fl) == 0, "F_GETLK");
	CHECK(fl.l_type == (readers ? F_RDLCK : F_WRLCK) && fl.l_start == 0 &&
	    fl.l_len == 100, "F_GETLK: %s %lld+%lld", tname(fl.l_type),
	    (long long)fl.l_start, (long long)fl.l_len);
	CHECK(strcmp(pidkind, "-1") == 0 ? fl.l_pid == -1 : fl.l_pid > 0,
	    "F_GETLK l_pid %d, expected %s", fl.l_pid, pidkind);
	if (readers) {
		CHECK(lock(fd, F_SETLK, F_RDLCK, 0, 100) == 0, "R beside R");
		CHECK(lock(fd, F_SETLK, F_UNLCK, 0, 100) == 0, "U");
		FAILS(lock(fd, F_SETLK, F_WRLCK, 250, 1), EAGAIN,
		    "the downgraded [200,300)");
		CHECK(lock(fd, F_SETLK, F_WRLCK, 100, 100) == 0,
		    "[100,200) is free");
		CHECK(lock(fd, F_SETLK, F_UNLCK, 100, 100) == 0, "U");
	} else {
		FAILS(lock(fd, F_SETLK, F_RDLCK, 99, 1), EAGAIN, "F_SETLK R");
		CHECK(lock(fd, F_SETLK, F_WRLCK, 100, 1) == 0, "past it");
	}
	printf("waiting\n");
	fflush(stdout);
	alarm_ms(30000, 0);
	CHECK(lock(fd, F_SETLKW, F_WRLCK, 0, 0) == 0,
	    "F_SETLKW until the holder ends");
	alarm_ms(0, 0);
	close(fd);
}

/* While a host process holds flock LOCK_EX on dir/shared. */
static void
hostflock_mode(void)
{
	int fd = open(P("shared"), O_RDWR);

	FAILS(flock(fd, LOCK_EX | LOCK_NB), EWOULDBLOCK, "flock as before");
	CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 0) == 0,
	    "an fcntl lock is another kind");
	close(fd);
}

/* ---- a random walk of two owners, as a third sees it ---- */

struct cmd {
	int op;         /* F_RDLCK, F_WRLCK, F_UNLCK; 'p': probe; 'c': close */
	off_t start, len;
};

/* The other owner's locks as F_GETLK (W, one byte at a time) reports
 * them over [0, 70) and at 1000, each once. */
static void
walk_probe(int fd, const char *me)
{
	struct flock fl, last = { .l_type = F_UNLCK };
	off_t x;

	printf("  %s sees:", me);
	for (x = 0; x <= 1000; x = x < 69 ? x + 1 : x + 931) {
		fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET,
		    .l_start = x, .l_len = 1 };
		if (fcntl(fd, F_GETLK, &fl) != 0) {
			printf(" error %d", errno);
			failures++;
			continue;
		}
		if (fl.l_type != F_UNLCK && (fl.l_type != last.l_type ||
		    fl.l_start != last.l_start || fl.l_len != last.l_len))
			printf(" %s%lld+%lld", tname(fl.l_type),
			    (long long)fl.l_start, (long long)fl.l_len);
		last = fl;
	}
	printf("\n");
}

/* Owner me: does what the controller sends, answers the errno (0). */
static void
walker(const char *me, int in, int out)
{
	int fd = open(P("r"), O_RDWR), fd2, r;
	struct cmd c;

	who = me;
	while (read(in, &c, sizeof(c)) == (ssize_t)sizeof(c)) {
		if (c.op == 'p') {
			walk_probe(fd, me);
			r = 0;
		} else if (c.op == 'c') {
			fd2 = open(P("r"), O_RDONLY);
			r = close(fd2) == 0 ? 0 : errno;
		} else {
			r = lock(fd, F_SETLK, c.op, c.start, c.len) == 0 ? 0 :
			    errno;
		}
		if (write(out, &r, sizeof(r)) != sizeof(r))
			_exit(9);
	}
	_exit(failures ? 1 : 0);
}

static void
random_mode(void)
{
	static const int types[] = { F_RDLCK, F_RDLCK, F_WRLCK, F_WRLCK,
	    F_UNLCK };
	int to[2][2], from[2][2], i, w, r, fd = datafile("r");
	unsigned seed = 12345;
	struct cmd c;
	pid_t pids[2];

	for (w = 0; w < 2; w++) {
		CHECK(pipe(to[w]) == 0 && pipe(from[w]) == 0, "pipes");
		if ((pids[w] = fork()) == 0) {
			close(to[w][1]);  /* its input ends with the controller's */
			if (w == 1)
				close(to[0][1]);
			walker(w ? "B" : "A", to[w][0], from[w][1]);
		}
	}
	for (i = 0; i < 400; i++) {
		seed = seed * 1103515245 + 12345;
		w = (seed >> 16) & 1;
		c.op = types[(seed >> 17) % 5];
		c.start = (seed >> 8) % 60;
		c.len = (seed >> 20) % 10 == 0 ? 0 : 1 + (seed >> 24) % 16;
		if ((seed >> 12) % 50 == 0)
			c.op = 'c';
		if (write(to[w][1], &c, sizeof(c)) != sizeof(c) ||
		    read(from[w][0], &r, sizeof(r)) != sizeof(r))
			exit(9);
		if (c.op == 'c')
			printf("%d: %s closes a descriptor\n", i, w ? "B" : "A");
		else
			printf("%d: %s %s %lld+%lld: %s\n", i, w ? "B" : "A",
			    tname(c.op), (long long)c.start, (long long)c.len,
			    r == 0 ? "ok" : strerror(r));
		if (i % 8 == 7) {
			c.op = 'p';
			for (w = 0; w < 2; w++)
				if (write(to[w][1], &c, sizeof(c)) !=
				    sizeof(c) || read(from[w][0], &r,
				    sizeof(r)) != sizeof(r))
					exit(9);
		}
	}
	for (w = 0; w < 2; w++) {
		close(to[w][1]);
		CHECK(reaped(pids[w], 0), "walker %d", w);
	}
	close(fd);
}

/* As many one-byte write locks as it may have, two bytes apart (so none
 * merge): "locks: N, then ERR".  Then another process's read locks
 * between them, and the first process's close drops its all. */
static void
many_mode(void)
{
	int fd = datafile("many"), n, k, cfd;
	pid_t pid;

	for (n = 0; n < 20000 && lock(fd, F_SETLK, F_WRLCK, 2 * n, 1) == 0;
	    n++)
		;
	printf("locks: %d, then %s\n", n, n == 20000 ? "none refused" :
	    errno == ENOLCK ? "ENOLCK" : strerror(errno));
	/* Half of them go again, one by one. */
	for (k = 0; k < n; k += 2)
		CHECK(lock(fd, F_SETLK, F_UNLCK, 2 * k, 1) == 0, "unlock %d", k);
	if ((pid = fork()) == 0) {
		who = "child";
		cfd = open(P("many"), O_RDWR);
		for (k = 0; k < n / 2; k++)
			if (lock(cfd, F_SETLK, F_RDLCK, 4 * k, 2) != 0)
				break;
		printf("the other process: %d read locks\n", k);
		probe(cfd, F_GETLK, "it sees", F_WRLCK, 0, 0, getppid(),
		    "the first");
		_exit(failures ? 1 : 0);
	}
	CHECK(reaped(pid, 0), "child's checks");
	close(fd);
	fd = open(P("many"), O_RDWR);
	CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 0) == 0, "all of it, after");
	close(fd);
}

/* Says each step (open, locked, unlocked, relocked, closed) and waits
 * for a line on stdin before the next: the test counts the vkernel's
 * host descriptors at each. */
static void
lockfds_mode(void)
{
	char line[16];
	int fd = open(P("fds"), O_CREAT | O_RDWR, 0644), fd2;

#define STEP(what) do { printf("%s\n", what); fflush(stdout);		\
	if (fgets(line, sizeof(line), stdin) == NULL) exit(3); } while (0)
	STEP("open");
	CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 10) == 0, "W [0,10)");
	CHECK(lock(fd, F_SETLK, F_RDLCK, 20, 10) == 0, "R [20,30)");
	STEP("locked");
	CHECK(lock(fd, F_SETLK, F_UNLCK, 0, 0) == 0, "U [0,EOF)");
	STEP("unlocked");
	CHECK(lock(fd, F_SETLK, F_WRLCK, 0, 10) == 0, "W [0,10)");
	fd2 = dup(fd);
	STEP("relocked");
	close(fd2);
	STEP("closed");
	close(fd);
#undef STEP
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		printf("usage: locks MODE DIR [ARGS]\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", argv[2]);
	if (strcmp(mode, "fork") == 0)
		fork_mode();
	else if (strcmp(mode, "owner") == 0)
		owner_mode();
	else if (strcmp(mode, "merge") == 0)
		merge_mode();
	else if (strcmp(mode, "wait") == 0)
		wait_mode();
	else if (strcmp(mode, "deadlock") == 0)
		deadlock_mode();
	else if (strcmp(mode, "closerace") == 0)
		closerace_mode();
	else if (strcmp(mode, "signal") == 0)
		signal_mode();
	else if (strcmp(mode, "access") == 0)
		access_mode();
	else if (strcmp(mode, "ofd") == 0)
		ofd_mode();
	else if (strcmp(mode, "exec") == 0)
		exec_mode("/proc/self/exe");
	else if (strcmp(mode, "afterexec") == 0 && argc == 5)
		afterexec_mode(atoi(argv[3]), atoi(argv[4]));
	else if (strcmp(mode, "hold") == 0)
		hold_mode();
	else if (strcmp(mode, "hold2") == 0)
		hold2_mode();
	else if (strcmp(mode, "probe") == 0 && argc == 5)
		probe_mode(argv[3], argv[4]);
	else if (strcmp(mode, "hostflock") == 0)
		hostflock_mode();
	else if (strcmp(mode, "many") == 0)
		many_mode();
	else if (strcmp(mode, "random") == 0)
		random_mode();
	else if (strcmp(mode, "lockfds") == 0)
		lockfds_mode();
	else {
		printf("unknown mode %s\n", mode);
		return 2;
	}
	if (strcmp(mode, "afterexec") == 0)
		mode = "exec";
	if (failures == 0)
		printf("%s ok: %d checks\n", mode, checks);
	return failures != 0;
}
