/* vm_page_test.c: the memory image and the page allocator. */
#include <sys/stat.h>

#include <atf-c.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "vm.h"

#define MIB (1024 * 1024)

static void
setup(size_t size, const char *path)
{
	char why[256] = "";

	ATF_REQUIRE_MSG(vm_phys_init(size, path, why, sizeof(why)) == 0,
	    "vm_phys_init: %s", why);
}

ATF_TC_WITHOUT_HEAD(init__too_small_refused);
ATF_TC_BODY(init__too_small_refused, tc)
{
	char why[256] = "";

	ATF_REQUIRE_EQ(vm_phys_init(512 * 1024, NULL, why, sizeof(why)), -1);
	ATF_REQUIRE_MSG(strstr(why, "1 MiB") != NULL, "why: %s", why);
	ATF_REQUIRE_EQ(vm_phys_size(), 0);
}

ATF_TC_WITHOUT_HEAD(init__unaligned_refused);
ATF_TC_BODY(init__unaligned_refused, tc)
{
	char why[256] = "";

	ATF_REQUIRE_EQ(vm_phys_init(MIB + 100, NULL, why, sizeof(why)), -1);
	ATF_REQUIRE_MSG(strstr(why, "multiple") != NULL, "why: %s", why);
}

ATF_TC_WITHOUT_HEAD(init__absurd_size_refused);
ATF_TC_BODY(init__absurd_size_refused, tc)
{
	char why[256] = "";

	ATF_REQUIRE_EQ(vm_phys_init(1ULL << 50, NULL, why, sizeof(why)), -1);
	ATF_REQUIRE_MSG(strstr(why, "host cannot back 1 PiB") != NULL,
	    "why: %s", why);
}

ATF_TC_WITHOUT_HEAD(init__twice_refused);
ATF_TC_BODY(init__twice_refused, tc)
{
	char why[256] = "";

	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_phys_init(MIB, NULL, why, sizeof(why)), -1);
	ATF_REQUIRE(why[0] != '\0');
	vm_phys_fini();
	setup(2 * MIB, NULL);
	ATF_REQUIRE_EQ(vm_phys_size(), 2 * MIB);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(init__file_backing);
ATF_TC_BODY(init__file_backing, tc)
{
	struct stat st;
	char buf[6] = "";
	gpa_t pa;

	setup(2 * MIB, "mem.img");
	ATF_REQUIRE_EQ(stat("mem.img", &st), 0);
	ATF_REQUIRE_EQ(st.st_size, 2 * MIB);
	ATF_REQUIRE_EQ(st.st_mode & 0777, 0600);
	ATF_REQUIRE(vm_phys_fd() >= 0);

	/* What the vkernel writes through its mapping is in the file. */
	ATF_REQUIRE((pa = vm_page_alloc()) != 0);
	memcpy(vm_phys_hva(pa), "hello", 6);
	ATF_REQUIRE_EQ(pread(vm_phys_fd(), buf, 6, (off_t)pa), 6);
	ATF_REQUIRE_STREQ(buf, "hello");
	vm_phys_fini();
	ATF_REQUIRE_EQ(vm_phys_fd(), -1);
}

