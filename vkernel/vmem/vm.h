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

/* ---- VM metadata (vm_meta.c) ----
 * Map entries, vm objects and their radix-tree nodes are VM metadata: host
 * memory the vkernel spends on a guest's behalf.  It grows with what the
 * guest touches and maps, never with what it reserves, and it has a budget
 * of its own: past the limit vm_meta_alloc() fails, so mmap, brk and the
 * splits of munmap/mprotect return -ENOMEM and a fault that needs a node is
 * VM_FAULT_OOM.  Bytes are the sizes asked for (not the host allocator's
 * overhead).  The limit is 0 (none) until vm_meta_set_limit().
 */
void vm_meta_set_limit(size_t bytes);
/* Zero-filled memory of size bytes charged to the budget; NULL past the
 * limit or when the host has none. */
void *vm_meta_alloc(size_t size);
/* Frees p (may be NULL), which vm_meta_alloc(size) returned. */
void vm_meta_free(void *p, size_t size);

struct vm_meta_stats {
	size_t bytes;    /* charged now */
	size_t peak;     /* most ever charged at once */
	size_t limit;    /* 0: none */
	uint64_t denied; /* allocations refused by the limit */
};
void vm_meta_stats(struct vm_meta_stats *st);

/* ---- Anonymous vm objects (vm_object.c) ----
 * A vm object is npages slots, each holding the gpa of a resident page or
 * 0, kept in a radix tree of 64-slot nodes (NetBSD's radixtree, Linux's
 * xarray in miniature): height h covers 64^h slots, the smallest height
 * that holds npages.  Nodes are allocated (from the metadata budget) on the
 * first insert below them and freed when their last slot empties, so an
 * object costs memory in proportion to its resident pages: a 64 GiB object
 * (height 4) with three pages has at most ten nodes, the root and three
 * below it per page.  Walks skip empty subtrees.  Entries of one map may share an object (after a split) at
 * different offsets; the object is freed with its last ref.
 */
#define VM_OBJECT_MAXPAGES (1ULL << 48) /* height 8 */

struct vm_radix_node;
struct vm_object {
	int refs;
	size_t npages;               /* slots [0, npages) */
	int height;                  /* the root covers 64^height slots */
	size_t resident;             /* slots holding a page */
	struct vm_radix_node *root;  /* NULL while no page is resident */
};
/* An object of npages empty slots; NULL past the metadata limit, on ENOMEM
 * or for npages > VM_OBJECT_MAXPAGES.  No node is allocated yet. */
struct vm_object *vm_object_anon(size_t npages);
void vm_object_ref(struct vm_object *obj);
void vm_object_unref(struct vm_object *obj);    /* frees pages at 0 refs */
/* The gpa in slot, 0 if none (or slot >= npages). */
gpa_t vm_object_lookup(const struct vm_object *obj, size_t slot);
/* Puts gpa (non-zero) in slot (< npages), allocating the nodes on its path.
 * A page already there is replaced, not freed: the caller owns it.  0, or
 * -ENOMEM (past the metadata limit) with the object unchanged. */
int vm_object_insert(struct vm_object *obj, size_t slot, gpa_t gpa);
/* Frees the resident pages of slots [first, first+n), clears them and
 * frees nodes that empty.  Costs what is resident, not n. */
void vm_object_free_range(struct vm_object *obj, size_t first, size_t n);
/* The first resident slot in [*slot, end): true with *slot and *gpa set,
 * false when there is none. */
bool vm_object_next(const struct vm_object *obj, size_t *slot, size_t end,
    gpa_t *gpa);
/*
 * Grows dst by n slots and moves the resident pages of src's slots
 * [first, first+n) to dst's new slots [old npages, old npages + n), in
 * order (vm_map's merge of two entries).  All or nothing: 0, or -ENOMEM
 * with both objects' pages where they were (dst may keep a taller, empty-
 * topped tree).  src's range is empty afterwards; its pages are dst's.
 */
int vm_object_append(struct vm_object *dst, struct vm_object *src,
    size_t first, size_t n);

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

/*
 * Linux's default vm.max_map_count.  Entries come from the metadata budget
 * and a map holds at most max_entries of them: an operation that would end
 * with more (a new mapping, the splits of mprotect, MAP_FIXED or munmap,
 * where a hole costs one entry net) fails with -ENOMEM and changes nothing.
 */
#define VM_MAP_MAX_ENTRIES 65530

struct vm_map {
	struct vm_map_entry head;  /* sentinel of the circular sorted list */
	size_t nentries;
	size_t max_entries;        /* VM_MAP_MAX_ENTRIES unless changed */
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
/* Finds len bytes (page multiple) of free space inside [lo, hi) (clipped
 * to the map's range), the highest such range first.  0 and *out, -ENOMEM
 * when nothing fits, -EINVAL for a bad len. */
int vm_map_findspace(struct vm_map *map, gva_t lo, gva_t hi, size_t len,
    gva_t *out);
/* Maps fresh anonymous zero-fill memory at [start, start+len).  With
 * `fixed`, whatever was there is removed first (MAP_FIXED); without, an
 * overlap is -EEXIST.  Adjacent compatible entries are merged.  -EINVAL for
 * a range outside [min, max) or misaligned, -ENOMEM when out of entries or
 * metadata (nothing changed). */
int vm_map_anon(struct vm_map *map, gva_t start, size_t len, int prot,
    int flags, bool fixed);
/* Unmaps [start, start+len): splits entries, pmap_remove()s, pmap_update()s
 * and then frees the pages.  Holes are fine (munmap semantics).  0, -EINVAL,
 * or -ENOMEM when a split finds no entry (nothing changed). */
int vm_map_remove(struct vm_map *map, gva_t start, size_t len);
/* mprotect semantics: -ENOMEM if any part of the range is unmapped (nothing
 * changed then), -EACCES if prot exceeds an entry's maxprot; splits and
 * merges entries, and pmap_protect()s what is resident. */
int vm_map_protect(struct vm_map *map, gva_t start, size_t len, int prot);
/* madvise(MADV_DONTNEED) on anonymous memory: the resident pages of the
 * mapped parts of [start, start+len) are unmapped and freed, so they read
 * zero again; entries stay as they are.  -ENOMEM if part of the range is
 * unmapped (the mapped parts are dropped all the same, as on Linux),
 * -EINVAL for a bad range. */
int vm_map_dontneed(struct vm_map *map, gva_t start, size_t len);

/* ---- Faults (vm_fault.c) ----
 * Resolves an access of kind `access` (KS_PROT_READ/WRITE/EXEC) at va:
 * zero-fills the page on demand and pmap_enter()s it with the entry's prot.
 * When the fault continues a sequential run (it is at the page after the
 * last one faulted in), up to VM_FAULT_AHEAD following pages of the same
 * entry that are not resident yet are zero-filled and entered too, so a
 * linear walk takes one fault (and one host mapping request) per run.
 * Returns VM_FAULT_OK, VM_FAULT_MAPERR (no entry: SEGV_MAPERR),
 * VM_FAULT_ACCERR (entry forbids the access: SEGV_ACCERR) or VM_FAULT_OOM
 * (no free page, or no metadata for the object's node).  Does not call
 * pmap_update(): the caller's next run does.
 */
#define VM_FAULT_AHEAD 15
enum vm_fault_result { VM_FAULT_OK = 0, VM_FAULT_MAPERR, VM_FAULT_ACCERR,
	VM_FAULT_OOM };
enum vm_fault_result vm_fault(struct vm_map *map, gva_t va, int access);

#endif /* VMEM_VM_H */
