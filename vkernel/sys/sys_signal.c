/* sys_signal.c: the signal system calls: actions, masks, sigreturn, waits, the alternate stack, kill, alarm and ITIMER_REAL. */

/*
 * kill reaches any guest process of this vkernel, tgkill and tkill any
 * thread, that the sender's credentials may signal (Linux's
 * check_kill_permission).  Blocking calls wait in sig_wait
 * and come back with one of Linux's restart codes, which sig_deliver
 * turns into EINTR or a restart.
 */

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

#define NSEC 1000000000ULL

struct vk_stack_user {
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
};

struct vk_timeval {
	int64_t tv_sec, tv_usec;
};

struct vk_itimerval {
	struct vk_timeval it_interval, it_value;
};

/* Signal numbers 1..64 (0 only where the caller allows it). */
static bool
sig_valid(uint64_t sig)
{
	return sig >= 1 && sig <= VK_NSIG;
}

long
sys_rt_sigaction(struct proc *p, const uint64_t *a)
{
	struct vk_sigaction sa;
	uint64_t sig = a[0];

	if (a[3] != 8 || !sig_valid(sig))
		return -EINVAL;
	if (a[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (a[1] && copyin(p, &sa, a[1], sizeof(sa)))
		return -EFAULT;
	if (a[2] && copyout(p, a[2], &p->tg->sigacts[sig], sizeof(sa)))
		return -EFAULT;
	if (!a[1])
		return 0;
	sa.mask &= ~SIG_UNBLOCKABLE;
	p->tg->sigacts[sig] = sa;
	/* Ignored now: what is pending goes, blocked or not, in every
	 * thread (Linux). */
	if (sa.handler == (uint64_t)(uintptr_t)SIG_IGN ||
	    (sa.handler == (uint64_t)(uintptr_t)SIG_DFL &&
	    (sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
	    sig == SIGCONT))) {
		struct proc *t;

		p->tg->pending &= ~SIGBIT(sig);
		for (t = p->tg->threads; t != NULL; t = t->tg_next)
			t->sig.pending &= ~SIGBIT(sig);
	}
	return 0;
}

long
sys_rt_sigprocmask(struct proc *p, const uint64_t *a)
{
	uint64_t set;

	if (a[3] != 8)
		return -EINVAL;
	if (a[1] && copyin(p, &set, a[1], sizeof(set)))
		return -EFAULT;
	if (a[2] && copyout(p, a[2], &p->sigmask, sizeof(set)))
		return -EFAULT;
	if (!a[1])
		return 0;
	switch (a[0]) {
	case SIG_BLOCK:   p->sigmask |= set; break;
	case SIG_UNBLOCK: p->sigmask &= ~set; break;
	case SIG_SETMASK: p->sigmask = set; break;
	default:          return -EINVAL;
	}
	p->sigmask &= ~SIG_UNBLOCKABLE;
	return 0;
}

long
sys_rt_sigreturn(struct proc *p, const uint64_t *a)
{
	(void)a;
	return sig_return(p);
}

/* Waits with the given mask; the old one comes back once a handler frame
 * holds it (or at once when no handler runs). */
long
sys_rt_sigsuspend(struct proc *p, const uint64_t *a)
{
	uint64_t set;

	if (a[1] != 8)
		return -EINVAL;
	if (copyin(p, &set, a[0], sizeof(set)))
		return -EFAULT;
	p->sig.saved_mask = p->sigmask;
	p->sig.saved_mask_valid = true;
	p->sigmask = set & ~SIG_UNBLOCKABLE;
	sig_wait(p, CLOCK_MONOTONIC, NULL, -1, 0);
	return -ERESTARTNOHAND;
}

/*
 * A wait's own signal mask (ppoll, pselect6, epoll_pwait; Linux's
 * set_user_sigmask): the mask at umask (size bytes) is p's while it waits,
 * the old one in *old.  0, or -EINVAL / -EFAULT with nothing changed; umask
 * 0 changes nothing.
 */
long
sigmask_wait_begin(struct proc *p, uint64_t umask, uint64_t size,
    uint64_t *old)
{
	uint64_t set;

	*old = p->sigmask;
	if (umask == 0)
		return 0;
	if (size != sizeof(set))
		return -EINVAL;
	if (copyin(p, &set, umask, sizeof(set)))
		return -EFAULT;
	p->sigmask = set & ~SIG_UNBLOCKABLE;
	return 0;
}

/* The wait that began with sigmask_wait_begin ended with r: the old mask
 * comes back now, or, when a signal interrupted the wait, once a handler
 * frame holds it (at once when no handler runs), as after rt_sigsuspend,
 * so that the signal the wait's mask let in is taken under that mask. */
void
sigmask_wait_end(struct proc *p, uint64_t umask, uint64_t old, long r)
{
	if (umask == 0)
		return;
	if (r == -EINTR || r == -ERESTARTNOHAND) {
		p->sig.saved_mask = old;
		p->sig.saved_mask_valid = true;
	} else {
		p->sigmask = old;
	}
}

/*
 * Takes a pending signal of the set, waiting for one while the set is
 * unblocked: the signal, -EAGAIN at the timeout, -EINTR when another
 * (unblocked) signal came.
 */
long
sys_rt_sigtimedwait(struct proc *p, const uint64_t *a)
{
	struct timespec ts = { 0, 0 }, until = { 0, 0 }, now;
	siginfo_t si;
	uint64_t set, mask;
	int sig, w;

	if (a[3] != 8)
		return -EINVAL;
	if (copyin(p, &set, a[0], sizeof(set)))
		return -EFAULT;
	set &= ~SIG_UNBLOCKABLE;
	if (a[2] != 0) {
		if (copyin(p, &ts, a[2], sizeof(ts)))
			return -EFAULT;
		if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L || ts.tv_sec < 0)
			return -EINVAL;
		clock_gettime(CLOCK_MONOTONIC, &now);
		until.tv_sec = now.tv_sec + ts.tv_sec;
		until.tv_nsec = now.tv_nsec + ts.tv_nsec;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	for (;;) {
		if ((sig = sig_dequeue(p, set, &si)) != 0) {
			if (a[1] != 0 && copyout(p, a[1], &si, sizeof(si)))
				return -EFAULT;
			return sig;
		}
		if (a[2] != 0 && ts.tv_sec == 0 && ts.tv_nsec == 0)
			return -EAGAIN;
		if (sig_pending(p, 0))
			return -EINTR;
		/* While it waits the set is not blocked, so that a signal
		 * sent to the process picks this thread (Linux's
		 * real_blocked). */
		mask = p->sigmask;
		p->sigmask &= ~set;
		w = sig_wait(p, CLOCK_MONOTONIC, a[2] != 0 ? &until : NULL, -1,
		    set);
		p->sigmask = mask;
		if (w == 0 && (sig = sig_dequeue(p, set, &si)) == 0)
			return -EAGAIN;
		if (sig != 0) {
			if (a[1] != 0 && copyout(p, a[1], &si, sizeof(si)))
				return -EFAULT;
			return sig;
		}
	}
}

long
sys_rt_sigpending(struct proc *p, const uint64_t *a)
{
	uint64_t set = (p->sig.pending | p->tg->pending) & p->sigmask;

	if (a[1] > 8)
		return -EINVAL;
	return copyout(p, a[0], &set, a[1]) ? -EFAULT : 0;
}

long
sys_sigaltstack(struct proc *p, const uint64_t *a)
{
	struct vk_stack_user old, ss;
	int rc;

	memset(&old, 0, sizeof(old));
	old.ss_sp = p->sig.ss_sp;
	old.ss_size = p->sig.ss_size;
	old.ss_flags = sig_altstack_flags(p);
	if (a[0] != 0) {
		if (copyin(p, &ss, a[0], sizeof(ss)))
			return -EFAULT;
		if ((rc = sig_altstack_set(p, ss.ss_sp, ss.ss_flags,
		    ss.ss_size)) != 0)
			return rc;
	}
	if (a[1] != 0 && copyout(p, a[1], &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/*
 * Linux's check_kill_permission: a process may signal itself, a process
 * whose real or saved uid is its own real or effective uid, any process
 * with CAP_KILL, and any process of its session with SIGCONT; else
 * -EPERM.  Signal 0 is checked the same way.
 */
static int
kill_permitted(const struct proc *p, const struct proc *t, int sig)
{
	if (p->tg == t->tg || cred_may_kill(&p->cred, &t->cred))
		return 0;
	return sig == SIGCONT && t->tg->sid == p->tg->sid ? 0 : -EPERM;
}

/* Sends sig to t's process (SI_USER) or to thread t alone (SI_TKILL) as
 * from p, if p may; sig 0 only checks.  0 or -EPERM. */
static int
send_from(struct proc *p, struct proc *t, int sig, int code)
{
	siginfo_t si;
	int rc;

	if ((rc = kill_permitted(p, t, sig)) != 0)
		return rc;
	if (sig == 0 || t->zombie)
		return 0;
	memset(&si, 0, sizeof(si));
	si.si_code = code;
	si.si_pid = p->tg->tgid;
	si.si_uid = p->cred.ruid;
	if (code == SI_TKILL)
		sig_post_thread(t, sig, &si);
	else
		sig_post(t, sig, &si);
	return 0;
}

long
sys_signal_send(struct proc *p, struct proc *t, int sig, const siginfo_t *info)
{
	int rc;

	if (info == NULL)
		return send_from(p, t, sig, SI_USER);
	if ((rc = kill_permitted(p, t, sig)) != 0)
		return rc;
	if (sig != 0 && !t->zombie)
		sig_post(t, sig, info);
	return 0;
}

/*
 * kill: pid > 0 one process (a zombie counts as found, as on Linux),
 * 0 the caller's group, -1 every process but pid 1 and the caller,
 * < -1 the group -pid.  ESRCH when nothing matched.  As Linux: a group
 * succeeds if any member could be signalled (else the last error), -1
 * succeeds once anything matched, whatever EPERM said.
 */
long
sys_kill(struct proc *p, const uint64_t *a)
{
	pid_t pid = (pid_t)a[0];
	int sig = (int)a[1], rc, last = -ESRCH;
	struct proc *t;
	bool found = false, sent = false;

	if (sig < 0 || sig > VK_NSIG)
		return -EINVAL;
	if (pid == INT_MIN)
		return -ESRCH;
	for (t = proc_first(); t != NULL; t = t->all_next) {
		/* A process is its leader's entry; a thread's id names its
		 * process too (the thread then takes it if it can). */
		if (pid > 0 ? t->pid != pid || (t->torn_down &&
		    t != t->tg->leader) : t != t->tg->leader)
			continue;
		if (pid == 0 ? t->tg->pgid != p->tg->pgid :
		    pid == -1 ? t->pid == 1 || t->tg == p->tg :
		    pid < -1 ? t->tg->pgid != -pid : false)
			continue;
		if (pid != -1 && pid <= 0 && t->zombie)
			continue;
		found = true;
		rc = send_from(p, t, sig, SI_USER);
		sent |= rc == 0;
		if (pid != -1 || rc != -EPERM)
			last = rc;
	}
	if (!found)
		return -ESRCH;
	if (pid == -1)
		return last == -ESRCH ? 0 : last;
	return sent ? 0 : last;
}

/* To thread tid (of process tgid, if not 0), alone. */
static long
send_tid(struct proc *p, pid_t tgid, pid_t tid, int sig)
{
	struct proc *t = tid == p->pid ? p : proc_find(tid);

	if (t == NULL || t->torn_down || (tgid != 0 && tgid != t->tg->tgid))
		return -ESRCH;
	return send_from(p, t, sig, SI_TKILL);
}

long
sys_tgkill(struct proc *p, const uint64_t *a)
{
	pid_t tgid = (pid_t)a[0], tid = (pid_t)a[1];
	int sig = (int)a[2];

	if (tgid <= 0 || tid <= 0 || sig < 0 || sig > VK_NSIG)
		return -EINVAL;
	return send_tid(p, tgid, tid, sig);
}

long
sys_tkill(struct proc *p, const uint64_t *a)
{
	pid_t tid = (pid_t)a[0];
	int sig = (int)a[1];

	if (tid <= 0 || sig < 0 || sig > VK_NSIG)
		return -EINVAL;
	return send_tid(p, 0, tid, sig);
}

static void
tv_from_ns(struct vk_timeval *tv, uint64_t ns)
{
	tv->tv_sec = (int64_t)(ns / NSEC);
	tv->tv_usec = (int64_t)(ns % NSEC / 1000);
}

/* alarm: seconds left on the old timer, rounded as Linux rounds them. */
long
sys_alarm(struct proc *p, const uint64_t *a)
{
	uint64_t value, interval;
	struct vk_timeval tv;

	sig_itimer_get(p, &value, &interval);
	tv_from_ns(&tv, value);
	sig_itimer_set(p, (uint64_t)(uint32_t)a[0] * NSEC, 0);
	if ((tv.tv_sec == 0 && tv.tv_usec != 0) || tv.tv_usec >= 500000)
		tv.tv_sec++;
	return tv.tv_sec;
}

static bool
tv_valid(const struct vk_timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

static uint64_t
tv_ns(const struct vk_timeval *tv)
{
	return (uint64_t)tv->tv_sec * NSEC + (uint64_t)tv->tv_usec * 1000;
}

/* ITIMER_REAL only; ITIMER_VIRTUAL and ITIMER_PROF are not done (EINVAL). */
long
sys_setitimer(struct proc *p, const uint64_t *a)
{
	struct vk_itimerval nv, ov;
	uint64_t value, interval;

	if (a[0] != ITIMER_REAL)
		return -EINVAL;
	memset(&nv, 0, sizeof(nv));
	if (a[1] != 0 && copyin(p, &nv, a[1], sizeof(nv)))
		return -EFAULT;
	if (!tv_valid(&nv.it_value) || !tv_valid(&nv.it_interval))
		return -EINVAL;
	sig_itimer_get(p, &value, &interval);
	tv_from_ns(&ov.it_value, value);
	tv_from_ns(&ov.it_interval, interval);
	sig_itimer_set(p, tv_ns(&nv.it_value), tv_ns(&nv.it_interval));
	if (a[2] != 0 && copyout(p, a[2], &ov, sizeof(ov)))
		return -EFAULT;
	return 0;
}

long
sys_getitimer(struct proc *p, const uint64_t *a)
{
	struct vk_itimerval cur;
	uint64_t value, interval;

	if (a[0] != ITIMER_REAL)
		return -EINVAL;
	sig_itimer_get(p, &value, &interval);
	tv_from_ns(&cur.it_value, value);
	tv_from_ns(&cur.it_interval, interval);
	return copyout(p, a[1], &cur, sizeof(cur)) ? -EFAULT : 0;
}

long
sys_pause(struct proc *p, const uint64_t *a)
{
	(void)a;
	sig_wait(p, CLOCK_MONOTONIC, NULL, -1, 0);
	return -ERESTARTNOHAND;
}
