/* sys.h: what the system call families (sys_*.c) share with the table in syscall.c. */
#ifndef VKERNEL_SYS_H
#define VKERNEL_SYS_H

#include <errno.h>
#include <stdint.h>

#include "vkernel.h"

#define CHUNK        65536        /* bounce buffer for guest I/O */
#define MAX_RW_COUNT 0x7ffff000L  /* Linux's cap on one read or write */

/* Every handler: the proc, and the six argument registers. */
typedef long (*sys_fn)(struct proc *, const uint64_t *);

/* A host call's result as the guest sees it, counted. */
static inline long
host_ret(struct proc *p, long r)
{
	p->nhostcalls++;
	return r < 0 ? -errno : r;
}

/* The soft limit of resource res (RLIMIT_*), as the guest set it. */
uint64_t sys_rlimit_cur(int res);

/* sys_file.c: descriptors, pipes and I/O. */
long sys_read(struct proc *, const uint64_t *);
long sys_write(struct proc *, const uint64_t *);
long sys_readv(struct proc *, const uint64_t *);
long sys_writev(struct proc *, const uint64_t *);
long sys_pread64(struct proc *, const uint64_t *);
long sys_pwrite64(struct proc *, const uint64_t *);
long sys_lseek(struct proc *, const uint64_t *);
long sys_fstat(struct proc *, const uint64_t *);
long sys_newfstatat(struct proc *, const uint64_t *);
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

long sys_open(struct proc *, const uint64_t *);
long sys_openat(struct proc *, const uint64_t *);
long sys_getcwd(struct proc *, const uint64_t *);
long sys_chdir(struct proc *, const uint64_t *);
long sys_fchdir(struct proc *, const uint64_t *);

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

/* exec.c */
long sys_execve(struct proc *, const uint64_t *);

#endif /* VKERNEL_SYS_H */
