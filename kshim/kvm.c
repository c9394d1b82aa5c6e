/* kvm.c: the kvm kshim backend: hardware nested paging (AMD NPT / Intel EPT) walks the pmap's tables. */

/*
 * One KVM VM per vkernel, one vCPU run from the main thread.  The memory
 * image is KVM memory slot 0, so guest-physical addresses are the same
 * numbers on both paths.  A guest address space is just a CR3 (the pmap's
 * PML4, whose entry 511 points at the trampoline's tables); mapping a page
 * is the pmap's memory write, and this backend only queues the TLB
 * invalidations, which the trampoline applies on the next entry.  The host
 * is asked for guest-physical -> host mappings only at set-up and when the
 * page allocator is about to hand out a fresh range (prefault).
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kshim.h"
#include "kvm_abi.h"

#ifndef KVM_CAP_PRE_FAULT_MEMORY
#define KVM_CAP_PRE_FAULT_MEMORY 236
struct kvm_pre_fault_memory {
	uint64_t gpa, size, flags, padding[5];
};
#define KVM_PRE_FAULT_MEMORY _IOWR(KVMIO, 0xd5, struct kvm_pre_fault_memory)
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PTE_P  0x1ULL
#define PTE_RW 0x2ULL
#define PTE_NX (1ULL << 63)

/* The trampoline, linked into the vkernel in its own section. */
extern const char __start_vktramp[], __stop_vktramp[];
extern const char vkt_syscall[], vkt_resume[];
extern const uint64_t vkt_exc_table[KVM_IDT_ENTRIES];
#define TRAMP_OFF(sym) ((uint64_t)((const char *)(sym) - __start_vktramp))

/* The mailbox page, as the trampoline sees it (kvm_abi.h offsets). */
struct kvm_mbox {
	uint64_t regs[18]; /* struct ks_frame order, rax .. rflags */
	uint64_t vector, err, cr2, kfault, fsbase, setfs;
	uint64_t newcr3, flush, ninval, gsbase;
	uint64_t inval[MB_MAXINVAL];
};
_Static_assert(sizeof(struct kvm_fpu) <= sizeof(struct kvm_xsave), "fpu");
_Static_assert(__builtin_offsetof(struct kvm_mbox, vector) == MB_VECTOR, "mbox");
_Static_assert(__builtin_offsetof(struct kvm_mbox, inval) == MB_INVAL, "mbox");
_Static_assert(__builtin_offsetof(struct kvm_mbox, gsbase) == MB_GSBASE, "mbox");
_Static_assert(__builtin_offsetof(struct ks_frame, rflags) == MB_RFLAGS, "frame");

struct ks {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t runsz;
	uint8_t *mem;          /* the image, mapped here for KVM */
	size_t memsize;
	gpa_t resv;
	struct kvm_mbox *mb;
	struct ks_space *cur;  /* space whose CR3 the vCPU has; NULL after a reset */
	bool pcid;             /* CR4.PCIDE on: spaces keep their TLB entries */
	struct ks_space *pcid_owner[4096]; /* whose entries a PCID may hold */
	unsigned next_pcid;
	uint64_t cur_fs, cur_gs;
	bool need_reset;
	volatile sig_atomic_t kicked; /* kick() came: stop the guest */
	sigset_t wake;         /* just KS_WAKE_SIGNAL */
	bool pre_fault;        /* KVM_PRE_FAULT_MEMORY works */
	bool xsave;            /* KVM_GET_XSAVE/SET_XSAVE (else GET_FPU) */
	int inject;            /* test-only failure (VKERNEL_TEST_INJECT) */
	struct kvm_regs regs0; /* the vCPU's start state, for resets */
	struct kvm_sregs sregs0;
	struct ks_stats st;
};

struct ks_space {
	struct ks_space_hdr hdr;
	struct ks *ks;
	gpa_t cr3;
	unsigned pcid;         /* 1..4095 with PCID, else 0 */
	bool stale;            /* changed while inactive: flush its PCID on load */
};

