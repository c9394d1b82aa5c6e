/* sys.h: what the system call families (sys_*.c) share with the table in syscall.c. */
#ifndef VKERNEL_SYS_H
#define VKERNEL_SYS_H

#include <errno.h>
#include <stdint.h>

#include "vkernel.h"
#include "kmem.h"

#define MAX_RW_COUNT 0x7ffff000L  /* Linux's cap on one read or write */

/* syscall.c: handles the system call in p->frame (the trap loop). */
void syscall_dispatch(struct proc *p);
/* Under -v at exit: one line naming the unimplemented calls the C library
 * probed and expected to fail (nothing when there were none). */
void syscall_report(void);

/* Every handler: the proc, and the six argument registers. */
typedef long (*sys_fn)(struct proc *, const uint64_t *);

/* A host call's result as the guest sees it, counted. */
static inline long
host_ret(struct proc *p, long r)
{
	p->nhostcalls++;
	return r < 0 ? -errno : r;
}

/* p's soft limit of resource res (RLIMIT_*). */
uint64_t sys_rlimit_cur(struct proc *p, int res);

/* sys_signal.c: the signal system calls (syscall.c's table names them). */
long sys_rt_sigaction(struct proc *, const uint64_t *);
long sys_rt_sigprocmask(struct proc *, const uint64_t *);
long sys_rt_sigreturn(struct proc *, const uint64_t *);
long sys_rt_sigsuspend(struct proc *, const uint64_t *);
long sys_rt_sigtimedwait(struct proc *, const uint64_t *);
long sys_rt_sigpending(struct proc *, const uint64_t *);
long sys_sigaltstack(struct proc *, const uint64_t *);
long sys_kill(struct proc *, const uint64_t *);
long sys_tgkill(struct proc *, const uint64_t *);
long sys_tkill(struct proc *, const uint64_t *);
long sys_alarm(struct proc *, const uint64_t *);
long sys_setitimer(struct proc *, const uint64_t *);
long sys_getitimer(struct proc *, const uint64_t *);
long sys_pause(struct proc *, const uint64_t *);

/* sys_file.c: descriptors, pipes and I/O. */
long sys_read(struct proc *, const uint64_t *);
long sys_write(struct proc *, const uint64_t *);
long sys_readv(struct proc *, const uint64_t *);
long sys_writev(struct proc *, const uint64_t *);
long sys_pread64(struct proc *, const uint64_t *);
long sys_pwrite64(struct proc *, const uint64_t *);
long sys_lseek(struct proc *, const uint64_t *);
long sys_fstat(struct proc *, const uint64_t *);
long sys_ioctl(struct proc *, const uint64_t *);
long sys_close(struct proc *, const uint64_t *);
long sys_close_range(struct proc *, const uint64_t *);
long sys_dup(struct proc *, const uint64_t *);
long sys_dup2(struct proc *, const uint64_t *);
long sys_dup3(struct proc *, const uint64_t *);
long sys_pipe(struct proc *, const uint64_t *);
long sys_pipe2(struct proc *, const uint64_t *);
long sys_fcntl(struct proc *, const uint64_t *);
long sys_poll(struct proc *, const uint64_t *);
long sys_ppoll(struct proc *, const uint64_t *);
long sys_select(struct proc *, const uint64_t *);
long sys_pselect6(struct proc *, const uint64_t *);

/* A write on a pipe with no reader: SIGPIPE posted, -EPIPE returned. */
long sys_epipe(struct proc *p);
/* Copies in and checks an iovec array of cnt entries (at most
 * UIO_MAXIOV) at va: *iovp is fast (the caller's UIO_FASTIOV entries)
 * when it holds them, else scratch memory of the call (kmem.h).  The
 * total length, or -errno. */
#define UIO_FASTIOV 8
struct iovec;
long sys_iov_in(struct proc *p, struct iovec *fast, struct iovec **iovp,
    uint64_t va, uint64_t cnt);

/* sys_fs.c: files by name and by descriptor, the working directory. */
struct file;
/* fcntl's record-lock commands on f, looked up at fd (arg: the guest's
 * struct flock). */
long sys_fcntl_lock(struct proc *p, struct file *f, long fd, int cmd,
    uint64_t arg);
