/* specfs_names_test.c: specfs's names through its own functions (what getdents64, readlink and stat will call): ownership, links, stat, directory listings, and the refusals. */
#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "specfs.h"
#include "vfs.h"
#include "vk_testlib.h"

static struct proc p;
static struct tgroup tg;
static struct vmspace vm;
static int pipefd, nullfd;  /* p's descriptors 0 and 1 */

/* pid 7, not in the process table (specfs always sees the caller), with
 * a pipe's read end at 0 and /dev/null at 1, a program and a directory. */
static void
setup(void)
{
	struct file *rd, *wr, *null;
	char why[256];

	phys_setup(4 << 20);
	ATF_REQUIRE(vfs_init("/", why, sizeof(why)) == 0);
	vm_map_init(&vm.map, NULL, KS_USER_MIN, KS_USER_MAX);
	vm.refs = 1;
	p.pid = 7;
	p.vm = &vm;
	snprintf(p.comm, sizeof(p.comm), "unit");
	p.tg = &tg;
	tg.tgid = p.pid;
	tg.leader = tg.threads = &p;
	tg.nlive = 1;
	snprintf(p.tg->exe, sizeof(p.tg->exe), "/bin/sh");
	snprintf(p.tg->cwd, sizeof(p.tg->cwd), "/tmp");
	ATF_REQUIRE((p.fds = fdtab_new()) != NULL);
	ATF_REQUIRE(pipe_create(&rd, &wr, 0) == 0);
	file_unref(wr);
	ATF_REQUIRE((pipefd = fdtab_alloc(p.fds, rd, 0, 64, false)) == 0);
	ATF_REQUIRE(specfs_open(&p, "/dev/null", O_RDWR, &null) == 0);
	ATF_REQUIRE((nullfd = fdtab_alloc(p.fds, null, 0, 64, false)) == 1);
}

static void
readlink_is(const char *path, const char *want)
{
	char buf[256];
	long n = specfs_readlink(&p, path, buf, sizeof(buf));

	ATF_REQUIRE_MSG(n >= 0, "readlink %s: %ld", path, n);
	buf[n] = '\0';
	ATF_CHECK_STREQ_MSG(buf, want, "readlink %s", path);
}

