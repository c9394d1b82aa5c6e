/* sysvipc.c: System V semaphores, message queues and shared memory as Linux defines them, one mode per kind (run natively and under vkernel with the same expectations). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc_guest.h"

/* The C libraries' wrappers differ (musl's semctl wants the union);
 * the raw calls are what the kernel sees. */
#define SEMCTL(id, n, cmd, arg) syscall(SYS_semctl, (id), (n), (cmd), (arg))
#define SEMOPM_ 500
#define FUTEX_WAIT_ 0                /* linux/futex.h, which musl lacks */
#define FUTEX_WAKE_ 1

/* A key nobody else on the host uses while we run natively. */
static key_t
mykey(int n)
{
	return (key_t)(0x5e000000 | ((getpid() & 0xfffff) << 4) | n);
}

static int
semop1(int id, int num, int op, int flg)
{
	struct sembuf b = { (unsigned short)num, (short)op, (short)flg };

	return semop(id, &b, 1);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/* ---- semaphores ---- */

static void
sem_basic(void)
{
	unsigned short vals[3] = { 1, 2, 3 }, got[3];
	struct sembuf ops[SEMOPM_ + 2];
	struct semid_ds ds;
	struct seminfo si;
	key_t key = mykey(1);
	int id, id2, r;

	id = semget(IPC_PRIVATE, 3, 0600);
	CHECK(id >= 0, "semget private");
	CHECK(semget(IPC_PRIVATE, 0, 0600) == -1 && errno == EINVAL,
	    "semget nsems 0 new");
	CHECK(semget(IPC_PRIVATE, 32001, 0600) == -1 && errno == EINVAL,
	    "semget nsems > SEMMSL");
	CHECK(SEMCTL(id, 0, GETVAL, 0) == 0, "fresh value 0");
	CHECK(SEMCTL(id, 1, SETVAL, 5) == 0, "SETVAL");
	CHECK(SEMCTL(id, 1, GETVAL, 0) == 5, "GETVAL 5");
	CHECK(SEMCTL(id, 1, GETPID, 0) == getpid(), "GETPID");
	CHECK(SEMCTL(id, 1, SETVAL, 32768) == -1 && errno == ERANGE,
	    "SETVAL past SEMVMX");
	CHECK(SEMCTL(id, 1, SETVAL, -1) == -1 && errno == ERANGE,
	    "SETVAL negative");
	CHECK(SEMCTL(id, 3, GETVAL, 0) == -1 && errno == EINVAL,
	    "GETVAL past nsems");
	CHECK(SEMCTL(id, 0, SETALL, vals) == 0, "SETALL");
	memset(got, 0, sizeof(got));
	CHECK(SEMCTL(id, 0, GETALL, got) == 0 && got[0] == 1 && got[1] == 2 &&
	    got[2] == 3, "GETALL %u %u %u", got[0], got[1], got[2]);
	CHECK(SEMCTL(id, 0, GETALL, BADPTR) == -1 && errno == EFAULT,
	    "GETALL bad pointer");
	CHECK(SEMCTL(id, 0, IPC_STAT, &ds) == 0 && ds.sem_nsems == 3 &&
	    (ds.sem_perm.mode & 0777) == 0600 &&
	    ds.sem_perm.uid == geteuid(), "IPC_STAT nsems %lu mode %o",
	    (unsigned long)ds.sem_nsems, ds.sem_perm.mode);
	ds.sem_perm.mode = 0640;
	CHECK(SEMCTL(id, 0, IPC_SET, &ds) == 0, "IPC_SET");
	CHECK(SEMCTL(id, 0, IPC_STAT, &ds) == 0 &&
	    (ds.sem_perm.mode & 0777) == 0640, "mode after IPC_SET");
	CHECK(SEMCTL(id, 0, 99, 0) == -1 && errno == EINVAL, "bad cmd");

	/* Atomicity: the second op cannot go, so neither does. */
	ops[0] = (struct sembuf){ 0, -1, IPC_NOWAIT };
	ops[1] = (struct sembuf){ 1, -3, IPC_NOWAIT };
	CHECK(semop(id, ops, 2) == -1 && errno == EAGAIN, "nowait EAGAIN");
	CHECK(SEMCTL(id, 0, GETVAL, 0) == 1 && SEMCTL(id, 1, GETVAL, 0) == 2,
	    "nothing changed");
	ops[1].sem_op = -2;
	CHECK(semop(id, ops, 2) == 0, "both go");
	CHECK(SEMCTL(id, 0, GETVAL, 0) == 0 && SEMCTL(id, 1, GETVAL, 0) == 0,
	    "both taken");
	ops[0] = (struct sembuf){ 2, 0, IPC_NOWAIT };
	CHECK(semop(id, ops, 1) == -1 && errno == EAGAIN, "wait-for-zero");
	ops[0] = (struct sembuf){ 0, 0, 0 };
	CHECK(semop(id, ops, 1) == 0, "zero is zero");
	ops[0] = (struct sembuf){ 2, 32767, 0 };
	CHECK(semop(id, ops, 1) == -1 && errno == ERANGE, "ERANGE");
	CHECK(SEMCTL(id, 2, GETVAL, 0) == 3, "unchanged after ERANGE");

	/* Hostile arguments. */
	ops[0] = (struct sembuf){ 3, 1, 0 };
	CHECK(semop(id, ops, 1) == -1 && errno == EFBIG, "EFBIG");
	CHECK(semop(id, ops, 0) == -1 && errno == EINVAL, "nsops 0");
	memset(ops, 0, sizeof(ops));
	CHECK(semop(id, ops, SEMOPM_ + 1) == -1 && errno == E2BIG,
	    "nsops past SEMOPM");
	CHECK(syscall(SYS_semop, id, ops, ((size_t)1 << 40) + 600) == -1 &&
	    errno == E2BIG, "huge nsops (an unsigned int: 600)");
	CHECK(syscall(SYS_semop, id, ops, (size_t)1 << 40) == -1 &&
	    errno == EINVAL, "huge nsops (an unsigned int: 0)");
	CHECK(semop(id, BADPTR, 1) == -1 && errno == EFAULT, "bad sops");
	CHECK(semop(0x7ffffff, ops, 1) == -1 && errno == EINVAL, "bad id");
	CHECK(semop(-1, ops, 1) == -1 && errno == EINVAL, "negative id");
	CHECK(SEMCTL(id, 0, IPC_STAT, BADPTR) == -1 && errno == EFAULT,
	    "IPC_STAT bad pointer");

	/* Keys. */
	id2 = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
	CHECK(id2 >= 0 && id2 != id, "semget key");
	CHECK(semget(key, 2, IPC_CREAT | IPC_EXCL | 0600) == -1 &&
	    errno == EEXIST, "EEXIST");
	CHECK(semget(key, 1, 0) == id2, "found by key");
	CHECK(semget(key, 0, 0) == id2, "found with nsems 0");
	CHECK(semget(key, 3, 0) == -1 && errno == EINVAL, "more than it has");
	CHECK(semget(mykey(2), 1, 0) == -1 && errno == ENOENT, "ENOENT");

	/* The limits the kernel says. */
	r = SEMCTL(0, 0, IPC_INFO, &si);
	CHECK(r >= 0 && si.semmsl == 32000 && si.semopm == 500 &&
	    si.semvmx == 32767, "IPC_INFO %d %d %d", si.semmsl, si.semopm,
	    si.semvmx);
	r = SEMCTL(0, 0, SEM_INFO, &si);
	CHECK(r >= id2 % 32768 && si.semusz >= 2 && si.semaem >= 5,
	    "SEM_INFO r %d arrays %d sems %d", r, si.semusz, si.semaem);
	r = SEMCTL(id2 % 32768, 0, SEM_STAT, &ds);
	CHECK(r == id2 && ds.sem_nsems == 2 && ds.sem_perm.__key == key,
	    "SEM_STAT %d", r);

	/* Permissions, as someone else. */
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			_exit(2);
		if (semget(key, 1, 0) != id2)
			_exit(3); /* asking for no access is no check */
		if (semget(key, 1, 0400) != -1 || errno != EACCES)
			_exit(7);
		if (semop1(id2, 0, 1, 0) != -1 || errno != EACCES)
			_exit(4);
		if (SEMCTL(id2, 0, IPC_RMID, 0) != -1 || errno != EPERM)
			_exit(5);
		if (SEMCTL(id2, 0, GETVAL, 0) != -1 || errno != EACCES)
			_exit(6);
		_exit(0);
	}
	CHECK((r = waitcode(pid)) == 0, "permissions as nobody: %d", r);

	CHECK(SEMCTL(id, 0, IPC_RMID, 0) == 0, "IPC_RMID");
	CHECK(SEMCTL(id, 0, GETVAL, 0) == -1 && errno == EINVAL,
	    "gone after IPC_RMID");
	CHECK(SEMCTL(id2, 0, IPC_RMID, 0) == 0, "IPC_RMID key");
	CHECK(semget(key, 1, 0) == -1 && errno == ENOENT, "key gone");
}

