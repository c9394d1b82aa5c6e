/* threads.c: POSIX threads as programs use them: locks, condition variables, barriers, TLS, cancellation, robust and PI mutexes, signals to one thread or the process, fork, exec and exit from threads, /proc's task view. */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NT 4

static const char *self;

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	_exit(1);
}

static pid_t
gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void
check(int rc, const char *what)
{
	if (rc != 0)
		fail("%s: %s", what, strerror(rc));
}

/* ---- basic: mutex, condvar, barrier, rwlock, TLS, detached, ids ---- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t bar;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long counter, rwval, turn;
static __thread long tls_val = 7;
static pid_t tids[NT];
static sem_t detached_done;

static void *
basic_thread(void *arg)
{
	long id = (long)arg, i;

	if (tls_val != 7)
		fail("TLS starts at %ld, not 7", tls_val);
	tls_val = 100 + id;
	tids[id] = gettid_();
	if (getpid() == tids[id])
		fail("thread %ld has the process's id as its tid", id);
	for (i = 0; i < 20000; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	/* Condition variable: threads take turns in id order. */
	pthread_mutex_lock(&mu);
	while (turn != id)
		pthread_cond_wait(&cv, &mu);
	turn++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	/* Read-write lock: writers add, readers see a multiple of 3. */
	for (i = 0; i < 1000; i++) {
		pthread_rwlock_wrlock(&rw);
		rwval += 1;
		rwval += 2;
		pthread_rwlock_unlock(&rw);
		pthread_rwlock_rdlock(&rw);
		if (rwval % 3 != 0)
			fail("rwlock: reader saw %ld", rwval);
		pthread_rwlock_unlock(&rw);
	}
	pthread_barrier_wait(&bar);
	if (tls_val != 100 + id)
		fail("TLS of thread %ld became %ld", id, tls_val);
	return (void *)(id * 10);
}

static void *
detached_thread(void *arg)
{
	(void)arg;
	sem_post(&detached_done);
	return NULL;
}

static void
mode_basic(void)
{
	pthread_t t[NT], d;
	pthread_attr_t at;
	void *r;
	long i;
	int j;

	check(pthread_barrier_init(&bar, NULL, NT), "barrier_init");
	sem_init(&detached_done, 0, 0);
	tls_val = 1;
	for (i = 0; i < NT; i++)
		check(pthread_create(&t[i], NULL, basic_thread, (void *)i),
		    "pthread_create");
	for (i = 0; i < NT; i++) {
		check(pthread_join(t[i], &r), "pthread_join");
		if ((long)r != i * 10)
			fail("thread %ld returned %ld", i, (long)r);
	}
	if (counter != NT * 20000)
		fail("counter %ld, not %d", counter, NT * 20000);
	if (tls_val != 1)
		fail("main's TLS became %ld", tls_val);
	for (i = 0; i < NT; i++)
		for (j = 0; j < i; j++)
			if (tids[i] == tids[j])
				fail("two threads with tid %d", tids[i]);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < 16; i++)
		check(pthread_create(&d, &at, detached_thread, NULL),
		    "pthread_create detached");
	for (i = 0; i < 16; i++)
		sem_wait(&detached_done);
	printf("ok basic: %d threads, counter %ld, rw %ld\n", NT, counter,
	    rwval);
}

/* ---- cancellation of a thread blocked in read ---- */

static int cpipe[2];

static void *
cancel_thread(void *arg)
{
	char c;

	(void)arg;
	for (;;)
		if (read(cpipe[0], &c, 1) < 0 && errno != EINTR)
			break;
	return NULL;
}

static void
mode_cancel(void)
{
	struct timespec ts = { 0, 50000000 };
	pthread_t t;
	void *r;

	if (pipe(cpipe) != 0)
		fail("pipe");
	check(pthread_create(&t, NULL, cancel_thread, NULL), "create");
	nanosleep(&ts, NULL);
	check(pthread_cancel(t), "pthread_cancel");
	check(pthread_join(t, &r), "join");
	if (r != PTHREAD_CANCELED)
		fail("cancelled thread returned %p", r);
	printf("ok cancel\n");
}

