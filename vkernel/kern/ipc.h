/* ipc.h: System V IPC (semaphores, message queues, shared memory), kept in the vkernel's own memory. */
#ifndef VKERNEL_IPC_H
#define VKERNEL_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct proc;
struct tgroup;
struct vm_object;
struct sem_undo;

/*
 * Every object lives in the vkernel's memory (charged to the kernel
 * memory budget; a segment's pages are guest memory), never in host IPC
 * objects, so no other vkernel and no host process sees them and nothing
 * is left on the host.  Ids are Linux's: index + sequence * 32768.  All
 * functions are called with the big lock held; errors are -errno, as
 * Linux's.  A caller that sleeps holds its object by a reference
 * (ipc_obj.refs), so IPC_RMID meanwhile frees nothing under it: it wakes
 * with -EIDRM.
 */

/* The limits, as /proc/sys/kernel shows them (Linux's defaults but
 * SEMMNS and SHMMAX/SHMALL, which are what a vm object can hold). */
#define IPC_SEMMSL 32000              /* semaphores in one array */
#define IPC_SEMMNS 1024000            /* semaphores in all */
#define IPC_SEMOPM 500                /* operations in one semop */
#define IPC_SEMMNI 32000              /* semaphore arrays */
#define IPC_SEMVMX 32767              /* a semaphore's largest value */
#define IPC_MSGMAX 8192               /* one message's bytes */
#define IPC_MSGMNB 16384              /* a queue's bytes (its default) */
#define IPC_MSGMNI 32000              /* message queues */
#define IPC_SHMMNI 4096               /* segments */
#define IPC_SHMALL (1ULL << 48)       /* pages of all segments */
#define IPC_SHMMAX (1ULL << 60)       /* one segment's bytes */

/* The generic part of an object (Linux's kern_ipc_perm). */
struct ipc_obj {
	int id;                      /* what the guest names it by */
	key_t key;                   /* IPC_PRIVATE (0) once removed */
	uid_t uid, cuid;
	gid_t gid, cgid;
	unsigned mode;               /* 0777, and SHM_DEST/SHM_LOCKED */
	unsigned short seq;
	int refs;                    /* the table's, and each sleeper's */
	bool removed;                /* IPC_RMID: out of the table */
	time_t ctime;                /* last change (creation, IPC_SET) */
};

/* The three tables. */
enum ipc_kind { IPC_SEM_K, IPC_MSG_K, IPC_SHM_K, IPC_NKINDS };

/* ipc.c: ids and permissions, shared by the three kinds.
 * ipc_lookup: the object of kind with id (no reference), or NULL.
 * ipc_perm_ok: p may access o for flag (S_IRUGO / S_IWUGO bits, 0 for
 *   none) as Linux's ipcperms (CAP_IPC_OWNER passes).
 * ipc_owner_ok: p is o's owner or creator or has CAP_SYS_ADMIN (IPC_SET,
 *   IPC_RMID).
 * ipc_set: IPC_SET's uid, gid and mode bits from the guest's ipc64_perm.
 * ipc_next: the first used index >= *pos of kind (for /proc/sysvipc and
 *   the _STAT calls), *pos set to it: the object, or NULL past the last.
 * ipc_count: objects of kind; ipc_maxidx: the highest used index or -1. */
struct ipc_obj *ipc_lookup(enum ipc_kind kind, int id);
bool ipc_perm_ok(struct proc *p, const struct ipc_obj *o, int flag);
bool ipc_owner_ok(struct proc *p, const struct ipc_obj *o);
void ipc_set(struct ipc_obj *o, uid_t uid, gid_t gid, unsigned mode);
struct ipc_obj *ipc_next(enum ipc_kind kind, int *pos);
int ipc_count(enum ipc_kind kind);
int ipc_maxidx(enum ipc_kind kind);

/* The guest's struct ipc64_perm for o. */
struct ipc64_perm_g {
	int32_t key;
	uint32_t uid, gid, cuid, cgid, mode;
	uint16_t seq, pad2;
	uint64_t unused1, unused2;
};
void ipc_perm_out(const struct ipc_obj *o, struct ipc64_perm_g *g);

/* ipc_sem.c: semget, semtimedop (timeout relative, NULL: none), semctl
 * (cmd without IPC_64; arg the fourth argument: a value or a pointer).
 * ipc_sem_exit: the process's SEM_UNDO adjustments applied (its last
 * task is going), its undo list freed.  ipc_sem_info: nsems and the times
 * of an array for /proc/sysvipc/sem. */
int ipc_semget(struct proc *p, key_t key, int nsems, int flg);
int ipc_semop(struct proc *p, int id, uint64_t usops, size_t nsops,
    const struct timespec *timeout);
long ipc_semctl(struct proc *p, int id, int num, int cmd, uint64_t arg);
void ipc_sem_exit(struct tgroup *tg);
void ipc_sem_info(const struct ipc_obj *o, int *nsems, time_t *otime);

/* ipc_msg.c: msgget, msgsnd, msgrcv, msgctl (as semctl).
 * ipc_msg_info: bytes, messages, last pids and times for /proc. */
int ipc_msgget(struct proc *p, key_t key, int flg);
int ipc_msgsnd(struct proc *p, int id, uint64_t umsg, size_t sz, int flg);
long ipc_msgrcv(struct proc *p, int id, uint64_t umsg, size_t sz, long type,
    int flg);
long ipc_msgctl(struct proc *p, int id, int cmd, uint64_t ubuf);
struct ipc_msg_stat {
	size_t cbytes, qnum;
	pid_t lspid, lrpid;
	time_t stime, rtime;
};
void ipc_msg_info(const struct ipc_obj *o, struct ipc_msg_stat *st);

/* ipc_shm.c: shmget, shmat (*addr: where it went), shmdt, shmctl. */
int ipc_shmget(struct proc *p, key_t key, size_t size, int flg);
int ipc_shmat(struct proc *p, int id, uint64_t addr, int flg, uint64_t *out);
int ipc_shmdt(struct proc *p, uint64_t addr);
long ipc_shmctl(struct proc *p, int id, int cmd, uint64_t ubuf);
struct ipc_shm_stat {
	size_t size, nattch, rss;
	pid_t cpid, lpid;
	time_t atime, dtime;
};
void ipc_shm_info(const struct ipc_obj *o, struct ipc_shm_stat *st);

/* At the vkernel's end (every task gone): every object of the kind
 * freed. */
void ipc_sem_fini(void);
void ipc_msg_fini(void);
void ipc_shm_fini(void);

#endif /* VKERNEL_IPC_H */