/* Checked ioctl: the result, or -errno (EINTR retried). */
static long
__kvm_ioctl(int fd, unsigned long req, void *arg)
{
	long r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static void *
gpa_hva(struct ks *ks, gpa_t gpa)
{
	return ks->mem + gpa;
}

static gpa_t
resv_gpa(struct ks *ks, int page)
{
	return ks->resv + (gpa_t)page * 0x1000;
}

/* Kernel tables, GDT, TSS, IDT and code in the reserved pages. */
static void
kvm_build_kernel(struct ks *ks)
{
	uint64_t *pml4 = gpa_hva(ks, resv_gpa(ks, KVM_RESV_PML4));
	uint64_t *pdpt = gpa_hva(ks, resv_gpa(ks, KVM_RESV_PDPT));
	uint64_t *pd = gpa_hva(ks, resv_gpa(ks, KVM_RESV_PD));
	uint64_t *pt = gpa_hva(ks, resv_gpa(ks, KVM_RESV_PT));
	uint64_t *gdt = gpa_hva(ks, resv_gpa(ks, KVM_RESV_GDT));
	uint8_t *tss = (uint8_t *)gdt + (KVA_TSS - KVA_GDT);
	uint8_t *idt = gpa_hva(ks, resv_gpa(ks, KVM_RESV_IDT));
	uint64_t tssb = KVA_TSS, rsp0 = KVA_STACK_TOP, code = KVA_CODE;
	uint16_t iomap = 104;
	int i;

	memset(gpa_hva(ks, ks->resv), 0, KVM_RESV_PAGES * 0x1000);
	pml4[511] = resv_gpa(ks, KVM_RESV_PDPT) | PTE_P | PTE_RW;
	pdpt[511] = resv_gpa(ks, KVM_RESV_PD) | PTE_P | PTE_RW;
	pd[511] = resv_gpa(ks, KVM_RESV_PT) | PTE_P | PTE_RW;
	pt[KVM_RESV_CODE] = resv_gpa(ks, KVM_RESV_CODE) | PTE_P;
	pt[KVM_RESV_GDT] = resv_gpa(ks, KVM_RESV_GDT) | PTE_P | PTE_RW | PTE_NX;
	pt[KVM_RESV_IDT] = resv_gpa(ks, KVM_RESV_IDT) | PTE_P | PTE_NX;
	pt[KVM_RESV_MBOX] = resv_gpa(ks, KVM_RESV_MBOX) | PTE_P | PTE_RW | PTE_NX;
	for (i = 0; i < KVM_STACK_PAGES; i++)
		pt[KVM_RESV_STACK + i] = resv_gpa(ks, KVM_RESV_STACK + i) |
		    PTE_P | PTE_RW | PTE_NX;
	memcpy(gpa_hva(ks, resv_gpa(ks, KVM_RESV_CODE)), __start_vktramp,
	    __stop_vktramp - __start_vktramp);

	gdt[1] = 0x00af9b000000ffffULL; /* kernel code, 64-bit */
	gdt[2] = 0x00cf93000000ffffULL; /* kernel data */
	gdt[3] = 0x00cff3000000ffffULL; /* user data */
	gdt[4] = 0x00affb000000ffffULL; /* user code, 64-bit */
	gdt[5] = 103 | (tssb & 0xffffff) << 16 | 0x8bULL << 40 |
	    ((tssb >> 24) & 0xff) << 56;  /* busy 64-bit TSS */
	gdt[6] = tssb >> 32;
	memcpy(tss + 4, &rsp0, 8);
	memcpy(tss + 102, &iomap, 2);   /* no I/O bitmap: every port #GPs */

	for (i = 0; i < KVM_IDT_ENTRIES; i++) {
		uint64_t off = code + vkt_exc_table[i];
		uint8_t *g = idt + 16 * i;
		/* #BP and #OF may be raised by user code (int3, into). */
		uint8_t type = (i == 3 || i == 4) ? 0xee : 0x8e;

		g[0] = off & 0xff; g[1] = (off >> 8) & 0xff;
		g[2] = SEL_KCODE; g[3] = 0;
		g[4] = 0; g[5] = type;
		g[6] = (off >> 16) & 0xff; g[7] = (off >> 24) & 0xff;
		memcpy(g + 8, (uint32_t[]){ (uint32_t)(off >> 32), 0 }, 8);
	}
}

static void
seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->dpl = sel & 3;
	s->l = code;
	s->db = !code;
	s->g = 1;
}

