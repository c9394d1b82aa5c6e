/* specfs.c: the guest's synthetic /dev and /proc: names the vkernel answers itself instead of the host's. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "specfs.h"

/* The character devices: the host's own, opened by their fixed names
 * (never a guest string). */
static const char *const devices[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
};

static const char *
device(const char *gpath)
{
	size_t i;

	for (i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (strcmp(gpath, devices[i]) == 0)
			return devices[i];
	return NULL;
}

bool
specfs_owns(const char *gpath)
{
	return strncmp(gpath, "/dev", 4) == 0 &&
	    (gpath[4] == '\0' || gpath[4] == '/') ? true :
	    strncmp(gpath, "/proc", 5) == 0 &&
	    (gpath[5] == '\0' || gpath[5] == '/');
}

int
specfs_open(struct proc *p, const char *gpath, int flags, struct file **fp)
{
	const char *dev = device(gpath);
	struct file *f;
	int fd, rc;

	(void)p;
	if (dev == NULL)
		return -ENOENT;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	if ((fd = open(dev, (flags & O_ACCMODE) | O_CLOEXEC | O_NOCTTY)) < 0)
		return -errno;
	rc = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	if (rc < 0)
		return -errno;
	if ((f = file_host_new(rc, flags & (O_ACCMODE | O_APPEND |
	    O_NONBLOCK))) == NULL) {
		close(rc);
		return -ENOMEM;
	}
	*fp = f;
	return 0;
}

int
specfs_stat(struct proc *p, const char *gpath, bool follow, struct stat *st)
{
	const char *dev = device(gpath);

	(void)p, (void)follow;
	if (dev == NULL)
		return -ENOENT;
	return stat(dev, st) == 0 ? 0 : -errno;
}

long
specfs_readlink(struct proc *p, const char *gpath, char *buf, size_t len)
{
	(void)p, (void)buf, (void)len;
	return device(gpath) != NULL ? -EINVAL : -ENOENT;
}
