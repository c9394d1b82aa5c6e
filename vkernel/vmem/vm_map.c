/* vm_map.c: address spaces, sorted entry lists over anonymous and file objects; fork, mremap, mincore, msync. */
#include <errno.h>
#include <string.h>

#include "vm.h"
#include "pmap.h"

#define PROT_ALL (KS_PROT_READ | KS_PROT_WRITE | KS_PROT_EXEC)
#define ENTRY_PAGES(e) (((e)->end - (e)->start) / PAGE_SIZE)
#define SHARED(e) (((e)->flags & VM_ENTRY_SHARED) != 0)
#define FILEOBJ(o) ((o)->hostfd >= 0)
#define SHARED_FILE(e) (SHARED(e) && FILEOBJ((e)->obj))

/* An entry's references to its objects: obj, backing, and a shared
 * mapping's count in its object (a file's dirty pages stay dirty while
 * any; a System V segment's count of attaches). */
static void
entry_hold(struct vm_map_entry *e)
{
	vm_object_ref(e->obj);
	if (e->backing != NULL)
		vm_object_ref(e->backing);
	if (SHARED(e))
		e->obj->nshared++;
}

/* Drops what entry_hold took.  The last shared mapping of a file writes
 * its dirty pages back and marks them clean. */
static void
entry_drop(struct vm_map_entry *e)
{
	if (SHARED(e) && --e->obj->nshared == 0 && FILEOBJ(e->obj))
		(void)vm_file_sync(e->obj, 0, e->obj->npages, true);
	vm_object_unref(e->obj);
	if (e->backing != NULL)
		vm_object_unref(e->backing);
}

/*
 * Invariants.  A private entry's object belongs to one map: its entries
 * there own disjoint slot ranges, and slots no entry owns are empty.  A
 * shared entry's object may be held by entries of several maps; its pages
 * are freed only with the object's last reference.  A page in a private
 * object with more than one reference (vm_page_refcount) is shared
 * copy-on-write and is never writable in any pmap (vm_fault_prot).
 */

static void
link_after(struct vm_map *map, struct vm_map_entry *after,
    struct vm_map_entry *e)
{
	e->prev = after;
	e->next = after->next;
	after->next->prev = e;
	after->next = e;
	map->nentries++;
}

static void
unlink_entry(struct vm_map *map, struct vm_map_entry *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	map->nentries--;
}

/* A new entry from the metadata budget, or NULL when the map already has
 * max_entries (plus slack: entries about to go) or the budget is spent. */
static struct vm_map_entry *
entry_alloc(struct vm_map *map, size_t slack)
{
	if (map->nentries >= map->max_entries + slack)
		return NULL;
	return vm_meta_alloc(sizeof(struct vm_map_entry));
}

static void
entry_free(struct vm_map_entry *e)
{
	vm_meta_free(e, sizeof(*e));
}

static int map_remove(struct vm_map *map, gva_t start, size_t len,
    size_t slack);

/*
 * Takes write away again from the resident pages of entry e that are
 * shared copy-on-write (private entry) or clean (shared file entry), after a pmap_protect() that granted it: one
 * pmap_protect() per run of such pages.  Costs e's resident pages.
 */
static void
cow_protect(struct vm_map *map, struct vm_map_entry *e)
{
	size_t slot = e->offset, end = e->offset + ENTRY_PAGES(e);
	gva_t va, run = 0, runend = 0;
	int prot = VM_COW_PROT(e->prot);
	gpa_t gpa;

	if ((SHARED(e) && !SHARED_FILE(e)) || !(e->prot & KS_PROT_WRITE))
		return;
	for (; vm_object_next(e->obj, &slot, end, &gpa); slot++) {
		/* Shared file pages stay read-only until written (dirty). */
		if (SHARED(e) ? vm_object_dirty(e->obj, slot) :
		    vm_page_refcount(gpa) <= 1)
			continue;
		va = e->start + (slot - e->offset) * PAGE_SIZE;
		if (va != runend) {
			if (runend != run)
				pmap_protect(map->pmap, run, runend, prot);
			run = va;
		}
		runend = va + PAGE_SIZE;
	}
	if (runend != run)
		pmap_protect(map->pmap, run, runend, prot);
}

