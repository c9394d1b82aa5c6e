/* vm_fork_test.c: copy-on-write fork, shared anonymous memory, mremap, mincore, msync. */
#include <atf-c.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"
#include "pmap.h"
#include "vk_testlib.h"

#define MIB  (1024 * 1024)
#define PG   PAGE_SIZE
#define BASE 0x400000ULL
#define RW   (KS_PROT_READ | KS_PROT_WRITE)
#define RO   KS_PROT_READ
#define RWX  (KS_PROT_READ | KS_PROT_WRITE | KS_PROT_EXEC)

/* ---- Helpers ---- */
/* An empty map with a pmap of its own (sp may be NULL). */
static void
map_new(struct vm_map *m, struct ks_space *sp)
{
	struct pmap *pm;

	ATF_REQUIRE((pm = pmap_create(sp)) != NULL);
	vm_map_init(m, pm, KS_USER_MIN, KS_USER_MAX);
}

/* Ends a map made by map_new(): its pages and tables go. */
static void
map_free(struct vm_map *m)
{
	vm_map_fini(m);
	ATF_REQUIRE_EQ(m->nentries, 0);
	ATF_REQUIRE_EQ(m->size, 0);
	pmap_destroy(m->pmap);
	m->pmap = NULL;
}

/* The gpa (page base) that m's pmap maps va to for an access, faulting as
 * the MMU would make the guest fault: only what the pmap allows is used. */
static gpa_t
guest_pa(struct vm_map *m, gva_t va, int access)
{
	gpa_t pa;
	int prot;

	if (!pmap_extract(m->pmap, va, &pa, &prot) ||
	    (prot & access) != access) {
		ATF_REQUIRE_EQ(vm_fault(m, va, access), VM_FAULT_OK);
		ATF_REQUIRE(pmap_extract(m->pmap, va, &pa, &prot));
		ATF_REQUIRE((prot & access) == access);
	}
	return trunc_page(pa);
}

static void
gwrite(struct vm_map *m, gva_t va, uint64_t v)
{
	*(uint64_t *)vm_phys_hva(guest_pa(m, va, KS_PROT_WRITE)) = v;
}

static uint64_t
gread(struct vm_map *m, gva_t va)
{
	return *(uint64_t *)vm_phys_hva(guest_pa(m, va, KS_PROT_READ));
}

/* The page in m's object for va, 0 if none. */
static gpa_t
obj_pa(struct vm_map *m, gva_t va)
{
	struct vm_map_entry *e = vm_map_lookup(m, va);

	ATF_REQUIRE(e != NULL);
	return vm_object_lookup(e->obj, e->offset + (va - e->start) / PG);
}

/* m's pmap prot for va, 0 if unmapped. */
static int
pmap_prot(struct vm_map *m, gva_t va)
{
	int prot;

	return pmap_extract(m->pmap, va, NULL, &prot) ? prot : 0;
}