static void
sem_wait(void)
{
	struct sigaction sa;
	struct timespec ts = { 0, 200000000 };

	struct sembuf b = { 0, -1, 0 };
	double t0;
	int id, r;
	pid_t pid;

	id = semget(IPC_PRIVATE, 2, 0600);
	CHECK(id >= 0, "semget");

	/* A child blocked in semop until the parent posts; GETNCNT sees it. */
	pid = fork();
	if (pid == 0)
		_exit(semop1(id, 0, -2, 0) == 0 ? 0 : 1);
	for (r = 0; r < 200 && SEMCTL(id, 0, GETNCNT, 0) != 1; r++)
		msleep(10);
	CHECK(SEMCTL(id, 0, GETNCNT, 0) == 1, "GETNCNT 1");
	CHECK(SEMCTL(id, 1, GETNCNT, 0) == 0, "GETNCNT of the other 0");
	CHECK(semop1(id, 0, 1, 0) == 0, "post 1");
	msleep(50);
	CHECK(SEMCTL(id, 0, GETNCNT, 0) == 1, "still waiting for 2");
	CHECK(semop1(id, 0, 1, 0) == 0, "post 2");
	CHECK(waitcode(pid) == 0, "waiter got it");
	CHECK(SEMCTL(id, 0, GETVAL, 0) == 0, "taken");

	/* Waiting for zero: GETZCNT. */
	CHECK(SEMCTL(id, 1, SETVAL, 1) == 0, "SETVAL 1");
	pid = fork();
	if (pid == 0)
		_exit(semop1(id, 1, 0, 0) == 0 ? 0 : 1);
	for (r = 0; r < 200 && SEMCTL(id, 1, GETZCNT, 0) != 1; r++)
		msleep(10);
	CHECK(SEMCTL(id, 1, GETZCNT, 0) == 1, "GETZCNT 1");
	CHECK(semop1(id, 1, -1, 0) == 0, "to zero");
	CHECK(waitcode(pid) == 0, "zero waiter woken");

	/* semtimedop: EAGAIN after the timeout, not before. */
	t0 = now();
	CHECK(semtimedop(id, &b, 1, &ts) == -1 && errno == EAGAIN,
	    "timeout EAGAIN");
	CHECK(now() - t0 >= 0.19 && now() - t0 < 5, "waited %.3f",
	    now() - t0);
	ts.tv_nsec = 1000000000;
	CHECK(semtimedop(id, &b, 1, &ts) == -1 && errno == EINVAL,
	    "bad timeout");
	CHECK(semtimedop(id, &b, 1, BADPTR) == -1 && errno == EFAULT,
	    "timeout bad pointer");

	/* A signal: EINTR, even with SA_RESTART (never restarted). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	CHECK(semop(id, &b, 1) == -1 && errno == EINTR, "EINTR");
	alarm(0);

	/* IPC_RMID wakes a sleeper with EIDRM. */
	pid = fork();
	if (pid == 0) {
		if (semop1(id, 0, -1, 0) == -1 && errno == EIDRM)
			_exit(0);
		_exit(1);
	}
	for (r = 0; r < 200 && SEMCTL(id, 0, GETNCNT, 0) != 1; r++)
		msleep(10);
	CHECK(SEMCTL(id, 0, IPC_RMID, 0) == 0, "IPC_RMID with a sleeper");
	CHECK(waitcode(pid) == 0, "sleeper got EIDRM");
}

