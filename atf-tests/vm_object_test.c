/* vm_object_test.c: sparse vm objects (radix tree of resident pages) and the VM metadata budget. */
#include <atf-c.h>
#include <errno.h>

#include "vm.h"
#include "vk_testlib.h"

#define MIB   (1024 * 1024)
#define G64   ((64ULL << 30) / PAGE_SIZE) /* slots of a 64 GiB object */

static void
setup(void)
{
	phys_setup(MIB);
}


/* Bytes one radix node costs: what the first page of a one-level object
 * adds. */
static size_t
node_bytes(void)
{
	struct vm_object *o;
	size_t before, n;
	gpa_t pa;

	ATF_REQUIRE((o = vm_object_anon(64)) != NULL);
	ATF_REQUIRE_EQ(o->height, 1);
	ATF_REQUIRE((pa = vm_page_alloc()) != 0);
	before = meta_bytes();
	ATF_REQUIRE_EQ(vm_object_insert(o, 3, pa), 0);
	n = meta_bytes() - before;
	vm_object_unref(o);
	ATF_REQUIRE(n > 64 * sizeof(gpa_t) && n < 1024);
	return n;
}

/* Inserts a fresh page at slot and returns it. */
static gpa_t
put(struct vm_object *o, size_t slot)
{
	gpa_t pa;

	ATF_REQUIRE((pa = vm_page_alloc()) != 0);
	ATF_REQUIRE_EQ(vm_object_insert(o, slot, pa), 0);
	return pa;
}