/* ---- Physical page references ---- */
ATF_TC_WITHOUT_HEAD(page__refcount);
ATF_TC_BODY(page__refcount, tc)
{
	gpa_t a;

	phys_setup(MIB);
	ATF_REQUIRE((a = vm_page_alloc()) != 0);
	ATF_REQUIRE_EQ(vm_page_refcount(a), 1);
	ATF_REQUIRE_EQ(vm_page_ref(a), 0);
	ATF_REQUIRE_EQ(vm_page_refcount(a), 2);
	ATF_REQUIRE_EQ(vm_page_free(a), 0);
	ATF_REQUIRE_EQ(pages_used(), 1);
	ATF_REQUIRE_EQ(vm_page_free(a), 0);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(vm_page_refcount(a), 0);
	/* Bad pages are refused, as by vm_page_free. */
	ATF_REQUIRE_EQ(vm_page_free(a), -EINVAL);
	ATF_REQUIRE_EQ(vm_page_ref(a), -EINVAL);
	ATF_REQUIRE_EQ(vm_page_ref(0), -EINVAL);
	ATF_REQUIRE_EQ(vm_page_ref(a + 1), -EINVAL);
	ATF_REQUIRE_EQ(vm_page_ref(MIB), -EINVAL);
	ATF_REQUIRE_EQ(pages_used(), 0);

	/* At most 65535 references. */
	ATF_REQUIRE((a = vm_page_alloc()) != 0);
	while (vm_page_refcount(a) < 65535)
		ATF_REQUIRE_EQ(vm_page_ref(a), 0);
	ATF_REQUIRE_EQ(vm_page_ref(a), -EOVERFLOW);
	while (vm_page_refcount(a) > 0)
		ATF_REQUIRE_EQ(vm_page_free(a), 0);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

/* ---- Fork ---- */
ATF_TC_WITHOUT_HEAD(fork__separate_data);
ATF_TC_BODY(fork__separate_data, tc)
{
	struct vm_map p, c;
	gpa_t pa;
	size_t used;
	gva_t va;

	phys_setup(4 * MIB);
	map_new(&p, NULL);
	map_new(&c, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE, 8 * PG, RW, 0, false), 0);
	for (va = BASE; va < BASE + 8 * PG; va += PG)
		gwrite(&p, va, va);
	ATF_REQUIRE_EQ(vm_map_fork(&c, &p), 0);
	ATF_REQUIRE_EQ(c.nentries, 1);
	ATF_REQUIRE_EQ(c.size, 8 * PG);
	for (va = BASE; va < BASE + 8 * PG; va += PG) {
		ATF_REQUIRE_EQ(vm_page_refcount(obj_pa(&p, va)), 2);
		ATF_REQUIRE_EQ(pmap_prot(&p, va), RO);
		ATF_REQUIRE_EQ(gread(&c, va), va);
	}

	/* The parent writes: it gets a copy, the child keeps the old data. */
	used = pages_used();
	gwrite(&p, BASE, 111);
	ATF_REQUIRE_EQ(pages_used(), used + 1);
	ATF_REQUIRE_EQ(gread(&p, BASE), 111);
	ATF_REQUIRE_EQ(gread(&c, BASE), BASE);
	ATF_REQUIRE_EQ(pmap_prot(&p, BASE), RW);
	ATF_REQUIRE_EQ(vm_page_refcount(obj_pa(&p, BASE)), 1);
	ATF_REQUIRE_EQ(vm_page_refcount(obj_pa(&c, BASE)), 1);
	/* The child writes another page: same, the other way round. */
	gwrite(&c, BASE + PG, 222);
	ATF_REQUIRE_EQ(pages_used(), used + 2);
	ATF_REQUIRE_EQ(gread(&p, BASE + PG), BASE + PG);
	ATF_REQUIRE_EQ(gread(&c, BASE + PG), 222);
	/* The child holds the last reference to the old page 0: no copy, it
	 * just becomes writable. */
	pa = obj_pa(&c, BASE);
	ATF_REQUIRE_EQ(pmap_prot(&c, BASE), RO);
	gwrite(&c, BASE, 333);
	ATF_REQUIRE_EQ(obj_pa(&c, BASE), pa);
	ATF_REQUIRE_EQ(pages_used(), used + 2);
	ATF_REQUIRE_EQ(gread(&p, BASE), 111);
	ATF_REQUIRE_EQ(gread(&c, BASE), 333);

	map_free(&p);
	for (va = BASE; va < BASE + 8 * PG; va += PG)
		ATF_REQUIRE_EQ(gread(&c, va), va == BASE ? 333 :
		    va == BASE + PG ? 222 : va);
	map_free(&c);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(fork__readonly_sharing_until_written);
ATF_TC_BODY(fork__readonly_sharing_until_written, tc)
{
	struct vm_map p, c;
	size_t used;
	gva_t va;
	gpa_t pa;

	phys_setup(4 * MIB);
	map_new(&p, NULL);
	map_new(&c, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE, 64 * PG, RWX, 0, false), 0);
	for (va = BASE; va < BASE + 32 * PG; va += PG)
		gwrite(&p, va, va ^ 0x5a5a);
	used = pages_used();
	ATF_REQUIRE_EQ(vm_map_fork(&c, &p), 0);
	/* Nothing was copied, and the child's pmap is filled lazily. */
	ATF_REQUIRE_EQ(pmap_resident_count(c.pmap), 0);
	ATF_REQUIRE_EQ(pages_used(), used);
	for (va = BASE; va < BASE + 32 * PG; va += PG) {
		ATF_REQUIRE_EQ(gread(&c, va), va ^ 0x5a5a);
		ATF_REQUIRE(pmap_extract(c.pmap, va, &pa, NULL));
		ATF_REQUIRE_EQ(pa, obj_pa(&p, va));
		/* Read-only, exec kept. */
		ATF_REQUIRE_EQ(pmap_prot(&c, va), KS_PROT_READ | KS_PROT_EXEC);
		ATF_REQUIRE_EQ(pmap_prot(&p, va), KS_PROT_READ | KS_PROT_EXEC);
	}
	/* No copies on reads: only the child's page tables were added. */
	ATF_REQUIRE_EQ(pages_used(), used + pmap_table_count(c.pmap) - 1);
	/* Reads of untouched memory in the child zero-fill its own pages. */
	used = pages_used();
	ATF_REQUIRE_EQ(gread(&c, BASE + 40 * PG), 0);
	ATF_REQUIRE(obj_pa(&p, BASE + 40 * PG) == 0);
	ATF_REQUIRE_EQ(pages_used(), used + 1);

	/* One write copies one page. */
	used = pages_used();
	gwrite(&c, BASE + 3 * PG, 7);
	ATF_REQUIRE_EQ(pages_used(), used + 1);
	ATF_REQUIRE_EQ(gread(&p, BASE + 3 * PG), (BASE + 3 * PG) ^ 0x5a5a);
	ATF_REQUIRE_EQ(pmap_prot(&c, BASE + 3 * PG), RWX);
	map_free(&c);
	map_free(&p);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(fork__shared_anon_is_shared);
ATF_TC_BODY(fork__shared_anon_is_shared, tc)
{
	struct vm_map p, c, g;
	gva_t sh = BASE + 64 * PG;
	size_t used;

	phys_setup(4 * MIB);
	map_new(&p, NULL);
	map_new(&c, NULL);
	map_new(&g, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE, 4 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&p, sh, 4 * PG, RW, VM_ENTRY_SHARED,
	    false), 0);
	/* Adjacent private and shared entries never merge. */
	ATF_REQUIRE_EQ(vm_map_anon(&p, sh + 4 * PG, 4 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(p.nentries, 3);
	gwrite(&p, sh, 1);
	gwrite(&p, BASE, 10);
	ATF_REQUIRE_EQ(vm_map_fork(&c, &p), 0);
	ATF_REQUIRE_EQ(vm_map_lookup(&c, sh)->obj, vm_map_lookup(&p, sh)->obj);
	ATF_REQUIRE(vm_map_lookup(&c, sh)->flags & VM_ENTRY_SHARED);
	/* Shared pages stay writable in the parent and are not COW. */
	ATF_REQUIRE_EQ(pmap_prot(&p, sh), RW);
	ATF_REQUIRE_EQ(pmap_prot(&p, BASE), RO);
	ATF_REQUIRE_EQ(vm_page_refcount(obj_pa(&p, sh)), 1);

	used = pages_used();
	ATF_REQUIRE_EQ(gread(&c, sh), 1);
	gwrite(&c, sh, 2);
	ATF_REQUIRE_EQ(gread(&p, sh), 2);
	gwrite(&p, sh + PG, 3);   /* a page first touched after the fork */
	ATF_REQUIRE_EQ(gread(&c, sh + PG), 3);
	ATF_REQUIRE_EQ(pmap_prot(&c, sh), RW);
	/* A grandchild shares it too. */
	ATF_REQUIRE_EQ(vm_map_fork(&g, &c), 0);
	gwrite(&g, sh + 2 * PG, 4);
	ATF_REQUIRE_EQ(gread(&p, sh + 2 * PG), 4);
	ATF_REQUIRE_EQ(vm_map_lookup(&p, sh)->obj->refs, 3);

	/* MADV_DONTNEED and munmap in one map leave the data to the others. */
	ATF_REQUIRE_EQ(vm_map_dontneed(&c, sh, 4 * PG), 0);
	ATF_REQUIRE_EQ(gread(&c, sh), 2);
	ATF_REQUIRE_EQ(vm_map_remove(&p, sh, 4 * PG), 0);
	ATF_REQUIRE_EQ(gread(&g, sh), 2);
	ATF_REQUIRE_EQ(gread(&c, sh + PG), 3);
	map_free(&c);
	ATF_REQUIRE_EQ(gread(&g, sh + 2 * PG), 4);
	/* The private part stayed private. */
	ATF_REQUIRE_EQ(gread(&g, BASE), 10);
	gwrite(&g, BASE, 11);
	ATF_REQUIRE_EQ(gread(&p, BASE), 10);
	ATF_REQUIRE(pages_used() >= used);
	map_free(&g);
	map_free(&p);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(fork__write_protects_parent_per_run);
ATF_TC_BODY(fork__write_protects_parent_per_run, tc)
{
	struct fake_space fs = { .hdr.ops = &fake_ops };
	struct vm_map p, c;
	gva_t va;
	int n;

	phys_setup(4 * MIB);
	map_new(&p, (struct ks_space *)&fs);
	map_new(&c, NULL);
	/* [0, 8) RW with pages 0-2 and 5-7; [8, 12) RW (brk: an entry of its
	 * own) all resident; [12, 14) RO resident; [14, 16) shared. */
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE, 8 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE + 8 * PG, 4 * PG, RW,
	    VM_ENTRY_BRK, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE + 12 * PG, 2 * PG, RO, 0, false),
	    0);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE + 14 * PG, 2 * PG, RW,
	    VM_ENTRY_SHARED, false), 0);
	ATF_REQUIRE_EQ(p.nentries, 4);
	/* Downwards, so that no fault reads ahead. */
	for (va = BASE + 15 * PG; va >= BASE; va -= PG)
		if (va < BASE + 3 * PG || va >= BASE + 5 * PG)
			(void)guest_pa(&p, va, KS_PROT_READ);
	fs.ncalls = 0;
	n = fs.nflush;
	ATF_REQUIRE_EQ(vm_map_fork(&c, &p), 0);
	/* One request per run of resident pages, across entries. */
	ATF_REQUIRE_EQ(fs.ncalls, 2);
	check_call(&fs, 0, 'p', BASE, 3 * PG, RO);
	check_call(&fs, 1, 'p', BASE + 5 * PG, 7 * PG, RO);
	ATF_REQUIRE_EQ(fs.nflush, n + 1);
	ATF_REQUIRE_EQ(pmap_prot(&p, BASE + 14 * PG), RW);

	/* A write fault replaces the page: the old mapping goes first, and
	 * reaches the host before the shared page loses p's reference. */
	fs.ncalls = 0;
	n = fs.nflush;
	gwrite(&p, BASE + PG, 5);
	ATF_REQUIRE_EQ(fs.ncalls, 2);
	check_call(&fs, 0, 'u', BASE + PG, PG, 0);
	check_call(&fs, 1, 'm', BASE + PG, PG, RW);
	ATF_REQUIRE_EQ(fs.nflush, n + 1);
	/* The last holder's write is not a copy: no flush needed. */
	n = fs.nflush;
	map_free(&c);
	fs.ncalls = 0;
	gwrite(&p, BASE, 6);
	ATF_REQUIRE_EQ(fs.ncalls, 1);
	check_call(&fs, 0, 'm', BASE, PG, RW);
	ATF_REQUIRE_EQ(fs.nflush, n);
	map_free(&p);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(fork__mprotect_keeps_cow);
