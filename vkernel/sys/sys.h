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

/* ---- helpers the families share ---- */

/* p's soft limit of resource res (RLIMIT_*), and its descriptor limit. */
static inline uint64_t
sys_rlimit_cur(struct proc *p, int res)
{
	return p->tg->rlim[res].rlim_cur;
}

static inline long
sys_nofile(struct proc *p)
{
	return (long)sys_rlimit_cur(p, RLIMIT_NOFILE);
}

/* sys_rw.c: a write on a pipe with no reader: SIGPIPE posted, -EPIPE
 * returned. */
long sys_epipe(struct proc *p);
/* sys_rw.c: copies in and checks an iovec array of cnt entries (at most
 * UIO_MAXIOV) at va: *iovp is fast (the caller's UIO_FASTIOV entries)
 * when it holds them, else scratch memory of the call (kmem.h).  The
 * total length, or -errno. */
#define UIO_FASTIOV 8
struct iovec;
long sys_iov_in(struct proc *p, struct iovec *fast, struct iovec **iovp,
    uint64_t va, uint64_t cnt);
/* Copies len bytes between buf and the guest's iovecs (cnt of them),
 * from byte skip of them on: out, to the guest; else into buf.  0 or
 * -EFAULT. */
int sys_iov_copy(struct proc *p, const struct iovec *iov, uint64_t cnt,
    size_t skip, char *buf, size_t len, bool out);

/*
 * sys_path.c: what the calls on files share.
 * path_in: the guest's path argument upath made absolute against dirfd
 *   (an int, as Linux takes it) into gpath (PATH_MAX bytes): 0 or -errno
 *   (EFAULT, ENAMETOOLONG, ENOENT for "", EBADF, ENOTDIR).
 * at_path: the same, but with empty_ok (AT_EMPTY_PATH) an empty path
 *   names dirfd itself: 1 and *fp (held), or 0 with gpath (*fp NULL; for
 *   AT_FDCWD gpath is the directory's path), or -errno.
 * file_at: the file at fd (held: fget), NULL for EBADF.
 * vfs_file_at: the guest file at fd whose host file the calls that change
 *   a file through a descriptor may change: 0 and *fp, -EBADF (none, or
 *   O_PATH), -EINVAL (not a file beneath the root).
 * specfs_refuse: what Linux answers a call that would change /dev or
 *   /proc (create: ENOENT, or EEXIST for a name that exists; else EPERM).
 * host_fd: for a call acting on the file gpath names (follow: what a
 *   symlink names): 0 and *fd, an O_PATH host descriptor to close (or a
 *   /proc/self/fd link's file, opened with flags), or -errno.
 * change_fd: host_fd for a call that changes the file (specfs refuses).
 * stat_path: stat of gpath (follow: of what a symlink names): 0 or -errno.
 * fd_link: "/proc/self/fd/N" of one of the vkernel's own descriptors.
 */
struct file;
struct stat;
long path_in(struct proc *p, uint64_t dirfd, gva_t upath, char *gpath);
long parent_at(struct proc *p, uint64_t dirfd, gva_t upath, bool create,
    char *gpath, const char **base, int *pfd);
long at_path(struct proc *p, uint64_t dirfd, gva_t upath, bool empty_ok,
    char *gpath, struct file **fp);
struct file *file_at(struct proc *p, uint64_t fd);
long vfs_file_at(struct proc *p, uint64_t fd, struct file **fp);
long specfs_refuse(struct proc *p, const char *gpath, bool create);
int host_fd(struct proc *p, const char *gpath, bool follow, int flags,
    int *fd);
int change_fd(struct proc *p, const char *gpath, bool follow);
int stat_path(struct proc *p, const char *gpath, bool follow,
    struct stat *st);
void fd_link(int hostfd, char *buf, size_t len);

/*
 * sys_socket.c: what the socket calls share.
 * sock_at: the socket at fd (held: fget), Unix-domain or network
 *   (inet_is): 0 and *fp, -EBADF, -ENOTSOCK.
 * name_in: the guest's sockaddr_un at va (alen bytes) as a name: 0, 1
 *   for the family alone (AF_UNSPEC too with unspec_ok), or -errno.
 * name_target: name_in, and a path name resolved beneath the root to
 *   the socket file's (dev, ino) (ECONNREFUSED: not a socket file).
 * name_out: a name to the guest (va, its length at lenva), cut to the
 *   guest's room, the full length reported.
 * sock_install: f at a new descriptor (O_CLOEXEC from flags): the
 *   number, or -errno with f dropped.
 */
struct uname;
long sock_at(struct proc *p, uint64_t fd, struct file **fp);
long name_in(struct proc *p, gva_t va, uint64_t alen, struct uname *n,
    bool unspec_ok);
