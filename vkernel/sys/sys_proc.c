/* sys_proc.c: the process system calls: fork, vfork, clone and clone3 (threads too), execve, wait4, waitid, getppid, process groups and sessions. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "pidfd.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Flags that change nothing here (no tracer, no System V semaphores, no
 * I/O contexts; CLONE_DETACHED is ignored by Linux too). */
#define CLONE_HARMLESS (CLONE_PTRACE | CLONE_UNTRACED | CLONE_SYSVSEM | \
    CLONE_IO | CLONE_DETACHED)

/*
 * clone's work, for clone and clone3:
 * - CLONE_THREAD (with CLONE_VM, CLONE_SIGHAND and CLONE_FS, as every C
 *   library and Go pass them): a new thread of the caller's process;
 *   CLONE_FILES shares the descriptor table, else the thread gets a copy.
 * - otherwise a new process: fork (a copy-on-write copy of the address
 *   space), vfork (CLONE_VM|CLONE_VFORK: the child runs on the parent's
 *   address space while the parent waits, until the child execs or
 *   exits) or CLONE_VM alone (a process sharing the address space).
 *   CLONE_FILES shares the descriptor table.
 * CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID and
 * CLONE_CHILD_CLEARTID are honoured; CLONE_PIDFD stores a close-on-exec
 * pidfd of the child at pidfdp (not with CLONE_THREAD or CLONE_DETACHED:
 * EINVAL); sharing the directory or the signal actions between processes
 * (CLONE_FS, CLONE_SIGHAND without a thread), CLONE_PARENT and namespaces
 * are EINVAL.  stack is the child's rsp (0: the caller's).  The child's
 * id, or -errno.
 */
static long
do_fork(struct proc *p, uint64_t flags, int csig, gva_t stack, gva_t ptid,
    gva_t ctid, uint64_t tls, gva_t pidfdp)
{
	const uint64_t ok = CLONE_VM | CLONE_VFORK | CLONE_FILES |
	    CLONE_FS | CLONE_SIGHAND | CLONE_THREAD | CLONE_PARENT_SETTID |
	    CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_SETTLS |
	    CLONE_HARMLESS | CLONE_PIDFD;
	struct file *pf = NULL;
	int pfd = -1;
	const uint64_t thread = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM |
	    CLONE_FS;
	bool vfork = (flags & (CLONE_VM | CLONE_VFORK)) ==
	    (CLONE_VM | CLONE_VFORK);
	struct proc *c;
	uint64_t mask;
	int err = 0;
	pid_t pid;

	if (csig < 0 || csig > VK_NSIG || (flags & ~ok) != 0)
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;   /* as Linux */
	if (flags & CLONE_THREAD) {
		if ((flags & thread) != thread || (flags & CLONE_VFORK))
			return -EINVAL;
	} else if (flags & (CLONE_SIGHAND | CLONE_FS)) {
		return -EINVAL;
	}
	if ((flags & CLONE_SETTLS) && tls >= KS_USER_MAX)
		return -EPERM;
	/* The pidfd's descriptor is taken before the child is made, as
	 * Linux reserves it, and taken out of a child's copied table. */
	if ((flags & CLONE_PIDFD) && (flags & (CLONE_THREAD | CLONE_DETACHED)))
		return -EINVAL;
	/* Where the pidfd goes must take it before there is a child, as
	 * Linux fails with EFAULT and makes none. */
	if ((flags & CLONE_PIDFD) && copyout(p, pidfdp, &pfd, sizeof(pfd)))
		return -EFAULT;
	if ((flags & CLONE_PIDFD) && ((err = pidfd_new(NULL, 0, &pf)) != 0 ||
	    (pfd = fdtab_alloc(p->fds, pf, 0, sys_nofile(p), true)) < 0)) {
		if (pf != NULL)
			file_unref(pf);
		return err != 0 ? err : pfd;
	}
	if (flags & CLONE_THREAD)
		c = proc_thread(p, (flags & CLONE_FILES) != 0, &err);
	else
		c = proc_fork(p, (flags & CLONE_VM) != 0,
		    (flags & CLONE_FILES) != 0, &err);
	if (c == NULL) {
		if (pfd >= 0)
			(void)fdtab_close(p->fds, pfd);
		return err;
	}
	pid = c->pid;
	if (pf != NULL) {
		if (c->fds != p->fds)
			(void)fdtab_close(c->fds, pfd);
		pidfd_attach(pf, c);
		(void)copyout(p, pidfdp, &pfd, sizeof(pfd));
	}
	if (!(flags & CLONE_THREAD))
		c->exit_signal = csig;
	if (stack != 0)
		c->frame.rsp = stack;
	if (flags & CLONE_SETTLS)
		c->frame.fs_base = tls;
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_tid = ctid;
	/* As Linux, failures to store the tid are ignored. */
	if (flags & CLONE_PARENT_SETTID)
		(void)copyout(p, ptid, &pid, sizeof(pid));
	if (flags & CLONE_CHILD_SETTID)
		(void)copyout(c, ctid, &pid, sizeof(pid));
	if (!vfork)
		return pid;
	/* The parent waits, killable only, as Linux's vfork. */
	c->vforker = p;
	p->vfork_done = false;
	mask = p->sigmask;
	p->sigmask = ~SIGBIT(SIGKILL);
	while (!p->vfork_done && !p->exited &&
	    !((p->sig.pending | p->tg->pending) & SIGBIT(SIGKILL)))
		(void)proc_sleep(p, NULL, NULL, 0, NULL);
	p->sigmask = mask;
	return pid;
}

