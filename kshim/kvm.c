/* kvm.c: the kvm kshim backend: hardware nested paging (AMD NPT / Intel EPT) walks the pmap's tables, on one KVM vCPU per vkernel vCPU thread. */

/*
 * One KVM VM per vkernel, one KVM vCPU for each of its vCPU threads (-n),
 * each driven by that thread alone.  The memory image is KVM memory slot
 * 0, so guest-physical addresses are the same numbers on both paths.  A
 * guest address space is just a CR3 (the pmap's PML4, whose entry 511
 * points at the trampoline's tables); mapping a page is the pmap's memory
 * write, and this backend only sees that the TLBs must forget: a vCPU in
 * the vkernel queues invalidations that its trampoline applies on the next
 * entry; a vCPU running the space elsewhere is kicked out and flushes
 * before it runs guest code again (flush: the TLB shootdown); a vCPU that
 * has the space's PCID tagged entries but does not run it flushes them when
 * it loads the space again (spaces and the shootdown: kvm_space.c; this
 * file sets up the VM and runs its vCPUs).  The host is asked for guest-physical -> host
 * mappings only at set-up and when the page allocator is about to hand out
 * a fresh range (prefault).
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_int.h"

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


/* The trampoline, linked into the vkernel in its own section. */
extern const char __start_vktramp[], __stop_vktramp[];
extern const char vkt_syscall[], vkt_resume[];
extern const uint64_t vkt_exc_table[KVM_IDT_ENTRIES];
#define TRAMP_OFF(sym) ((uint64_t)((const char *)(sym) - __start_vktramp))

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


/* The kernel tables, and each vCPU's code, mailbox, GDT, TSS, IDT and
 * stack in the reserved pages. */
