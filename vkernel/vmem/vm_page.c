/* vm_page.c: the guest-physical memory image and its O(1) page allocator. */
#include <sys/mman.h>
#include <sys/sysinfo.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm.h"

#define MIN_IMAGE (1ULL << 20)

/*
 * Pages below `next` have been handed out at least once (or are reserved);
 * pages at or above it are fresh.  Freed pages go on a LIFO stack of page
 * numbers, so alloc and free are O(1) and set-up touches nothing.
 *
 * refs[pn] is the number of references to a page handed out now, 0 for a
 * free, fresh or reserved one: a page is mapped copy-on-write by several
 * address spaces after fork, and goes back to the free list with its last
 * reference.  Two bytes a page (0.05% of the image) in one array sized at
 * set-up, like the stack: calloc'd, so the host backs only the parts of it
 * that cover pages handed out, and a 16 TiB image costs nothing until used.
 * A uint16_t bounds the sharers of one page to 65535 (vm_page_ref() says
 * so and fork fails with ENOMEM), far beyond any guest's process count;
 * the array also replaces the old in-use bitmap (refs != 0).
 */
static struct {
	int fd;
	uint8_t *base;
	size_t size, npages;
	size_t next;       /* first fresh page number */
	size_t nreserved;  /* pages [0, nreserved) are reserved */
	bool allocated;    /* vm_page_alloc() has run: no more reserves */
	uint32_t *stack;   /* freed page numbers */
	size_t nstack;
	uint16_t *refs;    /* references per page, 0: not handed out */
	size_t used, peak;
	size_t prefaulted;  /* fresh pages below this were announced */
	void (*prefault)(void *, gpa_t, size_t);
	void *prefault_arg;
	size_t (*reclaim)(size_t want);
} phys = { .fd = -1 };

void
vm_phys_set_reclaim(size_t (*fn)(size_t want))
{
	phys.reclaim = fn;
}

void
vm_phys_set_prefault(void (*fn)(void *arg, gpa_t gpa, size_t len), void *arg)
{
	phys.prefault = fn;
	phys.prefault_arg = arg;
	phys.prefaulted = phys.next;
}

