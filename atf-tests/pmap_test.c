/* pmap_test.c: page tables as the MMU reads them, and the shim hooks. */
#include <atf-c.h>
#include <errno.h>
#include <string.h>

#include "vm.h"
#include "pmap.h"
#include "vk_testlib.h"

#define MIB  (1024 * 1024)
#define PG   PAGE_SIZE
#define BASE 0x400000ULL
#define RW   (KS_PROT_READ | KS_PROT_WRITE)
#define RX   (KS_PROT_READ | KS_PROT_EXEC)
#define RO   KS_PROT_READ

/* ---- Helpers ---- */
static void
setup(void)
{
	phys_setup(MIB);
}

/*
 * Walks the tables from cr3 as the MMU does and returns the leaf PTE of va
 * (0 if a table is missing).  Intermediate entries must be P|RW|US.
 */
static uint64_t
mmu_walk(gpa_t cr3, gva_t va)
{
	uint64_t *table, e = cr3;
	int level;

	for (level = 3; level >= 0; level--) {
		ATF_REQUIRE((table = vm_phys_hva(e & PTE_ADDR_MASK)) != NULL);
		e = table[(va >> (12 + 9 * level)) & 511];
		if (level == 0)
			break;
		if (!(e & PTE_P))
			return 0;
		ATF_REQUIRE_EQ(e & (PTE_P | PTE_RW | PTE_US | PTE_NX),
		    PTE_P | PTE_RW | PTE_US);
	}
	return e;
}

/* ---- Tests ---- */
ATF_TC_WITHOUT_HEAD(enter__extract);
ATF_TC_BODY(enter__extract, tc)
{
	struct pmap *pm;
	gpa_t a, b, pa;
	int prot;

	setup();
	ATF_REQUIRE((pm = pmap_create(NULL)) != NULL);
	a = vm_page_alloc();
	b = vm_page_alloc();
	ATF_REQUIRE(!pmap_extract(pm, BASE, &pa, &prot));
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, RW), 0);
	ATF_REQUIRE(pmap_extract(pm, BASE + 0x123, &pa, &prot));
	ATF_REQUIRE_EQ(pa, a + 0x123);
	ATF_REQUIRE_EQ(prot, RW);
	ATF_REQUIRE(!pmap_extract(pm, BASE + PG, &pa, &prot));
	ATF_REQUIRE(!pmap_extract(pm, BASE - 1, &pa, &prot));
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 1);

	/* Entering again replaces. */
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, b, RX), 0);
	ATF_REQUIRE(pmap_extract(pm, BASE, &pa, &prot));
	ATF_REQUIRE_EQ(pa, b);
	ATF_REQUIRE_EQ(prot, RX);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 1);
	pmap_destroy(pm);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(enter__pte_bits_as_the_mmu_reads_them);
ATF_TC_BODY(enter__pte_bits_as_the_mmu_reads_them, tc)
{
	const gva_t top = 0x7ffffffff000ULL; /* last user page */
	struct pmap *pm;
	gpa_t a, b, c, cr3;
	uint64_t pte;

	setup();
	ATF_REQUIRE((pm = pmap_create(NULL)) != NULL);
	cr3 = pmap_cr3(pm);
	ATF_REQUIRE(cr3 != 0 && cr3 % PG == 0);
	a = vm_page_alloc();
	b = vm_page_alloc();
	c = vm_page_alloc();
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, RW), 0);
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE + PG, b, RX), 0);
	ATF_REQUIRE_EQ(pmap_enter(pm, top, c, RO), 0);

	pte = mmu_walk(cr3, BASE);
	ATF_REQUIRE_EQ(pte & PTE_ADDR_MASK, a);
	ATF_REQUIRE_EQ(pte & ~PTE_ADDR_MASK, PTE_P | PTE_RW | PTE_US | PTE_NX);
	pte = mmu_walk(cr3, BASE + PG);
	ATF_REQUIRE_EQ(pte & PTE_ADDR_MASK, b);
	ATF_REQUIRE_EQ(pte & ~PTE_ADDR_MASK, PTE_P | PTE_US);
	pte = mmu_walk(cr3, top);
	ATF_REQUIRE_EQ(pte & PTE_ADDR_MASK, c);
	ATF_REQUIRE_EQ(pte & ~PTE_ADDR_MASK, PTE_P | PTE_US | PTE_NX);
	ATF_REQUIRE_EQ(mmu_walk(cr3, BASE + 2 * PG), 0);

	/* Nothing in the PML4's upper half: it is the trampoline's. */
	for (int i = 256; i < 512; i++)
		ATF_REQUIRE_EQ(((uint64_t *)vm_phys_hva(cr3))[i], 0);
	/* The last user page sits under PML4 slot 255. */
	ATF_REQUIRE(((uint64_t *)vm_phys_hva(cr3))[255] & PTE_P);
	pmap_destroy(pm);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(enter__kernel_half_einval);