ATF_TC_BODY(fork__mprotect_keeps_cow, tc)
{
	struct vm_map p, c;
	size_t used;

	phys_setup(4 * MIB);
	map_new(&p, NULL);
	map_new(&c, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE, 4 * PG, RW, 0, false), 0);
	gwrite(&p, BASE, 1);
	gwrite(&p, BASE + PG, 2);
	ATF_REQUIRE_EQ(vm_map_fork(&c, &p), 0);
	gwrite(&c, BASE + PG, 20); /* p holds the last ref of its page 1 */
	ATF_REQUIRE_EQ(vm_map_protect(&p, BASE, 4 * PG, RO), 0);
	ATF_REQUIRE_EQ(vm_map_protect(&p, BASE, 4 * PG, RW), 0);
	/* Write is back only where p is the last holder. */
	ATF_REQUIRE_EQ(pmap_prot(&p, BASE), RO);
	ATF_REQUIRE_EQ(pmap_prot(&p, BASE + PG), RW);
	/* Also in the child, and for write-only. */
	ATF_REQUIRE_EQ(gread(&c, BASE), 1);
	ATF_REQUIRE_EQ(vm_map_protect(&c, BASE, PG, KS_PROT_WRITE), 0);
	ATF_REQUIRE_EQ(pmap_prot(&c, BASE), RO);
	used = pages_used();
	gwrite(&p, BASE, 10);
	ATF_REQUIRE_EQ(pages_used(), used + 1);
	ATF_REQUIRE_EQ(gread(&c, BASE), 1);
	ATF_REQUIRE_EQ(gread(&p, BASE + PG), 2);
	map_free(&p);
	map_free(&c);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(fork__dontneed_drops_own_reference);
