/* vkernel.h: the guest kernel's shared declarations: processes, copyio, syscalls, loading. */
#ifndef VKERNEL_H
#define VKERNEL_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "kshim.h"
#include "vm.h"
#include "pmap.h"

/* Guest user layout (the soft stub area sits at KS_USER_MAX). */
#define VK_STACK_TOP   (KS_USER_MAX - 0x10000000ULL)     /* 256 MiB below it */
#define VK_STACK_SIZE  (8ULL << 20)                      /* RLIMIT_STACK */
#define VK_MMAP_TOP    (VK_STACK_TOP - VK_STACK_SIZE - (1ULL << 30))
#define VK_PIE_BASE    0x555555554000ULL                 /* ET_DYN load bias */

#define VK_NSIG 64

struct vk_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct fdtab;

/* Tasks sleeping for one condition (sched.c). */
struct waitq {
	struct proc *head;
};

/* One guest process (one thread for now). */
struct proc {
	pid_t pid;
	char comm[16];
	struct ks *ks;
	struct ks_space *space;
	struct pmap *pmap;
	struct vm_map map;
	struct ks_frame frame;
	gva_t brk_base, brk_end;     /* [brk_base, brk_end) is the heap */
	gva_t clear_tid;             /* set_tid_address */
	uint64_t sigmask;
	struct vk_sigaction sigacts[VK_NSIG + 1];
	struct fdtab *fds;           /* descriptor table (file.c) */
	int wakefd;                  /* eventfd that ends its sleeps */
	struct proc *wq_next;        /* on the waitq it sleeps on */
	bool exited;
	int status;                  /* wait(2) status once exited */
	uint64_t nsyscalls, nfaults, nhostcalls, nenosys;
	gva_t last_fault_addr;       /* to catch a fault that never resolves */
	int same_fault;
};

/* Global state of this vkernel. */
struct vk_config {
	bool verbose;
	const struct ks_ops *ops;    /* the paging path's shim backend */
	size_t memsize;
	const char *memsize_arg;
	const char *root;
	char **env;                  /* guest environment (NULL-terminated) */
};
extern struct vk_config vk;

/* Diagnostics: one line on stderr prefixed "vkernel: ". */
void vk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define vk_verbose(...) do { if (vk.verbose) vk_log(__VA_ARGS__); } while (0)

/* proc.c */
int proc_create(struct proc *p, struct ks *ks, const char *comm);
void proc_destroy(struct proc *p);
/* Runs p until it exits; returns its wait status. */
int proc_run(struct proc *p);
/* Ends p as if killed by signal sig (no delivery yet: every signal is fatal). */
void proc_kill(struct proc *p, int sig, const char *why);
void proc_exit(struct proc *p, int code);

/* True when p has a signal to take that would interrupt a sleep. */
bool proc_signal_pending(struct proc *p);

/*
 * sched.c: the big lock and sleeping.  vk_biglock guards all kernel
 * state; a task holds it while in the vkernel.  proc_sleep() drops it
 * while p sleeps until woken through wq (may be NULL), one of the host
 * descriptors becomes ready (their revents are filled in), the deadline
 * (CLOCK_MONOTONIC; NULL for none) passes, or a signal is pending for p.
 * Returns 0, -ETIMEDOUT or -EINTR; wakeups may be spurious, so callers
 * recheck their condition.  vk_pollq is woken by every change a poll
 * could be waiting for.
 */
#define VK_SLEEP_MAXHOST 16
extern pthread_mutex_t vk_biglock;
extern struct waitq vk_pollq;
int proc_wait_init(struct proc *p);
void proc_wait_fini(struct proc *p);
int proc_sleep(struct proc *p, struct waitq *wq, struct pollfd *hostfds,
    int nhost, const struct timespec *deadline);
void waitq_wakeup(struct waitq *wq);
void proc_wake(struct proc *p);
/* deadline = now (CLOCK_MONOTONIC) + rel. */
void deadline_after(struct timespec *deadline, const struct timespec *rel);

/* copyio.c: guest memory access as the guest would see it.  0 or -EFAULT. */
int copyin(struct proc *p, void *dst, gva_t src, size_t len);
int copyout(struct proc *p, gva_t dst, const void *src, size_t len);
/* Copies a NUL-terminated string of at most max bytes (incl. NUL):
 * its length, -EFAULT, or -ENAMETOOLONG. */
long copyinstr(struct proc *p, char *dst, gva_t src, size_t max);
/* How many bytes from va on (at most len) the guest may write, faulting
 * pages in as it goes: 0 means not even the first byte. */
size_t writable_prefix(struct proc *p, gva_t va, size_t len);
/* Linux's access_ok(): [va, va+len) lies inside the user range. */
bool user_range(gva_t va, size_t len);
/* Writes bytes into guest memory ignoring page protections (the loader).
 * 0, -EFAULT (unmapped) or -ENOMEM (out of guest memory). */
int copyout_force(struct proc *p, gva_t dst, const void *src, size_t len);

/* elf_load.c: loads path into p and builds its initial stack.  0, or the
 * vkernel exit status (126/127) with a one-line message already printed. */
int elf_exec(struct proc *p, const char *path, char *const argv[],
    char *const envp[]);

/* syscall.c: handles the system call in p->frame. */
void syscall_dispatch(struct proc *p);
/* Under -v at exit: one line naming the unimplemented calls the C library
 * probed and expected to fail (nothing when there were none). */
void syscall_report(void);

#endif /* VKERNEL_H */