/* ---- robust mutex whose owner dies ---- */

static pthread_mutex_t robust;

static void *
robust_owner(void *arg)
{
	(void)arg;
	check(pthread_mutex_lock(&robust), "robust lock");
	return NULL; /* dies holding it */
}

static void
mode_robust(void)
{
	pthread_mutexattr_t a;
	pthread_t t;
	int rc;

	pthread_mutexattr_init(&a);
	check(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST),
	    "setrobust");
	check(pthread_mutex_init(&robust, &a), "mutex_init");
	check(pthread_create(&t, NULL, robust_owner, NULL), "create");
	check(pthread_join(t, NULL), "join");
	rc = pthread_mutex_lock(&robust);
	if (rc != EOWNERDEAD)
		fail("lock after the owner died: %s, not EOWNERDEAD",
		    strerror(rc));
	check(pthread_mutex_consistent(&robust), "consistent");
	check(pthread_mutex_unlock(&robust), "unlock");
	check(pthread_mutex_lock(&robust), "lock again");
	check(pthread_mutex_unlock(&robust), "unlock again");
	printf("ok robust: EOWNERDEAD\n");
}

/* ---- priority-inheritance mutex, contended ---- */

static pthread_mutex_t pimu;
static long picount;

static void *
pi_thread(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 2000; i++) {
		check(pthread_mutex_lock(&pimu), "pi lock");
		picount++;
		if (i % 100 == 0)
			sched_yield(); /* hold it across a switch */
		check(pthread_mutex_unlock(&pimu), "pi unlock");
	}
	return NULL;
}

static void
mode_pi(void)
{
	pthread_mutexattr_t a;
	pthread_t t[NT];
	int i;

	pthread_mutexattr_init(&a);
	check(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT),
	    "setprotocol");
	check(pthread_mutex_init(&pimu, &a), "mutex_init");
	if (pthread_mutex_trylock(&pimu) != 0)
		fail("trylock of a free PI mutex");
	if (pthread_mutex_trylock(&pimu) == 0)
		fail("trylock of a PI mutex it holds");
	check(pthread_mutex_unlock(&pimu), "unlock");
	for (i = 0; i < NT; i++)
		check(pthread_create(&t[i], NULL, pi_thread, NULL), "create");
	for (i = 0; i < NT; i++)
		check(pthread_join(t[i], NULL), "join");
	if (picount != NT * 2000)
		fail("PI-protected count %ld, not %d", picount, NT * 2000);
	printf("ok pi: %ld\n", picount);
}

/* ---- signals: to one thread, to the process, alternate stacks ---- */

static _Atomic pid_t got_usr1, got_usr2;
static _Atomic int on_alt;
static char altstk[65536];

static void
usr_handler(int sig, siginfo_t *si, void *uc)
{
	int x;

	(void)si;
	(void)uc;
	if (sig == SIGUSR1) {
		got_usr1 = gettid_();
		on_alt = (char *)&x >= altstk && (char *)&x < altstk +
		    sizeof(altstk);
	} else {
		got_usr2 = gettid_();
	}
}

static sem_t sig_ready, sig_go;
static _Atomic pid_t sig_tid;

static void *
sig_thread(void *arg)
{
	stack_t ss = { .ss_sp = altstk, .ss_size = sizeof(altstk) };
	stack_t old;

	(void)arg;
	sig_tid = gettid_();
	/* A new thread has no alternate stack; this one sets its own. */
	if (sigaltstack(NULL, &old) != 0 || !(old.ss_flags & SS_DISABLE))
		fail("a new thread starts with an alternate stack");
	if (sigaltstack(&ss, NULL) != 0)
		fail("sigaltstack");
	sem_post(&sig_ready);
	while (sem_wait(&sig_go) != 0) /* EINTR: a handler ran */
		;
	return NULL;
}