static void
kvm_build_kernel(struct ks *ks)
{
	uint64_t *pml4 = gpa_hva(ks, resv_gpa(ks, KVM_RESV_PML4));
	uint64_t *pdpt = gpa_hva(ks, resv_gpa(ks, KVM_RESV_PDPT));
	uint64_t *pd = gpa_hva(ks, resv_gpa(ks, KVM_RESV_PD));
	uint64_t *pt = gpa_hva(ks, resv_gpa(ks, KVM_RESV_PT));
	uint16_t iomap = 104;
	int c, i;

	memset(gpa_hva(ks, ks->resv), 0,
	    (KVM_RESV_PAGES + ks->ncpus * KVM_CPU_PAGES) * 0x1000);
	pml4[511] = resv_gpa(ks, KVM_RESV_PDPT) | PTE_P | PTE_RW;
	pdpt[511] = resv_gpa(ks, KVM_RESV_PD) | PTE_P | PTE_RW;
	pd[511] = resv_gpa(ks, KVM_RESV_PT) | PTE_P | PTE_RW;
	for (c = 0; c < ks->ncpus; c++) {
		int base = KVM_RESV_PAGES + c * KVM_CPU_PAGES;
		uint64_t *gdt = gpa_hva(ks, cpu_gpa(ks, c, KVM_CPU_GDT));
		uint8_t *tss = (uint8_t *)gdt + (CPU_OFF_TSS - CPU_OFF_GDT);
		uint8_t *idt = gpa_hva(ks, cpu_gpa(ks, c, KVM_CPU_IDT));
		uint64_t tssb = KVA_CPU(c) + CPU_OFF_TSS;
		uint64_t rsp0 = KVA_CPU(c) + CPU_OFF_STACK_TOP;
		uint64_t code = KVA_CPU(c);

		pt[base + KVM_CPU_CODE] = cpu_gpa(ks, c, KVM_CPU_CODE) | PTE_P;
		pt[base + KVM_CPU_MBOX] = cpu_gpa(ks, c, KVM_CPU_MBOX) | PTE_P |
		    PTE_RW | PTE_NX;
		pt[base + KVM_CPU_GDT] = cpu_gpa(ks, c, KVM_CPU_GDT) | PTE_P |
		    PTE_RW | PTE_NX;
		pt[base + KVM_CPU_IDT] = cpu_gpa(ks, c, KVM_CPU_IDT) | PTE_P |
		    PTE_NX;
		for (i = 0; i < KVM_STACK_PAGES; i++)
			pt[base + KVM_CPU_STACK + i] = cpu_gpa(ks, c,
			    KVM_CPU_STACK + i) | PTE_P | PTE_RW | PTE_NX;
		memcpy(gpa_hva(ks, cpu_gpa(ks, c, KVM_CPU_CODE)),
		    __start_vktramp, __stop_vktramp - __start_vktramp);

		gdt[1] = 0x00af9b000000ffffULL; /* kernel code, 64-bit */
		gdt[2] = 0x00cf93000000ffffULL; /* kernel data */
		gdt[3] = 0x00cff3000000ffffULL; /* user data */
		gdt[4] = 0x00affb000000ffffULL; /* user code, 64-bit */
		gdt[5] = 103 | (tssb & 0xffffff) << 16 | 0x8bULL << 40 |
		    ((tssb >> 24) & 0xff) << 56;  /* busy 64-bit TSS */
		gdt[6] = tssb >> 32;
		memcpy(tss + 4, &rsp0, 8);
		memcpy(tss + 102, &iomap, 2);   /* no I/O bitmap: ports #GP */

		for (i = 0; i < KVM_IDT_ENTRIES; i++) {
			uint64_t off = code + vkt_exc_table[i];
			uint8_t *g = idt + 16 * i;
			/* #BP and #OF may be raised by user code. */
			uint8_t type = (i == 3 || i == 4) ? 0xee : 0x8e;

			g[0] = off & 0xff; g[1] = (off >> 8) & 0xff;
			g[2] = SEL_KCODE; g[3] = 0;
			g[4] = 0; g[5] = type;
			g[6] = (off >> 16) & 0xff; g[7] = (off >> 24) & 0xff;
			memcpy(g + 8, (uint32_t[]){ (uint32_t)(off >> 32), 0 }, 8);
		}
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

/* The CPUID a vCPU gets, and what it says of XSAVE, PCID and XCR0. */
static int
kvm_cpuid(struct ks *ks, struct kvm_cpuid2 **out, bool *xsave, uint64_t *xcr0)
{
	struct kvm_cpuid2 *cpuid;
	int n = 256;
	long rc;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (cpuid == NULL)
			return -ENOMEM;
		cpuid->nent = n;
		rc = __kvm_ioctl(ks->kvm, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (rc != -E2BIG)
			break;
		free(cpuid);
		n *= 2;
	}
	if (rc < 0) {
		free(cpuid);
		return (int)rc;
	}
	*xsave = false;
	*xcr0 = 0x3;
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1) {
			*xsave = e->ecx & (1u << 26);
			ks->pcid = e->ecx & (1u << 17);
		}
		if (e->function == 0xd && e->index == 0)
			*xcr0 = e->eax & 0xe7; /* x87 SSE AVX and AVX-512 */
	}
	*out = cpuid;
	return 0;
}

/* vCPU c: 64-bit paged mode from the first instruction, at its copy of
 * vkt_resume in ring 0. */
