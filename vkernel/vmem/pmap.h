/* pmap.h: the x86-64 physical map, every operation listed (uvm_pmap.h style). */
#ifndef VMEM_PMAP_H
#define VMEM_PMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "kshim.h"

/*
 * A pmap is a real x86-64 4-level page table (PML4 -> PDPT -> PD -> PT,
 * 4 KiB pages only) kept in guest-physical memory, so that the hw path can
 * load its root as CR3 and the sw path can derive host mappings from it.
 * Leaf entries carry P, RW, US, NX as the MMU reads them.  Table pages come
 * from vm_page_alloc(); the PML4's upper half (kernel half) is left empty
 * for the hw trampoline to fill in.
 *
 * Every change is also passed to the pmap's ks_space (ks_map / ks_unmap /
 * ks_protect), which batches it; pmap_update() pushes the batch to the
 * host.  Contract: a data page removed with pmap_remove() may be freed only
 * after pmap_update() returned 0.  The pmap takes no page references: a
 * mapping stands for its vm object's reference, so with copy-on-write
 * sharing (several pmaps map one page) the contract holds for dropping
 * that reference (vm_page_free) too: see vm_fault and vm_map_fork.
 */
struct pmap;

/* Creates an empty address space backed by sp (may be NULL in unit tests:
 * then nothing is passed on).  NULL if no page is free for the PML4. */
struct pmap *pmap_create(struct ks_space *sp);
/* Attaches sp once it exists (it needs pmap_cr3() to be created); from
 * then on changes are passed to it.  Call before the first pmap_enter(). */
void pmap_set_space(struct pmap *pm, struct ks_space *sp);
/* Frees every table page (not the data pages: those belong to vm objects). */
void pmap_destroy(struct pmap *pm);

/* Maps the 4 KiB page at va to pa with prot (KS_PROT_*), replacing any
 * previous entry.  0, or -ENOMEM when no page is free for a table. */
int pmap_enter(struct pmap *pm, gva_t va, gpa_t pa, int prot);
/* Unmaps [sva, eva) (page aligned).  Empty tables may be kept. */
void pmap_remove(struct pmap *pm, gva_t sva, gva_t eva);
/* Changes protection of the mapped pages in [sva, eva); prot NONE removes. */
void pmap_protect(struct pmap *pm, gva_t sva, gva_t eva, int prot);
/* Looks va up: true and *pa (page base + offset) and *prot if mapped. */
bool pmap_extract(struct pmap *pm, gva_t va, gpa_t *pa, int *prot);
/* Guest-physical address of the PML4: the guest's CR3. */
gpa_t pmap_cr3(const struct pmap *pm);
/* Pushes batched changes to the host / TLB.  0 or -errno. */
int pmap_update(struct pmap *pm);
/* Number of leaf pages mapped, and of table pages (PML4 included). */
size_t pmap_resident_count(const struct pmap *pm);
size_t pmap_table_count(const struct pmap *pm);

/* x86-64 page-table entry bits used here. */
#define PTE_P   (1ULL << 0)
#define PTE_RW  (1ULL << 1)
#define PTE_US  (1ULL << 2)
#define PTE_A   (1ULL << 5)
#define PTE_D   (1ULL << 6)
#define PTE_NX  (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

#endif /* VMEM_PMAP_H */
