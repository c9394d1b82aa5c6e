/* signal.c: guest signals: posting, delivery to handlers on a Linux x86-64 rt_sigframe, default actions, sigreturn, ITIMER_REAL, interruptible waits, job control and the exit status. */

/*
 * Signals are pending for a thread (tgkill, a fault: struct vk_sigstate)
 * or for its process (kill, the interval timer, SIGCHLD: struct tgroup),
 * become so by sig_post_thread, sig_post or sig_fault (a trap the vkernel
 * could not resolve), and are delivered by sig_deliver, which trap_run
 * (trap.c) calls before every entry into the guest: after a system call,
 * a fault, or a kick.  A signal to the process is taken by the thread it
 * was sent to if that one does not block it, else by any thread that
 * does not (Linux's complete_signal); a thread takes its own first.
 * Default actions act on the whole process: a fatal one ends every
 * thread (proc_kill), a stop stops them all until SIGCONT.
 * The guest's ITIMER_REAL is a CLOCK_MONOTONIC deadline mirrored by one
 * host POSIX timer that raises KS_WAKE_SIGNAL; its handler only kicks the
 * thread being run (kshim.h), so a guest spinning without system calls
 * traps, and the vkernel's own waits (ppoll with KS_WAKE_SIGNAL open)
 * wake.  Everything else happens on the vCPU thread, outside handlers.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vkernel.h"

/* Linux x86-64 uapi values (glibc lacks some). */
#define VK_SA_SIGINFO   0x00000004ULL
#define VK_SA_RESTORER  0x04000000ULL
#define VK_SA_ONSTACK   0x08000000ULL
#define VK_SA_RESTART   0x10000000ULL
#define VK_SA_NODEFER   0x40000000ULL
#define VK_SA_RESETHAND 0x80000000ULL
#define VK_SS_ONSTACK   1
#define VK_SS_DISABLE   2
#define VK_SS_AUTODISARM (1U << 31)
#define VK_MINSIGSTKSZ  2048
#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4
#define USER_CS 0x33
#define USER_DS 0x2b

/* rflags bits: those sigreturn takes from the frame (Linux FIX_EFLAGS),
 * and those delivery clears. */
#define FL_CF 0x1ULL
#define FL_PF 0x4ULL
#define FL_AF 0x10ULL
#define FL_ZF 0x40ULL
#define FL_SF 0x80ULL
#define FL_TF 0x100ULL
#define FL_DF 0x400ULL
#define FL_OF 0x800ULL
#define FL_RF 0x10000ULL
#define FL_AC 0x40000ULL
#define FIX_EFLAGS (FL_AC | FL_OF | FL_DF | FL_TF | FL_SF | FL_ZF | FL_AF | \
    FL_PF | FL_CF | FL_RF)

/* Linux's struct sigcontext (x86-64), the uc_mcontext of a frame. */
struct vk_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp;
	uint64_t rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;            /* always 0: see "FPU state" below */
	uint64_t reserved1[8];
};

struct vk_stack {
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
};

struct vk_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct vk_stack uc_stack;
	struct vk_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

/* Linux's struct rt_sigframe: rsp points at it when the handler starts. */
struct vk_rt_sigframe {
	uint64_t pretcode;           /* sa_restorer: the handler returns there */
	struct vk_ucontext uc;
	siginfo_t info;
};

_Static_assert(sizeof(struct vk_sigcontext) == 256, "sigcontext");
_Static_assert(sizeof(struct vk_ucontext) == 304, "ucontext");
_Static_assert(offsetof(struct vk_rt_sigframe, info) == 312, "rt_sigframe");
_Static_assert(sizeof(struct vk_rt_sigframe) == 440, "rt_sigframe");

/*
 * FPU state: not saved in the frame (fpstate is NULL, as Linux allows).
 * The x87/SSE/AVX registers are left as they are across delivery and
 * sigreturn: the handler starts with the interrupted code's values and the
 * interrupted code resumes with what the handler left.  A handler called at
 * a system call (the usual case) is invisible to compiled code, for which
 * the vector registers do not survive a call anyway; one that interrupts
 * floating-point code asynchronously may change its registers.
 */

static const uint64_t dfl_ignore = SIGBIT(SIGCHLD) | SIGBIT(SIGURG) |
    SIGBIT(SIGWINCH) | SIGBIT(SIGCONT);
/* Stop signals: their default action stops the process (proc_stop). */
static const uint64_t dfl_stop = SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) |
    SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU);
