/* soft.c: the soft kshim backend: one host stub process per guest address space. */

/*
 * DragonFly's vmspace_create / vmspace_ctl(RUN) / vmspace_mmap /
 * mcontrol(MADV_INVAL), played on Linux:
 *
 *   space_create  fork a stub process, strip it to the stub area, contain it
 *                 (Syscall User Dispatch + a libseccomp allow-list)
 *   map/unmap/protect  queue mmap(MAP_FIXED|MAP_SHARED) of the memory image,
 *                 munmap, mprotect in the control page
 *   run           hand the stub a frame; it applies the queue and resumes
 *                 the guest until the next trap, reported through the same
 *                 page and a futex (no ptrace stop per event)
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <asm/prctl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "soft_abi.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

/* The stub's code, linked into the vkernel in its own section. */
extern const char __start_vkstub[], __stop_vkstub[];
void vkstub_handler(int, siginfo_t *, void *);
void vkstub_start(void);
void vkstub_restorer(void);
#define STUB_ADDR(sym) (STUB_BASE + ((const char *)(sym) - __start_vkstub))

struct ks {
	int memfd;
	size_t memsize;
	struct sock_fprog filter; /* the stub's allow-list, as BPF */
	struct ks_stats st;
};

struct ks_space {
	struct ks_space_hdr hdr;
	struct ks *ks;
	pid_t pid;
	int stubfd;
	struct soft_ctl *ctl; /* the control page, mapped here too */
	bool dead;
	int dead_sig;
	int err;              /* -errno of a failed flush, reported by run */
	uint64_t fs_base;     /* what the stub's %fs and %gs bases were last */
	uint64_t gs_base;     /* set to */
};

/* Builds the stub's allow-list with libseccomp and exports it as BPF. */
static int
soft_build_filter(struct ks *ks, char *why, size_t whylen)
{
	scmp_filter_ctx f;
	int fd = -1, rc = 0;
	off_t len;

	if ((f = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(why, whylen, "seccomp_init failed");
		return -1;
	}
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 2,
	    SCMP_A3(SCMP_CMP_MASKED_EQ, 0xffffffff, MAP_SHARED | MAP_FIXED),
	    SCMP_A4(SCMP_CMP_MASKED_EQ, 0xffffffff, STUB_IMAGE_FD));
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(munmap), 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(futex), 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigreturn), 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(exit), 0);
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(arch_prctl), 1,
	    SCMP_A0(SCMP_CMP_EQ, ARCH_SET_FS));
	rc |= seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(arch_prctl), 1,
	    SCMP_A0(SCMP_CMP_EQ, ARCH_SET_GS));
	if (rc != 0 || (fd = memfd_create("vkernel-bpf", MFD_CLOEXEC)) < 0 ||
	    seccomp_export_bpf(f, fd) != 0 ||
	    (len = lseek(fd, 0, SEEK_END)) <= 0 ||
	    (ks->filter.filter = malloc(len)) == NULL ||
	    pread(fd, ks->filter.filter, len, 0) != len) {
		snprintf(why, whylen, "cannot build the stub's seccomp filter");
		rc = -1;
	} else {
		ks->filter.len = len / sizeof(struct sock_filter);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	seccomp_release(f);
	return rc;
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
		return -1;
	}
	ks->memfd = mem->fd;
	ks->memsize = mem->size;
	if (soft_build_filter(ks, why, whylen) != 0) {
		free(ks);
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
	free(ks->filter.filter);
	free(ks);
	munmap((void *)STUB_BASE, STUB_SIZE);
}

static int
raw_sigaction(int sig, void (*h)(int, siginfo_t *, void *), unsigned long flags)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} sa = { (void *)h, flags, (void *)STUB_ADDR(vkstub_restorer), ~0ULL };

	return syscall(SYS_rt_sigaction, sig, &sa, NULL, 8);
}

/*
 * The stub child, between fork() and vkstub_start: still the vkernel's
 * image, so libc is usable until the filter is loaded.  Any failure exits
 * with 127; the parent sees it as a failed space_create.
 */
