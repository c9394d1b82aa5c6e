/* sys_info.c: the small system calls: ids and names (getpid, uname), limits (prlimit and friends), random bytes, prctl, arch_prctl, sysinfo, the CPU affinity calls, sched_yield, exit. */

#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"

long
sys_arch_prctl(struct proc *p, const uint64_t *a)
{
	switch (a[0]) {
	case ARCH_SET_FS:
		if (a[1] >= KS_USER_MAX)
			return -EPERM;
		p->frame.fs_base = a[1];
		return 0;
	case ARCH_SET_GS:
		if (a[1] >= KS_USER_MAX)
			return -EPERM;
		p->frame.gs_base = a[1];
		return 0;
	case ARCH_GET_FS:
		return copyout(p, a[1], &p->frame.fs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_GS:
		return copyout(p, a[1], &p->frame.gs_base, 8) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

long
sys_set_tid_address(struct proc *p, const uint64_t *a)
{
	p->clear_tid = a[0];
	return p->pid;
}

/* The robust futex list (kern/futex.c walks it when the thread ends). */
long
sys_set_robust_list(struct proc *p, const uint64_t *a)
{
	if (a[1] != 24)
		return -EINVAL;
	p->robust_list = a[0];
	return 0;
}

/* get_robust_list(tid, head_ptr, len_ptr): a thread's own, or another's
 * with the right to ptrace it (here: the same process, or the credential
 * check kill(2) makes). */
long
sys_get_robust_list(struct proc *p, const uint64_t *a)
{
	struct proc *t = a[0] == 0 ? p : proc_find((pid_t)a[0]);
	uint64_t len = 24;

	if (t == NULL || t->torn_down)
		return -ESRCH;
	if (t->tg != p->tg && !cred_may_kill(&p->cred, &t->cred))
		return -EPERM;
	if (copyout(p, a[2], &len, sizeof(len)) != 0 ||
	    copyout(p, a[1], &t->robust_list, sizeof(t->robust_list)) != 0)
		return -EFAULT;
	return 0;
}

long
sys_uname(struct proc *p, const uint64_t *a)
{
	struct utsname u;

	if (host_ret(p, uname(&u)) < 0)
		memset(&u, 0, sizeof(u));
	snprintf(u.nodename, sizeof(u.nodename), "vkernel");
	snprintf(u.version, sizeof(u.version), "#1 vkernel");
	return copyout(p, a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

long
sys_getpid(struct proc *p, const uint64_t *a)
{
	(void)a;
	return p->tg->tgid;
}

long
sys_gettid(struct proc *p, const uint64_t *a)
{
	(void)a;
	return p->pid;
}

long
sys_getrandom(struct proc *p, const uint64_t *a)
{
	char buf[256];
	size_t done = 0, len = a[1] > 33554431 ? 33554431 : a[1];
	long r;

	if (a[2] & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | 0x4))
		return -EINVAL;
	while (done < len) {
		size_t n = len - done > sizeof(buf) ? sizeof(buf) : len - done;

		if ((r = host_ret(p, getrandom(buf, n, 0))) < 0)
			return done ? (long)done : r;
		if (copyout(p, a[0] + done, buf, r))
			return done ? (long)done : -EFAULT;
		done += r;
	}
	return (long)done;
}

/* Linux's check_prlimit_permission: p may read and set t's limits when
 * its real ids are all of t's, or with CAP_SYS_RESOURCE. */
static bool
prlimit_ok(const struct proc *p, const struct proc *t)
{
	const struct cred *c = &p->cred, *tc = &t->cred;

	if (p == t || cred_capable(c, CAP_SYS_RESOURCE))
		return true;
	return c->ruid == tc->euid && c->ruid == tc->suid &&
	    c->ruid == tc->ruid && c->rgid == tc->egid &&
	    c->rgid == tc->sgid && c->rgid == tc->rgid;
}

/*
 * prlimit64: a process's limits, its own or another guest process's
 * (prlimit_ok, else EPERM).  Raising a hard limit needs CAP_SYS_RESOURCE,
 * as on Linux: EPERM.
 */
long
sys_prlimit64(struct proc *p, const uint64_t *a)
{
	struct proc *t = a[0] == 0 ? p : proc_find((pid_t)a[0]);
	struct rlimit nl, old;

	if (t == NULL)
		return -ESRCH;
	if (a[1] >= RLIM_NLIMITS)
		return -EINVAL;
	if (a[2] && copyin(p, &nl, a[2], sizeof(nl)))
		return -EFAULT;
	if (!prlimit_ok(p, t))
		return -EPERM;
	if (a[2] && nl.rlim_cur > nl.rlim_max)
		return -EINVAL;
	if (a[2] && nl.rlim_max > t->tg->rlim[a[1]].rlim_max &&
	    !cred_capable(&p->cred, CAP_SYS_RESOURCE))
		return -EPERM;
	if (a[2] && a[1] == RLIMIT_NOFILE && nl.rlim_max > (1u << 20))
		return -EPERM;  /* past Linux's fs.nr_open */
	old = t->tg->rlim[a[1]];
	if (a[2])
		t->tg->rlim[a[1]] = nl;
	if (a[3] && copyout(p, a[3], &old, sizeof(old))) {
		if (a[2])
			t->tg->rlim[a[1]] = old;
		return -EFAULT;
	}
	return 0;
}

long
sys_setrlimit(struct proc *p, const uint64_t *a)
{
	uint64_t b[4] = { 0, a[0], a[1], 0 };

	return sys_prlimit64(p, b);
}

long
sys_getrlimit(struct proc *p, const uint64_t *a)
{
	uint64_t b[4] = { 0, a[0], 0, a[1] };

	return sys_prlimit64(p, b);
}

/* exit: this thread; exit_group: the whole process. */
long
sys_exit(struct proc *p, const uint64_t *a)
{
	proc_thread_exit(p, (int)(a[0] & 0xff));
	return 0;
}

long
sys_exit_group(struct proc *p, const uint64_t *a)
{
	proc_exit(p, (int)(a[0] & 0xff));
	return 0;
}

/* prctl: the process name, the credential options (sys_cred.c), and the
 * calls a C library or a shell makes that change nothing here; the rest
 * EINVAL, as for an unknown option. */
long
sys_prctl(struct proc *p, const uint64_t *a)
{
	char name[16];

	switch (a[0]) {
	case PR_SET_NAME:
		if (copyinstr(p, name, a[1], sizeof(name)) < 0 &&
		    copyin(p, name, a[1], sizeof(name) - 1) != 0)
			return -EFAULT;
		name[sizeof(name) - 1] = '\0';
		memcpy(p->comm, name, sizeof(p->comm));
		return 0;
	case PR_GET_NAME:
		return copyout(p, a[1], p->comm, sizeof(p->comm)) ? -EFAULT : 0;
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_DUMPABLE:
		return a[1] <= 1 ? 0 : -EINVAL;
	case PR_SET_PDEATHSIG:
		return a[1] <= VK_NSIG ? 0 : -EINVAL;
	case PR_GET_PDEATHSIG:
		return copyout(p, a[1], &(int){ 0 }, sizeof(int)) ? -EFAULT : 0;
	case PR_CAPBSET_READ:
	case PR_CAPBSET_DROP:
	case PR_GET_KEEPCAPS:
	case PR_SET_KEEPCAPS:
	case PR_GET_NO_NEW_PRIVS:
	case PR_SET_NO_NEW_PRIVS:
	case PR_CAP_AMBIENT:
		return sys_prctl_cred(p, a);
	default:
		return -EINVAL;
	}
}

/* sysinfo: the guest's memory and processes, the host's uptime. */
long
sys_sysinfo(struct proc *p, const uint64_t *a)
{
	struct vm_page_stats ps;
	struct sysinfo si;
	struct timespec up;

	memset(&si, 0, sizeof(si));
	clock_gettime(CLOCK_BOOTTIME, &up);
	vm_page_stats(&ps);
	si.uptime = up.tv_sec;
	si.totalram = vk.memsize;
	si.freeram = (unsigned long)ps.free * PAGE_SIZE;
	si.procs = (unsigned short)proc_count();
	si.mem_unit = 1;
	return copyout(p, a[0], &si, sizeof(si)) ? -EFAULT : 0;
}

/* One vCPU: every process runs on CPU 0, and may only ask for it. */
/* The vCPUs (-n) as a cpumask: how many bytes Linux's is (whole longs),
 * and the mask. */
static size_t
cpumask_all(uint64_t mask[VK_MAXCPU / 64])
{
	int i, n = sched_ncpus();

	memset(mask, 0, VK_MAXCPU / 8);
	for (i = 0; i < n; i++)
		mask[i / 64] |= 1ULL << (i % 64);
	return (size_t)(n + 63) / 64 * 8;
}

/* Every task may run on every vCPU: the mask is all of them, and a new
 * one is accepted if it names one of them (it is not kept: the scheduler
 * does not pin). */
long
sys_sched_getaffinity(struct proc *p, const uint64_t *a)
{
	uint64_t mask[VK_MAXCPU / 64];
	size_t len = cpumask_all(mask);

	if (a[0] != 0 && proc_find((pid_t)a[0]) == NULL)
		return -ESRCH;
	if (a[1] < len || (a[1] & (sizeof(long) - 1)))
		return -EINVAL;
	return copyout(p, a[2], mask, len) ? -EFAULT : (long)len;
}

long
sys_sched_setaffinity(struct proc *p, const uint64_t *a)
{
	uint64_t mask[VK_MAXCPU / 64], all[VK_MAXCPU / 64];
	size_t len = cpumask_all(all), i;

	if (a[0] != 0 && proc_find((pid_t)a[0]) == NULL)
		return -ESRCH;
	memset(mask, 0, sizeof(mask));
	if (copyin(p, mask, a[2], a[1] < sizeof(mask) ? a[1] : sizeof(mask)))
		return -EFAULT;
	for (i = 0; i < len / 8; i++)
		if (mask[i] & all[i])
			return 0;
	return -EINVAL;
}

/* The vCPU the caller runs on now (node 0). */
long
sys_getcpu(struct proc *p, const uint64_t *a)
{
	unsigned cpu = (unsigned)sched_cpu(), zero = 0;

	if ((a[0] && copyout(p, a[0], &cpu, sizeof(cpu))) ||
	    (a[1] && copyout(p, a[1], &zero, sizeof(zero))))
		return -EFAULT;
	return 0;
}

long
sys_sched_yield(struct proc *p, const uint64_t *a)
{
	(void)a;
	sched_give_way(p);
	return 0;
}
