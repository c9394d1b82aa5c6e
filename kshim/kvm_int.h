/* kvm_int.h: the kvm backend's own state, shared by kvm.c (the VM and its vCPUs) and kvm_space.c (address spaces and the TLB shootdown). */
#ifndef KSHIM_KVM_INT_H
#define KSHIM_KVM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "kshim.h"
#include "kvm_abi.h"

#define PTE_P  0x1ULL
#define PTE_RW 0x2ULL
#define PTE_NX (1ULL << 63)

/* The mailbox page, as the trampoline sees it (kvm_abi.h offsets). */
struct kvm_mbox {
	uint64_t regs[18]; /* struct ks_frame order, rax .. rflags */
	uint64_t vector, err, cr2, kfault, fsbase, setfs;
	uint64_t newcr3, flush, ninval, gsbase;
	uint64_t inval[MB_MAXINVAL];
	uint64_t stage;        /* STAGE_*: where the trampoline last was */
};
_Static_assert(sizeof(struct kvm_fpu) <= sizeof(struct kvm_xsave), "fpu");
_Static_assert(__builtin_offsetof(struct kvm_mbox, vector) == MB_VECTOR, "mbox");
_Static_assert(__builtin_offsetof(struct kvm_mbox, inval) == MB_INVAL, "mbox");
_Static_assert(__builtin_offsetof(struct kvm_mbox, gsbase) == MB_GSBASE, "mbox");
_Static_assert(__builtin_offsetof(struct kvm_mbox, stage) == MB_STAGE, "mbox");
_Static_assert(__builtin_offsetof(struct ks_frame, rflags) == MB_RFLAGS, "frame");

/* The MSRs a vCPU starts with (kvm_setup_vcpu). */
#define KVM_NMSRS 7
struct kvm_msrs_start {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[KVM_NMSRS];
};

/* One KVM vCPU and what its thread keeps about it. */
struct kvm_cpu {
	int id;
	int fd;
	struct kvm_run *run;
	struct kvm_mbox *mb;
	pthread_t thread;      /* the one thread that runs it (cpu_start) */
	bool started;
	/* lock orders this vCPU's way into the guest (its thread, without
	 * the big lock) against other threads that look at or change cur,
	 * pcid_owner, need_reset and flush_pending (inval, space_destroy,
	 * under the big lock); it is never held while the guest runs. */
	pthread_mutex_t lock;
	struct ks_space *cur;  /* space whose CR3 it has; NULL after a reset */
	struct ks_space **pcid_owner; /* [4096]: whose entries a PCID may hold */
	uint64_t cur_fs, cur_gs;
	bool need_reset;
	volatile sig_atomic_t kicked; /* kick() came: stop the guest */
	/* The shootdown (kvm_flush): in_guest while its thread is in
	 * KVM_RUN for a guest; trap_epoch counts its exits through the
	 * trampoline, after which it runs no guest code before vkt_resume;
	 * flush_pending makes that resume flush its TLB. */
	_Atomic int in_guest;
	_Atomic uint64_t trap_epoch;
	_Atomic int flush_pending;
	struct kvm_regs regs0; /* its start state, for resets */
	struct kvm_sregs sregs0;
	struct kvm_msrs_start msrs0;
	uint64_t xcr0;         /* 0: no XSAVE */
	uint64_t runs;
	/* The last entry's requests and exit, for the diagnostic of an exit
	 * that loses the registers (a triple fault). */
	uint64_t last_newcr3, last_tlb, last_vector;
};

struct ks {
	const struct ks_ops *ops; /* &ks_kvm_ops, for the spaces' headers */
	int kvm, vm;
	size_t runsz;
	uint8_t *mem;          /* the image, mapped here for KVM */
	size_t memsize;
	gpa_t resv;
	int ncpus;
	struct kvm_cpu cpus[KVM_MAXCPU];
	bool pcid;             /* CR4.PCIDE on: spaces keep their TLB entries */
	unsigned next_pcid;
	sigset_t wake;         /* just KS_WAKE_SIGNAL */
	bool pre_fault;        /* KVM_PRE_FAULT_MEMORY works */
	bool xsave;            /* KVM_GET_XSAVE/SET_XSAVE (else GET_FPU) */
	int inject;            /* test-only failure (VKERNEL_TEST_INJECT) */
	struct ks_stats st;    /* counted with atomics */
};

struct ks_space {
	struct ks_space_hdr hdr;
	struct ks *ks;
	gpa_t cr3;
	unsigned pcid;         /* 1..4095 with PCID, else 0 */
	/* vCPUs whose TLB may hold its stale entries: each flushes its
	 * PCID when it next loads the space (bit c: vCPU c). */
	_Atomic uint64_t stale;
	uint64_t shoot;        /* vCPUs running it that flush() must kick */
};

#define KS_COUNT(ks, field, n) \
	__atomic_fetch_add(&(ks)->st.field, (n), __ATOMIC_RELAXED)

/* The vCPU the calling thread runs (cpu_start); vCPU 0 before. */
extern _Thread_local struct kvm_cpu *kvm_this_cpu;

static inline struct kvm_cpu *
my_cpu(struct ks *ks)
{
	return kvm_this_cpu != NULL ? kvm_this_cpu : &ks->cpus[0];
}

static inline void *
gpa_hva(struct ks *ks, gpa_t gpa)
{
	return ks->mem + gpa;
}

static inline gpa_t
resv_gpa(struct ks *ks, int page)
{
	return ks->resv + (gpa_t)page * 0x1000;
}

/* vCPU c's page n (KVM_CPU_*). */
static inline gpa_t
cpu_gpa(struct ks *ks, int c, int n)
{
	return resv_gpa(ks, KVM_RESV_PAGES + c * KVM_CPU_PAGES + n);
}

/* A guest thread on kvm is only the space it runs in: the vCPU's state
 * (the frame, the FPU through fpu_save/fpu_load) is the vkernel's to
 * switch. */
struct ks_thread {
	struct ks_thread_hdr hdr;
	struct ks_space *sp;
};

/* kvm_space.c, for kvm.c: the address-space half of the ops, and the CR3
 * switch kvm_run asks for before an entry (c->lock held). */
int kvm_space_create(struct ks *ks, gpa_t cr3, struct ks_space **spp);
void kvm_space_destroy(struct ks_space *sp);
void kvm_map(struct ks_space *sp, gva_t gva, gpa_t gpa, size_t len, int prot);
void kvm_unmap(struct ks_space *sp, gva_t gva, size_t len);
void kvm_protect(struct ks_space *sp, gva_t gva, size_t len, int prot);
int kvm_flush(struct ks_space *sp);
int kvm_thread_create(struct ks_space *sp, struct ks_thread **thp);
void kvm_thread_destroy(struct ks_thread *th);
void kvm_switch(struct kvm_cpu *c, struct ks_space *sp);

#endif /* KSHIM_KVM_INT_H */
