/* procfs.c: /proc/self and /dev as Linux lays them out, checked for format and self-consistency so the same program passes natively and under vkernel; `procfs MODE WHERE [ARG...]`, WHERE being native or vk. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *mode = "";
static int vk;                  /* WHERE is "vk": checks only the vkernel passes */
static long checks, failures;
static char buf[1 << 20];       /* what a file said (static: reading allocates nothing) */
static char buf2[1 << 20];
static int g_argc;
static char **g_argv, **g_envp;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		int e_ = errno;						\
		failures++;						\
		printf("FAIL: %s line %d: ", mode, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", e_, strerror(e_));		\
	}								\
} while (0)

/* Reads the file at path whole into b (NUL-terminated) in chunks of
 * step bytes: its length, or -1. */
static long
slurp_step(const char *path, char *b, size_t size, size_t step)
{
	long n = 0, r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)n < size - 1 &&
	    (r = read(fd, b + n, size - 1 - n < step ? size - 1 - n : step)) > 0)
		n += r;
	close(fd);
	b[n] = '\0';
	return n;
}

static long
slurp(const char *path, char *b)
{
	return slurp_step(path, b, sizeof(buf), sizeof(buf));
}

/* The value after "key:" on its line in text, or NULL. */
static const char *
field(const char *text, const char *key)
{
	size_t k = strlen(key);
	const char *l;

	for (l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, k) == 0 && l[k] == ':')
			return l + k + 1;
	return NULL;
}

/* ---- maps ---- */

static int main_marker(void) { return 42; }

static void
mode_maps(void)
{
	unsigned long start, end, off, ino, prev = 0, here, code, brk0, brk1;
	unsigned dmaj, dmin;
	char perms[8], *line, *nl;
	int stack = 0, heap_ok = 0, code_ok = 0, lines = 0, n, local = 1;
	long len, len1;

	here = (unsigned long)&local;
	code = (unsigned long)main_marker;
	brk0 = syscall(SYS_brk, 0);
	brk1 = syscall(SYS_brk, brk0 + 8192);
	CHECK(brk1 == brk0 + 8192, "brk grew: %lx -> %lx", brk0, brk1);
	*(volatile char *)brk0 = 1;
	CHECK((len = slurp("/proc/self/maps", buf)) > 0, "read maps");
	for (line = buf; *line; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL) {
			CHECK(0, "unterminated line: %s", line);
			break;
		}
		*nl = '\0';
		lines++;
		n = sscanf(line, "%lx-%lx %4s %lx %x:%x %lu", &start, &end, perms,
		    &off, &dmaj, &dmin, &ino);
		CHECK(n == 7, "line: %s", line);
		CHECK(start < end && start % 4096 == 0 && end % 4096 == 0 &&
		    start >= prev, "range %lx-%lx after %lx", start, end, prev);
		CHECK(strlen(perms) == 4 && strchr("r-", perms[0]) &&
		    strchr("w-", perms[1]) && strchr("x-", perms[2]) &&
		    strchr("ps", perms[3]), "perms %s", perms);
		prev = end;
		if (strstr(line, "[stack]")) {
			stack++;
			CHECK(strstr(line, "[stack]") - line == 73,
			    "name at column %ld: %s", (long)(strstr(line,
			    "[stack]") - line), line);
			CHECK(here >= start && here < end && perms[1] == 'w',
			    "local %lx not in %s", here, line);
		}
		if (strstr(line, "[heap]") && brk0 >= start && brk0 < end)
			heap_ok = 1;
		if (code >= start && code < end)
			code_ok = perms[2] == 'x';
		if (!strchr(line, '[') && !strchr(line, '/'))
			CHECK(line[strlen(line) - 1] == ' ',
			    "anonymous line ends in a space: '%s'", line);
		*nl = '\n';
	}
	CHECK(lines >= 3, "%d lines", lines);
	CHECK(stack == 1, "%d [stack] lines", stack);
	CHECK(heap_ok, "the brk area %lx is not in a [heap] line", brk0);
	CHECK(code_ok, "main_marker %lx is not in an executable line", code);
	/* Small reads, pread and lseek give the same text. */
	len1 = slurp_step("/proc/self/maps", buf2, sizeof(buf2), 7);
	CHECK(len1 == len && memcmp(buf, buf2, len) == 0,
	    "7-byte reads gave %ld bytes, not %ld", len1, len);
	{
		int fd = open("/proc/self/maps", O_RDONLY);
		char b[32];

		CHECK(pread(fd, b, 20, 5) == 20 && memcmp(b, buf + 5, 20) == 0,
		    "pread at 5");
		CHECK(read(fd, b, 10) == 10 && lseek(fd, 0, SEEK_SET) == 0 &&
		    read(fd, b + 10, 10) == 10 && memcmp(b, b + 10, 10) == 0,
		    "lseek back to 0 reads the start again");
		close(fd);
	}
	if (vk) {
		/* A snapshot: what changes after open is not in it. */
		int fd = open("/proc/self/maps", O_RDONLY);
		void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
		char name[32];
		long r = read(fd, buf2, sizeof(buf2) - 1);

		buf2[r > 0 ? r : 0] = '\0';
		snprintf(name, sizeof(name), "%08lx-", (unsigned long)m);
		CHECK(r > 0 && strstr(buf2, name) == NULL,
		    "a mapping made after open is in the snapshot");
		close(fd);
		slurp("/proc/self/maps", buf2);
		CHECK(strstr(buf2, name) != NULL, "a new open shows it");
	}
}