long
sys_fork(struct proc *p, const uint64_t *a)
{
	(void)a;
	return do_fork(p, 0, SIGCHLD, 0, 0, 0, 0, 0);
}

long
sys_vfork(struct proc *p, const uint64_t *a)
{
	(void)a;
	return do_fork(p, CLONE_VM | CLONE_VFORK, SIGCHLD, 0, 0, 0, 0, 0);
}

/* x86-64 order: flags (exit signal in the low byte), stack, parent_tid,
 * child_tid, tls. */
long
sys_clone(struct proc *p, const uint64_t *a)
{
	/* clone stores the pidfd where the parent's tid would go. */
	if ((a[0] & (CLONE_PIDFD | CLONE_PARENT_SETTID)) ==
	    (CLONE_PIDFD | CLONE_PARENT_SETTID))
		return -EINVAL;
	return do_fork(p, a[0] & ~(uint64_t)CSIGNAL, (int)(a[0] & CSIGNAL),
	    a[1], a[2], a[3], a[4], a[2]);
}

/* Linux's struct clone_args (the first version, 64 bytes, then set_tid
 * and cgroup). */
struct vk_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
	    stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* clone3(args, size): the same, from a struct; a larger struct than ours
 * must be zero past it (E2BIG), as Linux's copy_struct_from_user. */
long
sys_clone3(struct proc *p, const uint64_t *a)
{
	struct vk_clone_args ca;
	size_t size = a[1], n = size < sizeof(ca) ? size : sizeof(ca), i;
	uint8_t extra[64];
	gva_t stack = 0;

	if (size < 64 || size > 4096)
		return -EINVAL;
	memset(&ca, 0, sizeof(ca));
	if (copyin(p, &ca, a[0], n) != 0)
		return -EFAULT;
	for (i = sizeof(ca); i < size; i += sizeof(extra)) {
		size_t m = size - i < sizeof(extra) ? size - i : sizeof(extra);

		if (copyin(p, extra, a[0] + i, m) != 0)
			return -EFAULT;
		while (m-- > 0)
			if (extra[m] != 0)
				return -E2BIG;
	}
	if ((ca.flags & CSIGNAL) != 0 || ca.exit_signal > VK_NSIG ||
	    ca.set_tid != 0 || ca.set_tid_size != 0 || ca.cgroup != 0 ||
	    ((ca.stack == 0) != (ca.stack_size == 0)))
		return -EINVAL;
	if (ca.stack != 0)
		stack = ca.stack + ca.stack_size;
	return do_fork(p, ca.flags, (int)ca.exit_signal, stack, ca.parent_tid,
	    ca.child_tid, ca.tls, ca.pidfd);
}

/* ---- waiting for children ---- */

