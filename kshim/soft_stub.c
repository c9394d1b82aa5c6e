/* soft_stub.c: the code each sw-path guest process runs besides the guest: its trap handler. */

/*
 * This file is compiled freestanding (see STUB_CFLAGS in the Makefile) and
 * every function lives in the "vkstub" section, which the vkernel copies
 * to STUB_BASE in each stub process.  It may use nothing outside that
 * section: no libc, no data, no TLS (the guest owns %fs), no stack
 * protector.  tools/check-stub.sh enforces the "no relocations" part.
 *
 * Contract with soft.c (see soft_abi.h): every host signal a guest causes
 * (SIGSYS from Syscall User Dispatch, SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGTRAP),
 * and STUB_KICK_SIG, the vkernel's kick, enters vkstub_handler on the
 * thread's signal stack with every signal blocked; it reports the trap in
 * the thread's slot, waits in the gate, applies the requested host mapping
 * ops, and returns into the guest with the frame the vkernel wrote there.
 * The control thread (vkstub_start) serves the gate for batches and new
 * threads (vkstub_thread), and never runs guest code.
 */

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/ucontext.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <asm/prctl.h>

#include "soft_abi.h"

#define STUB   __attribute__((section("vkstub")))
#define INLINE static inline __attribute__((always_inline))

INLINE long
sc(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("syscall" : "=a"(ret)
	    : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	    : "rcx", "r11", "memory");
	return ret;
}

INLINE struct soft_ctl *
ctl(void)
{
	return (struct soft_ctl *)(STUB_BASE + STUB_CTL_OFF);
}

/* The slot of the thread running on stack address sp (its start-up or
 * signal stack), or NULL: a thread whose stack is elsewhere (the guest
 * moved its signal stack) takes the whole stub down. */
INLINE struct soft_slot *
slot_of(uint64_t sp)
{
	if (sp <= STUB_SLOT(0) || sp > STUB_SLOT(STUB_SLOTS))
		return NULL;
	return (struct soft_slot *)STUB_SLOT((sp - 1 - STUB_SLOT(0)) /
	    STUB_SLOT_SIZE);
}

/* Waits in the gate until the vkernel answers; the answer is a SOFT_CMD. */
INLINE long
gate(long why)
{
	return sc(STUB_GATE_NR, why, 0, 0, 0, 0, 0);
}

INLINE __attribute__((noreturn)) void
die(void)
{
	for (;;)
		sc(SYS_exit_group, 127, 0, 0, 0, 0, 0);
}

/* Applies the queued ops.  Results are not reported: the vkernel checks
 * each call as it is made and asks the host afterwards what took effect. */
INLINE void
apply_ops(struct soft_ctl *c, long cmd)
{
	uint32_t i, n = (uint32_t)((unsigned long)cmd >> SOFT_NOPS_SHIFT);

	if (n > SOFT_MAXOPS)
		n = SOFT_MAXOPS;
	for (i = 0; i < n; i++) {
		struct soft_op *op = &c->ops[i];

		if (op->kind == SOFT_OP_MAP)
			sc(SYS_mmap, op->gva, op->len, op->prot,
			    MAP_SHARED | MAP_FIXED, STUB_IMAGE_FD, op->gpa);
		else if (op->kind == SOFT_OP_UNMAP)
			sc(SYS_munmap, op->gva, op->len, 0, 0, 0, 0);
		else if (op->kind == SOFT_OP_PROTECT)
			sc(SYS_mprotect, op->gva, op->len, op->prot, 0, 0, 0);
	}
}

/* Reports the trap and serves the vkernel until it says SOFT_CMD_RUN. */
STUB void
vkstub_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	struct soft_ctl *c = ctl();
	struct soft_slot *s = slot_of((uint64_t)__builtin_frame_address(0));
	struct ks_frame *f;
	long cmd;

	if (s == NULL)
		die();
	f = &s->frame;

	f->rax = g[REG_RAX]; f->rbx = g[REG_RBX]; f->rcx = g[REG_RCX];
	f->rdx = g[REG_RDX]; f->rsi = g[REG_RSI]; f->rdi = g[REG_RDI];
	f->rbp = g[REG_RBP]; f->rsp = g[REG_RSP];
	f->r8 = g[REG_R8]; f->r9 = g[REG_R9]; f->r10 = g[REG_R10];
	f->r11 = g[REG_R11]; f->r12 = g[REG_R12]; f->r13 = g[REG_R13];
	f->r14 = g[REG_R14]; f->r15 = g[REG_R15];
	f->rip = g[REG_RIP]; f->rflags = g[REG_EFL];
	s->signo = sig;
	s->code = si->si_code;
	s->addr = (uint64_t)si->si_addr;
	s->err = g[REG_ERR];
	s->trapno = g[REG_TRAPNO];

	cmd = gate(SOFT_GATE_TRAP);
	for (;;) {
		if ((cmd & SOFT_CMD_MASK) != SOFT_CMD_APPLY &&
		    (cmd & SOFT_CMD_MASK) != SOFT_CMD_RUN)
			die();
		apply_ops(c, cmd);
		if ((cmd & SOFT_CMD_MASK) == SOFT_CMD_RUN)
			break;
		cmd = gate(SOFT_GATE_APPLIED);
	}
	if (s->set_fs & SOFT_SET_FS)
		sc(SYS_arch_prctl, ARCH_SET_FS, f->fs_base, 0, 0, 0, 0);
	if (s->set_fs & SOFT_SET_GS)
		sc(SYS_arch_prctl, ARCH_SET_GS, f->gs_base, 0, 0, 0, 0);

	g[REG_RAX] = f->rax; g[REG_RBX] = f->rbx; g[REG_RCX] = f->rcx;
	g[REG_RDX] = f->rdx; g[REG_RSI] = f->rsi; g[REG_RDI] = f->rdi;
	g[REG_RBP] = f->rbp; g[REG_RSP] = f->rsp;
	g[REG_R8] = f->r8; g[REG_R9] = f->r9; g[REG_R10] = f->r10;
	g[REG_R11] = f->r11; g[REG_R12] = f->r12; g[REG_R13] = f->r13;
	g[REG_R14] = f->r14; g[REG_R15] = f->r15;
	g[REG_RIP] = f->rip; g[REG_EFL] = f->rflags;
}