/* Delivered before the others, as Linux's next_signal does. */
static const uint64_t synchronous = SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) |
    SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | SIGBIT(SIGFPE) | SIGBIT(SIGSYS);

static void sig_stop_wait(struct proc *p);

void
sig_proc_init(struct proc *p)
{
	p->sig.sysnr = -1;
}

void
sig_proc_fini(struct proc *p)
{
	(void)p;
}

void
sig_fork(struct proc *child, const struct proc *parent)
{
	child->sigmask = parent->sigmask;
	child->sig.ss_sp = parent->sig.ss_sp;
	child->sig.ss_size = parent->sig.ss_size;
	child->sig.ss_flags = parent->sig.ss_flags;
}

void
sig_thread(struct proc *child, const struct proc *parent)
{
	child->sigmask = parent->sigmask;
}

void
sig_exec(struct proc *p)
{
	int sig;

	for (sig = 1; sig <= VK_NSIG; sig++) {
		if (p->tg->sigacts[sig].handler != VK_SIG_IGN)
			p->tg->sigacts[sig].handler = VK_SIG_DFL;
		p->tg->sigacts[sig].flags = 0;
		p->tg->sigacts[sig].restorer = 0;
		p->tg->sigacts[sig].mask = 0;
	}
	p->sig.ss_sp = p->sig.ss_size = 0;
	p->sig.ss_flags = 0;
	p->sig.saved_mask_valid = false;
}

/* ---- pending signals ---- */

static bool
sig_ignored(const struct tgroup *tg, int sig)
{
	uint64_t h = tg->sigacts[sig].handler;

	return h == VK_SIG_IGN || (h == VK_SIG_DFL && (SIGBIT(sig) & dfl_ignore));
}

/* How many signalfds watch each signal (sig_watch). */
static int sig_watchers[VK_NSIG + 1];

void
sig_watch(uint64_t mask, int delta)
{
	int sig;

	for (sig = 1; sig <= VK_NSIG; sig++)
		if (mask & SIGBIT(sig))
			sig_watchers[sig] += delta;
}

/* Every thread of tg that may still run takes a look at its signals. */
static void
sig_wake_all(struct tgroup *tg)
{
	struct proc *t;

	for (t = tg->threads; t != NULL; t = t->tg_next)
		if (!t->torn_down)
			proc_wake(t);
}

/*
 * What posting sig does to p's process whatever its action, as Linux's
 * prepare_signal: a stop signal cancels a pending SIGCONT, and SIGCONT
 * cancels pending stops and ends a stop (the parent hears of it).  False
 * when the signal is to be dropped (ignored and not blocked by t, or the
 * process is ending).
 */
static bool
sig_prepare(struct proc *t, int sig)
{
	struct tgroup *tg = t->tg;
	struct proc *q;

	if (sig < 1 || sig > VK_NSIG || tg->exiting || tg->nlive == 0)
		return false;
	if (SIGBIT(sig) & (dfl_stop | SIGBIT(SIGCONT))) {
		uint64_t drop = sig == SIGCONT ? dfl_stop : SIGBIT(SIGCONT);

		tg->pending &= ~drop;
		for (q = tg->threads; q != NULL; q = q->tg_next)
			q->sig.pending &= ~drop;
	}
	if (sig == SIGCONT && tg->stopped) {
		tg->stopped = false;
		proc_jobctl(t, CLD_CONTINUED, SIGCONT);
		sig_wake_all(tg);
	}
	/* Blocked signals are never ignored: the action may change. */
	return (t->sigmask & SIGBIT(sig)) || !sig_ignored(tg, sig);
}

/* The thread of p's process that takes a signal sent to it: p if p does
 * not block it, else the first that does not; NULL when all do (it waits
 * until one unblocks it). */
static struct proc *
sig_taker(struct proc *p, int sig)
{
	struct proc *t;

	if (!p->torn_down && !p->exited && !(p->sigmask & SIGBIT(sig)))
		return p;
	for (t = p->tg->threads; t != NULL; t = t->tg_next)
		if (!t->torn_down && !t->exited && !(t->sigmask & SIGBIT(sig)))
			return t;
	return NULL;
}