long name_target(struct proc *p, gva_t va, uint64_t alen, struct uname *n,
    bool unspec_ok);
long name_out(struct proc *p, const struct uname *n, gva_t va, gva_t lenva);
long sock_install(struct proc *p, struct file *f, int flags);

/*
 * sys_inet.c: the socket calls on a network socket (kern/inet.h), which
 * sys_socket.c and sys_sockmsg.c hand over once they find one: the
 * file is held, a the call's arguments (va a msghdr).  accept is
 * sys_socket.c's (kern/inet.c's inet_accept, then sock_install).
 */
long sysinet_bind(struct proc *p, struct file *f, const uint64_t *a);
long sysinet_connect(struct proc *p, struct file *f, const uint64_t *a);
/* An address to the guest (va, its length at lenva): cut to the
 * guest's room, the full length reported, as Linux's move_addr_to_user. */
long sysinet_addr_out(struct proc *p, const void *sa, socklen_t len,
    gva_t va, gva_t lenva);
long sysinet_getname(struct proc *p, struct file *f, const uint64_t *a,
    bool peer);
long sysinet_setsockopt(struct proc *p, struct file *f, const uint64_t *a);
long sysinet_getsockopt(struct proc *p, struct file *f, const uint64_t *a);
long sysinet_sendmsg(struct proc *p, struct file *f, gva_t va, int flags);
long sysinet_sendto(struct proc *p, struct file *f, const uint64_t *a);
long sysinet_recvmsg(struct proc *p, struct file *f, gva_t va, int flags);
long sysinet_recvfrom(struct proc *p, struct file *f, const uint64_t *a);
/* The interface requests (inet_ifreq), whose arguments hold input. */
long sysinet_ioctl(struct proc *p, struct file *f, const uint64_t *a);

/* The terminal requests on a terminal's file or a pty's master
 * (sys_tty.c): -ENOTTY for any other file. */
long systty_ioctl(struct proc *p, struct file *f, const uint64_t *a);

/* ---- the handlers, by family (syscall.c's table names them) ---- */

/* sys_rw.c: read and write, their vector and positional forms, sendfile. */
long sys_read(struct proc *, const uint64_t *);
long sys_write(struct proc *, const uint64_t *);
long sys_readv(struct proc *, const uint64_t *);
long sys_writev(struct proc *, const uint64_t *);
long sys_pread64(struct proc *, const uint64_t *);
long sys_pwrite64(struct proc *, const uint64_t *);
long sys_preadv(struct proc *, const uint64_t *);
long sys_pwritev(struct proc *, const uint64_t *);
long sys_preadv2(struct proc *, const uint64_t *);
long sys_pwritev2(struct proc *, const uint64_t *);
long sys_sendfile(struct proc *, const uint64_t *);

/* sys_poll.c: poll and select. */
long sys_poll(struct proc *, const uint64_t *);
long sys_ppoll(struct proc *, const uint64_t *);
long sys_select(struct proc *, const uint64_t *);
long sys_pselect6(struct proc *, const uint64_t *);
/* sys_event.c: eventfd, timerfd, signalfd, epoll. */
long sys_eventfd(struct proc *, const uint64_t *);
long sys_eventfd2(struct proc *, const uint64_t *);
long sys_timerfd_create(struct proc *, const uint64_t *);
long sys_timerfd_settime(struct proc *, const uint64_t *);
long sys_timerfd_gettime(struct proc *, const uint64_t *);
long sys_signalfd(struct proc *, const uint64_t *);
long sys_signalfd4(struct proc *, const uint64_t *);
long sys_epoll_create(struct proc *, const uint64_t *);
long sys_epoll_create1(struct proc *, const uint64_t *);
long sys_epoll_ctl(struct proc *, const uint64_t *);
long sys_epoll_wait(struct proc *, const uint64_t *);
long sys_epoll_pwait(struct proc *, const uint64_t *);
long sys_epoll_pwait2(struct proc *, const uint64_t *);

/* sys_file.c: descriptors: lseek, fstat, ioctl, close, dup, pipes, fcntl, flock. */
long sys_lseek(struct proc *, const uint64_t *);
long sys_fstat(struct proc *, const uint64_t *);
long sys_ioctl(struct proc *, const uint64_t *);
long sys_close(struct proc *, const uint64_t *);
long sys_close_range(struct proc *, const uint64_t *);
long sys_dup(struct proc *, const uint64_t *);
long sys_dup2(struct proc *, const uint64_t *);
long sys_dup3(struct proc *, const uint64_t *);
long sys_pipe2(struct proc *, const uint64_t *);
long sys_pipe(struct proc *, const uint64_t *);
long sys_fcntl(struct proc *, const uint64_t *);
long sys_flock(struct proc *, const uint64_t *);
/* sys_inotify.c: inotify. */
long sys_inotify_init(struct proc *, const uint64_t *);
long sys_inotify_init1(struct proc *, const uint64_t *);
long sys_inotify_add_watch(struct proc *, const uint64_t *);
long sys_inotify_rm_watch(struct proc *, const uint64_t *);
/* sys_pidfd.c: process descriptors. */
long sys_pidfd_open(struct proc *, const uint64_t *);
long sys_pidfd_send_signal(struct proc *, const uint64_t *);
long sys_pidfd_getfd(struct proc *, const uint64_t *);
/* sys_signal.c: sig (0: only the check) from p to t's process as kill(2)
 * sends it (info NULL: SI_USER from p) or with info: 0 or -EPERM. */
