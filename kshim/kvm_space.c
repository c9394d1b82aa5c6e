/* kvm_space.c: the hw path's guest address spaces: a CR3 and a PCID each, and the TLB shootdown across the vCPUs that run them. */

/*
 * A space is the pmap's PML4 (entry 511 -> the trampoline's tables).  The
 * pmap writes its entries; this file only sees which pages changed and
 * makes every vCPU forget them before it runs that space's guest code
 * again: the vCPU that made the change invlpg's them on its next entry,
 * the others are kicked out of the guest when they run the space now
 * (kvm_flush, once per batch) or flush its PCID when they load it next.
 * The protocol and why it is safe: docs/design.md, "TLB shootdown".
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>

#include "kvm_int.h"

_Thread_local struct kvm_cpu *kvm_this_cpu;

int
kvm_space_create(struct ks *ks, gpa_t cr3, struct ks_space **spp)
{
	struct ks_space *sp;

	if (cr3 == 0 || cr3 >= ks->memsize || cr3 & 0xfff)
		return -EINVAL;
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return -ENOMEM;
	sp->hdr.ops = ks->ops;
	sp->ks = ks;
	sp->cr3 = cr3;
	if (ks->pcid)
		sp->pcid = 1 + __atomic_fetch_add(&ks->next_pcid, 1,
		    __ATOMIC_RELAXED) % 4095;
	/* The trampoline's half of the address space. */
	((uint64_t *)gpa_hva(ks, cr3))[511] =
	    resv_gpa(ks, KVM_RESV_PDPT) | PTE_P | PTE_RW;
	*spp = sp;
	return 0;
}

/* A space goes once no task uses it: no vCPU runs it, but each must drop
 * it (a CR3 whose PML4 is about to be freed, a PCID that held it). */
void
kvm_space_destroy(struct ks_space *sp)
{
	struct kvm_cpu *c;
	int i;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->ks->ncpus; i++) {
		c = &sp->ks->cpus[i];
		pthread_mutex_lock(&c->lock);
		if (c->cur == sp)
			c->need_reset = true;
		if (sp->pcid && c->pcid_owner[sp->pcid] == sp)
			c->pcid_owner[sp->pcid] = NULL;
		pthread_mutex_unlock(&c->lock);
	}
	((uint64_t *)gpa_hva(sp->ks, sp->cr3))[511] = 0;
	free(sp);
}

/*
 * [gva, gva+len) of sp changed (the big lock held): this vCPU, if it has
 * sp loaded, queues invlpg for its next entry (a full flush when the batch
 * overflows); every other vCPU that has sp loaded must flush before it runs
 * guest code again (flush() kicks those that run it now); and every vCPU
 * flushes sp's PCID the next time it loads sp.
 */
static void
kvm_inval(struct ks_space *sp, gva_t gva, size_t len)
{
	struct ks *ks = sp->ks;
	struct kvm_cpu *me = my_cpu(ks), *c;
	struct kvm_mbox *mb = me->mb;
	size_t n = (len + 0xfff) / 0x1000;
	int i;

	for (i = 0; i < ks->ncpus; i++) {
		c = &ks->cpus[i];
		if (c == me)
			continue;
		/* Under c->lock, c is either not yet in kvm_run's entry (its
		 * switch to sp will see the stale bit, or its entry the
		 * flush_pending) or past it (in_guest: flush() kicks it). */
		pthread_mutex_lock(&c->lock);
		__atomic_fetch_or(&sp->stale, 1ULL << i, __ATOMIC_SEQ_CST);
		if (c->cur == sp) {
			__atomic_store_n(&c->flush_pending, 1, __ATOMIC_SEQ_CST);
			sp->shoot |= 1ULL << i;
		}
		pthread_mutex_unlock(&c->lock);
	}
	if (me->cur != sp) {
		__atomic_fetch_or(&sp->stale, 1ULL << me->id, __ATOMIC_SEQ_CST);
		return;
	}
	if (mb->flush)
		return;
	if (mb->ninval + n > MB_MAXINVAL) {
		mb->flush = 1;
		return;
	}
	while (n-- > 0) {
		mb->inval[mb->ninval++] = gva;
		gva += 0x1000;
	}
}