static void *
undo_thread(void *arg)
{
	int id = *(int *)arg;

	semop1(id, 0, 1, SEM_UNDO);
	return NULL;
}

static void
sem_undo(void)
{
	pthread_t th;
	int id, r;
	pid_t pid;

	id = semget(IPC_PRIVATE, 2, 0600);
	CHECK(id >= 0, "semget");

	/* A child's SEM_UNDO goes when it exits. */
	pid = fork();
	if (pid == 0) {
		semop1(id, 0, 3, SEM_UNDO);
		semop1(id, 1, 1, 0);
		_exit(0);
	}
	CHECK(waitcode(pid) == 0, "child");
	CHECK(SEMCTL(id, 0, GETVAL, 0) == 0, "undone at exit");
	CHECK(SEMCTL(id, 1, GETVAL, 0) == 1, "without SEM_UNDO kept");

	/* Not across fork: the grandchild's exit undoes nothing of its
	 * parent's; the parent's own exit does.  A thread shares its
	 * process's: its adjustment waits for the process. */
	pid = fork();
	if (pid == 0) {
		pid_t g;

		semop1(id, 0, 2, SEM_UNDO);
		if ((g = fork()) == 0)
			_exit(0);
		if (waitcode(g) != 0 || SEMCTL(id, 0, GETVAL, 0) != 2)
			_exit(1);
		if (pthread_create(&th, NULL, undo_thread, &id) != 0 ||
		    pthread_join(th, NULL) != 0)
			_exit(2);
		if (SEMCTL(id, 0, GETVAL, 0) != 3)
			_exit(3);
		_exit(0);
	}
	CHECK((r = waitcode(pid)) == 0, "fork and thread: %d", r);
	CHECK(SEMCTL(id, 0, GETVAL, 0) == 0, "all undone at exit: %ld",
	    SEMCTL(id, 0, GETVAL, 0));

	/* Undo clamps at 0; SETVAL clears adjustments. */
	pid = fork();
	if (pid == 0) {
		semop1(id, 0, 5, SEM_UNDO);
		SEMCTL(id, 0, SETVAL, 1);      /* the +5 is forgotten */
		semop1(id, 1, 1, SEM_UNDO);
		SEMCTL(id, 1, SETVAL, 0);
		semop1(id, 1, 2, 0);           /* -1 at exit... */
		_exit(0);
	}
	CHECK(waitcode(pid) == 0, "child");
	CHECK(SEMCTL(id, 0, GETVAL, 0) == 1, "SETVAL cleared the undo");
	CHECK(SEMCTL(id, 1, GETVAL, 0) == 2, "SETVAL cleared undo 1");

	/* A killed process's undo too. */
	pid = fork();
	if (pid == 0) {
		semop1(id, 1, -2, SEM_UNDO);
		pause();
		_exit(0);
	}
	for (r = 0; r < 200 && SEMCTL(id, 1, GETVAL, 0) != 0; r++)
		msleep(10);
	kill(pid, SIGKILL);
	waitcode(pid);
	CHECK(SEMCTL(id, 1, GETVAL, 0) == 2, "undone after SIGKILL");
	CHECK(SEMCTL(id, 0, IPC_RMID, 0) == 0, "IPC_RMID");
}

/* ---- message queues ---- */

struct mbuf {
	long type;
	char text[8200];
};

static int
snd(int id, long type, const char *s, int flg)
{
	struct mbuf m;

	m.type = type;
	strcpy(m.text, s);
	return msgsnd(id, &m, strlen(s), flg);
}

