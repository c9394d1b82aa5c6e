/* sig.c: guest that exercises signal delivery (handlers, faults, masks, altstack, timers, waits and their masks, restarts, forged sigreturn frames) and prints what it saw, as it does natively. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/ucontext.h>
#include <time.h>
#include <unistd.h>

static int fails;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		printf("FAIL %s:%d: ", __func__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		fails++;						\
	}								\
} while (0)

static volatile sig_atomic_t hits, last_sig, last_code;
static volatile void *last_addr;
static volatile int last_pid;
static volatile uintptr_t last_sp;
static volatile uint64_t last_rip;

static void
install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0) {
		printf("FAIL: sigaction %d: %s\n", sig, strerror(errno));
		exit(2);
	}
}

static void
record(int sig, siginfo_t *si, void *uc)
{
	int local;

	(void)uc;
	hits++;
	last_sig = sig;
	last_code = si->si_code;
	last_addr = si->si_addr;
	last_pid = si->si_pid;
	last_sp = (uintptr_t)&local;
}

/* handler: kill and tgkill to itself reach an SA_SIGINFO handler. */
static void
do_handler(void)
{
	install(SIGUSR1, record, 0);
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill: %s", strerror(errno));
	CHECK(hits == 1 && last_sig == SIGUSR1, "hits %d sig %d", hits,
	    last_sig);
	CHECK(last_code == SI_USER, "si_code %d", last_code);
	CHECK(last_pid == getpid(), "si_pid %d", last_pid);
	install(SIGUSR2, record, 0);
	CHECK(raise(SIGUSR2) == 0, "raise");
	CHECK(hits == 2 && last_sig == SIGUSR2, "hits %d sig %d", hits,
	    last_sig);
	CHECK(last_code == SI_TKILL, "si_code %d", last_code);
	printf("handler %s\n", fails ? "FAILED" : "ok");
}

static char *page;

static void
segv_fix(int sig, siginfo_t *si, void *uc)
{
	record(sig, si, uc);
	if (last_code == SEGV_ACCERR)
		mprotect(page, 4096, PROT_READ | PROT_WRITE);
	else
		mmap(page, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

static void
do_segv(void)
{
	volatile char *v;

	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	v = page;
	install(SIGSEGV, segv_fix, 0);
	v[8] = 42; /* faults, the handler opens the page, the store resumes */
	CHECK(hits == 1 && last_sig == SIGSEGV, "hits %d sig %d", hits,
	    last_sig);
	CHECK(last_code == SEGV_ACCERR, "si_code %d", last_code);
	CHECK(last_addr == page + 8, "si_addr %p, page %p", last_addr, page);
	CHECK(v[8] == 42, "store lost");
	munmap(page, 4096);
	CHECK(v[16] == 0, "fresh page not zero"); /* MAPERR, mapped again */
	CHECK(hits == 2 && last_code == SEGV_MAPERR, "hits %d si_code %d",
	    hits, last_code);
	CHECK(last_addr == page + 16, "si_addr %p", last_addr);
	printf("segv %s\n", fails ? "FAILED" : "ok");
	fflush(stdout);
	/* A fault with SIGSEGV blocked kills, handler or not (force_sig). */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGSEGV);
	sigprocmask(SIG_BLOCK, &s, NULL);
	mprotect(page, 4096, PROT_NONE);
	v[0] = 1;
	printf("FAIL: alive after a blocked SIGSEGV\n");
}

static char *alt;
#define ALTSZ 65536

static void
alt_handler(int sig, siginfo_t *si, void *uc)
{
	stack_t cur;

	record(sig, si, uc);
	sigaltstack(NULL, &cur);
	last_code = cur.ss_flags;
}

static void
do_altstack(void)
{
	stack_t ss = { .ss_sp = NULL, .ss_size = ALTSZ, .ss_flags = 0 };
	stack_t old;
	int here;

	alt = malloc(ALTSZ);
	ss.ss_sp = alt;
	CHECK(sigaltstack(&ss, &old) == 0, "sigaltstack: %s", strerror(errno));
	CHECK(old.ss_flags == SS_DISABLE, "old flags %d", old.ss_flags);
	install(SIGUSR1, alt_handler, SA_ONSTACK);
	raise(SIGUSR1);
	CHECK(hits == 1, "hits %d", hits);
	CHECK(last_sp > (uintptr_t)alt && last_sp < (uintptr_t)alt + ALTSZ,
	    "handler sp %#lx not on the altstack %p", (long)last_sp, alt);
	CHECK(last_code == SS_ONSTACK, "ss_flags in handler %d", last_code);
	install(SIGUSR2, alt_handler, 0);
	raise(SIGUSR2);
	CHECK(hits == 2, "hits %d", hits);
	CHECK(last_sp < (uintptr_t)alt || last_sp >= (uintptr_t)alt + ALTSZ,
	    "handler without SA_ONSTACK ran on the altstack");
	CHECK(last_sp < (uintptr_t)&here && (uintptr_t)&here - last_sp < 65536,
	    "handler sp %#lx far from main's %p", (long)last_sp, (void *)&here);
	CHECK(last_code == 0, "ss_flags off the altstack %d", last_code);
	ss.ss_size = 1024;
	CHECK(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM, "small stack");
	printf("altstack %s\n", fails ? "FAILED" : "ok");
}

extern char ud2_here[], int3_after[];

static void
uc_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	record(sig, si, ucv);
	last_rip = uc->uc_mcontext.gregs[REG_RIP];
	if (sig == SIGILL)
		uc->uc_mcontext.gregs[REG_RIP] += 2; /* skip the ud2 */
	/* The mask in the frame is the one before delivery. */
	if (sigismember(&uc->uc_sigmask, sig))
		last_pid = -1;
}