ATF_TC_WITHOUT_HEAD(sparse__64g_costs_what_is_resident);
ATF_TC_BODY(sparse__64g_costs_what_is_resident, tc)
{
	const size_t slots[3] = { 0, G64 / 2 + 5, G64 - 1 };
	struct vm_object *o;
	size_t node, empty, s;
	gpa_t pa[3], g;
	int i;

	setup();
	node = node_bytes();
	ATF_REQUIRE_EQ(meta_bytes(), 0);

	/* Reserving 64 GiB costs the object header only. */
	ATF_REQUIRE((o = vm_object_anon(G64)) != NULL);
	empty = meta_bytes();
	ATF_REQUIRE(empty < 128);
	ATF_REQUIRE_EQ(o->height, 4); /* 64^4 = 16M slots */
	ATF_REQUIRE(o->root == NULL);

	for (i = 0; i < 3; i++)
		pa[i] = put(o, slots[i]);
	ATF_REQUIRE_EQ(o->resident, 3);
	/* One root, then at most one node per level per page. */
	ATF_REQUIRE(meta_bytes() - empty <= (1 + 3 * 3) * node);
	ATF_REQUIRE_MSG(meta_bytes() < 8192, "%zu bytes", meta_bytes());
	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(vm_object_lookup(o, slots[i]), pa[i]);
	ATF_REQUIRE_EQ(vm_object_lookup(o, 1), 0);
	ATF_REQUIRE_EQ(vm_object_lookup(o, G64 / 2 + 4), 0);
	ATF_REQUIRE_EQ(vm_object_lookup(o, G64 - 2), 0);
	ATF_REQUIRE_EQ(vm_object_lookup(o, G64), 0); /* past the end */
	ATF_REQUIRE_EQ(vm_object_insert(o, G64, pa[0]), -EINVAL);

	/* Iteration finds exactly the resident slots, in order. */
	for (i = 0, s = 0; vm_object_next(o, &s, G64, &g); s++, i++) {
		ATF_REQUIRE(i < 3);
		ATF_REQUIRE_EQ(s, slots[i]);
		ATF_REQUIRE_EQ(g, pa[i]);
	}
	ATF_REQUIRE_EQ(i, 3);
	s = 1;
	ATF_REQUIRE(!vm_object_next(o, &s, G64 / 2 + 5, &g));

	/* Freeing all 64 GiB frees the pages and every node. */
	ATF_REQUIRE_EQ(pages_used(), 3);
	vm_object_free_range(o, 0, G64);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(o->resident, 0);
	ATF_REQUIRE(o->root == NULL);
	ATF_REQUIRE_EQ(meta_bytes(), empty);
	vm_object_unref(o);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

/* The largest object (2^48 slots, 1 EiB): walks that went slot by slot
 * would not end before the test's timeout. */
ATF_TC_WITHOUT_HEAD(sparse__walks_skip_empty_subtrees);
ATF_TC_BODY(sparse__walks_skip_empty_subtrees, tc)
{
	const size_t n = VM_OBJECT_MAXPAGES;
	struct vm_object *o;
	size_t s = 0;
	gpa_t a, b, g;

	setup();
	ATF_REQUIRE(vm_object_anon(n + 1) == NULL);
	ATF_REQUIRE((o = vm_object_anon(n)) != NULL);
	ATF_REQUIRE_EQ(o->height, 8);
	a = put(o, 12345);
	b = put(o, n - 1);
	ATF_REQUIRE(vm_object_next(o, &s, n, &g) && s == 12345 && g == a);
	s++;
	ATF_REQUIRE(vm_object_next(o, &s, n, &g) && s == n - 1 && g == b);
	s++;
	ATF_REQUIRE(!vm_object_next(o, &s, n, &g));
	vm_object_free_range(o, 1, n - 2); /* leaves the last slot */
	ATF_REQUIRE_EQ(vm_object_lookup(o, 12345), 0);
	ATF_REQUIRE_EQ(vm_object_lookup(o, n - 1), b);
	ATF_REQUIRE_EQ(pages_used(), 1);
	vm_object_unref(o);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(free_range__only_the_range);
ATF_TC_BODY(free_range__only_the_range, tc)
{
	struct vm_object *o;
	size_t s, node, before;
	gpa_t far;

	setup();
	node = node_bytes();
	ATF_REQUIRE((o = vm_object_anon(G64)) != NULL);
	/* Slots 100-163 straddle the leaves [64, 128) and [128, 192). */
	for (s = 100; s < 164; s++)
		put(o, s);
	far = put(o, 1 << 20);
	ATF_REQUIRE_EQ(o->resident, 65);

	vm_object_free_range(o, 120, 30);
	ATF_REQUIRE_EQ(o->resident, 35);
	ATF_REQUIRE_EQ(pages_used(), 35);
	for (s = 100; s < 164; s++)
		ATF_REQUIRE_EQ(vm_object_lookup(o, s) != 0, s < 120 || s >= 150);

	/* Emptying the leaf [64, 128) frees that node and nothing else. */
	before = meta_bytes();
	vm_object_free_range(o, 64, 64);
	ATF_REQUIRE_EQ(meta_bytes(), before - node);
	ATF_REQUIRE_EQ(vm_object_lookup(o, 1 << 20), far);
	ATF_REQUIRE_EQ(o->resident, 15);

	/* A range past the end, or of nothing resident, is harmless. */
	vm_object_free_range(o, G64 - 10, 1000);
	vm_object_free_range(o, G64 + 10, 10);
	vm_object_free_range(o, 2 << 20, 1 << 20);
	ATF_REQUIRE_EQ(o->resident, 15);
	vm_object_unref(o);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(append__moves_pages);
ATF_TC_BODY(append__moves_pages, tc)
{
	struct vm_object *dst, *src;
	gpa_t d1, d3, s5, s10, slast;

	setup();
	ATF_REQUIRE((dst = vm_object_anon(4)) != NULL);
	ATF_REQUIRE((src = vm_object_anon(G64)) != NULL);
	d1 = put(dst, 1);
	d3 = put(dst, 3);
	put(src, 2); /* before the range: stays */
	s5 = put(src, 5);
	s10 = put(src, 10);
	slast = put(src, G64 - 1);
	ATF_REQUIRE_EQ(dst->height, 1);

	ATF_REQUIRE_EQ(vm_object_append(dst, src, 5, G64 - 5), 0);
	ATF_REQUIRE_EQ(dst->npages, 4 + G64 - 5);
	ATF_REQUIRE(dst->height >= 4);
	ATF_REQUIRE_EQ(dst->resident, 5);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 1), d1);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 3), d3);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 4), s5);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 9), s10);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 4 + G64 - 6), slast);
	ATF_REQUIRE_EQ(vm_object_lookup(src, 5), 0);
	ATF_REQUIRE_EQ(vm_object_lookup(src, G64 - 1), 0);
	ATF_REQUIRE_EQ(src->resident, 1);

	/* The moved pages are dst's: freeing src frees only its own. */
	ATF_REQUIRE_EQ(pages_used(), 6);
	vm_object_unref(src);
	ATF_REQUIRE_EQ(pages_used(), 5);
	vm_object_unref(dst);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(limit__insert_enomem_unchanged);
