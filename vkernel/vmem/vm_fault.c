/* vm_fault.c: resolves guest page faults by zero-filling anonymous memory. */
#include "vm.h"
#include "pmap.h"

/* Fills in the pages after `page` in e that are not resident yet, up to
 * VM_FAULT_AHEAD, stopping quietly when memory or metadata runs short.
 * Returns the last page entered. */
static gva_t
fault_ahead(struct vm_map *map, struct vm_map_entry *e, gva_t page)
{
	int i;

	for (i = 0; i < VM_FAULT_AHEAD && page + PAGE_SIZE < e->end; i++) {
		size_t slot = e->offset + (page + PAGE_SIZE - e->start) / PAGE_SIZE;
		gpa_t gpa;

		if (vm_object_lookup(e->obj, slot) != 0 ||
		    (gpa = vm_page_alloc()) == 0)
			break;
		if (vm_object_insert(e->obj, slot, gpa) != 0) {
			vm_page_free(gpa);
			break;
		}
		if (map->pmap != NULL &&
		    pmap_enter(map->pmap, page + PAGE_SIZE, gpa, e->prot) != 0) {
			vm_object_free_range(e->obj, slot, 1);
			break;
		}
		page += PAGE_SIZE;
	}
	return page;
}

enum vm_fault_result
vm_fault(struct vm_map *map, gva_t va, int access)
{
	struct vm_map_entry *e;
	gva_t page = trunc_page(va);
	size_t slot;
	gpa_t gpa;
	int prot;

	if ((e = vm_map_lookup(map, va)) == NULL)
		return VM_FAULT_MAPERR;

	/* On x86 a writable page is readable too. */
	prot = e->prot;
	if (prot & KS_PROT_WRITE)
		prot |= KS_PROT_READ;
	if (access == 0)
		access = KS_PROT_READ;
	if ((access & ~prot) != 0)
		return VM_FAULT_ACCERR;

	slot = e->offset + (page - e->start) / PAGE_SIZE;
	if ((gpa = vm_object_lookup(e->obj, slot)) == 0) {
		if ((gpa = vm_page_alloc()) == 0)
			return VM_FAULT_OOM;
		if (vm_object_insert(e->obj, slot, gpa) != 0) {
			vm_page_free(gpa);
			return VM_FAULT_OOM;
		}
	}
	/* Entered again even if present: the host may have lost it. */
	if (map->pmap != NULL && pmap_enter(map->pmap, page, gpa, e->prot) != 0)
		return VM_FAULT_OOM;
	if (page == map->fault_next)
		page = fault_ahead(map, e, page);
	map->fault_next = page + PAGE_SIZE;
	return VM_FAULT_OK;
}
