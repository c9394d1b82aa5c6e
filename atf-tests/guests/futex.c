/* futex.c: guest that checks futex as Linux does it: wait and wake, EAGAIN, timeouts on both clocks, EINVAL and EFAULT, requeue, WAKE_OP, bitsets, futex_waitv, and wakes across processes on MAP_SHARED anonymous and file memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Linux's values (<linux/futex.h> is not in musl's include path). */
#define FUTEX_WAIT                0
#define FUTEX_WAKE                1
#define FUTEX_WAIT_BITSET         9
#define FUTEX_PRIVATE_FLAG        128
#define FUTEX_WAIT_PRIVATE        (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE             3
#define FUTEX_CMP_REQUEUE         4
#define FUTEX_WAKE_OP             5
#define FUTEX_WAKE_BITSET         10
#define FUTEX_CLOCK_REALTIME      256
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	(((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | \
	(cmparg & 0xfff))
#define FUTEX_OP_SET              0
#define FUTEX_OP_CMP_EQ           0
#ifndef SYS_futex_waitv
#define SYS_futex_waitv           449
#endif
struct waitv {
	uint64_t val, uaddr;
	uint32_t flags, reserved;
};

static int checks, failed;

#define CHECK(cond, what) do {						\
	checks++;							\
	if (!(cond)) {							\
		failed++;						\
		printf("FAIL: %s (errno %d)\n", what, errno);		\
	}								\
} while (0)

static long
fx(uint32_t *u, int op, uint32_t v, const struct timespec *t, uint32_t v3)
{
	return syscall(SYS_futex, u, op, v, t, NULL, v3);
}

static long
fx2(uint32_t *u, int op, uint32_t v, long v2, uint32_t *u2, uint32_t v3)
{
	return syscall(SYS_futex, u, op, v, v2, u2, v3);
}

/* Waiters on threads: each waits on *arg's word for value 0 and records
 * what the call returned. */
struct wjob {
	uint32_t *word;
	int op;
	long ret;
	int err;
};

static void *
waiter(void *arg)
{
	struct wjob *j = arg;

	j->ret = fx(j->word, j->op, 0, NULL, 0xffffffff);
	j->err = errno;
	return NULL;
}

static struct {
	struct waitv *wv;
	long ret;
} vjob;

static void *
waitv_thread(void *arg)
{
	(void)arg;
	vjob.ret = syscall(SYS_futex_waitv, vjob.wv, 2, 0, NULL, 0);
	return NULL;
}

/* How many threads sleep in the vkernel or the kernel on a futex: we
 * cannot see that, so give them time to get there. */
static void
settle(void)
{
	usleep(50000);
}

static void
threaded_checks(void)
{
	static uint32_t a, b, c;
	struct wjob j[4];
	pthread_t t[4];
	struct timespec abs;
	struct waitv wv[2];
	int i;
	long r;

	/* CMP_REQUEUE: one woken, two moved to b, then woken from b. */
	for (i = 0; i < 3; i++) {
		j[i] = (struct wjob){ &a, FUTEX_WAIT_PRIVATE, 0, 0 };
		pthread_create(&t[i], NULL, waiter, &j[i]);
	}
	settle();
	errno = 0;
	CHECK(fx2(&a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 2, &b, 1) ==
	    -1 && errno == EAGAIN, "CMP_REQUEUE with a changed value");
	r = fx2(&a, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, 2, &b, 0);
	CHECK(r == 3, "CMP_REQUEUE wakes one and moves two");
	settle();
	CHECK(fx(&a, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 10, NULL, 0) == 0,
	    "nobody is left on the first word");
	CHECK(fx(&b, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 10, NULL, 0) == 2,
	    "the moved two wake on the second word");
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		CHECK(j[i].ret == 0, "a requeued waiter returns 0");
	}
	/* REQUEUE (no compare): all three moved, none woken. */
	for (i = 0; i < 3; i++) {
		j[i] = (struct wjob){ &a, FUTEX_WAIT, 0, 0 };
		pthread_create(&t[i], NULL, waiter, &j[i]);
	}
	settle();
	CHECK(fx2(&a, FUTEX_REQUEUE, 0, 3, &b, 0) == 3, "REQUEUE moves three");
	CHECK(fx(&b, FUTEX_WAKE, 10, NULL, 0) == 3, "and they wake there");
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	/* A wake for 0 (or a negative count) wakes one, as Linux's loop
	 * does; programs rely on it (a ping-pong that wakes "0" hung). */
	for (i = 0; i < 2; i++) {
		j[i] = (struct wjob){ &c, FUTEX_WAIT_PRIVATE, 0, 0 };
		pthread_create(&t[i], NULL, waiter, &j[i]);
	}
	settle();
	CHECK(fx(&c, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 0, NULL, 0) == 1,
	    "a wake for 0 waiters wakes one");
	CHECK(fx(&c, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, -1, NULL, 0) == 1,
	    "a wake for -1 waiters wakes one");
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		CHECK(j[i].ret == 0, "each returns 0");
	}
	/* WAKE_OP: b := 5, wake one on a and, since b was 0, one on b. */
	b = 0;
	j[0] = (struct wjob){ &a, FUTEX_WAIT_PRIVATE, 0, 0 };
	j[1] = (struct wjob){ &b, FUTEX_WAIT_PRIVATE, 0, 0 };
	pthread_create(&t[0], NULL, waiter, &j[0]);
	pthread_create(&t[1], NULL, waiter, &j[1]);
	settle();
	r = fx2(&a, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, &b,
	    FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0));
	CHECK(r == 2 && b == 5, "WAKE_OP sets and wakes both");
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	/* Bitsets: a wake for bit 2 leaves a bit-1 waiter asleep. */
	c = 0;
	j[0] = (struct wjob){ &c, FUTEX_WAIT_BITSET_PRIVATE, 0, 0 };
	pthread_create(&t[0], NULL, waiter, &j[0]); /* bitset all ones */
	settle();
	CHECK(fx(&c, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 1, NULL, 2) == 1,
	    "WAKE_BITSET wakes a waiter whose bitset meets it");
	pthread_join(t[0], NULL);
	/* Non-private ops on private memory meet (Linux keys them by the
	 * address space). */
	c = 0;
	j[0] = (struct wjob){ &c, FUTEX_WAIT, 0, 0 };
	pthread_create(&t[0], NULL, waiter, &j[0]);
	settle();
	c = 1;
	CHECK(fx(&c, FUTEX_WAKE, 1, NULL, 0) == 1,
	    "a shared wake meets a shared wait on private memory");
	pthread_join(t[0], NULL);
	/* An absolute CLOCK_REALTIME timeout. */
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	c = 0;
	errno = 0;
	CHECK(fx(&c, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &abs, ~0U) ==
	    -1 && errno == ETIMEDOUT, "an absolute CLOCK_REALTIME timeout");
	/* futex_waitv: woken through its second word. */
	a = b = 0;
	wv[0] = (struct waitv){ 0, (uintptr_t)&a, 2 | FUTEX_PRIVATE_FLAG, 0 };
	wv[1] = (struct waitv){ 0, (uintptr_t)&b, 2 | FUTEX_PRIVATE_FLAG, 0 };
	errno = 0;
	b = 1;
	CHECK(syscall(SYS_futex_waitv, wv, 2, 0, NULL, 0) == -1 &&
	    errno == EAGAIN, "futex_waitv with a changed value");
	b = 0;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	errno = 0;
	CHECK(syscall(SYS_futex_waitv, wv, 2, 0, &abs, CLOCK_MONOTONIC) ==
	    -1 && errno == ETIMEDOUT, "futex_waitv times out");
	errno = 0;
	CHECK(syscall(SYS_futex_waitv, wv, 0, 0, NULL, 0) == -1 &&
	    errno == EINVAL, "futex_waitv of nothing");
	vjob.wv = wv;
	pthread_create(&t[0], NULL, waitv_thread, &vjob);
	settle();
	CHECK(fx(&b, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, 0) == 1,
	    "a wake on the second word");
	pthread_join(t[0], NULL);
	CHECK(vjob.ret == 1, "futex_waitv says which word woke it");
}

