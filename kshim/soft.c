/* soft.c: the soft kshim backend: one host stub process per guest address space. */

/*
 * DragonFly's vmspace_create / vmspace_ctl(RUN) / vmspace_mmap /
 * mcontrol(MADV_INVAL), played on Linux:
 *
 *   space_create  fork a stub process, strip it to the stub area, contain it
 *                 (Syscall User Dispatch + two seccomp filters: one that
 *                 hands every mapping call and the gate to the vkernel as a
 *                 user notification, and a libseccomp allow-list)
 *   map/unmap/protect  queue mmap(MAP_FIXED|MAP_SHARED) of the memory image,
 *                 munmap, mprotect in the vkernel's own queue
 *   thread_create a slot of the stub for a guest thread, and a host thread
 *                 in it (the stub's control thread clones it)
 *   run           answer the gate of the thread's host thread with the
 *                 frame and the queue; it applies the queue and resumes the
 *                 guest until the next trap, which it reports by entering
 *                 the gate again
 *
 * Trust (see soft_abi.h): the guest shares the stub's process, so the
 * control page and the stub's code are the guest's to abuse.  The vkernel
 * keeps the queue, the batch in flight and the record of host mappings
 * (soft_hostmap.c) in its own memory; it reads a thread's slot only while
 * it holds that thread's gate notification (the thread is stopped then);
 * it lets a mapping call run only if it is the next op it sent; and after
 * each batch it asks the host whether the unmaps and protection changes
 * took effect.  A stub that breaks the protocol is killed and reaped, and
 * the guest with it.  A batch the host did not carry out (vm.max_map_count,
 * say) costs only the stub: it is killed and reaped before any page is
 * freed, and replaced by an empty one; the guest refaults what it uses.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <asm/prctl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "soft_abi.h"
#include "soft_hostmap.h"

#include "soft_int.h"

/* The stub's code, linked into the vkernel in its own section. */
extern const char __start_vkstub[], __stop_vkstub[];

/* ---- filters ---- */

/* Exports a libseccomp filter as BPF into *prog. */
static int
soft_export(scmp_filter_ctx f, struct sock_fprog *prog)
{
	int fd, rc = -1;
	off_t len;

	if ((fd = memfd_create("vkernel-bpf", MFD_CLOEXEC)) < 0)
		return -1;
	if (seccomp_export_bpf(f, fd) == 0 &&
	    (len = lseek(fd, 0, SEEK_END)) > 0 &&
	    (prog->filter = malloc(len)) != NULL &&
	    pread(fd, prog->filter, len, 0) == len) {
		prog->len = len / sizeof(struct sock_filter);
		rc = 0;
	}
	close(fd);
	return rc;
}

/*
 * Filter 1 (installed first, with the listener): the three mapping calls
 * and the gate become user notifications; the rest falls to filter 2.
 * Filter 2: the stub's allow-list, default kill.  The kernel takes the
 * stricter answer of the two, so a notified call must pass both.
 */
static int
soft_build_filters(struct ks *ks, char *why, size_t whylen)
{
	scmp_filter_ctx n, f;
	int rc = 0;

	n = seccomp_init(SCMP_ACT_ALLOW);
	f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (n == NULL || f == NULL) {
		snprintf(why, whylen, "seccomp_init failed");
		rc = -1;
		goto out;
	}
	rc |= seccomp_rule_add(n, SCMP_ACT_NOTIFY, SCMP_SYS(mmap), 0);
	rc |= seccomp_rule_add(n, SCMP_ACT_NOTIFY, SCMP_SYS(munmap), 0);
	rc |= seccomp_rule_add(n, SCMP_ACT_NOTIFY, SCMP_SYS(mprotect), 0);
	rc |= seccomp_rule_add(n, SCMP_ACT_NOTIFY, STUB_GATE_NR, 0);
	rc |= seccomp_rule_add(n, SCMP_ACT_NOTIFY, SCMP_SYS(clone), 0);

	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 2,
	    SCMP_A3(SCMP_CMP_MASKED_EQ, 0xffffffff, MAP_SHARED | MAP_FIXED),
	    SCMP_A4(SCMP_CMP_MASKED_EQ, 0xffffffff, STUB_IMAGE_FD));
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(munmap), 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, STUB_GATE_NR, 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigreturn), 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0);
	/* A new stub thread: made only as the control thread's clone (the
	 * notification is checked), it turns on dispatch with the stub's
	 * own settings and takes its signal stack. */
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	    SCMP_A0(SCMP_CMP_EQ, STUB_CLONE_FLAGS));
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 5,
	    SCMP_A0(SCMP_CMP_EQ, 59 /* PR_SET_SYSCALL_USER_DISPATCH */),
	    SCMP_A1(SCMP_CMP_EQ, 1 /* PR_SYS_DISPATCH_ON */),
	    SCMP_A2(SCMP_CMP_EQ, STUB_BASE + STUB_CODE_OFF),
	    SCMP_A3(SCMP_CMP_EQ, STUB_CODE_MAX),
	    SCMP_A4(SCMP_CMP_EQ, STUB_BASE + STUB_SEL_OFF));
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(arch_prctl), 1,
	    SCMP_A0(SCMP_CMP_EQ, ARCH_SET_FS));
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(arch_prctl), 1,
	    SCMP_A0(SCMP_CMP_EQ, ARCH_SET_GS));
	if (rc != 0 || soft_export(n, &ks->notify) != 0 ||
	    soft_export(f, &ks->filter) != 0) {
		snprintf(why, whylen, "cannot build the stub's seccomp filters");
		rc = -1;
	}