/* 0 if [start, start+len) is a non-empty page-aligned part of the map's
 * range, else -EINVAL. */
static int
check_range(struct vm_map *map, gva_t start, size_t len)
{
	if (len == 0 || (start & PAGE_MASK) != 0 || (len & PAGE_MASK) != 0 ||
	    start < map->min || start >= map->max || len > map->max - start)
		return -EINVAL;
	return 0;
}

/* The first entry ending above va (containing va or after it), or the
 * sentinel. */
static struct vm_map_entry *
first_after(struct vm_map *map, gva_t va)
{
	struct vm_map_entry *e;

	for (e = map->head.next; e != &map->head && e->end <= va; e = e->next)
		;
	return e;
}

/* Splits e at va (strictly inside it): e keeps [start, va) and a new entry
 * after it takes [va, end) at the matching object offset.  0 or -ENOMEM.
 * slack as for entry_alloc(). */
static int
split(struct vm_map *map, struct vm_map_entry *e, gva_t va, size_t slack)
{
	struct vm_map_entry *n;

	if ((n = entry_alloc(map, slack)) == NULL)
		return -ENOMEM;
	*n = *e;
	n->start = va;
	n->offset += (va - e->start) / PAGE_SIZE;
	if (n->backing != NULL)
		n->boff += (va - e->start) / PAGE_SIZE;
	e->end = va;
	entry_hold(n);
	link_after(map, e, n);
	return 0;
}

/*
 * Merges e's successor into e when they touch and have the same prot,
 * maxprot and flags, and either share the object at contiguous offsets or
 * each own theirs alone with e ending at its object's tail (the successor's
 * resident pages then move over: the cost is what is resident).  True if
 * merged; false (nothing changed) also when the move found no metadata.
 */
static bool
try_merge(struct vm_map *map, struct vm_map_entry *e)
{
	struct vm_map_entry *n = e->next;
	struct vm_object *o = e->obj;
	size_t tail, k;

	if (e == &map->head || n == &map->head || e->end != n->start ||
	    e->prot != n->prot || e->maxprot != n->maxprot ||
	    e->flags != n->flags || e->backing != n->backing ||
	    (e->backing != NULL && n->boff != e->boff + ENTRY_PAGES(e)))
		return false;
	tail = e->offset + ENTRY_PAGES(e);
	k = ENTRY_PAGES(n);
	if (n->obj == o) {
		if (n->offset != tail)
			return false;
	} else {
		/* Never an object with a release of its own (a file's, a
		 * System V segment's): its pages are its. */
		if (o->refs != 1 || n->obj->refs != 1 || tail != o->npages ||
		    o->release != NULL || n->obj->release != NULL ||
		    vm_object_append(o, n->obj, n->offset, k) != 0)
			return false;
	}
	e->end = n->end;
	unlink_entry(map, n);
	entry_drop(n);
	entry_free(n);
	return true;
}

void
vm_map_init(struct vm_map *map, struct pmap *pmap, gva_t min, gva_t max)
{
	memset(map, 0, sizeof(*map));
	map->head.next = map->head.prev = &map->head;
	map->min = min;
	map->max = max;
	map->max_entries = VM_MAP_MAX_ENTRIES;
	map->pmap = pmap;
}

void
vm_map_fini(struct vm_map *map)
{
	if (map->head.next != &map->head)
		vm_map_remove(map, map->head.next->start,
		    map->head.prev->end - map->head.next->start);
}

struct vm_map_entry *
vm_map_lookup(struct vm_map *map, gva_t va)
{
	struct vm_map_entry *e = first_after(map, va);

	return e != &map->head && e->start <= va ? e : NULL;
}

/* Top-down: walks the gaps [glo, ghi) from the highest one, each clipped
 * to [lo, hi), until one is big enough or the gaps are below lo. */
