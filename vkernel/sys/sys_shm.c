/* sys_shm.c: memfd_create and the seals (fcntl F_ADD_SEALS, F_GET_SEALS) of shared memory objects (kern/shm.c). */

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "sys.h"
#include "file.h"
#include "shm.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC        0x0010U
#endif
#define MFD_FLAGS (MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | \
    MFD_NOEXEC_SEAL | MFD_EXEC)
#define MFD_HUGE_BITS (0x3fU << 26)  /* MFD_HUGE_MASK << MFD_HUGE_SHIFT */
#define MFD_NAME_MAX 249             /* NAME_MAX less "memfd:" */

/*
 * memfd_create(name, flags): a new shared memory object (shm.c) and a
 * read-write "file" file on it, mode 0777 as Linux's (0666 with
 * MFD_NOEXEC_SEAL, which also seals F_SEAL_EXEC).  EINVAL for unknown
 * flags, a huge page size without MFD_HUGETLB, MFD_EXEC with
 * MFD_NOEXEC_SEAL, and a name longer than 249 bytes; EFAULT for a bad
 * name.  MFD_HUGETLB is EINVAL (ENODEV for a page size x86-64 has not):
 * the vkernel has no huge pages to give.
 */
long
sys_memfd_create(struct proc *p, const uint64_t *a)
{
	char name[MFD_NAME_MAX + 2];
	unsigned flags = (unsigned)a[1], seals;
	struct shm *s;
	struct file *f;
	long r;
	int fd;

	if (a[1] > UINT32_MAX || (flags & ~(MFD_FLAGS | MFD_HUGE_BITS)) ||
	    (!(flags & MFD_HUGETLB) && (flags & MFD_HUGE_BITS)) ||
	    (flags & (MFD_EXEC | MFD_NOEXEC_SEAL)) ==
	    (MFD_EXEC | MFD_NOEXEC_SEAL))
		return -EINVAL;
	if ((r = copyinstr(p, name, a[0], sizeof(name))) < 0)
		return r == -ENAMETOOLONG ? -EINVAL : r;
	if (r > MFD_NAME_MAX)
		return -EINVAL;
	/* A huge page size x86-64 has not (2 MiB, 1 GiB, or the default)
	 * is ENODEV, as Linux finds no hstate for it. */
	if ((flags & MFD_HUGETLB) && (flags & MFD_HUGE_BITS) &&
	    (flags & MFD_HUGE_BITS) != (21U << 26) &&
	    (flags & MFD_HUGE_BITS) != (30U << 26))
		return -ENODEV;
	if (flags & MFD_HUGETLB)
		return -EINVAL;
	seals = flags & MFD_ALLOW_SEALING ? 0 : SHM_SEAL_SEAL;
	if (flags & MFD_NOEXEC_SEAL)
		seals = SHM_SEAL_EXEC;
	if ((r = shm_create(name, false, seals,
	    flags & MFD_NOEXEC_SEAL ? 0666 : 0777, &s)) != 0)
		return r;
	r = file_shm_new(s, O_RDWR, &f);
	shm_unref(s);  /* the file holds it */
	if (r != 0)
		return r;
	if ((fd = fdtab_alloc(p->fds, f, 0, sys_nofile(p),
	    flags & MFD_CLOEXEC)) < 0)
		file_unref(f);
	return fd;
}

/*
 * fcntl's F_ADD_SEALS and F_GET_SEALS, as Linux's memfd_fcntl: on a
 * shared memory object, its seals; F_ADD_SEALS needs a writable file
 * (EPERM), known seals (EINVAL), no F_SEAL_SEAL yet (EPERM), and for
 * F_SEAL_WRITE no shared mapping that may write (EBUSY).  On a file
 * beneath the root the host answers F_GET_SEALS (a tmpfs file has
 * F_SEAL_SEAL, any other file is EINVAL) and F_ADD_SEALS is EPERM where
 * it answers; everything else is EINVAL.
 */
long
sys_fcntl_seals(struct proc *p, struct file *f, int cmd, uint64_t arg)
{
	struct shm *s = file_shm(f);
	struct vm_object *o;
	uint64_t dev, ino;
	bool busy = false;
	int r;

	if (s == NULL) {
		if (!file_is_vfs(f) || (f->flags & O_PATH))
			return -EINVAL;
		p->nhostcalls++;
		if ((r = fcntl(f->hostfd, F_GET_SEALS)) < 0)
			return -errno;
		return cmd == F_GET_SEALS ? r : -EPERM;
	}
	if (cmd == F_GET_SEALS)
		return (long)shm_seals(s);
	if (!file_writable(f))
		return -EPERM;
	if ((unsigned)arg & (SHM_SEAL_WRITE | SHM_SEAL_EXEC)) {
		shm_key(s, &dev, &ino);
		busy = (o = vm_file_find(dev, ino)) != NULL &&
		    proc_file_maps_writable(o);
	}
	return shm_add_seals(s, (unsigned)arg, busy);
}