ATF_TC_WITHOUT_HEAD(hva__bounds);
ATF_TC_BODY(hva__bounds, tc)
{
	setup(MIB, NULL);
	ATF_REQUIRE(vm_phys_hva(0) != NULL);
	ATF_REQUIRE_EQ((char *)vm_phys_hva(MIB - 1) - (char *)vm_phys_hva(0),
	    MIB - 1);
	ATF_REQUIRE(vm_phys_hva(MIB) == NULL);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(alloc__accounting);
ATF_TC_BODY(alloc__accounting, tc)
{
	struct vm_page_stats st;
	gpa_t a, b, c;

	setup(MIB, NULL);
	vm_page_stats(&st);
	ATF_REQUIRE_EQ(st.total, 256);
	ATF_REQUIRE_EQ(st.reserved, 1);
	ATF_REQUIRE_EQ(st.free, 255);
	ATF_REQUIRE_EQ(st.used, 0);

	a = vm_page_alloc();
	b = vm_page_alloc();
	c = vm_page_alloc();
	ATF_REQUIRE(a && b && c && a != b && b != c && a != c);
	vm_page_free(b);
	vm_page_stats(&st);
	ATF_REQUIRE_EQ(st.used, 2);
	ATF_REQUIRE_EQ(st.peak, 3);
	ATF_REQUIRE_EQ(st.free, 253);

	/* Freed pages come back first. */
	ATF_REQUIRE_EQ(vm_page_alloc(), b);
	vm_page_free(a);
	vm_page_free(b);
	vm_page_free(c);
	vm_page_stats(&st);
	ATF_REQUIRE_EQ(st.used, 0);
	ATF_REQUIRE_EQ(st.peak, 3);
	ATF_REQUIRE_EQ(st.free, 255);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(alloc__exhaustion_returns_zero);
ATF_TC_BODY(alloc__exhaustion_returns_zero, tc)
{
	static unsigned char seen[256];
	struct vm_page_stats st;
	gpa_t pa;
	int i;

	setup(MIB, NULL);
	for (i = 0; i < 255; i++) {
		pa = vm_page_alloc();
		ATF_REQUIRE(pa != 0 && pa % PAGE_SIZE == 0 && pa < MIB);
		ATF_REQUIRE(!seen[pa / PAGE_SIZE]);
		seen[pa / PAGE_SIZE] = 1;
	}
	ATF_REQUIRE_EQ(vm_page_alloc(), 0);
	vm_page_stats(&st);
	ATF_REQUIRE_EQ(st.free, 0);
	ATF_REQUIRE_EQ(st.used, 255);

	vm_page_free(42 * PAGE_SIZE);
	ATF_REQUIRE_EQ(vm_page_alloc(), 42 * PAGE_SIZE);
	ATF_REQUIRE_EQ(vm_page_alloc(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(alloc__zero_fill);
ATF_TC_BODY(alloc__zero_fill, tc)
{
	unsigned char *p;
	gpa_t pa;
	size_t i;

	setup(MIB, NULL);
	pa = vm_page_alloc();
	memset(vm_phys_hva(pa), 0xa5, PAGE_SIZE);
	vm_page_free(pa);
	ATF_REQUIRE_EQ(vm_page_alloc(), pa);
	p = vm_phys_hva(pa);
	for (i = 0; i < PAGE_SIZE; i++)
		ATF_REQUIRE_EQ(p[i], 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(reserve__contiguous_after_page_zero);
ATF_TC_BODY(reserve__contiguous_after_page_zero, tc)
{
	struct vm_page_stats st;
	gpa_t pa;
	int i;

	setup(MIB, NULL);
	ATF_REQUIRE_EQ(vm_page_reserve(1000), 0);
	ATF_REQUIRE_EQ(vm_page_reserve(4), PAGE_SIZE);
	ATF_REQUIRE_EQ(vm_page_reserve(2), 5 * PAGE_SIZE);
	vm_page_stats(&st);
	ATF_REQUIRE_EQ(st.reserved, 7);
	ATF_REQUIRE_EQ(st.free, 249);
	for (i = 0; i < 249; i++) {
		pa = vm_page_alloc();
		ATF_REQUIRE(pa >= 7 * PAGE_SIZE);
	}
	ATF_REQUIRE_EQ(vm_page_alloc(), 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(reserve__refused_after_alloc);
ATF_TC_BODY(reserve__refused_after_alloc, tc)
{
	setup(MIB, NULL);
	vm_page_free(vm_page_alloc());
	ATF_REQUIRE_EQ(vm_page_reserve(1), 0);
	vm_phys_fini();
}

/* Checks a refused free changed nothing: the counts stay, and the free list
 * did not take the page (two allocations never return one page twice). */
static void
expect_refused(gpa_t pa, size_t used)
{
	struct vm_page_stats st;
	gpa_t a, b;

	ATF_REQUIRE_EQ(vm_page_free(pa), -EINVAL);
	vm_page_stats(&st);
	ATF_REQUIRE_EQ(st.used, used);
	a = vm_page_alloc();
	b = vm_page_alloc();
	ATF_REQUIRE(a != 0 && b != 0 && a != b);
}

ATF_TC_WITHOUT_HEAD(free__double_free_refused);
ATF_TC_BODY(free__double_free_refused, tc)
{
	gpa_t pa;

	setup(MIB, NULL);
	pa = vm_page_alloc();
	ATF_REQUIRE_EQ(vm_page_free(pa), 0);
	expect_refused(pa, 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(free__reserved_refused);
ATF_TC_BODY(free__reserved_refused, tc)
{
	setup(MIB, NULL);
	expect_refused(0, 0);
	vm_phys_fini();
}

ATF_TC_WITHOUT_HEAD(free__out_of_range_refused);
ATF_TC_BODY(free__out_of_range_refused, tc)
{
	setup(MIB, NULL);
	/* Past the image, far past it, and misaligned: none is taken. */
	expect_refused(MIB, 0);
	expect_refused(~0ULL & ~PAGE_MASK, 2);
	expect_refused(PAGE_SIZE + 1, 4);
	vm_phys_fini();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, init__too_small_refused);
	ATF_TP_ADD_TC(tp, init__unaligned_refused);
	ATF_TP_ADD_TC(tp, init__absurd_size_refused);
	ATF_TP_ADD_TC(tp, init__twice_refused);
	ATF_TP_ADD_TC(tp, init__file_backing);
	ATF_TP_ADD_TC(tp, hva__bounds);
	ATF_TP_ADD_TC(tp, alloc__accounting);
	ATF_TP_ADD_TC(tp, alloc__exhaustion_returns_zero);
	ATF_TP_ADD_TC(tp, alloc__zero_fill);
	ATF_TP_ADD_TC(tp, reserve__contiguous_after_page_zero);
	ATF_TP_ADD_TC(tp, reserve__refused_after_alloc);
	ATF_TP_ADD_TC(tp, free__double_free_refused);
	ATF_TP_ADD_TC(tp, free__reserved_refused);
	ATF_TP_ADD_TC(tp, free__out_of_range_refused);
	return atf_no_error();
}
