/* vm.h: machine-independent VM: physical pages, vm objects, vm maps, faults. */
#ifndef VMEM_VM_H
#define VMEM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kshim.h"

#define PAGE_SIZE  4096ULL
#define PAGE_SHIFT 12
#define PAGE_MASK  (PAGE_SIZE - 1)
#define trunc_page(x) ((x) & ~PAGE_MASK)
#define round_page(x) (((x) + PAGE_MASK) & ~PAGE_MASK)

/* ---- Guest-physical memory (vm_page.c) ----
 * The memory image: `size` bytes in an anonymous memfd (path == NULL) or in
 * the file `path` (created if absent, truncated to size), mapped once
 * MAP_SHARED into the vkernel.  Page 0 is never handed out, so gpa 0 can
 * mean "none".  Errors: -1 with one line in why[] (no exit).
 */
int vm_phys_init(size_t size, const char *path, char *why, size_t whylen);
void vm_phys_fini(void);
int vm_phys_fd(void);            /* the image's fd */
size_t vm_phys_size(void);       /* bytes */
void *vm_phys_hva(gpa_t gpa);    /* host pointer to gpa; NULL if outside */

/* Allocates one page, zero-filled.  0 when none is free. */
gpa_t vm_page_alloc(void);
/* Returns a page to the free list: 0, or -EINVAL (and one line on stderr)
 * for a page that is not handed out now: misaligned, outside the image,
 * reserved, or already free.  Such a page is never taken. */
int vm_page_free(gpa_t gpa);
/* Takes n contiguous pages off the allocator for good (hw trampoline);
 * 0 if impossible.  Only before the first vm_page_alloc(). */
gpa_t vm_page_reserve(size_t n);

/* Announces fresh guest-physical ranges before vm_page_alloc() hands out
 * their first page, VM_PREFAULT_PAGES at a time, so the hw backend can ask
 * the host for the nested mappings in batches rather than one per fault. */
#define VM_PREFAULT_PAGES 512
void vm_phys_set_prefault(void (*fn)(void *arg, gpa_t gpa, size_t len),
    void *arg);

struct vm_page_stats {
	size_t total;    /* pages in the image */
	size_t free;
	size_t used;     /* handed out now */
	size_t peak;     /* most ever used at once */
	size_t reserved; /* page 0 and vm_page_reserve() */
};
void vm_page_stats(struct vm_page_stats *st);

/* ---- Anonymous vm objects (vm_object.c) ----
 * A vm object is an array of npages slots, each holding the gpa of a
 * resident page or 0.  Entries of one map may share an object (after a
 * split) at different offsets; the object is freed with its last ref.
 */
struct vm_object {
	int refs;
	size_t npages;
	gpa_t *pages;
};
struct vm_object *vm_object_anon(size_t npages); /* NULL on ENOMEM */
void vm_object_ref(struct vm_object *obj);
void vm_object_unref(struct vm_object *obj);    /* frees pages at 0 refs */
/* Frees resident pages of slots [first, first+n) and clears them. */
void vm_object_free_range(struct vm_object *obj, size_t first, size_t n);

/* ---- Address spaces (vm_map.c) ---- */
#define VM_ENTRY_GROWSDOWN 0x1 /* the stack */
#define VM_ENTRY_BRK       0x2 /* the brk heap */

struct vm_map_entry {
	struct vm_map_entry *prev, *next; /* sorted by start */
	gva_t start, end;                 /* [start, end), page aligned */
	int prot, maxprot;                /* KS_PROT_* */
	int flags;                        /* VM_ENTRY_* */
	struct vm_object *obj;
	size_t offset;                    /* first object slot of start */
};

struct vm_map {
	struct vm_map_entry head;  /* sentinel of the circular sorted list */
	size_t nentries;
	gva_t min, max;            /* usable range [min, max) */
	struct pmap *pmap;
	size_t size;               /* bytes mapped */
	gva_t fault_next;          /* a fault here continues a sequential run */
};

/* Sets up an empty map over [min, max) using pmap (may be NULL in tests). */
void vm_map_init(struct vm_map *map, struct pmap *pmap, gva_t min, gva_t max);
/* Removes every entry (freeing pages) and the entries themselves. */
void vm_map_fini(struct vm_map *map);
/* Entry containing va, or NULL. */
struct vm_map_entry *vm_map_lookup(struct vm_map *map, gva_t va);
/* Finds len bytes (page multiple) of free space, highest first, ending at or
 * below `below`.  0 and *out, or -ENOMEM. */
int vm_map_findspace(struct vm_map *map, gva_t below, size_t len, gva_t *out);
/* Maps fresh anonymous zero-fill memory at [start, start+len).  With
 * `fixed`, whatever was there is removed first (MAP_FIXED); without, an
 * overlap is -EEXIST.  Adjacent compatible entries are merged.  -EINVAL for
 * a range outside [min, max) or misaligned, -ENOMEM when out of entries. */
int vm_map_anon(struct vm_map *map, gva_t start, size_t len, int prot,
    int flags, bool fixed);
/* Unmaps [start, start+len): splits entries, pmap_remove()s, pmap_update()s
 * and then frees the pages.  Holes are fine (munmap semantics).  0/-EINVAL. */
int vm_map_remove(struct vm_map *map, gva_t start, size_t len);
/* mprotect semantics: -ENOMEM if any part of the range is unmapped (nothing
 * changed then), -EACCES if prot exceeds an entry's maxprot; splits and
 * merges entries, and pmap_protect()s what is resident. */
int vm_map_protect(struct vm_map *map, gva_t start, size_t len, int prot);

/* ---- Faults (vm_fault.c) ----
 * Resolves an access of kind `access` (KS_PROT_READ/WRITE/EXEC) at va:
 * zero-fills the page on demand and pmap_enter()s it with the entry's prot.
 * When the fault continues a sequential run (it is at the page after the
 * last one faulted in), up to VM_FAULT_AHEAD following pages of the same
 * entry that are not resident yet are zero-filled and entered too, so a
 * linear walk takes one fault (and one host mapping request) per run.
 * Returns VM_FAULT_OK, VM_FAULT_MAPERR (no entry: SEGV_MAPERR),
 * VM_FAULT_ACCERR (entry forbids the access: SEGV_ACCERR) or VM_FAULT_OOM
 * (no free page).  Does not call pmap_update(): the caller's next run does.
 */
#define VM_FAULT_AHEAD 15
enum vm_fault_result { VM_FAULT_OK = 0, VM_FAULT_MAPERR, VM_FAULT_ACCERR,
	VM_FAULT_OOM };
enum vm_fault_result vm_fault(struct vm_map *map, gva_t va, int access);

#endif /* VMEM_VM_H */
