/* proc.c: guest processes: the table, address spaces, fork's copy, the FPU state, exit and reaping. */

/*
 * A task lives in the table from fork or clone (or pid 1's start) until it
 * is freed: a thread as soon as its task is done, a process's leader once
 * its parent reaps it.  A process (struct tgroup) has one or more tasks;
 * when each task ends (exit, exit_group, a fatal signal), proc_teardown
 * gives back at once what the task held: its robust futexes and
 * clear_tid word, its reference to the address space (on sw the space's
 * stub process is killed and reaped with the last one), its descriptor
 * table reference.  When the last task of a process goes, the process
 * ends: it becomes a zombie (its leader's entry), its children go to pid
 * 1, and its parent gets exit_signal (SIGCHLD) and a wakeup.  A parent
 * that ignores SIGCHLD (SIG_IGN or SA_NOCLDWAIT) never sees zombies: they
 * are freed at once, as on Linux.  When pid 1 ends, every other process is
 * killed (SIGKILL) and the vkernel exits with pid 1's status once all
 * tasks are done.
 */

#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "futex.h"
#include "ipc.h"
#include "kmem.h"
#include "pidfd.h"
#include "vfs.h"

static struct proc *allproc;
static int nprocs;
static int init_status;          /* pid 1's wait status once it ended */
static pid_t lastpid;
static pid_t pid_max = 32768;    /* pids run below it (proc_limits_init) */
static void *fpu_start;          /* the vCPU's FPU state at start-up */
static struct proc *fpu_owner[VK_MAXCPU]; /* whose FPU state each vCPU holds */

/* ---- the table ---- */

struct proc *
proc_first(void)
{
	return allproc;
}

/* Whether group pgid of session sid is orphaned, or becomes so once
 * ignored (a leader, or NULL) is gone: no live member but ignored has a
 * parent in another group of the same session (POSIX; Linux's
 * will_become_orphaned_pgrp, pid 1 a parent like any other, as in a pid
 * namespace). */
bool
proc_pgrp_orphaned(pid_t pgid, pid_t sid, const struct proc *ignored)
{
	struct proc *q, *par;

	for (q = allproc; q != NULL; q = q->all_next) {
		if (q != q->tg->leader || q->zombie || q == ignored ||
		    q->tg->pgid != pgid)
			continue;
		par = q->parent;
		if (par != NULL && par != ignored && !par->zombie &&
		    par->tg->pgid != pgid && par->tg->sid == sid)
			return false;
	}
	return true;
}

/* SIGHUP then SIGCONT to group pgid when it has a stopped process (its
 * becoming orphaned; POSIX 3.2.2.2, Linux's kill_orphaned_pgrp). */
static void
orphaned_hup(pid_t pgid)
{
	siginfo_t si = { .si_code = SI_KERNEL };
	struct proc *q;
	bool stopped = false;

	for (q = allproc; q != NULL; q = q->all_next)
		if (q == q->tg->leader && !q->zombie && q->tg->pgid == pgid &&
		    q->tg->stopped)
			stopped = true;
	if (!stopped)
		return;
	for (q = allproc; q != NULL; q = q->all_next)
		if (q == q->tg->leader && !q->zombie && q->tg->pgid == pgid) {
			sig_post(q, SIGHUP, &si);
			sig_post(q, SIGCONT, &si);
		}
}

int
proc_count(void)
{
	return nprocs;
}

/* A torn-down thread other than a leader is only waiting to be freed;
 * a leader stays its process's until the process ends. */
struct proc *
proc_find(pid_t pid)
{
	struct proc *p;

	for (p = allproc; p != NULL; p = p->all_next)
		if (p->pid == pid && !p->zombie &&
		    !(p->torn_down && p != p->tg->leader))
			return p;
	return NULL;
}

int
proc_init_status(void)
{
	return init_status;
}

/* A pid no process, group or session uses, as Linux's alloc_pid cycles. */
static bool
pid_used(pid_t pid)
{
	struct proc *p;

	for (p = allproc; p != NULL; p = p->all_next)
		if (p->pid == pid || (p->tg != NULL &&
		    (p->tg->pgid == pid || p->tg->sid == pid)))
			return true;
	return false;
}

/* A pid no process, group or session uses, or 0 when every one below
 * pid_max is taken (the budget runs out long before). */