out:
	if (n != NULL)
		seccomp_release(n);
	if (f != NULL)
		seccomp_release(f);
	return rc;
}

/* Half of vm.max_map_count, at most MAP_LIMIT_CAP. */
static size_t
soft_map_limit(void)
{
	unsigned long max = 65530;
	FILE *fp;

	if ((fp = fopen("/proc/sys/vm/max_map_count", "re")) != NULL) {
		if (fscanf(fp, "%lu", &max) != 1)
			max = 65530;
		fclose(fp);
	}
	max /= 2;
	if (max > MAP_LIMIT_CAP)
		max = MAP_LIMIT_CAP;
	return max < 1024 ? 1024 : max;
}

static int
soft_init(struct ks **ksp, const struct ks_mem *mem, char *why, size_t whylen)
{
	struct ks *ks;
	void *p;

	if ((size_t)(__stop_vkstub - __start_vkstub) > STUB_CODE_MAX) {
		snprintf(why, whylen, "stub code larger than its area");
		return -1;
	}
	/* Keep the stub area free in the vkernel, so fork()ed stubs can map it. */
	p = mmap((void *)STUB_BASE, STUB_SIZE, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE,
	    -1, 0);
	if (p != (void *)STUB_BASE) {
		snprintf(why, whylen, "cannot reserve the stub area at %#llx",
		    (unsigned long long)STUB_BASE);
		if (p != MAP_FAILED)
			munmap(p, STUB_SIZE);
		return -1;
	}
	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		snprintf(why, whylen, "out of memory");
		munmap((void *)STUB_BASE, STUB_SIZE);
		return -1;
	}
	ks->memfd = mem->fd;
	ks->memsize = mem->size;
	ks->ncpus = mem->ncpus > 0 ? mem->ncpus : 1;
	ks->map_limit = soft_map_limit();
	ks->st.mappings_limit = ks->map_limit;
	/* Two records per guest page and 32768 more (a record is about 80
	 * bytes of the vkernel's memory: 3 MiB at -m 16m). */
	ks->maps_max = 2 * (mem->size / 4096) + 32768;
	sigprocmask(SIG_BLOCK, NULL, &ks->waitmask);
	sigdelset(&ks->waitmask, KS_WAKE_SIGNAL);
	if (soft_build_filters(ks, why, whylen) != 0) {
		free(ks->notify.filter);
		free(ks->filter.filter);
		free(ks);
		munmap((void *)STUB_BASE, STUB_SIZE);
		return -1;
	}
	*ksp = ks;
	return 0;
}

static void
soft_fini(struct ks *ks)
{
	if (ks == NULL)
		return;
	free(ks->notify.filter);
	free(ks->filter.filter);
	free(ks);
	munmap((void *)STUB_BASE, STUB_SIZE);
}

static void soft_space_destroy(struct ks_space *sp);

