/* sys_mem.c: the memory system calls: mmap (anonymous and of files), munmap, mprotect, madvise, mremap, mincore, msync, brk. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "shm.h"

static int
prot_of(uint64_t prot)
{
	return (prot & PROT_READ ? KS_PROT_READ : 0) |
	    (prot & PROT_WRITE ? KS_PROT_WRITE | KS_PROT_READ : 0) |
	    (prot & PROT_EXEC ? KS_PROT_EXEC : 0);
}

/* A mapping range: inside the user range and above mmap_min_addr. */
static bool
range_ok(gva_t va, uint64_t len)
{
	return va >= KS_USER_MIN && user_range(va, len);
}

/* MAP_32BIT's window, as Linux x86-64 searches it (arch/x86 find_start_end). */
#define MAP32_LO 0x40000000ULL
#define MAP32_HI 0x80000000ULL

/* A new mapping at exactly addr: anonymous, or over the file object fobj
 * from slot fslot (vm_map_file). */
static int
map_at(struct proc *p, gva_t addr, uint64_t len, int prot, int maxprot,
    int eflags, bool fixed, struct vm_object *fobj, size_t fslot)
{
	if (fobj == NULL)
		return vm_map_anon(&p->vm->map, addr, len, prot, eflags, fixed);
	return vm_map_file(&p->vm->map, addr, len, prot, maxprot, eflags,
	    fixed, fobj, fslot);
}

/*
 * Places a fresh mapping of len bytes (anonymous, or of fobj from fslot)
 * as mmap does: the address or -errno.  Without MAP_FIXED the hint is
 * taken when it is free, else the highest free range below VK_MMAP_TOP;
 * with MAP_32BIT (ignored with MAP_FIXED, as on Linux) a hint must end at
 * or below 2 GiB and the search stays inside [1 GiB, 2 GiB): ENOMEM if
 * that is full.  MAP_SHARED: one object that fork shares, not copies.
 */
static long
mmap_place(struct proc *p, gva_t addr, uint64_t len, int prot, int maxprot,
    int eflags, uint64_t flags, struct vm_object *fobj, size_t fslot)
{
	gva_t lo = KS_USER_MIN, hi = VK_MMAP_TOP;
	long rc;

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & PAGE_MASK)
			return -EINVAL;
		if (!range_ok(addr, len))
			return -ENOMEM;
		rc = map_at(p, addr, len, prot, maxprot, eflags,
		    !(flags & MAP_FIXED_NOREPLACE), fobj, fslot);
		return rc ? rc : (long)addr;
	}
	if (flags & MAP_32BIT) {
		lo = MAP32_LO;
		hi = MAP32_HI;
	}
	addr = trunc_page(addr);
	if (addr != 0 && range_ok(addr, len) &&
	    (!(flags & MAP_32BIT) || addr + len <= MAP32_HI) &&
	    map_at(p, addr, len, prot, maxprot, eflags, false, fobj,
	    fslot) == 0)
		return (long)addr;
	if (vm_map_findspace(&p->vm->map, lo, hi, len, &addr) != 0)
		return -ENOMEM;
	rc = map_at(p, addr, len, prot, maxprot, eflags, false, fobj, fslot);
	return rc ? rc : (long)addr;
}

/*
 * Which file mmap may map, in Linux's order (do_mmap): -EBADF for no
 * file; -EACCES for MAP_SHARED with PROT_WRITE of a file not open for
 * writing, and for a file not open for reading; -ENODEV unless it is a
 * regular host file (pipes, directories, devices, synthetic files).
 */
static long
mmap_file_check(struct file *f, bool shared, bool write)
{
	struct stat st;

	if (f == NULL)
		return -EBADF;
	if (shared && write && !file_writable(f))
		return -EACCES;
	if (!file_readable(f))
		return -EACCES;
	if (f->hostfd < 0 || fstat(f->hostfd, &st) != 0 ||
	    !S_ISREG(st.st_mode))
		return -ENODEV;
	return 0;
}

/*
 * A file mapping maps the file's page cache object (vm_file.c), filled at
 * fault: MAP_SHARED maps its pages (writes dirty them and are written
 * back), MAP_PRIVATE a private layer over them that copies a page on its
 * first write.  A shared mapping of a file not open for writing may never
 * become writable (mprotect: EACCES), as on Linux.
 */
