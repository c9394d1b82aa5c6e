/* vk_testlib.h: what the ATF-C unit tests share: a memory image set-up, page counts, and a fake ks_space that records what the pmap tells the shim. */
#ifndef VK_TESTLIB_H
#define VK_TESTLIB_H

#include <atf-c.h>
#include <string.h>

#include "kshim.h"
#include "vm.h"

/* A memory image of mem bytes (vm_phys_fini() undoes it). */
static inline void
phys_setup(size_t mem)
{
	char why[256] = "";

	ATF_REQUIRE_MSG(vm_phys_init(mem, NULL, why, sizeof(why)) == 0,
	    "vm_phys_init: %s", why);
}

/* Pages handed out now. */
static inline size_t
pages_used(void)
{
	struct vm_page_stats st;

	vm_page_stats(&st);
	return st.used;
}

/* Bytes of VM metadata in use now. */
static inline size_t
meta_bytes(void)
{
	struct vm_meta_stats st;

	vm_meta_stats(&st);
	return st.bytes;
}

/* ---- A fake ks_space that records what the pmap tells it ---- */
struct call {
	char op; /* 'm'ap, 'u'nmap, 'p'rotect */
	gva_t va;
	gpa_t pa;
	size_t len;
	int prot;
};

struct fake_space {
	struct ks_space_hdr hdr; /* first, as the shim requires */
	struct call calls[256];
	int ncalls;
	int nflush;
	int flush_ret;           /* what flush returns */
};

static inline void
fake_record(struct ks_space *sp, char op, gva_t va, gpa_t pa, size_t len,
    int prot)
{
	struct fake_space *fs = (struct fake_space *)sp;

	ATF_REQUIRE(fs->ncalls < 256);
	fs->calls[fs->ncalls++] = (struct call){ op, va, pa, len, prot };
}

static inline void
fake_map(struct ks_space *sp, gva_t va, gpa_t pa, size_t len, int prot)
{
	fake_record(sp, 'm', va, pa, len, prot);
}

static inline void
fake_unmap(struct ks_space *sp, gva_t va, size_t len)
{
	fake_record(sp, 'u', va, 0, len, 0);
}

static inline void
fake_protect(struct ks_space *sp, gva_t va, size_t len, int prot)
{
	fake_record(sp, 'p', va, 0, len, prot);
}

static inline int
fake_flush(struct ks_space *sp)
{
	struct fake_space *fs = (struct fake_space *)sp;

	fs->nflush++;
	return fs->flush_ret;
}

static const struct ks_ops fake_ops = {
	.name = "fake",
	.map = fake_map,
	.unmap = fake_unmap,
	.protect = fake_protect,
	.flush = fake_flush,
};

/* Call i was op on [va, va+len) with prot. */
static inline void
check_call(struct fake_space *fs, int i, char op, gva_t va, size_t len,
    int prot)
{
	ATF_REQUIRE(i < fs->ncalls);
	ATF_REQUIRE_EQ(fs->calls[i].op, op);
	ATF_REQUIRE_EQ(fs->calls[i].va, va);
	ATF_REQUIRE_EQ(fs->calls[i].len, len);
	ATF_REQUIRE_EQ(fs->calls[i].prot, prot);
}

#endif /* VK_TESTLIB_H */