ATF_TC_BODY(limit__insert_enomem_unchanged, tc)
{
	struct vm_meta_stats st;
	struct vm_object *o, *small;
	size_t node, base;
	gpa_t pa;

	setup();
	node = node_bytes();
	ATF_REQUIRE((o = vm_object_anon(G64)) != NULL);
	base = meta_bytes();
	/* The first page of a height-4 object needs 4 nodes: give it 3. */
	vm_meta_set_limit(base + 3 * node);
	ATF_REQUIRE((pa = vm_page_alloc()) != 0);
	ATF_REQUIRE_EQ(vm_object_insert(o, 77, pa), -ENOMEM);
	ATF_REQUIRE(o->root == NULL);
	ATF_REQUIRE_EQ(o->resident, 0);
	ATF_REQUIRE_EQ(meta_bytes(), base);
	vm_meta_stats(&st);
	ATF_REQUIRE_EQ(st.denied, 1);
	ATF_REQUIRE_EQ(st.limit, base + 3 * node);
	ATF_REQUIRE((small = vm_object_anon(1)) != NULL); /* a header fits */
	vm_object_unref(small);

	vm_meta_set_limit(base + 4 * node);
	ATF_REQUIRE_EQ(vm_object_insert(o, 77, pa), 0);
	ATF_REQUIRE_EQ(vm_object_lookup(o, 77), pa);
	/* Its neighbour needs no node; a far slot does. */
	put(o, 78);
	ATF_REQUIRE_EQ(o->resident, 2);
	ATF_REQUIRE_EQ(meta_bytes(), base + 4 * node);
	ATF_REQUIRE((pa = vm_page_alloc()) != 0);
	ATF_REQUIRE_EQ(vm_object_insert(o, G64 - 1, pa), -ENOMEM);
	vm_page_free(pa);
	vm_meta_set_limit(0);
	vm_object_unref(o);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(limit__append_all_or_nothing);
ATF_TC_BODY(limit__append_all_or_nothing, tc)
{
	struct vm_object *dst, *src;
	size_t node, base;
	gpa_t d0, s0, s1;

	setup();
	node = node_bytes();
	ATF_REQUIRE((dst = vm_object_anon(64)) != NULL);
	ATF_REQUIRE((src = vm_object_anon(G64)) != NULL);
	d0 = put(dst, 0);
	s0 = put(src, 0);
	s1 = put(src, G64 - 1);
	/* Room for growing dst's tree, not for the moved pages' leaves. */
	base = meta_bytes();
	vm_meta_set_limit(base + 4 * node);
	ATF_REQUIRE_EQ(vm_object_append(dst, src, 0, G64), -ENOMEM);
	ATF_REQUIRE_EQ(dst->npages, 64);
	ATF_REQUIRE_EQ(dst->resident, 1);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 0), d0);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 64), 0);
	ATF_REQUIRE_EQ(src->resident, 2);
	ATF_REQUIRE_EQ(vm_object_lookup(src, 0), s0);
	ATF_REQUIRE_EQ(vm_object_lookup(src, G64 - 1), s1);

	vm_meta_set_limit(0);
	ATF_REQUIRE_EQ(vm_object_append(dst, src, 0, G64), 0);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 64), s0);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 64 + G64 - 1), s1);
	vm_object_unref(src);
	vm_object_unref(dst);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(meta__peak_and_limit);
ATF_TC_BODY(meta__peak_and_limit, tc)
{
	struct vm_meta_stats st;
	void *a, *b;

	vm_meta_stats(&st);
	ATF_REQUIRE_EQ(st.bytes, 0);
	ATF_REQUIRE_EQ(st.limit, 0);
	ATF_REQUIRE((a = vm_meta_alloc(1000)) != NULL);
	ATF_REQUIRE((b = vm_meta_alloc(3000)) != NULL);
	vm_meta_free(a, 1000);
	vm_meta_stats(&st);
	ATF_REQUIRE_EQ(st.bytes, 3000);
	ATF_REQUIRE_EQ(st.peak, 4000);
	vm_meta_set_limit(4000);
	ATF_REQUIRE(vm_meta_alloc(1001) == NULL);
	ATF_REQUIRE(vm_meta_alloc((size_t)-1) == NULL);
	ATF_REQUIRE((a = vm_meta_alloc(1000)) != NULL);
	vm_meta_stats(&st);
	ATF_REQUIRE_EQ(st.bytes, 4000);
	ATF_REQUIRE_EQ(st.denied, 2);
	vm_meta_free(a, 1000);
	vm_meta_free(b, 3000);
	vm_meta_free(NULL, 0);
	vm_meta_stats(&st);
	ATF_REQUIRE_EQ(st.bytes, 0);
	ATF_REQUIRE_EQ(st.peak, 4000);
}