/*
 * A new stub thread, on its slot's start-up stack (clone_thread): turns on
 * Syscall User Dispatch (a thread does not inherit it), takes its slot's
 * signal stack, starts from a clean x87/SSE control state, and traps once
 * so that the vkernel can hand it a guest thread's frame.
 */
static STUB __attribute__((noreturn, used)) void
vkstub_thread(void)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);
	struct soft_slot *s = slot_of(sp);
	uint64_t base = (uint64_t)s;
	uint32_t mxcsr = 0x1f80;
	struct {
		uint64_t sp;
		int32_t flags, pad;
		uint64_t size;
	} ss = { base + SLOT_ALT_OFF, 0, 0, STUB_SLOT_SIZE - SLOT_ALT_OFF };

	if (s == NULL ||
	    sc(SYS_prctl, 59 /* PR_SET_SYSCALL_USER_DISPATCH */, 1,
	    STUB_BASE + STUB_CODE_OFF, STUB_CODE_MAX, STUB_BASE + STUB_SEL_OFF,
	    0) != 0 ||
	    sc(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0) != 0)
		die();
	__asm__ volatile("fninit\n\tldmxcsr %0" : : "m"(mxcsr));
	__asm__ volatile("int3");
	die();
}

/* The control thread's clone: the child starts in vkstub_thread on the
 * slot's start-up stack; the parent gets the child's tid or -errno. */
INLINE long
clone_thread(uint32_t slot)
{
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	uint64_t stack = STUB_SLOT(slot) + SLOT_ALT_OFF - 16;
	long ret;

	__asm__ volatile("syscall\n\t"
	    "testq %%rax, %%rax\n\t"
	    "jnz 1f\n\t"
	    "call vkstub_thread\n"
	    "1:"
	    : "=a"(ret)
	    : "a"(SYS_clone), "D"(STUB_CLONE_FLAGS), "S"(stack), "d"(0),
	    "r"(r10), "r"(r8)
	    : "rcx", "r11", "memory");
	return ret;
}

/*
 * The control thread, entered on the stub stack once the vkernel's copy is
 * set up: drops every host mapping but the stub area, closes the dispatch
 * selector for good (the three calls are the first ops the vkernel
 * expects: soft_gate.c, soft_start_ops), then serves the gate: batches of
 * ops, and new threads.
 */
STUB __attribute__((noreturn)) void
vkstub_start(void)
{
	volatile uint8_t *sel = (uint8_t *)(STUB_BASE + STUB_SEL_OFF);
	struct soft_ctl *c = ctl();
	long cmd, ret = 0;

	sc(SYS_munmap, 0, STUB_BASE, 0, 0, 0, 0);
	sc(SYS_munmap, STUB_END, STUB_HOST_TOP - STUB_END, 0, 0, 0, 0);
	*sel = 1; /* SYSCALL_DISPATCH_FILTER_BLOCK */
	sc(SYS_mprotect, (long)sel, 4096, PROT_READ, 0, 0, 0);
	for (;;) {
		cmd = sc(STUB_GATE_NR, SOFT_GATE_CTL, ret, 0, 0, 0, 0);
		if ((cmd & SOFT_CMD_MASK) == SOFT_CMD_APPLY) {
			apply_ops(c, cmd);
			ret = 0;
		} else if (cmd == SOFT_CMD_CLONE && c->clone_slot < STUB_SLOTS) {
			ret = clone_thread(c->clone_slot);
		} else {
			die();
		}
	}
}

/* sa_restorer of the handler: rt_sigreturn from inside the stub. */
__asm__(".pushsection vkstub,\"ax\",@progbits\n"
	".globl vkstub_restorer\n"
	"vkstub_restorer:\n"
	"\tmovl $15, %eax\n"
	"\tsyscall\n"
	"\thlt\n"
	".popsection\n");
