/* forge.c: attacks the sw path's trust in memory the guest can write: the stub's control page, its gate and its host mapping calls. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* The sw path's stub area (kshim/soft_abi.h): code, the batch page, and
 * the slots of the stub's threads: a single-threaded guest runs in slot 0,
 * whose first page is its trap report. */
#define STUB_BASE 0x7e0000000000UL
#define STUB_CTL  (STUB_BASE + 0x5000)
#define CTL_SIZE  0x10000UL
#define STUB_SLOT0 (STUB_BASE + 0x20000)
/* struct soft_slot: a 20-register frame, then signo. */
#define CTL_RAX    0
#define CTL_RSI    32
#define CTL_RDI    40
#define CTL_RIP    128
#define CTL_SIGNO  160
#define CTL_ADDR   168
#define CTL_ERR    176
#define CTL_TRAPNO 184
#define GATE_NR    SYS_getppid
/* The layout before the gate existed: a state word, then the frame. */
#define OLD_STATE  0
#define OLD_SIGNO  168

static void
ctl_put64(unsigned long off, uint64_t v)
{
	*(volatile uint64_t *)(STUB_SLOT0 + off) = v;
}

static void
ctl_put32(unsigned long off, uint32_t v)
{
	*(volatile uint32_t *)(STUB_SLOT0 + off) = v;
}

/* The first `syscall` instruction in the stub's code, where the dispatch
 * filter lets a system call through to the host.  Says where, first: once
 * the control page is forged, no system call may trap before the jump. */
static unsigned long
stub_syscall_insn(void)
{
	const unsigned char *code = (const unsigned char *)STUB_BASE;
	size_t i;

	for (i = 0; i < 0x4000 - 1; i++)
		if (code[i] == 0x0f && code[i + 1] == 0x05)
			break;
	printf("stub syscall insn at %#lx\n", STUB_BASE + i);
	fflush(stdout);
	return STUB_BASE + i;
}

/* Makes system call nr with arguments a..f from the stub's instruction at
 * insn.  The stub's own code follows it: the process does not come back. */
static void __attribute__((noreturn))
stubcall(unsigned long insn, long nr, long a, long b, long c, long d, long e,
    long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("jmp *%0"
	    : : "r"(insn), "a"(nr), "D"(a), "S"(b), "d"(c),
	    "r"(r10), "r"(r8), "r"(r9) : "memory");
	__builtin_unreachable();
}

/* Spins for about 3e9 TSC cycles (a second or so), making no system call:
 * a trap now would overwrite what was forged. */
static void
spin(void)
{
	uint64_t t0 = __builtin_ia32_rdtsc();

	while (__builtin_ia32_rdtsc() - t0 < 3000000000ULL)
		__builtin_ia32_pause();
}

/* The child of "blockkick": blocks the vkernel's kick signal (SIGURG) on
 * its host thread with a forged rt_sigreturn through the stub's code, then
 * spins in guest code for ever. */
static void __attribute__((noreturn))
spin_forever(void)
{
	for (;;)
		__builtin_ia32_pause();
}

static void __attribute__((noreturn))
block_kick(unsigned long insn)
{
	static ucontext_t uc;
	static char stack[16384] __attribute__((aligned(16)));

	memset(&uc, 0, sizeof(uc));
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)spin_forever;
	uc.uc_mcontext.gregs[REG_RSP] = (greg_t)(stack + sizeof(stack) - 8);
	uc.uc_mcontext.gregs[REG_EFL] = 0x202;
	uc.uc_mcontext.gregs[REG_CSGSFS] = 0x33 | (0x2bLL << 48);
	uc.uc_mcontext.fpregs = NULL;
	uc.uc_flags = 0;
	sigemptyset(&uc.uc_sigmask);
	sigaddset(&uc.uc_sigmask, SIGURG);
	__asm__ volatile("mov %0, %%rsp\n\tjmp *%1"
	    : : "r"(&uc), "r"(insn), "a"(SYS_rt_sigreturn) : "memory");
	__builtin_unreachable();
}

