/* syscall.c: the guest's Linux system call table and dispatch. */

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
#include <linux/capability.h>

#include "sys.h"
#include "file.h"
#include "kmem.h"

#define NSYSCALLS 512

static const char *const sysnames[NSYSCALLS] = {
#include "sysnames.h"
};




















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
	[SYS_eventfd] = sys_eventfd,
	[SYS_eventfd2] = sys_eventfd2,
	[SYS_timerfd_create] = sys_timerfd_create,
	[SYS_timerfd_settime] = sys_timerfd_settime,
	[SYS_timerfd_gettime] = sys_timerfd_gettime,
	[SYS_signalfd] = sys_signalfd,
	[SYS_signalfd4] = sys_signalfd4,
	[SYS_epoll_create] = sys_epoll_create,
	[SYS_epoll_create1] = sys_epoll_create1,
	[SYS_epoll_ctl] = sys_epoll_ctl,
	[SYS_epoll_wait] = sys_epoll_wait,
	[SYS_epoll_pwait] = sys_epoll_pwait,
	[441] = sys_epoll_pwait2,  /* SYS_epoll_pwait2 */
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
	[SYS_get_robust_list] = sys_get_robust_list,
	[SYS_uname] = sys_uname,
	[SYS_getpid] = sys_getpid,
	[SYS_gettid] = sys_gettid,
	[SYS_getppid] = sys_getppid,
	[SYS_clock_gettime] = sys_clock_gettime,
	[SYS_clock_getres] = sys_clock_gettime,
	[SYS_gettimeofday] = sys_gettimeofday,
	[SYS_time] = sys_time,
	[SYS_nanosleep] = sys_nanosleep,
	[SYS_clock_nanosleep] = sys_clock_nanosleep,
	[SYS_getrandom] = sys_getrandom,
	[SYS_prlimit64] = sys_prlimit64,
	[SYS_getrlimit] = sys_getrlimit,
	[SYS_setrlimit] = sys_setrlimit,
	[SYS_exit] = sys_exit,
	[SYS_exit_group] = sys_exit_group,
	/* sys_ipc.c, sys_mqueue.c */
	[SYS_semget] = sys_semget,
	[SYS_semop] = sys_semop,
	[SYS_semtimedop] = sys_semtimedop,
	[SYS_semctl] = sys_semctl,
	[SYS_msgget] = sys_msgget,
	[SYS_msgsnd] = sys_msgsnd,
	[SYS_msgrcv] = sys_msgrcv,
	[SYS_msgctl] = sys_msgctl,
	[SYS_shmget] = sys_shmget,
	[SYS_shmat] = sys_shmat,
	[SYS_shmdt] = sys_shmdt,
	[SYS_shmctl] = sys_shmctl,
	[SYS_mq_open] = sys_mq_open,
	[SYS_mq_unlink] = sys_mq_unlink,
	[SYS_mq_timedsend] = sys_mq_timedsend,
	[SYS_mq_timedreceive] = sys_mq_timedreceive,
	[SYS_mq_notify] = sys_mq_notify,
	[SYS_mq_getsetattr] = sys_mq_getsetattr,
	/* sys_socket.c, sys_sockmsg.c */
	[SYS_socket] = sys_socket,
	[SYS_socketpair] = sys_socketpair,
	[SYS_bind] = sys_bind,
	[SYS_listen] = sys_listen,
	[SYS_connect] = sys_connect,
	[SYS_accept] = sys_accept,
	[SYS_accept4] = sys_accept4,
	[SYS_shutdown] = sys_shutdown,
	[SYS_getsockname] = sys_getsockname,
	[SYS_getpeername] = sys_getpeername,
	[SYS_setsockopt] = sys_setsockopt,
	[SYS_getsockopt] = sys_getsockopt,
	[SYS_sendto] = sys_sendto,
	[SYS_recvfrom] = sys_recvfrom,
	[SYS_sendmsg] = sys_sendmsg,
	[SYS_recvmsg] = sys_recvmsg,
	[SYS_sendmmsg] = sys_sendmmsg,
	[SYS_recvmmsg] = sys_recvmmsg,
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
	[SYS_sched_getaffinity] = sys_sched_getaffinity,
	[SYS_sched_setaffinity] = sys_sched_setaffinity,
	[SYS_getcpu] = sys_getcpu,
	/* sys_cred.c */
	[SYS_getuid] = sys_getuid,
	[SYS_geteuid] = sys_geteuid,
	[SYS_getgid] = sys_getgid,
	[SYS_getegid] = sys_getegid,
	[SYS_getresuid] = sys_getresuid,
	[SYS_getresgid] = sys_getresgid,
	[SYS_setuid] = sys_setuid,
	[SYS_setgid] = sys_setgid,
	[SYS_setreuid] = sys_setreuid,
	[SYS_setregid] = sys_setregid,
	[SYS_setresuid] = sys_setresuid,
	[SYS_setresgid] = sys_setresgid,
	[SYS_setfsuid] = sys_setfsuid,
	[SYS_setfsgid] = sys_setfsgid,
	[SYS_getgroups] = sys_getgroups,
	[SYS_setgroups] = sys_setgroups,
	[SYS_capget] = sys_capget,
	[SYS_capset] = sys_capset,
	/* sys_proc.c, exec.c */
	[SYS_fork] = sys_fork,
	[SYS_vfork] = sys_vfork,
	[SYS_clone] = sys_clone,
	[SYS_clone3] = sys_clone3,
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
	[SYS_mknod] = sys_mknod,
	[SYS_mknodat] = sys_mknodat,
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
	[SYS_futex_waitv] = sys_futex_waitv,
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
	/* sys_inotify.c */
	[SYS_inotify_init] = sys_inotify_init,
	[SYS_inotify_init1] = sys_inotify_init1,
	[SYS_inotify_add_watch] = sys_inotify_add_watch,
	[SYS_inotify_rm_watch] = sys_inotify_rm_watch,
	/* sys_pidfd.c */
	[SYS_pidfd_open] = sys_pidfd_open,
	[SYS_pidfd_send_signal] = sys_pidfd_send_signal,
	[SYS_pidfd_getfd] = sys_pidfd_getfd,
	/* sys_shm.c */
	[SYS_memfd_create] = sys_memfd_create,
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
	/* The host checks the guest's file access as the guest (cred.c). */
	if (cred_host_use(&p->cred) != 0) {
		proc_kill(p, SIGKILL, "the host refused its file-system identity");
		return;
	}
	if (nr < NSYSCALLS && systab[nr] != NULL) {
		r = systab[nr](p, a);
		file_holds_release(p); /* what the call took with fget */
		copy_scratch_release(p);
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
