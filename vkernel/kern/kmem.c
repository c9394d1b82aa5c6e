/* kmem.c: the guest kernel's own memory that guests drive, under a budget set from -m. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kmem.h"

static struct vm_budget kmem;

/* Freed KMEM_BUF buffers kept (charged) for the next bounce buffer or
 * pipe: one per system call would otherwise go back and forth to the
 * host allocator. */
#define BUF_CACHE 4
static void *bufs[BUF_CACHE];
static int nbufs;

void
kmem_set_limit(size_t bytes)
{
	kmem.limit = bytes;
}

bool
kmem_charge(size_t n)
{
	return vm_budget_charge(&kmem, n);
}

void
kmem_uncharge(size_t n)
{
	vm_budget_uncharge(&kmem, n);
}

size_t
kmem_avail(void)
{
	if (kmem.limit == 0)
		return SIZE_MAX;
	return kmem.bytes < kmem.limit ? kmem.limit - kmem.bytes : 0;
}

void *
kmem_alloc(size_t n)
{
	void *p;

	if (!kmem_charge(n))
		return NULL;
	if ((p = calloc(1, n ? n : 1)) == NULL)
		kmem_uncharge(n);
	return p;
}

void *
kmem_realloc(void *p, size_t old, size_t n)
{
	void *np;

	if (n > old && !kmem_charge(n - old))
		return NULL;
	if ((np = realloc(p, n ? n : 1)) == NULL) {
		if (n > old)
			kmem_uncharge(n - old);
		return NULL;
	}
	if (n < old)
		kmem_uncharge(old - n);
	return np;
}

void
kmem_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	kmem_uncharge(n);
	free(p);
}

void
kmem_stats(struct vm_budget *st)
{
	*st = kmem;
}

void *
kmem_buf_get(void)
{
	void *b;

	if (nbufs > 0)
		return bufs[--nbufs];
	if (!kmem_charge(KMEM_BUF))
		return NULL;
	if ((b = malloc(KMEM_BUF)) == NULL)
		kmem_uncharge(KMEM_BUF);
	return b;
}

void
kmem_buf_put(void *b)
{
	if (b == NULL)
		return;
	if (nbufs < BUF_CACHE) {
		bufs[nbufs++] = b;
		return;
	}
	kmem_free(b, KMEM_BUF);
}
