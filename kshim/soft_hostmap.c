/* soft_hostmap.c: the soft backend's own record of a stub's host mappings, checked against the host. */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "soft_hostmap.h"

/* libbsd's tree.h marks static functions __unused, which it leaves undefined. */
#define __unused __attribute__((__unused__))
#include <sys/tree.h>

/* PROCMAP_QUERY (Linux 6.11, <linux/fs.h>), spelled out for older headers. */
struct hm_procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset;
	uint64_t inode;
	uint32_t dev_major, dev_minor;
	uint32_t vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define HM_PROCMAP_QUERY _IOWR('f', 17, struct hm_procmap_query)
#define HM_QUERY_COVERING_OR_NEXT 0x10
#define HM_VMA_PROT 0x07 /* READABLE, WRITABLE, EXECUTABLE = PROT_* bits */

struct hm_node {
	RB_ENTRY(hm_node) rb;
	gva_t start, end;
	gpa_t gpa;        /* image offset of start */
	int prot;         /* host PROT_* */
};

static int
hm_cmp(const struct hm_node *a, const struct hm_node *b)
{
	return a->start < b->start ? -1 : a->start > b->start;
}

RB_HEAD(hm_tree, hm_node);
RB_GENERATE_STATIC(hm_tree, hm_node, rb, hm_cmp)
#undef __unused

struct soft_hostmap {
	struct hm_tree root;
	size_t count;
	int query;        /* PROCMAP_QUERY: 1 works, 0 untried, -1 absent */
};

struct soft_hostmap *
soft_hm_create(void)
{
	struct soft_hostmap *hm;

	if ((hm = calloc(1, sizeof(*hm))) == NULL)
		return NULL;
	RB_INIT(&hm->root);
	return hm;
}

void
soft_hm_clear(struct soft_hostmap *hm)
{
	struct hm_node *n, *next;

	RB_FOREACH_SAFE(n, hm_tree, &hm->root, next) {
		RB_REMOVE(hm_tree, &hm->root, n);
		free(n);
	}
	hm->count = 0;
}

void
soft_hm_destroy(struct soft_hostmap *hm)
{
	if (hm == NULL)
		return;
	soft_hm_clear(hm);
	free(hm);
}

size_t
soft_hm_count(const struct soft_hostmap *hm)
{
	return hm->count;
}

/* The range containing va, or NULL. */
static struct hm_node *
hm_find(struct soft_hostmap *hm, gva_t va)
{
	struct hm_node key = { .start = va }, *n;

	/* The last range starting at or below va. */
	if ((n = RB_NFIND(hm_tree, &hm->root, &key)) == NULL)
		n = RB_MAX(hm_tree, &hm->root);
	else if (n->start > va)
		n = RB_PREV(hm_tree, &hm->root, n);
	return n != NULL && n->start <= va && va < n->end ? n : NULL;
}

/* Splits the range containing va (strictly inside it) at va. */
static int
hm_split(struct soft_hostmap *hm, gva_t va)
{
	struct hm_node *n = hm_find(hm, va), *r;

	if (n == NULL || n->start == va)
		return 0;
	if ((r = malloc(sizeof(*r))) == NULL)
		return -ENOMEM;
	*r = *n;
	r->start = va;
	r->gpa = n->gpa + (va - n->start);
	n->end = va;
	RB_INSERT(hm_tree, &hm->root, r);
	hm->count++;
	return 0;
}

/* Merges n with its successor when the successor continues it. */
static bool
hm_merge_next(struct soft_hostmap *hm, struct hm_node *n)
{
	struct hm_node *s;

	if (n == NULL || (s = RB_NEXT(hm_tree, &hm->root, n)) == NULL)
		return false;
	if (n->end != s->start || n->prot != s->prot ||
	    n->gpa + (n->end - n->start) != s->gpa)
		return false;
	n->end = s->end;
	RB_REMOVE(hm_tree, &hm->root, s);
	free(s);
	hm->count--;
	return true;
}

/* First range ending above va. */
static struct hm_node *
hm_first_after(struct soft_hostmap *hm, gva_t va)
{
	struct hm_node key = { .start = va }, *n, *p;

	n = RB_NFIND(hm_tree, &hm->root, &key);
	p = n != NULL ? RB_PREV(hm_tree, &hm->root, n) :
	    RB_MAX(hm_tree, &hm->root);
	return p != NULL && p->end > va ? p : n;
}

int
soft_hm_unmap(struct soft_hostmap *hm, gva_t gva, size_t len)
{
	struct hm_node *n, *next;
	gva_t end = gva + len;
	int rc;

	if ((rc = hm_split(hm, gva)) != 0 || (rc = hm_split(hm, end)) != 0)
		return rc;
	for (n = hm_first_after(hm, gva); n != NULL && n->start < end;
	    n = next) {
		next = RB_NEXT(hm_tree, &hm->root, n);
		RB_REMOVE(hm_tree, &hm->root, n);
		free(n);
		hm->count--;
	}
	return 0;
}

int
soft_hm_map(struct soft_hostmap *hm, gva_t gva, size_t len, gpa_t gpa,
    int hprot)
{
	struct hm_node *n;
	int rc;

	if ((rc = soft_hm_unmap(hm, gva, len)) != 0)
		return rc;
	if ((n = malloc(sizeof(*n))) == NULL)
		return -ENOMEM;
	*n = (struct hm_node){ .start = gva, .end = gva + len, .gpa = gpa,
	    .prot = hprot };
	RB_INSERT(hm_tree, &hm->root, n);
	hm->count++;
	hm_merge_next(hm, n);
	hm_merge_next(hm, RB_PREV(hm_tree, &hm->root, n));
	return 0;
}