static pid_t
pid_alloc(void)
{
	pid_t tries;

	for (tries = 1; tries < pid_max; tries++) {
		lastpid = lastpid >= pid_max - 1 ? 2 : lastpid + 1;
		if (!pid_used(lastpid))
			return lastpid;
	}
	return 0;
}

/* pid 1's resource limits; fork copies a process's, prlimit changes
 * them (syscall.c).  RLIMIT_NPROC is the host's (proc_limits_init). */
static struct rlimit rlim_init[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_FSIZE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_DATA] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_STACK] = { VK_STACK_SIZE, RLIM_INFINITY },
	[RLIMIT_CORE] = { 0, RLIM_INFINITY },
	[RLIMIT_RSS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NPROC] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NOFILE] = { 1024, 4096 },
	[RLIMIT_MEMLOCK] = { 8 << 20, 8 << 20 },
	[RLIMIT_AS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_LOCKS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_SIGPENDING] = { 4096, 4096 },
	[RLIMIT_MSGQUEUE] = { 819200, 819200 },
	[RLIMIT_NICE] = { 0, 0 },
	[RLIMIT_RTPRIO] = { 0, 0 },
	[RLIMIT_RTTIME] = { RLIM_INFINITY, RLIM_INFINITY },
};

void
proc_limits_init(void)
{
	struct rlimit nproc;
	long max = 0;
	FILE *fp;

	if ((fp = fopen("/proc/sys/kernel/pid_max", "r")) != NULL) {
		if (fscanf(fp, "%ld", &max) == 1 && max >= 301 &&
		    max <= (1L << 22))
			pid_max = (pid_t)max;
		fclose(fp);
	}
	if (getrlimit(RLIMIT_NPROC, &nproc) == 0)
		rlim_init[RLIMIT_NPROC] = nproc;
}

/* RLIMIT_NPROC as Linux's copy_process checks it: the processes of the
 * parent's real user, zombies included, against the parent's soft limit;
 * -EAGAIN past it.  Root and a parent with CAP_SYS_RESOURCE or
 * CAP_SYS_ADMIN are exempt. */
static int
proc_nproc_check(struct proc *parent)
{
	uint64_t lim = parent->tg->rlim[RLIMIT_NPROC].rlim_cur, n = 0;
	uid_t uid = parent->cred.ruid;
	struct proc *q;

	if (lim == RLIM_INFINITY || uid == 0 ||
	    cred_capable(&parent->cred, CAP_SYS_RESOURCE) ||
	    cred_capable(&parent->cred, CAP_SYS_ADMIN))
		return 0;
	for (q = allproc; q != NULL; q = q->all_next)
		if (q->cred.ruid == uid)
			n++;
	return n >= lim ? -EAGAIN : 0;
}

/* The guest kernel memory a process holds: its table entry from fork to
 * reaping, and while its task runs its stack (sched.c charges that) and
 * its FPU state. */
#define PROC_CHARGE sizeof(struct proc)

/*
 * A zeroed process in the table with a fresh pid: NULL with *errp
 * -EAGAIN when the kernel memory budget cannot hold one more (Linux's
 * threads-max) or no pid is free.
 */
static struct proc *
proc_alloc(int *errp)
{
	struct proc *p;
	pid_t pid = nprocs == 0 && lastpid == 0 ? (lastpid = 1) : pid_alloc();

	if (pid == 0 || (p = kmem_alloc(PROC_CHARGE)) == NULL) {
		*errp = -EAGAIN;
		return NULL;
	}
	p->pid = pid;
	p->exit_signal = SIGCHLD;
	p->all_next = allproc;
	allproc = p;
	nprocs++;
	vk_totals.procs++;
	sig_proc_init(p);
	return p;
}

static void proc_fpu_free(struct proc *p);

/*
 * A new process (struct tgroup) led by leader: from NULL (pid 1's, filled
 * by the caller) or with from's group, session, program path, directory,
 * umask, limits and signal actions (fork); nothing pending, no timer.
 * Charged to the kernel memory budget; NULL past it.
 */
