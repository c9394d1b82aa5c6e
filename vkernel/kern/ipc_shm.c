/* ipc_shm.c: System V shared memory (Linux's ipc/shm.c): a segment is one shared anonymous vm object, attached as a VM_ENTRY_SHARED mapping. */

/*
 * A segment is an anonymous vm object of its pages (guest memory, as
 * MAP_SHARED|MAP_ANONYMOUS memory is) and a record charged to the kernel
 * memory budget.  shmat maps the object shared (vm_map_file), so fork
 * shares attaches and exec and exit drop them with the address space,
 * all by the VM's own rules; the number of attaches is the object's count
 * of shared entries (nshared: a split entry counts twice, as Linux counts
 * VMAs).  The segment holds one reference to the object until IPC_RMID;
 * the object's release (its last reference: the segment's, or with
 * SHM_DEST the last attach's) takes the segment out of the table and
 * frees it.  shmdt finds the attach by address (an entry over a
 * segment's object that maps its slot 0 there) and unmaps the pieces of
 * that object within the segment's size from there, as Linux's.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>

#include "vkernel.h"
#include "kmem.h"
#include "vm.h"
#include "ipc.h"
#include "ipc_var.h"

#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif
#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif

struct shmseg {
	struct ipc_obj o;
	size_t size;                 /* bytes asked for */
	struct vm_object *obj;
	bool held;                   /* the segment's reference to obj */
	pid_t cpid, lpid;
	time_t atime, dtime;
};

static size_t shm_tot;               /* pages of all segments */

static struct shmseg *
seg_find(int id)
{
	return (struct shmseg *)ipc_lookup(IPC_SHM_K, id);
}

/* The object's last reference: the segment goes. */
static void
seg_release(struct vm_object *obj)
{
	struct shmseg *s;
	struct ipc_obj *o;
	int pos = 0;

	for (; (o = ipc_next(IPC_SHM_K, &pos)) != NULL; pos++) {
		s = (struct shmseg *)o;
		if (s->obj != obj)
			continue;
		ipc_remove(IPC_SHM_K, o);
		shm_tot -= obj->npages;
		kmem_free(s, sizeof(*s));
		return;
	}
}

/* IPC_RMID: SHM_DEST, the key gone, and the segment's reference to its
 * object dropped (with no attach left, the segment goes now). */
static void
seg_destroy(struct ipc_obj *o)
{
	struct shmseg *s = (struct shmseg *)o;

	s->o.mode |= SHM_DEST;
	s->o.key = IPC_PRIVATE;
	if (s->held) {
		s->held = false;
		vm_object_unref(s->obj);
	}
}

struct getarg {
	size_t size;
	pid_t pid;
};

static int
shm_precheck(void *arg)
{
	size_t size = ((struct getarg *)arg)->size;
	size_t npages = round_page(size) / PAGE_SIZE;

	if (size < 1 || size > IPC_SHMMAX)
		return -EINVAL;
	if (shm_tot + npages > IPC_SHMALL)
		return -ENOSPC;
	return 0;
}

