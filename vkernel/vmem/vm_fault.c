/* vm_fault.c: resolves guest page faults: zero-fill, file pages from the page cache (SIGBUS past the end of the file), copy-on-write, dirtying. */
#include <errno.h>
#include <string.h>

#include "vm.h"
#include "pmap.h"

/*
 * The prot to enter the page gpa of entry e with: e's, less write while the
 * page is shared copy-on-write (more than one reference, private entry), so
 * that the first write faults and copies it.  (Write-only is read-write on
 * x86, so it becomes read-only, not none.)
 */
int
vm_fault_prot(const struct vm_map_entry *e, gpa_t gpa)
{
	if (!(e->flags & VM_ENTRY_SHARED) && vm_page_refcount(gpa) > 1)
		return VM_COW_PROT(e->prot);
	return e->prot;
}

/*
 * The prot to enter slot's page gpa of e with: vm_fault_prot's, and for a
 * shared file mapping less write while the page is clean, so that the
 * first write faults and dirties it.
 */
static int
page_prot(const struct vm_map_entry *e, size_t slot, gpa_t gpa)
{
	if ((e->flags & VM_ENTRY_SHARED) && e->obj->hostfd >= 0 &&
	    !vm_object_dirty(e->obj, slot))
		return VM_COW_PROT(e->prot);
	return vm_fault_prot(e, gpa);
}

/*
 * Makes slot of e's object resident: a zero page for anonymous memory; for
 * a shared file mapping the cache's page (e->obj is the file object); for
 * a private one the backing file's page, put in the private layer with one
 * more reference, so it is read-only there until a write copies it.  0
 * and *gpa, -ENOMEM, or vm_file_page's -ENXIO/-EIO (SIGBUS: past EOF).
 */
static int
fill(struct vm_map_entry *e, size_t slot, gpa_t *gpa)
{
	size_t bslot;
	gpa_t g;
	int rc;

	if (e->obj->hostfd >= 0) {
		if ((rc = vm_file_page(e->obj, slot, &g)) != 0)
			return rc;
	} else if (e->backing != NULL) {
		bslot = e->boff + (slot - e->offset);
		if (vm_object_extend(e->backing, bslot + 1) != 0)
			return -ENOMEM;
		if ((rc = vm_file_page(e->backing, bslot, &g)) != 0)
			return rc;
		if (vm_page_ref(g) != 0)
			return -ENOMEM;
		if (vm_object_insert(e->obj, slot, g) != 0) {
			vm_page_free(g); /* the reference just taken */
			return -ENOMEM;
		}
	} else {
		if ((g = vm_page_alloc()) == 0)
			return -ENOMEM;
		if (vm_object_insert(e->obj, slot, g) != 0) {
			vm_page_free(g);
			return -ENOMEM;
		}
	}
	*gpa = g;
	return 0;
}

/*
 * Breaks copy-on-write sharing of the page *gpa in slot of e's object: a
 * private copy takes its place in the object and in *gpa.  The shared page
 * keeps this object's reference for now: the caller drops it once the
 * pmap no longer maps it (see vm_fault).  0, or -ENOMEM with nothing
 * changed.
 */
static int
cow_copy(struct vm_map_entry *e, size_t slot, gpa_t *gpa)
{
	gpa_t copy;

	if ((copy = vm_page_alloc()) == 0)
		return -ENOMEM;
	memcpy(vm_phys_hva(copy), vm_phys_hva(*gpa), PAGE_SIZE);
	if (vm_object_insert(e->obj, slot, copy) != 0) {
		vm_page_free(copy);
		return -ENOMEM;
	}
	*gpa = copy;
	return 0;
}

/* Fills in the pages after `page` in e that are not resident yet, up to
 * VM_FAULT_AHEAD, stopping quietly when memory or metadata runs short or
 * at the end of a file.  Returns the last page entered. */
static gva_t
fault_ahead(struct vm_map *map, struct vm_map_entry *e, gva_t page)
{
	int i;

	for (i = 0; i < VM_FAULT_AHEAD && page + PAGE_SIZE < e->end; i++) {
		size_t slot = e->offset + (page + PAGE_SIZE - e->start) / PAGE_SIZE;
		gpa_t gpa;

		if (vm_object_lookup(e->obj, slot) != 0 ||
		    fill(e, slot, &gpa) != 0)
			break;
		if (map->pmap != NULL && pmap_enter(map->pmap,
		    page + PAGE_SIZE, gpa, page_prot(e, slot, gpa)) != 0) {
			/* A cache page stays cached: only this hold goes. */
			if (e->obj->hostfd < 0)
				vm_object_free_range(e->obj, slot, 1);
			break;
		}
		page += PAGE_SIZE;
	}
	return page;
}

static enum vm_fault_result fault_once(struct vm_map *map, gva_t va,
    int access);

/* Out of pages even after the allocator's reclaim: the page cache's pages
 * are taken back from every map (vm_file_reclaim_mapped) and the fault is
 * tried once more, before the guest is killed.  Each try holds no page
 * between its steps that a reclaim could take. */
#define VM_RECLAIM_MAPPED 1024
enum vm_fault_result
vm_fault(struct vm_map *map, gva_t va, int access)
{
	enum vm_fault_result rv = fault_once(map, va, access);

	if (rv == VM_FAULT_OOM && vm_file_reclaim_mapped(VM_RECLAIM_MAPPED) > 0)
		rv = fault_once(map, va, access);
	return rv;
}

static enum vm_fault_result
fault_once(struct vm_map *map, gva_t va, int access)
{
	struct vm_map_entry *e;
	gva_t page = trunc_page(va);
	enum vm_fault_result rv = VM_FAULT_OK;
	size_t slot;
	gpa_t gpa, shared = 0;
	int prot, rc;

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
	if ((gpa = vm_object_lookup(e->obj, slot)) == 0 &&
	    (rc = fill(e, slot, &gpa)) != 0)
		return rc == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	if ((access & KS_PROT_WRITE) && !(e->flags & VM_ENTRY_SHARED) &&
	    vm_page_refcount(gpa) > 1) {
		shared = gpa;
		if (cow_copy(e, slot, &gpa) != 0)
			return VM_FAULT_OOM;
	}
	/* A write to a shared file page dirties it (it is then writable). */
	if ((access & KS_PROT_WRITE) && e->obj->hostfd >= 0)
		vm_object_set_dirty(e->obj, slot, true);
	/* Entered again even if present: the host may have lost it.  A page
	 * still shared copy-on-write goes in read-only; one whose other
	 * holders have all gone (the last reference) becomes writable. */
	if (map->pmap != NULL &&
	    pmap_enter(map->pmap, page, gpa, page_prot(e, slot, gpa)) != 0) {
		rv = VM_FAULT_OOM;
	} else {
		if (page == map->fault_next)
			page = fault_ahead(map, e, page);
		map->fault_next = page + PAGE_SIZE;
	}
	if (shared != 0) {
		/*
		 * pmap_enter replaced the shared page (unmapping it first);
		 * its other holders may free it as soon as this reference
		 * goes, so the host lets go of it first (pmap.h's contract).
		 * A failed update means the space is dead: dropped anyway.
		 */
		if (map->pmap != NULL)
			pmap_update(map->pmap);
		vm_page_free(shared);
	}
	return rv;
}
