/* vm.h: machine-independent VM: physical pages, vm objects, vm maps, faults. */
#ifndef VMEM_VM_H
#define VMEM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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
/* Drops one reference to a page handed out now; with the last one (the
 * only one, for a page never shared) the page goes back to the free list.
 * 0, or -EINVAL (and one line on stderr) for a page that is not handed out
 * now: misaligned, outside the image, reserved, or already free.  Such a
 * page is never taken. */
int vm_page_free(gpa_t gpa);
/* Adds a reference to a page handed out now (copy-on-write sharing after
 * vm_map_fork): it then takes one more vm_page_free() to free it.  0,
 * -EINVAL (one line on stderr) for a page not handed out now, -EOVERFLOW
 * when the page already has the most references a page can have (65535). */
int vm_page_ref(gpa_t gpa);
/* References to the page at gpa: 0 if it is not handed out now. */
unsigned vm_page_refcount(gpa_t gpa);
/* Takes n contiguous pages off the allocator for good (hw trampoline);
 * 0 if impossible.  Only before the first vm_page_alloc(). */
gpa_t vm_page_reserve(size_t n);

/* Announces fresh guest-physical ranges before vm_page_alloc() hands out
 * their first page, VM_PREFAULT_PAGES at a time, so the hw backend can ask
 * the host for the nested mappings in batches rather than one per fault. */
#define VM_PREFAULT_PAGES 512
void vm_phys_set_prefault(void (*fn)(void *arg, gpa_t gpa, size_t len),
    void *arg);
/* What vm_page_alloc asks, when it has no free page, to give pages back
 * (the page cache, vm_file.c, sets it as its first object is made): how
 * many it freed of the want asked for.  So the allocator names nothing
 * above it. */
void vm_phys_set_reclaim(size_t (*fn)(size_t want));

struct vm_page_stats {
	size_t total;    /* pages in the image */
	size_t free;
	size_t used;     /* handed out now */
	size_t peak;     /* most ever used at once */
	size_t reserved; /* page 0 and vm_page_reserve() */
};
void vm_page_stats(struct vm_page_stats *st);

/* ---- budgets of host memory (vm_meta.c) ----
 * A byte budget: what is charged now, the peak, the limit (0: none) and
 * how many charges it refused.  The VM metadata below has one, and the
 * guest kernel's own objects another (kmem.c).
 */
struct vm_budget {
	size_t bytes, peak, limit;
	uint64_t denied;
};
/* Charges n bytes to b: true, or false (counted as denied) when that
 * would pass the limit. */
bool vm_budget_charge(struct vm_budget *b, size_t n);
void vm_budget_uncharge(struct vm_budget *b, size_t n);

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

/* ---- vm objects (vm_object.c): anonymous, or a file's cache (vm_file.c) ----
 * A vm object is npages slots, each holding the gpa of a resident page or
 * 0, kept in a radix tree of 64-slot nodes (NetBSD's radixtree, Linux's
 * xarray in miniature): height h covers 64^h slots, the smallest height
 * that holds npages.  Nodes are allocated (from the metadata budget) on the
 * first insert below them and freed when their last slot empties, so an
 * object costs memory in proportion to its resident pages: a 64 GiB object
 * (height 4) with three pages has at most ten nodes, the root and three
 * below it per page.  Walks skip empty subtrees.  Entries of one map may
 * share an object (after a split) at different offsets; the object is
 * freed with its last ref.
 *
 * Copy-on-write lives in the pages, not in the objects (NetBSD UVM's
 * anons, with the physical page as the anon): a private object belongs to
 * one map, and after vm_map_fork the child's object holds the same pages
 * as the parent's, each with one more reference (vm_page_ref).  A page with
 * more than one reference is read-only to every private entry holding it;
 * the first write copies it (vm_fault).  There are no shadow chains, so
 * nothing grows with fork generations.  A shared object (VM_ENTRY_SHARED)
 * is referenced by entries of several maps; its pages have one reference
 * each and are never copied.  Freeing a slot drops one page reference.
 */
#define VM_OBJECT_MAXPAGES (1ULL << 48) /* height 8 */

