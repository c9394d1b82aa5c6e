/* vm_map_test.c: vm maps (insert, findspace, remove, protect) and faults. */
#include <atf-c.h>
#include <errno.h>
#include <string.h>

#include "vm.h"
#include "vk_testlib.h"
#include "pmap.h"

#define MIB  (1024 * 1024)
#define G64  (64ULL << 30)
#define PG   PAGE_SIZE
#define BASE 0x400000ULL
#define RW   (KS_PROT_READ | KS_PROT_WRITE)
#define RO   KS_PROT_READ
#define RX   (KS_PROT_READ | KS_PROT_EXEC)

static struct vm_map map;

/* A memory image of `mem` bytes and an empty map over the user range. */
static void
setup(size_t mem, struct pmap **pmp)
{
	phys_setup(mem);
	if (pmp != NULL)
		ATF_REQUIRE((*pmp = pmap_create(NULL)) != NULL);
	vm_map_init(&map, pmp ? *pmp : NULL, KS_USER_MIN, KS_USER_MAX);
}


/* Faults the pages of [va, va+len) in (for writing where the entry allows
 * it) and stamps each. */
static void
touch(gva_t va, size_t len)
{
	struct vm_map_entry *e;
	gva_t p;

	for (p = va; p < va + len; p += PG) {
		ATF_REQUIRE((e = vm_map_lookup(&map, p)) != NULL);
		ATF_REQUIRE_EQ(vm_fault(&map, p, e->prot & KS_PROT_WRITE ?
		    KS_PROT_WRITE : KS_PROT_READ), VM_FAULT_OK);
		*(gva_t *)vm_phys_hva(vm_object_lookup(e->obj, e->offset +
		    (p - e->start) / PG)) = p;
	}
}

/* The stamp touch() left at va, read back through the map. */
static gva_t
stamp(gva_t va)
{
	struct vm_map_entry *e = vm_map_lookup(&map, va);
	gpa_t pa;

	ATF_REQUIRE(e != NULL);
	pa = vm_object_lookup(e->obj, e->offset + (va - e->start) / PG);
	ATF_REQUIRE(pa != 0);
	return *(gva_t *)vm_phys_hva(pa);
}

/* Checks that entry i of the map is [start, end) with prot. */
static void
check_entry(int i, gva_t start, gva_t end, int prot)
{
	struct vm_map_entry *e = map.head.next;

	while (i-- > 0)
		e = e->next;
	ATF_REQUIRE(e != &map.head);
	ATF_REQUIRE_EQ(e->start, start);
	ATF_REQUIRE_EQ(e->end, end);
	ATF_REQUIRE_EQ(e->prot, prot);
}

ATF_TC_WITHOUT_HEAD(anon__insert_and_lookup);
ATF_TC_BODY(anon__insert_and_lookup, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 4 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 16 * PG, PG, RO,
	    VM_ENTRY_BRK, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE - 8 * PG, PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(map.nentries, 3);
	ATF_REQUIRE_EQ(map.size, 6 * PG);
	check_entry(0, BASE - 8 * PG, BASE - 7 * PG, RW);
	check_entry(1, BASE, BASE + 4 * PG, RW);
	check_entry(2, BASE + 16 * PG, BASE + 17 * PG, RO);
	ATF_REQUIRE(vm_map_lookup(&map, BASE + 4 * PG - 1)->start == BASE);
	ATF_REQUIRE(vm_map_lookup(&map, BASE + 4 * PG) == NULL);
	ATF_REQUIRE(vm_map_lookup(&map, BASE - 1) == NULL);
	ATF_REQUIRE_EQ(vm_map_lookup(&map, BASE + 16 * PG)->flags,
	    VM_ENTRY_BRK);
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(map.nentries, 0);
	ATF_REQUIRE_EQ(map.size, 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(anon__invalid_args);
ATF_TC_BODY(anon__invalid_args, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 0, RW, 0, false), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 1, PG, RW, 0, false), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, PG + 1, RW, 0, false), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, 0, PG, RW, 0, false), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, KS_USER_MAX - PG, 2 * PG, RW, 0,
	    false), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, KS_USER_MAX - PG, PG, RW, 0, false),
	    0);
	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE, 0), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE, 0, RO), -EINVAL);
	ATF_REQUIRE_EQ(map.nentries, 1);
	vm_map_fini(&map);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(anon__overlap_eexist);
