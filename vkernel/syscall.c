/* syscall.c: the guest's Linux system calls: the table and the calls a static program needs. */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <asm/prctl.h>

#include "sys.h"
#include "file.h"

#define NSYSCALLS 512

static const char *const sysnames[NSYSCALLS] = {
#include "sysnames.h"
};

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
mmap_file_check(struct proc *p, long fd, bool shared, bool write)
{
	struct file *f = fdtab_get(p->fds, fd);
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
	long va, rc;
	int err = 0;

	if (off < 0 || (uint64_t)off + len < (uint64_t)off)
		return -EOVERFLOW;
	if ((rc = mmap_file_check(p, fd, shared, prot & KS_PROT_WRITE)) != 0)
		return rc;
	f = fdtab_get(p->fds, fd);
	if (shared && !file_writable(f))
		maxprot &= ~KS_PROT_WRITE;
	if ((fobj = vm_file_get(f->hostfd, ((uint64_t)off + len) / PAGE_SIZE,
	    &err)) == NULL)
		return err;
	va = mmap_place(p, addr, len, prot, maxprot, eflags, flags, fobj,
	    (size_t)off / PAGE_SIZE);
	vm_object_unref(fobj); /* the mapping holds its own */
	return va;
}

/* Anonymous memory, or a file's page cache (mmap_file). */
static long
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
	if (!(flags & MAP_ANONYMOUS))
		return mmap_file(p, a[0], len, prot, eflags, flags, (long)a[4],
		    (off_t)a[5]);
	return mmap_place(p, a[0], len, prot, KS_PROT_READ | KS_PROT_WRITE |
	    KS_PROT_EXEC, eflags, flags, NULL, 0);
}

static long
sys_munmap(struct proc *p, const uint64_t *a)
{
	if (a[0] & PAGE_MASK || a[1] == 0 || !range_ok(a[0], round_page(a[1])))
		return -EINVAL;
	return vm_map_remove(&p->vm->map, a[0], round_page(a[1]));
}

static long
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
static long
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
static long
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
static long
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

static long
sys_msync(struct proc *p, const uint64_t *a)
{
	uint64_t len = round_page(a[1]);

	if (len < a[1])
		return -ENOMEM;
	if (a[0] & PAGE_MASK || (a[1] != 0 && !range_ok(a[0], len)))
		return a[0] & PAGE_MASK ? -EINVAL : -ENOMEM;
	return vm_map_msync(&p->vm->map, a[0], len, (int)a[2]);
}

static long
sys_brk(struct proc *p, const uint64_t *a)
{
	gva_t want = a[0], old = round_page(p->vm->brk_end), new;

	if (want < p->vm->brk_base || want >= VK_MMAP_TOP)
		return (long)p->vm->brk_end;
	new = round_page(want);
	if (new > old &&
	    vm_map_anon(&p->vm->map, old, new - old, KS_PROT_READ | KS_PROT_WRITE,
	    VM_ENTRY_BRK, false) != 0)
		return (long)p->vm->brk_end;
	if (new < old && vm_map_remove(&p->vm->map, new, old - new) != 0)
		return (long)p->vm->brk_end;
	p->vm->brk_end = want;
	return (long)want;
}