ATF_TC_BODY(fork__dontneed_drops_own_reference, tc)
{
	struct vm_map p, c;
	size_t used;
	gpa_t pa;

	phys_setup(4 * MIB);
	map_new(&p, NULL);
	map_new(&c, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE, 4 * PG, RW, 0, false), 0);
	gwrite(&p, BASE, 1);
	ATF_REQUIRE_EQ(vm_map_fork(&c, &p), 0);
	pa = obj_pa(&p, BASE);
	used = pages_used();
	ATF_REQUIRE_EQ(vm_map_dontneed(&c, BASE, 4 * PG), 0);
	ATF_REQUIRE_EQ(pages_used(), used);
	ATF_REQUIRE_EQ(vm_page_refcount(pa), 1);
	ATF_REQUIRE_EQ(gread(&p, BASE), 1);
	ATF_REQUIRE_EQ(gread(&c, BASE), 0);
	/* The parent is the last holder: its write copies nothing. */
	used = pages_used();
	gwrite(&p, BASE, 2);
	ATF_REQUIRE_EQ(obj_pa(&p, BASE), pa);
	ATF_REQUIRE_EQ(pages_used(), used);
	map_free(&p);
	map_free(&c);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

#define GENS  10
#define GPAGES 16

ATF_TC_WITHOUT_HEAD(fork__generations_deep);
ATF_TC_BODY(fork__generations_deep, tc)
{
	static struct vm_map m[GENS + 1];
	uint64_t want[GENS + 1][GPAGES];
	int order[GENS + 1], g, i, k, seed, t;
	size_t meta0, resident;
	bool alive[GENS + 1];

	phys_setup(8 * MIB);
	for (seed = 1; seed <= 20; seed++) {
		srandom(seed);
		ATF_REQUIRE_EQ(pages_used(), 0);
		ATF_REQUIRE_EQ(meta_bytes(), 0);
		map_new(&m[0], NULL);
		ATF_REQUIRE_EQ(vm_map_anon(&m[0], BASE, GPAGES * PG, RW, 0,
		    false), 0);
		for (i = 0; i < GPAGES; i++) {
			want[0][i] = 1000 + i;
			gwrite(&m[0], BASE + i * PG, want[0][i]);
		}
		meta0 = 0;
		for (g = 1; g <= GENS; g++) {
			map_new(&m[g], NULL);
			ATF_REQUIRE_EQ(vm_map_fork(&m[g], &m[g - 1]), 0);
			memcpy(want[g], want[g - 1], sizeof(want[g]));
			/* Each generation writes a few pages, some in its
			 * parent too. */
			for (k = 0; k < 3; k++) {
				i = random() % GPAGES;
				want[g][i] = g * 100000 + seed * 100 + i;
				gwrite(&m[g], BASE + i * PG, want[g][i]);
				i = random() % GPAGES;
				want[g - 1][i] = g * 1000000 + i;
				gwrite(&m[g - 1], BASE + i * PG, want[g - 1][i]);
			}
			/* Metadata per map does not grow with depth. */
			if (g == 1)
				meta0 = meta_bytes();
			else
				ATF_REQUIRE(meta_bytes() <=
				    meta0 / 2 * (size_t)(g + 1) + 4096);
		}
		/* Each page resident in one object per map at most, and a
		 * page shared by all lineages at most GENS + 1 times. */
		for (g = 0, resident = 0; g <= GENS; g++)
			resident += vm_map_lookup(&m[g], BASE)->obj->resident;
		ATF_REQUIRE(resident <= (GENS + 1) * GPAGES);
		for (g = 0; g <= GENS; g++) {
			order[g] = g;
			alive[g] = true;
		}
		for (g = GENS; g > 0; g--) {
			k = random() % (g + 1);
			t = order[g];
			order[g] = order[k];
			order[k] = t;
		}
		for (t = 0; t <= GENS; t++) {
			for (g = 0; g <= GENS; g++)
				for (i = 0; alive[g] && i < GPAGES; i++)
					ATF_REQUIRE_EQ(gread(&m[g],
					    BASE + i * PG), want[g][i]);
			map_free(&m[order[t]]);
			alive[order[t]] = false;
		}
		ATF_REQUIRE_EQ(pages_used(), 0);
		ATF_REQUIRE_EQ(meta_bytes(), 0);
	}
	vm_phys_fini();
}