ATF_TC_BODY(anon__overlap_eexist, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 4 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 3 * PG, 2 * PG, RW, 0, false),
	    -EEXIST);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE - PG, 2 * PG, RW, 0, false),
	    -EEXIST);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE - PG, 8 * PG, RW, 0, false),
	    -EEXIST);
	ATF_REQUIRE_EQ(map.nentries, 1);
	ATF_REQUIRE_EQ(map.size, 4 * PG);
	vm_map_fini(&map);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(anon__fixed_replaces);
ATF_TC_BODY(anon__fixed_replaces, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 4 * PG, RW, 0, false), 0);
	touch(BASE, 4 * PG);
	ATF_REQUIRE_EQ(pages_used(), 4);

	/* The middle two pages are replaced by fresh zero pages. */
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + PG, 2 * PG, RX, 0, true), 0);
	ATF_REQUIRE_EQ(pages_used(), 2);
	ATF_REQUIRE_EQ(map.nentries, 3);
	ATF_REQUIRE_EQ(map.size, 4 * PG);
	check_entry(0, BASE, BASE + PG, RW);
	check_entry(1, BASE + PG, BASE + 3 * PG, RX);
	check_entry(2, BASE + 3 * PG, BASE + 4 * PG, RW);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + PG, KS_PROT_READ), VM_FAULT_OK);
	ATF_REQUIRE_EQ(stamp(BASE + PG), 0);
	ATF_REQUIRE_EQ(stamp(BASE), BASE);
	ATF_REQUIRE_EQ(stamp(BASE + 3 * PG), BASE + 3 * PG);
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(anon__adjacent_merges);
ATF_TC_BODY(anon__adjacent_merges, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 2 * PG, RW, 0, false), 0);
	touch(BASE, 2 * PG);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 4 * PG, 2 * PG, RW, 0, false),
	    0);
	touch(BASE + 4 * PG, 2 * PG);
	ATF_REQUIRE_EQ(map.nentries, 2);

	/* Filling the hole joins all three, keeping the pages. */
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 2 * PG, 2 * PG, RW, 0, false),
	    0);
	ATF_REQUIRE_EQ(map.nentries, 1);
	check_entry(0, BASE, BASE + 6 * PG, RW);
	ATF_REQUIRE_EQ(map.head.next->obj->npages, 6);
	ATF_REQUIRE_EQ(stamp(BASE + PG), BASE + PG);
	ATF_REQUIRE_EQ(stamp(BASE + 5 * PG), BASE + 5 * PG);
	ATF_REQUIRE_EQ(pages_used(), 4);

	/* Different prot or flags stay apart. */
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 6 * PG, PG, RO, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE - PG, PG, RW, VM_ENTRY_GROWSDOWN,
	    false), 0);
	ATF_REQUIRE_EQ(map.nentries, 3);
	ATF_REQUIRE_EQ(map.size, 8 * PG);
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(findspace__top_down);
ATF_TC_BODY(findspace__top_down, tc)
{
	gva_t va;

	setup(MIB, NULL);
	vm_map_init(&map, NULL, BASE, BASE + 64 * PG);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, BASE + 64 * PG, 4 * PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE + 60 * PG);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, ~0ULL, 4 * PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE + 60 * PG);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, BASE + 10 * PG + 5, PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE + 9 * PG);

	/* [BASE+8, BASE+10) and [BASE+20, BASE+64) mapped. */
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 20 * PG, 44 * PG, RW, 0, false),
	    0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 8 * PG, 2 * PG, RO, 0, false),
	    0);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, ~0ULL, 10 * PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE + 10 * PG);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, ~0ULL, 4 * PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE + 16 * PG);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, BASE + 15 * PG, 4 * PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE + 11 * PG);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, ~0ULL, 11 * PG, &va), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, BASE + 9 * PG, 8 * PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, BASE + 9 * PG, 9 * PG, &va),
	    -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, BASE, PG, &va), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, 0, ~0ULL, 0, &va), -EINVAL);
	vm_map_fini(&map);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(findspace__bounds);