int
vm_map_findspace(struct vm_map *map, gva_t lo, gva_t hi, size_t len,
    gva_t *out)
{
	struct vm_map_entry *e;
	gva_t glo, ghi = map->max, a, b;

	if (len == 0 || (len & PAGE_MASK) != 0)
		return -EINVAL;
	lo = lo < map->min ? map->min : round_page(lo);
	hi = hi > map->max ? map->max : trunc_page(hi);
	if (lo < map->min || hi <= lo || hi - lo < len)
		return -ENOMEM; /* round_page(lo) wrapped, or no room at all */
	for (e = map->head.prev; ; e = e->prev) {
		glo = e == &map->head ? map->min : e->end;
		a = glo > lo ? glo : lo;
		b = ghi < hi ? ghi : hi;
		if (b > a && b - a >= len) {
			*out = b - len;
			return 0;
		}
		if (e == &map->head || e->start <= lo)
			return -ENOMEM;
		ghi = e->start;
	}
}

/* vm_map_anon and vm_map_file: a new entry over a fresh private object,
 * or (fobj) over fobj itself (shared) or a private layer over it. */
static int
map_insert(struct vm_map *map, gva_t start, size_t len, int prot,
    int maxprot, int flags, bool fixed, struct vm_object *fobj, size_t fslot)
{
	struct vm_map_entry *e;
	bool overlap;
	int error;

	if ((error = check_range(map, start, len)) != 0)
		return error;
	if ((prot & ~PROT_ALL) != 0)
		return -EINVAL;
	e = first_after(map, start);
	overlap = e != &map->head && e->start < start + len;
	if (!fixed && overlap)
		return -EEXIST;

	/*
	 * Allocate first so that a failure leaves the old mapping alone.  What
	 * is replaced frees at least one entry, and map_remove()'s splits stay
	 * within max_entries, so the map ends within it too.
	 */
	if ((e = entry_alloc(map, overlap ? 1 : 0)) == NULL)
		return -ENOMEM;
	if (fobj != NULL && (flags & VM_ENTRY_SHARED)) {
		e->obj = fobj;
		e->offset = fslot;
	} else {
		if ((e->obj = vm_object_anon(len / PAGE_SIZE)) == NULL) {
			entry_free(e);
			return -ENOMEM;
		}
		e->offset = 0;
		if (fobj != NULL) {
			e->backing = fobj;
			e->boff = fslot;
		}
	}
	e->flags = flags;
	/* The new object's creation reference stands for this entry's. */
	if (e->backing != NULL)
		vm_object_ref(e->backing);
	if (fobj != NULL && (flags & VM_ENTRY_SHARED))
		vm_object_ref(fobj);
	if (flags & VM_ENTRY_SHARED)
		e->obj->nshared++;
	if (fixed && (error = map_remove(map, start, len, 0)) != 0) {
		entry_drop(e);
		entry_free(e);
		return error;
	}
	e->start = start;
	e->end = start + len;
	e->prot = prot;
	e->maxprot = maxprot;
	link_after(map, first_after(map, start)->prev, e);
	map->size += len;
	try_merge(map, e);
	try_merge(map, e->prev);
	return 0;
}

int
vm_map_anon(struct vm_map *map, gva_t start, size_t len, int prot,
    int flags, bool fixed)
{
	return map_insert(map, start, len, prot, PROT_ALL, flags, fixed, NULL,
	    0);
}

int
vm_map_file(struct vm_map *map, gva_t start, size_t len, int prot,
    int maxprot, int flags, bool fixed, struct vm_object *fobj, size_t fslot)
{
	if (fobj == NULL || (!FILEOBJ(fobj) && !(flags & VM_ENTRY_SHARED)) ||
	    (prot & ~maxprot) != 0)
		return -EINVAL;
	if (fslot > VM_OBJECT_MAXPAGES ||
	    len / PAGE_SIZE > VM_OBJECT_MAXPAGES - fslot ||
	    vm_object_extend(fobj, fslot + len / PAGE_SIZE) != 0)
		return -ENOMEM;
	return map_insert(map, start, len, prot, maxprot, flags, fixed, fobj,
	    fslot);
}

/*
 * vm_map_remove(), whose splits may pass max_entries by slack.  At least
 * one entry goes once the range is split out, so with slack 1 punching a
 * hole costs one entry net, as Linux counts it; a caller that links a new
 * entry in the hole afterwards passes 0.
 */