#define RMAPS  8
#define RPAGES 24

/* Random forks, writes, MADV_DONTNEEDs, munmaps and exits against a model
 * of what each map should read. */
ATF_TC_WITHOUT_HEAD(fork__random_against_model);
ATF_TC_BODY(fork__random_against_model, tc)
{
	static struct vm_map m[RMAPS];
	uint64_t want[RMAPS][RPAGES];
	bool alive[RMAPS], mapped[RMAPS][RPAGES];
	int seed, step, a, b, i, op;
	uint64_t v = 1;

	phys_setup(8 * MIB);
	for (seed = 1; seed <= 10; seed++) {
		srandom(seed * 7919);
		memset(alive, 0, sizeof(alive));
		map_new(&m[0], NULL);
		alive[0] = true;
		ATF_REQUIRE_EQ(vm_map_anon(&m[0], BASE, RPAGES * PG, RW, 0,
		    false), 0);
		for (i = 0; i < RPAGES; i++) {
			want[0][i] = 0;
			mapped[0][i] = true;
		}
		for (step = 0; step < 400; step++) {
			a = random() % RMAPS;
			i = random() % RPAGES;
			op = random() % 10;
			if (!alive[a])
				continue;
			if (op < 2) {           /* fork a into a free slot */
				for (b = 0; b < RMAPS && alive[b]; b++)
					;
				if (b == RMAPS)
					continue;
				map_new(&m[b], NULL);
				ATF_REQUIRE_EQ(vm_map_fork(&m[b], &m[a]), 0);
				alive[b] = true;
				memcpy(want[b], want[a], sizeof(want[b]));
				memcpy(mapped[b], mapped[a], sizeof(mapped[b]));
			} else if (op < 7) {    /* write */
				if (!mapped[a][i])
					continue;
				want[a][i] = v++;
				gwrite(&m[a], BASE + i * PG, want[a][i]);
			} else if (op < 8) {    /* MADV_DONTNEED */
				if (!mapped[a][i])
					continue;
				ATF_REQUIRE_EQ(vm_map_dontneed(&m[a],
				    BASE + i * PG, PG), 0);
				want[a][i] = 0;
			} else if (op < 9) {    /* munmap a page */
				ATF_REQUIRE_EQ(vm_map_remove(&m[a],
				    BASE + i * PG, PG), 0);
				mapped[a][i] = false;
			} else if (a != 0 || step > 300) { /* exit */
				map_free(&m[a]);
				alive[a] = false;
			}
			for (b = 0; b < RMAPS; b++)
				for (i = 0; alive[b] && i < RPAGES; i++)
					if (mapped[b][i])
						ATF_REQUIRE_EQ(gread(&m[b],
						    BASE + i * PG), want[b][i]);
		}
		for (a = 0; a < RMAPS; a++)
			if (alive[a])
				map_free(&m[a]);
		ATF_REQUIRE_EQ(pages_used(), 0);
		ATF_REQUIRE_EQ(meta_bytes(), 0);
	}
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(fork__metadata_limit);
ATF_TC_BODY(fork__metadata_limit, tc)
{
	struct vm_map p, c;
	size_t used, meta, limit;
	gva_t va;
	int r;

	phys_setup(4 * MIB);
	map_new(&p, NULL);
	map_new(&c, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE, 8 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE + 16 * PG, 8 * PG, RO, 0, false),
	    0);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE + (1ULL << 30), 8 * PG, RW, 0,
	    false), 0);
	for (va = BASE; va < BASE + 8 * PG; va += PG) {
		gwrite(&p, va, va);
		gwrite(&p, va + (1ULL << 30), va);
		(void)gread(&p, va + 16 * PG);
	}
	used = pages_used();
	meta = meta_bytes();
	/* Every limit below what the fork needs fails it whole. */
	for (limit = meta; ; limit += 8) {
		vm_meta_set_limit(limit);
		r = vm_map_fork(&c, &p);
		if (r == 0)
			break;
		ATF_REQUIRE_EQ(r, -ENOMEM);
		ATF_REQUIRE_EQ(c.nentries, 0);
		ATF_REQUIRE_EQ(c.size, 0);
		ATF_REQUIRE_EQ(meta_bytes(), meta);
		ATF_REQUIRE_EQ(pages_used(), used);
		for (va = BASE; va < BASE + 8 * PG; va += PG) {
			ATF_REQUIRE_EQ(vm_page_refcount(obj_pa(&p, va)), 1);
			ATF_REQUIRE_EQ(pmap_prot(&p, va), RW);
		}
	}
	vm_meta_set_limit(0);
	ATF_REQUIRE(limit > meta);
	ATF_REQUIRE_EQ(c.nentries, 3);
	ATF_REQUIRE_EQ(gread(&c, BASE + (1ULL << 30) + PG), BASE + PG);
	map_free(&c);

	/* Too many entries for dst: ENOMEM too. */
	map_new(&c, NULL);
	c.max_entries = 2;
	ATF_REQUIRE_EQ(vm_map_fork(&c, &p), -ENOMEM);
	ATF_REQUIRE_EQ(c.nentries, 0);
	ATF_REQUIRE_EQ(meta_bytes(), meta);
	/* dst must be empty. */
	c.max_entries = VM_MAP_MAX_ENTRIES;
	ATF_REQUIRE_EQ(vm_map_anon(&c, BASE, PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_fork(&c, &p), -EINVAL);
	map_free(&c);
	map_free(&p);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

/* ---- mremap ---- */
/* Fills [va, va+n pages) of m with stamps. */
static void
fill(struct vm_map *m, gva_t va, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		gwrite(m, va + i * PG, va + i * PG);
}

/* Checks that [to, to+n pages) holds the stamps fill(from) left. */
static void
check_fill(struct vm_map *m, gva_t to, gva_t from, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ATF_REQUIRE_EQ(gread(m, to + i * PG), from + i * PG);
}

ATF_TC_WITHOUT_HEAD(remap__grow_shrink_in_place);
ATF_TC_BODY(remap__grow_shrink_in_place, tc)
{
	struct vm_map m;
	gva_t out;

	phys_setup(4 * MIB);
	map_new(&m, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&m, BASE, 4 * PG, RW, 0, false), 0);
	fill(&m, BASE, 4);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 4 * PG, 8 * PG, 0, 0, &out), 0);
	ATF_REQUIRE_EQ(out, BASE);
	ATF_REQUIRE_EQ(m.nentries, 1);
	ATF_REQUIRE_EQ(m.size, 8 * PG);
	check_fill(&m, BASE, BASE, 4);
	ATF_REQUIRE_EQ(gread(&m, BASE + 7 * PG), 0);
	/* Lengths are rounded up. */
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 8 * PG, 2 * PG + 1, 0, 0, &out),
	    0);
	ATF_REQUIRE_EQ(m.size, 3 * PG);
	ATF_REQUIRE(vm_map_lookup(&m, BASE + 3 * PG) == NULL);
	check_fill(&m, BASE, BASE, 3);
	/* Growing again reads zero where the shrink dropped pages. */
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 3 * PG, 4 * PG, 0, 0, &out), 0);
	ATF_REQUIRE_EQ(gread(&m, BASE + 3 * PG), 0);
	/* Same size: nothing to do. */
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 4 * PG, 4 * PG, 0, 0, &out), 0);
	ATF_REQUIRE_EQ(out, BASE);

	/* Growing a piece of a split entry in place gives it an object of
	 * its own, the neighbour's data untouched. */
	ATF_REQUIRE_EQ(vm_map_anon(&m, BASE + 8 * PG, 4 * PG, RW, 0, false),
	    0);
	fill(&m, BASE + 8 * PG, 4);
	ATF_REQUIRE_EQ(vm_map_protect(&m, BASE + 8 * PG, 2 * PG, RO), 0);
	ATF_REQUIRE_EQ(vm_map_remove(&m, BASE + 10 * PG, PG), 0);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE + 8 * PG, 2 * PG, 3 * PG, 0, 0,
	    &out), 0);
	ATF_REQUIRE_EQ(out, BASE + 8 * PG);
	ATF_REQUIRE(vm_map_lookup(&m, BASE + 8 * PG)->obj !=
	    vm_map_lookup(&m, BASE + 11 * PG)->obj);
	check_fill(&m, BASE + 8 * PG, BASE + 8 * PG, 2);
	ATF_REQUIRE_EQ(gread(&m, BASE + 10 * PG), 0);
	check_fill(&m, BASE + 11 * PG, BASE + 11 * PG, 1);
	map_free(&m);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(remap__move);
