/* vk_check.h: what a guest test counts (CHECK, ERR), the last line it prints ("MODE ok: N checks") and its clock (now, msleep), for the guests that include it. */
#ifndef VK_CHECK_H
#define VK_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int checks, failures;

/* Counts a check; a failed one prints its line, the message and errno. */
#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("FAIL line %d: ", __LINE__);			\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", errno, strerror(errno));	\
	}								\
} while (0)

/* The errno of a call that should fail: 0 if it succeeded. */
#define ERR(call) ((call) == -1 ? errno : 0)

/* The mode's last line (the tests compare it with the native run's) and
 * main's exit status. */
static inline int
check_report(const char *mode)
{
	if (failures)
		printf("%s: %d of %d checks failed\n", mode, failures, checks);
	else
		printf("%s ok: %d checks\n", mode, checks);
	return failures != 0;
}

/* CLOCK_MONOTONIC in seconds. */
static inline double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps ms milliseconds, whatever signals come. */
static inline void
msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

#endif /* VK_CHECK_H */
