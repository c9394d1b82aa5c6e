/* ipc_guest.h: what the IPC guests (sysvipc.c, mqueue.c) share: the check counter, a bad pointer, time, sleeps and a child's exit code. */
#ifndef IPC_GUEST_H
#define IPC_GUEST_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#include "vk_check.h"  /* the check counter: CHECK */

/* An address no guest maps (EFAULT). */
#define BADPTR ((void *)16)

static inline double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void
msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The child's exit code (128 + the signal that killed it): 0 when it
 * passed; a signal caught meanwhile does not end the wait. */
static inline int
waitcode(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) != pid)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif /* IPC_GUEST_H */