int
soft_hm_protect(struct soft_hostmap *hm, gva_t gva, size_t len, int hprot)
{
	struct hm_node *n, *prev;
	gva_t end = gva + len;
	int rc;

	if ((rc = hm_split(hm, gva)) != 0 || (rc = hm_split(hm, end)) != 0)
		return rc;
	n = hm_first_after(hm, gva);
	prev = n != NULL ? RB_PREV(hm_tree, &hm->root, n) : NULL;
	for (; n != NULL && n->start < end; n = RB_NEXT(hm_tree, &hm->root, n))
		n->prot = hprot;
	/* Merge from the range before gva through the one after end. */
	n = prev != NULL ? prev : hm_first_after(hm, gva);
	while (n != NULL && n->start <= end)
		if (!hm_merge_next(hm, n))
			n = RB_NEXT(hm_tree, &hm->root, n);
	return 0;
}

/*
 * Checks one host mapping [s, e) with host prot hprot and image offset off
 * of s, as far as it lies in [lo, hi), against the record.
 */
static int
hm_check(struct soft_hostmap *hm, gva_t s, gva_t e, int hprot, uint64_t off,
    gva_t lo, gva_t hi, char *why, size_t whylen)
{
	gva_t x = s > lo ? s : lo, stop = e < hi ? e : hi;
	struct hm_node *n;

	while (x < stop) {
		if ((n = hm_find(hm, x)) == NULL) {
			snprintf(why, whylen, "host still maps %#" PRIx64
			    " (prot %d), which was unmapped", x, hprot);
			return -1;
		}
		if ((hprot & ~n->prot) != 0) {
			snprintf(why, whylen, "host maps %#" PRIx64 " with "
			    "prot %d, more than the %d asked", x, hprot,
			    n->prot);
			return -1;
		}
		if (off + (x - s) != n->gpa + (x - n->start)) {
			snprintf(why, whylen, "host maps %#" PRIx64 " to image "
			    "offset %#" PRIx64 ", not %#" PRIx64, x,
			    off + (x - s), n->gpa + (x - n->start));
			return -1;
		}
		x = n->end < stop ? n->end : stop;
	}
	return 0;
}

/* Checks the lines of a maps text against the record. */
static int
hm_check_text(struct soft_hostmap *hm, char *buf, gva_t lo, gva_t hi,
    char *why, size_t whylen)
{
	char *line, *nl;

	for (line = buf; *line != '\0'; line = nl + 1) {
		unsigned long long s, e, off;
		char perms[8];
		int prot;

		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line) - 1;
		if (sscanf(line, "%llx-%llx %7s %llx", &s, &e, perms,
		    &off) != 4) {
			snprintf(why, whylen, "cannot parse the stub's maps");
			return -1;
		}
		if (e <= lo || s >= hi)
			continue;
		prot = (perms[0] == 'r' ? PROT_READ : 0) |
		    (perms[1] == 'w' ? PROT_WRITE : 0) |
		    (perms[2] == 'x' ? PROT_EXEC : 0);
		if (hm_check(hm, s, e, prot, off, lo, hi, why, whylen) != 0)
			return -1;
	}
	return 0;
}

/* The text of a stub's /proc/PID/maps, for the fallback: one buffer for
 * every stub (checks are made one at a time on the thread that runs
 * them), given back when a big read has left it over 1 MiB. */
static _Thread_local char *text;
static _Thread_local size_t textcap;

/* The fallback: the whole of /proc/PID/maps, line by line. */
static int
hm_verify_text(struct soft_hostmap *hm, int mapsfd, gva_t lo, gva_t hi,
    char *why, size_t whylen)
{
	size_t len = 0;
	ssize_t r;
	int rc;

	for (;;) {
		if (textcap - len < 65536) {
			char *b = realloc(text, textcap + 262144);

			if (b == NULL) {
				snprintf(why, whylen, "out of memory reading "
				    "the stub's maps");
				return -1;
			}
			text = b;
			textcap += 262144;
		}
		r = pread(mapsfd, text + len, textcap - len - 1, len);
		if (r < 0) {
			snprintf(why, whylen, "cannot read the stub's maps: %s",
			    strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		len += r;
	}
	text[len] = '\0';
	rc = hm_check_text(hm, text, lo, hi, why, whylen);
	if (textcap > (1u << 20)) {
		free(text);
		text = NULL;
		textcap = 0;
	}
	return rc;
}

int
soft_hm_verify(struct soft_hostmap *hm, int mapsfd, gva_t gva, size_t len,
    char *why, size_t whylen)
{
	struct hm_procmap_query q;
	gva_t x = gva, end = gva + len;

	while (hm->query >= 0 && x < end) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = HM_QUERY_COVERING_OR_NEXT;
		q.query_addr = x;
		if (ioctl(mapsfd, HM_PROCMAP_QUERY, &q) != 0) {
			if (errno == ENOENT)
				return 0; /* nothing mapped at or above x */
			if (errno == ENOTTY || errno == EINVAL ||
			    errno == EOPNOTSUPP) {
				/* Not a kernel (or a file) that answers. */
				if (hm->query == 0)
					hm->query = -1;
				return hm_verify_text(hm, mapsfd, gva, end,
				    why, whylen);
			}
			snprintf(why, whylen, "cannot ask the host about the "
			    "stub's mappings: %s", strerror(errno));
			return -1;
		}
		hm->query = 1;
		if (q.vma_start >= end)
			return 0;
		if (hm_check(hm, q.vma_start, q.vma_end,
		    (int)(q.vma_flags & HM_VMA_PROT), q.vma_offset, gva, end,
		    why, whylen) != 0)
			return -1;
		x = q.vma_end;
	}
	if (hm->query < 0)
		return hm_verify_text(hm, mapsfd, gva, end, why, whylen);
	return 0;
}