static void
msg_basic(void)
{
	struct msqid_ds ds;
	struct msginfo mi;
	struct mbuf m;
	ssize_t n;
	int id, r;

	id = msgget(IPC_PRIVATE, 0600);
	CHECK(id >= 0, "msgget");
	CHECK(snd(id, 1, "one", 0) == 0, "send 1");
	CHECK(snd(id, 2, "two", 0) == 0, "send 2");
	CHECK(snd(id, 3, "three", 0) == 0, "send 3");
	CHECK(snd(id, 1, "uno", 0) == 0, "send 1 again");
	CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 4 &&
	    ds.msg_cbytes == 14 && ds.msg_lspid == getpid() &&
	    ds.msg_qbytes == 16384, "IPC_STAT qnum %lu cbytes %lu",
	    (unsigned long)ds.msg_qnum, (unsigned long)ds.msg_cbytes);

	n = msgrcv(id, &m, sizeof(m.text), 3, 0);
	CHECK(n == 5 && m.type == 3 && memcmp(m.text, "three", 5) == 0,
	    "type 3");
	n = msgrcv(id, &m, sizeof(m.text), 1, MSG_EXCEPT);
	CHECK(n == 3 && m.type == 2, "MSG_EXCEPT 1: type %ld", m.type);
	n = msgrcv(id, &m, sizeof(m.text), -5, 0);
	CHECK(n == 3 && m.type == 1 && memcmp(m.text, "one", 3) == 0,
	    "lowest type first");
	CHECK(msgrcv(id, &m, 2, 0, IPC_NOWAIT) == -1 && errno == E2BIG,
	    "E2BIG");
	n = msgrcv(id, &m, 2, 0, MSG_NOERROR);
	CHECK(n == 2 && memcmp(m.text, "un", 2) == 0, "MSG_NOERROR");
	CHECK(msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT) == -1 &&
	    errno == ENOMSG, "ENOMSG");
	CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 0 &&
	    ds.msg_cbytes == 0 && ds.msg_lrpid == getpid(), "empty");

	/* Hostile arguments. */
	CHECK(snd(id, 0, "x", 0) == -1 && errno == EINVAL, "type 0");
	CHECK(msgsnd(id, &m, 8193, 0) == -1 && errno == EINVAL,
	    "past MSGMAX");
	CHECK(msgsnd(id, &m, (size_t)-1, 0) == -1 && errno == EINVAL,
	    "negative size");
	CHECK(msgsnd(id, BADPTR, 4, 0) == -1 && errno == EFAULT, "EFAULT");
	CHECK(msgsnd(0x7ffffff, &m, 4, 0) == -1 && errno == EINVAL, "bad id");
	CHECK(msgrcv(id, &m, (size_t)-1, 0, IPC_NOWAIT) == -1 &&
	    errno == EINVAL, "receive negative size");
	CHECK(snd(id, 7, "lost", 0) == 0, "send 7");
	CHECK(msgrcv(id, BADPTR, 10, 0, IPC_NOWAIT) == -1 && errno == EFAULT,
	    "receive EFAULT");
	CHECK(msgctl(id, IPC_STAT, BADPTR) == -1 && errno == EFAULT,
	    "IPC_STAT EFAULT");

	/* A full queue: EAGAIN, then a sender blocked until a receive. */
	CHECK(msgctl(id, IPC_STAT, &ds) == 0, "stat");
	ds.msg_qbytes = 10;
	CHECK(msgctl(id, IPC_SET, &ds) == 0, "IPC_SET qbytes 10");
	while (msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT) >= 0)
		;
	CHECK(snd(id, 1, "12345678", 0) == 0, "fill");
	CHECK(snd(id, 1, "abc", IPC_NOWAIT) == -1 && errno == EAGAIN,
	    "full EAGAIN");
	pid_t pid = fork();
	if (pid == 0)
		_exit(snd(id, 2, "abc", 0) == 0 ? 0 : 1);
	msleep(100);
	CHECK(msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_qnum == 1,
	    "sender waits");
	CHECK(msgrcv(id, &m, sizeof(m.text), 1, 0) == 8, "receive");
	CHECK(waitcode(pid) == 0, "sender went on");
	CHECK(msgrcv(id, &m, sizeof(m.text), 0, 0) == 3 && m.type == 2,
	    "its message");

	/* A receiver blocked until a send; then one woken by IPC_RMID, and
	 * a sender blocked on a full queue too. */
	pid = fork();
	if (pid == 0) {
		ssize_t k = msgrcv(id, &m, sizeof(m.text), 9, 0);

		if (k != 4 || m.type != 9)
			_exit(1);
		k = msgrcv(id, &m, sizeof(m.text), 10, 0);
		_exit(k == -1 && errno == EIDRM ? 0 : 2);
	}
	msleep(100);
	CHECK(snd(id, 8, "no", 0) == 0 && snd(id, 9, "nine", 0) == 0,
	    "send 8, 9");
	msleep(100);
	CHECK(msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT) == 2 &&
	    m.type == 8, "8 stayed");
	CHECK(snd(id, 1, "full-up", 0) == 0, "fill again");
	pid_t sender = fork();
	if (sender == 0)
		_exit(snd(id, 1, "more", 0) == -1 && errno == EIDRM ? 0 : 1);
	msleep(100);
	CHECK(msgctl(id, IPC_RMID, NULL) == 0, "IPC_RMID");
	CHECK((r = waitcode(pid)) == 0, "receiver: %d", r);
	CHECK((r = waitcode(sender)) == 0, "blocked sender: %d", r);
	CHECK(msgsnd(id, &m, 1, 0) == -1 && errno == EINVAL, "gone");

	r = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
	CHECK(r >= 0 && mi.msgmax == 8192 && mi.msgmnb == 16384,
	    "IPC_INFO %d %d", mi.msgmax, mi.msgmnb);

	/* A signal: EINTR. */
	id = msgget(mykey(3), IPC_CREAT | 0600);
	CHECK(id >= 0 && msgget(mykey(3), 0) == id, "msgget key");
	alarm(1);
	CHECK(msgrcv(id, &m, sizeof(m.text), 0, 0) == -1 && errno == EINTR,
	    "EINTR");
	alarm(0);
	r = msgctl(id % 32768, MSG_STAT, &ds);
	CHECK(r == id && ds.msg_perm.__key == mykey(3), "MSG_STAT %d", r);
	CHECK(msgctl(id, IPC_RMID, NULL) == 0, "IPC_RMID");
}