/* 64-bit paged mode from the first instruction, at vkt_resume in ring 0. */
static int
kvm_setup_vcpu(struct ks *ks, char *why, size_t whylen)
{
	struct kvm_cpuid2 *cpuid;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[7];
	} msrs = { .hdr.nmsrs = 7, .e = {
		{ .index = 0xc0000081, .data = (0x13ULL << 48) | (0x08ULL << 32) },
		{ .index = 0xc0000082, .data = KVA_CODE + TRAMP_OFF(vkt_syscall) },
		{ .index = 0xc0000083, .data = KVA_CODE + TRAMP_OFF(vkt_syscall) },
		{ .index = 0xc0000084, .data = 0x47700 }, /* TF IF DF IOPL NT AC */
		{ .index = 0xc0000100, .data = 0 },
		{ .index = 0xc0000101, .data = 0 },
		{ .index = 0xc0000102, .data = 0 } } };
	struct kvm_sregs *sr = &ks->sregs0;
	struct kvm_regs *r = &ks->regs0;
	uint64_t xcr0 = 0x3;
	struct {
		struct kvm_signal_mask hdr;
		uint8_t set[8];
	} kmask;
	sigset_t cur;
	bool xsave = false;
	int n = 256;
	long rc;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (cpuid == NULL)
			return snprintf(why, whylen, "out of memory"), -1;
		cpuid->nent = n;
		rc = __kvm_ioctl(ks->kvm, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (rc != -E2BIG)
			break;
		free(cpuid);
		n *= 2;
	}
	if (rc < 0 || __kvm_ioctl(ks->vcpu, KVM_SET_CPUID2, cpuid) < 0) {
		free(cpuid);
		return snprintf(why, whylen, "KVM_SET_CPUID2 failed"), -1;
	}
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1) {
			xsave = e->ecx & (1u << 26);
			ks->pcid = e->ecx & (1u << 17);
		}
		if (e->function == 0xd && e->index == 0)
			xcr0 = e->eax & 0xe7; /* x87 SSE AVX and AVX-512 state */
	}
	free(cpuid);

	if (__kvm_ioctl(ks->vcpu, KVM_GET_SREGS, sr) < 0)
		return snprintf(why, whylen, "KVM_GET_SREGS failed"), -1;
	sr->cr0 = 0x80050033;        /* PG AM WP NE ET MP PE */
	/* PAE OSFXSR OSXMMEXCPT, and OSXSAVE, PCIDE where the CPU has them */
	sr->cr4 = 0x20 | 0x600 | (xsave ? 0x40000 : 0) | (ks->pcid ? 0x20000 : 0);
	sr->efer = 0xd01;            /* NXE LMA LME SCE */
	sr->cr3 = resv_gpa(ks, KVM_RESV_PML4);
	seg(&sr->cs, SEL_KCODE, 11, true);
	seg(&sr->ss, SEL_KDATA, 3, false);
	seg(&sr->ds, 0, 3, false);
	sr->ds.present = 0, sr->ds.unusable = 1;
	sr->es = sr->fs = sr->gs = sr->ds;
	memset(&sr->tr, 0, sizeof(sr->tr));
	sr->tr.base = KVA_TSS, sr->tr.limit = 103, sr->tr.selector = SEL_TSS;
	sr->tr.type = 11, sr->tr.present = 1;
	memset(&sr->ldt, 0, sizeof(sr->ldt));
	sr->ldt.type = 2, sr->ldt.unusable = 1;
	sr->gdt.base = KVA_GDT, sr->gdt.limit = 7 * 8 - 1;
	sr->idt.base = KVA_IDT, sr->idt.limit = KVM_IDT_ENTRIES * 16 - 1;
	memset(r, 0, sizeof(*r));
	r->rip = KVA_CODE + TRAMP_OFF(vkt_resume);
	r->rsp = KVA_STACK_TOP;
	r->rflags = 0x2;
	if (__kvm_ioctl(ks->vcpu, KVM_SET_MSRS, &msrs) != 7)
		return snprintf(why, whylen, "KVM_SET_MSRS failed"), -1;
	/* KS_WAKE_SIGNAL is open only inside KVM_RUN: it makes KVM_RUN return
	 * EINTR, pending or not when KVM_RUN starts (kshim.h). */
	if (sigemptyset(&ks->wake) != 0 ||
	    sigaddset(&ks->wake, KS_WAKE_SIGNAL) != 0 ||
	    sigprocmask(SIG_BLOCK, NULL, &cur) != 0 ||
	    sigdelset(&cur, KS_WAKE_SIGNAL) != 0)
		return snprintf(why, whylen, "sigprocmask failed"), -1;
	kmask.hdr.len = 8; /* the kernel's sigset_t */
	memcpy(kmask.set, &cur, 8);
	if (__kvm_ioctl(ks->vcpu, KVM_SET_SIGNAL_MASK, &kmask) < 0)
		return snprintf(why, whylen, "KVM_SET_SIGNAL_MASK failed"), -1;
	if (xsave) {
		struct kvm_xcrs xcrs = { .nr_xcrs = 1, .xcrs = { { 0, 0, xcr0 } } };

		if (__kvm_ioctl(ks->vcpu, KVM_SET_XCRS, &xcrs) < 0)
			return snprintf(why, whylen, "KVM_SET_XCRS failed"), -1;
	}
	if (__kvm_ioctl(ks->vcpu, KVM_SET_SREGS, sr) < 0 ||
	    __kvm_ioctl(ks->vcpu, KVM_SET_REGS, r) < 0)
		return snprintf(why, whylen, "cannot set the vCPU's registers"), -1;
	return 0;
}