static int
kvm_setup_vcpu(struct ks *ks, struct kvm_cpu *c, char *why, size_t whylen)
{
	struct kvm_msrs_start msrs = { .hdr.nmsrs = KVM_NMSRS, .e = {
		{ .index = 0xc0000081, .data = (0x13ULL << 48) | (0x08ULL << 32) },
		{ .index = 0xc0000082, .data = KVA_CPU(c->id) + TRAMP_OFF(vkt_syscall) },
		{ .index = 0xc0000083, .data = KVA_CPU(c->id) + TRAMP_OFF(vkt_syscall) },
		{ .index = 0xc0000084, .data = 0x47700 }, /* TF IF DF IOPL NT AC */
		{ .index = 0xc0000100, .data = 0 },
		{ .index = 0xc0000101, .data = 0 },
		{ .index = 0xc0000102, .data = 0 } } };
	struct kvm_sregs *sr = &c->sregs0;
	struct kvm_regs *r = &c->regs0;
	struct kvm_cpuid2 *cpuid;
	uint64_t xcr0 = 0x3;
	struct {
		struct kvm_signal_mask hdr;
		uint8_t set[8];
	} kmask;
	sigset_t cur;
	bool xsave = false;
	uint64_t code = KVA_CPU(c->id);

	if (kvm_cpuid(ks, &cpuid, &xsave, &xcr0) != 0)
		return snprintf(why, whylen, "KVM_GET_SUPPORTED_CPUID failed"), -1;
	if (__kvm_ioctl(c->fd, KVM_SET_CPUID2, cpuid) < 0) {
		free(cpuid);
		return snprintf(why, whylen, "KVM_SET_CPUID2 failed"), -1;
	}
	free(cpuid);
	if (__kvm_ioctl(c->fd, KVM_GET_SREGS, sr) < 0)
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
	sr->tr.base = code + CPU_OFF_TSS, sr->tr.limit = 103;
	sr->tr.selector = SEL_TSS;
	sr->tr.type = 11, sr->tr.present = 1;
	memset(&sr->ldt, 0, sizeof(sr->ldt));
	sr->ldt.type = 2, sr->ldt.unusable = 1;
	sr->gdt.base = code + CPU_OFF_GDT, sr->gdt.limit = 7 * 8 - 1;
	sr->idt.base = code + CPU_OFF_IDT;
	sr->idt.limit = KVM_IDT_ENTRIES * 16 - 1;
	memset(r, 0, sizeof(*r));
	r->rip = code + TRAMP_OFF(vkt_resume);
	r->rsp = code + CPU_OFF_STACK_TOP;
	r->rflags = 0x2;
	c->msrs0 = msrs;              /* loaded, with the rest, by the reset */
	c->xcr0 = xsave ? xcr0 : 0;
	/* KS_WAKE_SIGNAL is open only inside KVM_RUN: it makes KVM_RUN return
	 * EINTR, pending or not when KVM_RUN starts (kshim.h). */
	if (sigemptyset(&ks->wake) != 0 ||
	    sigaddset(&ks->wake, KS_WAKE_SIGNAL) != 0 ||
	    pthread_sigmask(SIG_BLOCK, NULL, &cur) != 0 ||
	    sigdelset(&cur, KS_WAKE_SIGNAL) != 0)
		return snprintf(why, whylen, "sigprocmask failed"), -1;
	kmask.hdr.len = 8; /* the kernel's sigset_t */
	memcpy(kmask.set, &cur, 8);
	if (__kvm_ioctl(c->fd, KVM_SET_SIGNAL_MASK, &kmask) < 0)
		return snprintf(why, whylen, "KVM_SET_SIGNAL_MASK failed"), -1;
	return 0;
}

/* Back to the start state (registers, the MSRs and XCR0 too: KVM on AMD
 * INITs a vCPU after a triple fault) after a failure or a destroyed active
 * space. */
