/* vm_object.c: vm objects (anonymous, or a file's page cache), resident pages in a sparse radix tree of 64-slot nodes. */
#include <errno.h>

#include "vm.h"

#define RADIX_SHIFT     6
#define RADIX_SLOTS     (1U << RADIX_SHIFT)
#define RADIX_MASK      (RADIX_SLOTS - 1)
/* A leaf slot holds a page-aligned gpa; its low bit is the page's dirty
 * flag (file objects: written since it was read or written back). */
#define SLOT_DIRTY      ((gpa_t)1)
#define SLOT_GPA(v)     ((v) & ~(gpa_t)PAGE_MASK)

/*
 * A node of height 1 is a leaf of gpas; a higher one holds children.
 * count is its number of non-empty slots: a node is freed when it drops to
 * 0, so every node in a tree has something resident below it.
 */
struct vm_radix_node {
	unsigned count;
	union {
		gpa_t page[RADIX_SLOTS];
		struct vm_radix_node *kid[RADIX_SLOTS];
	} u;
};

/* Slots one slot of a node at height h stands for. */
static inline size_t
span(int h)
{
	return (size_t)1 << (RADIX_SHIFT * (h - 1));
}

/* Slots a tree of height h covers. */
static inline size_t
capacity(int h)
{
	return (size_t)1 << (RADIX_SHIFT * h);
}

static inline unsigned
index_at(size_t slot, int h)
{
	return (slot >> (RADIX_SHIFT * (h - 1))) & RADIX_MASK;
}

static struct vm_radix_node *
node_alloc(void)
{
	return vm_meta_alloc(sizeof(struct vm_radix_node));
}

static void
node_free(struct vm_radix_node *n)
{
	vm_meta_free(n, sizeof(*n));
}

/*
 * Puts gpa into slot in the subtree *np of height h, allocating *np if it
 * is absent.  On failure a node allocated here is freed again, so the tree
 * is as it was.  *was says whether the slot held a page already.
 */
static int
node_insert(struct vm_radix_node **np, int h, size_t slot, gpa_t gpa,
    bool *was)
{
	struct vm_radix_node *n = *np;
	unsigned i = index_at(slot, h);
	bool had;
	int rc = 0;

	if (n == NULL && (n = node_alloc()) == NULL)
		return -ENOMEM;
	if (h == 1) {
		*was = n->u.page[i] != 0;
		if (!*was)
			n->count++;
		n->u.page[i] = gpa;
	} else {
		had = n->u.kid[i] != NULL;
		rc = node_insert(&n->u.kid[i], h - 1, slot, gpa, was);
		if (!had && n->u.kid[i] != NULL)
			n->count++;
	}
	if (n->count == 0) {
		node_free(n);
		n = NULL;
	}
	*np = n;
	return rc;
}

/*
 * Clears slots [lo, hi) of the subtree *np (height h, first slot base),
 * freeing their pages when release, and frees the nodes that empty.
 * Visits only subtrees that intersect the range and hold something.
 */
static void
node_clear(struct vm_object *obj, struct vm_radix_node **np, int h,
    size_t base, size_t lo, size_t hi, bool release)
{
	struct vm_radix_node *n = *np;
	size_t sp = span(h);
	unsigned i = lo > base ? (lo - base) / sp : 0;

	for (; i < RADIX_SLOTS && base + i * sp < hi; i++) {
		if (h == 1) {
			if (n->u.page[i] == 0)
				continue;
			if (release)
				vm_page_free(SLOT_GPA(n->u.page[i]));
			n->u.page[i] = 0;
			n->count--;
			obj->resident--;
		} else if (n->u.kid[i] != NULL) {
			node_clear(obj, &n->u.kid[i], h - 1, base + i * sp, lo,
			    hi, release);
			if (n->u.kid[i] == NULL)
				n->count--;
		}
	}
	if (n->count == 0) {
		node_free(n);
		*np = NULL;
	}
}

/* The first resident slot in [*slot, end) below n (height h, first slot
 * base): true with *slot and *gpa set. */
static bool
node_next(const struct vm_radix_node *n, int h, size_t base, size_t *slot,
    size_t end, gpa_t *gpa)
{
	size_t sp = span(h);
	unsigned i = *slot > base ? (*slot - base) / sp : 0;

	for (; i < RADIX_SLOTS && base + i * sp < end; i++) {
		if (h == 1) {
			if (n->u.page[i] != 0) {
				*slot = base + i;
				*gpa = SLOT_GPA(n->u.page[i]);
				return true;
			}
		} else if (n->u.kid[i] != NULL &&
		    node_next(n->u.kid[i], h - 1, base + i * sp, slot, end, gpa))
			return true;
	}
	return false;
}

/* Clears [first, first+n) of obj, clipped to its slots. */
static void
clear_range(struct vm_object *obj, size_t first, size_t n, bool release)
{
	size_t hi;

	if (obj->root == NULL || first >= obj->npages)
		return;
	hi = n > obj->npages - first ? obj->npages : first + n;
	node_clear(obj, &obj->root, obj->height, 0, first, hi, release);
}

/* Raises the tree until it covers npages slots, each new root taking the
 * old one as its first child.  0 or -ENOMEM (some levels may be added). */
