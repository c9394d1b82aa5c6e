/* shm.h: shared memory objects (memfd_create's files, /dev/shm's entries): host memfds of the vkernel's with its own seals, names and byte budget. */
#ifndef VKERNEL_SHM_H
#define VKERNEL_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * A shared memory object is a host memfd that the vkernel creates in its
 * own process (so it dies with the vkernel, SIGKILL included), held by the
 * object's own host descriptor.  Guest files on it are "file" files
 * (file.c) whose data points here, each on a host descriptor of its own
 * (a reopen through /proc/self/fd, with the guest's access), so the file
 * layer and the page cache (keyed by the host file's dev and ino) treat
 * it as any regular file; the seals and the budget are the vkernel's own
 * state, checked here before each change of the bytes or the size, since
 * writes through shared mappings go to the page cache, not to the host.
 * An object lives while a file, a /dev/shm name or a page cache object
 * (a mapping) holds it.  Everything is called with the big lock held.
 */
struct shm;

#define SHM_NAME_MAX 255   /* NAME_MAX (memfd_create's own is 249) */
#define SHM_MAX      4096  /* objects alive at once per vkernel, at most */

/* The seals (Linux's F_SEAL_*): */
#define SHM_SEAL_SEAL         0x0001
#define SHM_SEAL_SHRINK       0x0002
#define SHM_SEAL_GROW         0x0004
#define SHM_SEAL_WRITE        0x0008
#define SHM_SEAL_FUTURE_WRITE 0x0010
#define SHM_SEAL_EXEC         0x0020
#define SHM_SEALS_ALL         0x003f

/* The bytes all objects' sizes (page-rounded, at least a page each) may
 * add up to: -m, as a tmpfs of the guest's memory; 0 is no limit; and how
 * many objects may live (each holds a host descriptor: at most SHM_MAX). */
void shm_set_limit(uint64_t bytes, size_t objects);
uint64_t shm_used(void);

/* A new object (one reference) named name, shown as "/memfd:NAME" when
 * posix is false, "/dev/shm/NAME" when true, with the seals given
 * (SHM_SEAL_SEAL: no sealing) and mode: 0 and *sp, or -ENFILE past
 * SHM_MAX, -ENOSPC past the budget, -ENOMEM, a host errno. */
int shm_create(const char *name, bool posix, unsigned seals, mode_t mode,
    struct shm **sp);
struct shm *shm_ref(struct shm *s);
void shm_unref(struct shm *s);

/*
 * /dev/shm's names, each holding its object by a reference.
 * shm_lookup: the object named name, or NULL.  shm_link: s gets the
 * name too (0, -EEXIST, -ENAMETOOLONG, -ENOSPC past SHM_MAX names,
 * -ENOMEM).  shm_unlink_name: the name goes (the object with its last
 * name, file or mapping, "(deleted)" once it has no name): 0 or
 * -ENOENT.  shm_next_name: the name after prev (a pointer it gave,
 * NULL: the first), NULL at the end, for a listing; valid until the
 * next change.
 */
struct shm *shm_lookup(const char *name);
int shm_link(struct shm *s, const char *name);
int shm_unlink_name(const char *name);
const char *shm_next_name(const char *prev);
/* The host file's stat; chmod of the object (open's mode once created). */
int shm_stat(const struct shm *s, struct stat *st);
int shm_chmod(struct shm *s, mode_t mode);

/* A new host descriptor on s for a guest file opened with flags
 * (O_ACCMODE, O_APPEND, O_PATH): the host checks the access against the
 * object's mode.  The descriptor or -errno. */
int shm_open_fd(struct shm *s, int flags);
/* The host file's key (what the page cache finds it by). */
void shm_key(const struct shm *s, uint64_t *dev, uint64_t *ino);

/* /proc/PID/fd/N's text: "/memfd:NAME (deleted)", "/dev/shm/NAME", or
 * "/dev/shm/NAME (deleted)" once unlinked. */
void shm_describe(const struct shm *s, char *out, size_t len);

unsigned shm_seals(const struct shm *s);
/*
 * F_ADD_SEALS: -EPERM when s has SHM_SEAL_SEAL, -EINVAL for an unknown
 * seal, -EBUSY for SHM_SEAL_WRITE (which SHM_SEAL_EXEC implies on an
 * executable object, as Linux) while writably_mapped (a shared mapping
 * that may write exists: the caller looks), else 0.
 */
int shm_add_seals(struct shm *s, unsigned seals, bool writably_mapped);

/*
 * Before a write of n bytes at off: the bytes that may be written (at
 * most n, as Linux's shmem_write_begin refuses page by page), -EPERM
 * under SHM_SEAL_WRITE or SHM_SEAL_FUTURE_WRITE or when SHM_SEAL_GROW
 * leaves nothing, -ENOSPC when the budget leaves nothing; what it
 * allows is charged.  shm_wrote after the host write, whatever it did.
 */
long shm_write_room(struct shm *s, off_t off, size_t n);
void shm_wrote(struct shm *s);
/* ftruncate (and an open with O_TRUNC) to size: 0 (charged), -EPERM
 * (SHM_SEAL_SHRINK, SHM_SEAL_GROW), -ENOSPC; shm_wrote after. */
int shm_resize_check(struct shm *s, off_t size);
/* fallocate(mode, off, len): 0 (charged), -EPERM, -ENOSPC. */
int shm_fallocate_check(struct shm *s, int mode, off_t off, off_t len);
/* mmap: -EPERM for a shared writable mapping under a write seal; *maywrite
 * false when a shared mapping must never become writable (mprotect). */
int shm_mmap_check(struct shm *s, bool shared, bool write, bool *maywrite);
/* fchmod to mode: -EPERM when SHM_SEAL_EXEC forbids changing the exec
 * bits. */
int shm_chmod_check(struct shm *s, mode_t mode);

#endif /* VKERNEL_SHM_H */
