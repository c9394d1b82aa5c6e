/* vm_file_test.c: the page cache: file objects by key, private layers with copy-on-write, shared dirty pages and write-back, coherence helpers, eviction, truncation, SIGBUS past the end. */
#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm.h"
#include "vk_testlib.h"

#define PG   PAGE_SIZE
#define BASE 0x400000ULL
#define RW   (KS_PROT_READ | KS_PROT_WRITE)
#define ALL  (KS_PROT_READ | KS_PROT_WRITE | KS_PROT_EXEC)

static struct vm_map map, map2;

static unsigned char
pat(size_t i)
{
	return (unsigned char)(i * 7 + i / PG);
}

/* A file of npages pages of pat() in the test's directory, open O_RDWR. */
static int
mkfile(const char *name, size_t npages)
{
	unsigned char *b = malloc(npages * PG);
	int fd;

	ATF_REQUIRE(b != NULL);
	for (size_t i = 0; i < npages * PG; i++)
		b[i] = pat(i);
	ATF_REQUIRE((fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0);
	ATF_REQUIRE(pwrite(fd, b, npages * PG, 0) == (ssize_t)(npages * PG));
	free(b);
	return fd;
}

/* The byte at va through the map's objects (its private layer first). */
static unsigned char *
at(struct vm_map *m, gva_t va)
{
	struct vm_map_entry *e = vm_map_lookup(m, va);
	gpa_t pa;

	ATF_REQUIRE(e != NULL);
	pa = vm_object_lookup(e->obj, e->offset + (va - e->start) / PG);
	ATF_REQUIRE(pa != 0);
	return (unsigned char *)vm_phys_hva(pa) + (va & PAGE_MASK);
}

static struct vm_object *
get(int fd, size_t npages)
{
	struct vm_object *o;
	int err = 0;

	ATF_REQUIRE_MSG((o = vm_file_get(fd, npages, &err)) != NULL,
	    "vm_file_get: %d", err);
	return o;
}

ATF_TC_WITHOUT_HEAD(key__one_object_per_file);
ATF_TC_BODY(key__one_object_per_file, tc)
{
	int fd = mkfile("f", 4), fd2, fd3 = mkfile("g", 1);
	struct vm_object *a, *b, *c;
	gpa_t g;

	(void)tc;
	phys_setup(1 << 20);
	ATF_REQUIRE((fd2 = open("f", O_RDONLY)) >= 0);
	a = get(fd, 4);
	b = get(fd2, 8);
	c = get(fd3, 1);
	ATF_REQUIRE(a == b && a != c);
	ATF_REQUIRE_EQ(a->refs, 2);
	ATF_REQUIRE(a->npages >= 8);
	ATF_REQUIRE_EQ(vm_file_count(), 2);
	ATF_REQUIRE_EQ(vm_file_page(a, 1, &g), 0);
	ATF_REQUIRE_EQ(*(unsigned char *)vm_phys_hva(g), pat(PG));
	/* Wholly past EOF: no page (SIGBUS to a fault), nothing cached. */
	ATF_REQUIRE_EQ(vm_file_page(a, 6, &g), -ENXIO);
	ATF_REQUIRE_EQ(vm_object_lookup(a, 6), 0);
	ATF_REQUIRE_EQ(pages_used(), 1);
	/* The file grows: the page reads what is there now. */
	ATF_REQUIRE(pwrite(fd, "late", 4, 6 * PG + 10) == 4);
	ATF_REQUIRE_EQ(vm_file_page(a, 6, &g), 0);
	ATF_REQUIRE(memcmp((char *)vm_phys_hva(g) + 10, "late", 4) == 0);
	ATF_REQUIRE_EQ(*(unsigned char *)vm_phys_hva(g), 0); /* the hole */
	ATF_REQUIRE_EQ(*((unsigned char *)vm_phys_hva(g) + 14), 0); /* EOF */
	vm_object_unref(a);
	vm_object_unref(b);
	vm_object_unref(c);
	ATF_REQUIRE_EQ(vm_file_count(), 0);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(private__cow_and_fork);
ATF_TC_BODY(private__cow_and_fork, tc)
{
	int fd = mkfile("f", 4);
	struct vm_object *o;
	unsigned char b;
	gpa_t cache;

	(void)tc;
	phys_setup(1 << 20);
	vm_map_init(&map, NULL, KS_USER_MIN, KS_USER_MAX);
	vm_map_init(&map2, NULL, KS_USER_MIN, KS_USER_MAX);
	o = get(fd, 4);
	ATF_REQUIRE_EQ(vm_map_file(&map, BASE, 4 * PG, RW, ALL, 0, false, o,
	    0), 0);
	vm_object_unref(o);
	ATF_REQUIRE_EQ(o->refs, 1);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + PG, KS_PROT_READ), VM_FAULT_OK);
	cache = vm_object_lookup(o, 1);
	ATF_REQUIRE(cache != 0);
	ATF_REQUIRE_EQ(vm_page_refcount(cache), 2); /* cache and layer */
	ATF_REQUIRE_EQ(*at(&map, BASE + PG + 3), pat(PG + 3));
	ATF_REQUIRE_EQ(vm_map_fork(&map2, &map), 0);
	ATF_REQUIRE_EQ(vm_page_refcount(cache), 3);
	ATF_REQUIRE_EQ(o->refs, 2);
	/* A write copies into the writer's layer only. */
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + PG, KS_PROT_WRITE), VM_FAULT_OK);
	*at(&map, BASE + PG + 3) = 0xee;
	ATF_REQUIRE_EQ(vm_page_refcount(cache), 2);
	ATF_REQUIRE_EQ(*at(&map2, BASE + PG + 3), pat(PG + 3));
	ATF_REQUIRE(pread(fd, &b, 1, PG + 3) == 1 && b == pat(PG + 3));
	/* A write to a page never read: straight to a copy. */
	ATF_REQUIRE_EQ(vm_fault(&map2, BASE + 2 * PG, KS_PROT_WRITE),
	    VM_FAULT_OK);
	ATF_REQUIRE_EQ(vm_page_refcount(vm_object_lookup(o, 2)), 1);
	ATF_REQUIRE_EQ(*at(&map2, BASE + 2 * PG), pat(2 * PG));
	/* Splits keep the backing offsets. */
	ATF_REQUIRE_EQ(vm_map_protect(&map, BASE + 2 * PG, PG, KS_PROT_READ),
	    0);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 3 * PG, KS_PROT_READ),
	    VM_FAULT_OK);
	ATF_REQUIRE_EQ(*at(&map, BASE + 3 * PG + 1), pat(3 * PG + 1));
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(o->refs, 1);
	vm_map_fini(&map2);
	ATF_REQUIRE_EQ(vm_file_count(), 0);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(shared__dirty_writeback);
