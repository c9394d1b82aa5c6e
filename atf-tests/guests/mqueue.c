/* mqueue.c: POSIX message queues as Linux defines them, one mode per part (run natively and under vkernel with the same expectations). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc_guest.h"


/* A name nobody else on the host uses while we run natively. */
static const char *
qname(int n)
{
	static char buf[4][64];

	snprintf(buf[n & 3], sizeof(buf[0]), "/vkmq-%d-%d", (int)getpid(), n);
	return buf[n & 3];
}

static struct timespec
in_ms(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

static volatile sig_atomic_t got_sig, got_code, got_val, got_pid;

static void
on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_val = si->si_value.sival_int;
	got_pid = si->si_pid;
}

static void
basic(void)
{
	struct mq_attr a = { 0 }, o;
	char buf[8192];
	unsigned prio;
	mqd_t q, r;

	a.mq_maxmsg = 4;
	a.mq_msgsize = 16;
	q = mq_open(qname(0), O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(q >= 0, "mq_open O_CREAT");
	CHECK(mq_open(qname(0), O_CREAT | O_EXCL | O_RDWR, 0600, &a) == -1 &&
	    errno == EEXIST, "EEXIST");
	CHECK(mq_open(qname(1), O_RDWR) == -1 && errno == ENOENT, "ENOENT");
	CHECK(mq_getattr(q, &o) == 0 && o.mq_maxmsg == 4 &&
	    o.mq_msgsize == 16 && o.mq_curmsgs == 0 && o.mq_flags == 0,
	    "getattr");

	/* Priorities: highest first, FIFO within one. */
	CHECK(mq_send(q, "low", 3, 1) == 0, "send low");
	CHECK(mq_send(q, "high", 4, 9) == 0, "send high");
	CHECK(mq_send(q, "mid", 3, 5) == 0, "send mid");
	CHECK(mq_send(q, "high2", 5, 9) == 0, "send high2");
	CHECK(mq_getattr(q, &o) == 0 && o.mq_curmsgs == 4, "4 queued");
	CHECK(mq_receive(q, buf, 16, &prio) == 4 && prio == 9 &&
	    memcmp(buf, "high", 4) == 0, "high first");
	CHECK(mq_receive(q, buf, 16, &prio) == 5 && prio == 9 &&
	    memcmp(buf, "high2", 5) == 0, "then high2");
	CHECK(mq_receive(q, buf, 16, &prio) == 3 && prio == 5, "mid");
	CHECK(mq_receive(q, buf, 16, NULL) == 3 && memcmp(buf, "low", 3) == 0,
	    "low");

	/* Sizes and bad arguments. */
	CHECK(mq_send(q, buf, 17, 0) == -1 && errno == EMSGSIZE,
	    "send past msgsize");
	CHECK(mq_receive(q, buf, 15, NULL) == -1 && errno == EMSGSIZE,
	    "receive buffer short");
	CHECK(mq_send(q, "x", 1, 32768) == -1 && errno == EINVAL,
	    "prio past MQ_PRIO_MAX");
	CHECK(mq_send(q, BADPTR, 4, 0) == -1 && errno == EFAULT,
	    "send EFAULT");
	CHECK(mq_send(0x7fff, "x", 1, 0) == -1 && errno == EBADF,
	    "send bad fd");
	CHECK(mq_send(1, "x", 1, 0) == -1 && errno == EBADF,
	    "send non-queue fd");
	CHECK(syscall(SYS_mq_timedsend, q, "x", 1, 0, BADPTR) == -1 &&
	    errno == EFAULT, "timeout EFAULT");

	/* Non-blocking: EAGAIN both ways; mq_setattr. */
	a.mq_flags = O_NONBLOCK;
	CHECK(mq_setattr(q, &a, &o) == 0 && o.mq_flags == 0, "setattr");
	CHECK(mq_getattr(q, &o) == 0 && o.mq_flags == O_NONBLOCK,
	    "O_NONBLOCK set");
	CHECK(mq_receive(q, buf, 16, NULL) == -1 && errno == EAGAIN,
	    "empty EAGAIN");
	for (int i = 0; i < 4; i++)
		mq_send(q, "f", 1, 0);
	CHECK(mq_send(q, "f", 1, 0) == -1 && errno == EAGAIN, "full EAGAIN");
	a.mq_flags = 0;
	mq_setattr(q, &a, NULL);

	/* Access modes. */
	r = mq_open(qname(0), O_RDONLY);
	CHECK(r >= 0, "open O_RDONLY");
	CHECK(mq_send(r, "x", 1, 0) == -1 && errno == EBADF,
	    "send on O_RDONLY");
	CHECK(mq_receive(r, buf, 16, NULL) == 1, "receive on O_RDONLY");
	mq_close(r);
	r = mq_open(qname(0), O_WRONLY);
	CHECK(r >= 0 && mq_receive(r, buf, 16, NULL) == -1 && errno == EBADF,
	    "receive on O_WRONLY");
	mq_close(r);

	/* Unlinked: the name goes, the queue stays while open. */
	CHECK(mq_unlink(qname(0)) == 0, "unlink");
	CHECK(mq_unlink(qname(0)) == -1 && errno == ENOENT, "unlink twice");
	CHECK(mq_open(qname(0), O_RDWR) == -1 && errno == ENOENT,
	    "name gone");
	CHECK(mq_receive(q, buf, 16, NULL) == 1, "still usable");
	r = mq_open(qname(0), O_CREAT | O_RDWR, 0600, NULL);
	CHECK(r >= 0 && mq_getattr(r, &o) == 0 && o.mq_curmsgs == 0,
	    "a new one with the name");
	CHECK(mq_getattr(r, &o) == 0 && o.mq_maxmsg == 10 &&
	    o.mq_msgsize == 8192, "default attributes %ld %ld",
	    o.mq_maxmsg, o.mq_msgsize);
	mq_close(r);
	mq_unlink(qname(0));
	mq_close(q);

	/* Attributes out of range; names. */
	a.mq_maxmsg = 0;
	a.mq_msgsize = 16;
	CHECK(mq_open(qname(2), O_CREAT | O_RDWR, 0600, &a) == -1 &&
	    errno == EINVAL, "maxmsg 0");
	a.mq_maxmsg = 65537;
	CHECK(mq_open(qname(2), O_CREAT | O_RDWR, 0600, &a) == -1 &&
	    errno == EINVAL, "maxmsg past the hard limit");
	a.mq_maxmsg = 1;
	a.mq_msgsize = -1;
	CHECK(mq_open(qname(2), O_CREAT | O_RDWR, 0600, &a) == -1 &&
	    errno == EINVAL, "msgsize -1");
	CHECK(syscall(SYS_mq_open, "a/b", O_CREAT | O_RDWR, 0600, NULL) ==
	    -1 && errno == EACCES, "a slash");
	CHECK(syscall(SYS_mq_open, "", O_CREAT | O_RDWR, 0600, NULL) == -1 &&
	    errno == ENOENT, "empty name");
	CHECK(syscall(SYS_mq_open, BADPTR, O_CREAT | O_RDWR, 0600, NULL) ==
	    -1 && errno == EFAULT, "name EFAULT");
	memset(buf, 'n', 300);
	buf[300] = '\0';
	CHECK(syscall(SYS_mq_open, buf, O_CREAT | O_RDWR, 0600, NULL) == -1 &&
	    errno == ENAMETOOLONG, "name too long");
	CHECK(syscall(SYS_mq_open, qname(2) + 1, O_CREAT | O_RDWR, 0600,
	    BADPTR) == -1 && errno == EFAULT, "attr EFAULT");
	CHECK(syscall(SYS_mq_unlink, qname(3) + 1) == -1 && errno == ENOENT,
	    "unlink ENOENT");

	/* Permissions, as someone else. */
	char name3[64];

	strcpy(name3, qname(3));
	q = mq_open(name3, O_CREAT | O_RDWR, 0600, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			_exit(2);
		if (mq_open(name3, O_RDONLY) != -1 || errno != EACCES)
			_exit(3);
		if (mq_unlink(name3) != -1 || errno != EACCES)
			_exit(4);
		_exit(0);
	}
	int rc = waitcode(pid);
	CHECK(rc == 0, "as nobody: %d", rc);
	mq_close(q);
	mq_unlink(qname(3));
}

static void
waits(void)
{
	struct sigaction sa;
	struct epoll_event ev;
	struct pollfd pf;
	struct mq_attr a = { 0 };
	struct timespec ts;
	struct sigevent se;
	char buf[64];
	unsigned prio;
	double t0;
	int ep, rc;
	mqd_t q;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	a.mq_maxmsg = 2;
	a.mq_msgsize = 64;
	q = mq_open(qname(0), O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(q >= 0, "mq_open");

	/* poll and epoll: POLLOUT empty, POLLIN with a message. */
	pf.fd = q;
	pf.events = POLLIN | POLLOUT;
	CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT, "poll empty %x",
	    pf.revents);
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.u32 = 7;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev) == 0, "epoll add");
	CHECK(epoll_wait(ep, &ev, 1, 0) == 0, "nothing yet");

	/* A receiver blocked until a child sends; epoll sees it. */
	pid = fork();
	if (pid == 0) {
		msleep(100);
		_exit(mq_send(q, "from child", 10, 3) == 0 ? 0 : 1);
	}
	CHECK(epoll_wait(ep, &ev, 1, 5000) == 1 && ev.data.u32 == 7,
	    "epoll woken by the child's send");
	CHECK(mq_receive(q, buf, 64, &prio) == 10 && prio == 3,
	    "receive the child's");
	CHECK(waitcode(pid) == 0, "child");
	pid = fork();
	if (pid == 0) {
		msleep(100);
		_exit(mq_send(q, "late", 4, 0) == 0 ? 0 : 1);
	}
	CHECK(mq_receive(q, buf, 64, NULL) == 4, "blocking receive");
	CHECK(waitcode(pid) == 0, "child");

	/* A full queue: a sender blocked until a receive. */
	mq_send(q, "1", 1, 0);
	mq_send(q, "2", 1, 0);
	pf.events = POLLOUT | POLLIN;
	CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "poll full");
	pid = fork();
	if (pid == 0)
		_exit(mq_send(q, "3", 1, 0) == 0 ? 0 : 1);
	msleep(100);
	CHECK(mq_receive(q, buf, 64, NULL) == 1 && buf[0] == '1', "make room");
	CHECK(waitcode(pid) == 0, "sender went on");

	/* Timeouts: ETIMEDOUT after the time, not before; a passed time;
	 * a bad one. */
	ts = in_ms(200);
	t0 = now();
	CHECK(mq_timedsend(q, "x", 1, 0, &ts) == -1 && errno == ETIMEDOUT,
	    "send times out");
	CHECK(now() - t0 >= 0.15 && now() - t0 < 5, "waited %.3f", now() - t0);
	mq_receive(q, buf, 64, NULL);
	mq_receive(q, buf, 64, NULL);
	ts = in_ms(-1000);
	CHECK(mq_timedreceive(q, buf, 64, NULL, &ts) == -1 &&
	    errno == ETIMEDOUT, "a time passed");
	ts.tv_nsec = 1000000000;
	CHECK(mq_timedreceive(q, buf, 64, NULL, &ts) == -1 && errno == EINVAL,
	    "bad timeout");

	/* A signal without SA_RESTART: EINTR. */
	alarm(1);
	CHECK(mq_receive(q, buf, 64, NULL) == -1 && errno == EINTR, "EINTR");
	alarm(0);

	/* mq_notify: SIGEV_SIGNAL once, with SI_MESGQ and the value; EBUSY
	 * for another process; removed by NULL. */
	memset(&se, 0, sizeof(se));
	se.sigev_notify = SIGEV_SIGNAL;
	se.sigev_signo = SIGUSR1;
	se.sigev_value.sival_int = 4242;
	CHECK(mq_notify(q, &se) == 0, "mq_notify");
	pid = fork();
	if (pid == 0)
		_exit(mq_notify(q, &se) == -1 && errno == EBUSY ? 0 : 1);
	CHECK(waitcode(pid) == 0, "EBUSY for another process");
	got_sig = 0;
	pid = fork();
	if (pid == 0)
		_exit(mq_send(q, "n", 1, 0) == 0 ? 0 : 1);
	CHECK(waitcode(pid) == 0, "child sent");
	for (rc = 0; rc < 100 && !got_sig; rc++)
		msleep(10);
	CHECK(got_sig == SIGUSR1 && got_code == SI_MESGQ && got_val == 4242 &&
	    got_pid == pid, "notified: sig %d code %d val %d pid %d",
	    (int)got_sig, (int)got_code, (int)got_val, (int)got_pid);
	mq_receive(q, buf, 64, NULL);
	got_sig = 0;
	mq_send(q, "m", 1, 0);
	msleep(50);
	CHECK(got_sig == 0, "only once");
	mq_receive(q, buf, 64, NULL);
	CHECK(mq_notify(q, &se) == 0 && mq_notify(q, NULL) == 0 &&
	    mq_notify(q, &se) == 0 && mq_notify(q, NULL) == 0,
	    "register and remove");
	se.sigev_signo = 999;
	CHECK(mq_notify(q, &se) == -1 && errno == EINVAL, "bad signal");
	CHECK(syscall(SYS_mq_notify, q, BADPTR) == -1 && errno == EFAULT,
	    "sigevent EFAULT");

	close(ep);
	mq_close(q);
	mq_unlink(qname(0));
}