static void
mode_signal(void)
{
	struct sigaction sa;
	struct timespec ts = { 0, 1000000 };
	sigset_t set;
	pthread_t t;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = usr_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sem_init(&sig_ready, 0, 0);
	sem_init(&sig_go, 0, 0);
	check(pthread_create(&t, NULL, sig_thread, NULL), "create");
	sem_wait(&sig_ready);
	/* To the thread: its handler runs there, on its own altstack. */
	check(pthread_kill(t, SIGUSR1), "pthread_kill");
	for (i = 0; i < 2000 && got_usr1 == 0; i++)
		nanosleep(&ts, NULL);
	if (got_usr1 != sig_tid)
		fail("SIGUSR1 to thread %d handled by %d", sig_tid, got_usr1);
	if (!on_alt)
		fail("the thread's handler did not run on its altstack");
	/* To the process, blocked in main: the other thread takes it. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR2);
	for (i = 0; i < 2000 && got_usr2 == 0; i++)
		nanosleep(&ts, NULL);
	if (got_usr2 != sig_tid)
		fail("SIGUSR2 to the process taken by %d, not thread %d",
		    got_usr2, sig_tid);
	/* Blocked everywhere: it waits until one thread unblocks it. */
	sem_post(&sig_go);
	check(pthread_join(t, NULL), "join");
	got_usr2 = 0;
	kill(getpid(), SIGUSR2);
	if (got_usr2 != 0)
		fail("a blocked SIGUSR2 was delivered");
	sigpending(&set);
	if (!sigismember(&set, SIGUSR2))
		fail("SIGUSR2 not pending for the process");
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (got_usr2 != gettid_())
		fail("unblocked SIGUSR2 not taken by main");
	printf("ok signal: thread-directed, process-directed, altstack\n");
}

/* ---- exec from a thread: the others go, the caller is the process ---- */

static void *
exec_thread(void *arg)
{
	char pid[32];

	(void)arg;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	execl("/proc/self/exe", self, "execd", pid, (char *)NULL);
	fail("execl: %s", strerror(errno));
}

static void *
blocked_thread(void *arg)
{
	char c;

	(void)read(*(int *)arg, &c, 1);
	fail("a blocked thread came back after execve");
}

static void
mode_exec(void)
{
	static int fds[2];
	pthread_t t, b;

	if (pipe(fds) != 0)
		fail("pipe");
	check(pthread_create(&b, NULL, blocked_thread, &fds[0]), "create");
	check(pthread_create(&t, NULL, exec_thread, NULL), "create");
	for (;;)
		pause();
}

static void
mode_execd(const char *oldpid)
{
	char buf[4096];
	FILE *f;
	int threads = -1;

	if (atoi(oldpid) != getpid())
		fail("after exec from a thread: pid %d, was %s", getpid(),
		    oldpid);
	if (gettid_() != getpid())
		fail("after exec: tid %d is not the pid %d", gettid_(),
		    getpid());
	if ((f = fopen("/proc/self/status", "r")) != NULL) {
		while (fgets(buf, sizeof(buf), f) != NULL)
			sscanf(buf, "Threads: %d", &threads);
		fclose(f);
	}
	if (threads != 1)
		fail("after exec: %d threads", threads);
	printf("ok exec: pid %s kept, one thread\n", oldpid);
}

/* ---- fork from a thread: the child has one thread ---- */

static int
count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void *
fork_thread(void *arg)
{
	int st;
	pid_t c;

	(void)arg;
	if ((c = fork()) == 0) {
		if (count_tasks() != 1)
			_exit(10 + count_tasks());
		if (getppid() != *(pid_t *)arg)
			_exit(3);
		_exit(0);
	}
	if (c < 0 || waitpid(c, &st, 0) != c)
		fail("fork or waitpid from a thread");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail("child of a thread: status %#x", st);
	return NULL;
}

