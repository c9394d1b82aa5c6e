/* copyio.c: copyin/copyout: every guest pointer checked against the guest's own map; a system call's scratch and bounce buffers. */

#include <errno.h>
#include <string.h>

#include "vkernel.h"
#include "kmem.h"

/*
 * Returns the host address of guest address va for an access of kind
 * `access`, faulting the page in as the guest would; NULL when the guest
 * may not make that access (-EFAULT to it).  With force, page protections
 * are ignored (the loader writes read-only segments).
 */
static void *
guest_hva(struct vmspace *vm, gva_t va, int access, bool force, int *err)
{
	gpa_t pa;
	int prot;
	enum vm_fault_result r;

	if (va < vm->map.min || va >= vm->map.max) {
		*err = -EFAULT;
		return NULL;
	}
	if (!pmap_extract(vm->pmap, va, &pa, &prot) ||
	    (!force && (prot & access) != access)) {
		r = vm_fault(&vm->map, va, force ? KS_PROT_READ : access);
		if (r == VM_FAULT_OOM) {
			*err = -ENOMEM;
			return NULL;
		}
		if (r != VM_FAULT_OK ||
		    !pmap_extract(vm->pmap, va, &pa, &prot)) {
			*err = -EFAULT;
			return NULL;
		}
	}
	return vm_phys_hva(pa);
}

/* Walks [va, va+len) a page at a time, copying to or from buf: 0, -EFAULT
 * or -ENOMEM (out of guest memory). */
static int
copy_walk(struct vmspace *vm, gva_t va, void *buf, size_t len, bool out,
    bool force)
{
	char *b = buf;
	int err = 0;

	if (va + len < va)
		return -EFAULT;
	while (len > 0) {
		size_t n = PAGE_SIZE - (va & PAGE_MASK);
		char *h;

		if (n > len)
			n = len;
		h = guest_hva(vm, va, out ? KS_PROT_WRITE : KS_PROT_READ, force,
		    &err);
		if (h == NULL)
			return err == -ENOMEM ? -ENOMEM : -EFAULT;
		if (out)
			memcpy(h, b, n);
		else
			memcpy(b, h, n);
		va += n;
		b += n;
		len -= n;
	}
	return 0;
}

uint32_t *
copy_word(struct proc *p, gva_t va, bool write, int *err)
{
	uint32_t *w;

	*err = 0;
	if (va & 3) {
		*err = -EINVAL;
		return NULL;
	}
	w = guest_hva(p->vm, va, write ? KS_PROT_WRITE : KS_PROT_READ, false,
	    err);
	if (w == NULL) {
		if (*err == -ENOMEM)
			p->copy_oom = true;
		*err = -EFAULT;
	}
	return w;
}

/* A guest access that ran out of guest memory is -EFAULT here, and says
 * so in p->copy_oom: the trap loop then kills the guest, as the same
 * access from guest code would. */
static int
proc_copy(struct proc *p, gva_t va, void *buf, size_t len, bool out)
{
	int rc = copy_walk(p->vm, va, buf, len, out, false);

	if (rc == -ENOMEM) {
		p->copy_oom = true;
		rc = -EFAULT;
	}
	return rc;
}

int
copyin(struct proc *p, void *dst, gva_t src, size_t len)
{
	return proc_copy(p, src, dst, len, false);
}

int
copyout(struct proc *p, gva_t dst, const void *src, size_t len)
{
	return proc_copy(p, dst, (void *)src, len, true);
}

int
vm_copyout(struct vmspace *vm, gva_t dst, const void *src, size_t len)
{
	return copy_walk(vm, dst, (void *)src, len, true, false);
}

int
vm_copyout_force(struct vmspace *vm, gva_t dst, const void *src, size_t len)
{
	return copy_walk(vm, dst, (void *)src, len, true, true);
}

bool
user_range(gva_t va, size_t len)
{
	return va <= KS_USER_MAX && len <= KS_USER_MAX - va;
}

/* How many bytes from va on (at most len) the guest may access with
 * prot, faulting pages in as it goes. */
static size_t
access_prefix(struct proc *p, gva_t va, size_t len, int prot)
{
	size_t done = 0;
	int err;

	while (done < len) {
		size_t n = PAGE_SIZE - ((va + done) & PAGE_MASK);

		if (guest_hva(p->vm, va + done, prot, false, &err) == NULL)
			break;
		done += n;
	}
	return done < len ? done : len;
}

size_t
writable_prefix(struct proc *p, gva_t va, size_t len)
{
	return access_prefix(p, va, len, KS_PROT_WRITE);
}

size_t
readable_prefix(struct proc *p, gva_t va, size_t len)
{
	return access_prefix(p, va, len, KS_PROT_READ);
}

long
copyinstr(struct proc *p, char *dst, gva_t src, size_t max)
{
	size_t i = 0;
	int err = 0;

	while (i < max) {
		size_t n = PAGE_SIZE - ((src + i) & PAGE_MASK);
		const char *h, *nul;

		if (n > max - i)
			n = max - i;
		h = guest_hva(p->vm, src + i, KS_PROT_READ, false, &err);
		if (h == NULL)
			return -EFAULT;
		nul = memchr(h, '\0', n);
		memcpy(dst + i, h, nul ? (size_t)(nul - h) + 1 : n);
		if (nul)
			return (long)(i + (nul - h));
		i += n;
	}
	return -ENAMETOOLONG;
}

/* ---- scratch memory of a system call ---- */

void *
copy_scratch(struct proc *p, size_t n)
{
	void *b;

	if (p->nscratch == VK_SCRATCH)
		return NULL;
	b = n == KMEM_BUF ? kmem_buf_get() : kmem_alloc(n);
	if (b == NULL)
		return NULL;
	p->scratch[p->nscratch].buf = b;
	p->scratch[p->nscratch++].len = n;
	return b;
}

void
copy_scratch_release(struct proc *p)
{
	while (p->nscratch > 0) {
		struct vk_scratch *s = &p->scratch[--p->nscratch];

		if (s->len == KMEM_BUF)
			kmem_buf_put(s->buf);
		else
			kmem_free(s->buf, s->len);
	}
}

void *
copy_bounce(struct proc *p, char *small, size_t *len)
{
	void *b = copy_scratch(p, KMEM_BUF);

	*len = b != NULL ? KMEM_BUF : KMEM_SMALL;
	return b != NULL ? b : small;
}
