/* pmap.c: x86-64 4-level page tables in guest-physical memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "vm.h"
#include "pmap.h"

#define USER_TOP  0x800000000000ULL /* end of the PML4's lower half */
#define PX(level, va) (((va) >> (PAGE_SHIFT + 9 * (level))) & 511)

struct pmap {
	struct ks_space *space;
	gpa_t pml4;
	size_t resident; /* leaf pages mapped */
	size_t tables;   /* table pages, PML4 included */
	size_t bad;      /* table entries found pointing outside the image */
};

/* A table entry points outside the image: counted, said once, not followed. */
static void
pmap_bad_entry(struct pmap *pm, uint64_t pde)
{
	if (pm->bad++ == 0)
		fprintf(stderr, "vkernel: pmap: table entry %#llx points outside "
		    "guest memory: not followed\n", (unsigned long long)pde);
}

/* The leaf PTE for pa with prot; 0 (not present) for KS_PROT_NONE. */
static uint64_t
mkpte(gpa_t pa, int prot)
{
	if (prot == KS_PROT_NONE)
		return 0;
	return (pa & PTE_ADDR_MASK) | PTE_P | PTE_US |
	    (prot & KS_PROT_WRITE ? PTE_RW : 0) |
	    (prot & KS_PROT_EXEC ? 0 : PTE_NX);
}

/*
 * Returns the address of the leaf PTE for va, creating missing tables if
 * alloc.  NULL when a table is missing (and not allocated); then *gap, if
 * given, is the size of the region that the missing table would cover.
 * The tables live in guest-physical memory, so an entry is followed only if
 * it points inside the image; one that does not ends the walk (NULL, with
 * *gap as for a missing table) and is reported once.
 */
static uint64_t *
walk(struct pmap *pm, gva_t va, bool alloc, uint64_t *gap)
{
	uint64_t *table = vm_phys_hva(pm->pml4), *next, *pde;
	gpa_t pa;
	int level;

	for (level = 3; level > 0; level--) {
		pde = &table[PX(level, va)];
		if (!(*pde & PTE_P)) {
			if (!alloc || (pa = vm_page_alloc()) == 0)
				break;
			*pde = pa | PTE_P | PTE_RW | PTE_US;
			pm->tables++;
		}
		if ((next = vm_phys_hva(*pde & PTE_ADDR_MASK)) == NULL) {
			pmap_bad_entry(pm, *pde);
			break;
		}
		table = next;
	}
	if (level == 0)
		return &table[PX(0, va)];
	if (gap != NULL)
		*gap = 1ULL << (PAGE_SHIFT + 9 * level);
	return NULL;
}

struct pmap *
pmap_create(struct ks_space *sp)
{
	struct pmap *pm;

	if ((pm = malloc(sizeof(*pm))) == NULL)
		return NULL;
	if ((pm->pml4 = vm_page_alloc()) == 0) {
		free(pm);
		return NULL;
	}
	pm->space = sp;
	pm->resident = 0;
	pm->tables = 1;
	pm->bad = 0;
	return pm;
}

void
pmap_set_space(struct pmap *pm, struct ks_space *sp)
{
	pm->space = sp;
}

/* Frees the table at pa and the tables below it (level 0 = PT). */
static void
free_table(struct pmap *pm, gpa_t pa, int level)
{
	uint64_t *t = vm_phys_hva(pa);
	int i;

	if (t == NULL) {
		pmap_bad_entry(pm, pa);
		return;
	}
	for (i = 0; level > 0 && i < 512; i++)
		if (t[i] & PTE_P)
			free_table(pm, t[i] & PTE_ADDR_MASK, level - 1);
	vm_page_free(pa);
}

void
pmap_destroy(struct pmap *pm)
{
	uint64_t *pml4 = vm_phys_hva(pm->pml4);
	int i;

	/* The upper half belongs to the hw trampoline. */
	for (i = 0; i < 256; i++)
		if (pml4[i] & PTE_P)
			free_table(pm, pml4[i] & PTE_ADDR_MASK, 2);
	vm_page_free(pm->pml4);
	free(pm);
}