ATF_TC_BODY(findspace__bounds, tc)
{
	gva_t va;

	setup(MIB, NULL);
	vm_map_init(&map, NULL, BASE, BASE + 64 * PG);
	/* Only [lo, hi) counts; lo is rounded up, hi down. */
	ATF_REQUIRE_EQ(vm_map_findspace(&map, BASE + 8 * PG, BASE + 12 * PG,
	    4 * PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE + 8 * PG);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, BASE + 8 * PG + 1,
	    BASE + 12 * PG, 4 * PG, &va), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, BASE + 8 * PG,
	    BASE + 12 * PG - 1, 4 * PG, &va), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, BASE + 12 * PG, BASE + 8 * PG,
	    PG, &va), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, ~0ULL - 5, ~0ULL, PG, &va),
	    -ENOMEM);

	/* [BASE+20, BASE+30) mapped: gaps below lo are never used. */
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 20 * PG, 10 * PG, RW, 0, false),
	    0);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, BASE + 16 * PG, BASE + 40 * PG,
	    4 * PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE + 36 * PG);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, BASE + 16 * PG, BASE + 40 * PG,
	    5 * PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE + 35 * PG);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, BASE + 16 * PG, BASE + 32 * PG,
	    4 * PG, &va), 0);
	ATF_REQUIRE_EQ(va, BASE + 16 * PG);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, BASE + 17 * PG, BASE + 32 * PG,
	    4 * PG, &va), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_findspace(&map, BASE + 21 * PG, BASE + 29 * PG,
	    PG, &va), -ENOMEM);
	vm_map_fini(&map);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(remove__splits_entry_in_three);
ATF_TC_BODY(remove__splits_entry_in_three, tc)
{
	struct vm_map_entry *e;

	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 8 * PG, RW, 0, false), 0);
	touch(BASE, 8 * PG);
	ATF_REQUIRE_EQ(pages_used(), 8);

	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE + 3 * PG, 2 * PG), 0);
	ATF_REQUIRE_EQ(map.nentries, 2);
	ATF_REQUIRE_EQ(map.size, 6 * PG);
	ATF_REQUIRE_EQ(pages_used(), 6);
	check_entry(0, BASE, BASE + 3 * PG, RW);
	check_entry(1, BASE + 5 * PG, BASE + 8 * PG, RW);
	ATF_REQUIRE(vm_map_lookup(&map, BASE + 3 * PG) == NULL);
	ATF_REQUIRE(vm_map_lookup(&map, BASE + 5 * PG - 1) == NULL);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 4 * PG, KS_PROT_READ),
	    VM_FAULT_MAPERR);

	/* Both halves still see their own pages through the shared object. */
	e = map.head.next;
	ATF_REQUIRE(e->obj == e->next->obj && e->obj->refs == 2);
	ATF_REQUIRE_EQ(e->next->offset, 5);
	ATF_REQUIRE_EQ(stamp(BASE + 2 * PG), BASE + 2 * PG);
	ATF_REQUIRE_EQ(stamp(BASE + 5 * PG), BASE + 5 * PG);
	ATF_REQUIRE_EQ(stamp(BASE + 7 * PG), BASE + 7 * PG);

	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE + 5 * PG, 3 * PG), 0);
	ATF_REQUIRE_EQ(map.head.next->obj->refs, 1);
	ATF_REQUIRE_EQ(pages_used(), 3);
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(remove__across_holes);
ATF_TC_BODY(remove__across_holes, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 2 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 4 * PG, 2 * PG, RO, 0, false),
	    0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 8 * PG, 2 * PG, RW, 0, false),
	    0);
	touch(BASE, 2 * PG);
	touch(BASE + 8 * PG, 2 * PG);
	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE + PG, 8 * PG), 0);
	ATF_REQUIRE_EQ(map.nentries, 2);
	ATF_REQUIRE_EQ(map.size, 2 * PG);
	check_entry(0, BASE, BASE + PG, RW);
	check_entry(1, BASE + 9 * PG, BASE + 10 * PG, RW);
	ATF_REQUIRE_EQ(pages_used(), 2);
	/* Unmapping nothing is fine. */
	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE + 2 * PG, 4 * PG), 0);
	ATF_REQUIRE_EQ(map.nentries, 2);
	vm_map_fini(&map);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(remove__unmaps_then_frees);
