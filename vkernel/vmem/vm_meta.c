/* vm_meta.c: byte budgets of host memory, and the VM metadata's: bytes of map entries, objects and radix nodes, with a limit. */
#include <stdlib.h>

#include "vm.h"

bool
vm_budget_charge(struct vm_budget *b, size_t n)
{
	if (b->limit != 0 && (n > b->limit || b->bytes > b->limit - n)) {
		b->denied++;
		return false;
	}
	b->bytes += n;
	if (b->bytes > b->peak)
		b->peak = b->bytes;
	return true;
}

void
vm_budget_uncharge(struct vm_budget *b, size_t n)
{
	b->bytes -= n;
}

static struct vm_budget meta;

void
vm_meta_set_limit(size_t bytes)
{
	meta.limit = bytes;
}

void *
vm_meta_alloc(size_t size)
{
	void *p;

	if (!vm_budget_charge(&meta, size))
		return NULL;
	if ((p = calloc(1, size)) == NULL)
		vm_budget_uncharge(&meta, size);
	return p;
}

void
vm_meta_free(void *p, size_t size)
{
	if (p == NULL)
		return;
	vm_budget_uncharge(&meta, size);
	free(p);
}

void
vm_meta_stats(struct vm_meta_stats *st)
{
	st->bytes = meta.bytes;
	st->peak = meta.peak;
	st->limit = meta.limit;
	st->denied = meta.denied;
}
