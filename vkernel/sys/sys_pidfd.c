/* sys_pidfd.c: process descriptors: pidfd_open, pidfd_send_signal, pidfd_getfd (the files are kern/pidfd.c's; waitid's P_PIDFD and CLONE_PIDFD are in sys_proc.c). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <linux/capability.h>

#include "sys.h"
#include "file.h"
#include "pidfd.h"

#define PIDFD_NONBLOCK O_NONBLOCK

/* The process whose id is pid, as long as it has an entry (zombies too,
 * as Linux's pid lookup finds them): its leader, or NULL. */
static struct proc *
leader_of(pid_t pid)
{
	struct proc *t;

	for (t = proc_first(); t != NULL; t = t->all_next)
		if (t->pid == pid && t == t->tg->leader && !t->reaped)
			return t;
	return NULL;
}

/*
 * pidfd_open(pid, flags): a close-on-exec pidfd of process pid.  EINVAL
 * for flags other than PIDFD_NONBLOCK, pid <= 0, or the id of a thread
 * that does not lead its process; ESRCH for no such process.
 */
long
sys_pidfd_open(struct proc *p, const uint64_t *a)
{
	pid_t pid = (pid_t)a[0];
	struct proc *t, *q;
	struct file *f;
	int r;

	if ((a[1] & ~(uint64_t)PIDFD_NONBLOCK) != 0 || (int64_t)a[0] <= 0 ||
	    a[0] > INT32_MAX)
		return -EINVAL;
	if ((t = leader_of(pid)) == NULL)
		return (q = proc_find(pid)) != NULL && !q->torn_down ? -EINVAL :
		    -ESRCH;
	if ((r = pidfd_new(t, (int)a[1], &f)) != 0)
		return r;
	if ((r = fdtab_alloc(p->fds, f, 0, sys_nofile(p), true)) < 0)
		file_unref(f);
	return r;
}

/* The process a pidfd names: 0 and *tp, -EBADF (not a pidfd), -ESRCH
 * (its entry is gone: reaped). */
static int
pidfd_target(struct proc *p, uint64_t fd, struct proc **tp)
{
	struct file *f = fget(p, (long)(int)fd);

	if (f == NULL || !pidfd_is(f))
		return -EBADF;
	return (*tp = pidfd_proc(f)) != NULL ? 0 : -ESRCH;
}

/*
 * pidfd_send_signal(pidfd, sig, info, flags): kill(2) to the process the
 * pidfd names (a zombie takes it silently), or with info, a siginfo the
 * caller gives (rt_sigqueueinfo's rules: its si_signo is sig, EINVAL;
 * to another process only negative codes other than SI_TKILL, EPERM).
 * EINVAL for flags and a bad signal, EBADF, ESRCH once reaped, EFAULT.
 */
long
sys_pidfd_send_signal(struct proc *p, const uint64_t *a)
{
	int sig = (int)a[1], r;
	struct proc *t;
	siginfo_t si;

	if (a[3] != 0)
		return -EINVAL;
	if ((r = pidfd_target(p, a[0], &t)) != 0)
		return r;
	if (a[1] > VK_NSIG)
		return -EINVAL;
	if (a[2] == 0)
		return sys_signal_send(p, t, sig, NULL);
	if (copyin(p, &si, a[2], sizeof(si)) != 0)
		return -EFAULT;
	if (si.si_signo != sig)
		return -EINVAL;
	if (t->tg != p->tg && (si.si_code >= 0 || si.si_code == SI_TKILL))
		return -EPERM;
	return sys_signal_send(p, t, sig, &si);
}

/* Linux's ptrace_may_access for PTRACE_MODE_ATTACH_REALCREDS, as far as
 * credentials go: the same process, or the caller's real ids are every
 * one of the target's uids and gids, or CAP_SYS_PTRACE. */
static bool
may_grab(const struct proc *p, const struct proc *t)
{
	const struct cred *c = &p->cred, *o = &t->cred;

	if (p->tg == t->tg)
		return true;
	if (c->ruid == o->ruid && c->ruid == o->euid && c->ruid == o->suid &&
	    c->rgid == o->rgid && c->rgid == o->egid && c->rgid == o->sgid)
		return true;
	return cred_capable(c, CAP_SYS_PTRACE);
}

/*
 * pidfd_getfd(pidfd, targetfd, flags): a close-on-exec duplicate in the
 * caller's table of the target's descriptor targetfd (the same open file,
 * as Linux's).  EINVAL for flags, EBADF (no pidfd, no such descriptor),
 * ESRCH (ended), EPERM (may_grab), EMFILE.
 */
long
sys_pidfd_getfd(struct proc *p, const uint64_t *a)
{
	struct file *f;
	struct proc *t;
	int r;

	if (a[2] != 0)
		return -EINVAL;
	if ((r = pidfd_target(p, a[0], &t)) != 0)
		return r;
	if (t->zombie || t->fds == NULL)
		return -ESRCH;
	if (!may_grab(p, t))
		return -EPERM;
	if ((int64_t)a[1] < 0 || a[1] > INT32_MAX ||
	    (f = fget_in(p, t->fds, (long)a[1])) == NULL)
		return -EBADF;
	if ((r = fdtab_alloc(p->fds, file_ref(f), 0, sys_nofile(p), true)) < 0)
		file_unref(f);
	return r;
}