static long
sys_arch_prctl(struct proc *p, const uint64_t *a)
{
	switch (a[0]) {
	case ARCH_SET_FS:
		if (a[1] >= KS_USER_MAX)
			return -EPERM;
		p->frame.fs_base = a[1];
		return 0;
	case ARCH_SET_GS:
		if (a[1] >= KS_USER_MAX)
			return -EPERM;
		p->frame.gs_base = a[1];
		return 0;
	case ARCH_GET_FS:
		return copyout(p, a[1], &p->frame.fs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_GS:
		return copyout(p, a[1], &p->frame.gs_base, 8) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

static long
sys_set_tid_address(struct proc *p, const uint64_t *a)
{
	p->clear_tid = a[0];
	return p->pid;
}

static long
sys_set_robust_list(struct proc *p, const uint64_t *a)
{
	(void)p;
	return a[1] == 24 ? 0 : -EINVAL;
}

static long
sys_uname(struct proc *p, const uint64_t *a)
{
	struct utsname u;

	if (host_ret(p, uname(&u)) < 0)
		memset(&u, 0, sizeof(u));
	snprintf(u.nodename, sizeof(u.nodename), "vkernel");
	snprintf(u.version, sizeof(u.version), "#1 vkernel");
	return copyout(p, a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

static long
sys_getpid(struct proc *p, const uint64_t *a)
{
	(void)a;
	return p->pid;
}

static long
sys_getid(struct proc *p, const uint64_t *a)
{
	(void)a;
	switch (p->frame.rax) {
	case SYS_getuid:  return getuid();
	case SYS_geteuid: return geteuid();
	case SYS_getgid:  return getgid();
	default:          return getegid();
	}
}

/*
 * Clock ids as Linux encodes them (an int: the register's upper half is
 * ignored).  A negative id is a CPU-time clock:
 * ((~pid) << 3) | (per-thread ? 4 : 0) | type (0 PROF, 1 VIRT, 2 SCHED;
 * 3 is a dynamic clock's fd, not a CPU clock).
 */
#define CPUCLOCK_PID(id)     ((pid_t)~((id) >> 3))
#define CPUCLOCK_TYPE(id)    ((id) & 3)
#define CPUCLOCK_PERTHREAD   4
#define CPUCLOCK_FD          3
#define CLOCK_REALTIME_ALARM_  8
#define CLOCK_BOOTTIME_ALARM_  9

enum clock_kind { CLK_BAD, CLK_HOST, CLK_CPU };

/*
 * What the guest's clock id names, and the host clock to read for it:
 * the standard clocks (the alarm clocks read their base clock, whatever
 * the host's RTC), or one of the guest's own CPU clocks: the process and
 * thread clocks, by their fixed ids, by pid 0 or by the guest's own pid.
 * Every other id, the CPU clocks of host processes above all, is CLK_BAD:
 * EINVAL, as Linux says for a process that does not exist, so the guest
 * learns nothing about the host's pids.
 */
static enum clock_kind
clock_kind(struct proc *p, clockid_t id, clockid_t *host)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		*host = id;
		return CLK_HOST;
	case CLOCK_REALTIME_ALARM_:
		*host = CLOCK_REALTIME;
		return CLK_HOST;
	case CLOCK_BOOTTIME_ALARM_:
		*host = CLOCK_BOOTTIME;
		return CLK_HOST;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*host = id; /* the vkernel's own: for getres */
		return CLK_CPU;
	}
	if (id >= 0 || CPUCLOCK_TYPE(id) == CPUCLOCK_FD)
		return CLK_BAD;
	if (CPUCLOCK_PID(id) != 0 && CPUCLOCK_PID(id) != p->pid)
		return CLK_BAD;
	/* The same kind of clock of the vkernel itself (pid 0), for getres. */
	*host = (clockid_t)((~0U << 3) | (id & (CPUCLOCK_PERTHREAD | 3)));
	return CLK_CPU;
}

/* clock_gettime and clock_getres.  A guest CPU clock reads the CPU time
 * the host spent running the guest (its stub process or vCPU thread). */
static long
sys_clock_gettime(struct proc *p, const uint64_t *a)
{
	bool getres = p->frame.rax == SYS_clock_getres;
	struct timespec ts;
	clockid_t host;
	long r;

	switch (clock_kind(p, (clockid_t)a[0], &host)) {
	case CLK_BAD:
		return -EINVAL;
	case CLK_CPU:
		if (!getres) {
			p->nhostcalls++;
			if (vk.ops->cputime == NULL) {
				uint64_t ns = sched_cputime(p);

				ts.tv_sec = (time_t)(ns / 1000000000ULL);
				ts.tv_nsec = (long)(ns % 1000000000ULL);
				break;
			}
			r = vk.ops->cputime(p->vm->space, &ts);
			if (r < 0)
				return r;
			break;
		}
		/* FALLTHROUGH */
	case CLK_HOST:
		if ((r = host_ret(p, getres ? clock_getres(host, &ts) :
		    clock_gettime(host, &ts))) < 0)
			return r;
		break;
	}
	if (a[1] == 0 && getres)
		return 0;
	return copyout(p, a[1], &ts, sizeof(ts)) ? -EFAULT : 0;
}

static long
sys_gettimeofday(struct proc *p, const uint64_t *a)
{
	struct timeval tv;
	struct timezone tz = { 0, 0 };

	host_ret(p, gettimeofday(&tv, NULL));
	if (a[0] && copyout(p, a[0], &tv, sizeof(tv)))
		return -EFAULT;
	if (a[1] && copyout(p, a[1], &tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

static long
sys_time(struct proc *p, const uint64_t *a)
{
	int64_t t = time(NULL);

	if (a[0] && copyout(p, a[0], &t, sizeof(t)))
		return -EFAULT;
	return t;
}

static long
sys_nanosleep(struct proc *p, const uint64_t *a)
{
	struct timespec ts;

	if (copyin(p, &ts, a[0], sizeof(ts)))
		return -EFAULT;
	if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L || ts.tv_sec < 0)
		return -EINVAL;
	return sig_sleep(p, CLOCK_MONOTONIC, false, &ts, a[1]);
}

/*
 * clock_nanosleep on the clocks Linux can sleep on: REALTIME, MONOTONIC,
 * BOOTTIME and TAI, relative or TIMER_ABSTIME.  The rest fail as Linux
 * fails them for an unprivileged caller, in its order: clocks without a
 * sleep (raw, coarse, CLOCK_THREAD_CPUTIME_ID) EOPNOTSUPP, then EFAULT
 * and EINVAL for the request, then the alarm clocks EPERM (no
 * CAP_WAKE_ALARM) and the guest's own per-thread CPU clocks EINVAL.
 * Sleeping on its own process CPU clock is not supported here
 * (EOPNOTSUPP).  Any other id is EINVAL, as for clock_gettime.
 */
static long
sys_clock_nanosleep(struct proc *p, const uint64_t *a)
{
	struct timespec ts;
	clockid_t id = (clockid_t)a[0]; /* an int, as Linux takes it */
	clockid_t host;
	enum clock_kind kind;

	if ((kind = clock_kind(p, id, &host)) == CLK_BAD)
		return -EINVAL;
	if (id == CLOCK_THREAD_CPUTIME_ID || (kind == CLK_HOST &&
	    host != CLOCK_REALTIME && host != CLOCK_MONOTONIC &&
	    host != CLOCK_BOOTTIME && host != CLOCK_TAI))
		return -EOPNOTSUPP;
	if (copyin(p, &ts, a[2], sizeof(ts)))
		return -EFAULT;
	if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L || ts.tv_sec < 0)
		return -EINVAL;
	if (id == CLOCK_REALTIME_ALARM_ || id == CLOCK_BOOTTIME_ALARM_)
		return -EPERM;
	if (kind == CLK_CPU)
		return id < 0 && (id & CPUCLOCK_PERTHREAD) ? -EINVAL :
		    -EOPNOTSUPP;
	return sig_sleep(p, host, (a[1] & TIMER_ABSTIME) != 0, &ts, a[3]);
}

static long
sys_getrandom(struct proc *p, const uint64_t *a)
{
	char buf[256];
	size_t done = 0, len = a[1] > 33554431 ? 33554431 : a[1];
	long r;

	if (a[2] & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | 0x4))
		return -EINVAL;
	while (done < len) {
		size_t n = len - done > sizeof(buf) ? sizeof(buf) : len - done;

		if ((r = host_ret(p, getrandom(buf, n, 0))) < 0)
			return done ? (long)done : r;
		if (copyout(p, a[0] + done, buf, r))
			return done ? (long)done : -EFAULT;
		done += r;
	}
	return (long)done;
}

static struct rlimit rlimits[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_FSIZE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_DATA] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_STACK] = { VK_STACK_SIZE, RLIM_INFINITY },
	[RLIMIT_CORE] = { 0, RLIM_INFINITY },
	[RLIMIT_RSS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NPROC] = { VK_PROC_MAX, VK_PROC_MAX },
	[RLIMIT_NOFILE] = { 1024, 4096 },
	[RLIMIT_MEMLOCK] = { 8 << 20, 8 << 20 },
	[RLIMIT_AS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_LOCKS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_SIGPENDING] = { 4096, 4096 },
	[RLIMIT_MSGQUEUE] = { 819200, 819200 },
	[RLIMIT_NICE] = { 0, 0 },
	[RLIMIT_RTPRIO] = { 0, 0 },
	[RLIMIT_RTTIME] = { RLIM_INFINITY, RLIM_INFINITY },
};

static long
sys_prlimit64(struct proc *p, const uint64_t *a)
{
	struct rlimit nl;

	if (a[0] != 0 && a[0] != (uint64_t)p->pid)
		return -ESRCH;
	if (a[1] >= RLIM_NLIMITS)
		return -EINVAL;
	if (a[2] && copyin(p, &nl, a[2], sizeof(nl)))
		return -EFAULT;
	if (a[2] && (nl.rlim_cur > nl.rlim_max ||
	    nl.rlim_max > rlimits[a[1]].rlim_max))
		return nl.rlim_cur > nl.rlim_max ? -EINVAL : -EPERM;
	if (a[3] && copyout(p, a[3], &rlimits[a[1]], sizeof(nl)))
		return -EFAULT;
	if (a[2])
		rlimits[a[1]] = nl;
	return 0;
}

uint64_t
sys_rlimit_cur(int res)
{
	return rlimits[res].rlim_cur;
}

static long
sys_getrlimit(struct proc *p, const uint64_t *a)
{
	uint64_t b[4] = { 0, a[0], 0, a[1] };

	return sys_prlimit64(p, b);
}

static long
sys_exit(struct proc *p, const uint64_t *a)
{
	proc_exit(p, (int)(a[0] & 0xff));
	return 0;
}

/* prctl: the process name, and the calls a C library or a shell makes
 * that change nothing here; the rest EINVAL, as for an unknown option. */
static long
sys_prctl(struct proc *p, const uint64_t *a)
{
	char name[16];

	switch (a[0]) {
	case PR_SET_NAME:
		if (copyinstr(p, name, a[1], sizeof(name)) < 0 &&
		    copyin(p, name, a[1], sizeof(name) - 1) != 0)
			return -EFAULT;
		name[sizeof(name) - 1] = '\0';
		memcpy(p->comm, name, sizeof(p->comm));
		return 0;
	case PR_GET_NAME:
		return copyout(p, a[1], p->comm, sizeof(p->comm)) ? -EFAULT : 0;
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_DUMPABLE:
		return a[1] <= 1 ? 0 : -EINVAL;
	case PR_SET_PDEATHSIG:
		return a[1] <= VK_NSIG ? 0 : -EINVAL;
	case PR_GET_PDEATHSIG:
		return copyout(p, a[1], &(int){ 0 }, sizeof(int)) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

/* getpeername, getsockname: no descriptor is a socket (yet). */
static long
sys_getsockname(struct proc *p, const uint64_t *a)
{
	return fdtab_get(p->fds, (long)a[0]) != NULL ? -ENOTSOCK : -EBADF;
}

/* sysinfo: the guest's memory and processes, the host's uptime. */
static long
sys_sysinfo(struct proc *p, const uint64_t *a)
{
	struct vm_page_stats ps;
	struct sysinfo si;
	struct timespec up;

	memset(&si, 0, sizeof(si));
	clock_gettime(CLOCK_BOOTTIME, &up);
	vm_page_stats(&ps);
	si.uptime = up.tv_sec;
	si.totalram = vk.memsize;
	si.freeram = (unsigned long)ps.free * PAGE_SIZE;
	si.procs = (unsigned short)proc_count();
	si.mem_unit = 1;
	return copyout(p, a[0], &si, sizeof(si)) ? -EFAULT : 0;
}

/* One vCPU: every process runs on CPU 0, and may only ask for it. */
static long
sys_sched_getaffinity(struct proc *p, const uint64_t *a)
{
	uint64_t mask = 1;

	if (a[0] != 0 && proc_find((pid_t)a[0]) == NULL)
		return -ESRCH;
	if (a[1] < sizeof(mask) || (a[1] & (sizeof(long) - 1)))
		return -EINVAL;
	return copyout(p, a[2], &mask, sizeof(mask)) ? -EFAULT :
	    (long)sizeof(mask);
}

static long
sys_sched_setaffinity(struct proc *p, const uint64_t *a)
{
	uint64_t mask = 0;

	if (a[0] != 0 && proc_find((pid_t)a[0]) == NULL)
		return -ESRCH;
	if (copyin(p, &mask, a[2], a[1] < sizeof(mask) ? a[1] : sizeof(mask)))
		return -EFAULT;
	return mask & 1 ? 0 : -EINVAL;
}

static long
sys_getcpu(struct proc *p, const uint64_t *a)
{
	unsigned zero = 0;

	if ((a[0] && copyout(p, a[0], &zero, sizeof(zero))) ||
	    (a[1] && copyout(p, a[1], &zero, sizeof(zero))))
		return -EFAULT;
	return 0;
}

static long
sys_sched_yield(struct proc *p, const uint64_t *a)
{
	(void)a;
	sched_give_way(p);
	return 0;
}

static const sys_fn systab[NSYSCALLS] = {
	[SYS_read] = sys_read,
	[SYS_write] = sys_write,
	[SYS_readv] = sys_readv,
	[SYS_writev] = sys_writev,
	[SYS_pread64] = sys_pread64,
	[SYS_pwrite64] = sys_pwrite64,
	[SYS_lseek] = sys_lseek,
	[SYS_fstat] = sys_fstat,
	[SYS_newfstatat] = sys_newfstatat,
	[SYS_ioctl] = sys_ioctl,
	[SYS_close] = sys_close,
	[SYS_close_range] = sys_close_range,
	[SYS_dup] = sys_dup,
	[SYS_dup2] = sys_dup2,
	[SYS_dup3] = sys_dup3,
	[SYS_pipe] = sys_pipe,
	[SYS_pipe2] = sys_pipe2,
	[SYS_fcntl] = sys_fcntl,
	[SYS_poll] = sys_poll,
	[SYS_ppoll] = sys_ppoll,
	[SYS_select] = sys_select,
	[SYS_pselect6] = sys_pselect6,
	[SYS_mmap] = sys_mmap,
	[SYS_munmap] = sys_munmap,
	[SYS_mprotect] = sys_mprotect,
	[SYS_madvise] = sys_madvise,
	[SYS_mremap] = sys_mremap,
	[SYS_mincore] = sys_mincore,
	[SYS_msync] = sys_msync,
	[SYS_brk] = sys_brk,
	[SYS_arch_prctl] = sys_arch_prctl,
	[SYS_set_tid_address] = sys_set_tid_address,
	[SYS_set_robust_list] = sys_set_robust_list,
	[SYS_uname] = sys_uname,
	[SYS_getpid] = sys_getpid,
	[SYS_gettid] = sys_getpid,
	[SYS_getppid] = sys_getppid,
	[SYS_getuid] = sys_getid,
	[SYS_geteuid] = sys_getid,
	[SYS_getgid] = sys_getid,
	[SYS_getegid] = sys_getid,
	[SYS_clock_gettime] = sys_clock_gettime,
	[SYS_clock_getres] = sys_clock_gettime,
	[SYS_gettimeofday] = sys_gettimeofday,
	[SYS_time] = sys_time,
	[SYS_nanosleep] = sys_nanosleep,
	[SYS_clock_nanosleep] = sys_clock_nanosleep,
	[SYS_getrandom] = sys_getrandom,
	[SYS_prlimit64] = sys_prlimit64,
	[SYS_getrlimit] = sys_getrlimit,
	[SYS_exit] = sys_exit,
	[SYS_exit_group] = sys_exit,
	/* sys_signal.c */
	[SYS_rt_sigaction] = sys_rt_sigaction,
	[SYS_rt_sigprocmask] = sys_rt_sigprocmask,
	[SYS_rt_sigreturn] = sys_rt_sigreturn,
	[SYS_rt_sigsuspend] = sys_rt_sigsuspend,
	[SYS_rt_sigtimedwait] = sys_rt_sigtimedwait,
	[SYS_rt_sigpending] = sys_rt_sigpending,
	[SYS_sigaltstack] = sys_sigaltstack,
	[SYS_kill] = sys_kill,
	[SYS_tgkill] = sys_tgkill,
	[SYS_tkill] = sys_tkill,
	[SYS_alarm] = sys_alarm,
	[SYS_setitimer] = sys_setitimer,
	[SYS_getitimer] = sys_getitimer,
	[SYS_pause] = sys_pause,
	[SYS_sched_yield] = sys_sched_yield,
	[SYS_prctl] = sys_prctl,
	[SYS_sysinfo] = sys_sysinfo,
	[SYS_getpeername] = sys_getsockname,
	[SYS_getsockname] = sys_getsockname,
	[SYS_sched_getaffinity] = sys_sched_getaffinity,
	[SYS_sched_setaffinity] = sys_sched_setaffinity,
	[SYS_getcpu] = sys_getcpu,
	/* sys_proc.c, exec.c */
	[SYS_fork] = sys_fork,
	[SYS_vfork] = sys_vfork,
	[SYS_clone] = sys_clone,
	[SYS_execve] = sys_execve,
	[SYS_wait4] = sys_wait4,
	[SYS_waitid] = sys_waitid,
	[SYS_getpgid] = sys_getpgid,
	[SYS_getpgrp] = sys_getpgrp,
	[SYS_getsid] = sys_getsid,
	[SYS_setpgid] = sys_setpgid,
	[SYS_setsid] = sys_setsid,
	/* sys_fs.c */
	[SYS_open] = sys_open,
	[SYS_openat] = sys_openat,
	[SYS_creat] = sys_creat,
	[SYS_stat] = sys_stat,
	[SYS_lstat] = sys_lstat,
	[SYS_statx] = sys_statx,
	[SYS_statfs] = sys_statfs,
	[SYS_fstatfs] = sys_fstatfs,
	[SYS_getdents64] = sys_getdents64,
	[SYS_mkdir] = sys_mkdir,
	[SYS_mkdirat] = sys_mkdirat,
	[SYS_rmdir] = sys_rmdir,
	[SYS_unlink] = sys_unlink,
	[SYS_unlinkat] = sys_unlinkat,
	[SYS_rename] = sys_rename,
	[SYS_renameat] = sys_renameat,
	[SYS_renameat2] = sys_renameat2,
	[SYS_link] = sys_link,
	[SYS_linkat] = sys_linkat,
	[SYS_symlink] = sys_symlink,
	[SYS_symlinkat] = sys_symlinkat,
	[SYS_readlink] = sys_readlink,
	[SYS_readlinkat] = sys_readlinkat,
	[SYS_access] = sys_access,
	[SYS_faccessat] = sys_faccessat,
	[SYS_faccessat2] = sys_faccessat2,
	[SYS_chmod] = sys_chmod,
	[SYS_fchmod] = sys_fchmod,
	[SYS_fchmodat] = sys_fchmodat,
	[SYS_chown] = sys_chown,
	[SYS_lchown] = sys_lchown,
	[SYS_fchown] = sys_fchown,
	[SYS_fchownat] = sys_fchownat,
	[SYS_utimensat] = sys_utimensat,
	[SYS_utimes] = sys_utimes,
	[SYS_utime] = sys_utime,
	[SYS_truncate] = sys_truncate,
	[SYS_ftruncate] = sys_ftruncate,
	[SYS_fallocate] = sys_fallocate,
	[SYS_fadvise64] = sys_fadvise64,
	[SYS_fsync] = sys_fsync,
	[SYS_syncfs] = sys_syncfs,
	[SYS_umask] = sys_umask,
	[SYS_preadv] = sys_preadv,
	[SYS_pwritev] = sys_pwritev,
	[SYS_preadv2] = sys_preadv2,
	[SYS_pwritev2] = sys_pwritev2,
	[SYS_sendfile] = sys_sendfile,
	[SYS_flock] = sys_flock,
	[SYS_getcwd] = sys_getcwd,
	[SYS_futex] = sys_futex,
	[SYS_getxattr] = sys_getxattr,
	[SYS_lgetxattr] = sys_lgetxattr,
	[SYS_fgetxattr] = sys_fgetxattr,
	[SYS_listxattr] = sys_listxattr,
	[SYS_llistxattr] = sys_listxattr,
	[SYS_flistxattr] = sys_flistxattr,
	[SYS_setxattr] = sys_setxattr,
	[SYS_lsetxattr] = sys_setxattr,
	[SYS_fsetxattr] = sys_setxattr,
	[SYS_removexattr] = sys_setxattr,
	[SYS_lremovexattr] = sys_setxattr,
	[SYS_fremovexattr] = sys_setxattr,
	[SYS_chdir] = sys_chdir,
	[SYS_fchdir] = sys_fchdir,
	[SYS_fdatasync] = sys_fsync,
};

/*
 * Calls the C libraries' start-up makes and expects may fail: glibc 2.36
 * (static and static-pie) registers rseq and goes on without it (its
 * readlink of /proc/self/exe is specfs's now); musl's static start-up
 * makes none.  path, when set,
 * is the only first argument that counts.  Under -v these are listed once
 * at exit (syscall_report) instead of warned about call by call, so the
 * unimplemented calls a program really needs stand out.
 */
static const struct {
	int nr;
	const char *path;
} probed[] = {
	{ SYS_rseq, NULL },
};
static bool probed_seen[sizeof(probed) / sizeof(probed[0])];

/* Marks and returns true when nr with arguments a is one of probed[]. */
static bool
probed_call(struct proc *p, uint64_t nr, const uint64_t *a)
{
	char path[32];
	size_t i;

	for (i = 0; i < sizeof(probed) / sizeof(probed[0]); i++) {
		if ((uint64_t)probed[i].nr != nr)
			continue;
		if (probed[i].path != NULL &&
		    (copyinstr(p, path, a[0], sizeof(path)) < 0 ||
		    strcmp(path, probed[i].path) != 0))
			continue;
		probed_seen[i] = true;
		return true;
	}
	return false;
}

void
syscall_report(void)
{
	char line[256];
	size_t i, n = 0;

	for (i = 0; i < sizeof(probed) / sizeof(probed[0]); i++)
		if (probed_seen[i] && n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " %s",
			    sysnames[probed[i].nr]);
	if (n > 0)
		vk_log("unimplemented (probed by the C library, expected to "
		    "fail):%s", line);
}

void
syscall_dispatch(struct proc *p)
{
	static bool warned[NSYSCALLS];
	uint64_t nr = p->frame.rax;
	const uint64_t a[6] = { p->frame.rdi, p->frame.rsi, p->frame.rdx,
	    p->frame.r10, p->frame.r8, p->frame.r9 };
	long r;

	p->nsyscalls++;
	if (nr < NSYSCALLS && systab[nr] != NULL) {
		r = systab[nr](p, a);
	} else {
		p->nenosys++;
		if (vk.verbose && (nr >= NSYSCALLS || !warned[nr]) &&
		    !probed_call(p, nr, a)) {
			if (nr < NSYSCALLS)
				warned[nr] = true;
			vk_log("pid %d (%s): unimplemented syscall %s (%llu): "
			    "ENOSYS", p->pid, p->comm,
			    nr < NSYSCALLS && sysnames[nr] ? sysnames[nr] : "?",
			    (unsigned long long)nr);
		}
		r = -ENOSYS;
	}
	p->frame.rax = (uint64_t)r;
}