static void
do_ucontext(void)
{
	install(SIGILL, uc_handler, 0);
	install(SIGTRAP, uc_handler, 0);
	__asm__ volatile(".globl ud2_here\nud2_here: ud2" ::: "memory");
	CHECK(hits == 1 && last_sig == SIGILL, "hits %d sig %d", hits,
	    last_sig);
	CHECK(last_rip == (uint64_t)ud2_here, "rip %#lx, ud2 at %p",
	    (long)last_rip, (void *)ud2_here);
	CHECK(last_code == ILL_ILLOPN, "si_code %d", last_code);
	CHECK(last_addr == (void *)ud2_here, "si_addr %p", last_addr);
	CHECK(last_pid != -1, "uc_sigmask holds the signal itself");
	__asm__ volatile("int3\n.globl int3_after\nint3_after:" ::: "memory");
	CHECK(hits == 2 && last_sig == SIGTRAP, "hits %d sig %d", hits,
	    last_sig);
	CHECK(last_rip == (uint64_t)int3_after, "rip %#lx, after int3 %p",
	    (long)last_rip, (void *)int3_after);
	printf("ucontext %s\n", fails ? "FAILED" : "ok");
}

static void
mask_handler(int sig, siginfo_t *si, void *uc)
{
	sigset_t cur;

	record(sig, si, uc);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	/* sa_mask (SIGUSR2) and the signal itself are blocked inside. */
	last_pid = sigismember(&cur, SIGUSR1) * 2 + sigismember(&cur, SIGUSR2);
}

static void
do_mask(void)
{
	struct sigaction sa;
	sigset_t s, pend, cur;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = mask_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, NULL);
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill: %s", strerror(errno));
	CHECK(hits == 0, "delivered while blocked");
	sigpending(&pend);
	CHECK(sigismember(&pend, SIGUSR1) == 1, "not pending");
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	CHECK(hits == 1, "not delivered on unblock: hits %d", hits);
	CHECK(last_pid == 3, "mask inside the handler: %d", last_pid);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(!sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGUSR2),
	    "mask not restored after the handler");
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1), "still pending");
	/* SA_NODEFER: the signal itself is not blocked inside. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	CHECK(hits == 2 && last_pid == 0, "SA_NODEFER: mask %d", last_pid);
	printf("mask %s\n", fails ? "FAILED" : "ok");
	fflush(stdout);
	/* SA_RESETHAND: once, then the default action (terminate). */
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("resethand %s\n", hits == 3 ? "first" : "FAILED");
	fflush(stdout);
	raise(SIGUSR1);
	printf("FAIL: alive after the second SIGUSR1\n");
}