static void __attribute__((noreturn))
soft_child(struct ks *ks, struct ks_space *sp, pid_t parent)
{
	static const int traps[] = { SIGSYS, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
	    SIGTRAP };
	stack_t ss = { .ss_sp = (void *)(STUB_BASE + STUB_ALT_OFF),
	    .ss_size = STUB_ALT_SIZE };
	sigset_t all;
	char *base;
	int sig;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
	/* glibc's rseq area is about to be unmapped: the kernel would
	 * fail every signal delivery writing to it. */
	if (__rseq_size > 0 &&
	    syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset,
	    __rseq_size, 1 /* RSEQ_FLAG_UNREGISTER */, RSEQ_SIG) != 0 &&
	    syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset,
	    32, 1, RSEQ_SIG) != 0 && errno != EINVAL)
		_exit(127);
	setpgid(0, 0); /* terminal signals are the vkernel's to deliver */
	base = mmap((void *)STUB_BASE, STUB_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_FIXED, sp->stubfd, 0);
	if (base != (char *)STUB_BASE ||
	    mprotect(base + STUB_CODE_OFF, STUB_CODE_MAX, PROT_READ | PROT_EXEC))
		_exit(127);
	if (dup2(ks->memfd, STUB_IMAGE_FD) != STUB_IMAGE_FD ||
	    syscall(SYS_close_range, STUB_IMAGE_FD + 1, ~0U, 0) != 0)
		_exit(127);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	for (size_t i = 0; i < sizeof(traps) / sizeof(traps[0]); i++)
		if (raw_sigaction(traps[i], (void *)STUB_ADDR(vkstub_handler),
		    SA_SIGINFO | SA_ONSTACK | SA_RESTORER) != 0)
			_exit(127);
	if (sigaltstack(&ss, NULL) != 0)
		_exit(127);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* Dispatch every system call made outside the stub code to SIGSYS
	 * (the selector still allows; vkstub_start closes it). */
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
	    STUB_BASE + STUB_CODE_OFF, STUB_CODE_MAX,
	    STUB_BASE + STUB_SEL_OFF) != 0)
		_exit(127);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &ks->filter) != 0)
		_exit(127);
	/* No host system call from here on outside the stub's own code. */
	__asm__ volatile("mov %0, %%rsp\n\tjmp *%1"
	    : : "r"(STUB_BASE + STUB_STK_OFF + STUB_STK_SIZE - 8),
	    "r"(STUB_ADDR(vkstub_start)) : "memory");
	__builtin_unreachable();
}

/* Marks the space dead when its stub is gone; reaps it. */
static bool
soft_check_dead(struct ks_space *sp)
{
	int status;

	if (sp->dead)
		return true;
	if (waitpid(sp->pid, &status, WNOHANG) == sp->pid) {
		sp->dead = true;
		sp->dead_sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	return sp->dead;
}

/* Waits until the stub reports SOFT_TRAP, or dies.  0 or -ESRCH. */
static int
soft_wait(struct ks_space *sp)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	uint32_t s;

	for (int spin = 0; spin < SOFT_SPIN; spin++) {
		if (__atomic_load_n(&sp->ctl->state, __ATOMIC_ACQUIRE) ==
		    SOFT_TRAP)
			return 0;
		__builtin_ia32_pause();
	}
	for (;;) {
		s = __atomic_load_n(&sp->ctl->state, __ATOMIC_ACQUIRE);
		if (s == SOFT_TRAP)
			return 0;
		syscall(SYS_futex, &sp->ctl->state, FUTEX_WAIT, s, &ts, NULL, 0);
		if (__atomic_load_n(&sp->ctl->state, __ATOMIC_ACQUIRE) !=
		    SOFT_TRAP && soft_check_dead(sp))
			return -ESRCH;
	}
}

/* Hands the control page to the stub with state s and waits for it back. */
static int
soft_kick(struct ks_space *sp, uint32_t s)
{
	if (sp->dead)
		return -ESRCH;
	if (sp->ctl->nops > 0) {
		sp->ks->st.map_batches++;
		sp->ks->st.host_syscalls += sp->ctl->nops;
	}
	__atomic_store_n(&sp->ctl->state, s, __ATOMIC_RELEASE);
	syscall(SYS_futex, &sp->ctl->state, FUTEX_WAKE, 1, NULL, NULL, 0);
	return soft_wait(sp);
}

static int
soft_space_create(struct ks *ks, gpa_t cr3, struct ks_space **spp)
{
	struct ks_space *sp;
	size_t codelen = __stop_vkstub - __start_vkstub;
	pid_t parent = getpid();
	int rc;

	(void)cr3;
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return -ENOMEM;
	sp->hdr.ops = &ks_soft_ops;
	sp->ks = ks;
	sp->stubfd = memfd_create("vkernel-stub", MFD_CLOEXEC);
	if (sp->stubfd < 0 || ftruncate(sp->stubfd, STUB_SIZE) != 0 ||
	    pwrite(sp->stubfd, __start_vkstub, codelen, STUB_CODE_OFF) !=
	    (ssize_t)codelen)
		goto fail;
	sp->ctl = mmap(NULL, STUB_CTL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    sp->stubfd, STUB_CTL_OFF);
	if (sp->ctl == MAP_FAILED) {
		sp->ctl = NULL;
		goto fail;
	}
	fflush(NULL);
	if ((sp->pid = fork()) < 0)
		goto fail;
	if (sp->pid == 0)
		soft_child(ks, sp, parent);
	/* The stub's first trap is the int3 in vkstub_start. */
	if ((rc = soft_wait(sp)) != 0 || sp->ctl->signo != SIGTRAP) {
		errno = rc ? -rc : EPROTO;
		goto fail;
	}
	*spp = sp;
	return 0;
fail:
	rc = -errno;
	if (sp->pid > 0) {
		kill(sp->pid, SIGKILL);
		waitpid(sp->pid, NULL, 0);
	}
	if (sp->ctl)
		munmap(sp->ctl, STUB_CTL_SIZE);
	if (sp->stubfd >= 0)
		close(sp->stubfd);
	free(sp);
	return rc ? rc : -EIO;
}

