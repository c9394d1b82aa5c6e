/* vm_meta.c: the VM metadata budget: bytes of map entries, objects and radix nodes, with a limit. */
#include <stdlib.h>

#include "vm.h"

static struct vm_meta_stats meta;

void
vm_meta_set_limit(size_t bytes)
{
	meta.limit = bytes;
}

void *
vm_meta_alloc(size_t size)
{
	void *p;

	if (meta.limit != 0 &&
	    (size > meta.limit || meta.bytes > meta.limit - size)) {
		meta.denied++;
		return NULL;
	}
	if ((p = calloc(1, size)) == NULL)
		return NULL;
	meta.bytes += size;
	if (meta.bytes > meta.peak)
		meta.peak = meta.bytes;
	return p;
}

void
vm_meta_free(void *p, size_t size)
{
	if (p == NULL)
		return;
	meta.bytes -= size;
	free(p);
}

void
vm_meta_stats(struct vm_meta_stats *st)
{
	*st = meta;
}