static void
do_term(void)
{
	kill(getpid(), SIGTERM);
	printf("FAIL: alive after SIGTERM\n");
}

static void
do_ign(void)
{
	signal(SIGUSR1, SIG_IGN);
	CHECK(kill(getpid(), SIGUSR1) == 0, "kill: %s", strerror(errno));
	CHECK(raise(SIGUSR1) == 0, "raise");
	/* Ignored by default. */
	CHECK(kill(getpid(), SIGCHLD) == 0, "kill SIGCHLD");
	CHECK(kill(getpid(), SIGWINCH) == 0, "kill SIGWINCH");
	CHECK(kill(getpid(), SIGURG) == 0, "kill SIGURG");
	CHECK(kill(getpid(), 0) == 0, "kill 0");
	CHECK(kill(getpid(), 65) == -1 && errno == EINVAL, "kill 65");
	CHECK(kill(12345, SIGUSR1) == -1 && errno == ESRCH, "kill other");
	printf("ign %s\n", fails ? "FAILED" : "ok");
}

static void
do_abort(void)
{
	abort();
}

static void
do_alarm(void)
{
	install(SIGALRM, record, 0);
	alarm(1);
	CHECK(alarm(1) == 1, "alarm's remaining seconds");
	CHECK(pause() == -1 && errno == EINTR, "pause: %s", strerror(errno));
	CHECK(hits == 1 && last_sig == SIGALRM, "hits %d sig %d", hits,
	    last_sig);
	CHECK(last_code == SI_KERNEL, "si_code %d", last_code);
	CHECK(alarm(0) == 0, "alarm left armed");
	printf("alarm %s\n", fails ? "FAILED" : "ok");
}

static void
tick(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	hits++;
}

/* Ticks arrive while the guest spins without a single system call. */
static void
do_itimer(void)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, cur;
	volatile unsigned long spins = 0;

	install(SIGALRM, tick, 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer: %s",
	    strerror(errno));
	while (hits < 5)
		spins++;
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	CHECK(getitimer(ITIMER_REAL, &cur) == 0 &&
	    cur.it_interval.tv_usec == 20000, "getitimer");
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK(getitimer(ITIMER_REAL, &cur) == 0 && cur.it_value.tv_sec == 0 &&
	    cur.it_value.tv_usec == 0, "not disarmed");
	printf("itimer %s\n", fails ? "FAILED" : "ok");
}

static void
oneshot(long usec)
{
	struct itimerval it = { { 0, 0 }, { 0, usec } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* nanosleep: EINTR after a handler with or without SA_RESTART (Linux
 * never restarts it), the time left in rem. */
static void
do_sleep(void)
{
	struct timespec req = { 5, 0 }, rem = { 0, 0 };
	int flags[2] = { 0, SA_RESTART };

	for (int i = 0; i < 2; i++) {
		install(SIGALRM, record, flags[i]);
		hits = 0;
		oneshot(100000);
		CHECK(nanosleep(&req, &rem) == -1 && errno == EINTR,
		    "nanosleep (flags %#x): %s", flags[i], strerror(errno));
		CHECK(hits == 1, "hits %d", hits);
		CHECK(rem.tv_sec >= 3 && rem.tv_sec <= 5, "rem %ld",
		    (long)rem.tv_sec);
		hits = 0;
		oneshot(100000);
		CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem) == EINTR,
		    "clock_nanosleep");
		CHECK(hits == 1, "hits %d", hits);
	}
	printf("sleep %s\n", fails ? "FAILED" : "ok");
}

/* read() of a pipe that stays empty for a while: EINTR after a handler
 * without SA_RESTART, restarted (and then gets the data) with it. */
static void
do_read(const char *how)
{
	char buf[64];
	ssize_t n;

	install(SIGALRM, record, strcmp(how, "restart") == 0 ? SA_RESTART : 0);
	oneshot(200000);
	n = read(0, buf, sizeof(buf) - 1);
	if (n < 0)
		printf("read: %s, handler ran %d\n", strerror(errno), hits);
	else
		printf("read %zd bytes, handler ran %d\n", n, hits);
}