int
main(void)
{
	uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct timespec t = { 0, 50000000 }, abs;
	pid_t pid;
	long r;
	int st;

	CHECK(w != MAP_FAILED, "mmap");
	errno = 0;
	CHECK(fx(w, FUTEX_WAIT, 1, NULL, 0) == -1 && errno == EAGAIN,
	    "a wait on a changed value is EAGAIN");
	errno = 0;
	CHECK(fx(w, FUTEX_WAIT_PRIVATE, 0, &t, 0) == -1 && errno == ETIMEDOUT,
	    "a relative timeout");
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	errno = 0;
	CHECK(fx(w, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, 1) == -1 &&
	    errno == ETIMEDOUT, "an absolute timeout (WAIT_BITSET)");
	errno = 0;
	CHECK(fx(w, FUTEX_WAIT_BITSET, 0, NULL, 0) == -1 && errno == EINVAL,
	    "bitset 0");
	errno = 0;
	CHECK(fx((uint32_t *)((char *)w + 1), FUTEX_WAKE, 1, NULL, 0) == -1 &&
	    errno == EINVAL, "a misaligned word");
	errno = 0;
	CHECK(fx((uint32_t *)8, FUTEX_WAIT, 0, NULL, 0) == -1 &&
	    errno == EFAULT, "an unmapped word");
	CHECK(fx(w, FUTEX_WAKE, 5, NULL, 0) == 0, "a wake with no waiter");
	if ((pid = fork()) == 0) {
		usleep(100000);
		*w = 1;
		_exit(fx(w, FUTEX_WAKE, 1, NULL, 0) == 1 ? 0 : 1);
	}
	r = fx(w, FUTEX_WAIT, 0, NULL, 0);
	CHECK(r == 0 && *w == 1, "woken by the other process");
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "it woke one waiter");
	/* A MAP_SHARED file mapping: the two processes meet on the file's
	 * page, whatever their addresses. */
	{
		int fd = open("futex.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
		uint32_t *fw;

		CHECK(fd >= 0 && ftruncate(fd, 4096) == 0, "a file to map");
		unlink("futex.tmp");
		fw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CHECK(fw != MAP_FAILED, "mmap of the file");
		if ((pid = fork()) == 0) {
			uint32_t *cw = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);

			/* Elsewhere in the child, the same page. */
			usleep(100000);
			cw[5] = 1;
			_exit(fx(&cw[5], FUTEX_WAKE, 1, NULL, 0) == 1 ? 0 : 1);
		}
		r = fx(&fw[5], FUTEX_WAIT, 0, NULL, 0);
		CHECK(r == 0 && fw[5] == 1, "woken through a shared file");
		CHECK(waitpid(pid, &st, 0) == pid && st == 0,
		    "it woke one waiter on the file");
		close(fd);
	}
	threaded_checks();
	if (failed)
		return 1;
	printf("futex ok: %d checks\n", checks);
	return 0;
}