ATF_TC_BODY(enter__kernel_half_einval, tc)
{
	struct pmap *pm;
	gpa_t a;

	setup();
	ATF_REQUIRE((pm = pmap_create(NULL)) != NULL);
	a = vm_page_alloc();
	ATF_REQUIRE_EQ(pmap_enter(pm, 0x800000000000ULL, a, RW), -EINVAL);
	ATF_REQUIRE_EQ(pmap_enter(pm, 0xffff800000000000ULL, a, RW), -EINVAL);
	ATF_REQUIRE_EQ(pmap_table_count(pm), 1);
	ATF_REQUIRE(!pmap_extract(pm, 0xffff800000000000ULL, NULL, NULL));
	pmap_destroy(pm);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(enter__oom_for_tables);
ATF_TC_BODY(enter__oom_for_tables, tc)
{
	struct pmap *pm;
	gpa_t a;

	setup();
	ATF_REQUIRE((pm = pmap_create(NULL)) != NULL);
	a = vm_page_alloc();
	while (vm_page_alloc() != 0)
		;
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, RW), -ENOMEM);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 0);
	ATF_REQUIRE(!pmap_extract(pm, BASE, NULL, NULL));
	pmap_destroy(pm);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(protect__changes_bits);
ATF_TC_BODY(protect__changes_bits, tc)
{
	struct pmap *pm;
	gpa_t a, b;
	uint64_t pte;
	int prot;

	setup();
	ATF_REQUIRE((pm = pmap_create(NULL)) != NULL);
	a = vm_page_alloc();
	b = vm_page_alloc();
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, RW), 0);
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE + PG, b, RW), 0);

	pmap_protect(pm, BASE, BASE + 2 * PG, RO);
	pte = mmu_walk(pmap_cr3(pm), BASE + PG);
	ATF_REQUIRE_EQ(pte, b | PTE_P | PTE_US | PTE_NX);
	ATF_REQUIRE(pmap_extract(pm, BASE, NULL, &prot));
	ATF_REQUIRE_EQ(prot, RO);

	pmap_protect(pm, BASE, BASE + PG, RX | KS_PROT_WRITE);
	ATF_REQUIRE_EQ(mmu_walk(pmap_cr3(pm), BASE),
	    a | PTE_P | PTE_US | PTE_RW);

	/* NONE clears the entry: the next access faults. */
	pmap_protect(pm, BASE, BASE + PG, KS_PROT_NONE);
	ATF_REQUIRE_EQ(mmu_walk(pmap_cr3(pm), BASE), 0);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 1);
	/* Protecting what is not mapped maps nothing. */
	pmap_protect(pm, BASE, BASE + 4 * PG, RW);
	ATF_REQUIRE(!pmap_extract(pm, BASE, NULL, NULL));
	ATF_REQUIRE(!pmap_extract(pm, BASE + 2 * PG, NULL, NULL));
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 1);
	pmap_destroy(pm);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(remove__clears_range_only);
