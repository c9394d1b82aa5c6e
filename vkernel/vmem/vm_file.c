/* vm_file.c: the page cache: one vm object per host file, filled lazily with pread, written back with pwrite. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm.h"

/*
 * The table of file objects: a hash of (dev, ino) into chains.  The number
 * of objects is the number of distinct files mapped now, so 256 chains are
 * plenty.  Every object in the table has hostfd >= 0.
 */
#define NBUCKETS 256
static struct vm_object *table[NBUCKETS];
static struct vm_file_stats stats;
/* Told when a file's object leaves the cache (vm_file_set_release_hook). */
static void (*release_hook)(uint64_t dev, uint64_t ino);

static unsigned
bucket(uint64_t dev, uint64_t ino)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ULL) ^ ino;

	return (unsigned)((h ^ (h >> 29)) % NBUCKETS);
}

struct vm_object *
vm_file_find(uint64_t dev, uint64_t ino)
{
	struct vm_object *o;

	if (stats.objects == 0)
		return NULL;
	for (o = table[bucket(dev, ino)]; o != NULL; o = o->fnext)
		if (o->dev == dev && o->ino == ino)
			return o;
	return NULL;
}

size_t
vm_file_count(void)
{
	return stats.objects;
}

/*
 * A descriptor of the cache's own on the file open at hostfd: a new open
 * file description through /proc/self/fd (the same inode, even unlinked),
 * so that the guest's O_APPEND (pwrite would append) and its offset are
 * not ours, and the guest may close its descriptor at once.  Read-write
 * when the guest's descriptor is (write-back needs it), else read-only;
 * *rw says which.  When the reopen is refused (the file was chmod'ed
 * since), a dup of the guest's, unless that has O_APPEND (-EACCES).  The
 * descriptor or -errno.
 */