/* ---- shared memory ---- */

static long
nattch(int id)
{
	struct shmid_ds ds;

	if (shmctl(id, IPC_STAT, &ds) != 0)
		return -1;
	return (long)ds.shm_nattch;
}

static void
shm_basic(const char *self)
{
	struct shmid_ds ds;
	struct shminfo si;
	char *p, *q;
	int id, r;
	pid_t pid;

	id = shmget(IPC_PRIVATE, 10000, 0600);
	CHECK(id >= 0, "shmget");
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_segsz == 10000 &&
	    ds.shm_nattch == 0 && ds.shm_cpid == getpid(), "IPC_STAT");
	p = shmat(id, NULL, 0);
	CHECK(p != (void *)-1, "shmat");
	CHECK(p[0] == 0 && p[12287] == 0, "zero filled");
	strcpy(p, "parent");
	CHECK(nattch(id) == 1, "nattch 1");

	/* fork shares the attach. */
	pid = fork();
	if (pid == 0) {
		if (strcmp(p, "parent") != 0)
			_exit(1);
		if (nattch(id) != 2)
			_exit(2);
		strcpy(p + 8192, "child");
		_exit(0);
	}
	CHECK((r = waitcode(pid)) == 0, "child saw it: %d", r);
	CHECK(strcmp(p + 8192, "child") == 0, "parent sees the child's");
	CHECK(nattch(id) == 1, "nattch back to 1");

	/* A second attach, read-only: a write faults. */
	q = shmat(id, NULL, SHM_RDONLY);
	CHECK(q != (void *)-1 && q != p && strcmp(q, "parent") == 0,
	    "second attach");
	CHECK(nattch(id) == 2, "nattch 2");
	pid = fork();
	if (pid == 0) {
		q[0] = 'x';
		_exit(0);
	}
	CHECK(waitcode(pid) == 128 + SIGSEGV, "write to SHM_RDONLY: SIGSEGV");
	CHECK(shmdt(q + 4096) == -1 && errno == EINVAL, "shmdt inside");
	CHECK(shmdt(q) == 0 && nattch(id) == 1, "shmdt");
	CHECK(shmdt(q) == -1 && errno == EINVAL, "shmdt twice");

	/* An address, SHM_RND, and a taken one. */
	char *want = mmap(NULL, 1 << 20, PROT_NONE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	munmap(want, 1 << 20);
	q = shmat(id, want + 100, 0);
	CHECK(q == (void *)-1 && errno == EINVAL, "misaligned");
	q = shmat(id, want + 100, SHM_RND);
	CHECK(q == want && strcmp(q, "parent") == 0, "SHM_RND");
	CHECK(shmat(id, want, 0) == (void *)-1 && errno == EINVAL,
	    "overlapping");
	CHECK(shmat(id, want, SHM_REMAP) == want, "SHM_REMAP");
	CHECK(shmat(id, NULL, SHM_REMAP) == (void *)-1 && errno == EINVAL,
	    "SHM_REMAP without an address");
	CHECK(nattch(id) == 2, "nattch 2 (%ld)", nattch(id));
	CHECK(shmdt(want) == 0, "shmdt");

	/* An attach split in two by mprotect counts twice, as Linux counts
	 * its VMAs; shmdt at its address takes both pieces. */
	q = shmat(id, NULL, 0);
	CHECK(q != (void *)-1 && mprotect(q, 4096, PROT_READ) == 0,
	    "split an attach");
	CHECK(nattch(id) == 3, "pieces count: %ld", nattch(id));
	CHECK(shmdt(q) == 0 && nattch(id) == 1, "shmdt of both: %ld",
	    nattch(id));
	CHECK(mprotect(q + 4096, 4096, PROT_READ) == -1 && errno == ENOMEM,
	    "the second piece is gone too");

	/* A shared futex between two attaches at two addresses: the key
	 * is the segment, whatever the address. */
	uint32_t *word = (uint32_t *)(p + 4096);
	*word = 0;
	pid = fork();
	if (pid == 0) {
		char *c;

		if ((c = shmat(id, NULL, 0)) == (void *)-1 || c == p)
			_exit(2);
		uint32_t *w = (uint32_t *)(c + 4096);
		while (*(volatile uint32_t *)w == 0)
			syscall(SYS_futex, w, FUTEX_WAIT_, 0, NULL, NULL, 0);
		_exit(*w == 7 ? 0 : 3);
	}
	msleep(100);
	*word = 7;
	syscall(SYS_futex, word, FUTEX_WAKE_, 1, NULL, NULL, 0);
	CHECK((r = waitcode(pid)) == 0, "futex across attaches: %d", r);

	/* exec detaches. */
	pid = fork();
	if (pid == 0) {
		execl(self, self, "nop", (char *)NULL);
		_exit(9);
	}
	CHECK(waitcode(pid) == 0, "exec'd child");
	CHECK(nattch(id) == 1, "exec detached");

	/* IPC_RMID while attached: SHM_DEST, key gone, usable until the
	 * last detach, then gone. */
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID");
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 &&
	    (ds.shm_perm.mode & SHM_DEST) && ds.shm_perm.__key == 0,
	    "SHM_DEST mode %o", ds.shm_perm.mode);
	CHECK(strcmp(p, "parent") == 0, "still there");
	pid = fork();
	if (pid == 0)
		_exit(p[8192] == 'c' ? 0 : 1);
	CHECK(waitcode(pid) == 0, "child of a removed segment");
	CHECK(shmdt(p) == 0, "last shmdt");
	CHECK(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL,
	    "gone with the last detach");

	/* Keys and bounds. */
	id = shmget(mykey(4), 4096, IPC_CREAT | IPC_EXCL | 0600);
	CHECK(id >= 0, "shmget key");
	CHECK(shmget(mykey(4), 8192, 0) == -1 && errno == EINVAL,
	    "bigger than it is");
	CHECK(shmget(mykey(4), 100, 0) == id, "found");
	CHECK(shmget(IPC_PRIVATE, 0, 0600) == -1 && errno == EINVAL,
	    "size 0");
	r = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	CHECK(r >= 0 && si.shmmni == 4096 && si.shmmin == 1, "IPC_INFO");
	CHECK(shmget(IPC_PRIVATE, si.shmmax + 1, 0600) == -1 &&
	    errno == EINVAL, "past SHMMAX");
	CHECK(shmat(0x7ffffff, NULL, 0) == (void *)-1 && errno == EINVAL,
	    "shmat bad id");
	CHECK(shmctl(id, IPC_STAT, BADPTR) == -1 && errno == EFAULT,
	    "IPC_STAT EFAULT");
	r = shmctl(id % 32768, SHM_STAT, &ds);
	CHECK(r == id && ds.shm_segsz == 4096, "SHM_STAT %d", r);
	pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			_exit(2);
		if (shmat(id, NULL, 0) != (void *)-1 || errno != EACCES)
			_exit(3);
		if (shmctl(id, IPC_RMID, NULL) != -1 || errno != EPERM)
			_exit(4);
		_exit(0);
	}
	CHECK((r = waitcode(pid)) == 0, "as nobody: %d", r);
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID unattached");
	CHECK(shmget(mykey(4), 100, 0) == -1 && errno == ENOENT, "key gone");
}