void
sig_post(struct proc *p, int sig, const siginfo_t *info)
{
	struct tgroup *tg = p->tg;
	struct proc *t;

	if (!sig_prepare(p, sig) || (tg->pending & SIGBIT(sig)))
		return;
	tg->pending |= SIGBIT(sig);
	tg->info[sig] = *info;
	tg->info[sig].si_signo = sig;
	/* A sleep it is in ends: the taker looks again; signalfd's readers
	 * and pollers wait on vk_pollq. */
	if ((t = sig_taker(p, sig)) != NULL)
		proc_wake(t);
	if (sig_watchers[sig] > 0)
		waitq_wakeup(&vk_pollq);
}

void
sig_post_thread(struct proc *t, int sig, const siginfo_t *info)
{
	if (t->exited || t->torn_down || !sig_prepare(t, sig) ||
	    (t->sig.pending & SIGBIT(sig)))
		return;
	t->sig.pending |= SIGBIT(sig);
	t->sig.info[sig] = *info;
	t->sig.info[sig].si_signo = sig;
	proc_wake(t);
	if (sig_watchers[sig] > 0)
		waitq_wakeup(&vk_pollq);
}

void
sig_fault(struct proc *p, int sig, int code, uint64_t addr,
    const struct ks_trap *t, const char *why)
{
	struct vk_sigaction *sa = &p->tg->sigacts[sig];
	siginfo_t si;

	if (sig < 1 || sig > VK_NSIG || p->exited)
		return;
	/* force_sig: blocked or ignored, it takes its default action. */
	if ((p->sigmask & SIGBIT(sig)) || sa->handler == VK_SIG_IGN) {
		sa->handler = VK_SIG_DFL;
		p->sigmask &= ~SIGBIT(sig);
	}
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_addr = (void *)addr;
	p->sig.pending |= SIGBIT(sig);
	p->sig.info[sig] = si;
	p->sig.trap_err = t != NULL ? t->err : 0;
	p->sig.trap_nr = t != NULL ? (uint64_t)t->vector : 0;
	p->sig.trap_cr2 = t != NULL && t->kind == KS_TRAP_PAGEFAULT ? t->addr : 0;
	snprintf(p->sig.why, sizeof(p->sig.why), "%s", why);
	p->sig.why_sig = sig;
}

void
sig_exception(struct proc *p, const struct ks_trap *t, const char *why)
{
	int sig = t->signo, code;
	uint64_t addr = 0;

	/*
	 * The sw path's host kernel already said (si_code is never 0 for
	 * these); on hw, as Linux's traps.c says it from the vector.
	 */
	if (t->code != 0) {
		code = t->code;
		addr = t->addr;
	} else {
		switch (t->vector) {
		case 0:  code = FPE_INTDIV; addr = p->frame.rip; break;
		case 6:  code = ILL_ILLOPN; addr = p->frame.rip; break;
		case 16:
		case 19: code = FPE_FLTINV; addr = p->frame.rip; break;
		case 17: code = BUS_ADRALN; break;
		default: code = SI_KERNEL; break;
		}
	}
	sig_fault(p, sig, code, addr, t, why);
}

/* Signals for p: its own, and its process's.  A process stopping
 * counts as one: the thread must come back to its trap loop to stop. */
bool
sig_pending(struct proc *p, uint64_t also)
{
	if (p->tg->stopped && !p->in_stop)
		return true;
	return ((p->sig.pending | p->tg->pending) & (~p->sigmask | also)) != 0;
}

/* The lowest signal of s, synchronous ones first. */
static int
sig_first(uint64_t s)
{
	if (s & synchronous)
		s &= synchronous;
	return __builtin_ctzll(s) + 1;
}

int
sig_dequeue(struct proc *p, uint64_t set, siginfo_t *info)
{
	struct tgroup *tg = p->tg;
	int sig;

	if ((p->sig.pending & set) != 0) {
		sig = sig_first(p->sig.pending & set);
		p->sig.pending &= ~SIGBIT(sig);
		*info = p->sig.info[sig];
		return sig;
	}
	if ((tg->pending & set) != 0) {
		sig = sig_first(tg->pending & set);
		tg->pending &= ~SIGBIT(sig);
		*info = tg->info[sig];
		return sig;
	}
	return 0;
}

/* ---- timers and waits ---- */

/* An expired ITIMER_REAL posts SIGALRM (SI_KERNEL, as Linux's it_real_fn)
 * and is re-armed by its period, skipping missed periods. */