ATF_TC_WITHOUT_HEAD(move__to_a_slot_all_or_nothing);
ATF_TC_BODY(move__to_a_slot_all_or_nothing, tc)
{
	struct vm_object *src, *dst;
	gpa_t a, b;
	size_t meta;

	setup();
	ATF_REQUIRE((src = vm_object_anon(G64)) != NULL);
	ATF_REQUIRE((dst = vm_object_anon(G64)) != NULL);
	a = put(src, 10);
	b = put(src, G64 / 2);
	ATF_REQUIRE_EQ(vm_object_move(dst, 5, src, 10, G64 / 2 - 9), 0);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 5), a);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 5 + G64 / 2 - 10), b);
	ATF_REQUIRE_EQ(src->resident, 0);
	ATF_REQUIRE_EQ(dst->resident, 2);
	ATF_REQUIRE_EQ(vm_object_move(dst, G64 - 1, src, 0, 2), -EINVAL);
	ATF_REQUIRE_EQ(vm_object_move(dst, 0, dst, 0, 1), -EINVAL);
	/* Past the limit: both as they were. */
	meta = meta_bytes();
	vm_meta_set_limit(meta);
	ATF_REQUIRE_EQ(vm_object_move(src, G64 / 4, dst, 0, G64 / 2), -ENOMEM);
	vm_meta_set_limit(0);
	ATF_REQUIRE_EQ(meta_bytes(), meta);
	ATF_REQUIRE_EQ(vm_object_lookup(dst, 5), a);
	ATF_REQUIRE_EQ(src->resident, 0);
	vm_object_unref(src);
	vm_object_unref(dst);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(extend__grows_keeping_pages);
ATF_TC_BODY(extend__grows_keeping_pages, tc)
{
	struct vm_object *o;
	gpa_t a;

	setup();
	ATF_REQUIRE((o = vm_object_anon(4)) != NULL);
	a = put(o, 3);
	ATF_REQUIRE_EQ(vm_object_extend(o, 2), 0); /* never shrinks */
	ATF_REQUIRE_EQ(o->npages, 4);
	ATF_REQUIRE_EQ(vm_object_extend(o, G64), 0);
	ATF_REQUIRE_EQ(o->npages, G64);
	ATF_REQUIRE(o->height > 1);
	ATF_REQUIRE_EQ(vm_object_lookup(o, 3), a);
	ATF_REQUIRE_EQ(vm_object_lookup(o, G64 - 1), 0);
	put(o, G64 - 1);
	ATF_REQUIRE_EQ(vm_object_extend(o, VM_OBJECT_MAXPAGES + 1), -ENOMEM);
	ATF_REQUIRE_EQ(o->npages, G64);
	vm_object_unref(o);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(cow_copy__shares_pages);
ATF_TC_BODY(cow_copy__shares_pages, tc)
{
	struct vm_object *o, *c;
	gpa_t a, b;
	size_t meta, nb;

	setup();
	ATF_REQUIRE((o = vm_object_anon(G64)) != NULL);
	a = put(o, 7);
	b = put(o, G64 - 1);
	ATF_REQUIRE((c = vm_object_cow_copy(o, 4, G64 - 4)) != NULL);
	ATF_REQUIRE_EQ(c->npages, G64 - 4);
	ATF_REQUIRE_EQ(c->resident, 2);
	ATF_REQUIRE_EQ(vm_object_lookup(c, 3), a);
	ATF_REQUIRE_EQ(vm_object_lookup(c, G64 - 5), b);
	ATF_REQUIRE_EQ(vm_page_refcount(a), 2);
	ATF_REQUIRE_EQ(pages_used(), 2);
	/* Each object drops its own reference. */
	vm_object_unref(o);
	ATF_REQUIRE_EQ(pages_used(), 2);
	ATF_REQUIRE_EQ(vm_page_refcount(a), 1);
	/* Past the limit, at the first page or after it: NULL, and no
	 * reference is left behind. */
	nb = node_bytes();
	meta = meta_bytes();
	vm_meta_set_limit(meta + sizeof(struct vm_object) + 100);
	ATF_REQUIRE(vm_object_cow_copy(c, 0, G64 - 4) == NULL);
	ATF_REQUIRE_EQ(vm_page_refcount(a), 1);
	vm_meta_set_limit(meta + sizeof(struct vm_object) + 5 * nb);
	ATF_REQUIRE(vm_object_cow_copy(c, 0, G64 - 4) == NULL);
	vm_meta_set_limit(0);
	ATF_REQUIRE_EQ(meta_bytes(), meta);
	ATF_REQUIRE_EQ(vm_page_refcount(a), 1);
	ATF_REQUIRE_EQ(vm_page_refcount(b), 1);
	vm_object_unref(c);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, sparse__64g_costs_what_is_resident);
	ATF_TP_ADD_TC(tp, sparse__walks_skip_empty_subtrees);
	ATF_TP_ADD_TC(tp, free_range__only_the_range);
	ATF_TP_ADD_TC(tp, append__moves_pages);
	ATF_TP_ADD_TC(tp, limit__insert_enomem_unchanged);
	ATF_TP_ADD_TC(tp, limit__append_all_or_nothing);
	ATF_TP_ADD_TC(tp, meta__peak_and_limit);
	ATF_TP_ADD_TC(tp, move__to_a_slot_all_or_nothing);
	ATF_TP_ADD_TC(tp, extend__grows_keeping_pages);
	ATF_TP_ADD_TC(tp, cow_copy__shares_pages);
	return atf_no_error();
}