static int
grow(struct vm_object *obj, size_t npages)
{
	struct vm_radix_node *n;

	while (capacity(obj->height) < npages) {
		if (obj->root != NULL) {
			if ((n = node_alloc()) == NULL)
				return -ENOMEM;
			n->u.kid[0] = obj->root;
			n->count = 1;
			obj->root = n;
		}
		obj->height++;
	}
	return 0;
}

struct vm_object *
vm_object_anon(size_t npages)
{
	struct vm_object *obj;

	if (npages > VM_OBJECT_MAXPAGES)
		return NULL;
	if ((obj = vm_meta_alloc(sizeof(*obj))) == NULL)
		return NULL;
	obj->refs = 1;
	obj->hostfd = -1;
	obj->npages = npages;
	obj->height = 1;
	grow(obj, npages); /* no root yet: cannot fail */
	return obj;
}

void
vm_object_ref(struct vm_object *obj)
{
	obj->refs++;
}

void
vm_object_unref(struct vm_object *obj)
{
	if (--obj->refs > 0)
		return;
	if (obj->release != NULL)
		obj->release(obj); /* a file object: writes back, leaves */
	clear_range(obj, 0, obj->npages, true);
	vm_meta_free(obj, sizeof(*obj));
}

gpa_t
vm_object_lookup(const struct vm_object *obj, size_t slot)
{
	const struct vm_radix_node *n = obj->root;
	int h;

	if (slot >= obj->npages)
		return 0;
	for (h = obj->height; n != NULL && h > 1; h--)
		n = n->u.kid[index_at(slot, h)];
	return n != NULL ? SLOT_GPA(n->u.page[index_at(slot, 1)]) : 0;
}

/* The leaf slot of slot, NULL if no page is resident there. */
static gpa_t *
leaf_slot(const struct vm_object *obj, size_t slot)
{
	struct vm_radix_node *n = obj->root;
	int h;

	if (slot >= obj->npages)
		return NULL;
	for (h = obj->height; n != NULL && h > 1; h--)
		n = n->u.kid[index_at(slot, h)];
	if (n == NULL || n->u.page[index_at(slot, 1)] == 0)
		return NULL;
	return &n->u.page[index_at(slot, 1)];
}

bool
vm_object_dirty(const struct vm_object *obj, size_t slot)
{
	gpa_t *v = leaf_slot(obj, slot);

	return v != NULL && (*v & SLOT_DIRTY);
}

void
vm_object_set_dirty(struct vm_object *obj, size_t slot, bool dirty)
{
	gpa_t *v = leaf_slot(obj, slot);

	if (v != NULL)
		*v = dirty ? *v | SLOT_DIRTY : SLOT_GPA(*v);
}

int
vm_object_insert(struct vm_object *obj, size_t slot, gpa_t gpa)
{
	bool was = false;
	int rc;

	if (slot >= obj->npages || gpa == 0)
		return -EINVAL;
	rc = node_insert(&obj->root, obj->height, slot, gpa, &was);
	if (rc == 0 && !was)
		obj->resident++;
	return rc;
}

void
vm_object_free_range(struct vm_object *obj, size_t first, size_t n)
{
	clear_range(obj, first, n, true);
}

bool
vm_object_next(const struct vm_object *obj, size_t *slot, size_t end,
    gpa_t *gpa)
{
	if (end > obj->npages)
		end = obj->npages;
	if (obj->root == NULL || *slot >= end)
		return false;
	return node_next(obj->root, obj->height, 0, slot, end, gpa);
}

int
vm_object_move(struct vm_object *dst, size_t dslot, struct vm_object *src,
    size_t first, size_t n)
{
	size_t s = first;
	gpa_t gpa;

	if (dst == src || dslot > dst->npages || n > dst->npages - dslot)
		return -EINVAL;
	/* Copy first, so that a failure can be undone without allocating. */
	for (; vm_object_next(src, &s, first + n, &gpa); s++) {
		if (vm_object_insert(dst, dslot + (s - first), gpa) != 0) {
			clear_range(dst, dslot, n, false);
			return -ENOMEM;
		}
	}
	clear_range(src, first, n, false);
	return 0;
}

int
vm_object_append(struct vm_object *dst, struct vm_object *src,
    size_t first, size_t n)
{
	size_t tail = dst->npages;

	if (dst == src || n > VM_OBJECT_MAXPAGES - tail ||
	    grow(dst, tail + n) != 0)
		return -ENOMEM;
	dst->npages = tail + n;
	if (vm_object_move(dst, tail, src, first, n) != 0) {
		dst->npages = tail;
		return -ENOMEM;
	}
	return 0;
}

int
vm_object_extend(struct vm_object *obj, size_t npages)
{
	if (npages <= obj->npages)
		return 0;
	if (npages > VM_OBJECT_MAXPAGES || grow(obj, npages) != 0)
		return -ENOMEM;
	obj->npages = npages;
	return 0;
}

struct vm_object *
vm_object_cow_copy(const struct vm_object *src, size_t first, size_t n)
{
	struct vm_object *obj;
	size_t s = first;
	gpa_t gpa;

	if ((obj = vm_object_anon(n)) == NULL)
		return NULL;
	for (; vm_object_next(src, &s, first + n, &gpa); s++) {
		if (vm_page_ref(gpa) != 0)
			goto fail;
		if (vm_object_insert(obj, s - first, gpa) != 0) {
			vm_page_free(gpa); /* drops the reference just taken */
			goto fail;
		}
	}
	return obj;
fail:
	vm_object_unref(obj); /* drops the references taken so far */
	return NULL;
}