static int
own_fd(int hostfd, bool *rw)
{
	char path[64];
	int fl = fcntl(hostfd, F_GETFL), fd;

	if (fl < 0)
		return -errno;
	*rw = (fl & O_ACCMODE) == O_RDWR;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", hostfd);
	fd = open(path, (*rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		/* Reopening re-checks permissions (a chmod since the open):
		 * the guest's own description then, if it has no O_APPEND. */
		if ((fl & O_APPEND) || (fd = fcntl(hostfd, F_DUPFD_CLOEXEC,
		    3)) < 0)
			return -EACCES;
		return fd;
	}
	if (fd < 3) { /* keep clear of the standard streams */
		int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		close(fd);
		if (d < 0)
			return -errno;
		fd = d;
	}
	return fd;
}

struct vm_object *
vm_file_get(int hostfd, size_t npages, int *err)
{
	struct vm_object *o;
	struct stat st;
	bool rw;
	unsigned b;
	int fd;

	if (fstat(hostfd, &st) != 0) {
		*err = -errno;
		return NULL;
	}
	if ((o = vm_file_find(st.st_dev, st.st_ino)) != NULL) {
		if (vm_object_extend(o, npages) != 0) {
			*err = -ENOMEM;
			return NULL;
		}
		/* A read-only object mapped by a writer: upgrade its
		 * descriptor, or write-back could not write. */
		if (!o->fdrw && (fd = own_fd(hostfd, &rw)) >= 0) {
			if (rw) {
				close(o->hostfd);
				o->hostfd = fd;
				o->fdrw = true;
			} else {
				close(fd);
			}
		}
		vm_object_ref(o);
		return o;
	}
	if ((fd = own_fd(hostfd, &rw)) < 0) {
		*err = fd;
		return NULL;
	}
	if ((o = vm_object_anon(npages)) == NULL) {
		close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	o->hostfd = fd;
	o->fdrw = rw;
	o->release = vm_file_release;
	vm_phys_set_reclaim(vm_file_reclaim);
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	b = bucket(o->dev, o->ino);
	o->fnext = table[b];
	table[b] = o;
	stats.objects++;
	return o;
}

/*
 * Reads slot's bytes into the (zero) page at hva with one pread: the bytes
 * read, 0 when the page lies wholly past EOF, -errno.  A short read of a
 * regular file is EOF inside the page: the rest stays zero.
 */
static ssize_t
read_in(struct vm_object *obj, size_t slot, char *hva)
{
	ssize_t n;

	do
		n = pread(obj->hostfd, hva, PAGE_SIZE, (off_t)(slot * PAGE_SIZE));
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int
vm_file_page(struct vm_object *obj, size_t slot, gpa_t *gpa)
{
	ssize_t n;
	gpa_t g;

	if ((g = vm_object_lookup(obj, slot)) != 0) {
		*gpa = g;
		return 0;
	}
	if ((g = vm_page_alloc()) == 0)
		return -ENOMEM;
	/* The file's size now, whoever grew or shrank it: nothing to read
	 * is a page wholly past EOF (Linux's SIGBUS), and so is an error. */
	if ((n = read_in(obj, slot, vm_phys_hva(g))) <= 0) {
		vm_page_free(g);
		return n == 0 ? -ENXIO : -EIO;
	}
	if (vm_object_insert(obj, slot, g) != 0) {
		vm_page_free(g);
		return -ENOMEM;
	}
	stats.reads++;
	if (++stats.pages > stats.peak)
		stats.peak = stats.pages;
	*gpa = g;
	return 0;
}

/* Writes slot's page (resident, dirty) back, clipped to size bytes. */
static int
write_back(struct vm_object *obj, size_t slot, gpa_t gpa, off_t size)
{
	off_t off = (off_t)(slot * PAGE_SIZE);
	size_t n = PAGE_SIZE;
	const char *p = vm_phys_hva(gpa);
	ssize_t w;

	if (off >= size)
		return 0;
	if ((off_t)n > size - off)
		n = (size_t)(size - off);
	stats.writes++;
	while (n > 0) {
		if ((w = pwrite(obj->hostfd, p, n, off)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		p += w;
		off += w;
		n -= (size_t)w;
	}
	return 0;
}

int
vm_file_sync(struct vm_object *obj, size_t first, size_t n, bool clean)
{
	size_t slot = first, end = n > obj->npages - first ? obj->npages :
	    first + n;
	struct stat st;
	int rc = 0, r;
	gpa_t gpa;

	if (first >= obj->npages || obj->root == NULL)
		return 0;
	if (fstat(obj->hostfd, &st) != 0)
		return -errno;
	for (; vm_object_next(obj, &slot, end, &gpa); slot++) {
		if (!vm_object_dirty(obj, slot))
			continue;
		if ((r = write_back(obj, slot, gpa, st.st_size)) != 0 &&
		    rc == 0)
			rc = r;
		if (clean && r == 0 && obj->nshared == 0)
			vm_object_set_dirty(obj, slot, false);
	}
	return rc;
}

void
vm_file_overlay(struct vm_object *obj, off_t off, void *buf, size_t n)
{
	size_t slot, end, k, pos;
	gpa_t gpa;

	if (off < 0 || n == 0)
		return;
	slot = (size_t)off / PAGE_SIZE;
	end = ((size_t)off + n + PAGE_SIZE - 1) / PAGE_SIZE;
	for (; vm_object_next(obj, &slot, end, &gpa); slot++) {
		size_t pstart = slot * PAGE_SIZE, from, to;

		from = pstart > (size_t)off ? pstart : (size_t)off;
		to = pstart + PAGE_SIZE < (size_t)off + n ?
		    pstart + PAGE_SIZE : (size_t)off + n;
		pos = from - (size_t)off;
		k = to - from;
		memcpy((char *)buf + pos, (char *)vm_phys_hva(gpa) +
		    (from - pstart), k);
	}
}

void
vm_file_update(struct vm_object *obj, off_t off, const void *buf, size_t n)
{
	size_t slot, end, k, pos;
	gpa_t gpa;

	if (off < 0 || n == 0)
		return;
	slot = (size_t)off / PAGE_SIZE;
	end = ((size_t)off + n + PAGE_SIZE - 1) / PAGE_SIZE;
	for (; vm_object_next(obj, &slot, end, &gpa); slot++) {
		size_t pstart = slot * PAGE_SIZE, from, to;

		from = pstart > (size_t)off ? pstart : (size_t)off;
		to = pstart + PAGE_SIZE < (size_t)off + n ?
		    pstart + PAGE_SIZE : (size_t)off + n;
		pos = from - (size_t)off;
		k = to - from;
		memcpy((char *)vm_phys_hva(gpa) + (from - pstart),
		    (const char *)buf + pos, k);
	}
}

static void (*unmapper)(struct vm_object *fobj, size_t first);

void
vm_file_truncate(struct vm_object *obj, off_t size)
{
	size_t first, in, before;
	gpa_t gpa;

	if (size < 0)
		return;
	first = ((size_t)size + PAGE_SIZE - 1) / PAGE_SIZE;
	if (first < obj->npages) {
		/* Out of every pmap and private layer first (the layers' own
		 * copies too: a layer may hold one where the cache has none),
		 * so that the cache's is then the pages' last reference. */
		if (unmapper != NULL)
			unmapper(obj, first);
		before = obj->resident;
		vm_object_free_range(obj, first, obj->npages - first);
		stats.pages -= before - obj->resident;
	}
	in = (size_t)size % PAGE_SIZE;
	if (in != 0 && (gpa = vm_object_lookup(obj, (size_t)size /
	    PAGE_SIZE)) != 0)
		memset((char *)vm_phys_hva(gpa) + in, 0, PAGE_SIZE - in);
}

void
vm_file_truncate_fd(int fd, off_t size)
{
	struct vm_object *o;
	struct stat st;

	if (vm_file_count() > 0 && fstat(fd, &st) == 0 &&
	    S_ISREG(st.st_mode) &&
	    (o = vm_file_find(st.st_dev, st.st_ino)) != NULL)
		vm_file_truncate(o, size);
}

void
vm_file_release(struct vm_object *obj)
{
	struct vm_object **pp;

	(void)vm_file_sync(obj, 0, obj->npages, true);
	for (pp = &table[bucket(obj->dev, obj->ino)]; *pp != NULL;
	    pp = &(*pp)->fnext)
		if (*pp == obj) {
			*pp = obj->fnext;
			stats.objects--;
			break;
		}
	stats.pages -= obj->resident;
	close(obj->hostfd);
	obj->hostfd = -1;
	obj->release = NULL;
	if (release_hook != NULL)
		release_hook(obj->dev, obj->ino);
}

void
vm_file_set_release_hook(void (*fn)(uint64_t dev, uint64_t ino))
{
	release_hook = fn;
}

/* vm_file_reclaim, and with mapped_too vm_file_reclaim_mapped's drop. */
static size_t
reclaim(size_t want, bool mapped_too)
{
	static bool busy;
	struct vm_object *o;
	size_t freed = 0, slot;
	struct stat st;
	unsigned b;
	gpa_t gpa;

	if (busy)
		return 0;
	busy = true;
	for (b = 0; b < NBUCKETS && freed < want; b++) {
		for (o = table[b]; o != NULL && freed < want; o = o->fnext) {
			if ((o->nshared != 0 && !mapped_too) || o->root == NULL ||
			    fstat(o->hostfd, &st) != 0)
				continue;
			for (slot = 0; freed < want &&
			    vm_object_next(o, &slot, o->npages, &gpa); slot++) {
				if (vm_page_refcount(gpa) != 1)
					continue;
				if (vm_object_dirty(o, slot) &&
				    write_back(o, slot, gpa, st.st_size) != 0)
					continue; /* kept: the data is only here */
				vm_object_free_range(o, slot, 1);
				stats.pages--;
				stats.evicted++;
				freed++;
			}
		}
	}
	busy = false;
	return freed;
}

size_t
vm_file_reclaim(size_t want)
{
	return reclaim(want, false);
}

void
vm_file_set_unmapper(void (*fn)(struct vm_object *fobj, size_t first))
{
	unmapper = fn;
}

size_t
vm_file_reclaim_mapped(size_t want)
{
	if (unmapper == NULL || stats.pages == 0)
		return 0;
	unmapper(NULL, 0);
	return reclaim(want, true);
}

void
vm_file_stats(struct vm_file_stats *st)
{
	*st = stats;
}