/* ---- /proc ---- */

/* The line of /proc/sysvipc/NAME for id, in *line: its fields. */
static int
proc_line(const char *name, int id, long f[16])
{
	char path[64], buf[512];
	FILE *fp;
	int n = -1;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", name);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) == NULL || strstr(buf, "key") == NULL)
		n = -2;
	while (n == -1 && fgets(buf, sizeof(buf), fp) != NULL) {
		long v[16];
		int k = sscanf(buf, "%ld %ld %lo %ld %ld %ld %ld %ld %ld %ld "
		    "%ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3],
		    &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11],
		    &v[12], &v[13], &v[14], &v[15]);

		if (k >= 2 && v[1] == id) {
			memcpy(f, v, sizeof(v));
			n = k;
		}
	}
	fclose(fp);
	return n;
}

static long
proc_num(const char *path, int field)
{
	long v[4] = { -1, -1, -1, -1 };
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3]) < 1)
		v[0] = -1;
	fclose(fp);
	return v[field];
}

static void
proc_files(void)
{
	struct seminfo si;
	struct msginfo mi;
	struct shminfo shi;
	struct mbuf m;
	long f[16];
	int sid, mid, hid;
	char *p;

	sid = semget(mykey(5), 4, IPC_CREAT | 0640);
	mid = msgget(mykey(6), IPC_CREAT | 0600);
	hid = shmget(mykey(7), 5000, IPC_CREAT | 0604);
	CHECK(sid >= 0 && mid >= 0 && hid >= 0, "made");
	CHECK(snd(mid, 1, "hello", 0) == 0, "send");
	p = shmat(hid, NULL, 0);
	CHECK(p != (void *)-1, "shmat");

	CHECK(proc_line("sem", sid, f) == 10 && f[0] == mykey(5) &&
	    f[2] == 0640 && f[3] == 4 && f[4] == (long)geteuid(),
	    "sem line");
	CHECK(proc_line("msg", mid, f) == 14 && f[0] == mykey(6) &&
	    f[3] == 5 && f[4] == 1 && f[5] == getpid(), "msg line");
	CHECK(proc_line("shm", hid, f) == 16 && f[0] == mykey(7) &&
	    f[2] == 0604 && f[3] == 5000 && f[4] == getpid() && f[6] == 1,
	    "shm line");

	SEMCTL(0, 0, IPC_INFO, &si);
	msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
	shmctl(0, IPC_INFO, (struct shmid_ds *)&shi);
	CHECK(proc_num("/proc/sys/kernel/sem", 0) == si.semmsl &&
	    proc_num("/proc/sys/kernel/sem", 1) == si.semmns &&
	    proc_num("/proc/sys/kernel/sem", 2) == si.semopm &&
	    proc_num("/proc/sys/kernel/sem", 3) == si.semmni,
	    "kernel/sem as IPC_INFO");
	CHECK(proc_num("/proc/sys/kernel/msgmax", 0) == mi.msgmax &&
	    proc_num("/proc/sys/kernel/msgmnb", 0) == mi.msgmnb &&
	    proc_num("/proc/sys/kernel/msgmni", 0) == mi.msgmni,
	    "kernel/msg* as IPC_INFO");
	CHECK(proc_num("/proc/sys/kernel/shmmni", 0) == (long)shi.shmmni,
	    "kernel/shmmni");
	CHECK(proc_num("/proc/sys/kernel/shmmax", 0) != -1 &&
	    proc_num("/proc/sys/kernel/shmall", 0) != -1, "shmmax, shmall");

	/* Past the number of arrays the kernel allows: ENOSPC. */
	int ids[256], n = 0;
	while (n < 256 && (ids[n] = shmget(IPC_PRIVATE, 1, 0600)) >= 0)
		n++;
	CHECK(n == 256 || errno == ENOSPC, "many segments");
	while (n > 0)
		shmctl(ids[--n], IPC_RMID, NULL);

	shmdt(p);
	SEMCTL(sid, 0, IPC_RMID, 0);
	msgctl(mid, IPC_RMID, NULL);
	shmctl(hid, IPC_RMID, NULL);
	CHECK(proc_line("sem", sid, f) == -1 && proc_line("shm", hid, f) == -1,
	    "gone from /proc");
}