/* Prints n bytes as "12 GiB" or "1.5 MiB". */
static const char *
fmt_size(uint64_t n, char *buf, size_t len)
{
	static const char *unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

/* Refuses an image the host could never back with RAM and swap. */
static int
check_host(size_t size, char *why, size_t whylen)
{
	struct sysinfo si;
	char a[32], b[32], c[32];
	uint64_t ram, swap;

	if (sysinfo(&si) != 0)
		return 0; /* cannot tell: let the kernel decide later */
	ram = (uint64_t)si.totalram * si.mem_unit;
	swap = (uint64_t)si.totalswap * si.mem_unit;
	if (size <= ram + swap)
		return 0;
	snprintf(why, whylen, "host cannot back %s of guest memory "
	    "(host has %s RAM + %s swap)", fmt_size(size, a, sizeof(a)),
	    fmt_size(ram, b, sizeof(b)), fmt_size(swap, c, sizeof(c)));
	return -1;
}

int
vm_phys_init(size_t size, const char *path, char *why, size_t whylen)
{
	char a[32];
	void *p;
	int fd;

	if (phys.base != NULL) {
		snprintf(why, whylen, "memory image already set up");
		return -1;
	}
	if (size < MIN_IMAGE) {
		snprintf(why, whylen, "memory size %zu bytes is below the "
		    "1 MiB minimum", size);
		return -1;
	}
	if (size % PAGE_SIZE != 0) {
		snprintf(why, whylen, "memory size %zu bytes is not a multiple "
		    "of the %llu-byte page", size, PAGE_SIZE);
		return -1;
	}
	if (check_host(size, why, whylen) != 0)
		return -1;
	if (size / PAGE_SIZE > UINT32_MAX) {
		snprintf(why, whylen, "memory size %s exceeds the 16 TiB limit",
		    fmt_size(size, a, sizeof(a)));
		return -1;
	}

	if (path == NULL)
		fd = memfd_create("vkernel-mem", MFD_CLOEXEC);
	else
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(why, whylen, "cannot create memory image %s: %s",
		    path ? path : "(memfd)", strerror(errno));
		return -1;
	}
	/* Sparse: the host backs a page only when the guest touches it. */
	if (ftruncate(fd, (off_t)size) != 0) {
		snprintf(why, whylen, "cannot size memory image to %zu bytes: "
		    "%s", size, strerror(errno));
		close(fd);
		return -1;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
	    fd, 0);
	if (p == MAP_FAILED) {
		snprintf(why, whylen, "cannot map memory image: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}

	phys.npages = size / PAGE_SIZE;
	phys.stack = malloc(phys.npages * sizeof(*phys.stack));
	phys.refs = calloc(phys.npages, sizeof(*phys.refs));
	if (phys.stack == NULL || phys.refs == NULL) {
		snprintf(why, whylen, "out of memory for the page allocator");
		free(phys.stack);
		free(phys.refs);
		munmap(p, size);
		close(fd);
		return -1;
	}
	phys.fd = fd;
	phys.base = p;
	phys.size = size;
	phys.next = phys.nreserved = 1; /* page 0 */
	phys.allocated = false;
	phys.nstack = phys.used = phys.peak = 0;
	return 0;
}

void
vm_phys_fini(void)
{
	if (phys.base == NULL)
		return;
	munmap(phys.base, phys.size);
	close(phys.fd);
	free(phys.stack);
	free(phys.refs);
	memset(&phys, 0, sizeof(phys));
	phys.fd = -1;
}

int
vm_phys_fd(void)
{
	return phys.fd;
}

size_t
vm_phys_size(void)
{
	return phys.size;
}

void *
vm_phys_hva(gpa_t gpa)
{
	if (phys.base == NULL || gpa >= phys.size)
		return NULL;
	return phys.base + gpa;
}

#define VM_RECLAIM_BATCH 64

gpa_t
vm_page_alloc(void)
{
	size_t pn;

	/* Out of pages: the page cache gives back what no one maps. */
	if (phys.nstack == 0 && phys.next >= phys.npages &&
	    (phys.reclaim == NULL || phys.reclaim(VM_RECLAIM_BATCH) == 0))
		return 0;
	if (phys.nstack > 0)
		pn = phys.stack[--phys.nstack];
	else if (phys.next < phys.npages)
		pn = phys.next++;
	else
		return 0;
	if (phys.prefault != NULL && pn >= phys.prefaulted) {
		size_t n = VM_PREFAULT_PAGES;

		if (n > phys.npages - pn)
			n = phys.npages - pn;
		phys.prefault(phys.prefault_arg, pn * PAGE_SIZE, n * PAGE_SIZE);
		phys.prefaulted = pn + n;
	}
	phys.allocated = true;
	phys.refs[pn] = 1;
	if (++phys.used > phys.peak)
		phys.peak = phys.used;
	memset(phys.base + pn * PAGE_SIZE, 0, PAGE_SIZE);
	return pn * PAGE_SIZE;
}

/*
 * The page number of gpa if it is handed out now; else (size_t)-1, after
 * one line saying that `who` refused it and why.
 */
static size_t
page_held(gpa_t gpa, const char *who)
{
	size_t pn = gpa / PAGE_SIZE;
	const char *bad = NULL;

	if (gpa % PAGE_SIZE != 0 || pn >= phys.npages)
		bad = "misaligned or out-of-range";
	else if (pn < phys.nreserved)
		bad = "reserved";
	else if (phys.refs[pn] == 0)
		bad = "free (double free)";
	if (bad == NULL)
		return pn;
	fprintf(stderr, "vkernel: %s: page 0x%llx is %s: refused\n", who,
	    (unsigned long long)gpa, bad);
	return (size_t)-1;
}

int
vm_page_free(gpa_t gpa)
{
	size_t pn = page_held(gpa, "vm_page_free");

	if (pn == (size_t)-1)
		return -EINVAL;
	if (--phys.refs[pn] > 0)
		return 0;
	phys.stack[phys.nstack++] = (uint32_t)pn;
	phys.used--;
	return 0;
}

int
vm_page_ref(gpa_t gpa)
{
	size_t pn = page_held(gpa, "vm_page_ref");

	if (pn == (size_t)-1)
		return -EINVAL;
	if (phys.refs[pn] == UINT16_MAX)
		return -EOVERFLOW;
	phys.refs[pn]++;
	return 0;
}

unsigned
vm_page_refcount(gpa_t gpa)
{
	size_t pn = gpa / PAGE_SIZE;

	if (gpa % PAGE_SIZE != 0 || pn >= phys.npages || phys.refs == NULL)
		return 0;
	return phys.refs[pn];
}

gpa_t
vm_page_reserve(size_t n)
{
	gpa_t gpa = phys.next * PAGE_SIZE;

	if (phys.allocated || n == 0 || n > phys.npages - phys.next)
		return 0;
	phys.next += n;
	phys.nreserved = phys.next;
	return gpa;
}

void
vm_page_stats(struct vm_page_stats *st)
{
	st->total = phys.npages;
	st->reserved = phys.npages ? phys.nreserved : 0;
	st->used = phys.used;
	st->free = st->total - st->reserved - st->used;
	st->peak = phys.peak;
}