static struct tgroup *
tgroup_new(const struct tgroup *from, struct proc *leader)
{
	struct tgroup *tg = kmem_alloc(sizeof(*tg));

	if (tg == NULL)
		return NULL;
	if (from != NULL) {
		tg->pgid = from->pgid;
		tg->sid = from->sid;
		memcpy(tg->exe, from->exe, sizeof(tg->exe));
		memcpy(tg->cwd, from->cwd, sizeof(tg->cwd));
		tg->umask = from->umask;
		memcpy(tg->rlim, from->rlim, sizeof(tg->rlim));
		memcpy(tg->sigacts, from->sigacts, sizeof(tg->sigacts));
	}
	tg->refs = 1;
	tg->tgid = leader->pid;
	tg->leader = leader;
	tg->threads = leader;
	tg->nlive = 1;
	leader->tg = tg;
	leader->tg_next = NULL;
	return tg;
}

/* t becomes a task of tg (a thread). */
static void
tgroup_join(struct tgroup *tg, struct proc *t)
{
	tg->refs++;
	tg->nlive++;
	t->tg = tg;
	t->tg_next = tg->threads;
	tg->threads = t;
}

/* p leaves its process (it is being freed): the process goes with the
 * last task that refers to it. */
static void
tgroup_leave(struct proc *p)
{
	struct tgroup *tg = p->tg;
	struct proc **pp;

	if (tg == NULL)
		return;
	for (pp = &tg->threads; *pp != NULL; pp = &(*pp)->tg_next)
		if (*pp == p) {
			*pp = p->tg_next;
			break;
		}
	if (!p->torn_down)
		tg->nlive--;
	if (tg->leader == p)
		tg->leader = NULL;
	p->tg = NULL;
	if (--tg->refs == 0)
		kmem_free(tg, sizeof(*tg));
}

/* Takes a reaped (or never started) process out of the table, with
 * whatever it still holds. */
static void
proc_free(struct proc *p)
{
	struct proc **pp;

	fdtab_free(p->fds);
	proc_vm_drop(p);
	cred_fini(&p->cred);
	pidref_gone(p);
	tgroup_leave(p);
	proc_fpu_free(p);
	for (pp = &allproc; *pp != NULL; pp = &(*pp)->all_next)
		if (*pp == p) {
			*pp = p->all_next;
			break;
		}
	nprocs--;
	kmem_free(p, PROC_CHARGE);
}

/* ---- address spaces ---- */

/* Every address space, for the page cache's reclaim of mapped pages. */
static struct vmspace *vmspaces;

/* vm_file_set_unmapper's function: file pages (of fobj from slot first
 * on; NULL: of every file) out of every map. */
static void
unmap_file_pages(struct vm_object *fobj, size_t first)
{
	struct vmspace *vm;

	for (vm = vmspaces; vm != NULL; vm = vm->next)
		vm_map_unmap_file(&vm->map, fobj, first);
}

bool
proc_file_maps_writable(const struct vm_object *fobj)
{
	struct vmspace *vm;

	for (vm = vmspaces; vm != NULL; vm = vm->next)
		if (vm_map_maps_writable(&vm->map, fobj))
			return true;
	return false;
}

/* What an address space is charged to the kernel memory budget: its
 * struct, its pmap's, and its host side's (on sw the space's queues, the
 * first page of its control page and its record of host mappings; the
 * records past a handful are bounded by the soft backend itself). */
#define VMSPACE_CHARGE (16u << 10)

/* What fork needs from the budget at least: the table entry, the task's
 * stack, an address space, and a little for the descriptor table; and a
 * thread: its entry and stack. */
#define FORK_CHARGE (PROC_CHARGE + sizeof(struct tgroup) + \
    VK_KSTACK_CHARGE + VMSPACE_CHARGE + (4u << 10))
#define THREAD_CHARGE (PROC_CHARGE + VK_KSTACK_CHARGE)

