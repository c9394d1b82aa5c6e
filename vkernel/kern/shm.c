/* shm.c: shared memory objects (memfds and /dev/shm entries) on host memfds of the vkernel's, with the seals and the byte budget kept here. */

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"
#include "kmem.h"
#include "shm.h"

struct shm {
	struct shm *next;          /* every object alive */
	int refs;                  /* files, a /dev/shm name */
	int hostfd;                /* the object's own, read-write */
	uint64_t dev, ino;
	unsigned seals;
	bool posix;                /* a /dev/shm entry */
	int nlink;                 /* its names in /dev/shm */
	off_t size;                /* the host file's, as last set here */
	off_t alloc;               /* fallocate's KEEP_SIZE end past size */
	uint64_t charged;          /* in the budget: page-rounded extent */
	char name[SHM_NAME_MAX + 1];
};

/* A name in /dev/shm: one reference to its object.  link and rename
 * give an object more than one, as glibc's sem_open does (a temporary
 * name, then link to the real one). */
struct shm_name {
	struct shm_name *next;
	struct shm *obj;
	char name[SHM_NAME_MAX + 1];
};

static struct shm *objects;
static struct shm_name *names;
static size_t nnames;
static size_t nobjects, max_objects = SHM_MAX;
static uint64_t used, limit;

void
shm_set_limit(uint64_t bytes, size_t objects)
{
	limit = bytes;
	max_objects = objects < SHM_MAX ? objects : SHM_MAX;
}

uint64_t
shm_used(void)
{
	return used;
}

/* What an extent of end bytes costs: whole pages, at least one (the
 * object itself, as a tmpfs inode). */
static uint64_t
cost(off_t end)
{
	uint64_t c = ((uint64_t)end + PAGE_SIZE - 1) & ~(uint64_t)PAGE_MASK;

	return c < PAGE_SIZE ? PAGE_SIZE : c;
}

/* The furthest end s may reach within the budget. */
static off_t
room(const struct shm *s)
{
	uint64_t r;

	if (limit == 0)
		return INT64_MAX;
	r = limit - used + s->charged;
	return r > (uint64_t)INT64_MAX ? INT64_MAX : (off_t)r;
}

/* Charges s for an extent of end bytes (never less than its size and
 * allocation now): 0 or -ENOSPC. */
static int
charge_to(struct shm *s, off_t end)
{
	uint64_t c;

	if (end < s->size)
		end = s->size;
	if (end < s->alloc)
		end = s->alloc;
	c = cost(end);
	if (c > s->charged && limit != 0 && used - s->charged + c > limit)
		return -ENOSPC;
	used = used - s->charged + c;
	s->charged = c;
	return 0;
}

static void
cache_gone(uint64_t dev, uint64_t ino);

int
shm_create(const char *name, bool posix, unsigned seals, mode_t mode,
    struct shm **sp)
{
	struct shm *s;
	struct stat st;
	int fd, d;

	if (nobjects >= max_objects)
		return posix ? -ENOSPC : -ENFILE;
	if (limit != 0 && used + PAGE_SIZE > limit)
		return -ENOSPC;
	if ((s = kmem_alloc(sizeof(*s))) == NULL)
		return -ENOMEM;
	/* The host name is only for the vkernel's own /proc entries. */
	if ((fd = memfd_create(name, MFD_CLOEXEC)) < 0) {
		d = -errno;
		kmem_free(s, sizeof(*s));
		return d == -EMFILE ? -ENFILE : d;
	}
	if (fd < 3) { /* keep clear of the standard streams */
		d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		fd = d;
	}
	if (fd < 0 || fchmod(fd, mode & 07777) != 0 || fstat(fd, &st) != 0) {
		d = -errno;
		if (fd >= 0)
			close(fd);
		kmem_free(s, sizeof(*s));
		return d;
	}
	vm_file_set_release_hook(cache_gone);
	s->refs = 1;
	s->hostfd = fd;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->seals = seals & SHM_SEALS_ALL;
	s->posix = posix;
	snprintf(s->name, sizeof(s->name), "%s", name);
	(void)charge_to(s, 0);  /* the page checked above */
	s->next = objects;
	objects = s;
	nobjects++;
	*sp = s;
	return 0;
}