static long
mmap_file(struct proc *p, gva_t addr, uint64_t len, int prot, int eflags,
    uint64_t flags, long fd, off_t off)
{
	bool shared = (flags & 0xf) != MAP_PRIVATE;
	int maxprot = KS_PROT_READ | KS_PROT_WRITE | KS_PROT_EXEC;
	struct vm_object *fobj;
	struct file *f;
	bool maywrite;
	long va, rc;
	int err = 0;

	if (off < 0 || (uint64_t)off + len < (uint64_t)off)
		return -EOVERFLOW;
	f = fget(p, fd);
	if ((rc = mmap_file_check(f, shared, prot & KS_PROT_WRITE)) != 0)
		return rc;
	if (shared && !file_writable(f))
		maxprot &= ~KS_PROT_WRITE;
	/* A write seal: no shared writable mapping, now or by mprotect. */
	if (file_shm(f) != NULL && ((rc = shm_mmap_check(file_shm(f), shared,
	    prot & KS_PROT_WRITE, &maywrite)) != 0 || !maywrite))
		maxprot &= ~KS_PROT_WRITE;
	if (rc != 0)
		return rc;
	if ((fobj = vm_file_get(f->hostfd, ((uint64_t)off + len) / PAGE_SIZE,
	    &err)) == NULL)
		return err;
	va = mmap_place(p, addr, len, prot, maxprot, eflags, flags, fobj,
	    (size_t)off / PAGE_SIZE);
	vm_object_unref(fobj); /* the mapping holds its own */
	return va;
}

/*
 * Linux's heuristic overcommit (vm.overcommit_memory 0, the default):
 * memory is taken when touched, but a single request for more private
 * writable or shared anonymous memory than the machine could ever back
 * (RAM and swap: here the guest's memory, -m, with no swap) is refused
 * with ENOMEM.  MAP_NORESERVE skips the check, as in that mode.
 */
static bool
overcommit_ok(uint64_t len)
{
	return len / PAGE_SIZE <= vk.memsize / PAGE_SIZE;
}

