/* trap.c: the trap loop: enter the guest, take its trap (a system call, a page fault, an exception, a kick), handle it, deliver signals, go again. */

/*
 * Every guest task runs trap_run, the body the scheduler gives it (see
 * sched_init in main.c).  One turn of the loop:
 *
 *   sig_deliver        signals pending for p: handler frames, default
 *                      actions (signal.c)
 *   sched_before_run   the host timer for the next event (sched.c)
 *   ks_run             into the guest until it traps (kshim.h), the big
 *                      lock let go meanwhile
 *   syscall_dispatch   a system call (sys/syscall.c), or
 *   trap_pagefault     a page fault (vm_fault), or
 *   sig_exception      an exception: the signal Linux sends for it, or
 *                      nothing for a kick (a timer: sig_deliver looks)
 *   sched_after_trap   yields when the slice is over
 *
 * until the process has exited, when proc_teardown gives back what it
 * held.  This file calls down into everything and nothing calls up into
 * it but the scheduler, through the body it was handed.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "vkernel.h"
#include "trap.h"
#include "tty.h"
#include "sys.h"

/* A guest access of the vkernel's (copyin/copyout) ran out of guest
 * memory: the process dies as the same access from guest code would. */
static void
trap_oom(struct proc *p)
{
	char why[160];

	if (!p->copy_oom)
		return;
	p->copy_oom = false;
	snprintf(why, sizeof(why), "out of guest memory (-m %s)",
	    vk.memsize_arg);
	proc_kill(p, SIGKILL, why);
}

/* A page fault: resolve it, or end the guest the way Linux would. */
static void
trap_pagefault(struct proc *p, const struct ks_trap *t)
{
	int access = t->err & KS_PF_WRITE ? KS_PROT_WRITE :
	    t->err & KS_PF_INSN ? KS_PROT_EXEC : KS_PROT_READ;
	enum vm_fault_result r;
	char why[160];

	p->nfaults++;
	if (t->addr == p->last_fault_addr && ++p->same_fault > 8) {
		snprintf(why, sizeof(why), "fault at %#llx does not resolve",
		    (unsigned long long)t->addr);
		proc_kill(p, SIGKILL, why);
		return;
	}
	if (t->addr != p->last_fault_addr) {
		p->last_fault_addr = t->addr;
		p->same_fault = 0;
	}
	switch ((r = vm_fault(&p->vm->map, t->addr, access))) {
	case VM_FAULT_OK:
		return;
	case VM_FAULT_OOM:
		snprintf(why, sizeof(why), "out of guest memory (-m %s)",
		    vk.memsize_arg);
		proc_kill(p, SIGKILL, why);
		return;
	case VM_FAULT_MAPERR:
	case VM_FAULT_ACCERR:
	case VM_FAULT_SIGBUS:
		break;
	}
	snprintf(why, sizeof(why), "%s fault at %#llx (rip %#llx)%s",
	    access == KS_PROT_WRITE ? "write" :
	    access == KS_PROT_EXEC ? "exec" : "read",
	    (unsigned long long)t->addr, (unsigned long long)p->frame.rip,
	    r == VM_FAULT_SIGBUS ? " past the end of a mapped file" : "");
	/* To the guest's handler, or its default action (signal.c). */
	if (r == VM_FAULT_SIGBUS)
		sig_fault(p, SIGBUS, BUS_ADRERR, t->addr, t, why);
	else
		sig_fault(p, SIGSEGV, r == VM_FAULT_MAPERR ? SEGV_MAPERR :
		    SEGV_ACCERR, t->addr, t, why);
}

void
trap_run(struct proc *p)
{
	struct ks_trap t;
	char why[160];
	int rc;

	while (!p->exited) {
		/* Signals are delivered only here, before each entry. */
		sig_deliver(p);
		trap_oom(p);
		if (p->exited)
			break;
		sched_before_run(p);
		if ((rc = proc_fpu_switch(p)) == 0) {
			/* Guest code runs without the big lock: other vCPUs
			 * go on meanwhile (they may kick this one, sched.c). */
			clock_kick_target(p->kth);
			p->in_guest = true;
			vk_unlock();
			rc = ks_run(p->kth, &p->frame, &t);
			vk_lock();
			p->in_guest = false;
		}
		clock_kick_target(NULL);
		if (rc != 0) {
			snprintf(why, sizeof(why), "cannot enter the guest: %s",
			    strerror(-rc));
			proc_kill(p, SIGKILL, why);
			break;
		}
		switch (t.kind) {
		case KS_TRAP_SYSCALL:
			p->same_fault = 0;
			p->sig.sysnr = (long)p->frame.rax; /* for a restart */
			syscall_dispatch(p);
			break;
		case KS_TRAP_PAGEFAULT:
			trap_pagefault(p, &t);
			break;
		case KS_TRAP_EXCEPTION:
			snprintf(why, sizeof(why), "exception %d at rip %#llx",
			    t.vector, (unsigned long long)p->frame.rip);
			sig_exception(p, &t, why);
			break;
		case KS_TRAP_KICK:
			break; /* a timer: sig_deliver looks */
		case KS_TRAP_DEAD:
		default:
			snprintf(why, sizeof(why), "host side of the guest died: "
			    "%s", t.why);
			proc_kill(p, SIGKILL, why);
			break;
		}
		trap_oom(p);
		sched_after_trap(p);
	}
	/* The process's last task: a session leader lets its terminal go. */
	if (p->tg->nlive == 1)
		tty_proc_exit(p);
	proc_teardown(p);
}