static void
sig_timers(struct proc *p)
{
	struct tgroup *tg = p->tg;
	siginfo_t si;
	uint64_t now;

	if (tg->it_next == 0 || (now = mono_ns()) < tg->it_next)
		return;
	memset(&si, 0, sizeof(si));
	si.si_code = SI_KERNEL;
	sig_post(p, SIGALRM, &si);
	if (tg->it_interval != 0)
		tg->it_next += ((now - tg->it_next) / tg->it_interval + 1) *
		    tg->it_interval;
	else
		tg->it_next = 0;
}

void
sig_itimer_set(struct proc *p, uint64_t value, uint64_t interval)
{
	p->tg->it_next = value != 0 ? mono_ns() + value : 0;
	p->tg->it_interval = value != 0 ? interval : 0;
}

void
sig_itimer_get(struct proc *p, uint64_t *value, uint64_t *interval)
{
	uint64_t now = mono_ns(), next = p->tg->it_next;

	*interval = p->tg->it_interval;
	if (next == 0)
		*value = 0;
	else /* expired, not yet seen: Linux says 1 us, never 0 */
		*value = next > now ? next - now : 1000;
}

bool
proc_signal_pending(struct proc *p)
{
	sig_timers(p);
	return sig_pending(p, 0);
}

/* A sleep in proc_sleep, with the time on clk turned into a monotonic
 * deadline each round (a clock set meanwhile is seen on the next round,
 * at the latest a second later). */
int
sig_wait(struct proc *p, clockid_t clk, const struct timespec *until, int fd,
    uint64_t also)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec now, rel, deadline;
	int r;

	for (;;) {
		sig_timers(p);
		if (sig_pending(p, also))
			return 1;
		if (until != NULL) {
			clock_gettime(clk, &now);
			if (ts_cmp(&now, until) >= 0)
				return 0;
			rel = ts_sub(until, &now);
			if (clk != CLOCK_MONOTONIC && rel.tv_sec > 0)
				rel = (struct timespec){ 1, 0 };
			deadline_after(&deadline, &rel);
		}
		p->nhostcalls++;
		r = proc_sleep(p, NULL, fd >= 0 ? &pfd : NULL, fd >= 0 ? 1 : 0,
		    until != NULL ? &deadline : NULL);
		if (r == 0 && fd >= 0 && pfd.revents != 0)
			return 0;
	}
}