/* ---- status and stat ---- */

static long
kb(const char *text, const char *key)
{
	const char *v = field(text, key);
	unsigned long n;
	char unit[4];

	if (v == NULL || sscanf(v, "%lu %3s", &n, unit) != 2 ||
	    strcmp(unit, "kB") != 0)
		return -1;
	return (long)n;
}

static void
mode_status(void)
{
	static const char *const order[] = { "Name", "Umask", "State", "Tgid",
	    "Pid", "PPid", "Uid", "Gid", "FDSize", "VmPeak", "VmSize",
	    "VmRSS", "Threads", "SigPnd", "SigBlk", "SigIgn", "SigCgt" };
	const char *prev = buf, *v;
	char comm[17] = "", name[32];
	unsigned long long blk, ign, cgt;
	unsigned uid;
	sigset_t set;
	size_t i;
	int fdsize;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGHUP, (void (*)(int))main_marker);
	CHECK(dup2(2, 70) == 70, "dup2 to 70");
	prctl(PR_GET_NAME, comm);
	CHECK(slurp("/proc/self/status", buf) > 0, "read status");
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		v = field(buf, order[i]);
		CHECK(v != NULL && v > prev, "%s: missing or out of order",
		    order[i]);
		if (v)
			prev = v;
	}
	CHECK(field(buf, "Name") && sscanf(field(buf, "Name"), "\t%31s",
	    name) == 1 && strcmp(name, comm) == 0, "Name is %s", comm);
	CHECK(field(buf, "State") && strncmp(field(buf, "State"),
	    "\tR (running)\n", 13) == 0, "State R");
	CHECK(field(buf, "Pid") && atoi(field(buf, "Pid")) == getpid(), "Pid");
	CHECK(field(buf, "Tgid") && atoi(field(buf, "Tgid")) == getpid(),
	    "Tgid");
	CHECK(field(buf, "PPid") && atoi(field(buf, "PPid")) == getppid(),
	    "PPid");
	CHECK(field(buf, "Uid") && sscanf(field(buf, "Uid"), "%u", &uid) == 1 &&
	    uid == getuid(), "Uid");
	CHECK(field(buf, "Threads") && atoi(field(buf, "Threads")) == 1,
	    "Threads");
	fdsize = field(buf, "FDSize") ? atoi(field(buf, "FDSize")) : 0;
	CHECK(fdsize > 70, "FDSize %d", fdsize);
	CHECK(kb(buf, "VmPeak") >= kb(buf, "VmSize") &&
	    kb(buf, "VmSize") >= kb(buf, "VmRSS") && kb(buf, "VmRSS") > 0,
	    "VmPeak %ld >= VmSize %ld >= VmRSS %ld > 0", kb(buf, "VmPeak"),
	    kb(buf, "VmSize"), kb(buf, "VmRSS"));
	v = field(buf, "VmSize");
	CHECK(v && v[0] == '\t' && strchr(v, '\n') - v == 12,
	    "VmSize laid out as \\t%%8lu kB");
	CHECK(field(buf, "SigBlk") && strlen(field(buf, "SigBlk")) > 17 &&
	    field(buf, "SigBlk")[17] == '\n' &&
	    sscanf(field(buf, "SigBlk"), "%llx", &blk) == 1 &&
	    (blk & (1ULL << (SIGUSR1 - 1))), "SigBlk has SIGUSR1");
	CHECK(field(buf, "SigIgn") && sscanf(field(buf, "SigIgn"), "%llx",
	    &ign) == 1 && (ign & (1ULL << (SIGUSR2 - 1))), "SigIgn: SIGUSR2");
	CHECK(field(buf, "SigCgt") && sscanf(field(buf, "SigCgt"), "%llx",
	    &cgt) == 1 && (cgt & (1ULL << (SIGHUP - 1))) &&
	    !(cgt & (1ULL << (SIGUSR2 - 1))), "SigCgt: SIGHUP, not SIGUSR2");
	CHECK(slurp("/proc/self/comm", buf) > 0 && strlen(buf) ==
	    strlen(comm) + 1 && strncmp(buf, comm, strlen(comm)) == 0,
	    "comm is '%s\\n': '%s'", comm, buf);
}