/* Back to the start state after a failure or a destroyed active space. */
static int
kvm_reset_vcpu(struct ks *ks)
{
	if (__kvm_ioctl(ks->vcpu, KVM_SET_SREGS, &ks->sregs0) < 0 ||
	    __kvm_ioctl(ks->vcpu, KVM_SET_REGS, &ks->regs0) < 0)
		return -EIO;
	ks->cur = NULL;
	memset(ks->pcid_owner, 0, sizeof(ks->pcid_owner)); /* CR3 load flushed */
	ks->cur_fs = ks->cur_gs = 0;
	ks->need_reset = false;
	memset(ks->mb, 0, sizeof(*ks->mb));
	ks->mb->setfs = 3;
	return 0;
}

static void kvm_fini(struct ks *ks);

/*
 * The test suite's way to make the failures a guest cannot cause happen:
 * VKERNEL_TEST_INJECT=kvm-bad-cr3 makes the 5th entry load a CR3 with
 * reserved bits set (a #GP inside the trampoline, or a failed VM entry where
 * the nested hypervisor checks CR3 first); kvm-triple-fault empties the IDT
 * and returns to a non-canonical rip (#GP, #DF, shutdown).  Both must end
 * only that guest, with a diagnostic, and reset the vCPU.
 */
enum { INJECT_NONE, INJECT_BADCR3, INJECT_TRIPLE };
#define INJECT_AT_ENTRY 5

static int
inject_kind(const char *v)
{
	if (v == NULL)
		return INJECT_NONE;
	if (strcmp(v, "kvm-bad-cr3") == 0)
		return INJECT_BADCR3;
	if (strcmp(v, "kvm-triple-fault") == 0)
		return INJECT_TRIPLE;
	return INJECT_NONE;
}

static void
inject_failure(struct ks *ks)
{
	struct kvm_sregs sr = ks->sregs0;

	if (ks->inject == INJECT_BADCR3) {
		ks->mb->newcr3 = ks->cur->cr3 | 1ULL << 60; /* past MAXPHYADDR */
	} else {
		ks->mb->regs[16] = 0x8000000000000000ULL;   /* rip */
		sr.cr3 = ks->cur->cr3;
		sr.idt.limit = 0;
		__kvm_ioctl(ks->vcpu, KVM_SET_SREGS, &sr);
	}
}