struct vm_radix_node;
struct vm_object {
	int refs;
	size_t npages;               /* slots [0, npages) */
	int height;                  /* the root covers 64^height slots */
	size_t resident;             /* slots holding a page */
	struct vm_radix_node *root;  /* NULL while no page is resident */
	/* What its last reference does before its pages go (a file object:
	 * write back and leave the cache, vm_file.c); NULL for anonymous. */
	void (*release)(struct vm_object *obj);
	/* File objects (vm_file.c) only; hostfd is -1 for anonymous ones. */
	int hostfd;                  /* the cache's own descriptor */
	bool fdrw;                   /* hostfd is read-write */
	uint64_t dev, ino;           /* the key: st_dev, st_ino */
	size_t nshared;              /* VM_ENTRY_SHARED entries on it (a
	                                segment's attaches, shm_nattch) */
	struct vm_object *fnext;     /* the table of file objects */
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
/* The dirty flag of slot's page (false when none is resident), and
 * setting it (no-op when none is resident).  Only file objects use it. */
bool vm_object_dirty(const struct vm_object *obj, size_t slot);
void vm_object_set_dirty(struct vm_object *obj, size_t slot, bool dirty);
/* Drops the object's reference to (vm_page_free()s) the resident pages of
 * slots [first, first+n), clears them and frees nodes that empty: a page
 * shared copy-on-write stays with its other holders.  Costs what is
 * resident, not n. */
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
/* Moves the resident pages of src's slots [first, first+n) to dst's slots
 * [dslot, dslot+n), which must lie inside dst and be empty.  All or
 * nothing: 0, -ENOMEM (past the metadata limit; both as they were) or
 * -EINVAL (dst == src, range outside dst). */
int vm_object_move(struct vm_object *dst, size_t dslot, struct vm_object *src,
    size_t first, size_t n);
/* Grows obj to npages slots (no-op if it has that many): the new slots are
 * empty.  0, or -ENOMEM (past VM_OBJECT_MAXPAGES or the metadata limit;
 * npages unchanged, the tree may be taller). */
int vm_object_extend(struct vm_object *obj, size_t npages);
/*
 * Copy-on-write copy for fork: a new object of n slots whose slot i holds
 * the page of src's slot first+i, with one more reference on each such
 * page (vm_page_ref); no page is copied, and the cost is src's resident
 * pages in the range.  NULL (nothing changed) past the metadata limit or
 * when a page has the most references it can have.
 */
struct vm_object *vm_object_cow_copy(const struct vm_object *src,
    size_t first, size_t n);

/* ---- File objects: the page cache (vm_file.c) ----
 * One vm object per host file, keyed by (st_dev, st_ino), holding a host
 * descriptor of its own (reopened through /proc/self/fd: no O_APPEND, its
 * own offset; read-write once a writable descriptor maps it); slot i caches the file's bytes [i*4096,
 * (i+1)*4096), read lazily with pread (the bytes of the last page past EOF
 * are zero; a page wholly past EOF is never cached: a fault on it is
 * SIGBUS).  Every page cached lies at least partly inside the file as the
 * vkernel last saw it: a truncation drops the pages past the new end
 * (vm_file_truncate).  The cache holds one reference on each of its pages.  An object lives while map entries hold
 * it (a private entry as its `backing`, a shared one as its obj); with its
 * last reference its dirty pages are written back and it goes.  Open files
 * hold no reference: read and write find the object by key (vm_file_find)
 * while one exists, and go to the host alone otherwise.
 */
/* The object of the regular file open at hostfd, with one more reference
 * (a new one if none exists), covering at least npages slots.  NULL with
 * *err: -ENOMEM, or -errno of fstat/dup. */
struct vm_object *vm_file_get(int hostfd, size_t npages, int *err);
/* The object with the key, or NULL (no reference taken). */
struct vm_object *vm_file_find(uint64_t dev, uint64_t ino);
/* File objects alive now (0: read and write need not look). */
size_t vm_file_count(void);
/* The page in slot of file object obj in *gpa, read in if not resident
 * (the pread asks the host for the file's size at the time of the fault:
 * a file grown since, by anyone, is read as it is now).  0; -ENOMEM when no
 * page or metadata is to be had; -ENXIO when the page lies wholly past the
 * end of the file, -EIO when the host cannot read it (both SIGBUS to an
 * access, as on Linux; nothing is cached).  The cache keeps its
 * reference. */
int vm_file_page(struct vm_object *obj, size_t slot, gpa_t *gpa);
/* Writes the dirty pages of slots [first, first+n) back with pwrite
 * (clipped to the file's size: a mapping never extends a file).  With
 * clean, their dirty flags are cleared (only when no pmap can have them
 * writable: no shared entry maps the object).  0 or the first -errno. */
int vm_file_sync(struct vm_object *obj, size_t first, size_t n, bool clean);
/* read(2)/write(2) coherence for n bytes at file offset off of obj's file:
 * vm_file_overlay copies the resident pages' bytes over buf (which the host
 * just read); vm_file_update copies buf (just written to the host) into the
 * resident pages. */
void vm_file_overlay(struct vm_object *obj, off_t off, void *buf, size_t n);
void vm_file_update(struct vm_object *obj, off_t off, const void *buf,
    size_t n);
/*
 * After the host file was truncated to size, as Linux's truncate_pagecache:
 * the pages wholly past size are unmapped from every address space (the
 * unmapper below with obj: shared entries' pages, and every page of the
 * private layers over those slots, private copies too, as Linux's
 * even_cows), the cache's pages there are dropped without write-back (the
 * bytes are gone), and the tail of the page holding size is zeroed (that
 * page keeps its dirty flag: its bytes before size are still to be
 * written).  An access there afterwards faults the file in again: SIGBUS
 * while it stays short.
 */
void vm_file_truncate(struct vm_object *obj, off_t size);
/* vm_file_truncate for the file open at the host descriptor fd (which was
 * just truncated to size), if the file has an object. */
void vm_file_truncate_fd(int fd, off_t size);
/* vm_object_unref's last reference of a file object: writes its dirty
 * pages back, leaves the table and closes its descriptor. */
void vm_file_release(struct vm_object *obj);
/* Drops (after writing back the dirty ones) cached pages no one maps: only
 * the cache holds a reference and no shared entry maps the object.  The
 * pages freed.  Safe from vm_page_alloc(): takes no page. */
size_t vm_file_reclaim(size_t want);
/*
 * The unmapper, set by whoever knows every address space (proc.c): calls
 * vm_map_unmap_file(map, fobj, first) on each map.  Truncation passes its
 * object; reclaim NULL.
 */
void vm_file_set_unmapper(void (*fn)(struct vm_object *fobj, size_t first));
/* fn(dev, ino) after the object of file (dev, ino) left the cache (its
 * last mapping went), set by whoever keeps something alive for it (shm.c:
 * a memfd's bytes stay charged while mapped). */
void vm_file_set_release_hook(void (*fn)(uint64_t dev, uint64_t ino));
/*
 * The reclaim of last resort, when a fault finds no page even after
 * vm_file_reclaim: the unmapper (NULL: every file) takes every cache page
 * out of every pmap and private layer; then up to want cached pages
 * with no other reference are dropped (dirty ones written back first),
 * whatever maps their objects.  They fault back in from the file.  Only
 * where no caller holds a cache page's gpa (vm_fault's retry).  The pages
 * freed.
 */
size_t vm_file_reclaim_mapped(size_t want);
struct vm_file_stats {
	size_t objects;   /* file objects alive */
	size_t pages;     /* pages cached now */
	size_t peak;      /* most cached at once */
	uint64_t reads;   /* pages read in */
	uint64_t writes;  /* pages written back */
	uint64_t evicted; /* pages dropped by reclaim */
};
void vm_file_stats(struct vm_file_stats *st);

/* ---- Address spaces (vm_map.c) ---- */
#define VM_ENTRY_GROWSDOWN 0x1 /* the stack */
#define VM_ENTRY_BRK       0x2 /* the brk heap */
/* MAP_SHARED|MAP_ANONYMOUS: vm_map_fork shares the object (both maps see
 * each other's writes), never copy-on-write; munmap and MADV_DONTNEED only
 * unmap, and the pages go with the object's last reference (like a shmem
 * file's).  Never merged with a private entry. */
#define VM_ENTRY_SHARED    0x4

struct vm_map_entry {
	struct vm_map_entry *prev, *next; /* sorted by start */
	gva_t start, end;                 /* [start, end), page aligned */
	int prot, maxprot;                /* KS_PROT_* */
	int flags;                        /* VM_ENTRY_* */
	struct vm_object *obj;
	size_t offset;                    /* first object slot of start */
	/* A private file mapping: the file object whose pages show through
	 * where obj (the private layer) has none, and its slot for start. */
	struct vm_object *backing;
	size_t boff;
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
/* Removes every entry and the entries themselves: the pages the map alone
 * held are freed, those shared copy-on-write or through a shared object
 * lose this map's reference only. */
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
/* mmap of a file: as vm_map_anon, over file object fobj from its slot
 * fslot: MAP_SHARED (VM_ENTRY_SHARED in flags) maps fobj's pages, and
 * writes dirty them; MAP_PRIVATE maps them read-only through a private
 * layer that takes a copy on the first write.  With VM_ENTRY_SHARED fobj
 * may be an anonymous object (a System V segment's, shmat).  maxprot
 * bounds mprotect (no write for a shared mapping of a file not open for
 * writing).  Takes
 * its own references to fobj. */
int vm_map_file(struct vm_map *map, gva_t start, size_t len, int prot,
    int maxprot, int flags, bool fixed, struct vm_object *fobj, size_t fslot);
/* Unmaps [start, start+len): splits entries, pmap_remove()s, pmap_update()s
 * and then drops the pages (vm_object_free_range: a page shared copy-on-
 * write loses only this map's reference; a VM_ENTRY_SHARED entry's pages
 * stay with its object).  Holes are fine (munmap semantics).  0, -EINVAL,
 * or -ENOMEM when a split finds no entry (nothing changed). */
int vm_map_remove(struct vm_map *map, gva_t start, size_t len);
/* mprotect semantics: -ENOMEM if any part of the range is unmapped (nothing
 * changed then), -EACCES if prot exceeds an entry's maxprot; splits and
 * merges entries, and pmap_protect()s what is resident (pages shared copy-
 * on-write stay read-only: vm_fault_prot), with a pmap_update() when it
 * takes rights away. */
int vm_map_protect(struct vm_map *map, gva_t start, size_t len, int prot);
/* madvise(MADV_DONTNEED) on anonymous memory: the resident pages of the
 * mapped parts of [start, start+len) are unmapped and dropped, so they read
 * zero again (a page shared copy-on-write loses only this map's reference;
 * shared memory is only unmapped and keeps its data, as on Linux); entries
 * stay as they are.  -ENOMEM if part of the range is
 * unmapped (the mapped parts are dropped all the same, as on Linux),
 * -EINVAL for a bad range. */
int vm_map_dontneed(struct vm_map *map, gva_t start, size_t len);

/*
 * Copy-on-write fork: fills the empty map dst (vm_map_init()ed with a pmap
 * of its own, or NULL in tests) with src's entries.  A VM_ENTRY_SHARED
 * entry shares src's object.  A private entry gets an object of its own
 * holding the same pages, each with one more reference (no page is
 * copied, and the cost is the resident pages, as for Linux's page-table
 * copy); src's resident pages of private writable entries are write-
 * protected with one pmap_protect() per run of entries and one
 * pmap_update(), and dst enters them read-only on its faults.  The first
 * write on either side copies a page still shared, or makes it writable
 * when the writer holds its last reference.  0, -EINVAL if dst is not
 * empty or is src, or -ENOMEM (metadata limit, dst's max_entries, or a
 * page with 65535 references) with dst empty and src unchanged.
 */
int vm_map_fork(struct vm_map *dst, struct vm_map *src);

/* mremap flags, Linux's values. */
#define VM_REMAP_MAYMOVE 0x1
#define VM_REMAP_FIXED   0x2
/*
 * mremap: resizes [old, old+oldlen), which must lie in one entry, to
 * newlen (lengths are rounded up to pages), keeping its contents, prot and
 * flags; *out is where it ends up.  Shrinking unmaps the tail; growing
 * extends in place when the range ends its entry and the space after it is
 * free, or else (VM_REMAP_MAYMOVE) moves it to the highest free range of
 * the map (vm_map_findspace over [min, max): a caller that wants mmap's
 * placement finds the space itself and passes FIXED); VM_REMAP_FIXED
 * (with MAYMOVE) moves it to newaddr, replacing what was there.  A move
 * takes the pages along (copy-on-write sharing included) and they fault
 * back in at the new place.  -EINVAL for unknown flags, FIXED without
 * MAYMOVE, a misaligned old or newaddr, newlen or oldlen 0, or a FIXED
 * range overlapping the old one or outside the map; -EFAULT when the old
 * range is not inside one entry; -ENOMEM when it cannot grow in place and
 * may not move, when no space is free, or out of entries or metadata
 * (nothing changed, except what FIXED replaced and the tail a shrinking
 * move dropped, when a later step fails, as on Linux).
 */
int vm_map_remap(struct vm_map *map, gva_t old, size_t oldlen, size_t newlen,
    int flags, gva_t newaddr, gva_t *out);
/*
 * The page cache's unmapper (a scan of the map's entries, not a reverse
 * map).  With fobj NULL (vm_file_reclaim_mapped): removes every file page
 * from the pmap (shared file entries' and private ones' cache pages) and
 * drops the private layers' references to cache pages (their private
 * copies stay).  With fobj (vm_file_truncate): only the entries over
 * fobj, shared or private, and there only the pages of file slots first
 * and after, which leave the pmap, and the private layers drop all their
 * pages there, private copies too (Linux's even_cows: the bytes past a
 * truncation are gone from every mapping).  One pmap_update per map, before
 * any page is dropped.  The next access faults them back in.
 */
void vm_map_unmap_file(struct vm_map *map, struct vm_object *fobj,
    size_t first);
/* Whether map has a shared mapping of file object fobj that is or may
 * become writable (Linux's VM_SHARED|VM_MAYWRITE: F_SEAL_WRITE's EBUSY). */
bool vm_map_maps_writable(const struct vm_map *map,
    const struct vm_object *fobj);
/* mincore: vec[i] is 1 if page i of [start, start+len) is resident (has a
 * page in its object), else 0; len is rounded up to pages, 0 is fine.
 * -EINVAL for a misaligned start or a range outside the map, -ENOMEM if
 * part of the range is unmapped (vec is then undefined). */
int vm_map_mincore(struct vm_map *map, gva_t start, size_t len,
    unsigned char *vec);
/* msync flags, Linux's values. */
#define VM_MS_ASYNC      0x1
#define VM_MS_INVALIDATE 0x2
#define VM_MS_SYNC       0x4
/* msync: writes back the dirty pages of the shared file mappings in the
 * range (MS_SYNC and MS_ASYNC alike, synchronously; anonymous memory has
 * no backing store).
 * -EINVAL for a misaligned start, unknown flags or ASYNC with SYNC, a range
 * outside the map; -ENOMEM if part of [start, start+len) (len rounded up;
 * 0 is fine) is unmapped. */
int vm_map_msync(struct vm_map *map, gva_t start, size_t len, int flags);

/* ---- Faults (vm_fault.c) ----
 * Resolves an access of kind `access` (KS_PROT_READ/WRITE/EXEC) at va:
 * zero-fills the page on demand and pmap_enter()s it with the entry's prot
 * (vm_fault_prot).  A write to a page shared copy-on-write copies it into
 * the entry's object (and drops the object's reference to the shared one);
 * a write to a page whose other holders are gone just enters it writable.
 * When the fault continues a sequential run (it is at the page after the
 * last one faulted in), up to VM_FAULT_AHEAD following pages of the same
 * entry that are not resident yet are zero-filled and entered too, so a
 * linear walk takes one fault (and one host mapping request) per run.
 * Returns VM_FAULT_OK, VM_FAULT_MAPERR (no entry: SEGV_MAPERR),
 * VM_FAULT_ACCERR (entry forbids the access: SEGV_ACCERR), VM_FAULT_SIGBUS
 * (a page of a file mapping wholly past the end of the file, or one the
 * host cannot read: SIGBUS with BUS_ADRERR to the guest, EFAULT to a system
 * call; the page holding EOF reads zero past it and does not fault) or
 * VM_FAULT_OOM (no free page, or no metadata for the object's node).  Does
 * not call pmap_update() (the caller's next run does), except after a
 * copy-on-write copy: the shared page's reference is dropped only after
 * pmap_update(), since its other holders may free it then.
 */
#define VM_FAULT_AHEAD 15
enum vm_fault_result { VM_FAULT_OK = 0, VM_FAULT_MAPERR, VM_FAULT_ACCERR,
	VM_FAULT_OOM, VM_FAULT_SIGBUS };
enum vm_fault_result vm_fault(struct vm_map *map, gva_t va, int access);
/* The prot a page gpa of entry e is entered with: e->prot, less write
 * while the page is shared copy-on-write (private entry, more than one
 * reference).  Whoever enters or re-protects pages goes through this. */
int vm_fault_prot(const struct vm_map_entry *e, gpa_t gpa);
/* prot less write, for a page shared copy-on-write (x86: write implies
 * read, so a write-only entry's shared pages are read-only). */
#define VM_COW_PROT(prot) \
	(((prot) & KS_PROT_WRITE ? (prot) | KS_PROT_READ : (prot)) & \
	~KS_PROT_WRITE)

#endif /* VMEM_VM_H */