ATF_TC_BODY(remove__clears_range_only, tc)
{
	struct pmap *pm;
	gpa_t pa[4];
	int i;

	setup();
	ATF_REQUIRE((pm = pmap_create(NULL)) != NULL);
	for (i = 0; i < 4; i++) {
		pa[i] = vm_page_alloc();
		ATF_REQUIRE_EQ(pmap_enter(pm, BASE + i * PG, pa[i], RW), 0);
	}
	pmap_remove(pm, BASE + PG, BASE + 3 * PG);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 2);
	ATF_REQUIRE(pmap_extract(pm, BASE, NULL, NULL));
	ATF_REQUIRE_EQ(mmu_walk(pmap_cr3(pm), BASE + PG), 0);
	ATF_REQUIRE_EQ(mmu_walk(pmap_cr3(pm), BASE + 2 * PG), 0);
	ATF_REQUIRE_EQ(mmu_walk(pmap_cr3(pm), BASE + 3 * PG) & PTE_ADDR_MASK,
	    pa[3]);
	/* The data pages are not the pmap's to free. */
	ATF_REQUIRE_EQ(pages_used(), 1 + 3 + 4);
	pmap_update(pm);
	pmap_destroy(pm);
	ATF_REQUIRE_EQ(pages_used(), 4);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(remove__whole_user_half);
ATF_TC_BODY(remove__whole_user_half, tc)
{
	const gva_t far = 0x7f0000000000ULL;
	struct pmap *pm;
	gpa_t a;

	setup();
	ATF_REQUIRE((pm = pmap_create(NULL)) != NULL);
	a = vm_page_alloc();
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, RW), 0);
	ATF_REQUIRE_EQ(pmap_enter(pm, far, a, RO), 0);
	/* Missing tables are skipped, so this is quick. */
	pmap_remove(pm, 0, ~0ULL & ~PAGE_MASK);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 0);
	ATF_REQUIRE(!pmap_extract(pm, BASE, NULL, NULL));
	ATF_REQUIRE(!pmap_extract(pm, far, NULL, NULL));
	pmap_destroy(pm);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(tables__count_and_destroy_returns_all);
ATF_TC_BODY(tables__count_and_destroy_returns_all, tc)
{
	struct pmap *pm;
	size_t before;
	gpa_t a;

	setup();
	a = vm_page_alloc();
	before = pages_used();
	ATF_REQUIRE((pm = pmap_create(NULL)) != NULL);
	ATF_REQUIRE_EQ(pmap_table_count(pm), 1);
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, RW), 0);
	ATF_REQUIRE_EQ(pmap_table_count(pm), 4);
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE + PG, a, RW), 0);
	ATF_REQUIRE_EQ(pmap_table_count(pm), 4);
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE + 2 * MIB, a, RW), 0); /* PT */
	ATF_REQUIRE_EQ(pmap_table_count(pm), 5);
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE + (1ULL << 30), a, RW), 0); /* PD */
	ATF_REQUIRE_EQ(pmap_table_count(pm), 7);
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE + (1ULL << 39), a, RW), 0);
	ATF_REQUIRE_EQ(pmap_table_count(pm), 10);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 5);
	ATF_REQUIRE_EQ(pages_used(), before + 10);
	pmap_destroy(pm);
	ATF_REQUIRE_EQ(pages_used(), before);
	vm_page_free(a);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(hooks__enter_and_update);
ATF_TC_BODY(hooks__enter_and_update, tc)
{
	struct fake_space fs = { .hdr.ops = &fake_ops };
	struct pmap *pm;
	gpa_t a;

	setup();
	/* Created first, attached later, as for a real space. */
	ATF_REQUIRE((pm = pmap_create(NULL)) != NULL);
	pmap_set_space(pm, (struct ks_space *)&fs);
	a = vm_page_alloc();
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, RX), 0);
	ATF_REQUIRE_EQ(fs.ncalls, 1);
	check_call(&fs, 0, 'm', BASE, PG, RX);
	ATF_REQUIRE_EQ(fs.calls[0].pa, a);
	ATF_REQUIRE_EQ(fs.nflush, 0);

	ATF_REQUIRE_EQ(pmap_update(pm), 0);
	ATF_REQUIRE_EQ(fs.nflush, 1);
	fs.flush_ret = -EIO;
	ATF_REQUIRE_EQ(pmap_update(pm), -EIO);

	/* Entering with NONE unmaps. */
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, KS_PROT_NONE), 0);
	ATF_REQUIRE_EQ(fs.ncalls, 2);
	check_call(&fs, 1, 'u', BASE, PG, 0);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 0);
	pmap_destroy(pm);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(hooks__runs_are_coalesced);