struct shm *
shm_ref(struct shm *s)
{
	s->refs++;
	return s;
}

static void
destroy(struct shm *s)
{
	struct shm **pp;

	for (pp = &objects; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	nobjects--;
	used -= s->charged;
	close(s->hostfd);
	kmem_free(s, sizeof(*s));
}

/* With its last reference an object still lives while the page cache has
 * it (a mapping outlives the files): its bytes are still the host's and
 * still charged, until cache_gone. */
void
shm_unref(struct shm *s)
{
	if (--s->refs > 0)
		return;
	if (vm_file_find(s->dev, s->ino) == NULL)
		destroy(s);
}

/* vm_file_set_release_hook's: the page cache let the file (dev, ino) go. */
static void
cache_gone(uint64_t dev, uint64_t ino)
{
	struct shm *s;

	for (s = objects; s != NULL; s = s->next)
		if (s->dev == dev && s->ino == ino) {
			if (s->refs == 0)
				destroy(s);
			return;
		}
}

int
shm_open_fd(struct shm *s, int flags)
{
	char path[64];
	int acc = flags & O_ACCMODE, fd, d;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", s->hostfd);
	fd = open(path, flags & O_PATH ? O_PATH | O_CLOEXEC :
	    (acc == O_WRONLY ? O_WRONLY : acc == O_RDWR ? O_RDWR : O_RDONLY) |
	    (flags & O_APPEND) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fd < 3) {
		d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		if (d < 0)
			return -errno;
		fd = d;
	}
	return fd;
}

void
shm_key(const struct shm *s, uint64_t *dev, uint64_t *ino)
{
	*dev = s->dev;
	*ino = s->ino;
}

void
shm_describe(const struct shm *s, char *out, size_t len)
{
	if (s->posix)
		snprintf(out, len, "/dev/shm/%s%s", s->name,
		    s->nlink > 0 ? "" : " (deleted)");
	else
		snprintf(out, len, "/memfd:%s (deleted)", s->name);
}

static struct shm_name **
name_slot(const char *name)
{
	struct shm_name **np;

	for (np = &names; *np != NULL; np = &(*np)->next)
		if (strcmp((*np)->name, name) == 0)
			return np;
	return NULL;
}

struct shm *
shm_lookup(const char *name)
{
	struct shm_name **np = name_slot(name);

	return np != NULL ? (*np)->obj : NULL;
}

int
shm_link(struct shm *s, const char *name)
{
	struct shm_name *n;

	if (name_slot(name) != NULL)
		return -EEXIST;
	if (strlen(name) > SHM_NAME_MAX)
		return -ENAMETOOLONG;
	if (nnames >= max_objects)
		return -ENOSPC;
	if ((n = kmem_alloc(sizeof(*n))) == NULL)
		return -ENOMEM;
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->obj = shm_ref(s);
	n->next = names;
	names = n;
	nnames++;
	s->nlink++;
	return 0;
}

int
shm_unlink_name(const char *name)
{
	struct shm_name **np = name_slot(name), *n;

	if (np == NULL)
		return -ENOENT;
	n = *np;
	*np = n->next;
	nnames--;
	n->obj->nlink--;
	shm_unref(n->obj);
	kmem_free(n, sizeof(*n));
	return 0;
}

const char *
shm_next_name(const char *prev)
{
	struct shm_name *n = names;

	if (prev != NULL) {
		while (n != NULL && n->name != prev)
			n = n->next;
		n = n != NULL ? n->next : NULL;
	}
	return n != NULL ? n->name : NULL;
}

int
shm_stat(const struct shm *s, struct stat *st)
{
	if (fstat(s->hostfd, st) != 0)
		return -errno;
	/* A /dev/shm object's links are its names here (0 once unlinked,
	 * as tmpfs); a memfd's is 1, as Linux's. */
	st->st_nlink = s->posix ? (nlink_t)s->nlink : 1;
	return 0;
}

int
shm_chmod(struct shm *s, mode_t mode)
{
	return fchmod(s->hostfd, mode & 07777) == 0 ? 0 : -errno;
}

unsigned
shm_seals(const struct shm *s)
{
	return s->seals;
}

int
shm_add_seals(struct shm *s, unsigned seals, bool writably_mapped)
{
	struct stat st;

	if (seals & ~(unsigned)SHM_SEALS_ALL)
		return -EINVAL;
	if (s->seals & SHM_SEAL_SEAL)
		return -EPERM;
	/* F_SEAL_EXEC on an executable object is W^X: every write seal. */
	if ((seals & SHM_SEAL_EXEC) && fstat(s->hostfd, &st) == 0 &&
	    (st.st_mode & 0111))
		seals |= SHM_SEAL_SHRINK | SHM_SEAL_GROW | SHM_SEAL_WRITE |
		    SHM_SEAL_FUTURE_WRITE;
	if ((seals & SHM_SEAL_WRITE) && !(s->seals & SHM_SEAL_WRITE) &&
	    writably_mapped)
		return -EBUSY;
	s->seals |= seals;
	return 0;
}

long
shm_write_room(struct shm *s, off_t off, size_t n)
{
	off_t end, lim;

	if (s->seals & (SHM_SEAL_WRITE | SHM_SEAL_FUTURE_WRITE))
		return -EPERM;
	if (n == 0)
		return 0;
	if (off < 0 || (off_t)n < 0 || off > INT64_MAX - (off_t)n)
		return -EFBIG;
	end = off + (off_t)n;
	/* A grow seal refuses the page that would pass the end, and every
	 * page after it: what lies in whole pages below the size is
	 * written. */
	if ((s->seals & SHM_SEAL_GROW) && end > s->size) {
		lim = s->size & ~(off_t)PAGE_MASK;
		if (lim <= off)
			return -EPERM;
		end = lim;
	}
	if (end > (lim = room(s))) {
		if (lim <= off)
			return -ENOSPC;
		end = lim;
	}
	if (charge_to(s, end) != 0)
		return -ENOSPC;
	return end - off;
}

void
shm_wrote(struct shm *s)
{
	struct stat st;

	if (fstat(s->hostfd, &st) == 0)
		s->size = st.st_size;
	if (s->alloc <= s->size)
		s->alloc = 0;
	/* Never more than charged before: charge_to only shrinks here. */
	used -= s->charged;
	s->charged = 0;
	(void)charge_to(s, 0);
}

int
shm_resize_check(struct shm *s, off_t size)
{
	if ((size < s->size && (s->seals & SHM_SEAL_SHRINK)) ||
	    (size > s->size && (s->seals & SHM_SEAL_GROW)))
		return -EPERM;
	if (size < s->size)  /* truncation drops what lay past it too */
		s->alloc = 0;
	return charge_to(s, size);
}

int
shm_fallocate_check(struct shm *s, int mode, off_t off, off_t len)
{
	off_t end;

	if (mode & FALLOC_FL_PUNCH_HOLE)
		return s->seals & (SHM_SEAL_WRITE | SHM_SEAL_FUTURE_WRITE) ?
		    -EPERM : 0;
	if (off > INT64_MAX - len)
		return -EFBIG;
	end = off + len;
	if ((s->seals & SHM_SEAL_GROW) && end > s->size)
		return -EPERM;
	if (charge_to(s, end) != 0)
		return -ENOSPC;
	if ((mode & FALLOC_FL_KEEP_SIZE) && end > s->size && end > s->alloc)
		s->alloc = end;
	return 0;
}

int
shm_mmap_check(struct shm *s, bool shared, bool write, bool *maywrite)
{
	*maywrite = true;
	if (!shared || !(s->seals & (SHM_SEAL_WRITE | SHM_SEAL_FUTURE_WRITE)))
		return 0;
	if (write)
		return -EPERM;
	*maywrite = false;
	return 0;
}

int
shm_chmod_check(struct shm *s, mode_t mode)
{
	struct stat st;

	if (!(s->seals & SHM_SEAL_EXEC) || fstat(s->hostfd, &st) != 0)
		return 0;
	return ((st.st_mode ^ mode) & 0111) ? -EPERM : 0;
}