static void
do_sigwait(void)
{
	sigset_t s, old;
	siginfo_t si;
	struct timespec ts = { 0, 50000000 };

	install(SIGUSR1, record, 0);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGALRM);
	sigprocmask(SIG_BLOCK, &s, &old);
	kill(getpid(), SIGUSR1);
	CHECK(sigtimedwait(&s, &si, &ts) == SIGUSR1, "sigtimedwait: %s",
	    strerror(errno));
	CHECK(si.si_signo == SIGUSR1 && si.si_code == SI_USER &&
	    si.si_pid == getpid(), "siginfo %d %d %d", si.si_signo,
	    si.si_code, si.si_pid);
	CHECK(hits == 0, "the handler ran");
	CHECK(sigtimedwait(&s, &si, &ts) == -1 && errno == EAGAIN,
	    "empty sigtimedwait: %s", strerror(errno));
	oneshot(50000);
	CHECK(sigwaitinfo(&s, &si) == SIGALRM, "sigwaitinfo: %s",
	    strerror(errno));
	CHECK(si.si_code == SI_KERNEL, "SIGALRM si_code %d", si.si_code);
	/* sigsuspend: the handler runs, the old mask comes back. */
	install(SIGALRM, record, 0);
	oneshot(50000);
	CHECK(sigsuspend(&old) == -1 && errno == EINTR, "sigsuspend");
	CHECK(hits == 1 && last_sig == SIGALRM, "hits %d", hits);
	sigprocmask(SIG_BLOCK, NULL, &s);
	CHECK(sigismember(&s, SIGALRM) && sigismember(&s, SIGUSR1),
	    "mask not restored after sigsuspend");
	printf("sigwait %s\n", fails ? "FAILED" : "ok");
}

/*
 * ppoll and pselect with a signal mask: a signal blocked outside the wait
 * but not in the wait's mask interrupts it (EINTR, its handler runs), and
 * the old mask is back afterwards; with the signal blocked in the wait's
 * mask too, the wait times out and the signal stays pending.
 */
static void
do_pwaitmask(void)
{
	struct timespec ts = { 5, 0 }, shortts = { 0, 200000000 };
	sigset_t blk, open, now;
	siginfo_t si;
	fd_set rd;
	int fd[2], r;

	CHECK(pipe(fd) == 0, "pipe: %s", strerror(errno));
	install(SIGALRM, record, 0);
	sigemptyset(&blk);
	sigaddset(&blk, SIGALRM);
	sigprocmask(SIG_BLOCK, &blk, &open);
	sigdelset(&open, SIGALRM);

	oneshot(50000);
	r = ppoll(&(struct pollfd){ .fd = fd[0], .events = POLLIN }, 1, &ts,
	    &open);
	CHECK(r == -1 && errno == EINTR, "ppoll: %d %s", r, strerror(errno));
	CHECK(hits == 1 && last_sig == SIGALRM, "ppoll: hits %d", hits);
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(sigismember(&now, SIGALRM), "ppoll: mask not restored");

	oneshot(50000);
	FD_ZERO(&rd);
	FD_SET(fd[0], &rd);
	r = pselect(fd[0] + 1, &rd, NULL, NULL, &ts, &open);
	CHECK(r == -1 && errno == EINTR, "pselect: %d %s", r,
	    strerror(errno));
	CHECK(hits == 2, "pselect: hits %d", hits);
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(sigismember(&now, SIGALRM), "pselect: mask not restored");

	/* Blocked in the wait's mask too: a timeout, the signal pending. */
	oneshot(50000);
	r = ppoll(&(struct pollfd){ .fd = fd[0], .events = POLLIN }, 1,
	    &shortts, &blk);
	CHECK(r == 0, "blocked ppoll: %d %s", r, strerror(errno));
	CHECK(hits == 2, "blocked ppoll: the handler ran");
	CHECK(sigtimedwait(&blk, &si, &shortts) == SIGALRM,
	    "SIGALRM not pending: %s", strerror(errno));
	printf("pwaitmask %s\n", fails ? "FAILED" : "ok");
}