ATF_TC_BODY(remap__move, tc)
{
	struct vm_map m;
	gva_t out, to = BASE + 256 * PG;

	phys_setup(4 * MIB);
	map_new(&m, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&m, BASE, 4 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&m, BASE + 4 * PG, PG, RO, 0, false), 0);
	fill(&m, BASE, 4);
	/* Blocked: ENOMEM without MAYMOVE, a move with it. */
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 4 * PG, 8 * PG, 0, 0, &out),
	    -ENOMEM);
	ATF_REQUIRE_EQ(m.size, 5 * PG);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 4 * PG, 8 * PG,
	    VM_REMAP_MAYMOVE, 0, &out), 0);
	ATF_REQUIRE(out != BASE);
	ATF_REQUIRE(vm_map_lookup(&m, BASE) == NULL);
	ATF_REQUIRE(pmap_extract(m.pmap, BASE, NULL, NULL) == false);
	ATF_REQUIRE_EQ(m.size, 9 * PG);
	check_fill(&m, out, BASE, 4);
	ATF_REQUIRE_EQ(gread(&m, out + 7 * PG), 0);
	ATF_REQUIRE_EQ(vm_map_lookup(&m, out)->prot, RW);

	/* FIXED: to a given place, replacing what was there, shrinking. */
	ATF_REQUIRE_EQ(vm_map_anon(&m, to, 2 * PG, RO, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_remap(&m, out, 8 * PG, 3 * PG,
	    VM_REMAP_MAYMOVE | VM_REMAP_FIXED, to, &out), 0);
	ATF_REQUIRE_EQ(out, to);
	ATF_REQUIRE_EQ(vm_map_lookup(&m, to)->prot, RW);
	ATF_REQUIRE_EQ(vm_map_lookup(&m, to)->end, to + 3 * PG);
	check_fill(&m, to, BASE, 3);
	ATF_REQUIRE_EQ(m.size, 4 * PG);

	/* The middle of an entry moves out: the rest stays. */
	ATF_REQUIRE_EQ(vm_map_anon(&m, BASE, 8 * PG, RW, 0, true), 0);
	fill(&m, BASE, 8);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE + 2 * PG, 2 * PG, 2 * PG,
	    VM_REMAP_MAYMOVE | VM_REMAP_FIXED, to + 32 * PG, &out), 0);
	check_fill(&m, to + 32 * PG, BASE + 2 * PG, 2);
	check_fill(&m, BASE, BASE, 2);
	check_fill(&m, BASE + 4 * PG, BASE + 4 * PG, 4);
	ATF_REQUIRE(vm_map_lookup(&m, BASE + 2 * PG) == NULL);
	map_free(&m);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(remap__errors);