struct waitreq {
	int idtype;        /* P_ALL, P_PID, P_PGID */
	pid_t id;
	int options;
	/* what the reaped child said */
	pid_t pid;
	uid_t uid;         /* its real uid (waitid's si_uid) */
	int status;        /* wait4's status word */
};

static bool
wait_match(const struct proc *c, const struct waitreq *w)
{
	bool clone_child = c->exit_signal != SIGCHLD;

	if (!(w->options & __WALL) && clone_child != !!(w->options & __WCLONE))
		return false;
	switch (w->idtype) {
	case P_PID:  return c->pid == w->id;
	case P_PGID: return c->tg->pgid == w->id;
	default:     return true;
	}
}

/*
 * Finds a child matching w that exited (and reaps it, unless WNOWAIT),
 * or, as w asks, stopped or continued since it was last reported; or
 * sleeps for one: 1 with w->pid and w->status set, 0 (WNOHANG, nothing
 * yet), -ECHILD, or -ERESTARTSYS.
 */
static int
do_wait(struct proc *p, struct waitreq *w)
{
	struct proc *l = p->tg->leader, *c;
	bool any;
	int r;

	for (;;) {
		any = false;
		for (c = l->children; c != NULL; c = c->sibling) {
			if (!wait_match(c, w))
				continue;
			any = true;
			if (c->zombie && (w->options & WEXITED)) {
				w->pid = c->pid;
				w->uid = c->cred.ruid;
				w->status = c->status;
				if (!(w->options & WNOWAIT))
					proc_reap(c);
				return 1;
			}
			if (c->zombie || c->tg->jobctl == 0)
				continue;
			if (c->tg->jobctl == CLD_STOPPED &&
			    (w->options & WSTOPPED))
				w->status = (c->tg->jobctl_sig << 8) | 0x7f;
			else if (c->tg->jobctl == CLD_CONTINUED &&
			    (w->options & WCONTINUED))
				w->status = 0xffff;
			else
				continue;
			w->pid = c->pid;
			w->uid = c->cred.ruid;
			if (!(w->options & WNOWAIT))
				c->tg->jobctl = 0; /* reported once */
			return 1;
		}
		if (!any)
			return -ECHILD;
		if (w->options & WNOHANG)
			return 0;
		if ((r = proc_sleep(p, &l->childq, NULL, 0, NULL)) ==
		    -ERESTARTSYS)
			return r;
	}
}

static long
rusage_out(struct proc *p, gva_t ru)
{
	struct rusage r;

	memset(&r, 0, sizeof(r));
	return ru != 0 && copyout(p, ru, &r, sizeof(r)) ? -EFAULT : 0;
}

long
sys_wait4(struct proc *p, const uint64_t *a)
{
	pid_t pid = (pid_t)a[0];
	struct waitreq w = { .options = (int)a[2] | WEXITED };
	int r;

	if ((a[2] & ~(uint64_t)(WNOHANG | WUNTRACED | WCONTINUED |
	    __WNOTHREAD | __WCLONE | __WALL)) != 0)
		return -EINVAL;
	if (pid == INT_MIN)
		return -ESRCH;
	if (pid < -1) {
		w.idtype = P_PGID;
		w.id = -pid;
	} else if (pid == -1) {
		w.idtype = P_ALL;
	} else if (pid == 0) {
		w.idtype = P_PGID;
		w.id = p->tg->pgid;
	} else {
		w.idtype = P_PID;
		w.id = pid;
	}
	if ((r = do_wait(p, &w)) <= 0)
		return r;
	if (a[1] != 0 && copyout(p, a[1], &w.status, sizeof(w.status)))
		return -EFAULT;
	if (rusage_out(p, a[3]) != 0)
		return -EFAULT;
	return w.pid;
}