static void
mode_stat(void)
{
	char *f[64], *s, *close_paren, comm[17] = "";
	unsigned long brk;
	int n = 0;

	prctl(PR_GET_NAME, comm);
	CHECK(slurp("/proc/self/stat", buf) > 0, "read stat");
	close_paren = strrchr(buf, ')');
	CHECK(close_paren != NULL && buf[strlen(buf) - 1] == '\n', "format");
	if (close_paren == NULL)
		return;
	*close_paren = '\0';
	CHECK(atoi(buf) == getpid(), "pid");
	CHECK(strchr(buf, '(') && strcmp(strchr(buf, '(') + 1, comm) == 0,
	    "(comm) is (%s)", comm);
	for (s = strtok(close_paren + 1, " \n"); s && n < 64;
	    s = strtok(NULL, " \n"))
		f[n++] = s;
	/* f[0] is field 3 */
	CHECK(n == 50, "%d fields, not 52", n + 2);
	if (n < 50)
		return;
	CHECK(strcmp(f[0], "R") == 0, "state %s", f[0]);
	CHECK(atoi(f[1]) == getppid(), "ppid");
	CHECK(atoi(f[2]) == getpgrp(), "pgrp");
	CHECK(atoi(f[3]) == getsid(0), "session");
	CHECK(atoi(f[17]) == 1, "num_threads %s", f[17]);
	/* Linux batches rss counts per task: a small one may show 0. */
	CHECK(strtoul(f[20], NULL, 10) > 0 && (!vk || strtoul(f[21], NULL, 10) > 0),
	    "vsize %s rss %s", f[20], f[21]);
	CHECK(strtoul(f[45], NULL, 10) == (unsigned long)g_argv[0],
	    "arg_start %s is argv[0] %p", f[45], (void *)g_argv[0]);
	CHECK(strtoul(f[46], NULL, 10) == (unsigned long)g_argv[g_argc - 1] +
	    strlen(g_argv[g_argc - 1]) + 1, "arg_end %s", f[46]);
	if (g_envp[0] != NULL)
		CHECK(strtoul(f[47], NULL, 10) == (unsigned long)g_envp[0],
		    "env_start %s is environ[0] %p", f[47], (void *)g_envp[0]);
	brk = syscall(SYS_brk, 0);
	CHECK(strtoul(f[44], NULL, 10) <= brk, "start_brk %s <= brk %lx",
	    f[44], brk);
}

/* ---- cmdline, environ ---- */

/* The strings of v joined by NULs into b: the length. */
static long
joined(char **v, char *b)
{
	long n = 0;

	for (; *v; v++) {
		strcpy(b + n, *v);
		n += strlen(*v) + 1;
	}
	return n;
}