static int
map_remove(struct vm_map *map, gva_t start, size_t len, size_t slack)
{
	struct vm_map_entry *e, *n;
	gva_t end = start + len;
	bool head_split = false;
	int error;

	if ((error = check_range(map, start, len)) != 0)
		return error;
	e = first_after(map, start);
	if (e != &map->head && e->start < start) {
		if ((error = split(map, e, start, slack)) != 0)
			return error;
		e = e->next;
		head_split = true;
	}
	for (n = e; n != &map->head && n->start < end; n = n->next) {
		if (n->end > end) {
			if ((error = split(map, n, end, slack)) != 0) {
				/* Join the first split again: nothing changed. */
				if (head_split)
					try_merge(map, e->prev);
				return error;
			}
			break;
		}
	}

	/*
	 * The host must stop using the pages before they are reused.  A
	 * failed update means the space is dead on the host, so the pages
	 * are freed all the same.
	 */
	if (map->pmap != NULL) {
		pmap_remove(map->pmap, start, end);
		pmap_update(map->pmap);
	}
	while (e != &map->head && e->start < end) {
		n = e->next;
		if (!SHARED(e))
			vm_object_free_range(e->obj, e->offset, ENTRY_PAGES(e));
		else if (SHARED_FILE(e) && e->obj->nshared > 1)
			(void)vm_file_sync(e->obj, e->offset, ENTRY_PAGES(e),
			    false); /* munmap writes back (the last: drop) */
		map->size -= e->end - e->start;
		unlink_entry(map, e);
		entry_drop(e);
		entry_free(e);
		e = n;
	}
	return 0;
}

int
vm_map_remove(struct vm_map *map, gva_t start, size_t len)
{
	return map_remove(map, start, len, 1);
}

int
vm_map_protect(struct vm_map *map, gva_t start, size_t len, int prot)
{
	struct vm_map_entry *e, *first, *last;
	gva_t end = start + len, va;
	bool head_split = false, reduced = false;
	int error;

	if ((error = check_range(map, start, len)) != 0)
		return error;
	if ((prot & ~PROT_ALL) != 0)
		return -EINVAL;

	/* Check everything before changing anything. */
	first = vm_map_lookup(map, start);
	for (e = first, va = start; va < end; va = e->end, e = e->next) {
		if (e == NULL || e == &map->head || e->start > va)
			return -ENOMEM;
		if ((prot & ~e->maxprot) != 0)
			return -EACCES;
	}

	if (first->start < start) {
		if ((error = split(map, first, start, 0)) != 0)
			return error;
		first = first->next;
		head_split = true;
	}
	last = vm_map_lookup(map, end - 1);
	if (last->end > end && (error = split(map, last, end, 0)) != 0) {
		/* Join the first split again: nothing changed. */
		if (head_split)
			try_merge(map, first->prev);
		return error;
	}
	for (e = first; e != &map->head && e->start < end; e = e->next) {
		reduced |= (e->prot & ~prot) != 0;
		e->prot = prot;
	}
	if (map->pmap != NULL) {
		pmap_protect(map->pmap, start, end, prot);
		if (prot & KS_PROT_WRITE)
			for (e = first; e != &map->head && e->start < end;
			    e = e->next)
				cow_protect(map, e);
		/* Taken away: no CPU may use the old rights once mprotect
		 * returns (the TLB shootdown: other threads of the space may
		 * run now).  Added: a stale entry only faults. */
		if (reduced)
			pmap_update(map->pmap);
	}

	/* Merge from the entry before the range through the one after it. */
	e = first->prev != &map->head ? first->prev : first;
	while (e != &map->head && e->start < end)
		if (!try_merge(map, e))
			e = e->next;
	return 0;
}

int
vm_map_dontneed(struct vm_map *map, gva_t start, size_t len)
{
	struct vm_map_entry *e;
	gva_t end = start + len, va = start, s, t;
	bool hole = false;
	int error;

	if ((error = check_range(map, start, len)) != 0)
		return error;
	/* As for munmap: the host lets go of the pages before they are freed. */
	if (map->pmap != NULL) {
		pmap_remove(map->pmap, start, end);
		pmap_update(map->pmap);
	}
	for (e = first_after(map, start); e != &map->head && e->start < end;
	    e = e->next) {
		if (e->start > va)
			hole = true;
		s = e->start > start ? e->start : start;
		t = e->end < end ? e->end : end;
		/* Shared memory keeps its data (it is only unmapped here, as
		 * from a shmem file); a private page shared copy-on-write
		 * loses only this map's reference. */
		if (!SHARED(e))
			vm_object_free_range(e->obj, e->offset +
			    (s - e->start) / PAGE_SIZE, (t - s) / PAGE_SIZE);
		va = t;
	}
	return hole || va < end ? -ENOMEM : 0;
}

