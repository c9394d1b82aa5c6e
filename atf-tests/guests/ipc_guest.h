/* ipc_guest.h: what the IPC guests (sysvipc.c, mqueue.c) share: the check counter, time and sleeps (vk_check.h), a bad pointer and a child's exit code. */
#ifndef IPC_GUEST_H
#define IPC_GUEST_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#include "vk_check.h"  /* the check counter (CHECK), now, msleep */

/* An address no guest maps (EFAULT). */
#define BADPTR ((void *)16)

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