static int
kvm_reset_vcpu(struct kvm_cpu *c)
{
	struct kvm_xcrs xcrs = { .nr_xcrs = 1, .xcrs = { { 0, 0, c->xcr0 } } };

	if (__kvm_ioctl(c->fd, KVM_SET_MSRS, &c->msrs0) != KVM_NMSRS ||
	    (c->xcr0 && __kvm_ioctl(c->fd, KVM_SET_XCRS, &xcrs) < 0) ||
	    __kvm_ioctl(c->fd, KVM_SET_SREGS, &c->sregs0) < 0 ||
	    __kvm_ioctl(c->fd, KVM_SET_REGS, &c->regs0) < 0)
		return -EIO;
	c->cur = NULL;
	memset(c->pcid_owner, 0, 4096 * sizeof(*c->pcid_owner)); /* flushed */
	c->cur_fs = c->cur_gs = 0;
	c->need_reset = false;
	memset(c->mb, 0, sizeof(*c->mb));
	c->mb->setfs = 3;
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
inject_failure(struct kvm_cpu *c)
{
	struct kvm_sregs sr = c->sregs0;

	if (c->cur == NULL)
		return;
	if (c->cur->ks->inject == INJECT_BADCR3) {
		c->mb->newcr3 = c->cur->cr3 | 1ULL << 60; /* past MAXPHYADDR */
	} else {
		c->mb->regs[16] = 0x8000000000000000ULL;   /* rip */
		sr.cr3 = c->cur->cr3;
		sr.idt.limit = 0;
		__kvm_ioctl(c->fd, KVM_SET_SREGS, &sr);
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
	int c;

	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return snprintf(why, whylen, "out of memory"), -1;
	ks->ops = &ks_kvm_ops;
	ks->kvm = ks->vm = -1;
	ks->mem = MAP_FAILED;
	ks->ncpus = mem->ncpus > 0 ? mem->ncpus : 1;
	for (c = 0; c < KVM_MAXCPU; c++) {
		ks->cpus[c].fd = -1;
		pthread_mutex_init(&ks->cpus[c].lock, NULL);
	}
	*ksp = ks;
	if (ks->ncpus > KVM_MAXCPU) {
		snprintf(why, whylen, "-n %d: the hw path runs at most %d vCPUs",
		    ks->ncpus, KVM_MAXCPU);
		goto fail;
	}
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
	if (__kvm_ioctl(ks->kvm, KVM_CHECK_EXTENSION,
	    (void *)(long)KVM_CAP_MAX_VCPUS) < ks->ncpus &&
	    __kvm_ioctl(ks->kvm, KVM_CHECK_EXTENSION,
	    (void *)(long)KVM_CAP_NR_VCPUS) < ks->ncpus) {
		snprintf(why, whylen, "KVM runs fewer than %d vCPUs",
		    ks->ncpus);
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
	if ((r = __kvm_ioctl(ks->kvm, KVM_GET_VCPU_MMAP_SIZE, NULL)) <= 0) {
		snprintf(why, whylen, "KVM_GET_VCPU_MMAP_SIZE failed");
		goto fail;
	}
	ks->runsz = r;
	if ((size_t)(__stop_vktramp - __start_vktramp) > 0x1000) {
		snprintf(why, whylen, "trampoline larger than a page");
		goto fail;
	}
	kvm_build_kernel(ks);
	for (c = 0; c < ks->ncpus; c++) {
		struct kvm_cpu *cp = &ks->cpus[c];

		cp->id = c;
		if ((cp->fd = __kvm_ioctl(ks->vm, KVM_CREATE_VCPU,
		    (void *)(long)c)) < 0) {
			snprintf(why, whylen, "KVM_CREATE_VCPU %d failed", c);
			goto fail;
		}
		cp->run = mmap(NULL, ks->runsz, PROT_READ | PROT_WRITE,
		    MAP_SHARED, cp->fd, 0);
		if (cp->run == MAP_FAILED) {
			cp->run = NULL;
			snprintf(why, whylen, "cannot map kvm_run: %s",
			    strerror(errno));
			goto fail;
		}
		if ((cp->pcid_owner = calloc(4096, sizeof(*cp->pcid_owner))) ==
		    NULL) {
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
		cp->mb = gpa_hva(ks, cpu_gpa(ks, c, KVM_CPU_MBOX));
		if (kvm_setup_vcpu(ks, cp, why, whylen) != 0)
			goto fail;
		if (kvm_reset_vcpu(cp) != 0) {
			snprintf(why, whylen, "cannot set vCPU %d's registers "
			    "or MSRs", c);
			goto fail;
		}
	}
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

/* The calling thread drives vCPU cpu from now on (and no other thread). */
static int
kvm_cpu_start(struct ks *ks, int cpu, char *why, size_t whylen)
{
	struct kvm_cpu *c;

	if (cpu < 0 || cpu >= ks->ncpus)
		return snprintf(why, whylen, "no vCPU %d", cpu), -1;
	c = &ks->cpus[cpu];
	c->thread = pthread_self();
	c->started = true;
	kvm_this_cpu = c;
	return 0;
}

static void
kvm_fini(struct ks *ks)
{
	int c;

	if (ks == NULL)
		return;
	for (c = 0; c < KVM_MAXCPU; c++) {
		if (ks->cpus[c].run)
			munmap(ks->cpus[c].run, ks->runsz);
		if (ks->cpus[c].fd >= 0)
			close(ks->cpus[c].fd);
		free(ks->cpus[c].pcid_owner);
	}
	if (ks->vm >= 0)
		close(ks->vm);
	if (ks->kvm >= 0)
		close(ks->kvm);
	if (ks->mem != MAP_FAILED)
		munmap(ks->mem, ks->memsize);
	free(ks);
}

static void
kvm_prefault(struct ks *ks, gpa_t gpa, size_t len)
{
	struct kvm_pre_fault_memory pf = { .gpa = gpa, .size = len };
	long r = -ENOSYS;

	KS_COUNT(ks, map_requests, 1);
	KS_COUNT(ks, map_batches, 1);
	KS_COUNT(ks, host_syscalls, 1);
	if (ks->pre_fault) {
		while (pf.size > 0 &&
		    ((r = __kvm_ioctl(my_cpu(ks)->fd, KVM_PRE_FAULT_MEMORY,
		    &pf)) >= 0 || r == -EAGAIN))
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
kvm_dead(struct kvm_cpu *c, struct ks_trap *t, const char *fmt, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->kind = KS_TRAP_DEAD;
	t->signo = SIGKILL;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&c->lock);
	c->need_reset = true;
	pthread_mutex_unlock(&c->lock);
}

static int
kvm_run(struct ks_thread *th, struct ks_frame *frame, struct ks_trap *t)
{
	struct ks_space *sp = th->sp;
	struct ks *ks = sp->ks;
	struct kvm_cpu *c = my_cpu(ks);
	struct kvm_mbox *mb = c->mb;
	struct kvm_run *run = c->run;
	long r;

	pthread_mutex_lock(&c->lock);
	if (c->need_reset && kvm_reset_vcpu(c) != 0) {
		pthread_mutex_unlock(&c->lock);
		return -EIO;
	}
	memcpy(mb->regs, frame, sizeof(mb->regs));
	mb->regs[17] = (frame->rflags & 0x240dd5) | 0x202;
	if (c->cur != sp)
		kvm_switch(c, sp);
	if (frame->fs_base != c->cur_fs || mb->setfs) {
		mb->fsbase = frame->fs_base;
		mb->setfs |= 1;
		c->cur_fs = frame->fs_base;
	}
	if (frame->gs_base != c->cur_gs || mb->setfs & 2) {
		mb->gsbase = frame->gs_base;
		mb->setfs |= 2;
		c->cur_gs = frame->gs_base;
	}
	if (ks->inject != INJECT_NONE && ++c->runs == INJECT_AT_ENTRY &&
	    c->id == 0)
		inject_failure(c);
	KS_COUNT(ks, runs, 1);
	c->last_newcr3 = mb->newcr3;
	/*
	 * In the guest from here: a shootdown (kvm_flush) sees in_guest and
	 * kicks; one it missed set flush_pending first, which is looked at
	 * after in_guest is set, so either way the TLB is flushed before any
	 * guest instruction runs.
	 */
	__atomic_store_n(&c->in_guest, 1, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&c->flush_pending, 0, __ATOMIC_SEQ_CST))
		mb->flush = 1;
	c->last_tlb = mb->flush ? ~0ULL : mb->ninval;
	pthread_mutex_unlock(&c->lock);
	/*
	 * A kick (KS_WAKE_SIGNAL during KVM_RUN: EINTR) asks for an interrupt
	 * window; once the guest can take one (IF=1, that is at CPL3), the
	 * kick vector is injected, and the trampoline saves the user frame
	 * and exits as for any trap.  Any other exit that comes first does
	 * as well: the vkernel looks at its signals after every trap.
	 * KVM puts the thread's mask back before KVM_RUN returns, so the
	 * signal is still pending (blocked) then: taking it here is the kick.
	 */
	c->kicked = 0;
	for (;;) {
		r = ioctl(c->fd, KVM_RUN, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
			if (sigtimedwait(&ks->wake, NULL,
			    &(struct timespec){ 0, 0 }) == KS_WAKE_SIGNAL)
				c->kicked = 1;
			if (__atomic_load_n(&c->flush_pending, __ATOMIC_SEQ_CST))
				c->kicked = 1; /* out through the trampoline */
			if (c->kicked) {
				c->kicked = 0;
				run->request_interrupt_window = 1;
			}
			continue;
		}
		if (r < 0)
			break;
		if (run->exit_reason != KVM_EXIT_IRQ_WINDOW_OPEN)
			break;
		run->request_interrupt_window = 0;
		r = ioctl(c->fd, KVM_INTERRUPT,
		    &(struct kvm_interrupt){ .irq = KVM_KICK_VECTOR });
		if (r < 0)
			break;
	}
	run->request_interrupt_window = 0;
	__atomic_fetch_add(&c->trap_epoch, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&c->in_guest, 0, __ATOMIC_SEQ_CST);
	if (r < 0) {
		kvm_dead(c, t, "KVM_RUN failed: %s", strerror(errno));
		return 0;
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.port == KVM_EXIT_PORT &&
		    run->io.direction == KVM_EXIT_IO_OUT)
			break;
		kvm_dead(c, t, "unexpected I/O exit, port %#x", run->io.port);
		return 0;
	case KVM_EXIT_SHUTDOWN:
		/* KVM has INITed the vCPU: what is left is the mailbox. */
		kvm_dead(c, t, "triple fault (KVM_EXIT_SHUTDOWN): vCPU %d stage "
		    "%llu cr3 %#llx new %#llx tlb %lld after vector %llu", c->id,
		    (unsigned long long)mb->stage, (unsigned long long)sp->cr3,
		    (unsigned long long)c->last_newcr3, (long long)c->last_tlb,
		    (unsigned long long)c->last_vector);
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		kvm_dead(c, t, "VM entry failed, reason %#llx", (unsigned long long)
		    run->fail_entry.hardware_entry_failure_reason);
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		kvm_dead(c, t, "KVM internal error, suberror %u",
		    run->internal.suberror);
		return 0;
	default:
		kvm_dead(c, t, "unexpected KVM exit %u", run->exit_reason);
		return 0;
	}
	if (mb->kfault) {
		kvm_dead(c, t, "trampoline fault, vector %llu at %#llx",
		    (unsigned long long)mb->vector,
		    (unsigned long long)mb->regs[16]);
		return 0;
	}
	c->last_vector = mb->vector;
	memcpy(frame, mb->regs, sizeof(mb->regs));
	frame->fs_base = c->cur_fs;
	frame->gs_base = c->cur_gs;
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
 * while this vCPU's thread waited elsewhere, and looked at its signals
 * after; kvm_run forgets it. */
static void
kvm_kick(struct ks_thread *th)
{
	my_cpu(th->sp->ks)->kicked = 1;
}

static void
kvm_stats(struct ks *ks, struct ks_stats *st)
{
	*st = ks->st;
}

/* vCPU cpu's FPU state: all of it with XSAVE (AVX included), else the
 * legacy x87/SSE area. */
static int
kvm_fpu_save(struct ks *ks, int cpu, void *buf)
{
	int fd = ks->cpus[cpu].fd;

	if (ks->xsave)
		return __kvm_ioctl(fd, KVM_GET_XSAVE, buf) < 0 ? -EIO : 0;
	return __kvm_ioctl(fd, KVM_GET_FPU, buf) < 0 ? -EIO : 0;
}

static int
kvm_fpu_load(struct ks *ks, int cpu, const void *buf)
{
	int fd = ks->cpus[cpu].fd;

	if (ks->xsave)
		return __kvm_ioctl(fd, KVM_SET_XSAVE, (void *)buf) < 0 ?
		    -EIO : 0;
	return __kvm_ioctl(fd, KVM_SET_FPU, (void *)buf) < 0 ? -EIO : 0;
}

const struct ks_ops ks_kvm_ops = {
	.name = "kvm",
	.resv_pages = KVM_RESV_PAGES,
	.resv_pages_per_cpu = KVM_CPU_PAGES,
	.init = kvm_init,
	.cpu_start = kvm_cpu_start,
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
	.cputime = NULL, /* vCPU threads run every space: sched_cputime */
	.kick = kvm_kick,
	.fpu_size = sizeof(struct kvm_xsave),
	.fpu_save = kvm_fpu_save,
	.fpu_load = kvm_fpu_load,
	.prefault = kvm_prefault,
};