int
main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned long insn = 0;
	char *page;
	int i;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 2;
	strcpy(page, "guest data");
	printf("before %s\n", mode);
	fflush(stdout);
	if (strcmp(mode, "ctlfill") != 0 && strcmp(mode, "oldstate") != 0)
		insn = stub_syscall_insn();

	if (strcmp(mode, "ctlfill") == 0) {
		/* A huge op count, a forged state, junk ops and results:
		 * the vkernel must not read any of it. */
		memset((void *)STUB_CTL, 0xff, CTL_SIZE);
		memset((void *)STUB_SLOT0, 0xff, 4096);
		for (i = 0; i < 20; i++)
			if (write(1, "", 0) != 0)
				return 4;
		page[0] = 'G'; /* a fault: its mapping op is queued anew */
		printf("ctl ok: %s\n", page);
		return 0;
	}
	if (strcmp(mode, "mapimage") == 0)
		/* Map guest-physical page 1 (page tables, other guests). */
		stubcall(insn, SYS_mmap, 0x200000000L, 4096, PROT_READ,
		    MAP_SHARED | MAP_FIXED, 0, 4096);
	if (strcmp(mode, "unmapself") == 0)
		stubcall(insn, SYS_munmap, (long)page, 4096, 0, 0, 0, 0);
	if (strcmp(mode, "protectcode") == 0)
		stubcall(insn, SYS_mprotect, STUB_BASE, 0x4000,
		    PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0);
	if (strcmp(mode, "skipapply") == 0) {
		/* Report a write fault on a page never touched through the
		 * gate: the vkernel maps it and sends the map op with the
		 * resume; the stub code after this syscall is a `hlt`, so
		 * the next report comes before the op was made.  (Unmaps go
		 * through the stub's control thread, never a guest's.) */
		char *fresh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (fresh == MAP_FAILED)
			return 2;
		ctl_put64(CTL_RIP, (uint64_t)main);
		ctl_put32(CTL_SIGNO, 11 /* SIGSEGV */);
		ctl_put64(CTL_ADDR, (uint64_t)fresh);
		ctl_put64(CTL_ERR, 6 /* a user write */);
		ctl_put64(CTL_TRAPNO, 14 /* #PF */);
		stubcall(insn, GATE_NR, 1, 0, 0, 0, 0, 0);
	}
	if (strcmp(mode, "clone") == 0)
		/* A host thread of its own, as the stub's control thread
		 * makes them: from a guest thread, it is refused. */
		stubcall(insn, SYS_clone, 0x50f00 /* STUB_CLONE_FLAGS */,
		    (long)page + 4096, 0, 0, 0, 0);
	if (strcmp(mode, "exitthread") == 0)
		/* Its host thread ends, the process lives on: the vkernel
		 * must not wait for a trap that never comes. */
		stubcall(insn, SYS_exit, 0, 0, 0, 0, 0, 0);
	if (strcmp(mode, "dispatchoff") == 0)
		/* Syscall User Dispatch off for its thread. */
		stubcall(insn, SYS_prctl, 59, 0, 0, 0, 0, 0);
	if (strcmp(mode, "blockkick") == 0) {
		/* A child that refuses the kick and spins must not hold the
		 * vCPU: the parent runs again, kills and reaps it. */
		struct timespec ts = { 1, 0 };
		int status;
		pid_t pid = fork();

		if (pid == 0)
			block_kick(insn);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid)
			return 5;
		printf("child %s %d\n", WIFSIGNALED(status) ? "killed" :
		    "exited", WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
		return 0;
	}
	if (strcmp(mode, "fataltrap") == 0) {
		/* Report a fatal trap through the gate. */
		ctl_put32(CTL_SIGNO, 4 /* SIGILL */);
		stubcall(insn, GATE_NR, 1, 0, 0, 0, 0, 0);
	}
	if (strcmp(mode, "oldstate") == 0) {
		/* Report a fatal trap through the control page alone, then
		 * keep running: the vkernel must neither believe it nor
		 * wait on it. */
		ctl_put32(OLD_SIGNO, 4 /* SIGILL */);
		__atomic_store_n((uint32_t *)(STUB_CTL + OLD_STATE), 1,
		    __ATOMIC_RELEASE);
		spin();
		printf("forge ignored\n");
		return 3;
	}
	printf("unknown mode\n");
	return 1;
}
