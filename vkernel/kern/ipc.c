/* ipc.c: System V IPC ids, keys and permissions, the part the three kinds (ipc_sem.c, ipc_msg.c, ipc_shm.c) share. */

/*
 * One table per kind: an array of IPC_*MNI slots, a slot's object named
 * by id = index + seq * 32768 as Linux names it, seq counting the
 * objects the kind ever made (so a stale id of a removed object does not
 * find a new one in its slot).  Keys are looked up by a walk of the
 * table (at most 32000 slots, only at get).  The table holds one
 * reference to each object; IPC_RMID takes it out (ipc_remove), and
 * the kind frees the object once its sleepers' references are gone.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/stat.h>
#include <time.h>
#include <linux/capability.h>

#include "vkernel.h"
#include "ipc.h"
#include "ipc_var.h"

#define IPC_SEQ_MULT 32768
#define IPC_SEQ_MAX  (0x7fffffff / IPC_SEQ_MULT)

static struct ipc_obj *sem_slots[IPC_SEMMNI];
static struct ipc_obj *msg_slots[IPC_MSGMNI];
static struct ipc_obj *shm_slots[IPC_SHMMNI];

static struct ipc_table {
	struct ipc_obj **slots;
	int mni;
	int count;
	unsigned short seq;
} tables[IPC_NKINDS] = {
	[IPC_SEM_K] = { sem_slots, IPC_SEMMNI, 0, 0 },
	[IPC_MSG_K] = { msg_slots, IPC_MSGMNI, 0, 0 },
	[IPC_SHM_K] = { shm_slots, IPC_SHMMNI, 0, 0 },
};

struct ipc_obj *
ipc_lookup(enum ipc_kind kind, int id)
{
	struct ipc_table *t = &tables[kind];
	struct ipc_obj *o;

	if (id < 0 || id % IPC_SEQ_MULT >= t->mni)
		return NULL;
	o = t->slots[id % IPC_SEQ_MULT];
	return o != NULL && o->id == id ? o : NULL;
}

static bool
in_group(const struct cred *c, gid_t gid)
{
	int i;

	if (c->egid == gid)
		return true;
	for (i = 0; c->groups != NULL && i < c->groups->ngroups; i++)
		if (c->groups->gid[i] == gid)
			return true;
	return false;
}

bool
ipc_perm_ok(struct proc *p, const struct ipc_obj *o, int flag)
{
	const struct cred *c = &p->cred;
	int want = (flag >> 6) | (flag >> 3) | flag, have = (int)o->mode;

	if (c->euid == o->cuid || c->euid == o->uid)
		have >>= 6;
	else if (in_group(c, o->cgid) || in_group(c, o->gid))
		have >>= 3;
	return (want & ~have & 07) == 0 || cred_capable(c, CAP_IPC_OWNER);
}

bool
ipc_owner_ok(struct proc *p, const struct ipc_obj *o)
{
	const struct cred *c = &p->cred;

	return c->euid == o->cuid || c->euid == o->uid ||
	    cred_capable(c, CAP_SYS_ADMIN);
}

void
ipc_set(struct ipc_obj *o, uid_t uid, gid_t gid, unsigned mode)
{
	o->uid = uid;
	o->gid = gid;
	o->mode = (o->mode & ~0777u) | (mode & 0777);
	o->ctime = time(NULL);
}

void
ipc_perm_out(const struct ipc_obj *o, struct ipc64_perm_g *g)
{
	memset(g, 0, sizeof(*g));
	g->key = o->key;
	g->uid = o->uid;
	g->gid = o->gid;
	g->cuid = o->cuid;
	g->cgid = o->cgid;
	g->mode = o->mode;
	g->seq = o->seq;
}

struct ipc_obj *
ipc_next(enum ipc_kind kind, int *pos)
{
	struct ipc_table *t = &tables[kind];
	int i;

	for (i = *pos < 0 ? 0 : *pos; i < t->mni; i++)
		if (t->slots[i] != NULL) {
			*pos = i;
			return t->slots[i];
		}
	return NULL;
}

int
ipc_count(enum ipc_kind kind)
{
	return tables[kind].count;
}

int
ipc_maxidx(enum ipc_kind kind)
{
	struct ipc_table *t = &tables[kind];
	int i;

	for (i = t->mni - 1; i >= 0; i--)
		if (t->slots[i] != NULL)
			return i;
	return -1;
}

int
ipc_get(struct proc *p, enum ipc_kind kind, key_t key, int flg,
    const struct ipc_get_ops *ops, void *arg)
{
	struct ipc_table *t = &tables[kind];
	struct ipc_obj *o = NULL;
	int i, err, slot = -1;

	if (key != IPC_PRIVATE)
		for (i = 0; i < t->mni; i++)
			if (t->slots[i] != NULL && t->slots[i]->key == key) {
				o = t->slots[i];
				break;
			}
	if (o != NULL) {
		if ((flg & (IPC_CREAT | IPC_EXCL)) == (IPC_CREAT | IPC_EXCL))
			return -EEXIST;
		if (!ipc_perm_ok(p, o, flg))
			return -EACCES;
		if (ops->check != NULL && (err = ops->check(o, arg)) != 0)
			return err;
		return o->id;
	}
	if (key != IPC_PRIVATE && !(flg & IPC_CREAT))
		return -ENOENT;
	if (ops->precheck != NULL && (err = ops->precheck(arg)) != 0)
		return err;
	for (i = 0; i < t->mni; i++)
		if (t->slots[i] == NULL) {
			slot = i;
			break;
		}
	if (slot < 0)
		return -ENOSPC;
	if ((o = ops->make(p, arg, &err)) == NULL)
		return err;
	o->key = key;
	o->uid = o->cuid = p->cred.euid;
	o->gid = o->cgid = p->cred.egid;
	o->mode = (unsigned)flg & 0777;
	o->seq = t->seq;
	t->seq = t->seq >= IPC_SEQ_MAX ? 0 : t->seq + 1;
	o->id = slot + o->seq * IPC_SEQ_MULT;
	o->refs = 1;
	o->ctime = time(NULL);
	t->slots[slot] = o;
	t->count++;
	return o->id;
}

void
ipc_remove(enum ipc_kind kind, struct ipc_obj *o)
{
	struct ipc_table *t = &tables[kind];

	if (o->removed)
		return;
	t->slots[o->id % IPC_SEQ_MULT] = NULL;
	t->count--;
	o->removed = true;
	o->key = IPC_PRIVATE;
}

struct ipc_obj *
ipc_stat_index(struct proc *p, enum ipc_kind kind, int idx, bool any,
    int *err)
{
	struct ipc_obj *o;
	int pos = idx;

	*err = -EINVAL;
	if (idx < 0 || idx >= tables[kind].mni ||
	    (o = ipc_next(kind, &pos)) == NULL || pos != idx)
		return NULL;
	if (!any && !ipc_perm_ok(p, o, S_IRUGO)) {
		*err = -EACCES;
		return NULL;
	}
	return o;
}

int
ipc_ctl_perm(struct proc *p, const struct ipc_obj *o, int cmd)
{
	if (cmd == IPC_SET || cmd == IPC_RMID)
		return ipc_owner_ok(p, o) ? 0 : -EPERM;
	return ipc_perm_ok(p, o, S_IRUGO) ? 0 : -EACCES;
}

void
ipc_each(enum ipc_kind kind, void (*fn)(struct ipc_obj *o))
{
	struct ipc_obj *o;
	int pos = 0;

	/* fn may take o out of the table: the walk goes on past it. */
	for (; (o = ipc_next(kind, &pos)) != NULL; pos++)
		fn(o);
}
