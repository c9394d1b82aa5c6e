/* hostile.c: guest that calls each system call vkernel implements with hostile arguments (bad pointers, fds, lengths, flags) through raw syscall() and checks each fails with Linux's errno; stdin must be a regular file of 64+ bytes (the read checks). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define KERNEL_ADDR	0xffffffffffe04000UL	/* hw trampoline; kernel natively */
#define KERNEL_2M	0xffffffffffe00000UL
#define NONCANONICAL	0x8000000000000000UL
#define PAGE		4096UL
#define TCGETS_		0x5401
#define AT_EMPTY_PATH_	0x1000
#define RLIMIT_NOFILE_	7

/* arch_prctl codes (asm/prctl.h is not in musl's headers). */
#define ARCH_SET_GS_	0x1001
#define ARCH_SET_FS_	0x1002
#define ARCH_GET_FS_	0x1003
#define ARCH_GET_GS_	0x1004

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* The kernel's struct sigaction for rt_sigaction. */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static int failures;
static int checks;
static char *pg;	/* a page of 'x' that no failed call may change */
#define PAGE_OK() (pg[0] == 'x' && pg[PAGE - 1] == 'x')

/* Expects r == -1 with errno want; errno was cleared before the call. */
static void
expect_err(long r, int want, const char *what)
{
	int e = errno;

	checks++;
	if (r != -1 || e != want) {
		printf("FAIL: %s returned %ld, errno %d (%s); expected %s\n",
		    what, r, e, strerror(e), strerror(want));
		failures++;
	}
	if (!PAGE_OK()) {
		printf("FAIL: %s changed the test page\n", what);
		failures++;
		memset(pg, 'x', PAGE);
	}
}

/* Expects r == want exactly (for calls that do not fail, e.g. brk). */
static void
expect_val(long r, long want, const char *what)
{
	checks++;
	if (r != want) {
		printf("FAIL: %s returned %ld (%#lx), errno %d; expected %#lx\n",
		    what, r, (unsigned long)r, errno, (unsigned long)want);
		failures++;
	}
}

#define E(call, want, what) do {		\
	errno = 0;				\
	expect_err((long)(call), want, what);	\
} while (0)