static void
mode_args(void)
{
	long n, want;

	n = slurp("/proc/self/cmdline", buf);
	want = joined(g_argv, buf2);
	CHECK(n == want && memcmp(buf, buf2, n) == 0,
	    "cmdline: %ld bytes, argv %ld", n, want);
	n = slurp("/proc/self/environ", buf);
	want = joined(g_envp, buf2);
	CHECK(n == want && memcmp(buf, buf2, n) == 0,
	    "environ: %ld bytes, envp %ld", n, want);
	/* The strings as they are now: a program may rewrite its argv. */
	g_argv[0][0] = '#';
	n = slurp("/proc/self/cmdline", buf);
	CHECK(n > 0 && buf[0] == '#', "cmdline reads memory");
}

/* ---- exe, cwd, fd ---- */

static void
mode_exe(const char *inosize, const char *path)
{
	unsigned long ino, size;
	struct stat st;
	char link[4096];
	long r;
	int fd;

	CHECK(sscanf(inosize, "%lu:%lu", &ino, &size) == 2, "arg %s", inosize);
	fd = open("/proc/self/exe", O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == ino &&
	    (unsigned long)st.st_size == size, "/proc/self/exe is this program");
	CHECK(fd >= 0 && read(fd, link, 4) == 4 && memcmp(link, "\177ELF",
	    4) == 0, "reads as an ELF file");
	close(fd);
	r = readlink("/proc/self/exe", link, sizeof(link) - 1);
	/* ENOSYS: the vkernel's readlink is not in yet. */
	if (r >= 0 || errno != ENOSYS) {
		link[r > 0 ? r : 0] = '\0';
		CHECK(r > 0 && strcmp(link, path) == 0, "readlink %s", link);
	}
	fd = open("/proc/self/cwd", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode),
	    "/proc/self/cwd is a directory");
	close(fd);
	fd = open("/proc/self", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode),
	    "/proc/self is a directory");
	close(fd);
}