ATF_TC_BODY(remove__unmaps_then_frees, tc)
{
	struct pmap *pm;
	size_t before;

	setup(MIB, &pm);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 4 * PG, RW, 0, false), 0);
	before = pages_used();
	touch(BASE, 4 * PG);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 4);
	ATF_REQUIRE(pmap_extract(pm, BASE + PG, NULL, NULL));
	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE, 2 * PG), 0);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 2);
	ATF_REQUIRE(!pmap_extract(pm, BASE + PG, NULL, NULL));
	ATF_REQUIRE(pmap_extract(pm, BASE + 2 * PG, NULL, NULL));
	/* Table pages stay; both data pages are back. */
	ATF_REQUIRE_EQ(pages_used(), before + 3 + 2);
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 0);
	pmap_destroy(pm);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(protect__split_and_merge_back);
ATF_TC_BODY(protect__split_and_merge_back, tc)
{
	struct pmap *pm;
	int prot;

	setup(MIB, &pm);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 8 * PG, RW, 0, false), 0);
	touch(BASE, 8 * PG);

	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + 2 * PG, 3 * PG, RO), 0);
	ATF_REQUIRE_EQ(map.nentries, 3);
	ATF_REQUIRE_EQ(map.size, 8 * PG);
	check_entry(0, BASE, BASE + 2 * PG, RW);
	check_entry(1, BASE + 2 * PG, BASE + 5 * PG, RO);
	check_entry(2, BASE + 5 * PG, BASE + 8 * PG, RW);
	ATF_REQUIRE(pmap_extract(pm, BASE + 3 * PG, NULL, &prot));
	ATF_REQUIRE_EQ(prot, KS_PROT_READ);
	ATF_REQUIRE(pmap_extract(pm, BASE + 5 * PG, NULL, &prot));
	ATF_REQUIRE_EQ(prot, RW);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 3 * PG, KS_PROT_WRITE),
	    VM_FAULT_ACCERR);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 3 * PG, KS_PROT_READ),
	    VM_FAULT_OK);

	/* Same range at the edge: two entries.  All back: one again. */
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE, 2 * PG, RO), 0);
	ATF_REQUIRE_EQ(map.nentries, 2);
	check_entry(0, BASE, BASE + 5 * PG, RO);
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE, 8 * PG, RW), 0);
	ATF_REQUIRE_EQ(map.nentries, 1);
	check_entry(0, BASE, BASE + 8 * PG, RW);
	ATF_REQUIRE_EQ(map.head.next->obj->refs, 1);
	ATF_REQUIRE(pmap_extract(pm, BASE + 3 * PG, NULL, &prot));
	ATF_REQUIRE_EQ(prot, RW);
	ATF_REQUIRE_EQ(stamp(BASE + 4 * PG), BASE + 4 * PG);
	ATF_REQUIRE_EQ(pages_used(), 8 + 4);

	/* NONE drops the pmap entries but keeps the pages. */
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + PG, PG, KS_PROT_NONE), 0);
	ATF_REQUIRE(!pmap_extract(pm, BASE + PG, NULL, NULL));
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + PG, KS_PROT_READ),
	    VM_FAULT_ACCERR);
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + PG, PG, RW), 0);
	ATF_REQUIRE_EQ(map.nentries, 1);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + PG, KS_PROT_READ), VM_FAULT_OK);
	ATF_REQUIRE_EQ(stamp(BASE + PG), BASE + PG);
	ATF_REQUIRE_EQ(pages_used(), 8 + 4);

	vm_map_fini(&map);
	pmap_destroy(pm);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(protect__merges_separate_objects);
ATF_TC_BODY(protect__merges_separate_objects, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 2 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 2 * PG, 2 * PG, RO, 0, false),
	    0);
	touch(BASE, 2 * PG);
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + 2 * PG, 2 * PG, RW), 0);
	touch(BASE + 2 * PG, 2 * PG);
	ATF_REQUIRE_EQ(map.nentries, 1);
	ATF_REQUIRE_EQ(stamp(BASE), BASE);
	ATF_REQUIRE_EQ(stamp(BASE + 3 * PG), BASE + 3 * PG);
	ATF_REQUIRE_EQ(pages_used(), 4);
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(protect__hole_is_enomem_unchanged);
ATF_TC_BODY(protect__hole_is_enomem_unchanged, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 2 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 3 * PG, 2 * PG, RW, 0, false),
	    0);
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + PG, 3 * PG, RO), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE - PG, 2 * PG, RO), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + 4 * PG, 2 * PG, RO),
	    -ENOMEM);
	ATF_REQUIRE_EQ(map.nentries, 2);
	check_entry(0, BASE, BASE + 2 * PG, RW);
	check_entry(1, BASE + 3 * PG, BASE + 5 * PG, RW);
	vm_map_fini(&map);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(protect__maxprot_eacces);