int
main(void)
{
	char buf[64];
	struct stat st;
	struct timespec ts;
	struct rlimit_k { uint64_t cur, max; } rl;
	struct ksigaction sa;
	uint64_t set = 0;

	/* Two pages: the first mapped RW, the second unmapped (a guard). */
	pg = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* Four unmapped pages: in range, but absent. */
	char *gone = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pg == MAP_FAILED || gone == MAP_FAILED ||
	    munmap(pg + PAGE, PAGE) != 0 || munmap(gone, 4 * PAGE) != 0) {
		printf("FAIL: setting up the test pages\n");
		return 1;
	}
	memset(pg, 'x', PAGE);
	if (fstat(0, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 64) {
		printf("FAIL: stdin must be a regular file of 64+ bytes\n");
		return 1;
	}
	fflush(stdout);

	/* write */
	E(syscall(SYS_write, 1, NULL, 10), EFAULT, "write from NULL");
	E(syscall(SYS_write, 1, KERNEL_ADDR, 10), EFAULT,
	    "write from the kernel address");
	E(syscall(SYS_write, 1, NONCANONICAL, 10), EFAULT,
	    "write from a non-canonical address");
	E(syscall(SYS_write, 1, gone, 1UL << 30), EFAULT,
	    "write of 1 GiB from an unmapped range");
	E(syscall(SYS_write, 1, pg, 1UL << 62), EFAULT,
	    "write of 2^62 bytes (past the user range)");
	E(syscall(SYS_write, 1, pg, ~0UL), EFAULT,
	    "write of ~0 bytes (wraps)");
	E(syscall(SYS_write, 99, pg, 10), EBADF, "write to fd 99");
	E(syscall(SYS_write, -1, pg, 10), EBADF, "write to fd -1");

	/* read */
	E(syscall(SYS_read, 0, NULL, 10), EFAULT, "read into NULL");
	E(syscall(SYS_read, 0, KERNEL_ADDR, 10), EFAULT,
	    "read into the kernel address");
	E(syscall(SYS_read, 0, gone, 1UL << 30), EFAULT,
	    "read of 1 GiB into an unmapped range");
	E(syscall(SYS_read, 0, pg, 1UL << 62), EFAULT,
	    "read of 2^62 bytes (past the user range)");
	E(syscall(SYS_read, 99, buf, 10), EBADF, "read from fd 99");
	E(syscall(SYS_read, 1 << 30, buf, 10), EBADF, "read from fd 2^30");
	/* No failed read consumed input: stdin is still at offset 0. */
	checks++;
	if (syscall(SYS_read, 0, buf, 4) != 4 || memcmp(buf, "\177ELF", 4) != 0) {
		printf("FAIL: the failed reads moved stdin's offset\n");
		failures++;
	}

	/* writev */
	struct iovec iov[2] = { { pg, 1 }, { pg, 1 } };
	E(syscall(SYS_writev, 1, iov, -1), EINVAL, "writev iovcnt -1");
	E(syscall(SYS_writev, 1, iov, 1025), EINVAL, "writev iovcnt 1025");
	struct iovec nulliov = { NULL, 10 };
	E(syscall(SYS_writev, 1, &nulliov, 1), EFAULT,
	    "writev of an iov at NULL");
	E(syscall(SYS_writev, 1, NULL, 1), EFAULT, "writev with iov NULL");
	E(syscall(SYS_writev, 1, KERNEL_ADDR, 1), EFAULT,
	    "writev with iov at the kernel address");
	struct iovec neg = { pg, (size_t)-1 };
	E(syscall(SYS_writev, 1, &neg, 1), EINVAL, "writev iov_len -1");
	E(syscall(SYS_writev, 99, iov, 1), EBADF, "writev to fd 99");

	/* fstat, newfstatat, ioctl */
	E(syscall(SYS_fstat, 99, &st), EBADF, "fstat fd 99");
	E(syscall(SYS_fstat, 1, NULL), EFAULT, "fstat into NULL");
	E(syscall(SYS_fstat, 1, KERNEL_ADDR), EFAULT,
	    "fstat into the kernel address");
	E(syscall(SYS_newfstatat, 99, "", &st, AT_EMPTY_PATH_), EBADF,
	    "newfstatat fd 99 with AT_EMPTY_PATH");
	E(syscall(SYS_newfstatat, 1, "", KERNEL_ADDR, AT_EMPTY_PATH_), EFAULT,
	    "newfstatat into the kernel address");
	E(syscall(SYS_ioctl, 99, TCGETS_, buf), EBADF, "ioctl fd 99");

	/* mmap */
	E(syscall(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0), EINVAL, "mmap length 0");
	E(syscall(SYS_mmap, 0x10001000UL + 1, PAGE, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL,
	    "mmap unaligned MAP_FIXED");
	E(syscall(SYS_mmap, KERNEL_2M, 2UL << 20, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), ENOMEM,
	    "mmap MAP_FIXED over the kernel");
	E(syscall(SYS_mmap, KERNEL_ADDR, PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), ENOMEM,
	    "mmap MAP_FIXED on the trampoline");
	E(syscall(SYS_mmap, 0, 1UL << 60, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM, "mmap length 2^60");
	E(syscall(SYS_mmap, 0, ~0UL - PAGE, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM,
	    "mmap length ~0 - 4096");
	E(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL,
	    "mmap neither MAP_PRIVATE nor MAP_SHARED");
	E(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 1), EINVAL, "mmap unaligned offset");
	E(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, 99, 0), EBADF,
	    "mmap of fd 99");
	E(syscall(SYS_mmap, pg, PAGE, PROT_READ,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST,
	    "mmap MAP_FIXED_NOREPLACE over a mapping");

	/* munmap, mprotect, madvise */
	E(syscall(SYS_munmap, pg + 1, PAGE), EINVAL, "munmap unaligned");
	E(syscall(SYS_munmap, pg, 0), EINVAL, "munmap length 0");
	E(syscall(SYS_munmap, KERNEL_2M, 2UL << 20), EINVAL,
	    "munmap the kernel");
	E(syscall(SYS_mprotect, pg + 1, PAGE, PROT_READ), EINVAL,
	    "mprotect unaligned");
	E(syscall(SYS_mprotect, gone, PAGE, PROT_READ), ENOMEM,
	    "mprotect an unmapped range");
	E(syscall(SYS_mprotect, pg, 2 * PAGE, PROT_READ), ENOMEM,
	    "mprotect a range running into a hole");
	E(syscall(SYS_mprotect, pg, PAGE, 0x100 | PROT_READ), EINVAL,
	    "mprotect bad prot bits");
	E(syscall(SYS_mprotect, KERNEL_2M, PAGE, PROT_READ), ENOMEM,
	    "mprotect the kernel");
	E(syscall(SYS_madvise, pg + 1, PAGE, MADV_DONTNEED), EINVAL,
	    "madvise unaligned");
	E(syscall(SYS_madvise, pg, PAGE, 12345), EINVAL,
	    "madvise bad advice");

	/* brk: a bad request leaves the break as it was. */
	long cur = syscall(SYS_brk, 0);
	expect_val(syscall(SYS_brk, -1L), cur, "brk(-1)");
	expect_val(syscall(SYS_brk, KERNEL_ADDR), cur, "brk(kernel address)");
	expect_val(syscall(SYS_brk, NONCANONICAL), cur,
	    "brk(non-canonical address)");
	expect_val(syscall(SYS_brk, 0), cur, "brk(0) afterwards");

	/* arch_prctl */
	E(syscall(SYS_arch_prctl, 0x9999, 0), EINVAL, "arch_prctl code 0x9999");
	E(syscall(SYS_arch_prctl, ARCH_SET_FS_, KERNEL_ADDR), EPERM,
	    "arch_prctl ARCH_SET_FS kernel address");
	E(syscall(SYS_arch_prctl, ARCH_SET_FS_, NONCANONICAL), EPERM,
	    "arch_prctl ARCH_SET_FS non-canonical");
	E(syscall(SYS_arch_prctl, ARCH_SET_GS_, KERNEL_ADDR), EPERM,
	    "arch_prctl ARCH_SET_GS kernel address");
	E(syscall(SYS_arch_prctl, ARCH_GET_FS_, NULL), EFAULT,
	    "arch_prctl ARCH_GET_FS into NULL");
	E(syscall(SYS_arch_prctl, ARCH_GET_FS_, KERNEL_ADDR), EFAULT,
	    "arch_prctl ARCH_GET_FS into the kernel address");
	E(syscall(SYS_arch_prctl, ARCH_GET_GS_, gone), EFAULT,
	    "arch_prctl ARCH_GET_GS into an unmapped page");

	/* uname, clocks, time */
	E(syscall(SYS_uname, NULL), EFAULT, "uname(NULL)");
	E(syscall(SYS_uname, KERNEL_ADDR), EFAULT, "uname(kernel address)");
	E(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL), EFAULT,
	    "clock_gettime into NULL");
	E(syscall(SYS_clock_gettime, CLOCK_REALTIME, KERNEL_ADDR), EFAULT,
	    "clock_gettime into the kernel address");
	E(syscall(SYS_clock_gettime, 12345, &ts), EINVAL,
	    "clock_gettime clock 12345");
	E(syscall(SYS_clock_getres, 12345, &ts), EINVAL,
	    "clock_getres clock 12345");
	E(syscall(SYS_clock_getres, CLOCK_MONOTONIC, KERNEL_ADDR), EFAULT,
	    "clock_getres into the kernel address");
	E(syscall(SYS_gettimeofday, (void *)0x1000, NULL), EFAULT,
	    "gettimeofday into 0x1000");
	E(syscall(SYS_gettimeofday, KERNEL_ADDR, NULL), EFAULT,
	    "gettimeofday into the kernel address");
	E(syscall(SYS_time, KERNEL_ADDR), EFAULT, "time into the kernel address");

	/* nanosleep */
	E(syscall(SYS_nanosleep, NULL, NULL), EFAULT, "nanosleep NULL");
	E(syscall(SYS_nanosleep, KERNEL_ADDR, NULL), EFAULT,
	    "nanosleep kernel address");
	ts.tv_sec = 0;
	ts.tv_nsec = 2000000000L;
	E(syscall(SYS_nanosleep, &ts, NULL), EINVAL, "nanosleep tv_nsec 2e9");
	ts.tv_nsec = -1;
	E(syscall(SYS_nanosleep, &ts, NULL), EINVAL, "nanosleep tv_nsec -1");
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	E(syscall(SYS_nanosleep, &ts, NULL), EINVAL, "nanosleep tv_sec -1");

	/* getrandom */
	E(syscall(SYS_getrandom, NULL, 16, 0), EFAULT, "getrandom into NULL");
	E(syscall(SYS_getrandom, KERNEL_ADDR, 16, 0), EFAULT,
	    "getrandom into the kernel address");
	E(syscall(SYS_getrandom, buf, 16, 0x100), EINVAL,
	    "getrandom flags 0x100");

	/* prlimit64, getrlimit; no pid above PID_MAX_LIMIT (2^22) exists. */
	E(syscall(SYS_prlimit64, 0, 999, NULL, &rl), EINVAL,
	    "prlimit64 resource 999");
	E(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE_, KERNEL_ADDR, NULL), EFAULT,
	    "prlimit64 new limit at the kernel address");
	E(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE_, NULL, KERNEL_ADDR), EFAULT,
	    "prlimit64 old limit into the kernel address");
	E(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE_, NULL, (void *)0x1000), EFAULT,
	    "prlimit64 old limit into 0x1000");
	E(syscall(SYS_prlimit64, 99999999, RLIMIT_NOFILE_, NULL, &rl), ESRCH,
	    "prlimit64 pid 99999999");
	E(syscall(SYS_getrlimit, 999, &rl), EINVAL, "getrlimit resource 999");
	E(syscall(SYS_getrlimit, RLIMIT_NOFILE_, KERNEL_ADDR), EFAULT,
	    "getrlimit into the kernel address");

	/* rt_sigaction */
	memset(&sa, 0, sizeof(sa));
	sa.handler = SIG_IGN;
	E(syscall(SYS_rt_sigaction, 0, &sa, NULL, 8), EINVAL,
	    "rt_sigaction signal 0");
	E(syscall(SYS_rt_sigaction, 65, &sa, NULL, 8), EINVAL,
	    "rt_sigaction signal 65");
	E(syscall(SYS_rt_sigaction, -1, &sa, NULL, 8), EINVAL,
	    "rt_sigaction signal -1");
	E(syscall(SYS_rt_sigaction, SIGKILL, &sa, NULL, 8), EINVAL,
	    "rt_sigaction SIGKILL with an action");
	E(syscall(SYS_rt_sigaction, SIGSTOP, &sa, NULL, 8), EINVAL,
	    "rt_sigaction SIGSTOP with an action");
	E(syscall(SYS_rt_sigaction, SIGUSR1, &sa, NULL, 4), EINVAL,
	    "rt_sigaction sigsetsize 4");
	E(syscall(SYS_rt_sigaction, SIGUSR1, KERNEL_ADDR, NULL, 8), EFAULT,
	    "rt_sigaction action at the kernel address");
	E(syscall(SYS_rt_sigaction, SIGUSR1, (void *)0x1000, NULL, 8), EFAULT,
	    "rt_sigaction action at 0x1000");
	E(syscall(SYS_rt_sigaction, SIGUSR1, NULL, KERNEL_ADDR, 8), EFAULT,
	    "rt_sigaction old action into the kernel address");

	/* rt_sigprocmask */
	E(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8), EINVAL,
	    "rt_sigprocmask how 99");
	E(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL,
	    "rt_sigprocmask sigsetsize 4");
	E(syscall(SYS_rt_sigprocmask, SIG_BLOCK, KERNEL_ADDR, NULL, 8), EFAULT,
	    "rt_sigprocmask set at the kernel address");
	E(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)0x1000, NULL, 8),
	    EFAULT, "rt_sigprocmask set at 0x1000");
	E(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, KERNEL_ADDR, 8), EFAULT,
	    "rt_sigprocmask old set into the kernel address");

	/* set_robust_list */
	E(syscall(SYS_set_robust_list, buf, 7), EINVAL,
	    "set_robust_list length 7");

	/* Unknown system call numbers. */
	E(syscall(1000), ENOSYS, "system call 1000");
	E(syscall(-1L), ENOSYS, "system call -1");

	/* Still healthy: libc still works. */
	if (failures) {
		printf("hostile FAILED (%d of %d)\n", failures, checks);
		return 1;
	}
	printf("hostile ok\n");
	return 0;
}