long sys_signal_send(struct proc *p, struct proc *t, int sig,
    const siginfo_t *info);
/* sys_shm.c: memfd_create; fcntl's F_ADD_SEALS and F_GET_SEALS on f. */
long sys_memfd_create(struct proc *, const uint64_t *);
long sys_fcntl_seals(struct proc *p, struct file *f, int cmd, uint64_t arg);

/* sys_ipc.c: System V IPC; sys_mqueue.c: POSIX message queues. */
long sys_semget(struct proc *, const uint64_t *);
long sys_semop(struct proc *, const uint64_t *);
long sys_semtimedop(struct proc *, const uint64_t *);
long sys_semctl(struct proc *, const uint64_t *);
long sys_msgget(struct proc *, const uint64_t *);
long sys_msgsnd(struct proc *, const uint64_t *);
long sys_msgrcv(struct proc *, const uint64_t *);
long sys_msgctl(struct proc *, const uint64_t *);
long sys_shmget(struct proc *, const uint64_t *);
long sys_shmat(struct proc *, const uint64_t *);
long sys_shmdt(struct proc *, const uint64_t *);
long sys_shmctl(struct proc *, const uint64_t *);
long sys_mq_open(struct proc *, const uint64_t *);
long sys_mq_unlink(struct proc *, const uint64_t *);
long sys_mq_timedsend(struct proc *, const uint64_t *);
long sys_mq_timedreceive(struct proc *, const uint64_t *);
long sys_mq_notify(struct proc *, const uint64_t *);
long sys_mq_getsetattr(struct proc *, const uint64_t *);

/* sys_socket.c, sys_sockmsg.c: Unix-domain sockets. */
long sys_socket(struct proc *, const uint64_t *);
long sys_socketpair(struct proc *, const uint64_t *);
long sys_bind(struct proc *, const uint64_t *);
long sys_listen(struct proc *, const uint64_t *);
long sys_connect(struct proc *, const uint64_t *);
long sys_accept(struct proc *, const uint64_t *);
long sys_accept4(struct proc *, const uint64_t *);
long sys_shutdown(struct proc *, const uint64_t *);
long sys_getsockname(struct proc *, const uint64_t *);
long sys_getpeername(struct proc *, const uint64_t *);
long sys_setsockopt(struct proc *, const uint64_t *);
long sys_getsockopt(struct proc *, const uint64_t *);
long sys_sendto(struct proc *, const uint64_t *);
long sys_recvfrom(struct proc *, const uint64_t *);
long sys_sendmsg(struct proc *, const uint64_t *);
long sys_recvmsg(struct proc *, const uint64_t *);
long sys_sendmmsg(struct proc *, const uint64_t *);
long sys_recvmmsg(struct proc *, const uint64_t *);

/* sys_fs.c: files by name: open, stat, unlink, rename, links, truncate, sync. */
long sys_open(struct proc *, const uint64_t *);
long sys_mknod(struct proc *, const uint64_t *);
long sys_mknodat(struct proc *, const uint64_t *);
long sys_openat(struct proc *, const uint64_t *);
long sys_creat(struct proc *, const uint64_t *);
long sys_newfstatat(struct proc *, const uint64_t *);
long sys_stat(struct proc *, const uint64_t *);
long sys_lstat(struct proc *, const uint64_t *);
long sys_statx(struct proc *, const uint64_t *);
long sys_statfs(struct proc *, const uint64_t *);
long sys_fstatfs(struct proc *, const uint64_t *);
long sys_unlink(struct proc *, const uint64_t *);
long sys_unlinkat(struct proc *, const uint64_t *);
long sys_rmdir(struct proc *, const uint64_t *);
long sys_rename(struct proc *, const uint64_t *);
long sys_renameat(struct proc *, const uint64_t *);
long sys_renameat2(struct proc *, const uint64_t *);
long sys_link(struct proc *, const uint64_t *);
long sys_linkat(struct proc *, const uint64_t *);
long sys_symlink(struct proc *, const uint64_t *);
long sys_symlinkat(struct proc *, const uint64_t *);
long sys_readlink(struct proc *, const uint64_t *);
long sys_readlinkat(struct proc *, const uint64_t *);
long sys_truncate(struct proc *, const uint64_t *);
long sys_ftruncate(struct proc *, const uint64_t *);
long sys_fallocate(struct proc *, const uint64_t *);
long sys_fadvise64(struct proc *, const uint64_t *);
long sys_fsync(struct proc *, const uint64_t *);
long sys_syncfs(struct proc *, const uint64_t *);
long sys_umask(struct proc *, const uint64_t *);