static void
mode_fd(void)
{
	struct stat a, b;
	char path[64], link[256], c = 0;
	int p[2], fd, null, st;
	long r;

	CHECK(pipe(p) == 0, "pipe");
	null = open("/dev/null", O_RDWR);
	st = open("/proc/self/status", O_RDONLY);
	/* The read end opened for writing: the same pipe. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1 && read(p[0], &c, 1) == 1 &&
	    c == 'x', "a write through %s reaches the pipe", path);
	CHECK(fstat(fd, &a) == 0 && fstat(p[0], &b) == 0 &&
	    a.st_ino == b.st_ino && S_ISFIFO(a.st_mode), "same pipe inode");
	close(fd);
	r = readlink(path, link, sizeof(link) - 1);
	if (r >= 0 || errno != ENOSYS) {
		link[r > 0 ? r : 0] = '\0';
		snprintf(path, sizeof(path), "pipe:[%lu]", (unsigned long)b.st_ino);
		CHECK(strcmp(link, path) == 0, "readlink of a pipe: %s", link);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", null);
	fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && write(fd, "abc", 3) == 3, "reopened /dev/null");
	CHECK(fstat(fd, &a) == 0 && fstat(null, &b) == 0 &&
	    a.st_rdev == b.st_rdev && S_ISCHR(a.st_mode), "the same device");
	close(fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", st);
	CHECK(slurp(path, buf) > 0 && strncmp(buf, "Name:", 5) == 0,
	    "reopened status: %.20s", buf);
	/* /dev/fd, /dev/stdout: the same file as descriptor 1 (natively only
	 * where the host's /dev has these links: a minimal devtmpfs, as in
	 * the QEMU guest of the hw half, has not). */
	if (!vk && access("/dev/fd", F_OK) != 0)
		return;
	fd = open("/dev/fd/1", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && fstat(fd, &a) == 0 && fstat(1, &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev, "/dev/fd/1 is fd 1");
	close(fd);
	fd = open("/dev/stdout", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && fstat(fd, &a) == 0 && a.st_ino == b.st_ino,
	    "/dev/stdout is fd 1");
	close(fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", 999);
	CHECK(open(path, O_RDONLY) < 0 && errno == ENOENT, "closed fd: ENOENT");
	close(null);
	close(st);
	close(p[0]);
	close(p[1]);
}

/* ---- /dev and the rest of /proc ---- */

static void
mode_dev(void)
{
	char b[64];
	int fd, i, nz = 0;
	struct stat st;

	fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 0 && read(fd, b, sizeof(b)) == 0 && write(fd, b, 5) == 5,
	    "/dev/null");
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	memset(b, 1, sizeof(b));
	CHECK(fd >= 0 && read(fd, b, sizeof(b)) == sizeof(b) && b[0] == 0 &&
	    b[63] == 0, "/dev/zero");
	close(fd);
	fd = open("/dev/full", O_WRONLY);
	CHECK(fd >= 0 && write(fd, b, 1) < 0 && errno == ENOSPC, "/dev/full");
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	CHECK(fd >= 0 && read(fd, b, 32) == 32, "/dev/urandom");
	for (i = 0; i < 32; i++)
		nz += b[i] != 0;
	CHECK(nz > 0, "random bytes are not all zero");
	close(fd);
	fd = open("/dev/tty", O_RDWR);
	CHECK(fd >= 0 || errno == ENXIO, "/dev/tty: open or ENXIO");
	if (fd >= 0)
		close(fd);
	fd = open("/dev", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode), "/dev dir");
	close(fd);
	CHECK(open("/dev/no-such-device", O_RDONLY) < 0 && errno == ENOENT,
	    "/dev/no-such-device: ENOENT");
	CHECK(open("/proc/self/no-such-file", O_RDONLY) < 0 && errno == ENOENT,
	    "/proc/self/no-such-file: ENOENT");
	CHECK(open("/proc/self/status/x", O_RDONLY) < 0 && errno == ENOTDIR,
	    "/proc/self/status/x: ENOTDIR");
	CHECK(open("/proc/self/status", O_RDONLY | O_DIRECTORY) < 0 &&
	    errno == ENOTDIR, "O_DIRECTORY of a file: ENOTDIR");
	CHECK(open("/proc/self", O_WRONLY) < 0 && errno == EISDIR,
	    "/proc/self for writing: EISDIR");
	if (vk) {
		/* root passes Linux's permission checks; the vkernel's /proc
		 * is read-only for everyone, and has no host disks. */
		CHECK(open("/proc/self/status", O_WRONLY) < 0 && errno == EACCES,
		    "status for writing: EACCES");
		CHECK(open("/proc/meminfo", O_RDWR) < 0 && errno == EACCES,
		    "meminfo for writing: EACCES");
		CHECK(open("/dev/sda", O_RDONLY) < 0 && errno == ENOENT,
		    "/dev/sda: ENOENT");
		CHECK(open("/proc/kcore", O_RDONLY) < 0 && errno == ENOENT,
		    "/proc/kcore: ENOENT");
		CHECK(open("/proc/self/mem", O_RDONLY) < 0 && errno == ENOENT,
		    "/proc/self/mem: ENOENT");
		CHECK(open("/etc/../proc/self/../self/./status", O_RDONLY) >= 0,
		    "dots through /proc");
	}
}

static void
mode_sys(void)
{
	unsigned long total, free_, avail;
	double up, idle, l1, l5, l15;
	struct timespec bt;
	struct utsname u;
	char line[256];
	int run, all, last;

	uname(&u);
	CHECK(slurp("/proc/meminfo", buf) > 0 &&
	    sscanf(buf, "MemTotal: %lu kB\nMemFree: %lu kB\nMemAvailable: %lu kB",
	    &total, &free_, &avail) == 3, "meminfo's first lines");
	CHECK(free_ <= total && avail <= total && total > 0,
	    "free %lu, available %lu, total %lu", free_, avail, total);
	CHECK(strncmp(buf, "MemTotal:       ", 16) == 0 && buf[16 + 8] == ' ',
	    "meminfo laid out as %%-16s%%8lu kB");
	if (vk)
		CHECK(total <= 64 * 1024, "MemTotal %lu kB is the -m 64m guest's",
		    total);
	CHECK(slurp("/proc/cpuinfo", buf) > 0 &&
	    strncmp(buf, "processor\t: 0\n", 14) == 0, "cpuinfo starts with cpu 0");
	if (vk)
		CHECK(strstr(buf + 1, "\nprocessor") == NULL, "one processor");
	clock_gettime(CLOCK_BOOTTIME, &bt);
	CHECK(slurp("/proc/uptime", buf) > 0 &&
	    sscanf(buf, "%lf %lf", &up, &idle) == 2 && up >= bt.tv_sec - 1 &&
	    up <= bt.tv_sec + 2, "uptime %s against boottime %ld", buf,
	    (long)bt.tv_sec);
	CHECK(slurp("/proc/loadavg", buf) > 0 &&
	    sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &all,
	    &last) == 6 && run >= 1 && all >= run, "loadavg %s", buf);
	CHECK(slurp("/proc/sys/kernel/ostype", buf) > 0 &&
	    strcmp(buf, "Linux\n") == 0, "ostype");
	snprintf(line, sizeof(line), "%s\n", u.release);
	CHECK(slurp("/proc/sys/kernel/osrelease", buf) > 0 &&
	    strcmp(buf, line) == 0, "osrelease %s", buf);
	snprintf(line, sizeof(line), "%s\n", u.nodename);
	CHECK(slurp("/proc/sys/kernel/hostname", buf) > 0 &&
	    strcmp(buf, line) == 0, "hostname %s", buf);
	CHECK(slurp("/proc/filesystems", buf) > 0 &&
	    strstr(buf, "nodev\tproc\n") != NULL, "filesystems has proc");
}