/* A stack the kernel cannot write: the signal kills with SIGSEGV. */
static void
do_badstack(void)
{
	stack_t ss = { .ss_size = 65536, .ss_flags = 0 };

	ss.ss_sp = mmap(NULL, 65536, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	sigaltstack(&ss, NULL);
	install(SIGUSR1, record, SA_ONSTACK);
	raise(SIGUSR1);
	printf("FAIL: alive after delivery to a read-only stack\n");
}

/* Linux's struct rt_sigframe, from the uc on (the kernel reads rsp-8). */
struct kframe {
	uint64_t pretcode;
	uint64_t uc_flags, uc_link;
	uint64_t ss_sp, ss_flags, ss_size;
	uint64_t gregs[23];  /* r8 .. cr2, glibc's REG_* order */
	uint64_t fpstate, reserved[8];
	uint64_t sigmask;
	uint64_t info[16];
};

static char land_stack[16384] __attribute__((aligned(16)));

static __attribute__((noreturn, used)) void
landed(void)
{
	uint64_t fl;

	__asm__ volatile("cld\n\tpushfq\n\tpopq %0" : "=r"(fl));
	printf("landed: iopl %lu nt %lu vm %lu if %lu\n", (fl >> 12) & 3,
	    (fl >> 14) & 1, (fl >> 17) & 1, (fl >> 9) & 1);
	fflush(stdout);
	_exit(0);
}

/* rt_sigreturn with a frame built by hand. */
static void
forge(uint64_t rip, uint64_t rflags, uint64_t cs)
{
	static struct kframe f __attribute__((aligned(16)));

	memset(&f, 0, sizeof(f));
	f.gregs[REG_RIP] = rip;
	f.gregs[REG_EFL] = rflags;
	f.gregs[REG_RSP] = (uint64_t)(land_stack + sizeof(land_stack) - 8);
	f.gregs[REG_CSGSFS] = cs; /* cs, gs, fs, ss: 16 bits each */
	f.uc_flags = 0;
	fflush(stdout);
	__asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall"
	    : : "r"(&f.uc_flags) : "memory", "rax");
	__builtin_unreachable();
}

static void
do_forge_rip(void)
{
	forge(0xffffffff81000000ULL, 0x202, 0x33);
}

static void
do_forge_noncanon(void)
{
	forge(0x8000000000000000ULL, 0x202, 0x33);
}

/* A kernel cs (Linux makes it 0x13 and iret faults). */
static void
do_forge_cs(void)
{
	forge((uint64_t)landed, 0x202, 0x10);
}

static void
do_forge_flags(void)
{
	/* IOPL 3, NT, VM, VIF, VIP, ID, IF, DF, OF, RF (not TF, AC): IOPL, NT
	 * and VM must not come through. */
	forge((uint64_t)landed, 0x3f7e00ULL & ~0x40100ULL, 0x33);
}

static const struct mode {
	const char *name;
	void (*fn)(void);
} modes[] = {
	{ "handler", do_handler },
	{ "segv", do_segv },
	{ "altstack", do_altstack },
	{ "ucontext", do_ucontext },
	{ "mask", do_mask },
	{ "term", do_term },
	{ "ign", do_ign },
	{ "abort", do_abort },
	{ "alarm", do_alarm },
	{ "itimer", do_itimer },
	{ "sleep", do_sleep },
	{ "sigwait", do_sigwait },
	{ "pwaitmask", do_pwaitmask },
	{ "badstack", do_badstack },
	{ "forgerip", do_forge_rip },
	{ "forgenoncanon", do_forge_noncanon },
	{ "forgeflags", do_forge_flags },
	{ "forgecs", do_forge_cs },
};

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "read") == 0) {
		do_read(argv[2]);
		return 0;
	}
	if (argc != 2) {
		printf("usage: sig MODE\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(argv[1], modes[i].name) != 0)
			continue;
		printf("before %s\n", modes[i].name);
		modes[i].fn();
		return fails ? 1 : 0;
	}
	printf("FAIL: unknown mode %s\n", argv[1]);
	return 2;
}