/* The names directory path lists, one string with a space after each. */
static void
listing(const char *path, char *out, size_t len)
{
	char buf[512];
	struct file *f;
	long n, off;

	out[0] = '\0';
	ATF_REQUIRE_MSG(specfs_open(&p, path, O_RDONLY | O_DIRECTORY, &f) == 0,
	    "open %s", path);
	ATF_REQUIRE(f->ops->getdents != NULL);
	while ((n = f->ops->getdents(f, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += *(uint16_t *)(buf + off + 16)) {
			strncat(out, buf + off + 19, len - strlen(out) - 2);
			strcat(out, " ");
		}
	ATF_CHECK_EQ(n, 0);
	file_unref(f);
}

ATF_TC_WITHOUT_HEAD(owns__dev_proc_and_beneath);
ATF_TC_BODY(owns__dev_proc_and_beneath, tc)
{
	static const char *const yes[] = { "/dev", "/dev/", "/dev/null",
	    "/proc", "/proc/self/exe", "//proc//1", "/./dev/sda",
	    "/etc/../proc/meminfo", "/../../dev", "/proc/x/../../dev/y" };
	static const char *const no[] = { "/", "/device", "/procfs", "/etc",
	    "/proc/../etc/passwd", "/dev/..", "/tmp/dev", "proc" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ATF_CHECK_MSG(specfs_owns(yes[i]), "%s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ATF_CHECK_MSG(!specfs_owns(no[i]), "%s", no[i]);
}

ATF_TC_WITHOUT_HEAD(readlink__targets);
ATF_TC_BODY(readlink__targets, tc)
{
	char buf[64], want[64];
	struct stat st;
	struct file *f;

	setup();
	readlink_is("/proc/self", "7");
	readlink_is("/proc/self/exe", "/bin/sh");
	readlink_is("/proc/7/cwd", "/tmp");
	readlink_is("/proc/self/../self/./exe", "/bin/sh");
	readlink_is("/dev/stdin", "/proc/self/fd/0");
	readlink_is("/dev/stderr", "/proc/self/fd/2");
	readlink_is("/dev/fd", "/proc/self/fd");
	readlink_is("/dev/fd/1", "/dev/null");
	f = fdtab_peek(p.fds, pipefd);
	ATF_REQUIRE(f->ops->stat(f, &st) == 0);
	snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long)st.st_ino);
	readlink_is("/proc/self/fd/0", want);
	ATF_CHECK_EQ(specfs_readlink(&p, "/proc/self/exe", buf, 3), 3);
	ATF_CHECK(memcmp(buf, "/bi", 3) == 0);
	ATF_CHECK_EQ(specfs_readlink(&p, "/proc/self/status", buf, 64), -EINVAL);
	ATF_CHECK_EQ(specfs_readlink(&p, "/dev/null", buf, 64), -EINVAL);
	ATF_CHECK_EQ(specfs_readlink(&p, "/proc", buf, 64), -EINVAL);
	ATF_CHECK_EQ(specfs_readlink(&p, "/proc/99/exe", buf, 64), -ENOENT);
	ATF_CHECK_EQ(specfs_readlink(&p, "/proc/self/fd/5", buf, 64), -ENOENT);
	ATF_CHECK_EQ(specfs_readlink(&p, "/proc/1", buf, 64), -ENOENT);
	ATF_CHECK_EQ(specfs_readlink(&p, "/dev/sda", buf, 64), -ENOENT);
	ATF_CHECK_EQ(specfs_readlink(&p, "/proc/self/status/x", buf, 64),
	    -ENOTDIR);
}

ATF_TC_WITHOUT_HEAD(stat__kinds);
ATF_TC_BODY(stat__kinds, tc)
{
	struct stat st, host;

	setup();
	ATF_REQUIRE(specfs_stat(&p, "/proc", true, &st) == 0);
	ATF_CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0555);
	ATF_REQUIRE(specfs_stat(&p, "/proc/self", false, &st) == 0);
	ATF_CHECK(S_ISLNK(st.st_mode) && st.st_size == 1);
	ATF_REQUIRE(specfs_stat(&p, "/proc/self", true, &st) == 0);
	ATF_CHECK(S_ISDIR(st.st_mode));
	ATF_REQUIRE(specfs_stat(&p, "/proc/self/status", true, &st) == 0);
	ATF_CHECK(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0444 &&
	    st.st_size == 0);
	ATF_REQUIRE(specfs_stat(&p, "/dev/null", true, &st) == 0);
	ATF_CHECK(S_ISCHR(st.st_mode));
	ATF_REQUIRE(specfs_stat(&p, "/dev/stdin", false, &st) == 0);
	ATF_CHECK(S_ISLNK(st.st_mode));
	ATF_REQUIRE(specfs_stat(&p, "/dev/stdin", true, &st) == 0);
	ATF_CHECK(S_ISFIFO(st.st_mode));
	ATF_REQUIRE(specfs_stat(&p, "/proc/self/exe", true, &st) == 0);
	ATF_REQUIRE(stat("/bin/sh", &host) == 0);
	ATF_CHECK(st.st_ino == host.st_ino && st.st_dev == host.st_dev);
	ATF_REQUIRE(specfs_stat(&p, "/proc/self/cwd/", true, &st) == 0);
	ATF_CHECK(S_ISDIR(st.st_mode));
	ATF_CHECK_EQ(specfs_stat(&p, "/proc/2/status", true, &st), -ENOENT);
	ATF_CHECK_EQ(specfs_stat(&p, "/proc/07", true, &st), -ENOENT);
	ATF_CHECK_EQ(specfs_stat(&p, "/proc/self/mem", true, &st), -ENOENT);
}

ATF_TC_WITHOUT_HEAD(getdents__listings);
ATF_TC_BODY(getdents__listings, tc)
{
	char names[2048], *s;
	struct file *f;
	char buf[16];

	setup();
	listing("/dev", names, sizeof(names));
	ATF_CHECK_STREQ(names, ". .. console fd full null ptmx pts random shm "
	    "stderr stdin stdout tty urandom zero ");
	listing("/proc/self/fd", names, sizeof(names));
	ATF_CHECK_STREQ(names, ". .. 0 1 ");
	listing("/proc/7", names, sizeof(names));
	ATF_CHECK_STREQ(names, ". .. cmdline comm cwd environ exe fd maps "
	    "stat statm status task ");
	listing("/proc/sys/kernel", names, sizeof(names));
	ATF_CHECK_STREQ(names, ". .. hostname msgmax msgmnb msgmni osrelease "
	    "ostype sem shmall shmmax shmmni ");
	listing("/proc/sysvipc", names, sizeof(names));
	ATF_CHECK_STREQ(names, ". .. msg sem shm ");
	listing("/proc/sys/fs/mqueue", names, sizeof(names));
	ATF_CHECK_STREQ(names, ". .. msg_max msgsize_max queues_max ");
	/* The process table is empty here: /proc lists no number, not even
	 * the host's pid 1. */
	listing("/proc", names, sizeof(names));
	ATF_CHECK(strstr(names, " self ") != NULL);
	for (s = names; *s; s++)
		ATF_CHECK_MSG(*s < '0' || *s > '9', "a pid in '%s'", names);
	/* Too small a buffer, a file, lseek back. */
	ATF_REQUIRE(specfs_open(&p, "/proc", O_RDONLY, &f) == 0);
	ATF_CHECK_EQ(f->ops->getdents(f, buf, sizeof(buf)), -EINVAL);
	ATF_CHECK_EQ(f->ops->read(f, &p, buf, sizeof(buf)), -EISDIR);
	ATF_CHECK(f->ops->getdents(f, names, sizeof(names)) > 0);
	ATF_CHECK_EQ(f->ops->getdents(f, names, sizeof(names)), 0);
	ATF_CHECK_EQ(f->ops->lseek(f, 0, SEEK_SET), 0);
	ATF_CHECK(f->ops->getdents(f, names, sizeof(names)) > 0);
	file_unref(f);
	ATF_REQUIRE(specfs_open(&p, "/proc/meminfo", O_RDONLY, &f) == 0);
	ATF_CHECK(f->ops->getdents == NULL);
	file_unref(f);
}

ATF_TC_WITHOUT_HEAD(open__refusals);
ATF_TC_BODY(open__refusals, tc)
{
	struct file *f;

	setup();
	ATF_CHECK_EQ(specfs_open(&p, "/proc/self/status", O_WRONLY, &f),
	    -EACCES);
	ATF_CHECK_EQ(specfs_open(&p, "/proc/meminfo", O_RDWR, &f), -EACCES);
	ATF_CHECK_EQ(specfs_open(&p, "/proc/self/comm", O_RDONLY | O_TRUNC,
	    &f), -EACCES);
	ATF_CHECK_EQ(specfs_open(&p, "/proc/new", O_WRONLY | O_CREAT, &f),
	    -EACCES);
	ATF_CHECK_EQ(specfs_open(&p, "/proc/nodir/new", O_WRONLY | O_CREAT,
	    &f), -ENOENT);
	ATF_CHECK_EQ(specfs_open(&p, "/proc/meminfo", O_RDONLY | O_CREAT |
	    O_EXCL, &f), -EEXIST);
	ATF_CHECK_EQ(specfs_open(&p, "/proc", O_WRONLY, &f), -EISDIR);
	ATF_CHECK_EQ(specfs_open(&p, "/dev/null", O_RDONLY | O_DIRECTORY, &f),
	    -ENOTDIR);
	ATF_CHECK_EQ(specfs_open(&p, "/proc/self/exe", O_RDONLY | O_NOFOLLOW,
	    &f), -ELOOP);
	ATF_CHECK_EQ(specfs_open(&p, "/dev/sda", O_RDONLY, &f), -ENOENT);
	ATF_CHECK_EQ(specfs_open(&p, "/proc/1/status", O_RDONLY, &f), -ENOENT);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, owns__dev_proc_and_beneath);
	ATF_TP_ADD_TC(tp, readlink__targets);
	ATF_TP_ADD_TC(tp, stat__kinds);
	ATF_TP_ADD_TC(tp, getdents__listings);
	ATF_TP_ADD_TC(tp, open__refusals);
	return atf_no_error();
}