static void
mode_fork(void)
{
	pid_t me = getpid();
	pthread_t t;

	check(pthread_create(&t, NULL, fork_thread, &me), "create");
	check(pthread_join(t, NULL), "join");
	printf("ok fork: one thread in the child\n");
}

/* ---- a thread exits while another blocks in read ---- */

static void *
reader_thread(void *arg)
{
	char buf[8];
	ssize_t n = read(*(int *)arg, buf, sizeof(buf));

	return (void *)n;
}

static void *
quitter(void *arg)
{
	(void)arg;
	pthread_exit((void *)42);
}

static void
mode_exitread(void)
{
	struct timespec ts = { 0, 20000000 };
	static int fds[2];
	pthread_t r, q;
	void *v;

	if (pipe(fds) != 0)
		fail("pipe");
	check(pthread_create(&r, NULL, reader_thread, &fds[0]), "create");
	check(pthread_create(&q, NULL, quitter, NULL), "create");
	check(pthread_join(q, &v), "join quitter");
	if ((long)v != 42)
		fail("pthread_exit value %ld", (long)v);
	nanosleep(&ts, NULL);
	if (write(fds[1], "hello", 5) != 5)
		fail("write");
	check(pthread_join(r, &v), "join reader");
	if ((long)v != 5)
		fail("reader read %ld", (long)v);
	printf("ok exitread\n");
}

/* ---- exit(3) from a thread while the others block: the process ends ---- */

static void *
exiter(void *arg)
{
	struct timespec ts = { 0, 20000000 };

	(void)arg;
	nanosleep(&ts, NULL);
	printf("exit from a thread\n");
	exit(3);
}

static void
mode_exitgroup(void)
{
	static int fds[2];
	pthread_t t[3];

	if (pipe(fds) != 0)
		fail("pipe");
	check(pthread_create(&t[0], NULL, reader_thread, &fds[0]), "create");
	check(pthread_create(&t[1], NULL, reader_thread, &fds[0]), "create");
	check(pthread_create(&t[2], NULL, exiter, NULL), "create");
	for (;;)
		pause();
}

/* ---- the main thread exits first; the last thread ends the process ---- */

static void *
survivor(void *arg)
{
	struct timespec ts = { 0, 50000000 };
	char buf[64];

	nanosleep(&ts, NULL);
	/* The process lives on without its leader's thread. */
	snprintf(buf, sizeof(buf), "survivor in %d\n", *(pid_t *)arg);
	if (write(1, buf, strlen(buf)) < 0)
		_exit(9);
	if (kill(*(pid_t *)arg, 0) != 0)
		_exit(8);
	return NULL; /* SYS_exit: the last thread, status the leader's */
}

static void
mode_leaderexit(void)
{
	static pid_t me;
	pthread_t t;

	me = getpid();
	check(pthread_create(&t, NULL, survivor, &me), "create");
	pthread_exit(NULL);
}

/* ---- wait4 sees the process, not its threads ---- */

static void *
sleeper(void *arg)
{
	struct timespec ts = { 0, 30000000 };

	(void)arg;
	nanosleep(&ts, NULL);
	return NULL;
}