ATF_TC_BODY(remap__errors, tc)
{
	struct vm_map m;
	gva_t out = 0;
	size_t meta;

	phys_setup(4 * MIB);
	map_new(&m, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&m, BASE, 4 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&m, BASE + 4 * PG, 4 * PG, RO, 0, false),
	    0);
	fill(&m, BASE, 4);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, PG, PG, 0x10, 0, &out),
	    -EINVAL);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, PG, PG, VM_REMAP_FIXED,
	    BASE + 64 * PG, &out), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE + 1, PG, PG, 0, 0, &out),
	    -EINVAL);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, PG, 0, 0, 0, &out), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 0, PG, 0, 0, &out), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, PG, 2 * PG,
	    VM_REMAP_MAYMOVE | VM_REMAP_FIXED, BASE + 64 * PG + 1, &out),
	    -EINVAL);
	/* FIXED onto the old range. */
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 2 * PG, 2 * PG,
	    VM_REMAP_MAYMOVE | VM_REMAP_FIXED, BASE + PG, &out), -EINVAL);
	/* Not one mapping: spans two entries, or unmapped. */
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 8 * PG, 8 * PG,
	    VM_REMAP_MAYMOVE, 0, &out), -EFAULT);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE + 64 * PG, PG, PG, 0, 0, &out),
	    -EFAULT);
	/* Cannot grow in place and may not move. */
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 4 * PG, 5 * PG, 0, 0, &out),
	    -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE, 2 * PG, 3 * PG, 0, 0, &out),
	    -ENOMEM);
	ATF_REQUIRE_EQ(m.nentries, 2);
	ATF_REQUIRE_EQ(m.size, 8 * PG);
	check_fill(&m, BASE, BASE, 4);

	/* Out of metadata for the splits of a move: nothing changed. */
	meta = meta_bytes();
	vm_meta_set_limit(meta);
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE + PG, PG, PG,
	    VM_REMAP_MAYMOVE | VM_REMAP_FIXED, BASE + 64 * PG, &out), -ENOMEM);
	vm_meta_set_limit(meta + sizeof(struct vm_map_entry));
	ATF_REQUIRE_EQ(vm_map_remap(&m, BASE + PG, PG, PG,
	    VM_REMAP_MAYMOVE | VM_REMAP_FIXED, BASE + 64 * PG, &out), -ENOMEM);
	vm_meta_set_limit(0);
	ATF_REQUIRE_EQ(meta_bytes(), meta);
	ATF_REQUIRE_EQ(m.nentries, 2);
	check_fill(&m, BASE, BASE, 4);
	map_free(&m);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(remap__cow_pages_move_along);
ATF_TC_BODY(remap__cow_pages_move_along, tc)
{
	struct vm_map p, c;
	gva_t out;
	size_t used;

	phys_setup(4 * MIB);
	map_new(&p, NULL);
	map_new(&c, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE, 4 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE + 4 * PG, PG, RO, 0, false), 0);
	fill(&p, BASE, 4);
	ATF_REQUIRE_EQ(vm_map_fork(&c, &p), 0);
	used = pages_used();
	ATF_REQUIRE_EQ(vm_map_remap(&c, BASE, 4 * PG, 6 * PG,
	    VM_REMAP_MAYMOVE, 0, &out), 0);
	ATF_REQUIRE_EQ(pages_used(), used);
	check_fill(&c, out, BASE, 4);
	ATF_REQUIRE_EQ(pmap_prot(&c, out), RO); /* still shared */
	gwrite(&c, out, 9);
	check_fill(&p, BASE, BASE, 4);
	ATF_REQUIRE_EQ(gread(&c, out), 9);
	map_free(&p);
	check_fill(&c, out + PG, BASE + PG, 3);
	map_free(&c);
	ATF_REQUIRE_EQ(pages_used(), 0);
	ATF_REQUIRE_EQ(meta_bytes(), 0);
	vm_phys_fini();
}