ATF_TC_BODY(protect__maxprot_eacces, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 2 * PG, RO, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 2 * PG, 2 * PG, RX, 0, false),
	    0);
	ATF_REQUIRE_EQ(map.head.next->maxprot,
	    KS_PROT_READ | KS_PROT_WRITE | KS_PROT_EXEC);
	map.head.next->next->maxprot = RX; /* as a read-only file would */
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE, 4 * PG, RW), -EACCES);
	ATF_REQUIRE_EQ(map.nentries, 2);
	check_entry(0, BASE, BASE + 2 * PG, RO);
	check_entry(1, BASE + 2 * PG, BASE + 4 * PG, RX);
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE, 4 * PG, RO), 0);
	ATF_REQUIRE_EQ(map.nentries, 2); /* maxprot differs: no merge */
	vm_map_fini(&map);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(fault__zero_fill);
ATF_TC_BODY(fault__zero_fill, tc)
{
	struct vm_map_entry *e;
	struct pmap *pm;
	unsigned char *p;
	gpa_t pa;
	int prot, i;

	setup(MIB, &pm);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 4 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 2 * PG + 123, KS_PROT_READ),
	    VM_FAULT_OK);
	e = map.head.next;
	ATF_REQUIRE_EQ(vm_object_lookup(e->obj, 0), 0);
	ATF_REQUIRE((pa = vm_object_lookup(e->obj, 2)) != 0);
	ATF_REQUIRE_EQ(e->obj->resident, 1);
	p = vm_phys_hva(pa);
	for (i = 0; i < (int)PG; i++)
		ATF_REQUIRE_EQ(p[i], 0);
	ATF_REQUIRE(pmap_extract(pm, BASE + 2 * PG + 123, &pa, &prot));
	ATF_REQUIRE_EQ(pa, vm_object_lookup(e->obj, 2) + 123);
	ATF_REQUIRE_EQ(prot, RW);

	/* Faulting again is harmless and keeps the page. */
	p[0] = 7;
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 2 * PG, KS_PROT_WRITE),
	    VM_FAULT_OK);
	ATF_REQUIRE_EQ(p[0], 7);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 1);
	vm_map_fini(&map);
	pmap_destroy(pm);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(fault__maperr_and_accerr);
ATF_TC_BODY(fault__maperr_and_accerr, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, PG, RO, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + PG, PG, KS_PROT_WRITE, 0,
	    false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 2 * PG, PG, KS_PROT_NONE, 0,
	    false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 3 * PG, PG, RX, 0, false), 0);

	ATF_REQUIRE_EQ(vm_fault(&map, BASE - 1, KS_PROT_READ),
	    VM_FAULT_MAPERR);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 4 * PG, KS_PROT_READ),
	    VM_FAULT_MAPERR);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE, KS_PROT_WRITE), VM_FAULT_ACCERR);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE, KS_PROT_EXEC), VM_FAULT_ACCERR);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE, KS_PROT_READ), VM_FAULT_OK);
	/* Write-only is read-write on x86, but not executable. */
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + PG, KS_PROT_READ), VM_FAULT_OK);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + PG, KS_PROT_WRITE), VM_FAULT_OK);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + PG, KS_PROT_EXEC),
	    VM_FAULT_ACCERR);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 2 * PG, KS_PROT_READ),
	    VM_FAULT_ACCERR);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 3 * PG, KS_PROT_EXEC),
	    VM_FAULT_OK);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 3 * PG, KS_PROT_WRITE),
	    VM_FAULT_ACCERR);
	ATF_REQUIRE_EQ(pages_used(), 3);
	vm_map_fini(&map);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(fault__oom);
