/* ipc_var.h: what the System V IPC kinds (ipc_sem.c, ipc_msg.c, ipc_shm.c) share with ipc.c beyond ipc.h. */
#ifndef VKERNEL_IPC_VAR_H
#define VKERNEL_IPC_VAR_H

#include "ipc.h"

/*
 * ipc_get: Linux's ipcget for kind.  A new object (IPC_PRIVATE, or a key
 * not found with IPC_CREAT) is made by ops->make (after ops->precheck
 * of the arguments, and once a free slot is known: -ENOSPC without) and
 * put in the table with p's ids, flg's mode bits and a reference; an
 * existing one is checked (EEXIST for IPC_CREAT|IPC_EXCL, EACCES against
 * flg's mode bits, then ops->check).  The id, or -errno.
 * ipc_remove: o leaves its table (IPC_RMID): its id and key find nothing
 * from now on; the table's reference is the caller's to drop.
 */
struct ipc_get_ops {
	int (*precheck)(void *arg);
	struct ipc_obj *(*make)(struct proc *p, void *arg, int *err);
	int (*check)(struct ipc_obj *o, void *arg);
};
int ipc_get(struct proc *p, enum ipc_kind kind, key_t key, int flg,
    const struct ipc_get_ops *ops, void *arg);
void ipc_remove(enum ipc_kind kind, struct ipc_obj *o);
/* SEM_STAT, MSG_STAT, SHM_STAT: the object at index idx of kind,
 * checked for read access unless any (the _STAT_ANY forms); NULL with
 * *err -EINVAL (no object there) or -EACCES. */
struct ipc_obj *ipc_stat_index(struct proc *p, enum ipc_kind kind, int idx,
    bool any, int *err);
/* What every kind's ctl asks of IPC_SET and IPC_RMID (o's owner, creator
 * or CAP_SYS_ADMIN: else -EPERM) and of the reading commands (read
 * access: else -EACCES): 0 or -errno. */
int ipc_ctl_perm(struct proc *p, const struct ipc_obj *o, int cmd);
/* Calls fn on each object of kind (fn may remove it): the finis. */
void ipc_each(enum ipc_kind kind, void (*fn)(struct ipc_obj *o));

/* Access asked of ipc_perm_ok, as Linux's. */
#define S_IRUGO 0444
#define S_IWUGO 0222
#define S_IXUGO 0111

/* The guest's IPC_SET/IPC_STAT commands carry IPC_64 (0x100) from some
 * C libraries; Linux on x86-64 takes both. */
#define IPC_CMD(cmd) ((cmd) & ~0x100)

#endif /* VKERNEL_IPC_VAR_H */