/* sys_dir.c: directories and the working directory. */
long sys_getdents64(struct proc *, const uint64_t *);
long sys_mkdir(struct proc *, const uint64_t *);
long sys_mkdirat(struct proc *, const uint64_t *);
long sys_getcwd(struct proc *, const uint64_t *);
long sys_chdir(struct proc *, const uint64_t *);
long sys_fchdir(struct proc *, const uint64_t *);

/* sys_attr.c: access, modes, owners, times, extended attributes. */
long sys_access(struct proc *, const uint64_t *);
long sys_faccessat(struct proc *, const uint64_t *);
long sys_faccessat2(struct proc *, const uint64_t *);
long sys_chmod(struct proc *, const uint64_t *);
long sys_fchmodat(struct proc *, const uint64_t *);
long sys_fchmod(struct proc *, const uint64_t *);
long sys_chown(struct proc *, const uint64_t *);
long sys_lchown(struct proc *, const uint64_t *);
long sys_fchownat(struct proc *, const uint64_t *);
long sys_fchown(struct proc *, const uint64_t *);
long sys_utimensat(struct proc *, const uint64_t *);
long sys_utimes(struct proc *, const uint64_t *);
long sys_utime(struct proc *, const uint64_t *);
long sys_getxattr(struct proc *, const uint64_t *);
long sys_lgetxattr(struct proc *, const uint64_t *);
long sys_fgetxattr(struct proc *, const uint64_t *);
long sys_listxattr(struct proc *, const uint64_t *);
long sys_flistxattr(struct proc *, const uint64_t *);
long sys_setxattr(struct proc *, const uint64_t *);

/* sys_proc.c: processes, groups and sessions, execve. */
long sys_fork(struct proc *, const uint64_t *);
long sys_vfork(struct proc *, const uint64_t *);
long sys_clone(struct proc *, const uint64_t *);
long sys_clone3(struct proc *, const uint64_t *);
long sys_wait4(struct proc *, const uint64_t *);
long sys_waitid(struct proc *, const uint64_t *);
long sys_getppid(struct proc *, const uint64_t *);
long sys_getpgid(struct proc *, const uint64_t *);
long sys_getpgrp(struct proc *, const uint64_t *);
long sys_getsid(struct proc *, const uint64_t *);
long sys_setpgid(struct proc *, const uint64_t *);
long sys_setsid(struct proc *, const uint64_t *);
long sys_execve(struct proc *, const uint64_t *);

/* sys_signal.c: the signal calls. */
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

/* sys_futex.c: futex. */
long sys_futex(struct proc *, const uint64_t *);
long sys_futex_waitv(struct proc *, const uint64_t *);

/* sys_info.c: the small calls: ids, names, limits, random, prctl, affinity. */
long sys_arch_prctl(struct proc *, const uint64_t *);
long sys_set_tid_address(struct proc *, const uint64_t *);
long sys_set_robust_list(struct proc *, const uint64_t *);
long sys_get_robust_list(struct proc *, const uint64_t *);
long sys_uname(struct proc *, const uint64_t *);
long sys_getpid(struct proc *, const uint64_t *);
long sys_gettid(struct proc *, const uint64_t *);
long sys_getrandom(struct proc *, const uint64_t *);
long sys_prlimit64(struct proc *, const uint64_t *);
long sys_setrlimit(struct proc *, const uint64_t *);
long sys_getrlimit(struct proc *, const uint64_t *);
long sys_exit(struct proc *, const uint64_t *);
long sys_exit_group(struct proc *, const uint64_t *);
long sys_prctl(struct proc *, const uint64_t *);
long sys_sysinfo(struct proc *, const uint64_t *);
long sys_sched_getaffinity(struct proc *, const uint64_t *);
long sys_sched_setaffinity(struct proc *, const uint64_t *);
long sys_getcpu(struct proc *, const uint64_t *);
long sys_sched_yield(struct proc *, const uint64_t *);

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

/* sys_signal.c, for the waits that take a signal mask (ppoll, pselect6,
 * epoll_pwait): the mask set for the wait, and put back after it. */
long sigmask_wait_begin(struct proc *p, uint64_t umask, uint64_t size,
    uint64_t *old);
void sigmask_wait_end(struct proc *p, uint64_t umask, uint64_t old, long r);

#endif /* VKERNEL_SYS_H */