void
kvm_map(struct ks_space *sp, gva_t gva, gpa_t gpa, size_t len, int prot)
{
	(void)gpa, (void)prot;
	kvm_inval(sp, gva, len); /* only matters when an entry is replaced */
}

void
kvm_unmap(struct ks_space *sp, gva_t gva, size_t len)
{
	kvm_inval(sp, gva, len);
}

void
kvm_protect(struct ks_space *sp, gva_t gva, size_t len, int prot)
{
	(void)prot;
	kvm_inval(sp, gva, len);
}

/*
 * The TLB shootdown: every other vCPU that ran sp when it changed and is
 * in the guest now is kicked (one signal per vCPU per batch), and waited
 * for until it has left the guest through the trampoline; it flushes on
 * its way back in (flush_pending), and runs no guest code before.  A vCPU
 * that is not in the guest flushes at its next entry.  Only then may the
 * caller reuse the pages the batch unmapped.
 */
int
kvm_flush(struct ks_space *sp)
{
	struct ks *ks = sp->ks;
	uint64_t epoch[KVM_MAXCPU], waiting = 0;
	int i;

	if (sp->shoot == 0)
		return 0;
	for (i = 0; i < ks->ncpus; i++) {
		struct kvm_cpu *c = &ks->cpus[i];

		if (!(sp->shoot & (1ULL << i)))
			continue;
		epoch[i] = __atomic_load_n(&c->trap_epoch, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&c->in_guest, __ATOMIC_SEQ_CST) &&
		    c->started) {
			waiting |= 1ULL << i;
			pthread_kill(c->thread, KS_WAKE_SIGNAL);
			KS_COUNT(ks, ipis, 1);
		}
	}
	sp->shoot = 0;
	if (waiting != 0)
		KS_COUNT(ks, shootdowns, 1);
	while (waiting != 0) {
		for (i = 0; i < ks->ncpus; i++) {
			struct kvm_cpu *c = &ks->cpus[i];

			if ((waiting & (1ULL << i)) &&
			    (!__atomic_load_n(&c->in_guest, __ATOMIC_SEQ_CST) ||
			    __atomic_load_n(&c->trap_epoch, __ATOMIC_SEQ_CST) !=
			    epoch[i]))
				waiting &= ~(1ULL << i);
		}
		if (waiting != 0)
			sched_yield();
	}
	return 0;
}


/*
 * Asks the trampoline to load sp's CR3.  With PCID the load keeps sp's TLB
 * entries (CR3 bit 63) unless sp changed since this vCPU last had it, or
 * its PCID last held another space's entries here.
 */
void
kvm_switch(struct kvm_cpu *c, struct ks_space *sp)
{
	struct kvm_mbox *mb = c->mb;
	uint64_t bit = 1ULL << c->id;
	bool keep = false, stale;

	if (c->cur != NULL && (mb->ninval || mb->flush))
		/* its queued invalidations were not run */
		__atomic_fetch_or(&c->cur->stale, bit, __ATOMIC_SEQ_CST);
	mb->ninval = 0;
	mb->flush = 0;
	stale = __atomic_fetch_and(&sp->stale, ~bit, __ATOMIC_SEQ_CST) & bit;
	if (sp->pcid) {
		keep = !stale && c->pcid_owner[sp->pcid] == sp;
		c->pcid_owner[sp->pcid] = sp;
	}
	mb->newcr3 = sp->cr3 | sp->pcid | (keep ? 1ULL << 63 : 0);
	c->cur = sp;
}

int
kvm_thread_create(struct ks_space *sp, struct ks_thread **thp)
{
	struct ks_thread *th;

	if ((th = calloc(1, sizeof(*th))) == NULL)
		return -ENOMEM;
	th->hdr.ops = sp->hdr.ops;
	th->sp = sp;
	*thp = th;
	return 0;
}

void
kvm_thread_destroy(struct ks_thread *th)
{
	free(th);
}
