/* vm_object.c: anonymous vm objects, arrays of resident pages. */
#include <stdlib.h>

#include "vm.h"

struct vm_object *
vm_object_anon(size_t npages)
{
	struct vm_object *obj;

	if ((obj = malloc(sizeof(*obj))) == NULL)
		return NULL;
	/* calloc(0) may return NULL: always keep at least one slot. */
	if ((obj->pages = calloc(npages ? npages : 1, sizeof(gpa_t))) == NULL) {
		free(obj);
		return NULL;
	}
	obj->refs = 1;
	obj->npages = npages;
	return obj;
}

void
vm_object_ref(struct vm_object *obj)
{
	obj->refs++;
}

void
vm_object_unref(struct vm_object *obj)
{
	if (--obj->refs > 0)
		return;
	vm_object_free_range(obj, 0, obj->npages);
	free(obj->pages);
	free(obj);
}

void
vm_object_free_range(struct vm_object *obj, size_t first, size_t n)
{
	size_t i;

	for (i = first; i < first + n && i < obj->npages; i++) {
		if (obj->pages[i] != 0) {
			vm_page_free(obj->pages[i]);
			obj->pages[i] = 0;
		}
	}
}