/* ---- another vkernel's objects ---- */

/* hold KEY: makes one object of each kind with KEY and waits to be
 * killed; absent KEY: none with KEY is there. */
static void
hold(key_t key)
{
	CHECK(semget(key, 1, IPC_CREAT | 0600) >= 0, "semget");
	CHECK(msgget(key, IPC_CREAT | 0600) >= 0, "msgget");
	CHECK(shmget(key, 4096, IPC_CREAT | 0600) >= 0, "shmget");
	printf("holding\n");
	fflush(stdout);
	for (;;)
		pause();
}

static void
absent(key_t key)
{
	CHECK(semget(key, 0, 0) == -1 && errno == ENOENT, "no semaphores");
	CHECK(msgget(key, 0) == -1 && errno == ENOENT, "no queue");
	CHECK(shmget(key, 0, 0) == -1 && errno == ENOENT, "no segment");
}

/* leave: objects of each kind left behind at exit, a segment with pages
 * and attached in a child that sleeps, messages queued, an undo pending,
 * a sleeper in semop (the vkernel frees them all at its end). */
static void
leave(void)
{
	int sid = semget(IPC_PRIVATE, 2, 0600);
	int mid = msgget(IPC_PRIVATE, 0600);
	int hid = shmget(IPC_PRIVATE, 1 << 20, 0600);
	char *p = shmat(hid, NULL, 0);

	CHECK(sid >= 0 && mid >= 0 && hid >= 0 && p != (void *)-1, "made");
	memset(p, 1, 1 << 20);
	CHECK(snd(mid, 1, "left", 0) == 0 && snd(mid, 2, "behind", 0) == 0,
	    "queued");
	CHECK(semop1(sid, 0, 1, SEM_UNDO) == 0, "undo pending");
	if (fork() == 0) {
		semop1(sid, 1, -1, 0); /* sleeps until killed */
		_exit(0);
	}
	msleep(50);
}

/* hoard: makes each kind until the vkernel refuses, filling queues
 * with messages, and says what stopped it (one line a kind); then
 * removes everything.  Only under vkernel, at -m 16m. */
static const char *
errname(int e)
{
	return e == ENOSPC ? "ENOSPC" : e == ENOMEM ? "ENOMEM" :
	    e == EMFILE ? "EMFILE" : e == EAGAIN ? "EAGAIN" : strerror(e);
}

static void
hoard(void)
{
	static int ids[32768];
	struct mbuf m;
	struct mq_attr qa = { .mq_maxmsg = 1, .mq_msgsize = 1024 };
	int n, e, k;
	long bytes = 0;

	/* Semaphore arrays of SEMMSL each. */
	for (n = 0; n < 32768 &&
	    (ids[n] = semget(IPC_PRIVATE, 32000, 0600)) >= 0; n++)
		;
	e = errno;
	printf("hoard sem: %d arrays, stopped by %s\n", n, errname(e));
	while (n > 0)
		SEMCTL(ids[--n], 0, IPC_RMID, 0);

	/* Segments of 1 GiB, never touched: the table stops them. */
	for (n = 0; n < 32768 && (ids[n] = shmget(IPC_PRIVATE, 1 << 30,
	    0600)) >= 0; n++)
		;
	e = errno;
	printf("hoard shm: %d segments, stopped by %s\n", n, errname(e));
	while (n > 0)
		shmctl(ids[--n], IPC_RMID, NULL);

	/* Message queues, each filled with 8 KiB messages. */
	memset(m.text, 'm', sizeof(m.text));
	m.type = 1;
	e = 0;
	for (n = 0; n < 32768 && e == 0; n++) {
		if ((ids[n] = msgget(IPC_PRIVATE, 0600)) < 0) {
			e = errno;
			break;
		}
		for (k = 0; msgsnd(ids[n], &m, 8192, IPC_NOWAIT) == 0; k++)
			bytes += 8192;
		if (errno != EAGAIN)
			e = errno;
	}
	printf("hoard msg: %d queues, %ld bytes, stopped by %s\n", n, bytes,
	    errname(e));
	while (n > 0)
		msgctl(ids[--n], IPC_RMID, NULL);

	/* POSIX queues of one 1 KiB message, filled: RLIMIT_MSGQUEUE
	 * would let 752 be made, queues_max stops them first. */
	e = 0;
	bytes = 0;
	for (n = 0; n < 32768 && e == 0; n++) {
		char name[32];

		snprintf(name, sizeof(name), "/hoard-%d", n);
		if ((ids[n] = mq_open(name, O_CREAT | O_RDWR | O_NONBLOCK,
		    0600, &qa)) < 0) {
			e = errno;
			break;
		}
		mq_unlink(name);
		for (k = 0; mq_send(ids[n], m.text, 1024, 0) == 0; k++)
			bytes += 1024;
		if (errno != EAGAIN)
			e = errno;
	}
	printf("hoard mq: %d queues, %ld bytes, stopped by %s\n", n, bytes,
	    errname(e));
	while (n > 0)
		close(ids[--n]);
	CHECK(1, "hoarded");
}