/*
 * Fork.  dst is built completely before src is touched, so a failure only
 * has to empty dst again.  Then src's private writable entries lose write
 * in its pmap, one pmap_protect() per run of adjacent such entries with the
 * same prot (the pmap tells the space once per run of present pages), and
 * one pmap_update() pushes that to the host before either map runs.
 */
int
vm_map_fork(struct vm_map *dst, struct vm_map *src)
{
	struct vm_map_entry *e, *n;
	gva_t run = 0, runend = 0;
	int runprot = 0, prot;

	if (dst->head.next != &dst->head || dst == src)
		return -EINVAL;
	for (e = src->head.next; e != &src->head; e = e->next) {
		if ((n = entry_alloc(dst, 0)) == NULL)
			goto fail;
		*n = *e;
		if (SHARED(e)) {
			entry_hold(n);
		} else {
			n->obj = vm_object_cow_copy(e->obj, e->offset,
			    ENTRY_PAGES(e));
			n->offset = 0;
			if (n->obj == NULL) {
				entry_free(n);
				goto fail;
			}
			if (n->backing != NULL)
				vm_object_ref(n->backing);
		}
		link_after(dst, dst->head.prev, n);
		dst->size += n->end - n->start;
	}

	for (e = src->head.next; src->pmap != NULL && e != &src->head;
	    e = e->next) {
		if (SHARED(e) || !(e->prot & KS_PROT_WRITE))
			continue;
		prot = VM_COW_PROT(e->prot);
		if (e->start != runend || prot != runprot) {
			if (runend != run)
				pmap_protect(src->pmap, run, runend, runprot);
			run = e->start;
			runprot = prot;
		}
		runend = e->end;
	}
	if (src->pmap != NULL) {
		if (runend != run)
			pmap_protect(src->pmap, run, runend, runprot);
		pmap_update(src->pmap);
	}
	return 0;
fail:
	vm_map_fini(dst);
	return -ENOMEM;
}

/*
 * Makes e's object hold slots [e->offset, e->offset + npages) for e alone
 * (npages >= e's pages), for growing e.  A shared object or a private one
 * only e holds just gets the slots (a private object's unowned slots are
 * empty; a shared object's are the same memory to every map, as when a
 * shmem mapping grows); a private object split among several entries is
 * left to them and e's pages move to a new object of its own.
 * 0 or -ENOMEM (nothing changed).
 */
static int
entry_own_slots(struct vm_map_entry *e, size_t npages)
{
	struct vm_object *o = e->obj, *n;

	if (SHARED(e) || o->refs == 1) {
		if (e->offset > VM_OBJECT_MAXPAGES ||
		    npages > VM_OBJECT_MAXPAGES - e->offset)
			return -ENOMEM;
		return vm_object_extend(o, e->offset + npages);
	}
	if ((n = vm_object_anon(npages)) == NULL)
		return -ENOMEM;
	if (vm_object_move(n, 0, o, e->offset, ENTRY_PAGES(e)) != 0) {
		vm_object_unref(n);
		return -ENOMEM;
	}
	e->obj = n;
	e->offset = 0;
	vm_object_unref(o);
	return 0;
}

/*
 * Moves [old, old+oldlen) (inside one entry) to [to, to+newlen), which is
 * free, growing or shrinking it on the way.  The pages go along in the
 * object and fault back in at the new place.
 */
