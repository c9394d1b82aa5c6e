/* soft_hostmap_test.c: the soft backend's record of a stub's host mappings, and its check against what the host really maps. */
#include <atf-c.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "soft_hostmap.h"

#define PG   4096UL
#define BASE 0x100000000ULL
#define RW   (PROT_READ | PROT_WRITE)

ATF_TC_WITHOUT_HEAD(record__merges_like_the_host);
ATF_TC_BODY(record__merges_like_the_host, tc)
{
	struct soft_hostmap *hm;

	ATF_REQUIRE((hm = soft_hm_create()) != NULL);
	/* Contiguous in both address and image offset: one mapping. */
	ATF_REQUIRE_EQ(soft_hm_map(hm, BASE, 4 * PG, 0, RW), 0);
	ATF_REQUIRE_EQ(soft_hm_map(hm, BASE + 4 * PG, 4 * PG, 4 * PG, RW), 0);
	ATF_REQUIRE_EQ(soft_hm_count(hm), 1);
	/* A hole in the offsets, or another protection: separate. */
	ATF_REQUIRE_EQ(soft_hm_map(hm, BASE + 8 * PG, PG, 100 * PG, RW), 0);
	ATF_REQUIRE_EQ(soft_hm_map(hm, BASE + 9 * PG, PG, 101 * PG,
	    PROT_READ), 0);
	ATF_REQUIRE_EQ(soft_hm_count(hm), 3);
	/* Unmapping a page in the middle splits. */
	ATF_REQUIRE_EQ(soft_hm_unmap(hm, BASE + 2 * PG, PG), 0);
	ATF_REQUIRE_EQ(soft_hm_count(hm), 4);
	/* Protecting part of a mapping splits it; protecting back merges. */
	ATF_REQUIRE_EQ(soft_hm_protect(hm, BASE + 4 * PG, 2 * PG, PROT_READ),
	    0);
	ATF_REQUIRE_EQ(soft_hm_count(hm), 6); /* [0,2) [3,4) [4,6) [6,8) 8 9 */
	ATF_REQUIRE_EQ(soft_hm_protect(hm, BASE, 16 * PG, RW), 0);
	ATF_REQUIRE_EQ(soft_hm_count(hm), 3); /* [0,2) [3,8) [8,10) */
	/* Mapping over everything replaces it. */
	ATF_REQUIRE_EQ(soft_hm_map(hm, BASE, 10 * PG, 0, RW), 0);
	ATF_REQUIRE_EQ(soft_hm_count(hm), 1);
	ATF_REQUIRE_EQ(soft_hm_unmap(hm, 0, BASE + 64 * PG), 0);
	ATF_REQUIRE_EQ(soft_hm_count(hm), 0);
	/* Backwards single pages never merge. */
	for (int i = 99; i >= 0; i--)
		ATF_REQUIRE_EQ(soft_hm_map(hm, BASE + i * PG, PG, (99 - i) * PG,
		    RW), 0);
	ATF_REQUIRE_EQ(soft_hm_count(hm), 100);
	soft_hm_clear(hm);
	ATF_REQUIRE_EQ(soft_hm_count(hm), 0);
	soft_hm_destroy(hm);
}

/* Copies /proc/self/maps into a file: PROCMAP_QUERY fails on it, so
 * soft_hm_verify reads it as text (the path older kernels take). */
static int
maps_snapshot(void)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	ATF_REQUIRE((in = open("/proc/self/maps", O_RDONLY)) >= 0);
	ATF_REQUIRE((out = open("maps.txt", O_RDWR | O_CREAT | O_TRUNC,
	    0600)) >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ATF_REQUIRE_EQ(write(out, buf, n), n);
	close(in);
	return out;
}

/*
 * Checks one case both ways: the live maps (PROCMAP_QUERY where the kernel
 * has it) and a text snapshot.  want 0 = consistent, else the why[] must
 * contain want_why.
 */
static void
verify_both(struct soft_hostmap *hm, gva_t va, size_t len, int want,
    const char *want_why)
{
	char why[160] = "";
	int fd, snap;

	ATF_REQUIRE((fd = open("/proc/self/maps", O_RDONLY)) >= 0);
	snap = maps_snapshot();
	ATF_REQUIRE_EQ_MSG(soft_hm_verify(hm, fd, va, len, why, sizeof(why)),
	    want, "live: %s", why);
	if (want != 0)
		ATF_REQUIRE_MSG(strstr(why, want_why) != NULL, "live: %s", why);
	ATF_REQUIRE_EQ_MSG(soft_hm_verify(hm, snap, va, len, why,
	    sizeof(why)), want, "text: %s", why);
	if (want != 0)
		ATF_REQUIRE_MSG(strstr(why, want_why) != NULL, "text: %s", why);
	close(fd);
	close(snap);
}

ATF_TC_WITHOUT_HEAD(verify__against_the_host);
ATF_TC_BODY(verify__against_the_host, tc)
{
	struct soft_hostmap *hm;
	char *p;
	int mfd;

	ATF_REQUIRE((mfd = memfd_create("image", 0)) >= 0);
	ATF_REQUIRE_EQ(ftruncate(mfd, 64 * PG), 0);
	p = mmap(NULL, 16 * PG, RW, MAP_SHARED, mfd, 0);
	ATF_REQUIRE(p != MAP_FAILED);
	ATF_REQUIRE((hm = soft_hm_create()) != NULL);
	ATF_REQUIRE_EQ(soft_hm_map(hm, (gva_t)p, 16 * PG, 0, RW), 0);
	verify_both(hm, (gva_t)p, 16 * PG, 0, NULL);

	/* Recorded as unmapped, still mapped on the host: caught. */
	ATF_REQUIRE_EQ(soft_hm_unmap(hm, (gva_t)p + 3 * PG, PG), 0);
	verify_both(hm, (gva_t)p, 16 * PG, -1, "still maps");
	ATF_REQUIRE_EQ(munmap(p + 3 * PG, PG), 0);
	verify_both(hm, (gva_t)p, 16 * PG, 0, NULL);

	/* Recorded read-only, still writable on the host: caught. */
	ATF_REQUIRE_EQ(soft_hm_protect(hm, (gva_t)p, 3 * PG, PROT_READ), 0);
	verify_both(hm, (gva_t)p, 3 * PG, -1, "more than");
	ATF_REQUIRE_EQ(mprotect(p, 3 * PG, PROT_READ), 0);
	verify_both(hm, (gva_t)p, 16 * PG, 0, NULL);

	/* Mapped on the host at another image offset than recorded. */
	ATF_REQUIRE(mmap(p + 5 * PG, PG, RW, MAP_SHARED | MAP_FIXED, mfd,
	    40 * PG) == p + 5 * PG);
	verify_both(hm, (gva_t)p + 4 * PG, 4 * PG, -1, "image offset");
	ATF_REQUIRE_EQ(soft_hm_map(hm, (gva_t)p + 5 * PG, PG, 40 * PG, RW), 0);
	verify_both(hm, (gva_t)p, 16 * PG, 0, NULL);

	/* Recorded but not mapped on the host (a failed map): fine. */
	ATF_REQUIRE_EQ(munmap(p + 8 * PG, 2 * PG), 0);
	verify_both(hm, (gva_t)p, 16 * PG, 0, NULL);
	soft_hm_destroy(hm);
	munmap(p, 16 * PG);
	close(mfd);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, record__merges_like_the_host);
	ATF_TP_ADD_TC(tp, verify__against_the_host);
	return atf_no_error();
}