static void
mode_wait(void)
{
	pthread_t t[3];
	int st, i, n = 0;
	pid_t c, w;

	if ((c = fork()) == 0) {
		for (i = 0; i < 3; i++)
			pthread_create(&t[i], NULL, sleeper, NULL);
		for (i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
		_exit(7);
	}
	while ((w = waitpid(-1, &st, __WALL)) > 0) {
		if (w != c)
			fail("waitpid returned %d, not the child %d", w, c);
		n++;
	}
	if (n != 1 || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
		fail("%d reports, status %#x", n, st);
	printf("ok wait: one report, status 7\n");
}

/* ---- /proc/self/task ---- */

static sem_t task_hold;

static void *
task_thread(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "worker");
	sem_wait(&task_hold);
	return NULL;
}

static void
mode_proctask(void)
{
	char path[128], buf[256];
	pthread_t t[3];
	int i, n, threads = -1, fd;
	FILE *f;

	sem_init(&task_hold, 0, 0);
	for (i = 0; i < 3; i++)
		check(pthread_create(&t[i], NULL, task_thread, NULL), "create");
	usleep(20000);
	if ((n = count_tasks()) != 4)
		fail("/proc/self/task lists %d tasks, not 4", n);
	if ((f = fopen("/proc/self/status", "r")) == NULL)
		fail("open status");
	while (fgets(buf, sizeof(buf), f) != NULL)
		sscanf(buf, "Threads: %d", &threads);
	fclose(f);
	if (threads != 4)
		fail("status says Threads: %d", threads);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", getpid());
	if ((fd = open(path, O_RDONLY)) < 0)
		fail("%s: %s", path, strerror(errno));
	close(fd);
	for (i = 0; i < 3; i++)
		sem_post(&task_hold);
	for (i = 0; i < 3; i++)
		check(pthread_join(t[i], NULL), "join");
	/* A join returns at the clear_tid wake, which Linux does before the
	 * thread leaves its group: on another CPU it may still be listed
	 * for a moment (seen natively on a two-CPU machine). */
	for (i = 0; (n = count_tasks()) != 1 && i < 200; i++)
		usleep(5000);
	if (n != 1)
		fail("a second after joins /proc/self/task lists %d", n);
	printf("ok proctask\n");
}

/* ---- the thread limit: EAGAIN, and the process goes on ---- */

static sem_t lim_hold;

static void *
lim_thread(void *arg)
{
	(void)arg;
	sem_wait(&lim_hold);
	return NULL;
}

static void
mode_limit(void)
{
	static pthread_t t[4096];
	pthread_attr_t at;
	int i, n, rc = 0;

	sem_init(&lim_hold, 0, 0);
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 << 10);
	for (n = 0; n < 4096; n++)
		if ((rc = pthread_create(&t[n], &at, lim_thread, NULL)) != 0)
			break;
	if (rc != EAGAIN)
		fail("after %d threads: %s, not EAGAIN", n, strerror(rc));
	for (i = 0; i < n; i++)
		sem_post(&lim_hold);
	for (i = 0; i < n; i++)
		check(pthread_join(t[i], NULL), "join");
	/* All gone: threads can be made again. */
	check(pthread_create(&t[0], &at, lim_thread, NULL), "create again");
	sem_post(&lim_hold);
	check(pthread_join(t[0], NULL), "join again");
	fprintf(stderr, "%d threads before EAGAIN\n", n);
	printf("ok limit: EAGAIN, then threads again\n");
}

int
main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "basic";

	self = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "basic") == 0)
		mode_basic();
	else if (strcmp(mode, "cancel") == 0)
		mode_cancel();
	else if (strcmp(mode, "robust") == 0)
		mode_robust();
	else if (strcmp(mode, "pi") == 0)
		mode_pi();
	else if (strcmp(mode, "signal") == 0)
		mode_signal();
	else if (strcmp(mode, "exec") == 0)
		mode_exec();
	else if (strcmp(mode, "execd") == 0 && argc > 2)
		mode_execd(argv[2]);
	else if (strcmp(mode, "fork") == 0)
		mode_fork();
	else if (strcmp(mode, "exitread") == 0)
		mode_exitread();
	else if (strcmp(mode, "exitgroup") == 0)
		mode_exitgroup();
	else if (strcmp(mode, "leaderexit") == 0)
		mode_leaderexit();
	else if (strcmp(mode, "wait") == 0)
		mode_wait();
	else if (strcmp(mode, "proctask") == 0)
		mode_proctask();
	else if (strcmp(mode, "limit") == 0)
		mode_limit();
	else
		fail("unknown mode %s", mode);
	return 0;
}