static int
kvm_init(struct ks **ksp, const struct ks_mem *mem, char *why, size_t whylen)
{
	static const struct { long cap; const char *name; } need[] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
		{ KVM_CAP_XCRS, "KVM_CAP_XCRS" },
	};
	struct kvm_userspace_memory_region slot;
	struct ks *ks;
	long r;
	size_t i;

	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return snprintf(why, whylen, "out of memory"), -1;
	ks->kvm = ks->vm = ks->vcpu = -1;
	ks->mem = MAP_FAILED;
	*ksp = ks;
	if ((ks->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "/dev/kvm: %s", strerror(errno));
		goto fail;
	}
	if ((r = __kvm_ioctl(ks->kvm, KVM_GET_API_VERSION, NULL)) != 12) {
		snprintf(why, whylen, "KVM API version %ld, need 12", r);
		goto fail;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (__kvm_ioctl(ks->kvm, KVM_CHECK_EXTENSION,
		    (void *)need[i].cap) <= 0) {
			snprintf(why, whylen, "KVM lacks %s", need[i].name);
			goto fail;
		}
	if ((ks->vm = __kvm_ioctl(ks->kvm, KVM_CREATE_VM, 0)) < 0) {
		snprintf(why, whylen, "KVM_CREATE_VM: %s", strerror(-ks->vm));
		goto fail;
	}
	ks->memsize = mem->size;
	ks->resv = mem->resv;
	ks->mem = mmap(NULL, mem->size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_NORESERVE, mem->fd, 0);
	if (ks->mem == MAP_FAILED) {
		snprintf(why, whylen, "cannot map the memory image: %s",
		    strerror(errno));
		goto fail;
	}
	slot = (struct kvm_userspace_memory_region){ .slot = 0,
	    .guest_phys_addr = 0, .memory_size = mem->size,
	    .userspace_addr = (uintptr_t)ks->mem };
	if ((r = __kvm_ioctl(ks->vm, KVM_SET_USER_MEMORY_REGION, &slot)) < 0) {
		snprintf(why, whylen, "KVM_SET_USER_MEMORY_REGION: %s",
		    strerror(-r));
		goto fail;
	}
	ks->st.map_requests++;
	ks->st.map_batches++;
	ks->st.host_syscalls++;
	if ((ks->vcpu = __kvm_ioctl(ks->vm, KVM_CREATE_VCPU, 0)) < 0 ||
	    (r = __kvm_ioctl(ks->kvm, KVM_GET_VCPU_MMAP_SIZE, NULL)) <= 0) {
		snprintf(why, whylen, "KVM_CREATE_VCPU failed");
		goto fail;
	}
	ks->runsz = r;
	ks->run = mmap(NULL, ks->runsz, PROT_READ | PROT_WRITE, MAP_SHARED,
	    ks->vcpu, 0);
	if (ks->run == MAP_FAILED) {
		ks->run = NULL;
		snprintf(why, whylen, "cannot map kvm_run: %s", strerror(errno));
		goto fail;
	}
	if ((size_t)(__stop_vktramp - __start_vktramp) > 0x1000) {
		snprintf(why, whylen, "trampoline larger than a page");
		goto fail;
	}
	kvm_build_kernel(ks);
	ks->mb = gpa_hva(ks, resv_gpa(ks, KVM_RESV_MBOX));
	if (kvm_setup_vcpu(ks, why, whylen) != 0 || kvm_reset_vcpu(ks) != 0)
		goto fail;
	ks->pre_fault = __kvm_ioctl(ks->kvm, KVM_CHECK_EXTENSION,
	    (void *)(long)KVM_CAP_PRE_FAULT_MEMORY) > 0;
	ks->xsave = __kvm_ioctl(ks->kvm, KVM_CHECK_EXTENSION,
	    (void *)(long)KVM_CAP_XSAVE) > 0;
	ks->inject = inject_kind(getenv("VKERNEL_TEST_INJECT"));
	return 0;
fail:
	kvm_fini(ks);
	*ksp = NULL;
	return -1;
}

