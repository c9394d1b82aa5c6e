/* copyio.c: copyin/copyout: every guest pointer checked against the guest's own map. */

#include <errno.h>
#include <string.h>

#include "vkernel.h"

/*
 * Returns the host address of guest address va for an access of kind
 * `access`, faulting the page in as the guest would; NULL when the guest
 * may not make that access (-EFAULT to it).  With force, page protections
 * are ignored (the loader writes read-only segments).
 */
static void *
guest_hva(struct proc *p, gva_t va, int access, bool force, int *err)
{
	gpa_t pa;
	int prot;
	enum vm_fault_result r;

	if (va < p->map.min || va >= p->map.max) {
		*err = -EFAULT;
		return NULL;
	}
	if (!pmap_extract(p->pmap, va, &pa, &prot) ||
	    (!force && (prot & access) != access)) {
		r = vm_fault(&p->map, va, force ? KS_PROT_READ : access);
		if (r == VM_FAULT_OOM) {
			*err = -ENOMEM;
			return NULL;
		}
		if (r != VM_FAULT_OK ||
		    !pmap_extract(p->pmap, va, &pa, &prot)) {
			*err = -EFAULT;
			return NULL;
		}
	}
	return vm_phys_hva(pa);
}

/* Walks [va, va+len) a page at a time, copying to or from buf. */
static int
copy_walk(struct proc *p, gva_t va, void *buf, size_t len, bool out,
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
		h = guest_hva(p, va, out ? KS_PROT_WRITE : KS_PROT_READ, force,
		    &err);
		if (h == NULL) {
			if (err == -ENOMEM && !force)
				proc_kill(p, 9, "out of guest memory");
			return err == -ENOMEM && force ? -ENOMEM : -EFAULT;
		}
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

int
copyin(struct proc *p, void *dst, gva_t src, size_t len)
{
	return copy_walk(p, src, dst, len, false, false);
}

int
copyout(struct proc *p, gva_t dst, const void *src, size_t len)
{
	return copy_walk(p, dst, (void *)src, len, true, false);
}

int
copyout_force(struct proc *p, gva_t dst, const void *src, size_t len)
{
	return copy_walk(p, dst, (void *)src, len, true, true);
}

bool
user_range(gva_t va, size_t len)
{
	return va <= KS_USER_MAX && len <= KS_USER_MAX - va;
}

size_t
writable_prefix(struct proc *p, gva_t va, size_t len)
{
	size_t done = 0;
	int err;

	while (done < len) {
		size_t n = PAGE_SIZE - ((va + done) & PAGE_MASK);

		if (guest_hva(p, va + done, KS_PROT_WRITE, false, &err) == NULL)
			break;
		done += n;
	}
	return done < len ? done : len;
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
		h = guest_hva(p, src + i, KS_PROT_READ, false, &err);
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