ATF_TC_BODY(hooks__runs_are_coalesced, tc)
{
	struct fake_space fs = { .hdr.ops = &fake_ops };
	struct pmap *pm;
	gpa_t a;
	int i;

	setup();
	ATF_REQUIRE((pm = pmap_create((struct ks_space *)&fs)) != NULL);
	a = vm_page_alloc();
	for (i = 0; i < 16; i++)
		ATF_REQUIRE_EQ(pmap_enter(pm, BASE + i * PG, a, RW), 0);
	ATF_REQUIRE_EQ(fs.ncalls, 16);

	/* One request per run of present pages, holes outside ignored. */
	fs.ncalls = 0;
	pmap_protect(pm, BASE - 4 * PG, BASE + 32 * PG, RO);
	ATF_REQUIRE_EQ(fs.ncalls, 1);
	check_call(&fs, 0, 'p', BASE, 64 * 1024, RO);

	fs.ncalls = 0;
	pmap_remove(pm, BASE + 5 * PG, BASE + 6 * PG);
	ATF_REQUIRE_EQ(fs.ncalls, 1);
	check_call(&fs, 0, 'u', BASE + 5 * PG, PG, 0);

	fs.ncalls = 0;
	pmap_protect(pm, BASE, BASE + 16 * PG, RW);
	ATF_REQUIRE_EQ(fs.ncalls, 2);
	check_call(&fs, 0, 'p', BASE, 5 * PG, RW);
	check_call(&fs, 1, 'p', BASE + 6 * PG, 10 * PG, RW);

	fs.ncalls = 0;
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE + 5 * PG, a, RW), 0);
	pmap_remove(pm, BASE, BASE + 16 * PG);
	ATF_REQUIRE_EQ(fs.ncalls, 2);
	check_call(&fs, 1, 'u', BASE, 64 * 1024, 0);

	/* Nothing mapped: nothing said. */
	fs.ncalls = 0;
	pmap_remove(pm, BASE, BASE + 16 * PG);
	pmap_protect(pm, BASE, BASE + 16 * PG, RO);
	ATF_REQUIRE_EQ(fs.ncalls, 0);
	ATF_REQUIRE_EQ(fs.nflush, 0);
	pmap_destroy(pm);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(hooks__run_across_page_tables);
ATF_TC_BODY(hooks__run_across_page_tables, tc)
{
	struct fake_space fs = { .hdr.ops = &fake_ops };
	const gva_t va = 0x40000000ULL - 2 * PG; /* crosses a PD boundary */
	struct pmap *pm;
	gpa_t a;
	int i;

	setup();
	ATF_REQUIRE((pm = pmap_create((struct ks_space *)&fs)) != NULL);
	a = vm_page_alloc();
	for (i = 0; i < 4; i++)
		ATF_REQUIRE_EQ(pmap_enter(pm, va + i * PG, a, RW), 0);
	fs.ncalls = 0;
	pmap_remove(pm, va - 8 * MIB, va + 8 * MIB);
	ATF_REQUIRE_EQ(fs.ncalls, 1);
	check_call(&fs, 0, 'u', va, 4 * PG, 0);
	pmap_destroy(pm);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(hooks__new_page_unmaps_old_first);
ATF_TC_BODY(hooks__new_page_unmaps_old_first, tc)
{
	struct fake_space fs = { .hdr.ops = &fake_ops };
	struct pmap *pm;
	gpa_t a, b;

	setup();
	ATF_REQUIRE((pm = pmap_create((struct ks_space *)&fs)) != NULL);
	a = vm_page_alloc();
	b = vm_page_alloc();
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, RW), 0);
	/* The same page again (a lost host mapping): just a map. */
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, RO), 0);
	ATF_REQUIRE_EQ(fs.ncalls, 2);
	check_call(&fs, 1, 'm', BASE, PG, RO);
	/* Another page there: the old one's host mapping goes first, so
	 * the old page is only reused after a flush that removed it. */
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, b, RW), 0);
	ATF_REQUIRE_EQ(fs.ncalls, 4);
	check_call(&fs, 2, 'u', BASE, PG, 0);
	check_call(&fs, 3, 'm', BASE, PG, RW);
	ATF_REQUIRE_EQ(fs.calls[3].pa, b);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 1);
	pmap_destroy(pm);
	vm_phys_fini();
}