/* Anonymous memory, or a file's page cache (mmap_file). */
long
sys_mmap(struct proc *p, const uint64_t *a)
{
	uint64_t len = round_page(a[1]), flags = a[3];
	uint64_t type = flags & 0xf;
	int prot = prot_of(a[2]);
	/* MAP_SHARED anonymous memory stays shared with fork's children. */
	int eflags = type == MAP_PRIVATE ? 0 : VM_ENTRY_SHARED;

	if (a[1] == 0 || a[5] & PAGE_MASK ||
	    (a[2] & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0)
		return -EINVAL;
	if (type != MAP_PRIVATE && type != MAP_SHARED &&
	    type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (len < a[1] || len > KS_USER_MAX)
		return -ENOMEM;
	if (!(flags & MAP_NORESERVE) && !overcommit_ok(len) &&
	    (type == MAP_PRIVATE ? (a[2] & PROT_WRITE) != 0 :
	    (flags & MAP_ANONYMOUS) != 0))
		return -ENOMEM;
	if (!(flags & MAP_ANONYMOUS))
		return mmap_file(p, a[0], len, prot, eflags, flags, (long)a[4],
		    (off_t)a[5]);
	return mmap_place(p, a[0], len, prot, KS_PROT_READ | KS_PROT_WRITE |
	    KS_PROT_EXEC, eflags, flags, NULL, 0);
}

long
sys_munmap(struct proc *p, const uint64_t *a)
{
	if (a[0] & PAGE_MASK || a[1] == 0 || !range_ok(a[0], round_page(a[1])))
		return -EINVAL;
	return vm_map_remove(&p->vm->map, a[0], round_page(a[1]));
}

long
sys_mprotect(struct proc *p, const uint64_t *a)
{
	uint64_t len = round_page(a[1]);

	if (a[0] & PAGE_MASK || len < a[1] ||
	    (a[2] & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC |
	    PROT_GROWSDOWN | PROT_GROWSUP)) != 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (!range_ok(a[0], len))
		return -ENOMEM;
	return vm_map_protect(&p->vm->map, a[0], len, prot_of(a[2]));
}

/* The advice values Linux 6.x knows; others are EINVAL. */
static bool
madv_known(uint64_t advice)
{
	return advice <= 4 || (advice >= 8 && advice <= 25) || advice == 100 ||
	    advice == 101;
}

/* MADV_DONTNEED on private anonymous memory: the range reads zero again
 * (its pages are freed; the mappings stay).  Every other known advice is
 * accepted and has no effect. */
long
sys_madvise(struct proc *p, const uint64_t *a)
{
	gva_t va = a[0], end = a[0] + round_page(a[1]);

	if (va & PAGE_MASK || end < va || !madv_known(a[2]))
		return -EINVAL;
	if (a[2] != MADV_DONTNEED || a[1] == 0)
		return 0;
	if (!range_ok(va, end - va))
		return -ENOMEM;
	return vm_map_dontneed(&p->vm->map, va, end - va);
}

/*
 * mremap: in place when it can; with MREMAP_MAYMOVE (and no FIXED) a
 * move goes where mmap would put the new length.  MREMAP_DONTUNMAP is
 * not supported (EINVAL).
 */
long
sys_mremap(struct proc *p, const uint64_t *a)
{
	uint64_t oldlen = round_page(a[1]), newlen = round_page(a[2]);
	int flags = (int)a[3];
	gva_t out, to;
	long rc;

	if (a[0] & PAGE_MASK || (a[3] & ~(uint64_t)(VM_REMAP_MAYMOVE |
	    VM_REMAP_FIXED)) != 0 || newlen < a[2] || newlen == 0 ||
	    oldlen < a[1])
		return -EINVAL;
	if (!range_ok(a[0], oldlen ? oldlen : PAGE_SIZE) ||
	    newlen > KS_USER_MAX)
		return -EFAULT;
	if ((flags & VM_REMAP_FIXED) && (a[4] & PAGE_MASK ||
	    !range_ok(a[4], newlen)))
		return -EINVAL;
	if (newlen > oldlen && !overcommit_ok(newlen - oldlen))
		return -ENOMEM;
	rc = vm_map_remap(&p->vm->map, a[0], oldlen, newlen,
	    flags & VM_REMAP_FIXED ? flags : 0, a[4], &out);
	if (rc == -ENOMEM && (flags & VM_REMAP_MAYMOVE) &&
	    !(flags & VM_REMAP_FIXED)) {
		if (vm_map_findspace(&p->vm->map, KS_USER_MIN, VK_MMAP_TOP,
		    newlen, &to) != 0)
			return -ENOMEM;
		rc = vm_map_remap(&p->vm->map, a[0], oldlen, newlen,
		    VM_REMAP_MAYMOVE | VM_REMAP_FIXED, to, &out);
	}
	return rc ? rc : (long)out;
}

/* mincore, a chunk of pages at a time into the guest's vector. */
long
sys_mincore(struct proc *p, const uint64_t *a)
{
	unsigned char vec[4096];
	uint64_t len = round_page(a[1]), done = 0, n;
	long rc;

	if (a[0] & PAGE_MASK)
		return -EINVAL;
	if (len < a[1] || !range_ok(a[0], len))
		return -ENOMEM;
	while (done < len) {
		n = len - done > sizeof(vec) * PAGE_SIZE ?
		    sizeof(vec) * PAGE_SIZE : len - done;
		if ((rc = vm_map_mincore(&p->vm->map, a[0] + done, n, vec)) != 0)
			return rc;
		if (copyout(p, a[2] + done / PAGE_SIZE, vec, n / PAGE_SIZE))
			return -EFAULT;
		done += n;
	}
	return 0;
}

long
sys_msync(struct proc *p, const uint64_t *a)
{
	uint64_t len = round_page(a[1]);

	if (len < a[1])
		return -ENOMEM;
	if (a[0] & PAGE_MASK || (a[1] != 0 && !range_ok(a[0], len)))
		return a[0] & PAGE_MASK ? -EINVAL : -ENOMEM;
	return vm_map_msync(&p->vm->map, a[0], len, (int)a[2]);
}

long
sys_brk(struct proc *p, const uint64_t *a)
{
	gva_t want = a[0], old = round_page(p->vm->brk_end), new;

	if (want < p->vm->brk_base || want >= VK_MMAP_TOP)
		return (long)p->vm->brk_end;
	new = round_page(want);
	if (new > old && !overcommit_ok(new - old))
		return (long)p->vm->brk_end;
	if (new > old &&
	    vm_map_anon(&p->vm->map, old, new - old, KS_PROT_READ | KS_PROT_WRITE,
	    VM_ENTRY_BRK, false) != 0)
		return (long)p->vm->brk_end;
	if (new < old && vm_map_remove(&p->vm->map, new, old - new) != 0)
		return (long)p->vm->brk_end;
	p->vm->brk_end = want;
	return (long)want;
}