long
sig_sleep(struct proc *p, clockid_t clk, bool abs, const struct timespec *ts,
    gva_t rem)
{
	struct timespec until, now, left = { 0, 0 };

	if (abs) {
		until = *ts;
	} else {
		clock_gettime(clk, &now);
		until.tv_sec = now.tv_sec + ts->tv_sec;
		until.tv_nsec = now.tv_nsec + ts->tv_nsec;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	if (sig_wait(p, clk, &until, -1, 0) == 0)
		return 0;
	if (!abs && rem != 0) {
		clock_gettime(clk, &now);
		if (ts_cmp(&now, &until) < 0)
			left = ts_sub(&until, &now);
		if (copyout(p, rem, &left, sizeof(left)) != 0)
			return -EFAULT;
	}
	/* Linux: -ERESTART_RESTARTBLOCK, EINTR once a handler ran. */
	return -ERESTARTNOHAND;
}

/* ---- the alternate stack ---- */

/* Linux's on_sig_stack: an auto-disarming stack never counts. */
static bool
on_altstack(struct proc *p, uint64_t sp)
{
	if (p->sig.ss_flags & VK_SS_AUTODISARM)
		return false;
	return p->sig.ss_size != 0 && sp > p->sig.ss_sp &&
	    sp - p->sig.ss_sp <= p->sig.ss_size;
}

int
sig_altstack_flags(struct proc *p)
{
	int f = p->sig.ss_flags & VK_SS_AUTODISARM;

	if (p->sig.ss_size == 0)
		return f | VK_SS_DISABLE;
	return f | (on_altstack(p, p->frame.rsp) ? VK_SS_ONSTACK : 0);
}

int
sig_altstack_set(struct proc *p, uint64_t sp, int flags, uint64_t size)
{
	uint32_t mode = (uint32_t)flags & ~VK_SS_AUTODISARM;

	if (on_altstack(p, p->frame.rsp))
		return -EPERM;
	if (mode != VK_SS_DISABLE && mode != VK_SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == VK_SS_DISABLE) {
		sp = 0;
		size = 0;
	} else if (size < VK_MINSIGSTKSZ) {
		return -ENOMEM;
	}
	p->sig.ss_sp = sp;
	p->sig.ss_size = size;
	p->sig.ss_flags = (uint32_t)flags;
	return 0;
}

/* ---- delivery ---- */

static void
mcontext_from(struct vk_sigcontext *mc, const struct ks_frame *f)
{
	mc->r8 = f->r8; mc->r9 = f->r9; mc->r10 = f->r10; mc->r11 = f->r11;
	mc->r12 = f->r12; mc->r13 = f->r13; mc->r14 = f->r14; mc->r15 = f->r15;
	mc->rdi = f->rdi; mc->rsi = f->rsi; mc->rbp = f->rbp; mc->rbx = f->rbx;
	mc->rdx = f->rdx; mc->rax = f->rax; mc->rcx = f->rcx; mc->rsp = f->rsp;
	mc->rip = f->rip;
	mc->eflags = f->rflags;
}

/*
 * Builds the rt_sigframe for sig as Linux's get_sigframe/setup_rt_frame do:
 * below the 128-byte red zone, or at the top of the alternate stack for
 * SA_ONSTACK when not already on it; ((sp - size) & ~15) - 8, so that the
 * handler starts as if called.  0, or -EFAULT when the frame cannot be
 * written (no SA_RESTORER, a bad stack, an overflowing altstack).
 */
static int
setup_frame(struct proc *p, int sig, const siginfo_t *info,
    struct vk_sigaction *sa)
{
	struct vk_rt_sigframe fr;
	struct ks_frame *f = &p->frame;
	uint64_t sp = f->rsp - 128, mask;
	bool alt = on_altstack(p, f->rsp);

	if (!(sa->flags & VK_SA_RESTORER))
		return -EFAULT;
	if ((sa->flags & VK_SA_ONSTACK) && p->sig.ss_size != 0 &&
	    !on_altstack(p, sp)) {
		sp = p->sig.ss_sp + p->sig.ss_size;
		alt = true;
	}
	sp = ((sp - sizeof(fr)) & ~15ULL) - 8;
	/* Would overflow the alternate stack: no frame (SIGSEGV). */
	if (alt && !(sp > p->sig.ss_sp && sp - p->sig.ss_sp <= p->sig.ss_size))
		return -EFAULT;
	mask = p->sig.saved_mask_valid ? p->sig.saved_mask : p->sigmask;

	memset(&fr, 0, sizeof(fr));
	fr.pretcode = sa->restorer;
	fr.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	fr.uc.uc_stack.ss_sp = p->sig.ss_sp;
	fr.uc.uc_stack.ss_flags = (int32_t)p->sig.ss_flags;
	fr.uc.uc_stack.ss_size = p->sig.ss_size;
	mcontext_from(&fr.uc.uc_mcontext, f);
	fr.uc.uc_mcontext.cs = USER_CS;
	fr.uc.uc_mcontext.ss = USER_DS;
	fr.uc.uc_mcontext.err = p->sig.trap_err;
	fr.uc.uc_mcontext.trapno = p->sig.trap_nr;
	fr.uc.uc_mcontext.cr2 = p->sig.trap_cr2;
	fr.uc.uc_mcontext.oldmask = mask;
	fr.uc.uc_sigmask = mask;
	fr.info = *info;
	if (!user_range(sp, sizeof(fr)) || copyout(p, sp, &fr, sizeof(fr)) != 0)
		return -EFAULT;

	if (p->sig.ss_flags & VK_SS_AUTODISARM) {
		p->sig.ss_sp = p->sig.ss_size = 0;
		p->sig.ss_flags = 0;
	}
	f->rdi = (uint64_t)sig;
	f->rsi = sp + offsetof(struct vk_rt_sigframe, info);
	f->rdx = sp + offsetof(struct vk_rt_sigframe, uc);
	f->rax = 0;
	f->rsp = sp;
	f->rip = sa->handler;
	f->rflags &= ~(FL_DF | FL_RF | FL_TF);
	p->sig.saved_mask_valid = false;
	p->sigmask |= sa->mask | (sa->flags & VK_SA_NODEFER ? 0 : SIGBIT(sig));
	p->sigmask &= ~SIG_UNBLOCKABLE;
	if (sa->flags & VK_SA_RESETHAND)
		sa->handler = VK_SIG_DFL;
	return 0;
}

/* What an interrupted system call does once delivery is over (Linux's
 * handle_signal with a handler, the end of arch_do_signal_or_restart
 * without one). */
static void
syscall_restart(struct proc *p, bool handler, uint64_t saflags)
{
	struct ks_frame *f = &p->frame;

	if (p->sig.sysnr < 0)
		return;
	switch ((long)f->rax) {
	case -ERESTART_RESTARTBLOCK:
	case -ERESTARTNOHAND:
		if (handler) {
			f->rax = (uint64_t)-EINTR;
			break;
		}
		/* FALLTHROUGH */
	case -ERESTARTNOINTR:
	restart:
		f->rax = (uint64_t)p->sig.sysnr;
		f->rip -= 2; /* the syscall instruction again */
		break;
	case -ERESTARTSYS:
		if (!handler || (saflags & VK_SA_RESTART))
			goto restart;
		f->rax = (uint64_t)-EINTR;
		break;
	}
	p->sig.sysnr = -1;
}

static void
sig_terminate(struct proc *p, int sig)
{
	char why[200];

	if (!vk.verbose) {
		proc_kill(p, sig, NULL);
		return;
	}
	if (p->sig.why_sig == sig && p->sig.why[0] != '\0')
		snprintf(why, sizeof(why), "%s", p->sig.why);
	else
		snprintf(why, sizeof(why), "signal %d's default action", sig);
	proc_kill(p, sig, why);
}

void
sig_deliver(struct proc *p)
{
	struct vk_sigaction *sa;
	siginfo_t info;
	char why[160];
	int sig;

	sig_timers(p);
	if (p->tg->stopped && !p->exited)
		sig_stop_wait(p);
	while (!p->exited && (sig = sig_dequeue(p, ~p->sigmask, &info)) != 0) {
		sa = &p->tg->sigacts[sig];
		if (sa->handler == VK_SIG_IGN)
			continue;
		if (sa->handler == VK_SIG_DFL) {
			if (SIGBIT(sig) & dfl_ignore)
				continue;
			if (SIGBIT(sig) & dfl_stop) {
				proc_stop(p, sig);
				continue;
			}
			sig_terminate(p, sig);
			return;
		}
		syscall_restart(p, true, sa->flags);
		if (setup_frame(p, sig, &info, sa) != 0) {
			/* force_sigsegv: the frame could not be written. */
			snprintf(why, sizeof(why), "cannot deliver signal %d: "
			    "bad signal stack at %#llx", sig,
			    (unsigned long long)p->frame.rsp);
			proc_kill(p, SIGSEGV, vk.verbose ? why : NULL);
			return;
		}
		p->sig.why_sig = 0;
		p->sig.trap_err = p->sig.trap_nr = p->sig.trap_cr2 = 0;
	}
	syscall_restart(p, false, 0);
	if (p->sig.saved_mask_valid) {
		p->sigmask = p->sig.saved_mask;
		p->sig.saved_mask_valid = false;
	}
}

/* A user address the CPU can return to: canonical. */
static bool
canonical(uint64_t va)
{
	return va < 0x0000800000000000ULL || va >= 0xffff800000000000ULL;
}

long
sig_return(struct proc *p)
{
	struct ks_frame *f = &p->frame;
	struct vk_ucontext uc;
	struct vk_sigcontext *mc = &uc.uc_mcontext;
	struct ks_trap t;
	gva_t at = f->rsp - 8 + offsetof(struct vk_rt_sigframe, uc);

	p->sig.sysnr = -1; /* rax is the interrupted code's, not a result */
	memset(&t, 0, sizeof(t));
	t.kind = KS_TRAP_EXCEPTION;
	t.vector = 13;
	if (!user_range(at, sizeof(uc)) || copyin(p, &uc, at, sizeof(uc)) != 0) {
		sig_fault(p, SIGSEGV, SI_KERNEL, 0, &t, "rt_sigreturn: bad frame");
		return 0;
	}
	p->sigmask = uc.uc_sigmask & ~SIG_UNBLOCKABLE;
	p->sig.saved_mask_valid = false;
	f->r8 = mc->r8; f->r9 = mc->r9; f->r10 = mc->r10; f->r11 = mc->r11;
	f->r12 = mc->r12; f->r13 = mc->r13; f->r14 = mc->r14; f->r15 = mc->r15;
	f->rdi = mc->rdi; f->rsi = mc->rsi; f->rbp = mc->rbp; f->rbx = mc->rbx;
	f->rdx = mc->rdx; f->rax = mc->rax; f->rcx = mc->rcx; f->rsp = mc->rsp;
	f->rip = mc->rip;
	/* Only the flags user code may set; ss, fs, gs are ignored and the
	 * fs/gs bases stay as they are. */
	f->rflags = (f->rflags & ~FIX_EFLAGS) | (mc->eflags & FIX_EFLAGS);
	/* restore_altstack: errors (on the stack now, say) are ignored. */
	sig_altstack_set(p, uc.uc_stack.ss_sp, uc.uc_stack.ss_flags,
	    uc.uc_stack.ss_size);
	/*
	 * Linux returns with iret, which faults on a non-canonical rip or a
	 * cs other than the 64-bit user one (it takes cs | 3 from the frame;
	 * 32-bit code, cs 0x23, is not supported here): SIGSEGV with the
	 * restored registers.  The cs itself is never loaded.
	 */
	if (!canonical(f->rip) || (mc->cs | 3) != USER_CS)
		sig_fault(p, SIGSEGV, SI_KERNEL, 0, &t,
		    "rt_sigreturn to a bad rip or cs");
	return (long)f->rax;
}

/* ---- job control and the end of a process (its exit status) ---- */

void
proc_jobctl(struct proc *p, int code, int sig)
{
	struct tgroup *tg = p->tg;
	struct proc *l = tg->leader, *pp = l != NULL ? l->parent : NULL;
	siginfo_t si;

	tg->jobctl = code;
	tg->jobctl_sig = sig;
	if (pp == NULL)
		return;
	if (!(pp->tg->sigacts[SIGCHLD].flags & SA_NOCLDSTOP)) {
		memset(&si, 0, sizeof(si));
		si.si_code = code;
		si.si_pid = tg->tgid;
		si.si_uid = l->cred.ruid;
		si.si_status = sig;
		sig_post(pp, SIGCHLD, &si);
	}
	waitq_wakeup(&pp->childq);
}

/* p sits out its process's stop: other signals stay pending until
 * SIGCONT (posted, it ends the stop) or SIGKILL ends the process. */
static void
sig_stop_wait(struct proc *p)
{
	uint64_t mask = p->sigmask;

	p->in_stop = true;
	p->sigmask = ~SIGBIT(SIGKILL);
	while (p->tg->stopped && !p->exited &&
	    !((p->sig.pending | p->tg->pending) & SIGBIT(SIGKILL)))
		(void)proc_sleep(p, NULL, NULL, 0, NULL);
	p->sigmask = mask;
	p->in_stop = false;
}

void
proc_stop(struct proc *p, int sig)
{
	if (!p->tg->stopped) {
		p->tg->stopped = true;
		proc_jobctl(p, CLD_STOPPED, sig);
		sig_wake_all(p->tg);
	}
	sig_stop_wait(p);
}

/* Every thread of p's process but p ends, as if killed (exit_group, a
 * fatal signal). */
static void
proc_group_exit(struct proc *p, int status)
{
	struct tgroup *tg = p->tg;
	siginfo_t si = { .si_signo = SIGKILL, .si_code = SI_KERNEL };
	struct proc *t;

	tg->exiting = true;
	tg->exit_status = status;
	tg->stopped = false;
	p->exited = true;
	for (t = tg->threads; t != NULL; t = t->tg_next)
		if (t != p && !t->torn_down)
			proc_kill_thread(t, &si);
}

void
proc_kill_thread(struct proc *t, const siginfo_t *si)
{
	t->exited = true;
	t->sig.pending |= SIGBIT(SIGKILL);
	t->sig.info[SIGKILL] = *si;
	proc_wake(t);
}

void
proc_exit(struct proc *p, int code)
{
	if (p->exited)
		return;
	if (p->tg->exiting) {
		p->exited = true;
		return;
	}
	proc_group_exit(p, (code & 0xff) << 8);
}

void
proc_thread_exit(struct proc *p, int code)
{
	if (p->exited)
		return;
	p->exited = true;
	p->status = (code & 0xff) << 8;
}

void
proc_kill(struct proc *p, int sig, const char *why)
{
	if (p->exited)
		return;
	if (p->tg->exiting) {
		p->exited = true;
		return;
	}
	if (why != NULL)
		vk_log("pid %d (%s): %s, killed by signal %d (%s)", p->tg->tgid,
		    p->comm, why, sig, strsignal(sig));
	proc_group_exit(p, sig & 0x7f);
}