/*
 * Page tables live in guest-physical memory: an entry that points outside
 * the image (as a corrupted table could) is never followed, neither by a
 * lookup, an enter, a remove nor by teardown.
 */
ATF_TC_WITHOUT_HEAD(walk__entry_outside_image_not_followed);
ATF_TC_BODY(walk__entry_outside_image_not_followed, tc)
{
	struct fake_space fs = { .hdr.ops = &fake_ops };
	uint64_t *pml4, *pdpt, saved;
	struct pmap *pm;
	size_t before;
	gpa_t a;

	setup();
	a = vm_page_alloc();
	before = pages_used();
	ATF_REQUIRE((pm = pmap_create((struct ks_space *)&fs)) != NULL);
	ATF_REQUIRE_EQ(pmap_enter(pm, BASE, a, RW), 0);
	pml4 = vm_phys_hva(pmap_cr3(pm));
	pdpt = vm_phys_hva(pml4[0] & PTE_ADDR_MASK);
	ATF_REQUIRE(pdpt != NULL);
	saved = pdpt[0];
	/* The PDPT entry now points far past the 1 MiB image. */
	pdpt[0] = (0x7ff000000000ULL & PTE_ADDR_MASK) | PTE_P | PTE_RW | PTE_US;
	ATF_REQUIRE(!pmap_extract(pm, BASE, NULL, NULL));
	ATF_REQUIRE(pmap_enter(pm, BASE + PG, a, RW) != 0);
	fs.ncalls = 0;
	pmap_remove(pm, 0, 1ULL << 39);
	pmap_protect(pm, 0, 1ULL << 39, RO);
	ATF_REQUIRE_EQ(fs.ncalls, 0);
	/* Teardown skips the bad entry and frees every real table. */
	pdpt[0] = saved;
	pmap_remove(pm, BASE, BASE + PG);
	pdpt[0] = (0x7ff000000000ULL & PTE_ADDR_MASK) | PTE_P;
	pmap_destroy(pm);
	ATF_REQUIRE_EQ(pages_used(), before + 2); /* the lost PD and PT */
	vm_phys_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, enter__extract);
	ATF_TP_ADD_TC(tp, enter__pte_bits_as_the_mmu_reads_them);
	ATF_TP_ADD_TC(tp, enter__kernel_half_einval);
	ATF_TP_ADD_TC(tp, enter__oom_for_tables);
	ATF_TP_ADD_TC(tp, protect__changes_bits);
	ATF_TP_ADD_TC(tp, remove__clears_range_only);
	ATF_TP_ADD_TC(tp, remove__whole_user_half);
	ATF_TP_ADD_TC(tp, tables__count_and_destroy_returns_all);
	ATF_TP_ADD_TC(tp, hooks__enter_and_update);
	ATF_TP_ADD_TC(tp, hooks__runs_are_coalesced);
	ATF_TP_ADD_TC(tp, hooks__run_across_page_tables);
	ATF_TP_ADD_TC(tp, hooks__new_page_unmaps_old_first);
	ATF_TP_ADD_TC(tp, walk__entry_outside_image_not_followed);
	return atf_no_error();
}