static long
proc_num(const char *path)
{
	long v = -1;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%ld", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

static void
limits(void)
{
	struct mq_attr a = { 0 };
	struct rlimit rl;
	mqd_t q, r;
	long mm = proc_num("/proc/sys/fs/mqueue/msg_max");
	long ms = proc_num("/proc/sys/fs/mqueue/msgsize_max");

	CHECK(mm >= 10 && ms >= 8192 &&
	    proc_num("/proc/sys/fs/mqueue/queues_max") >= 256,
	    "/proc/sys/fs/mqueue %ld %ld", mm, ms);

	/* RLIMIT_MSGQUEUE: the bytes the queues may hold; EMFILE past it. */
	getrlimit(RLIMIT_MSGQUEUE, &rl);
	rl.rlim_cur = 100000;
	CHECK(setrlimit(RLIMIT_MSGQUEUE, &rl) == 0, "setrlimit");
	a.mq_maxmsg = 10;
	a.mq_msgsize = 8192;
	q = mq_open(qname(0), O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(q >= 0, "one queue of 80 KiB");
	r = mq_open(qname(1), O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(r == -1 && errno == EMFILE, "a second: EMFILE");
	/* An unlinked queue still counts while open. */
	mq_unlink(qname(0));
	r = mq_open(qname(1), O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(r == -1 && errno == EMFILE, "still EMFILE while open");
	mq_close(q);
	r = mq_open(qname(1), O_CREAT | O_EXCL | O_RDWR, 0600, &a);
	CHECK(r >= 0, "room once it went");
	mq_close(r);
	mq_unlink(qname(1));
}

/* leave: a named queue with messages and an unlinked one still open,
 * left at exit (the vkernel frees them at its end). */
static void
leave(void)
{
	mqd_t q = mq_open(qname(0), O_CREAT | O_RDWR, 0600, NULL);
	mqd_t r = mq_open(qname(1), O_CREAT | O_RDWR, 0600, NULL);

	CHECK(q >= 0 && r >= 0, "made");
	CHECK(mq_send(q, "left", 4, 1) == 0 && mq_send(r, "behind", 6, 2) == 0,
	    "queued");
	CHECK(mq_unlink(qname(1)) == 0, "unlinked");
}

/* hold NAME: a queue NAME, waiting to be killed; absent NAME: there is
 * no queue NAME. */
static void
hold(const char *name)
{
	CHECK(mq_open(name, O_CREAT | O_RDWR, 0600, NULL) >= 0, "mq_open");
	printf("holding\n");
	for (;;)
		pause();
}

static void
absent(const char *name)
{
	CHECK(mq_open(name, O_RDWR) == -1 && errno == ENOENT, "no queue");
	CHECK(mq_unlink(name) == -1 && errno == ENOENT, "nothing to unlink");
}

int
main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "all";
	bool all = strcmp(mode, "all") == 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "leave") == 0)
		leave();
	if (strcmp(mode, "hold") == 0 && argc > 2)
		hold(argv[2]);
	if (strcmp(mode, "absent") == 0 && argc > 2)
		absent(argv[2]);
	if (all || strcmp(mode, "basic") == 0)
		basic();
	if (all || strcmp(mode, "wait") == 0)
		waits();
	if (all || strcmp(mode, "limits") == 0)
		limits();
	if (failures)
		printf("%d of %d checks failed\n", failures, checks);
	else
		printf("%s ok: %d checks\n", mode, checks);
	return failures != 0;
}