ATF_TC_BODY(fault__oom, tc)
{
	gva_t va;
	int i;

	setup(MIB, NULL); /* 255 usable pages */
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 2 * MIB, RW, 0, false), 0);
	for (i = 0, va = BASE; i < 255; i++, va += PG)
		ATF_REQUIRE_EQ(vm_fault(&map, va, KS_PROT_WRITE), VM_FAULT_OK);
	ATF_REQUIRE_EQ(vm_fault(&map, va, KS_PROT_WRITE), VM_FAULT_OOM);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE, KS_PROT_WRITE), VM_FAULT_OK);

	/* Unmapping gives the pages back. */
	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE, 16 * PG), 0);
	ATF_REQUIRE_EQ(pages_used(), 255 - 16);
	ATF_REQUIRE_EQ(vm_fault(&map, va, KS_PROT_WRITE), VM_FAULT_OK);
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(fault__oom_for_tables);
ATF_TC_BODY(fault__oom_for_tables, tc)
{
	static gpa_t hog[256];
	struct pmap *pm;
	int n = 0;

	setup(MIB, &pm);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, PG, RW, 0, false), 0);
	while ((hog[n] = vm_page_alloc()) != 0)
		n++;
	vm_page_free(hog[--n]);
	/* One page left: the data page fits, its page tables do not. */
	ATF_REQUIRE_EQ(vm_fault(&map, BASE, KS_PROT_READ), VM_FAULT_OOM);
	ATF_REQUIRE_EQ(pmap_resident_count(pm), 0);
	while (n > 0)
		vm_page_free(hog[--n]);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE, KS_PROT_READ), VM_FAULT_OK);
	ATF_REQUIRE_EQ(pmap_table_count(pm), 4);
	vm_map_fini(&map);
	pmap_destroy(pm);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(sparse__64g_entries_cost_what_is_touched);
ATF_TC_BODY(sparse__64g_entries_cost_what_is_touched, tc)
{
	struct vm_map_entry *e;
	struct pmap *pm;
	size_t touched;

	setup(4 * MIB, &pm);
	/* Three 64 GiB entries in a row, the last read-only: two objects. */
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, G64, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + G64, G64, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 2 * G64, G64, RO, 0, false),
	    0);
	ATF_REQUIRE_EQ(map.nentries, 2);
	ATF_REQUIRE_MSG(meta_bytes() < 1024, "%zu bytes", meta_bytes());

	/* In an order that never continues a run: no fault-ahead. */
	touch(BASE, PG);
	touch(BASE + G64 + 12345 * PG, PG);
	touch(BASE + 2 * G64, PG);
	touch(BASE + 2 * G64 - PG, PG);
	touch(BASE + 3 * G64 - PG, PG);
	touched = meta_bytes();
	ATF_REQUIRE_MSG(touched < 16384, "%zu bytes", touched);

	/* mprotect joins them: the RO object's pages move over, kept. */
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + 2 * G64, G64, RW), 0);
	ATF_REQUIRE_EQ(map.nentries, 1);
	e = map.head.next;
	ATF_REQUIRE_EQ(e->obj->npages, 3 * G64 / PG);
	ATF_REQUIRE_EQ(e->obj->resident, 5);
	ATF_REQUIRE_EQ(stamp(BASE), BASE);
	ATF_REQUIRE_EQ(stamp(BASE + G64 + 12345 * PG), BASE + G64 + 12345 * PG);
	ATF_REQUIRE_EQ(stamp(BASE + 2 * G64), BASE + 2 * G64);
	ATF_REQUIRE_EQ(stamp(BASE + 3 * G64 - PG), BASE + 3 * G64 - PG);
	ATF_REQUIRE_MSG(meta_bytes() < 16384, "%zu bytes", meta_bytes());

	/* Unmapping 64 GiB from the middle frees its pages and nodes. */
	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE + G64, G64), 0);
	ATF_REQUIRE_EQ(map.nentries, 2);
	ATF_REQUIRE_EQ(e->obj->resident, 3);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + G64 + 12345 * PG, KS_PROT_READ),
	    VM_FAULT_MAPERR);
	ATF_REQUIRE_EQ(stamp(BASE + 3 * G64 - PG), BASE + 3 * G64 - PG);
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	pmap_destroy(pm);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(dontneed__drops_pages_keeps_entries);
ATF_TC_BODY(dontneed__drops_pages_keeps_entries, tc)
{
	struct pmap *pm;
	size_t tables;

	setup(MIB, &pm);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 8 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 10 * PG, 2 * PG, RO, 0, false),
	    0);
	touch(BASE, 8 * PG);
	touch(BASE + 10 * PG, 2 * PG);
	tables = pmap_table_count(pm);
	ATF_REQUIRE_EQ(pages_used(), tables + 10);

	ATF_REQUIRE_EQ(vm_map_dontneed(&map, BASE + 2 * PG, 4 * PG), 0);
	ATF_REQUIRE_EQ(map.nentries, 2);
	check_entry(0, BASE, BASE + 8 * PG, RW);
	ATF_REQUIRE_EQ(pages_used(), tables + 6);
	ATF_REQUIRE(!pmap_extract(pm, BASE + 2 * PG, NULL, NULL));
	ATF_REQUIRE(pmap_extract(pm, BASE + 6 * PG, NULL, NULL));
	ATF_REQUIRE_EQ(stamp(BASE + PG), BASE + PG);
	ATF_REQUIRE_EQ(stamp(BASE + 6 * PG), BASE + 6 * PG);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 3 * PG, KS_PROT_READ), VM_FAULT_OK);
	ATF_REQUIRE_EQ(stamp(BASE + 3 * PG), 0);

	/* Across a hole: the mapped parts are dropped, and ENOMEM. */
	ATF_REQUIRE_EQ(vm_map_dontneed(&map, BASE + 7 * PG, 5 * PG), -ENOMEM);
	ATF_REQUIRE_EQ(map.nentries, 2);
	ATF_REQUIRE_EQ(pages_used(), tables + 4);
	ATF_REQUIRE(!pmap_extract(pm, BASE + 11 * PG, NULL, NULL));
	ATF_REQUIRE_EQ(vm_map_dontneed(&map, BASE + 20 * PG, PG), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_dontneed(&map, BASE + 1, PG), -EINVAL);
	vm_map_fini(&map);
	pmap_destroy(pm);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(limit__max_entries);