int
pmap_enter(struct pmap *pm, gva_t va, gpa_t pa, int prot)
{
	uint64_t *pte;

	va = trunc_page(va);
	if (va >= USER_TOP)
		return -EINVAL;
	if (prot == KS_PROT_NONE) {
		pmap_remove(pm, va, va + PAGE_SIZE);
		return 0;
	}
	if ((pte = walk(pm, va, true, NULL)) == NULL)
		return -ENOMEM;
	if (!(*pte & PTE_P))
		pm->resident++;
	else if ((*pte & PTE_ADDR_MASK) != trunc_page(pa) && pm->space != NULL)
		/* A new page here: the old one's host mapping must go
		 * first, and visibly, before the old page can be reused. */
		ks_unmap(pm->space, va, PAGE_SIZE);
	*pte = mkpte(pa, prot);
	if (pm->space != NULL)
		ks_map(pm->space, va, trunc_page(pa), PAGE_SIZE, prot);
	return 0;
}

/* Passes a change of [va, end) to the space, if any and if not empty. */
static void
tell_range(struct pmap *pm, gva_t va, gva_t end, int prot)
{
	if (pm->space == NULL || va == end)
		return;
	if (prot == KS_PROT_NONE)
		ks_unmap(pm->space, va, end - va);
	else
		ks_protect(pm->space, va, end - va, prot);
}

/*
 * Applies prot to the present pages of [sva, eva) (prot NONE clears them)
 * and tells the space once per run of contiguous present pages.
 */
static void
change_range(struct pmap *pm, gva_t sva, gva_t eva, int prot)
{
	gva_t va, run = 0, runend = 0;
	uint64_t *pte, gap;

	sva = trunc_page(sva);
	if (eva > USER_TOP)
		eva = USER_TOP;
	for (va = sva; va < eva; va += PAGE_SIZE) {
		if ((pte = walk(pm, va, false, &gap)) == NULL) {
			/* Skip what the missing table would map. */
			va = (va & ~(gap - 1)) + gap - PAGE_SIZE;
			continue;
		}
		if (!(*pte & PTE_P))
			continue;
		if (prot == KS_PROT_NONE) {
			*pte = 0;
			pm->resident--;
		} else {
			*pte = mkpte(*pte, prot) | (*pte & (PTE_A | PTE_D));
		}
		if (va != runend) {
			tell_range(pm, run, runend, prot);
			run = va;
		}
		runend = va + PAGE_SIZE;
	}
	tell_range(pm, run, runend, prot);
}

void
pmap_remove(struct pmap *pm, gva_t sva, gva_t eva)
{
	change_range(pm, sva, eva, KS_PROT_NONE);
}

void
pmap_protect(struct pmap *pm, gva_t sva, gva_t eva, int prot)
{
	change_range(pm, sva, eva, prot);
}

bool
pmap_extract(struct pmap *pm, gva_t va, gpa_t *pa, int *prot)
{
	uint64_t *pte;

	if (va >= USER_TOP || (pte = walk(pm, va, false, NULL)) == NULL ||
	    !(*pte & PTE_P))
		return false;
	if (pa != NULL)
		*pa = (*pte & PTE_ADDR_MASK) | (va & PAGE_MASK);
	if (prot != NULL)
		*prot = KS_PROT_READ |
		    (*pte & PTE_RW ? KS_PROT_WRITE : 0) |
		    (*pte & PTE_NX ? 0 : KS_PROT_EXEC);
	return true;
}

gpa_t
pmap_cr3(const struct pmap *pm)
{
	return pm->pml4;
}

int
pmap_update(struct pmap *pm)
{
	return pm->space != NULL ? ks_flush(pm->space) : 0;
}

size_t
pmap_resident_count(const struct pmap *pm)
{
	return pm->resident;
}

size_t
pmap_table_count(const struct pmap *pm)
{
	return pm->tables;
}