static struct ipc_obj *
shm_make(struct proc *p, void *arg, int *err)
{
	struct getarg *g = arg;
	struct shmseg *s;

	(void)p;
	if ((s = kmem_alloc(sizeof(*s))) == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	if ((s->obj = vm_object_anon(round_page(g->size) / PAGE_SIZE)) ==
	    NULL) {
		kmem_free(s, sizeof(*s));
		*err = -ENOMEM;
		return NULL;
	}
	s->obj->release = seg_release;
	s->held = true;
	s->size = g->size;
	s->cpid = g->pid;
	shm_tot += s->obj->npages;
	return &s->o;
}

static int
shm_check(struct ipc_obj *o, void *arg)
{
	return ((struct getarg *)arg)->size > ((struct shmseg *)o)->size ?
	    -EINVAL : 0;
}

int
ipc_shmget(struct proc *p, key_t key, size_t size, int flg)
{
	static const struct ipc_get_ops ops = { shm_precheck, shm_make,
	    shm_check };
	struct getarg g = { size, p->tg->tgid };

	return ipc_get(p, IPC_SHM_K, key, flg, &ops, &g);
}

int
ipc_shmat(struct proc *p, int id, uint64_t addr, int flg, uint64_t *out)
{
	struct vm_map *map = &p->vm->map;
	struct shmseg *s;
	int prot, acc, rc;
	size_t len;

	if (addr & (PAGE_SIZE - 1)) {
		if (!(flg & SHM_RND))
			return -EINVAL;
		addr = trunc_page(addr);
	}
	if (addr == 0 && (flg & SHM_REMAP))
		return -EINVAL; /* nothing to replace */
	if ((s = seg_find(id)) == NULL)
		return -EINVAL;
	if (flg & SHM_RDONLY) {
		prot = KS_PROT_READ;
		acc = S_IRUGO;
	} else {
		prot = KS_PROT_READ | KS_PROT_WRITE;
		acc = S_IRUGO | S_IWUGO;
	}
	if (flg & SHM_EXEC) {
		prot |= KS_PROT_EXEC;
		acc |= S_IXUGO;
	}
	if (!ipc_perm_ok(p, &s->o, acc))
		return -EACCES;
	len = s->obj->npages * PAGE_SIZE;
	if (addr == 0) {
		if (vm_map_findspace(map, KS_USER_MIN, VK_MMAP_TOP, len,
		    &addr) != 0)
			return -ENOMEM;
	} else {
		if (addr + len < addr || addr < map->min || addr + len > map->max)
			return -EINVAL;
		if (!(flg & SHM_REMAP)) {
			struct vm_map_entry *e = vm_map_lookup(map, addr);

			if (e == NULL) {
				gva_t next;

				/* The first entry after addr, if any. */
				for (e = map->head.next; e != &map->head &&
				    e->end <= addr; e = e->next)
					;
				next = e == &map->head ? map->max : e->start;
				if (next < addr + len)
					return -EINVAL;
			} else {
				return -EINVAL;
			}
		}
	}
	/* maxprot: mprotect may add what the attach's access allows. */
	rc = vm_map_file(map, addr, len, prot, prot | KS_PROT_READ |
	    ((flg & SHM_RDONLY) ? 0 : KS_PROT_WRITE) | KS_PROT_EXEC,
	    VM_ENTRY_SHARED, addr != 0 && (flg & SHM_REMAP), s->obj, 0);
	if (rc != 0)
		return rc == -EEXIST ? -EINVAL : rc;
	s->lpid = p->tg->tgid;
	s->atime = time(NULL);
	*out = addr;
	return 0;
}

/* The segment whose object is obj, or NULL. */
static struct shmseg *
seg_of(const struct vm_object *obj)
{
	struct ipc_obj *o;
	int pos = 0;

	if (obj->release != seg_release)
		return NULL;
	for (; (o = ipc_next(IPC_SHM_K, &pos)) != NULL; pos++)
		if (((struct shmseg *)o)->obj == obj)
			return (struct shmseg *)o;
	return NULL;
}

int
ipc_shmdt(struct proc *p, uint64_t addr)
{
	struct vm_map *map = &p->vm->map;
	struct vm_map_entry *e, *n;
	struct vm_object *obj;
	struct shmseg *s;
	gva_t end;

	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if ((e = vm_map_lookup(map, addr)) == NULL || e->start != addr ||
	    e->offset != 0 || (s = seg_of(e->obj)) == NULL)
		return -EINVAL;
	obj = e->obj;
	end = addr + obj->npages * PAGE_SIZE;
	s->lpid = p->tg->tgid;
	s->dtime = time(NULL);
	/* Each piece of obj in [addr, end) that maps it where the attach
	 * put it: the address less its slot is addr. */
	for (; e != &map->head && e->start < end; e = n) {
		gva_t start = e->start, stop = e->end;

		n = e->next;
		if (e->obj != obj || start - e->offset * PAGE_SIZE != addr)
			continue;
		/* s may go with the last piece: nothing reads it after. */
		if (vm_map_remove(map, start, stop - start) != 0)
			return -ENOMEM;
		/* The list changed: go on from the first entry past stop. */
		for (n = map->head.next; n != &map->head && n->start < stop;
		    n = n->next)
			;
	}
	return 0;
}

struct shmid64_g {
	struct ipc64_perm_g perm;
	uint64_t segsz;
	int64_t atime, dtime, ctime;
	int32_t cpid, lpid;
	uint64_t nattch, unused4, unused5;
};

static long
shm_stat(struct proc *p, struct shmseg *s, uint64_t ubuf)
{
	struct shmid64_g g;

	memset(&g, 0, sizeof(g));
	ipc_perm_out(&s->o, &g.perm);
	g.segsz = s->size;
	g.atime = s->atime;
	g.dtime = s->dtime;
	g.ctime = s->o.ctime;
	g.cpid = s->cpid;
	g.lpid = s->lpid;
	g.nattch = s->obj->nshared;
	return copyout(p, ubuf, &g, sizeof(g)) != 0 ? -EFAULT : 0;
}

static long
shm_info(struct proc *p, int cmd, uint64_t ubuf)
{
	struct shminfo64_g {
		uint64_t shmmax, shmmin, shmmni, shmseg, shmall, unused[4];
	} si;
	struct shm_info_g {
		int32_t used_ids, pad;
		uint64_t shm_tot, shm_rss, shm_swp, swap_attempts,
		    swap_successes;
	} sh;
	struct ipc_obj *o;
	int pos = 0, max = ipc_maxidx(IPC_SHM_K);
	long rc;

	if (cmd == IPC_INFO) {
		memset(&si, 0, sizeof(si));
		si.shmmax = IPC_SHMMAX;
		si.shmmin = 1;
		si.shmmni = IPC_SHMMNI;
		si.shmseg = IPC_SHMMNI;
		si.shmall = IPC_SHMALL;
		rc = copyout(p, ubuf, &si, sizeof(si));
	} else {
		memset(&sh, 0, sizeof(sh));
		sh.used_ids = ipc_count(IPC_SHM_K);
		sh.shm_tot = shm_tot;
		for (; (o = ipc_next(IPC_SHM_K, &pos)) != NULL; pos++)
			sh.shm_rss += ((struct shmseg *)o)->obj->resident;
		rc = copyout(p, ubuf, &sh, sizeof(sh));
	}
	if (rc != 0)
		return -EFAULT;
	return max < 0 ? 0 : max;
}

long
ipc_shmctl(struct proc *p, int id, int cmd, uint64_t ubuf)
{
	struct shmid64_g g;
	struct shmseg *s;
	int err;
	long v;

	cmd = IPC_CMD(cmd);
	if (id < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SHM_INFO:
		return shm_info(p, cmd, ubuf);
	case SHM_STAT:
	case SHM_STAT_ANY:
		if ((s = (struct shmseg *)ipc_stat_index(p, IPC_SHM_K, id,
		    cmd == SHM_STAT_ANY, &err)) == NULL)
			return err;
		v = shm_stat(p, s, ubuf);
		return v < 0 ? v : s->o.id;
	}
	if (cmd == IPC_SET && copyin(p, &g, ubuf, sizeof(g)) != 0)
		return -EFAULT;
	if ((s = seg_find(id)) == NULL)
		return -EINVAL;
	switch (cmd) {
	case IPC_STAT:
	case IPC_SET:
	case IPC_RMID:
		if ((err = ipc_ctl_perm(p, &s->o, cmd)) != 0)
			return err;
		if (cmd == IPC_STAT)
			return shm_stat(p, s, ubuf);
		if (cmd == IPC_SET)
			ipc_set(&s->o, g.perm.uid, g.perm.gid, g.perm.mode);
		else
			seg_destroy(&s->o);
		return 0;
	case SHM_LOCK:
	case SHM_UNLOCK:
		if (!ipc_owner_ok(p, &s->o) &&
		    !cred_capable(&p->cred, 14 /* CAP_IPC_LOCK */))
			return -EPERM;
		if (cmd == SHM_LOCK)
			s->o.mode |= SHM_LOCKED;
		else
			s->o.mode &= ~(unsigned)SHM_LOCKED;
		return 0;
	}
	return -EINVAL;
}

void
ipc_shm_info(const struct ipc_obj *o, struct ipc_shm_stat *st)
{
	const struct shmseg *s = (const struct shmseg *)o;

	st->size = s->size;
	st->nattch = s->obj->nshared;
	st->rss = s->obj->resident * PAGE_SIZE;
	st->cpid = s->cpid;
	st->lpid = s->lpid;
	st->atime = s->atime;
	st->dtime = s->dtime;
}

/* No address space is left, so each goes at once. */
void
ipc_shm_fini(void)
{
	ipc_each(IPC_SHM_K, seg_destroy);
}