long sys_open(struct proc *, const uint64_t *);
long sys_openat(struct proc *, const uint64_t *);
long sys_creat(struct proc *, const uint64_t *);
long sys_newfstatat(struct proc *, const uint64_t *);
long sys_stat(struct proc *, const uint64_t *);
long sys_lstat(struct proc *, const uint64_t *);
long sys_statx(struct proc *, const uint64_t *);
long sys_statfs(struct proc *, const uint64_t *);
long sys_fstatfs(struct proc *, const uint64_t *);
long sys_getdents64(struct proc *, const uint64_t *);
long sys_mkdir(struct proc *, const uint64_t *);
long sys_mkdirat(struct proc *, const uint64_t *);
long sys_rmdir(struct proc *, const uint64_t *);
long sys_unlink(struct proc *, const uint64_t *);
long sys_unlinkat(struct proc *, const uint64_t *);
long sys_rename(struct proc *, const uint64_t *);
long sys_renameat(struct proc *, const uint64_t *);
long sys_renameat2(struct proc *, const uint64_t *);
long sys_link(struct proc *, const uint64_t *);
long sys_linkat(struct proc *, const uint64_t *);
long sys_symlink(struct proc *, const uint64_t *);
long sys_symlinkat(struct proc *, const uint64_t *);
long sys_readlink(struct proc *, const uint64_t *);
long sys_readlinkat(struct proc *, const uint64_t *);
long sys_access(struct proc *, const uint64_t *);
long sys_faccessat(struct proc *, const uint64_t *);
long sys_faccessat2(struct proc *, const uint64_t *);
long sys_chmod(struct proc *, const uint64_t *);
long sys_fchmod(struct proc *, const uint64_t *);
long sys_fchmodat(struct proc *, const uint64_t *);
long sys_chown(struct proc *, const uint64_t *);
long sys_lchown(struct proc *, const uint64_t *);
long sys_fchown(struct proc *, const uint64_t *);
long sys_fchownat(struct proc *, const uint64_t *);
long sys_utimensat(struct proc *, const uint64_t *);
long sys_utimes(struct proc *, const uint64_t *);
long sys_utime(struct proc *, const uint64_t *);
long sys_truncate(struct proc *, const uint64_t *);
long sys_ftruncate(struct proc *, const uint64_t *);
long sys_fallocate(struct proc *, const uint64_t *);
long sys_fadvise64(struct proc *, const uint64_t *);
long sys_fsync(struct proc *, const uint64_t *);
long sys_syncfs(struct proc *, const uint64_t *);
long sys_umask(struct proc *, const uint64_t *);
long sys_preadv(struct proc *, const uint64_t *);
long sys_pwritev(struct proc *, const uint64_t *);
long sys_preadv2(struct proc *, const uint64_t *);
long sys_pwritev2(struct proc *, const uint64_t *);
long sys_sendfile(struct proc *, const uint64_t *);
long sys_flock(struct proc *, const uint64_t *);
long sys_getcwd(struct proc *, const uint64_t *);
long sys_chdir(struct proc *, const uint64_t *);
long sys_fchdir(struct proc *, const uint64_t *);

long sys_getxattr(struct proc *, const uint64_t *);
long sys_lgetxattr(struct proc *, const uint64_t *);
long sys_fgetxattr(struct proc *, const uint64_t *);
long sys_listxattr(struct proc *, const uint64_t *);
long sys_flistxattr(struct proc *, const uint64_t *);
long sys_setxattr(struct proc *, const uint64_t *);

/* sys_proc.c: processes, groups and sessions. */
long sys_fork(struct proc *, const uint64_t *);
long sys_vfork(struct proc *, const uint64_t *);
long sys_clone(struct proc *, const uint64_t *);
long sys_wait4(struct proc *, const uint64_t *);
long sys_waitid(struct proc *, const uint64_t *);
long sys_getppid(struct proc *, const uint64_t *);
long sys_getpgid(struct proc *, const uint64_t *);
long sys_getpgrp(struct proc *, const uint64_t *);
long sys_getsid(struct proc *, const uint64_t *);
long sys_setpgid(struct proc *, const uint64_t *);
long sys_setsid(struct proc *, const uint64_t *);

/* sys_mem.c: memory. */
long sys_mmap(struct proc *, const uint64_t *);
long sys_munmap(struct proc *, const uint64_t *);
long sys_mprotect(struct proc *, const uint64_t *);
long sys_madvise(struct proc *, const uint64_t *);
long sys_mremap(struct proc *, const uint64_t *);
long sys_mincore(struct proc *, const uint64_t *);
long sys_msync(struct proc *, const uint64_t *);
long sys_brk(struct proc *, const uint64_t *);

/* sys_time.c: clocks and sleeps. */
long sys_clock_gettime(struct proc *, const uint64_t *);
long sys_gettimeofday(struct proc *, const uint64_t *);
long sys_time(struct proc *, const uint64_t *);
long sys_nanosleep(struct proc *, const uint64_t *);
long sys_clock_nanosleep(struct proc *, const uint64_t *);

/* sys_cred.c: ids, groups, capabilities. */
long sys_getuid(struct proc *, const uint64_t *);
long sys_geteuid(struct proc *, const uint64_t *);
long sys_getgid(struct proc *, const uint64_t *);
long sys_getegid(struct proc *, const uint64_t *);
long sys_getresuid(struct proc *, const uint64_t *);
long sys_getresgid(struct proc *, const uint64_t *);
long sys_setuid(struct proc *, const uint64_t *);
long sys_setgid(struct proc *, const uint64_t *);
long sys_setreuid(struct proc *, const uint64_t *);
long sys_setregid(struct proc *, const uint64_t *);
long sys_setresuid(struct proc *, const uint64_t *);
long sys_setresgid(struct proc *, const uint64_t *);
long sys_setfsuid(struct proc *, const uint64_t *);
long sys_setfsgid(struct proc *, const uint64_t *);
long sys_getgroups(struct proc *, const uint64_t *);
long sys_setgroups(struct proc *, const uint64_t *);
long sys_capget(struct proc *, const uint64_t *);
long sys_capset(struct proc *, const uint64_t *);
/* prctl's PR_CAPBSET_*, PR_*_KEEPCAPS, PR_*_NO_NEW_PRIVS, PR_CAP_AMBIENT. */
long sys_prctl_cred(struct proc *, const uint64_t *);

/* futex.c */
long sys_futex(struct proc *, const uint64_t *);

/* exec.c */
long sys_execve(struct proc *, const uint64_t *);

#endif /* VKERNEL_SYS_H */
