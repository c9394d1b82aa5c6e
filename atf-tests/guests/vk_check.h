/* vk_check.h: what a guest test counts (CHECK, ERR) and the last line it prints, "MODE ok: N checks", for the guests that include it. */
#ifndef VK_CHECK_H
#define VK_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

#endif /* VK_CHECK_H */
