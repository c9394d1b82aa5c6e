/* sys_ipc.c: the System V IPC calls (semget, semop, semtimedop, semctl, msgget, msgsnd, msgrcv, msgctl, shmget, shmat, shmdt, shmctl): arguments decoded for kern/ipc_*.c. */

#include <errno.h>
#include <time.h>

#include "sys.h"
#include "ipc.h"

long
sys_semget(struct proc *p, const uint64_t *a)
{
	return ipc_semget(p, (key_t)a[0], (int)a[1], (int)a[2]);
}

long
sys_semop(struct proc *p, const uint64_t *a)
{
	return ipc_semop(p, (int)a[0], a[1], (unsigned)a[2], NULL);
}

long
sys_semtimedop(struct proc *p, const uint64_t *a)
{
	struct timespec ts;

	if (a[3] != 0 && copyin(p, &ts, a[3], sizeof(ts)) != 0)
		return -EFAULT;
	return ipc_semop(p, (int)a[0], a[1], (unsigned)a[2],
	    a[3] != 0 ? &ts : NULL);
}

long
sys_semctl(struct proc *p, const uint64_t *a)
{
	return ipc_semctl(p, (int)a[0], (int)a[1], (int)a[2], a[3]);
}

long
sys_msgget(struct proc *p, const uint64_t *a)
{
	return ipc_msgget(p, (key_t)a[0], (int)a[1]);
}

long
sys_msgsnd(struct proc *p, const uint64_t *a)
{
	return ipc_msgsnd(p, (int)a[0], a[1], a[2], (int)a[3]);
}

long
sys_msgrcv(struct proc *p, const uint64_t *a)
{
	return ipc_msgrcv(p, (int)a[0], a[1], a[2], (long)a[3], (int)a[4]);
}

long
sys_msgctl(struct proc *p, const uint64_t *a)
{
	return ipc_msgctl(p, (int)a[0], (int)a[1], a[2]);
}

long
sys_shmget(struct proc *p, const uint64_t *a)
{
	return ipc_shmget(p, (key_t)a[0], a[1], (int)a[2]);
}

long
sys_shmat(struct proc *p, const uint64_t *a)
{
	uint64_t addr;
	int rc;

	if ((rc = ipc_shmat(p, (int)a[0], a[1], (int)a[2], &addr)) != 0)
		return rc;
	return (long)addr;
}

long
sys_shmdt(struct proc *p, const uint64_t *a)
{
	return ipc_shmdt(p, a[0]);
}

long
sys_shmctl(struct proc *p, const uint64_t *a)
{
	return ipc_shmctl(p, (int)a[0], (int)a[1], a[2]);
}
