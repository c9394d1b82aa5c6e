/* futex.c: guest that checks futex wait and wake as Linux does them: EAGAIN, timeouts, EINVAL, and a wake across processes on MAP_SHARED memory. */
#define _GNU_SOURCE
#include <errno.h>
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
	if (failed)
		return 1;
	printf("futex ok: %d checks\n", checks);
	return 0;
}