long
sys_waitid(struct proc *p, const uint64_t *a)
{
	struct waitreq w = { .idtype = (int)a[0], .id = (pid_t)a[1],
	    .options = (int)a[3] };
	struct file *pf = NULL;
	struct proc *t;
	siginfo_t si;
	int r;

	if ((a[3] & ~(uint64_t)(WNOHANG | WNOWAIT | WEXITED | WSTOPPED |
	    WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) != 0 ||
	    (a[3] & (WEXITED | WSTOPPED | WCONTINUED)) == 0)
		return -EINVAL;
	switch (w.idtype) {
	case P_ALL:
		break;
	case P_PID:
		if (w.id <= 0)
			return -EINVAL;
		break;
	case P_PGID:
		if (w.id < 0)
			return -EINVAL;
		if (w.id == 0)
			w.id = p->tg->pgid;
		break;
	case P_PIDFD:
		/* The pidfd's process, by its pid while its entry stands
		 * (ECHILD once reaped, or if it is no child); a non-blocking
		 * pidfd makes the wait EAGAIN where it would sleep. */
		if (w.id < 0)
			return -EINVAL;
		if ((pf = fget(p, w.id)) == NULL || !pidfd_is(pf))
			return -EBADF;
		if ((t = pidfd_proc(pf)) == NULL)
			return -ECHILD;
		w.idtype = P_PID;
		w.id = t->pid;
		if (pf->flags & O_NONBLOCK)
			w.options |= WNOHANG;
		break;
	default:
		return -EINVAL;
	}
	if ((r = do_wait(p, &w)) < 0)
		return r;
	if (r == 0 && pf != NULL && (pf->flags & O_NONBLOCK) &&
	    !(a[3] & WNOHANG))
		return -EAGAIN;
	memset(&si, 0, sizeof(si));
	if (r == 1) {
		si.si_signo = SIGCHLD;
		si.si_pid = w.pid;
		si.si_uid = w.uid;
		if (WIFEXITED(w.status)) {
			si.si_code = CLD_EXITED;
			si.si_status = WEXITSTATUS(w.status);
		} else if (WIFSTOPPED(w.status)) {
			si.si_code = CLD_STOPPED;
			si.si_status = WSTOPSIG(w.status);
		} else if (WIFCONTINUED(w.status)) {
			si.si_code = CLD_CONTINUED;
			si.si_status = SIGCONT;
		} else {
			si.si_code = CLD_KILLED;
			si.si_status = WTERMSIG(w.status);
		}
	}
	/* With WNOHANG and nothing to report, Linux zeroes the siginfo. */
	if (a[2] != 0 && copyout(p, a[2], &si, sizeof(si)))
		return -EFAULT;
	return rusage_out(p, a[4]);
}

/* ---- ids, groups and sessions ---- */

long
sys_getppid(struct proc *p, const uint64_t *a)
{
	struct proc *pp = p->tg->leader->parent;

	(void)a;
	return pp != NULL ? pp->tg->tgid : 0;
}

/* The process pid names for getpgid/getsid/setpgid (its leader): 0 is the
 * caller's; a thread's id names its process. */
static struct proc *
pid_target(struct proc *p, pid_t pid)
{
	struct proc *t = pid == 0 ? p : pid < 0 ? NULL : proc_find(pid);

	return t != NULL ? t->tg->leader : NULL;
}

long
sys_getpgid(struct proc *p, const uint64_t *a)
{
	struct proc *t = pid_target(p, (pid_t)a[0]);

	return t != NULL ? t->tg->pgid : -ESRCH;
}

long
sys_getpgrp(struct proc *p, const uint64_t *a)
{
	(void)a;
	return p->tg->pgid;
}

long
sys_getsid(struct proc *p, const uint64_t *a)
{
	struct proc *t = pid_target(p, (pid_t)a[0]);

	return t != NULL ? t->tg->sid : -ESRCH;
}

/* A live process other than except in group pgid and session sid. */
static bool
group_exists(pid_t pgid, pid_t sid, const struct proc *except)
{
	struct proc *q;

	for (q = proc_first(); q != NULL; q = q->all_next)
		if (q != except && q == q->tg->leader && !q->zombie &&
		    q->tg->pgid == pgid && (sid == 0 || q->tg->sid == sid))
			return true;
	return false;
}

/* Linux's setpgid: the caller or a child of it that has not exec'd, in
 * the caller's session, not a session leader, into its own group or an
 * existing group of that session. */
long
sys_setpgid(struct proc *p, const uint64_t *a)
{
	pid_t pid = (pid_t)a[0], pgid = (pid_t)a[1];
	struct proc *t;

	if (pgid < 0)
		return -EINVAL;
	if ((t = pid_target(p, pid)) == NULL)
		return -ESRCH;
	if (pgid == 0)
		pgid = t->pid;
	if (t->tg != p->tg) {
		if (t->parent != p->tg->leader)
			return -ESRCH;
		if (t->did_exec)
			return -EACCES;
		if (t->tg->sid != p->tg->sid)
			return -EPERM;
	}
	if (t->tg->sid == t->pid)
		return -EPERM;
	if (pgid != t->pid && !group_exists(pgid, p->tg->sid, NULL))
		return -EPERM;
	t->tg->pgid = pgid;
	return 0;
}

long
sys_setsid(struct proc *p, const uint64_t *a)
{
	(void)a;
	if (p->tg->pgid == p->tg->tgid || group_exists(p->tg->tgid, 0, NULL))
		return -EPERM;
	p->tg->sid = p->tg->pgid = p->tg->tgid;
	return p->tg->sid;
}

/* execve's limits on the strings it copies in, as Linux's. */
#define MAX_ARG_STRLEN (32 * PAGE_SIZE)  /* one string */
#define ARG_BYTES      (2u << 20)        /* all of argv and envp */

/* Copies the guest's NULL-terminated vector of strings at uv into *out
 * (one allocation: pointers, then strings), counting bytes into *total. */
static int
copy_strvec(struct proc *p, gva_t uv, char ***out, size_t *total)
{
	size_t n = 0, cap = 16, used = 0, scap = 4096, i;
	char **v = NULL, *strs = NULL, *big;
	uint64_t ptr;
	long len;
	int rc = 0;

	*out = NULL;
	if ((v = malloc(cap * sizeof(*v))) == NULL ||
	    (strs = malloc(scap)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	for (; uv != 0; n++) {
		if (copyin(p, &ptr, uv + n * 8, sizeof(ptr)) != 0) {
			rc = -EFAULT;
			goto fail;
		}
		if (ptr == 0)
			break;
		if (n + 2 > cap) {
			char **nv = realloc(v, (cap *= 2) * sizeof(*v));

			if (nv == NULL) {
				rc = -ENOMEM;
				goto fail;
			}
			v = nv;
		}
		for (;;) {
			len = copyinstr(p, strs + used, ptr,
			    scap - used < MAX_ARG_STRLEN ? scap - used :
			    MAX_ARG_STRLEN);
			if (len >= 0)
				break;
			if (len == -EFAULT) {
				rc = -EFAULT;
				goto fail;
			}
			if (scap - used >= MAX_ARG_STRLEN) {
				rc = -E2BIG;
				goto fail;
			}
			if ((big = realloc(strs, scap *= 2)) == NULL) {
				rc = -ENOMEM;
				goto fail;
			}
			strs = big;
		}
		v[n] = (char *)(uintptr_t)used; /* an offset until the end */
		used += (size_t)len + 1;
		*total += (size_t)len + 1 + sizeof(char *);
		if (*total > ARG_BYTES) {
			rc = -E2BIG;
			goto fail;
		}
	}
	/* Pointers and strings in one block the caller frees. */
	if ((big = malloc((n + 1) * sizeof(*v) + used)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	memcpy(big + (n + 1) * sizeof(*v), strs, used);
	for (i = 0; i < n; i++)
		((char **)big)[i] = big + (n + 1) * sizeof(*v) +
		    (uintptr_t)v[i];
	((char **)big)[n] = NULL;
	*out = (char **)big;
fail:
	free(v);
	free(strs);
	return rc;
}

long
sys_execve(struct proc *p, const uint64_t *a)
{
	char path[PATH_MAX], why[160], **argv = NULL, **envp = NULL;
	size_t total = 0;
	long r;

	if ((r = copyinstr(p, path, a[0], sizeof(path))) < 0)
		return r;
	if ((r = copy_strvec(p, a[1], &argv, &total)) != 0 ||
	    (r = copy_strvec(p, a[2], &envp, &total)) != 0)
		goto out;
	r = proc_exec(p, path, argv, envp, why, sizeof(why));
	if (r != 0)
		vk_verbose("pid %d (%s): execve %s: %s", p->tg->tgid, p->comm,
		    path, why);
out:
	free(argv);
	free(envp);
	return r;
}