static int
remap_move(struct vm_map *map, gva_t old, size_t oldlen, size_t newlen,
    gva_t to)
{
	struct vm_map_entry *e;
	bool head_split = false;
	int error;

	if (newlen < oldlen) {
		if ((error = map_remove(map, old + newlen, oldlen - newlen,
		    1)) != 0)
			return error;
		oldlen = newlen;
	}
	e = vm_map_lookup(map, old);
	if (e->start < old) {
		if ((error = split(map, e, old, 0)) != 0)
			return error;
		e = e->next;
		head_split = true;
	}
	if (e->end > old + oldlen &&
	    (error = split(map, e, old + oldlen, 0)) != 0)
		goto undo;
	if (newlen > oldlen &&
	    (error = entry_own_slots(e, newlen / PAGE_SIZE)) != 0) {
		try_merge(map, e);
		goto undo;
	}
	if (map->pmap != NULL) {
		pmap_remove(map->pmap, old, old + oldlen);
		pmap_update(map->pmap);
	}
	unlink_entry(map, e);
	map->size -= oldlen;
	e->start = to;
	e->end = to + newlen;
	link_after(map, first_after(map, to)->prev, e);
	map->size += newlen;
	try_merge(map, e);
	try_merge(map, e->prev);
	return 0;
undo:
	/* Join the splits again: nothing changed. */
	if (head_split)
		try_merge(map, e->prev);
	return error;
}

int
vm_map_remap(struct vm_map *map, gva_t old, size_t oldlen, size_t newlen,
    int flags, gva_t newaddr, gva_t *out)
{
	struct vm_map_entry *e;
	size_t extra;
	gva_t to;
	int error;

	if ((flags & ~(VM_REMAP_MAYMOVE | VM_REMAP_FIXED)) != 0 ||
	    ((flags & VM_REMAP_FIXED) && !(flags & VM_REMAP_MAYMOVE)) ||
	    (old & PAGE_MASK) != 0 || oldlen == 0 || newlen == 0 ||
	    round_page(oldlen) < oldlen || round_page(newlen) < newlen)
		return -EINVAL;
	oldlen = round_page(oldlen);
	newlen = round_page(newlen);
	if ((e = vm_map_lookup(map, old)) == NULL || oldlen > e->end - old)
		return -EFAULT;

	if (flags & VM_REMAP_FIXED) {
		if (check_range(map, newaddr, newlen) != 0 ||
		    (newaddr < old + oldlen && old < newaddr + newlen))
			return -EINVAL;
		/* Linux's order: the destination goes first. */
		if ((error = map_remove(map, newaddr, newlen, 1)) != 0)
			return error;
		if ((error = remap_move(map, old, oldlen, newlen, newaddr)) != 0)
			return error;
		*out = newaddr;
		return 0;
	}
	if (newlen <= oldlen) {
		if (newlen < oldlen && (error = map_remove(map, old + newlen,
		    oldlen - newlen, 1)) != 0)
			return error;
		*out = old;
		return 0;
	}

	/* Grow in place when the range ends its entry and room follows. */
	extra = newlen - oldlen;
	if (old + oldlen == e->end && extra <= map->max - e->end &&
	    (e->next == &map->head || e->next->start >= e->end + extra)) {
		if ((error = entry_own_slots(e, ENTRY_PAGES(e) +
		    extra / PAGE_SIZE)) != 0)
			return error;
		e->end += extra;
		map->size += extra;
		try_merge(map, e);
		*out = old;
		return 0;
	}
	if (!(flags & VM_REMAP_MAYMOVE))
		return -ENOMEM;
	if ((error = vm_map_findspace(map, map->min, map->max, newlen,
	    &to)) != 0)
		return error;
	if ((error = remap_move(map, old, oldlen, newlen, to)) != 0)
		return error;
	*out = to;
	return 0;
}

/* For mincore and msync: 0 and *end (start + len rounded up) for a range
 * inside the map, -EINVAL for a misaligned start, -ENOMEM for a range that
 * wraps or leaves the map. */
static int
query_range(struct vm_map *map, gva_t start, size_t len, gva_t *end)
{
	if ((start & PAGE_MASK) != 0)
		return -EINVAL;
	if (round_page(len) < len || start + round_page(len) < start)
		return -ENOMEM;
	*end = start + round_page(len);
	if (len != 0 && (start < map->min || *end > map->max))
		return -ENOMEM;
	return 0;
}

/*
 * For vm_map_unmap_file: the part [*s, e->end) of e that maps file fobj's
 * slots first and after (fobj NULL: any file, all of e), and in *fslot the
 * file slot of e->start; false when e maps none of them.
 */