static void
kvm_fini(struct ks *ks)
{
	if (ks == NULL)
		return;
	if (ks->run)
		munmap(ks->run, ks->runsz);
	if (ks->vcpu >= 0)
		close(ks->vcpu);
	if (ks->vm >= 0)
		close(ks->vm);
	if (ks->kvm >= 0)
		close(ks->kvm);
	if (ks->mem != MAP_FAILED)
		munmap(ks->mem, ks->memsize);
	free(ks);
}

static int
kvm_space_create(struct ks *ks, gpa_t cr3, struct ks_space **spp)
{
	struct ks_space *sp;

	if (cr3 == 0 || cr3 >= ks->memsize || cr3 & 0xfff)
		return -EINVAL;
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return -ENOMEM;
	sp->hdr.ops = &ks_kvm_ops;
	sp->ks = ks;
	sp->cr3 = cr3;
	if (ks->pcid)
		sp->pcid = 1 + ks->next_pcid++ % 4095;
	/* The trampoline's half of the address space. */
	((uint64_t *)gpa_hva(ks, cr3))[511] =
	    resv_gpa(ks, KVM_RESV_PDPT) | PTE_P | PTE_RW;
	*spp = sp;
	return 0;
}

static void
kvm_space_destroy(struct ks_space *sp)
{
	if (sp == NULL)
		return;
	/* The vCPU must not keep a CR3 whose PML4 is about to be freed. */
	if (sp->ks->cur == sp)
		sp->ks->need_reset = true;
	if (sp->pcid && sp->ks->pcid_owner[sp->pcid] == sp)
		sp->ks->pcid_owner[sp->pcid] = NULL;
	((uint64_t *)gpa_hva(sp->ks, sp->cr3))[511] = 0;
	free(sp);
}

/* Queues invlpg of [gva, gva+len) for the active space; a full flush when
 * the batch overflows.  An inactive space is marked stale: its next CR3
 * load flushes its PCID (without PCID every CR3 load flushes). */