static int
soft_space_create(struct ks *ks, gpa_t cr3, struct ks_space **spp)
{
	struct ks_space *sp;
	int rc;

	(void)cr3;
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return -ENOMEM;
	sp->hdr.ops = &ks_soft_ops;
	sp->ks = ks;
	sp->pidfd = sp->lfd = sp->mapsfd = -1;
	sp->ctl = MAP_FAILED;
	sp->slots = MAP_FAILED;
	sp->opcap = SOFT_OPS_MIN;
	sp->applier = SOFT_NO_BATCH;
	sp->clone_want = sp->clone_slot = -1;
	pthread_mutex_init(&sp->lock, NULL);
	pthread_cond_init(&sp->cond, NULL);
	if ((sp->queue = malloc(SOFT_OPS_MIN * sizeof(*sp->queue))) == NULL ||
	    (sp->sent = malloc(SOFT_OPS_MIN * sizeof(*sp->sent))) == NULL ||
	    (sp->hm = soft_hm_create()) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	sp->stubfd = memfd_create("vkernel-stub", MFD_CLOEXEC);
	if (sp->stubfd < 0 || ftruncate(sp->stubfd, STUB_SIZE) != 0) {
		rc = -errno;
		goto fail;
	}
	sp->ctl = mmap(NULL, STUB_CTL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    sp->stubfd, STUB_CTL_OFF);
	sp->slots = mmap(NULL, STUB_SIZE - STUB_SLOT_OFF, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_NORESERVE, sp->stubfd, STUB_SLOT_OFF);
	if (sp->ctl == MAP_FAILED || sp->slots == MAP_FAILED) {
		rc = -errno;
		goto fail;
	}
	pthread_mutex_lock(&sp->lock);
	rc = soft_stub_start(sp);
	pthread_mutex_unlock(&sp->lock);
	if (rc != 0)
		goto fail;
	*spp = sp;
	return 0;
fail:
	soft_space_destroy(sp);
	return rc;
}

static void
soft_space_destroy(struct ks_space *sp)
{
	uint32_t i;

	if (sp == NULL)
		return;
	pthread_mutex_lock(&sp->lock);
	soft_stub_kill(sp); /* first: nothing below waits on the guest */
	pthread_mutex_unlock(&sp->lock);
	if (sp->ctl != MAP_FAILED)
		munmap(sp->ctl, STUB_CTL_SIZE);
	if (sp->slots != MAP_FAILED)
		munmap(sp->slots, STUB_SIZE - STUB_SLOT_OFF);
	for (i = 0; i < STUB_SLOTS / SOFT_CHUNK; i++)
		free(sp->chunk[i]);
	pthread_cond_destroy(&sp->cond);
	pthread_mutex_destroy(&sp->lock);
	if (sp->stubfd > 0)
		close(sp->stubfd);
	if (sp->hm != NULL)
		soft_hm_destroy(sp->hm);
	free(sp->queue);
	free(sp->sent);
	free(sp);
}

/* True when the stub would have more host mappings than allowed, or all
 * stubs together more records than the vkernel may keep. */
static bool
soft_over_limit(struct ks_space *sp)
{
	return soft_hm_count(sp->hm) > sp->ks->map_limit ||
	    __atomic_load_n(&sp->ks->maps_total, __ATOMIC_RELAXED) >
	    sp->ks->maps_max;
}

/*
 * Applies the queue (sp->lock held).  Returns 0 once the host no longer
 * maps what was unmapped: the control thread applied it and the host
 * confirmed it, or the stub was killed and reaped (a batch past the
 * mapping bound is never sent when no thread of the space runs: the stub
 * goes instead, and an empty one comes before the guest runs).
 */
static int
soft_flush_locked(struct ks_space *sp)
{
	if (sp->nqueue == 0)
		return 0;
	if (sp->pid != 0 && soft_over_limit(sp) && sp->nrunning == 0) {
		soft_stub_kill(sp);
		sp->replace = true;
	}
	if (sp->pid == 0) {
		sp->nqueue = 0; /* no stub: nothing is mapped */
		return 0;
	}
	if (sp->nrunning > 0)
		SOFT_COUNT(sp->ks, shootdowns, 1); /* the host's, for them */
	return soft_send(sp, SOFT_CTL_THREAD, SOFT_CMD_APPLY) == -EBUSY ?
	    -EBUSY : 0;
}

static int
soft_flush(struct ks_space *sp)
{
	int rc;

	pthread_mutex_lock(&sp->lock);
	rc = soft_flush_locked(sp);
	pthread_mutex_unlock(&sp->lock);
	return rc;
}

static void soft_queue_locked(struct ks_space *sp, uint32_t kind, gva_t gva,
    size_t len, gpa_t gpa, int hprot);

/* Queues one op (and records it), flushing first when the queue is full. */
static void
soft_queue(struct ks_space *sp, uint32_t kind, gva_t gva, size_t len,
    gpa_t gpa, int prot)
{
	int hprot = (prot & KS_PROT_READ ? PROT_READ : 0) |
	    (prot & KS_PROT_WRITE ? PROT_WRITE | PROT_READ : 0) |
	    (prot & KS_PROT_EXEC ? PROT_EXEC : 0);

	pthread_mutex_lock(&sp->lock);
	soft_queue_locked(sp, kind, gva, len, gpa, hprot);
	pthread_mutex_unlock(&sp->lock);
}

static void
soft_queue_locked(struct ks_space *sp, uint32_t kind, gva_t gva, size_t len,
    gpa_t gpa, int hprot)
{
	struct soft_op *last;
	int rc;

	if (sp->pid == 0)
		return; /* no stub (dead, or to be replaced): it starts empty */
	__atomic_fetch_sub(&sp->ks->maps_total, soft_hm_count(sp->hm),
		    __ATOMIC_RELAXED);
	rc = kind == SOFT_OP_MAP ? soft_hm_map(sp->hm, gva, len, gpa, hprot) :
	    kind == SOFT_OP_UNMAP ? soft_hm_unmap(sp->hm, gva, len) :
	    soft_hm_protect(sp->hm, gva, len, hprot);
	__atomic_fetch_add(&sp->ks->maps_total, soft_hm_count(sp->hm),
	    __ATOMIC_RELAXED);
	if (rc != 0) {
		/* The record is lost: so must the stub's mappings be. */
		soft_stub_kill(sp);
		sp->replace = true;
		sp->nqueue = 0;
		return;
	}

	/* Coalesce with the previous op when it continues it exactly. */
	if (sp->nqueue > 0) {
		last = &sp->queue[sp->nqueue - 1];
		if (last->kind == kind && last->prot == hprot &&
		    last->gva + last->len == gva &&
		    (kind != SOFT_OP_MAP || last->gpa + last->len == gpa)) {
			last->len += len;
			return;
		}
	}
	if (soft_ops_grow(sp) != 0) {
		soft_flush_locked(sp);
		if (sp->pid == 0)
			return;
	}
	sp->queue[sp->nqueue++] = (struct soft_op){ kind, hprot, gva, len, gpa };
	SOFT_COUNT(sp->ks, map_requests, 1); /* one host mmap/munmap/mprotect */
}

static void
soft_map(struct ks_space *sp, gva_t gva, gpa_t gpa, size_t len, int prot)
{
	soft_queue(sp, SOFT_OP_MAP, gva, len, gpa, prot);
}

static void
soft_unmap(struct ks_space *sp, gva_t gva, size_t len)
{
	soft_queue(sp, SOFT_OP_UNMAP, gva, len, 0, 0);
}

static void
soft_protect(struct ks_space *sp, gva_t gva, size_t len, int prot)
{
	soft_queue(sp, SOFT_OP_PROTECT, gva, len, 0, prot);
}

/* Turns a thread's report into a trap.  Every field is guest-writable. */
static void
soft_decode(const struct soft_slot *c, struct ks_trap *t)
{
	memset(t, 0, sizeof(*t));
	t->signo = c->signo;
	t->code = c->code;
	t->addr = c->addr;
	t->err = c->err;
	t->vector = (int)(c->trapno & 0xff);
	if (c->signo == SIGSYS) {
		t->kind = KS_TRAP_SYSCALL;
	} else if (c->signo == STUB_KICK_SIG) {
		t->kind = KS_TRAP_KICK;
	} else if (c->signo == SIGSEGV && c->trapno == 14) {
		t->kind = KS_TRAP_PAGEFAULT;
	} else {
		t->kind = KS_TRAP_EXCEPTION;
		if (c->signo != SIGSEGV && c->signo != SIGBUS &&
		    c->signo != SIGILL && c->signo != SIGFPE &&
		    c->signo != SIGTRAP)
			t->signo = SIGSEGV;
	}
}

/* Replaces the stub by an empty one (its mappings come back by faults). */
static int
soft_replace(struct ks_space *sp)
{
	int rc;

	soft_stub_kill(sp);
	sp->nqueue = 0;
	sp->replace = false;
	SOFT_COUNT(sp->ks, restarts, 1);
	if ((rc = soft_stub_start(sp)) != 0)
		soft_fail(sp, "cannot start a new stub: %s", strerror(-rc));
	return rc;
}

/* A slot for a new guest thread of sp: a free one whose host thread waits
 * from a guest thread that ended, else one never used; -EAGAIN past
 * STUB_SLOTS (or with no memory for the table). */
static int
soft_slot_alloc(struct ks_space *sp)
{
	uint32_t i;

	for (i = 0; i < sp->nslots; i++)
		if (!soft_hthr(sp, i)->owned && soft_hthr(sp, i)->tid != 0)
			return (int)i;
	for (i = 0; i < sp->nslots; i++)
		if (!soft_hthr(sp, i)->owned)
			return (int)i;
	if (sp->nslots == STUB_SLOTS)
		return -EAGAIN;
	i = sp->nslots / SOFT_CHUNK;
	if ((sp->chunk[i] = calloc(SOFT_CHUNK, sizeof(struct soft_hthr))) ==
	    NULL)
		return -EAGAIN;
	sp->nslots += SOFT_CHUNK;
	return (int)(i * SOFT_CHUNK);
}

/*
 * Gives th's slot a host thread if it has none (new, or its stub was
 * replaced), starting the stub first if need be; a stub past its bound is
 * replaced here, when none of its threads runs.  0, -EAGAIN (the host has
 * no more threads), -ESRCH (the space is dead).
 */
static int
soft_bind(struct ks_thread *th)
{
	struct ks_space *sp = th->sp;

	if (!sp->dead && sp->nrunning == 0 &&
	    (sp->replace || soft_over_limit(sp)))
		soft_replace(sp);
	if (sp->dead)
		return -ESRCH;
	if (soft_hthr(sp, th->slot)->tid != 0)
		return 0;
	return soft_thread_start(sp, th->slot);
}

static int soft_thread_ns(struct ks_space *sp, pid_t tid, uint64_t *ns);

static int
soft_thread_create(struct ks_space *sp, struct ks_thread **thp)
{
	struct ks_thread *th;
	struct soft_hthr *t;
	int slot, rc;

	if ((th = calloc(1, sizeof(*th))) == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&sp->lock);
	if ((slot = soft_slot_alloc(sp)) < 0) {
		pthread_mutex_unlock(&sp->lock);
		free(th);
		return slot;
	}
	th->hdr.ops = &ks_soft_ops;
	th->sp = sp;
	th->slot = (uint32_t)slot;
	t = soft_hthr(sp, (uint32_t)slot);
	t->owned = true;
	/* A host thread an ended guest thread left: its time so far is
	 * not the new one's. */
	if (soft_thread_ns(sp, t->tid, &t->cpu_base))
		t->cpu_base = 0;
	if ((rc = soft_bind(th)) == -EAGAIN) {
		t->owned = false;
		pthread_mutex_unlock(&sp->lock);
		free(th);
		return rc;
	}
	pthread_mutex_unlock(&sp->lock);
	*thp = th;  /* a dead space: its runs report it */
	return 0;
}

/* The slot's host thread stays in its gate for the next guest thread. */
static void
soft_thread_destroy(struct ks_thread *th)
{
	struct ks_space *sp;

	if (th == NULL)
		return;
	sp = th->sp;
	pthread_mutex_lock(&sp->lock);
	soft_hthr(sp, th->slot)->owned = false;
	pthread_mutex_unlock(&sp->lock);
	free(th);
}

/*
 * Resumes th.  With one vCPU the queued ops ride along (the thread applies
 * them first; nothing else can happen until its next trap).  With more,
 * other vCPUs may free pages meanwhile: a batch must never be in flight
 * while the thread runs, so the queue is applied by the control thread
 * first, and the resume carries none.
 */
static int
soft_run(struct ks_thread *th, struct ks_frame *frame, struct ks_trap *trap)
{
	struct ks_space *sp = th->sp;
	struct soft_slot *c = soft_slot(sp, th->slot);
	struct soft_hthr *t;
	int rc;

	pthread_mutex_lock(&sp->lock);
	if ((rc = soft_bind(th)) == -EAGAIN)
		soft_fail(sp, "no host thread for the guest thread");
	while (!sp->dead && sp->ks->ncpus > 1 && sp->nqueue > 0)
		soft_flush_locked(sp);
	t = soft_hthr(sp, th->slot);
	if (!sp->dead) {
		c->frame = *frame;
		c->frame.rflags &= 0x240dd5ULL; /* user-settable flags */
		c->frame.rflags |= 0x202;
		c->set_fs = 0;
		if (!t->fs_known || frame->fs_base != t->fs_base) {
			c->set_fs |= SOFT_SET_FS;
			SOFT_COUNT(sp->ks, host_syscalls, 1);
		}
		if (!t->fs_known || frame->gs_base != t->gs_base) {
			c->set_fs |= SOFT_SET_GS;
			SOFT_COUNT(sp->ks, host_syscalls, 1);
		}
		t->fs_base = frame->fs_base;
		t->gs_base = frame->gs_base;
		t->fs_known = true;
		SOFT_COUNT(sp->ks, runs, 1);
		soft_send(sp, (int)th->slot, SOFT_CMD_RUN);
	}
	if (sp->dead) {
		memset(trap, 0, sizeof(*trap));
		trap->kind = KS_TRAP_DEAD;
		trap->signo = SIGKILL;
		snprintf(trap->why, sizeof(trap->why), "%s", sp->why);
		pthread_mutex_unlock(&sp->lock);
		return 0;
	}
	soft_decode(c, trap);
	*frame = c->frame;
	frame->fs_base = t->fs_base;
	frame->gs_base = t->gs_base;
	pthread_mutex_unlock(&sp->lock);
	return 0;
}

/*
 * From the KS_WAKE_SIGNAL handler, which runs only while its vCPU waits
 * for the guest (soft_wait): the stub is then running or stopped, never
 * being reaped by this vCPU, and slots never move, so the ids read are
 * the stub's (kickable says so).  The thread reports the signal as a trap
 * (KS_TRAP_KICK); if it is inside its handler (all signals blocked) the
 * kick waits there and comes right after the next resume.
 */
static void
soft_kick_op(struct ks_thread *th)
{
	struct ks_space *sp = th->sp;
	struct soft_hthr *t;
	pid_t pid = sp->pid;

	if (pid <= 0 || th->slot >= sp->nslots)
		return;
	t = soft_hthr(sp, th->slot);
	if (t->kickable && t->tid > 0) {
		t->kicked = 1;
		syscall(SYS_tgkill, pid, t->tid, STUB_KICK_SIG);
	}
}

static void
soft_stats(struct ks *ks, struct ks_stats *st)
{
	*st = ks->st;
}

/* A stub thread's CPU time in ns, from /proc/PID/task/TID/schedstat
 * (another process's thread clock is not ours to read with
 * clock_gettime): 0 or -errno. */
static int
soft_thread_ns(struct ks_space *sp, pid_t tid, uint64_t *ns)
{
	unsigned long long v = 0;
	char path[64], buf[96];
	ssize_t n;
	int fd;

	*ns = 0;
	if (sp->pid == 0 || tid == 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)sp->pid,
	    (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	if (sscanf(buf, "%llu", &v) != 1)
		return -EIO;
	*ns = v;
	return 0;
}

/* The guest thread's share of its stub thread's CPU time. */
static int
soft_cputime(struct ks_thread *th, struct timespec *ts)
{
	struct ks_space *sp = th->sp;
	struct soft_hthr *t;
	uint64_t ns = 0;
	int rc;

	*ts = (struct timespec){ 0, 0 };
	pthread_mutex_lock(&sp->lock);
	if (th->slot >= sp->nslots) {
		pthread_mutex_unlock(&sp->lock);
		return 0;
	}
	t = soft_hthr(sp, th->slot);
	rc = soft_thread_ns(sp, t->tid, &ns);
	ns = ns > t->cpu_base ? ns - t->cpu_base : 0;
	pthread_mutex_unlock(&sp->lock);
	if (rc != 0)
		return rc;
	ts->tv_sec = (time_t)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
	return 0;
}

const struct ks_ops ks_soft_ops = {
	.name = "soft",
	.init = soft_init,
	.fini = soft_fini,
	.space_create = soft_space_create,
	.space_destroy = soft_space_destroy,
	.map = soft_map,
	.unmap = soft_unmap,
	.protect = soft_protect,
	.flush = soft_flush,
	.thread_create = soft_thread_create,
	.thread_destroy = soft_thread_destroy,
	.run = soft_run,
	.stats = soft_stats,
	.cputime = soft_cputime,
	.kick = soft_kick_op,
};