static bool
file_part(const struct vm_map_entry *e, const struct vm_object *fobj,
    size_t first, gva_t *s, size_t *fslot)
{
	const struct vm_object *f = SHARED_FILE(e) ? e->obj : e->backing;

	if (f == NULL || (fobj != NULL && f != fobj))
		return false;
	*fslot = SHARED_FILE(e) ? e->offset : e->boff;
	*s = e->start;
	if (fobj == NULL || first <= *fslot)
		return true;
	if (first - *fslot >= ENTRY_PAGES(e))
		return false;
	*s = e->start + (first - *fslot) * PAGE_SIZE;
	return true;
}

void
vm_map_unmap_file(struct vm_map *map, struct vm_object *fobj, size_t first)
{
	struct vm_map_entry *e;
	size_t slot, end, fslot;
	bool any = false;
	gva_t s;
	gpa_t gpa;

	for (e = map->head.next; e != &map->head; e = e->next)
		if (file_part(e, fobj, first, &s, &fslot) && map->pmap != NULL) {
			pmap_remove(map->pmap, s, e->end);
			any = true;
		}
	/* The host lets go of the pages before any is dropped. */
	if (any)
		pmap_update(map->pmap);
	for (e = map->head.next; e != &map->head; e = e->next) {
		if (e->backing == NULL || !file_part(e, fobj, first, &s, &fslot))
			continue;
		slot = e->offset + (s - e->start) / PAGE_SIZE;
		end = e->offset + ENTRY_PAGES(e);
		/* Truncation drops the private copies too; reclaim keeps
		 * them and drops only the layer's holds on cache pages. */
		if (fobj != NULL) {
			vm_object_free_range(e->obj, slot, end - slot);
			continue;
		}
		for (; vm_object_next(e->obj, &slot, end, &gpa); slot++)
			if (vm_object_lookup(e->backing, fslot +
			    (slot - e->offset)) == gpa)
				vm_object_free_range(e->obj, slot, 1);
	}
	map->fault_next = 0;
}

bool
vm_map_maps_writable(const struct vm_map *map, const struct vm_object *fobj)
{
	const struct vm_map_entry *e;

	for (e = map->head.next; e != &map->head; e = e->next)
		if (SHARED_FILE(e) && e->obj == fobj &&
		    (e->maxprot & KS_PROT_WRITE))
			return true;
	return false;
}

int
vm_map_mincore(struct vm_map *map, gva_t start, size_t len,
    unsigned char *vec)
{
	struct vm_map_entry *e;
	gva_t end, va, t;
	size_t slot, last;
	gpa_t gpa;
	int error;

	if ((error = query_range(map, start, len, &end)) != 0)
		return error;
	memset(vec, 0, (end - start) / PAGE_SIZE);
	for (va = start; va < end; va = t) {
		if ((e = vm_map_lookup(map, va)) == NULL)
			return -ENOMEM;
		t = e->end < end ? e->end : end;
		slot = e->offset + (va - e->start) / PAGE_SIZE;
		last = e->offset + (t - e->start) / PAGE_SIZE;
		for (; vm_object_next(e->obj, &slot, last, &gpa); slot++)
			vec[(e->start + (slot - e->offset) * PAGE_SIZE -
			    start) / PAGE_SIZE] = 1;
	}
	return 0;
}

int
vm_map_msync(struct vm_map *map, gva_t start, size_t len, int flags)
{
	struct vm_map_entry *e;
	gva_t end, va;
	int error;

	if ((flags & ~(VM_MS_ASYNC | VM_MS_INVALIDATE | VM_MS_SYNC)) != 0 ||
	    ((flags & VM_MS_ASYNC) && (flags & VM_MS_SYNC)))
		return -EINVAL;
	if ((error = query_range(map, start, len, &end)) != 0)
		return error;
	for (va = start; va < end; va = e->end)
		if ((e = vm_map_lookup(map, va)) == NULL)
			return -ENOMEM;
	for (va = start; va < end; va = e->end) {
		gva_t s, t;

		e = vm_map_lookup(map, va);
		if (!SHARED_FILE(e))
			continue;
		s = va;
		t = e->end < end ? e->end : end;
		if ((error = vm_file_sync(e->obj, e->offset +
		    (s - e->start) / PAGE_SIZE, (t - s) / PAGE_SIZE,
		    false)) != 0)
			return error == -ENOSPC ? -ENOSPC : -EIO;
	}
	return 0;
}