static void
soft_space_destroy(struct ks_space *sp)
{
	if (sp == NULL)
		return;
	if (!sp->dead) {
		kill(sp->pid, SIGKILL);
		waitpid(sp->pid, NULL, 0);
	}
	munmap(sp->ctl, STUB_CTL_SIZE);
	close(sp->stubfd);
	free(sp);
}

static int
soft_flush(struct ks_space *sp)
{
	int rc;

	if (sp->ctl->nops == 0)
		return 0;
	if ((rc = soft_kick(sp, SOFT_APPLY)) != 0)
		return rc;
	return sp->ctl->op_err ? (int)sp->ctl->op_err : 0;
}

/* Queues one op, flushing first when the page is full. */
static void
soft_queue(struct ks_space *sp, uint32_t kind, gva_t gva, size_t len,
    gpa_t gpa, int prot)
{
	struct soft_ctl *c = sp->ctl;
	struct soft_op *last;
	int rc;
	int hprot = (prot & KS_PROT_READ ? PROT_READ : 0) |
	    (prot & KS_PROT_WRITE ? PROT_WRITE | PROT_READ : 0) |
	    (prot & KS_PROT_EXEC ? PROT_EXEC : 0);

	/* Coalesce with the previous op when it continues it exactly. */
	if (c->nops > 0) {
		last = &c->ops[c->nops - 1];
		if (last->kind == kind && last->prot == hprot &&
		    last->gva + last->len == gva &&
		    (kind != SOFT_OP_MAP || last->gpa + last->len == gpa)) {
			last->len += len;
			return;
		}
	}
	if (c->nops == SOFT_MAXOPS && (rc = soft_flush(sp)) != 0 &&
	    sp->err == 0)
		sp->err = rc; /* the next run reports it */
	c->ops[c->nops++] = (struct soft_op){ kind, hprot, gva, len, gpa };
	sp->ks->st.map_requests++; /* one host mmap/munmap/mprotect */
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

/* Turns the stub's report into a trap.  Every field is guest-writable. */
static void
soft_decode(const struct soft_ctl *c, struct ks_trap *t)
{
	memset(t, 0, sizeof(*t));
	t->signo = c->signo;
	t->code = c->code;
	t->addr = c->addr;
	t->err = c->err;
	t->vector = (int)(c->trapno & 0xff);
	if (c->signo == SIGSYS) {
		t->kind = KS_TRAP_SYSCALL;
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

static int
soft_run(struct ks_space *sp, struct ks_frame *frame, struct ks_trap *trap)
{
	struct soft_ctl *c = sp->ctl;
	int rc;

	c->frame = *frame;
	c->frame.rflags &= 0x240dd5ULL; /* user-settable flags */
	c->frame.rflags |= 0x202;
	c->set_fs = 0;
	if (frame->fs_base != sp->fs_base) {
		c->set_fs |= SOFT_SET_FS;
		sp->fs_base = frame->fs_base;
		sp->ks->st.host_syscalls++;
	}
	if (frame->gs_base != sp->gs_base) {
		c->set_fs |= SOFT_SET_GS;
		sp->gs_base = frame->gs_base;
		sp->ks->st.host_syscalls++;
	}
	sp->ks->st.runs++;
	rc = sp->err ? sp->err : soft_kick(sp, SOFT_RUN);
	if (rc == 0 && c->op_err != 0)
		rc = (int)c->op_err; /* the stub refused an op: still waiting */
	if (rc != 0) {
		memset(trap, 0, sizeof(*trap));
		trap->kind = KS_TRAP_DEAD;
		trap->signo = sp->dead ? sp->dead_sig : SIGKILL;
		if (sp->dead)
			snprintf(trap->why, sizeof(trap->why), "stub process "
			    "died (signal %d)", sp->dead_sig);
		else
			snprintf(trap->why, sizeof(trap->why), "stub refused "
			    "host mapping op %u: %s", c->op_index, strerror(-rc));
		return 0;
	}
	soft_decode(c, trap);
	*frame = c->frame;
	frame->fs_base = sp->fs_base;
	frame->gs_base = sp->gs_base;
	return 0;
}

static void
soft_stats(struct ks *ks, struct ks_stats *st)
{
	*st = ks->st;
}

/* The stub process's CPU clock (Linux's MAKE_PROCESS_CPUCLOCK(pid, SCHED)). */
static int
soft_cputime(struct ks_space *sp, struct timespec *ts)
{
	clockid_t clk = (clockid_t)((~(unsigned)sp->pid << 3) | 2);

	return clock_gettime(clk, ts) == 0 ? 0 : -errno;
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
	.run = soft_run,
	.stats = soft_stats,
	.cputime = soft_cputime,
};