/* ---- mincore, msync ---- */
ATF_TC_WITHOUT_HEAD(mincore__resident_pages);
ATF_TC_BODY(mincore__resident_pages, tc)
{
	struct vm_map p, c;
	unsigned char vec[16];

	phys_setup(4 * MIB);
	map_new(&p, NULL);
	map_new(&c, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE, 4 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_anon(&p, BASE + 4 * PG, 4 * PG, RO, 0, false),
	    0);
	gwrite(&p, BASE + PG, 1);
	(void)gread(&p, BASE + 5 * PG);
	memset(vec, 0xff, sizeof(vec));
	ATF_REQUIRE_EQ(vm_map_mincore(&p, BASE, 8 * PG - 100, vec), 0);
	ATF_REQUIRE_EQ(vec[0], 0);
	ATF_REQUIRE_EQ(vec[1], 1);
	ATF_REQUIRE_EQ(vec[2], 0);
	ATF_REQUIRE_EQ(vec[5], 1);
	ATF_REQUIRE_EQ(vec[7], 0);
	ATF_REQUIRE_EQ(vec[8], 0xff); /* not written past the range */
	ATF_REQUIRE_EQ(vm_map_mincore(&p, BASE + 4 * PG, PG, vec), 0);
	ATF_REQUIRE_EQ(vec[0], 0);
	ATF_REQUIRE_EQ(vm_map_mincore(&p, BASE, 0, vec), 0);
	/* Shared copy-on-write pages are resident in the child too. */
	ATF_REQUIRE_EQ(vm_map_fork(&c, &p), 0);
	ATF_REQUIRE_EQ(vm_map_mincore(&c, BASE, 2 * PG, vec), 0);
	ATF_REQUIRE_EQ(vec[1], 1);
	ATF_REQUIRE_EQ(vm_map_dontneed(&c, BASE + PG, PG), 0);
	ATF_REQUIRE_EQ(vm_map_mincore(&c, BASE, 2 * PG, vec), 0);
	ATF_REQUIRE_EQ(vec[1], 0);
	/* Errors. */
	ATF_REQUIRE_EQ(vm_map_mincore(&p, BASE + 1, PG, vec), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_mincore(&p, BASE, 9 * PG, vec), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_mincore(&p, BASE - PG, 2 * PG, vec), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_mincore(&p, KS_USER_MAX - PG, 2 * PG, vec),
	    -ENOMEM);
	map_free(&p);
	map_free(&c);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(msync__checks);
ATF_TC_BODY(msync__checks, tc)
{
	struct vm_map m;

	phys_setup(MIB);
	map_new(&m, NULL);
	ATF_REQUIRE_EQ(vm_map_anon(&m, BASE, 4 * PG, RW, 0, false), 0);
	ATF_REQUIRE_EQ(vm_map_msync(&m, BASE, 4 * PG, VM_MS_SYNC), 0);
	ATF_REQUIRE_EQ(vm_map_msync(&m, BASE, 100, VM_MS_ASYNC |
	    VM_MS_INVALIDATE), 0);
	ATF_REQUIRE_EQ(vm_map_msync(&m, BASE, 0, 0), 0);
	ATF_REQUIRE_EQ(vm_map_msync(&m, BASE, PG, VM_MS_SYNC | VM_MS_ASYNC),
	    -EINVAL);
	ATF_REQUIRE_EQ(vm_map_msync(&m, BASE, PG, 0x8), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_msync(&m, BASE + 1, PG, 0), -EINVAL);
	ATF_REQUIRE_EQ(vm_map_msync(&m, BASE, 5 * PG, VM_MS_SYNC), -ENOMEM);
	ATF_REQUIRE_EQ(vm_map_msync(&m, BASE - PG, PG, VM_MS_SYNC), -ENOMEM);
	map_free(&m);
	ATF_REQUIRE_EQ(pages_used(), 0);
	vm_phys_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, page__refcount);
	ATF_TP_ADD_TC(tp, fork__separate_data);
	ATF_TP_ADD_TC(tp, fork__readonly_sharing_until_written);
	ATF_TP_ADD_TC(tp, fork__shared_anon_is_shared);
	ATF_TP_ADD_TC(tp, fork__write_protects_parent_per_run);
	ATF_TP_ADD_TC(tp, fork__mprotect_keeps_cow);
	ATF_TP_ADD_TC(tp, fork__dontneed_drops_own_reference);
	ATF_TP_ADD_TC(tp, fork__generations_deep);
	ATF_TP_ADD_TC(tp, fork__random_against_model);
	ATF_TP_ADD_TC(tp, fork__metadata_limit);
	ATF_TP_ADD_TC(tp, remap__grow_shrink_in_place);
	ATF_TP_ADD_TC(tp, remap__move);
	ATF_TP_ADD_TC(tp, remap__errors);
	ATF_TP_ADD_TC(tp, remap__cow_pages_move_along);
	ATF_TP_ADD_TC(tp, mincore__resident_pages);
	ATF_TP_ADD_TC(tp, msync__checks);
	return atf_no_error();
}