ATF_TC_BODY(shared__dirty_writeback, tc)
{
	int fd = mkfile("f", 4);
	struct vm_object *o;
	char buf[8];

	(void)tc;
	phys_setup(1 << 20);
	vm_map_init(&map, NULL, KS_USER_MIN, KS_USER_MAX);
	vm_map_init(&map2, NULL, KS_USER_MIN, KS_USER_MAX);
	o = get(fd, 4);
	ATF_REQUIRE_EQ(vm_map_file(&map, BASE, 4 * PG, RW, ALL,
	    VM_ENTRY_SHARED, false, o, 0), 0);
	ATF_REQUIRE_EQ(vm_map_file(&map2, BASE, 2 * PG, RW, ALL,
	    VM_ENTRY_SHARED, false, o, 2), 0);
	vm_object_unref(o);
	ATF_REQUIRE_EQ(o->nshared, 2);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 2 * PG, KS_PROT_READ),
	    VM_FAULT_OK);
	ATF_REQUIRE(!vm_object_dirty(o, 2));
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 2 * PG, KS_PROT_WRITE),
	    VM_FAULT_OK);
	ATF_REQUIRE(vm_object_dirty(o, 2));
	memcpy(at(&map, BASE + 2 * PG + 8), "shared", 6);
	/* The other map sees the same page. */
	ATF_REQUIRE_EQ(vm_fault(&map2, BASE, KS_PROT_READ), VM_FAULT_OK);
	ATF_REQUIRE(memcmp(at(&map2, BASE + 8), "shared", 6) == 0);
	/* read(2) coherence before any write-back. */
	ATF_REQUIRE(pread(fd, buf, 6, 2 * PG + 8) == 6);
	ATF_REQUIRE(memcmp(buf, "shared", 6) != 0);
	vm_file_overlay(o, 2 * PG + 8, buf, 6);
	ATF_REQUIRE(memcmp(buf, "shared", 6) == 0);
	vm_file_update(o, 2 * PG + 20, "upd", 3);
	ATF_REQUIRE(memcmp(at(&map2, BASE + 20), "upd", 3) == 0);
	/* msync writes back; the page stays dirty while mapped shared. */
	ATF_REQUIRE_EQ(vm_map_msync(&map, BASE, 4 * PG, VM_MS_SYNC), 0);
	ATF_REQUIRE(pread(fd, buf, 6, 2 * PG + 8) == 6);
	ATF_REQUIRE(memcmp(buf, "shared", 6) == 0);
	ATF_REQUIRE(vm_object_dirty(o, 2));
	/* The last mapping writes back and cleans. */
	*at(&map2, BASE + 30) = 'Q';
	vm_map_fini(&map);
	ATF_REQUIRE_EQ(o->nshared, 1);
	vm_map_fini(&map2);
	ATF_REQUIRE(pread(fd, buf, 1, 2 * PG + 30) == 1 && buf[0] == 'Q');
	ATF_REQUIRE_EQ(vm_file_count(), 0);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