int
vmspace_new(struct ks *ks, struct vmspace **vmp)
{
	struct vmspace *vm;
	int rc;

	if (!kmem_charge(VMSPACE_CHARGE))
		return -ENOMEM;
	if ((vm = calloc(1, sizeof(*vm))) == NULL) {
		kmem_uncharge(VMSPACE_CHARGE);
		return -ENOMEM;
	}
	/* The PML4 comes first so its gpa can be the space's CR3. */
	if ((vm->pmap = pmap_create(NULL)) == NULL) {
		free(vm);
		kmem_uncharge(VMSPACE_CHARGE);
		return -ENOMEM;
	}
	if ((rc = vk.ops->space_create(ks, pmap_cr3(vm->pmap),
	    &vm->space)) != 0) {
		pmap_destroy(vm->pmap);
		free(vm);
		kmem_uncharge(VMSPACE_CHARGE);
		return rc;
	}
	pmap_set_space(vm->pmap, vm->space);
	vm_map_init(&vm->map, vm->pmap, KS_USER_MIN, KS_USER_MAX);
	vm->refs = 1;
	vm->next = vmspaces;
	vmspaces = vm;
	vm_file_set_unmapper(unmap_file_pages);
	*vmp = vm;
	return 0;
}

struct vmspace *
vmspace_ref(struct vmspace *vm)
{
	vm->refs++;
	return vm;
}

/*
 * The host side goes first: the space (on sw, its stub process) is killed
 * and reaped before the map is torn down, so teardown never waits on a
 * guest, whatever state it left its side in.
 */
void
vmspace_unref(struct vmspace *vm)
{
	struct vmspace **pp;

	if (vm == NULL || --vm->refs > 0)
		return;
	for (pp = &vmspaces; *pp != NULL; pp = &(*pp)->next)
		if (*pp == vm) {
			*pp = vm->next;
			break;
		}
	((struct ks_space_hdr *)vm->space)->ops->space_destroy(vm->space);
	pmap_set_space(vm->pmap, NULL);
	vm_map_fini(&vm->map);
	pmap_destroy(vm->pmap);
	free(vm);
	kmem_uncharge(VMSPACE_CHARGE);
}

/* A guest thread's way into vm's space (kshim.h): 0, -EAGAIN (the
 * backend runs no more threads there) or -ENOMEM. */
int
vmspace_thread(struct vmspace *vm, struct ks_thread **thp)
{
	return ((struct ks_space_hdr *)vm->space)->ops->thread_create(
	    vm->space, thp);
}

/* p leaves its address space: its thread there first, then its reference. */
void
proc_vm_drop(struct proc *p)
{
	if (p->kth != NULL)
		((struct ks_thread_hdr *)p->kth)->ops->thread_destroy(p->kth);
	p->kth = NULL;
	vmspace_unref(p->vm);
	p->vm = NULL;
}

/* ---- CPU time ---- */

/* What the host spent running task p: its stub thread's time where the
 * backend has a clock per thread, else its time on the vCPU thread. */