/* fuzz SEED: 200000 IPC calls (System V and POSIX queues) with random
 * arguments: ids, commands, sizes, flags, and pointers into a scratch
 * buffer, at random or past the end of memory; nothing blocks (IPC_NOWAIT
 * everywhere, no timeouts, queues at descriptors that do not exist).
 * Only under vkernel (natively it would leave host objects behind): the
 * vkernel must answer each with an errno or a result and give every page
 * back at the end. */
static char scratch[1 << 16];

static uint64_t
rnd64(void)
{
	return ((uint64_t)random() << 33) ^ ((uint64_t)random() << 11) ^
	    (uint64_t)random();
}

static uint64_t
fuzz_arg(void)
{
	switch (random() % 8) {
	case 0: return 0;
	case 1: return (uint64_t)(uintptr_t)(scratch + random() % 60000);
	case 2: return rnd64();
	case 3: return (uint64_t)(random() % 40);
	case 4: return (uint64_t)-1;
	case 5: return 16;
	case 6: return (uint64_t)(uintptr_t)(scratch + random() % 64);
	default: return (uint64_t)(random() % 70000);
	}
}

static void
fuzz(unsigned seed)
{
	static const int nrs[] = { SYS_semget, SYS_semop, SYS_semtimedop,
	    SYS_semctl, SYS_msgget, SYS_msgsnd, SYS_msgrcv, SYS_msgctl,
	    SYS_shmget, SYS_shmat, SYS_shmdt, SYS_shmctl, SYS_mq_open,
	    SYS_mq_unlink, SYS_mq_timedsend, SYS_mq_timedreceive,
	    SYS_mq_notify, SYS_mq_getsetattr };
	struct sembuf *sb = (struct sembuf *)scratch;
	uint64_t a[6];
	int i, k, nr;

	srandom(seed);
	for (i = 0; i < 200000; i++) {
		nr = nrs[random() % (sizeof(nrs) / sizeof(nrs[0]))];
		for (k = 0; k < 6; k++)
			a[k] = fuzz_arg();
		switch (nr) {
		case SYS_semop:
		case SYS_semtimedop:
			a[1] = (uint64_t)(uintptr_t)scratch;
			a[2] &= 7;
			a[3] = 0;
			for (k = 0; k < 8; k++)
				sb[k].sem_flg |= IPC_NOWAIT;
			break;
		case SYS_msgsnd:
			a[3] |= IPC_NOWAIT;
			break;
		case SYS_msgrcv:
			a[4] |= IPC_NOWAIT;
			break;
		case SYS_shmat:
			a[1] = 0; /* never over the program itself */
			a[2] &= ~(uint64_t)SHM_REMAP;
			break;
		case SYS_shmdt:
			a[0] = rnd64() & ~(uint64_t)0xfff;
			break;
		case SYS_mq_timedsend:
		case SYS_mq_timedreceive:
			a[0] = 100; /* no such descriptor */
			break;
		}
		syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	CHECK(1, "survived");
}

int
main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "all";
	bool all = strcmp(mode, "all") == 0;

	struct sigaction sa;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	if (strcmp(mode, "nop") == 0)
		return 0;
	if (strcmp(mode, "leave") == 0)
		leave();
	if (strcmp(mode, "hoard") == 0)
		hoard();
	if (strcmp(mode, "fuzz") == 0 && argc > 2)
		fuzz((unsigned)atoi(argv[2]));
	if (strcmp(mode, "hold") == 0 && argc > 2)
		hold((key_t)strtol(argv[2], NULL, 0));
	if (strcmp(mode, "absent") == 0 && argc > 2)
		absent((key_t)strtol(argv[2], NULL, 0));
	if (all || strcmp(mode, "sem") == 0) {
		sem_basic();
		sem_wait();
	}
	if (all || strcmp(mode, "semundo") == 0)
		sem_undo();
	if (all || strcmp(mode, "msg") == 0)
		msg_basic();
	if (all || strcmp(mode, "shm") == 0)
		shm_basic(argv[0]);
	if (all || strcmp(mode, "proc") == 0)
		proc_files();
	if (failures)
		printf("%d of %d checks failed\n", failures, checks);
	else
		printf("%s ok: %d checks\n", mode, checks);
	return failures != 0;
}
