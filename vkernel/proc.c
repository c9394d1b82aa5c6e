/* proc.c: guest processes: creation, the trap loop that runs them, and their end. */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vkernel.h"
#include "file.h"

struct vk_config vk;

void
vk_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vkernel: %s\n", line);
}

/* The first process's descriptors 0, 1 and 2: the vkernel's own streams. */
static int
proc_stdio(struct proc *p)
{
	struct file *f;
	int fd;

	if ((p->fds = fdtab_new()) == NULL)
		return -ENOMEM;
	for (fd = 0; fd < 3; fd++) {
		if ((f = file_host(fd)) == NULL)
			continue; /* closed in the vkernel: closed in the guest */
		if (fdtab_install(p->fds, fd, f, false) != 0) {
			file_unref(f);
			fdtab_free(p->fds);
			p->fds = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

int
proc_create(struct proc *p, struct ks *ks, const char *comm)
{
	const struct ks_ops *ops = vk.ops;
	int rc;

	memset(p, 0, sizeof(*p));
	p->pid = 1;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->ks = ks;
	p->wakefd = -1;
	if ((rc = proc_wait_init(p)) != 0)
		return rc;
	if ((rc = proc_stdio(p)) != 0) {
		proc_wait_fini(p);
		return rc;
	}
	/* The PML4 comes first so its gpa can be the space's CR3. */
	if ((p->pmap = pmap_create(NULL)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = ops->space_create(ks, pmap_cr3(p->pmap), &p->space)) != 0) {
		pmap_destroy(p->pmap);
		goto fail;
	}
	pmap_set_space(p->pmap, p->space);
	vm_map_init(&p->map, p->pmap, KS_USER_MIN, KS_USER_MAX);
	sig_proc_init(p);
	return 0;
fail:
	fdtab_free(p->fds);
	proc_wait_fini(p);
	return rc;
}

/*
 * The host side goes first: the space (on sw, its stub process) is killed
 * and reaped before the map is torn down, so teardown never waits on a
 * guest, whatever state it left its side in.
 */
void
proc_destroy(struct proc *p)
{
	sig_proc_fini(p);
	if (p->space)
		((struct ks_space_hdr *)p->space)->ops->space_destroy(p->space);
	if (p->pmap)
		pmap_set_space(p->pmap, NULL);
	vm_map_fini(&p->map);
	if (p->pmap)
		pmap_destroy(p->pmap);
	fdtab_free(p->fds);
	p->fds = NULL;
	proc_wait_fini(p);
	p->space = NULL;
	p->pmap = NULL;
}

void
proc_exit(struct proc *p, int code)
{
	p->exited = true;
	p->status = (code & 0xff) << 8;
}

void
proc_kill(struct proc *p, int sig, const char *why)
{
	if (p->exited)
		return;
	if (why != NULL)
		vk_log("pid %d (%s): %s, killed by signal %d (%s)", p->pid,
		    p->comm, why, sig, strsignal(sig));
	p->exited = true;
	p->status = sig & 0x7f;
}

/* A page fault: resolve it, or end the guest the way Linux would. */
static void
proc_pagefault(struct proc *p, const struct ks_trap *t)
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
	switch ((r = vm_fault(&p->map, t->addr, access))) {
	case VM_FAULT_OK:
		return;
	case VM_FAULT_OOM:
		snprintf(why, sizeof(why), "out of guest memory (-m %s)",
		    vk.memsize_arg);
		proc_kill(p, SIGKILL, why);
		return;
	case VM_FAULT_MAPERR:
	case VM_FAULT_ACCERR:
		break;
	}
	snprintf(why, sizeof(why), "%s fault at %#llx (rip %#llx)",
	    access == KS_PROT_WRITE ? "write" :
	    access == KS_PROT_EXEC ? "exec" : "read",
	    (unsigned long long)t->addr, (unsigned long long)p->frame.rip);
	/* To the guest's handler, or its default action (signal.c). */
	sig_fault(p, SIGSEGV, r == VM_FAULT_MAPERR ? SEGV_MAPERR : SEGV_ACCERR,
	    t->addr, t, why);
}

int
proc_run(struct proc *p)
{
	struct ks_trap t;
	char why[160];
	int rc;

	while (!p->exited) {
		/* Signals are delivered only here, before each entry. */
		sig_deliver(p);
		if (p->exited)
			break;
		rc = ks_run(p->space, &p->frame, &t);
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
			proc_pagefault(p, &t);
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
	}
	return p->status;
}