/* Under the vkernel as pid 1: only guest processes are there. */
static void
mode_guest(const char *hostpid, const char *inosize)
{
	char path[64];
	struct stat st;
	unsigned long ino, size;
	pid_t c;
	int fd, p[2], status;

	CHECK(getpid() == 1, "pid 1");
	CHECK(slurp("/proc/1/status", buf) > 0 && field(buf, "Pid") &&
	    atoi(field(buf, "Pid")) == 1, "/proc/1/status");
	sscanf(inosize, "%lu:%lu", &ino, &size);
	fd = open("/proc/1/exe", O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == ino,
	    "/proc/1/exe is the guest program");
	close(fd);
	snprintf(path, sizeof(path), "/proc/%s/status", hostpid);
	CHECK(open(path, O_RDONLY) < 0 && errno == ENOENT,
	    "host pid %s: ENOENT", hostpid);
	snprintf(path, sizeof(path), "/proc/%s", hostpid);
	CHECK(open(path, O_RDONLY | O_DIRECTORY) < 0 && errno == ENOENT,
	    "/proc/%s: ENOENT", hostpid);
	CHECK(open("/proc/0/status", O_RDONLY) < 0 && errno == ENOENT,
	    "/proc/0: ENOENT");
	CHECK(pipe(p) == 0, "pipe");
	if ((c = fork()) == 0) {
		close(p[1]);
		read(p[0], &status, 1);
		_exit(0);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)c);
	CHECK(slurp(path, buf) > 0 && atoi(field(buf, "PPid")) == 1 &&
	    atoi(field(buf, "Pid")) == c, "the child's status");
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)c);
	CHECK(slurp(path, buf) > 0 && strcmp(buf, g_argv[0]) == 0,
	    "the child's cmdline");
	close(p[1]);
	waitpid(c, &status, 0);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)c);
	CHECK(open(path, O_RDONLY) < 0 && errno == ENOENT,
	    "a reaped child: ENOENT");
	close(p[0]);
}

int
main(int argc, char **argv, char **envp)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_argc = argc;
	g_argv = argv;
	g_envp = envp;
	if (argc < 3) {
		fprintf(stderr, "usage: procfs MODE native|vk [ARG...]\n");
		return 2;
	}
	mode = argv[1];
	vk = strcmp(argv[2], "vk") == 0;
	if (strcmp(mode, "maps") == 0)
		mode_maps();
	else if (strcmp(mode, "status") == 0)
		mode_status();
	else if (strcmp(mode, "stat") == 0)
		mode_stat();
	else if (strcmp(mode, "args") == 0)
		mode_args();
	else if (strcmp(mode, "exe") == 0 && argc > 4)
		mode_exe(argv[3], argv[4]);
	else if (strcmp(mode, "fd") == 0)
		mode_fd();
	else if (strcmp(mode, "dev") == 0)
		mode_dev();
	else if (strcmp(mode, "sys") == 0)
		mode_sys();
	else if (strcmp(mode, "guest") == 0 && argc > 4)
		mode_guest(argv[3], argv[4]);
	else {
		fprintf(stderr, "procfs: unknown mode %s\n", mode);
		return 2;
	}
	if (failures == 0)
		printf("%s ok: %ld checks\n", mode, checks);
	return failures != 0;
}