static void
kvm_inval(struct ks_space *sp, gva_t gva, size_t len)
{
	struct kvm_mbox *mb = sp->ks->mb;
	size_t n = (len + 0xfff) / 0x1000;

	if (sp->ks->cur != sp) {
		sp->stale = true;
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

static void
kvm_map(struct ks_space *sp, gva_t gva, gpa_t gpa, size_t len, int prot)
{
	(void)gpa, (void)prot;
	kvm_inval(sp, gva, len); /* only matters when an entry is replaced */
}

static void
kvm_unmap(struct ks_space *sp, gva_t gva, size_t len)
{
	kvm_inval(sp, gva, len);
}

static void
kvm_protect(struct ks_space *sp, gva_t gva, size_t len, int prot)
{
	(void)prot;
	kvm_inval(sp, gva, len);
}

static int
kvm_flush(struct ks_space *sp)
{
	(void)sp;
	return 0;
}

static void
kvm_prefault(struct ks *ks, gpa_t gpa, size_t len)
{
	struct kvm_pre_fault_memory pf = { .gpa = gpa, .size = len };
	long r = -ENOSYS;

	ks->st.map_requests++;
	ks->st.map_batches++;
	ks->st.host_syscalls++;
	if (ks->pre_fault) {
		while (pf.size > 0 &&
		    ((r = __kvm_ioctl(ks->vcpu, KVM_PRE_FAULT_MEMORY, &pf)) >= 0 ||
		    r == -EAGAIN))
			;
		if (r >= 0 || pf.size == 0)
			return;
		ks->pre_fault = false; /* fall back for good */
	}
	madvise(ks->mem + gpa, len, MADV_POPULATE_WRITE);
}

/* Linux's signal for an x86 exception raised in user mode. */
static int
vector_signal(int v)
{
	switch (v) {
	case 0: case 16: case 19: return SIGFPE;
	case 1: case 3:           return SIGTRAP;
	case 6:                   return SIGILL;
	case 17:                  return SIGBUS;
	default:                  return SIGSEGV;
	}
}

/* Ends this entry with KS_TRAP_DEAD; the vCPU is reset before the next. */
static void __attribute__((format(printf, 3, 4)))
kvm_dead(struct ks *ks, struct ks_trap *t, const char *fmt, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->kind = KS_TRAP_DEAD;
	t->signo = SIGKILL;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	ks->need_reset = true;
}

/*
 * Asks the trampoline to load sp's CR3.  With PCID the load keeps sp's TLB
 * entries (CR3 bit 63) unless sp changed while inactive or its PCID last
 * held another space's entries.
 */
static void
kvm_switch(struct ks *ks, struct ks_space *sp)
{
	struct kvm_mbox *mb = ks->mb;
	bool keep = false;

	if (ks->cur != NULL && (mb->ninval || mb->flush))
		ks->cur->stale = true; /* its queued invalidations were not run */
	mb->ninval = 0;
	mb->flush = 0;
	if (sp->pcid) {
		keep = !sp->stale && ks->pcid_owner[sp->pcid] == sp;
		ks->pcid_owner[sp->pcid] = sp;
	}
	mb->newcr3 = sp->cr3 | sp->pcid | (keep ? 1ULL << 63 : 0);
	sp->stale = false;
	ks->cur = sp;
}

/* A guest thread on kvm is only the space it runs in: the vCPU's state
 * (the frame, the FPU through fpu_save/fpu_load) is the vkernel's to
 * switch. */
struct ks_thread {
	struct ks_thread_hdr hdr;
	struct ks_space *sp;
};

static int
kvm_thread_create(struct ks_space *sp, struct ks_thread **thp)
{
	struct ks_thread *th;

	if ((th = calloc(1, sizeof(*th))) == NULL)
		return -ENOMEM;
	th->hdr.ops = &ks_kvm_ops;
	th->sp = sp;
	*thp = th;
	return 0;
}

static void
kvm_thread_destroy(struct ks_thread *th)
{
	free(th);
}

static int
kvm_run(struct ks_thread *th, struct ks_frame *frame, struct ks_trap *t)
{
	struct ks_space *sp = th->sp;
	struct ks *ks = sp->ks;
	struct kvm_mbox *mb = ks->mb;
	struct kvm_run *run = ks->run;
	long r;

	if (ks->need_reset && kvm_reset_vcpu(ks) != 0)
		return -EIO;
	memcpy(mb->regs, frame, sizeof(mb->regs));
	mb->regs[17] = (frame->rflags & 0x240dd5) | 0x202;
	if (ks->cur != sp)
		kvm_switch(ks, sp);
	if (frame->fs_base != ks->cur_fs || mb->setfs) {
		mb->fsbase = frame->fs_base;
		mb->setfs |= 1;
		ks->cur_fs = frame->fs_base;
	}
	if (frame->gs_base != ks->cur_gs || mb->setfs & 2) {
		mb->gsbase = frame->gs_base;
		mb->setfs |= 2;
		ks->cur_gs = frame->gs_base;
	}
	if (ks->inject != INJECT_NONE && ks->st.runs + 1 == INJECT_AT_ENTRY)
		inject_failure(ks);
	ks->st.runs++;
	/*
	 * A kick (KS_WAKE_SIGNAL during KVM_RUN: EINTR) asks for an interrupt
	 * window; once the guest can take one (IF=1, that is at CPL3), the
	 * kick vector is injected, and the trampoline saves the user frame
	 * and exits as for any trap.  Any other exit that comes first does
	 * as well: the vkernel looks at its signals after every trap.
	 * KVM puts the thread's mask back before KVM_RUN returns, so the
	 * signal is still pending (blocked) then: taking it here is the kick.
	 */
	ks->kicked = 0;
	for (;;) {
		r = ioctl(ks->vcpu, KVM_RUN, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
			if (sigtimedwait(&ks->wake, NULL,
			    &(struct timespec){ 0, 0 }) == KS_WAKE_SIGNAL)
				ks->kicked = 1;
			if (ks->kicked) {
				ks->kicked = 0;
				run->request_interrupt_window = 1;
			}
			continue;
		}
		if (r < 0)
			break;
		if (run->exit_reason != KVM_EXIT_IRQ_WINDOW_OPEN)
			break;
		run->request_interrupt_window = 0;
		r = ioctl(ks->vcpu, KVM_INTERRUPT,
		    &(struct kvm_interrupt){ .irq = KVM_KICK_VECTOR });
		if (r < 0)
			break;
	}
	run->request_interrupt_window = 0;
	if (r < 0) {
		kvm_dead(ks, t, "KVM_RUN failed: %s", strerror(errno));
		return 0;
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.port == KVM_EXIT_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT)
			break;
		kvm_dead(ks, t, "unexpected I/O exit, port %#x", run->io.port);
		return 0;
	case KVM_EXIT_SHUTDOWN:
		kvm_dead(ks, t, "triple fault (KVM_EXIT_SHUTDOWN)");
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		kvm_dead(ks, t, "VM entry failed, reason %#llx", (unsigned long long)
		    run->fail_entry.hardware_entry_failure_reason);
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		kvm_dead(ks, t, "KVM internal error, suberror %u",
		    run->internal.suberror);
		return 0;
	default:
		kvm_dead(ks, t, "unexpected KVM exit %u", run->exit_reason);
		return 0;
	}
	if (mb->kfault) {
		kvm_dead(ks, t, "trampoline fault, vector %llu at %#llx",
		    (unsigned long long)mb->vector,
		    (unsigned long long)mb->regs[16]);
		return 0;
	}
	memcpy(frame, mb->regs, sizeof(mb->regs));
	frame->fs_base = ks->cur_fs;
	frame->gs_base = ks->cur_gs;
	memset(t, 0, sizeof(*t));
	t->vector = (int)mb->vector;
	t->err = mb->err;
	if (mb->vector == MB_VEC_SYSCALL) {
		t->kind = KS_TRAP_SYSCALL;
	} else if (mb->vector == KVM_KICK_VECTOR) {
		t->kind = KS_TRAP_KICK;
	} else if (mb->vector == 14) {
		t->kind = KS_TRAP_PAGEFAULT;
		t->addr = mb->cr2;
		t->signo = SIGSEGV;
	} else {
		t->kind = KS_TRAP_EXCEPTION;
		t->signo = vector_signal(t->vector);
	}
	return 0;
}

/* From the KS_WAKE_SIGNAL handler, which KVM_RUN never lets run (kvm_run
 * takes the signal itself after EINTR and kicks): this is a kick that came
 * while the vkernel waited elsewhere, and looked at its signals after;
 * kvm_run forgets it. */
static void
kvm_kick(struct ks_thread *th)
{
	th->sp->ks->kicked = 1;
}

static void
kvm_stats(struct ks *ks, struct ks_stats *st)
{
	*st = ks->st;
}

/* The vCPU's FPU state: all of it with XSAVE (AVX included), else the
 * legacy x87/SSE area. */
static int
kvm_fpu_save(struct ks *ks, void *buf)
{
	if (ks->xsave)
		return __kvm_ioctl(ks->vcpu, KVM_GET_XSAVE, buf) < 0 ? -EIO : 0;
	return __kvm_ioctl(ks->vcpu, KVM_GET_FPU, buf) < 0 ? -EIO : 0;
}

static int
kvm_fpu_load(struct ks *ks, const void *buf)
{
	if (ks->xsave)
		return __kvm_ioctl(ks->vcpu, KVM_SET_XSAVE, (void *)buf) < 0 ?
		    -EIO : 0;
	return __kvm_ioctl(ks->vcpu, KVM_SET_FPU, (void *)buf) < 0 ? -EIO : 0;
}


const struct ks_ops ks_kvm_ops = {
	.name = "kvm",
	.resv_pages = KVM_RESV_PAGES,
	.init = kvm_init,
	.fini = kvm_fini,
	.space_create = kvm_space_create,
	.space_destroy = kvm_space_destroy,
	.map = kvm_map,
	.unmap = kvm_unmap,
	.protect = kvm_protect,
	.flush = kvm_flush,
	.thread_create = kvm_thread_create,
	.thread_destroy = kvm_thread_destroy,
	.run = kvm_run,
	.stats = kvm_stats,
	.cputime = NULL, /* one vCPU thread runs every space: sched_cputime */
	.kick = kvm_kick,
	.fpu_size = sizeof(struct kvm_xsave),
	.fpu_save = kvm_fpu_save,
	.fpu_load = kvm_fpu_load,
	.prefault = kvm_prefault,
};