ATF_TC_BODY(limit__max_entries, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE_EQ(map.max_entries, VM_MAP_MAX_ENTRIES);
	ATF_REQUIRE_EQ(VM_MAP_MAX_ENTRIES, 65530);
	map.max_entries = 3;
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 8 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 10 * PG, PG, RW, 0, false), 0);
	touch(BASE, 8 * PG);
	/* The third entry, by a split. */
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE, 2 * PG, RO), 0);
	ATF_REQUIRE_EQ(map.nentries, 3);

	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 20 * PG, PG, RW, 0, false),
	    -ENOMEM);
	/* A split in two places, or a hole punched: ENOMEM, unchanged. */
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + 4 * PG, PG, RO), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE + 4 * PG, PG), -ENOMEM);
	ATF_REQUIRE_EQ(map.nentries, 3);
	check_entry(0, BASE, BASE + 2 * PG, RO);
	check_entry(1, BASE + 2 * PG, BASE + 8 * PG, RW);
	ATF_REQUIRE_EQ(stamp(BASE + 4 * PG), BASE + 4 * PG);
	ATF_REQUIRE_EQ(pages_used(), 8);

	/* Freeing an entry makes room again, for a hole (one net). */
	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE + 10 * PG, PG), 0);
	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE + 4 * PG, PG), 0);
	ATF_REQUIRE_EQ(map.nentries, 3);
	check_entry(2, BASE + 5 * PG, BASE + 8 * PG, RW);

	/* MAP_FIXED at the limit: replacing an entry whole is fine, inside
	 * one (two more) is ENOMEM with the old mapping intact. */
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 6 * PG, PG, RX, 0, true),
	    -ENOMEM);
	ATF_REQUIRE_EQ(stamp(BASE + 6 * PG), BASE + 6 * PG);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 5 * PG, 3 * PG, RX, 0, true),
	    0);
	ATF_REQUIRE_EQ(map.nentries, 3);
	check_entry(2, BASE + 5 * PG, BASE + 8 * PG, RX);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 20 * PG, PG, RW, 0, true),
	    -ENOMEM);
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(limit__metadata_enomem);
ATF_TC_BODY(limit__metadata_enomem, tc)
{
	struct vm_meta_stats st;
	size_t base, entry;

	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, 8 * PG, RW, 0, false), 0);
	touch(BASE, PG);
	base = meta_bytes();
	entry = sizeof(struct vm_map_entry);

	/* No room for anything more. */
	vm_meta_set_limit(base);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + 100 * PG, PG, RW, 0, false),
	    -ENOMEM);
	ATF_REQUIRE_EQ(map.nentries, 1);
	ATF_REQUIRE_EQ(map.size, 8 * PG);
	/* A page in another leaf needs a node: OOM, and no page is lost. */
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE + G64, G64, RW, 0, false),
	    -ENOMEM);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 2 * PG, KS_PROT_WRITE),
	    VM_FAULT_OK); /* same leaf: no metadata needed */
	ATF_REQUIRE_EQ(pages_used(), 2);

	/* Room for one entry: a split needing two fails, unchanged. */
	vm_meta_set_limit(base + entry);
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + 2 * PG, PG, RO), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_remove(&map, BASE + 2 * PG, PG), -ENOMEM);
	ATF_REQUIRE_EQ(map.nentries, 1);
	check_entry(0, BASE, BASE + 8 * PG, RW);
	ATF_REQUIRE_EQ(meta_bytes(), base);
	ATF_REQUIRE_EQ(stamp(BASE), BASE);
	/* One split is fine. */
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE, PG, RO), 0);
	ATF_REQUIRE_EQ(map.nentries, 2);
	vm_meta_stats(&st);
	ATF_REQUIRE(st.denied >= 4);

	vm_meta_set_limit(0);
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + 2 * PG, PG, RO), 0);
	ATF_REQUIRE_EQ(map.nentries, 4);
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(limit__fault_without_metadata_is_oom);
ATF_TC_BODY(limit__fault_without_metadata_is_oom, tc)
{
	struct pmap *pm;
	size_t used;

	setup(MIB, &pm);
	ATF_REQUIRE_EQ(vm_map_anon(&map, BASE, G64, RW, 0, false), 0);
	touch(BASE, PG);
	used = pages_used();
	vm_meta_set_limit(meta_bytes());
	/* Another leaf (and more) would be needed: OOM, no page lost. */
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + G64 / 2, KS_PROT_WRITE),
	    VM_FAULT_OOM);
	ATF_REQUIRE_EQ(pages_used(), used);
	ATF_REQUIRE(!pmap_extract(pm, BASE + G64 / 2, NULL, NULL));
	/* Fault-ahead stops quietly at the leaf's end. */
	map.fault_next = BASE + 62 * PG;
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 62 * PG, KS_PROT_WRITE),
	    VM_FAULT_OK);
	ATF_REQUIRE(pmap_extract(pm, BASE + 63 * PG, NULL, NULL));
	ATF_REQUIRE(!pmap_extract(pm, BASE + 64 * PG, NULL, NULL));
	ATF_REQUIRE_EQ(map.head.next->obj->resident, 3);

	vm_meta_set_limit(0);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + G64 / 2, KS_PROT_WRITE),
	    VM_FAULT_OK);
	vm_map_fini(&map);
	pmap_destroy(pm);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, anon__insert_and_lookup);
	ATF_TP_ADD_TC(tp, anon__invalid_args);
	ATF_TP_ADD_TC(tp, anon__overlap_eexist);
	ATF_TP_ADD_TC(tp, anon__fixed_replaces);
	ATF_TP_ADD_TC(tp, anon__adjacent_merges);
	ATF_TP_ADD_TC(tp, findspace__top_down);
	ATF_TP_ADD_TC(tp, findspace__bounds);
	ATF_TP_ADD_TC(tp, remove__splits_entry_in_three);
	ATF_TP_ADD_TC(tp, remove__across_holes);
	ATF_TP_ADD_TC(tp, remove__unmaps_then_frees);
	ATF_TP_ADD_TC(tp, protect__split_and_merge_back);
	ATF_TP_ADD_TC(tp, protect__merges_separate_objects);
	ATF_TP_ADD_TC(tp, protect__hole_is_enomem_unchanged);
	ATF_TP_ADD_TC(tp, protect__maxprot_eacces);
	ATF_TP_ADD_TC(tp, fault__zero_fill);
	ATF_TP_ADD_TC(tp, fault__maperr_and_accerr);
	ATF_TP_ADD_TC(tp, fault__oom);
	ATF_TP_ADD_TC(tp, fault__oom_for_tables);
	ATF_TP_ADD_TC(tp, sparse__64g_entries_cost_what_is_touched);
	ATF_TP_ADD_TC(tp, dontneed__drops_pages_keeps_entries);
	ATF_TP_ADD_TC(tp, limit__max_entries);
	ATF_TP_ADD_TC(tp, limit__metadata_enomem);
	ATF_TP_ADD_TC(tp, limit__fault_without_metadata_is_oom);
	return atf_no_error();
}