/* The unmapper over the tests' two maps. */
static void
unmap_both(struct vm_object *fobj, size_t first)
{
	vm_map_unmap_file(&map, fobj, first);
	vm_map_unmap_file(&map2, fobj, first);
}

ATF_TC_WITHOUT_HEAD(evict__file_larger_than_memory);
ATF_TC_BODY(evict__file_larger_than_memory, tc)
{
	int fd = mkfile("f", 1024);
	struct vm_object *o;
	struct vm_file_stats st;
	size_t i;

	(void)tc;
	phys_setup(1 << 20); /* 255 usable pages, a 1024-page file */
	vm_map_init(&map, NULL, KS_USER_MIN, KS_USER_MAX);
	vm_map_init(&map2, NULL, KS_USER_MIN, KS_USER_MAX);
	vm_file_set_unmapper(unmap_both);
	o = get(fd, 1024);
	ATF_REQUIRE_EQ(vm_map_file(&map, BASE, 1024 * PG, RW, ALL, 0, false,
	    o, 0), 0);
	vm_object_unref(o);
	for (int pass = 0; pass < 2; pass++)
		for (i = 0; i < 1024; i++) {
			ATF_REQUIRE_EQ_MSG(vm_fault(&map, BASE + i * PG,
			    KS_PROT_READ), VM_FAULT_OK, "page %zu", i);
			ATF_REQUIRE_EQ(*at(&map, BASE + i * PG + 5),
			    pat(i * PG + 5));
		}
	/* Private copies are never taken back: only the cache's pages. */
	ATF_REQUIRE_EQ(vm_fault(&map, BASE, KS_PROT_WRITE), VM_FAULT_OK);
	*at(&map, BASE) = 0x77;
	for (i = 1; i < 1024; i++)
		ATF_REQUIRE_EQ(vm_fault(&map, BASE + i * PG, KS_PROT_READ),
		    VM_FAULT_OK);
	ATF_REQUIRE_EQ(*at(&map, BASE), 0x77);
	vm_file_stats(&st);
	ATF_REQUIRE(st.evicted > 0);
	vm_map_fini(&map);
	vm_file_set_unmapper(NULL);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(truncate__drops_pages);
ATF_TC_BODY(truncate__drops_pages, tc)
{
	int fd = mkfile("f", 8);
	struct vm_object *o;
	struct vm_file_stats st, st0;
	unsigned char buf[PG];
	size_t i;

	(void)tc;
	phys_setup(1 << 20);
	vm_map_init(&map, NULL, KS_USER_MIN, KS_USER_MAX);
	vm_map_init(&map2, NULL, KS_USER_MIN, KS_USER_MAX);
	vm_file_set_unmapper(unmap_both);
	o = get(fd, 8);
	/* map: private, map2: shared, both over the whole file. */
	ATF_REQUIRE_EQ(vm_map_file(&map, BASE, 8 * PG, RW, ALL, 0, false, o,
	    0), 0);
	ATF_REQUIRE_EQ(vm_map_file(&map2, BASE, 8 * PG, RW, ALL,
	    VM_ENTRY_SHARED, false, o, 0), 0);
	vm_object_unref(o);
	for (i = 0; i < 8; i++)
		ATF_REQUIRE_EQ(vm_fault(&map2, BASE + i * PG, KS_PROT_READ),
		    VM_FAULT_OK);
	/* Private: a copy inside the new size (it stays), a copy past it
	 * and a cache page past it (both go). */
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 2 * PG, KS_PROT_WRITE),
	    VM_FAULT_OK);
	*at(&map, BASE + 2 * PG + 200) = 'p';
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 5 * PG, KS_PROT_WRITE),
	    VM_FAULT_OK);
	*at(&map, BASE + 5 * PG) = 'c';
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 7 * PG, KS_PROT_READ),
	    VM_FAULT_OK);
	/* Shared: the partial page and a page past the end, dirty. */
	ATF_REQUIRE_EQ(vm_fault(&map2, BASE + 2 * PG, KS_PROT_WRITE),
	    VM_FAULT_OK);
	*at(&map2, BASE + 2 * PG + 50) = 's';
	*at(&map2, BASE + 2 * PG + 300) = 't'; /* past the new end */
	ATF_REQUIRE_EQ(vm_fault(&map2, BASE + 6 * PG, KS_PROT_WRITE),
	    VM_FAULT_OK);
	*at(&map2, BASE + 6 * PG) = 'd';
	ATF_REQUIRE_EQ(pages_used(), 10); /* 8 cached, 2 private copies */
	vm_file_stats(&st0);

	ATF_REQUIRE(ftruncate(fd, 2 * PG + 100) == 0);
	vm_file_truncate(o, 2 * PG + 100);
	/* The cache keeps pages 0-2; the private copy of page 2 stays. */
	ATF_REQUIRE_EQ(o->resident, 3);
	ATF_REQUIRE_EQ(pages_used(), 4);
	vm_file_stats(&st);
	ATF_REQUIRE_EQ(st.pages, 3);
	for (i = 3; i < 8; i++)
		ATF_REQUIRE_EQ(vm_object_lookup(o, i), 0);
	ATF_REQUIRE_EQ(vm_object_lookup(vm_map_lookup(&map, BASE)->obj, 5), 0);
	ATF_REQUIRE_EQ(vm_object_lookup(vm_map_lookup(&map, BASE)->obj, 7), 0);
	ATF_REQUIRE_EQ(*at(&map, BASE + 2 * PG + 200), 'p');
	/* The partial page: its tail zero, still dirty (its head is new). */
	ATF_REQUIRE_EQ(*at(&map2, BASE + 2 * PG + 50), 's');
	ATF_REQUIRE_EQ(*at(&map2, BASE + 2 * PG + 300), 0);
	ATF_REQUIRE_EQ(*at(&map2, BASE + 2 * PG + 99), pat(2 * PG + 99));
	ATF_REQUIRE_EQ(*at(&map2, BASE + 2 * PG + 100), 0);
	ATF_REQUIRE(vm_object_dirty(o, 2));
	/* Past the end: SIGBUS, shared or private, read or write. */
	ATF_REQUIRE_EQ(vm_fault(&map2, BASE + 6 * PG, KS_PROT_READ),
	    VM_FAULT_SIGBUS);
	ATF_REQUIRE_EQ(vm_fault(&map2, BASE + 3 * PG, KS_PROT_WRITE),
	    VM_FAULT_SIGBUS);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 5 * PG, KS_PROT_READ),
	    VM_FAULT_SIGBUS);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 7 * PG, KS_PROT_WRITE),
	    VM_FAULT_SIGBUS);
	ATF_REQUIRE_EQ(pages_used(), 4);

	/* Grown again: the old bytes are gone everywhere. */
	ATF_REQUIRE(ftruncate(fd, 8 * PG) == 0);
	ATF_REQUIRE_EQ(vm_fault(&map2, BASE + 6 * PG, KS_PROT_READ),
	    VM_FAULT_OK);
	ATF_REQUIRE_EQ(*at(&map2, BASE + 6 * PG), 0);
	ATF_REQUIRE_EQ(vm_fault(&map, BASE + 5 * PG, KS_PROT_READ),
	    VM_FAULT_OK);
	ATF_REQUIRE_EQ(*at(&map, BASE + 5 * PG), 0);
	vm_map_fini(&map);
	vm_map_fini(&map2);
	/* Only the partial page was written back, and none of its tail. */
	vm_file_stats(&st);
	ATF_REQUIRE_EQ(st.writes - st0.writes, 1);
	ATF_REQUIRE(pread(fd, buf, PG, 2 * PG) == PG);
	ATF_REQUIRE_EQ(buf[50], 's');
	ATF_REQUIRE_EQ(buf[99], pat(2 * PG + 99));
	for (i = 100; i < PG; i++)
		ATF_REQUIRE_EQ_MSG(buf[i], 0, "byte %zu", i);
	ATF_REQUIRE(pread(fd, buf, PG, 6 * PG) == PG && buf[0] == 0);
	ATF_REQUIRE_EQ(vm_file_count(), 0);
	vm_file_set_unmapper(NULL);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, key__one_object_per_file);
	ATF_TP_ADD_TC(tp, private__cow_and_fork);
	ATF_TP_ADD_TC(tp, shared__dirty_writeback);
	ATF_TP_ADD_TC(tp, evict__file_larger_than_memory);
	ATF_TP_ADD_TC(tp, truncate__drops_pages);
	return atf_no_error();
}