static uint64_t
task_ns(struct proc *p)
{
	struct timespec ts;

	if (p->torn_down)
		return 0;
	if (vk.ops->cputime == NULL || p->kth == NULL)
		return sched_cputime(p);
	if (vk.ops->cputime(p->kth, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t
proc_cputime(struct proc *p, bool thread)
{
	struct proc *t;
	uint64_t ns;

	if (thread)
		return task_ns(p);
	ns = p->tg->dead_cpu_ns;
	for (t = p->tg->threads; t != NULL; t = t->tg_next)
		ns += task_ns(t);
	return ns;
}

/* ---- the FPU state, where one vCPU's is shared by every task ---- */


int
proc_fpu_init(struct ks *ks)
{
	if (vk.ops->fpu_save == NULL)
		return 0;
	if ((fpu_start = calloc(1, vk.ops->fpu_size)) == NULL)
		return -ENOMEM;
	return vk.ops->fpu_save(ks, 0, fpu_start);
}

/* The vCPU that holds p's FPU state, or -1. */
static int
fpu_cpu(const struct proc *p)
{
	int i;

	for (i = 0; i < vk.ncpus; i++)
		if (fpu_owner[i] == p)
			return i;
	return -1;
}

/* p's FPU buffer goes (its task ended, or it leaves the table). */
static void
proc_fpu_free(struct proc *p)
{
	int cpu = fpu_cpu(p);

	if (cpu >= 0)
		fpu_owner[cpu] = NULL;
	if (p->fpu != NULL)
		kmem_free(p->fpu, vk.ops->fpu_size);
	p->fpu = NULL;
}

int
proc_fpu_reset(struct proc *p)
{
	int cpu;

	if (fpu_start == NULL)
		return 0;
	if (p->fpu == NULL && (p->fpu = kmem_alloc(vk.ops->fpu_size)) == NULL)
		return -ENOMEM;
	memcpy(p->fpu, fpu_start, vk.ops->fpu_size);
	if ((cpu = fpu_cpu(p)) >= 0)
		fpu_owner[cpu] = NULL; /* load it again before p runs */
	return 0;
}

/* p's FPU state into its buffer, if a vCPU holds it: that vCPU runs no
 * task but p, or it would have saved it, so it is idle or in the vkernel
 * and may be read from here. */
static int
fpu_fetch(struct proc *p)
{
	int cpu = fpu_cpu(p), rc;

	if (cpu < 0)
		return 0;
	if ((rc = vk.ops->fpu_save(p->ks, cpu, p->fpu)) != 0)
		return rc;
	fpu_owner[cpu] = NULL;
	return 0;
}

int
proc_fpu_switch(struct proc *p)
{
	int me = sched_cpu(), rc;

	if (fpu_start == NULL || fpu_owner[me] == p)
		return 0;
	if (fpu_owner[me] != NULL &&
	    (rc = vk.ops->fpu_save(p->ks, me, fpu_owner[me]->fpu)) != 0)
		return rc;
	fpu_owner[me] = NULL;
	/* It ran on another vCPU last, which still holds its state. */
	if ((rc = fpu_fetch(p)) != 0)
		return rc;
	if ((rc = vk.ops->fpu_load(p->ks, me, p->fpu)) != 0)
		return rc;
	fpu_owner[me] = p;
	return 0;
}

/* fork: the child starts with the parent's state as it is now. */
static int
proc_fpu_fork(struct proc *c, struct proc *parent)
{
	int rc;

	if (fpu_start == NULL)
		return 0;
	if ((c->fpu = kmem_alloc(vk.ops->fpu_size)) == NULL)
		return -EAGAIN;
	if ((rc = fpu_fetch(parent)) != 0)
		return rc;
	memcpy(c->fpu, parent->fpu, vk.ops->fpu_size);
	return 0;
}

/* ---- creation ---- */

/* pid 1's descriptors 0, 1 and 2: the vkernel's own streams. */
static int
proc_stdio(struct proc *p)
{
	struct file *f;
	int fd;

	if ((p->fds = fdtab_new()) == NULL)
		return -ENOMEM;
	for (fd = 0; fd < 3; fd++) {
		if ((f = file_host(fd)) == NULL)
			continue; /* closed in the vkernel: closed in the guest */
		if (fdtab_install(p->fds, fd, f, false) != 0) {
			file_unref(f);
			return -ENOMEM;
		}
	}
	return 0;
}

int
proc_create_init(struct proc **pp, struct ks *ks, const char *comm)
{
	struct proc *p;
	int rc;

	if ((p = proc_alloc(&rc)) == NULL)
		return rc;
	if (tgroup_new(NULL, p) == NULL) {
		proc_free(p);
		return -ENOMEM;
	}
	p->tg->pgid = p->tg->sid = p->pid;
	memcpy(p->tg->rlim, rlim_init, sizeof(p->tg->rlim));
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	vfs_initial_cwd(p->tg->cwd, sizeof(p->tg->cwd));
	p->tg->umask = vfs_umask();
	p->ks = ks;
	if ((rc = cred_init_host(&p->cred)) != 0 ||
	    (rc = proc_stdio(p)) != 0 || (rc = vmspace_new(ks, &p->vm)) != 0 ||
	    (rc = vmspace_thread(p->vm, &p->kth)) != 0 ||
	    (rc = proc_fpu_reset(p)) != 0) {
		proc_free(p);
		return rc;
	}
	*pp = p;
	return 0;
}

/*
 * What a new task, process or thread, takes from the parent task: its
 * name, credentials, shim, frame (rax 0: clone returns 0 in the child),
 * FPU state and descriptor table (shared or copied).  0 or -ENOMEM.
 */
static int
task_copy(struct proc *c, struct proc *parent, bool share_files)
{
	int rc;

	memcpy(c->comm, parent->comm, sizeof(c->comm));
	cred_copy(&c->cred, &parent->cred);
	c->ks = parent->ks;
	c->frame = parent->frame;
	c->frame.rax = 0;
	if ((rc = proc_fpu_fork(c, parent)) != 0)
		return rc;
	c->fds = share_files ? fdtab_share(parent->fds) :
	    fdtab_copy(parent->fds);
	return c->fds == NULL ? -ENOMEM : 0;
}

/*
 * fork and vfork (clone without CLONE_THREAD): a child process with a copy
 * (or, with share_vm, the same) address space, a copy of the descriptor
 * table (or, with share_files, the same), the signal actions and mask, the
 * credentials (cred_copy: the groups by reference) and the directory; its
 * frame is the parent's with rax 0.  Its parent is the calling thread's
 * process (its leader), and it has one thread.  It is runnable
 * (sched_add).  *errp: -EAGAIN (RLIMIT_NPROC, no pid, the kernel memory
 * budget), -ENOMEM.
 */
struct proc *
proc_fork(struct proc *parent, bool share_vm, bool share_files, int *errp)
{
	struct proc *c, *pl = parent->tg->leader;
	int rc;

	/* Linux's threads-max: EAGAIN when the budget cannot hold what a
	 * process needs (smaller failures further on are ENOMEM). */
	if (kmem_avail() < FORK_CHARGE) {
		*errp = -EAGAIN;
		return NULL;
	}
	if ((rc = proc_nproc_check(parent)) != 0 ||
	    (c = proc_alloc(&rc)) == NULL) {
		*errp = rc;
		return NULL;
	}
	if (tgroup_new(parent->tg, c) == NULL) {
		rc = -EAGAIN;
		goto fail;
	}
	sig_fork(c, parent);
	if ((rc = task_copy(c, parent, share_files)) != 0)
		goto fail;
	if (share_vm) {
		c->vm = vmspace_ref(parent->vm);
		if ((rc = vmspace_thread(c->vm, &c->kth)) != 0)
			goto fail;
	} else {
		/* A host that cannot start one more space: EAGAIN, as
		 * Linux's fork says for a resource it is out of. */
		if ((rc = vmspace_new(c->ks, &c->vm)) != 0) {
			rc = rc == -ENOMEM ? rc : -EAGAIN;
			goto fail;
		}
		if ((rc = vm_map_fork(&c->vm->map, &parent->vm->map)) != 0)
			goto fail;
		c->vm->brk_base = parent->vm->brk_base;
		c->vm->brk_end = parent->vm->brk_end;
		c->vm->arg_start = parent->vm->arg_start;
		c->vm->arg_end = parent->vm->arg_end;
		c->vm->env_start = parent->vm->env_start;
		c->vm->env_end = parent->vm->env_end;
		if ((rc = vmspace_thread(c->vm, &c->kth)) != 0) {
			rc = rc == -ENOMEM ? rc : -EAGAIN;
			goto fail;
		}
	}
	if ((rc = sched_add(c)) != 0)
		goto fail;
	c->parent = pl;
	c->sibling = pl->children;
	pl->children = c;
	return c;
fail:
	proc_free(c);
	*errp = rc;
	return NULL;
}

/*
 * clone with CLONE_THREAD: a new task of parent's process, on the same
 * address space, with the descriptor table shared (share_files) or
 * copied, the signal mask, no alternate stack (as Linux's clone with
 * CLONE_VM), the credentials and the frame with rax 0.  Runnable.  *errp:
 * -EAGAIN (RLIMIT_NPROC, no pid, the kernel memory budget, no more threads
 * in the space), -ENOMEM.
 */
struct proc *
proc_thread(struct proc *parent, bool share_files, int *errp)
{
	struct proc *c;
	int rc;

	if (kmem_avail() < THREAD_CHARGE) {
		*errp = -EAGAIN;
		return NULL;
	}
	if ((rc = proc_nproc_check(parent)) != 0 ||
	    (c = proc_alloc(&rc)) == NULL) {
		*errp = rc;
		return NULL;
	}
	tgroup_join(parent->tg, c);
	vk_totals.procs--;
	vk_totals.threads++;
	c->exit_signal = -1;
	sig_thread(c, parent);
	if ((rc = task_copy(c, parent, share_files)) != 0)
		goto fail;
	c->vm = vmspace_ref(parent->vm);
	if ((rc = vmspace_thread(c->vm, &c->kth)) != 0) {
		rc = rc == -ENOMEM ? rc : -EAGAIN;
		goto fail;
	}
	if ((rc = sched_add(c)) != 0)
		goto fail;
	return c;
fail:
	proc_free(c);
	*errp = rc;
	return NULL;
}

/* The tasks of p's process other than p that have not ended yet. */
static int
tgroup_others(const struct proc *p)
{
	return p->tg->nlive - (p->torn_down ? 0 : 1);
}

/*
 * execve in a process with other threads (Linux's de_thread): they are
 * killed and waited for, and the caller takes the leader's place (its pid,
 * family and status) if it was not the leader.  0, or -EINTR when p was
 * killed meanwhile (its process is ending anyway).
 */
int
proc_exec_alone(struct proc *p)
{
	struct tgroup *tg = p->tg;
	struct proc *t, *l = tg->leader;
	siginfo_t si = { .si_signo = SIGKILL, .si_code = SI_KERNEL };
	pid_t tid;

	if (tgroup_others(p) == 0 && l == p)
		return 0;
	for (t = tg->threads; t != NULL; t = t->tg_next)
		if (t != p && !t->torn_down)
			proc_kill_thread(t, &si);
	while (tgroup_others(p) > 0) {
		if (p->exited || (p->sig.pending & SIGBIT(SIGKILL)))
			return -EINTR;
		(void)proc_sleep(p, &tg->threadq, NULL, 0, NULL);
	}
	if (l == p)
		return 0;
	/* p becomes the leader: the old leader's entry (torn down, its task
	 * done or about to be) gives p its pid and family, and takes p's
	 * tid, to be freed as a thread. */
	tid = p->pid;
	p->pid = l->pid;
	l->pid = tid;
	p->parent = l->parent;
	p->children = l->children;
	p->sibling = l->sibling;
	p->exit_signal = l->exit_signal;
	p->did_exec = l->did_exec;
	p->status = l->status;
	pidref_move(l, p);
	l->parent = NULL;
	l->children = NULL;
	l->exit_signal = -1;
	if (p->parent != NULL) {
		struct proc **pp;

		for (pp = &p->parent->children; *pp != NULL;
		    pp = &(*pp)->sibling)
			if (*pp == l) {
				*pp = p;
				break;
			}
	}
	for (t = p->children; t != NULL; t = t->sibling)
		t->parent = p;
	tg->leader = p;
	tg->tgid = p->pid;
	if (l->state == TASK_DONE)
		proc_free(l);
	return 0;
}

void
proc_vfork_release(struct proc *p)
{
	if (p->vforker == NULL)
		return;
	p->vforker->vfork_done = true;
	proc_wake(p->vforker);
	p->vforker = NULL;
}

/* ---- the end ---- */

/* The parent learns that process l (its leader) ended: SIGCHLD (its
 * exit_signal) with Linux's siginfo. */
static void
proc_notify_parent(struct proc *l)
{
	struct proc *pp = l->parent;
	siginfo_t si;

	if (pp == NULL)
		return;
	memset(&si, 0, sizeof(si));
	si.si_pid = l->pid;
	si.si_uid = l->cred.ruid;
	if ((l->status & 0x7f) == 0) {
		si.si_code = CLD_EXITED;
		si.si_status = (l->status >> 8) & 0xff;
	} else {
		si.si_code = CLD_KILLED;
		si.si_status = l->status & 0x7f;
	}
	if (l->exit_signal > 0)
		sig_post(pp, l->exit_signal, &si);
	waitq_wakeup(&pp->childq);
}

/* A parent that ignores SIGCHLD has its children reaped for it. */
static bool
proc_autoreap(const struct proc *l)
{
	const struct proc *pp = l->parent;

	return pp != NULL && l->exit_signal == SIGCHLD &&
	    (pp->tg->sigacts[SIGCHLD].handler == 1 /* SIG_IGN */ ||
	    (pp->tg->sigacts[SIGCHLD].flags & SA_NOCLDWAIT));
}

/* Unlinks l from its parent's children. */
static void
proc_unlink_child(struct proc *l)
{
	struct proc **pp;

	if (l->parent == NULL)
		return;
	for (pp = &l->parent->children; *pp != NULL; pp = &(*pp)->sibling)
		if (*pp == l) {
			*pp = l->sibling;
			break;
		}
	l->parent = NULL;
}

/* The zombie leader l, whose task is done: freed now if no one will wait
 * for it (reaped already, an orphan, or a parent that ignores SIGCHLD). */
static void
proc_release(struct proc *l)
{
	if (l->reaped || (l->pid != 1 && l->parent == NULL) ||
	    proc_autoreap(l)) {
		proc_unlink_child(l);
		proc_free(l);
	}
}

/* The process of leader l ended (its last task was torn down): it is a
 * zombie, its children go to pid 1, its parent hears of it. */
static void
proc_end(struct proc *l)
{
	struct proc *init = proc_find(1), *c, *next, *par = l->parent;

	/* l's own group may be orphaned by its end: l was its last link to
	 * another group of the session. */
	if (par != NULL && par->tg->pgid != l->tg->pgid &&
	    par->tg->sid == l->tg->sid &&
	    proc_pgrp_orphaned(l->tg->pgid, l->tg->sid, l))
		orphaned_hup(l->tg->pgid);
	if (l->pid == 1) {
		/* The first program ended: so does everything else. */
		init_status = l->status;
		for (c = allproc; c != NULL; c = c->all_next)
			if (c->tg != l->tg && !c->zombie && !c->torn_down) {
				siginfo_t si = { .si_code = SI_KERNEL };

				sig_post(c, SIGKILL, &si);
			}
	}
	for (c = l->children; c != NULL; c = next) {
		next = c->sibling;
		if (c->vforker != NULL && c->vforker->tg == l->tg)
			c->vforker = NULL; /* a vfork parent killed while it waited */
		c->parent = l->pid == 1 || init == NULL ? NULL : init;
		/* As Linux's reparent_leader: whatever signal the dead
		 * parent asked for, the new one hears SIGCHLD ("we don't
		 * want people slaying init"). */
		c->exit_signal = SIGCHLD;
		if (c->parent != NULL) {
			c->sibling = init->children;
			init->children = c;
			if (c->zombie)
				proc_notify_parent(c);
		} else {
			c->sibling = NULL;
		}
		/* A child's group may be orphaned by l's end. */
		if (c->tg->pgid != l->tg->pgid && c->tg->sid == l->tg->sid &&
		    proc_pgrp_orphaned(c->tg->pgid, c->tg->sid, l))
			orphaned_hup(c->tg->pgid);
	}
	l->children = NULL;
	l->tg->jobctl = 0;
	l->tg->it_next = 0;
	l->zombie = true;
	pidref_exited(l);
	proc_notify_parent(l);
}

void
proc_teardown(struct proc *p)
{
	struct tgroup *tg = p->tg;
	struct proc *l = tg->leader;

	futex_exit(p); /* clear_tid and the robust list, while p->vm is */
	proc_vfork_release(p);
	sig_proc_fini(p);
	tg->dead_cpu_ns += proc_cputime(p, true);
	proc_fpu_free(p);
	fdtab_free(p->fds);
	p->fds = NULL;
	proc_vm_drop(p);
	vk_totals.nsyscalls += p->nsyscalls;
	vk_totals.nfaults += p->nfaults;
	vk_totals.nhostcalls += p->nhostcalls;
	vk_totals.nenosys += p->nenosys;
	p->torn_down = true;
	tg->nlive--;
	waitq_wakeup(&tg->threadq);
	if (tg->nlive > 0)
		return;
	/* The last task of the process: its SEM_UNDO adjustments are
	 * applied; it ends, with the group's status (exit_group, a fatal
	 * signal) or else its leader's own. */
	ipc_sem_exit(tg);
	if (tg->exiting)
		l->status = tg->exit_status;
	proc_end(l);
	if (l != p && l->state == TASK_DONE)
		proc_release(l);
}

void
proc_reap(struct proc *l)
{
	proc_unlink_child(l);
	if (l->state == TASK_DONE)
		proc_free(l);
	else
		l->reaped = true;
}

/* Called by the scheduler once p's task is done (its stack is gone): a
 * thread is freed, a leader once its process has ended and no one will
 * wait for it. */
void
proc_task_done(struct proc *p)
{
	if (p != p->tg->leader)
		proc_free(p);
	else if (p->zombie)
		proc_release(p);
}

void
proc_table_fini(void)
{
	while (allproc != NULL)
		proc_free(allproc);
}
