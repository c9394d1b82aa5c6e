/* vkernel.h: the guest kernel's shared declarations: processes, the scheduler, signals, exec and loading, copyio. */
#ifndef VKERNEL_H
#define VKERNEL_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include <ucontext.h>

#include "kshim.h"
#include "clock.h"
#include "log.h"
#include "vm.h"
#include "pmap.h"
#include "cred.h"

/* Guest user layout (the soft stub area sits at KS_USER_MAX). */
#define VK_STACK_TOP   (KS_USER_MAX - 0x10000000ULL)     /* 256 MiB below it */
#define VK_STACK_SIZE  (8ULL << 20)                      /* RLIMIT_STACK */
#define VK_MMAP_TOP    (VK_STACK_TOP - VK_STACK_SIZE - (1ULL << 30))
#define VK_PIE_BASE    0x555555554000ULL                 /* ET_DYN load bias */

#define VK_NSIG 64

struct vk_sigaction {
	uint64_t handler, flags, restorer, mask;
};
#define VK_SIG_DFL      0ULL  /* handler: the default action */
#define VK_SIG_IGN      1ULL  /* handler: ignored */

struct fdtab;
struct sem_undo;
struct file;

/* Files one system call may hold at once (fget, file.h). */
#define VK_FILE_HOLDS 8
/* Scratch buffers one system call may have (copy_scratch, kmem.h). */
#define VK_SCRATCH 4
struct vk_scratch {
	void *buf;
	size_t len;
};

/* Tasks sleeping for one condition (sched.c). */
struct waitq {
	struct proc *head;
};

/* Linux's internal restart codes: a system call interrupted by a signal
 * returns one, and signal delivery turns it into -EINTR or a restart
 * (never seen by the guest). */
#define ERESTARTSYS           512 /* restart if SA_RESTART, else EINTR */
#define ERESTARTNOINTR        513 /* always restart */
#define ERESTARTNOHAND        514 /* EINTR if a handler ran, else restart */
#define ERESTART_RESTARTBLOCK 516 /* as ERESTARTNOHAND here */

/* A task's signal state beyond the mask (signal.c): what was sent to this
 * thread (tgkill, a fault), its alternate stack, its call's restart. */
struct vk_sigstate {
	uint64_t pending;            /* posted, not delivered (bit sig-1) */
	siginfo_t info[VK_NSIG + 1]; /* what each pending signal says (one
	                                instance per signal, RT ones too) */
	char why[160];               /* -v: why a fault posted why_sig */
	int why_sig;
	uint64_t trap_err, trap_nr, trap_cr2; /* the last fault, for frames */
	long sysnr;                  /* frame.rax is this call's result, or -1 */
	bool saved_mask_valid;       /* rt_sigsuspend: restore saved_mask */
	uint64_t saved_mask;         /* once a handler frame holds it */
	uint64_t ss_sp, ss_size;     /* sigaltstack; ss_size 0: disabled */
	uint32_t ss_flags;           /* SS_AUTODISARM or 0 */
};

/*
 * An address space: the vm_map, its pmap and the host side that runs it
 * (the kshim space: a stub process on sw, a CR3 on hw).  Shared by
 * reference: a vfork child runs on its parent's until it execs or exits
 * (and threads will share one).
 */
struct vmspace {
	int refs;
	struct pmap *pmap;
	struct ks_space *space;
	struct vm_map map;
	gva_t brk_base, brk_end;     /* [brk_base, brk_end) is the heap */
	/* Where exec put the argv and envp strings (Linux's mm->arg_start
	 * ...): /proc/PID/cmdline and environ read them from here. */
	gva_t arg_start, arg_end, env_start, env_end;
	struct vmspace *next;        /* every address space (proc.c) */
};

/*
 * A process: what its threads share (Linux's signal_struct, with the
 * fs_struct and sighand_struct that CLONE_THREAD implies): its id (the
 * leader's pid), process group and session, the program's path, the
 * working directory and umask, resource limits, signal actions,
 * signals sent to the process rather than one thread, ITIMER_REAL, job
 * control and how it ends.  Its family (parent, children, what wait
 * reports) is kept in the leader's struct proc, which stays until the
 * process is reaped, as Linux keeps a zombie leader.  fork gives the child
 * a new one (a copy of the parent's limits, actions, directory ...), exec
 * keeps it; it goes with the last task that refers to it.
 */
struct tgroup {
	int refs;                    /* tasks holding it (struct proc.tg) */
	pid_t tgid;                  /* getpid(): the leader's pid */
	struct proc *leader;         /* whose family and status are the
	                                process's (proc.c) */
	struct proc *threads;        /* its tasks (tg_next), the leader too
	                                until it is freed */
	int nlive;                   /* tasks not torn down yet */
	pid_t pgid, sid;
	char exe[4096];              /* what /proc/self/exe names (guest path) */
	char cwd[4096];              /* the working directory (guest path) */
	mode_t umask;                /* masks the modes of files it creates */
	struct rlimit rlim[RLIM_NLIMITS]; /* its resource limits */
	struct vk_sigaction sigacts[VK_NSIG + 1];
	uint64_t pending;            /* signals to the process (kill), not
	                                delivered yet (bit sig-1) */
	siginfo_t info[VK_NSIG + 1]; /* what each of those says */
	uint64_t it_next;            /* ITIMER_REAL: CLOCK_MONOTONIC ns, 0 off */
	uint64_t it_interval;        /* its period in ns, 0 one-shot */
	bool exiting;                /* exit_group or a fatal signal: every
	                                thread goes, and the process ends */
	int exit_status;             /* ... with this wait(2) status */
	bool stopped;                /* a stop signal's default action */
	int jobctl;                  /* for wait: CLD_STOPPED, CLD_CONTINUED, 0 */
	int jobctl_sig;              /* the stop signal (or SIGCONT) */
	struct waitq threadq;        /* woken as each thread is torn down
	                                (an execve waits for the others) */
	uint64_t dead_cpu_ns;        /* CPU time of its threads gone */
	struct sem_undo *semundo;    /* SEM_UNDO records (ipc_sem.c) */
};

/* How far a task has got: running (or runnable), or done. */
enum task_state { TASK_RUN, TASK_SLEEP, TASK_DONE };

/* One guest task: a thread, or the only thread of a process. */
struct proc {
	pid_t pid;                   /* its id: gettid(); getpid() is tg->tgid */
	struct tgroup *tg;           /* its process: what it shares with its
	                                threads */
	struct proc *tg_next;        /* the other tasks of tg */
	char comm[16];
	struct cred cred;            /* its identity (cred.c) */
	const struct cred_bprm *bprm; /* while exec loads: the new image's */
	struct ks *ks;
	struct vmspace *vm;
	struct ks_thread *kth;       /* its way into vm's space (kshim.h) */
	struct ks_frame frame;
	gva_t clear_tid;             /* set_tid_address */
	gva_t robust_list;           /* set_robust_list (futex.c) */
	uint64_t sigmask;
	struct fdtab *fds;           /* descriptor table (file.c) */
	struct file *holds[VK_FILE_HOLDS]; /* what fget took for the running
	                                system call (file.h) */
	int nholds;
	struct vk_scratch scratch[VK_SCRATCH]; /* copy_scratch's, this call */
	int nscratch;
	struct vk_sigstate sig;      /* signal.c */
	void *fpu;                   /* its FPU state while off the vCPU (only
	                                where the backend shares one: kvm) */

	/* Family (proc.c), kept in the leader: the parent's leader, its
	 * children's leaders, the table. */
	struct proc *parent;         /* NULL for pid 1 (and in threads) */
	struct proc *children, *sibling;
	struct proc *all_next;
	struct waitq childq;         /* wait4 sleeps here */
	int exit_signal;             /* sent to the parent at exit (SIGCHLD);
	                                -1 in a thread */
	bool did_exec;               /* setpgid: EACCES after exec */
	struct proc *vforker;        /* the parent a vfork holds, until exec/exit */
	bool vfork_done;             /* (in the parent) the vfork child let go */
	struct pidref *pidref;       /* (a leader) what its pidfds hold (pidfd.c) */

	/* The task (sched.c): its own C stack and context. */
	enum task_state state;
	ucontext_t ctx;
	void *kstack;
	struct proc *rq_next;        /* on the run queue */
	struct proc *wq_next;        /* on the waitq it sleeps on */
	struct proc *sl_next;        /* on the sleepers list */
	struct pollfd *sleep_fds;    /* host fds its sleep waits for */
	int sleep_nfds;
	bool sleep_timed;
	struct timespec sleep_until; /* CLOCK_MONOTONIC */
	uint64_t sleep_seq;          /* which sleep this is (sched.c) */
	bool woken;
	bool reaped;                 /* waited for: freed once its task is done */

	bool exited;                 /* the task is ending (exit, exit_group,
	                                a fatal signal) */
	bool in_stop;                /* sitting out its process's stop */
	bool in_guest;               /* in ks_run, the big lock let go */
	bool torn_down;              /* ... and gave back what it held */
	bool zombie;                 /* (a leader) the process ended, waiting
	                                for wait4 */
	int status;                  /* (a leader) its exit(2) code as a wait
	                                status, then the process's */
	uint64_t nsyscalls, nfaults, nhostcalls, nenosys;
	uint64_t cpu_ns;             /* vCPU thread time its task used (sched.c) */
	gva_t last_fault_addr;       /* to catch a fault that never resolves */
	bool copy_oom;               /* copyin/copyout ran out of guest memory:
	                                the trap loop kills (trap.c) */
	int same_fault;
};

/* proc.c: the process table, creation, the trap loop, exit and reaping. */
/* Reads the host's pid_max and RLIMIT_NPROC, which the guest's pids and
 * pid 1's RLIMIT_NPROC follow. */
void proc_limits_init(void);
/* pid 1: a fresh process with the vkernel's std streams, no image yet. */
int proc_create_init(struct proc **pp, struct ks *ks, const char *comm);
/* Everything but the table entry goes once p's task has exited (its
 * trap loop's last step): its address space, descriptors and timers; its
 * children go to pid 1; its parent hears of it. */
void proc_teardown(struct proc *p);
/* The task with this pid (a thread's tid, or a process's leader) of a
 * process that has not ended, or NULL. */
struct proc *proc_find(pid_t pid);
/* pid 1's wait status, once its process ended. */
int proc_init_status(void);
/* The first of all processes (pid order not kept); ->all_next for more. */
struct proc *proc_first(void);
/* Whether process group pgid of session sid is orphaned, or becomes so
 * once ignored (a leader, or NULL) is gone: POSIX's test, for job control
 * (tty.c) and the orphaned groups' SIGHUP at a process's end. */
bool proc_pgrp_orphaned(pid_t pgid, pid_t sid, const struct proc *ignored);
/* Processes now in the table, zombies included. */
int proc_count(void);
/* Frees what is left of the table once every task is done: pid 1's
 * status, and -v's summary from before. */
void proc_table_fini(void);
/* Address spaces: a new empty one, one more reference, one less. */
int vmspace_new(struct ks *ks, struct vmspace **vmp);
struct vmspace *vmspace_ref(struct vmspace *vm);
void vmspace_unref(struct vmspace *vm);
/* Whether any address space has a shared mapping of file object fobj that
 * is or may become writable (F_SEAL_WRITE's EBUSY). */
bool proc_file_maps_writable(const struct vm_object *fobj);
/* A guest thread's way into vm's space (kshim.h's thread_create): 0,
 * -EAGAIN or -ENOMEM.  proc_vm_drop: p leaves its space, thread first. */
int vmspace_thread(struct vmspace *vm, struct ks_thread **thp);
void proc_vm_drop(struct proc *p);
/* The FPU state (where ks_ops shares one among tasks): proc_fpu_init
 * keeps the vCPU's start state for new images; proc_fpu_reset gives p
 * that state (exec); proc_fpu_switch puts p's state on the vCPU before it
 * runs, saving the last owner's.  0 or -errno. */
int proc_fpu_init(struct ks *ks);
int proc_fpu_reset(struct proc *p);
int proc_fpu_switch(struct proc *p);
/* Releases a vfork parent held by p (p execs or exits). */
void proc_vfork_release(struct proc *p);
/* fork's child (share_vm: vfork's; share_files: CLONE_FILES), a runnable
 * task; NULL with *errp
 * -EAGAIN (RLIMIT_NPROC, no free pid, or the kernel memory budget cannot
 * hold one more process) or -ENOMEM. */
struct proc *proc_fork(struct proc *parent, bool share_vm, bool share_files,
    int *errp);
/* clone with CLONE_THREAD: a new thread of parent's process (the
 * descriptor table shared with share_files); NULL with *errp -EAGAIN or
 * -ENOMEM. */
struct proc *proc_thread(struct proc *parent, bool share_files, int *errp);
/* execve's de_thread: the other threads of p's process end, and p
 * becomes its leader.  0, or -EINTR when p was killed meanwhile. */
int proc_exec_alone(struct proc *p);
/* CPU time in ns: p's own (thread) or its whole process's, gone threads
 * included. */
uint64_t proc_cputime(struct proc *p, bool thread);
/* wait: the zombie p leaves its parent and, once its task is done, the
 * table. */
void proc_reap(struct proc *p);
/* The scheduler: p's task has ended and its stack is gone. */
void proc_task_done(struct proc *p);

/* exec.c: replaces p's image with path (a guest path: "#!" scripts,
 * /proc/self/exe), argv and envp as Linux's execve does.  0, or -errno
 * with p unchanged; why gets a one-line reason (for pid 1's start). */
int proc_exec(struct proc *p, const char *path, char *const argv[],
    char *const envp[], char *why, size_t whylen);

/* signal.c: true when p has a signal to take that would interrupt a
 * sleep (an expired timer's SIGALRM is posted first). */
bool proc_signal_pending(struct proc *p);

/*
 * sched.c: the big lock and sleeping.  vk_biglock guards all kernel
 * state; a task holds it while in the vkernel.  proc_sleep() drops it
 * while p sleeps until woken through wq (may be NULL), one of the host
 * descriptors becomes ready (their revents are filled in), the deadline
 * (CLOCK_MONOTONIC; NULL for none) passes, or a signal is pending for p.
 * Returns 0, -ETIMEDOUT or -ERESTARTSYS (a signal: signal delivery makes
 * it EINTR or a restart); wakeups may be spurious, so callers
 * recheck their condition.  vk_pollq is woken by every change a poll
 * could be waiting for.
 */
#define VK_SLEEP_MAXHOST 16
extern pthread_mutex_t vk_biglock;
/* vk_lock/vk_unlock take and give the big lock, timing it for -v:
 * vk_lock_stats gives the time it was held in all (so far), the time
 * vCPU threads waited for it, and how many waits there were. */
void vk_lock(void);
void vk_unlock(void);
void vk_lock_stats(uint64_t *held_ns, uint64_t *waited_ns, uint64_t *waits);
extern struct waitq vk_pollq;
int proc_sleep(struct proc *p, struct waitq *wq, struct pollfd *hostfds,
    int nhost, const struct timespec *deadline);
void waitq_wakeup(struct waitq *wq);
void proc_wake(struct proc *p);
/*
 * The scheduler (sched.c).  sched_add makes p a task (its own C stack,
 * runnable; 0 or -ENOMEM).  sched_run(cpu), called by each vCPU thread
 * (cpu 0 .. sched_ncpus()-1), runs tasks until none is left.  Inside a
 * task, sched_before_run arms the vCPU's host timer for the next event (a
 * time slice when others wait, a sleeper's deadline, an interval timer)
 * and sched_after_trap yields when that time has come.
 */
int sched_add(struct proc *p);
/*
 * What the scheduler calls back, set once by sched_init before the first
 * task: the body of every task (the trap loop, trap.c), what becomes of a
 * task once its body returned and its stack is gone (proc_task_done), and
 * whether a task has a signal that ends a sleep (proc_signal_pending).
 * The scheduler names nothing above it.
 */
struct sched_hooks {
	void (*body)(struct proc *p);
	void (*done)(struct proc *p);
	bool (*signal_pending)(struct proc *p);
};
/* The hooks and the number of vCPUs (1 .. VK_MAXCPU): 0 or -ENOMEM. */
int sched_init(const struct sched_hooks *h, int ncpus);
/* How many vCPUs, and which one the calling thread is (0 outside them). */
int sched_ncpus(void);
int sched_cpu(void);
/* The task running on the calling vCPU (Linux's current: what a
 * signalfd's poll looks at), or NULL outside a task. */
struct proc *sched_current(void);
/* What a task's stack is charged to the kernel memory budget (kmem.h),
 * from sched_add until the task is done: the stack is reserved, and only
 * touched as deep as the vkernel's code goes, 56 KiB at the deepest over
 * the test suite (a /proc walk through links inside a file-system call);
 * the bounce buffers of I/O are not on it (copy_bounce). */
#define VK_KSTACK_CHARGE (96u << 10)
void sched_run(int cpu);
void sched_before_run(struct proc *p);
void sched_after_trap(struct proc *p);
/* The CPU time p's task has had on a vCPU thread, guest and vkernel time
 * alike (Linux's utime + stime), in ns: what its CPU clocks read where the
 * backend has no clock per thread. */
uint64_t sched_cputime(struct proc *p);
/* sched_yield: the other runnable tasks go first. */
void sched_give_way(struct proc *p);

/* copyio.c: guest memory access as the guest would see it.  0 or -EFAULT;
 * the vm_ forms reach an address space that is not p's yet (exec). */
int vm_copyout(struct vmspace *vm, gva_t dst, const void *src, size_t len);
int copyin(struct proc *p, void *dst, gva_t src, size_t len);
int copyout(struct proc *p, gva_t dst, const void *src, size_t len);
/* The aligned 32-bit guest word at va (a futex) in host memory, for
 * atomic access, faulted in for reading or writing: valid until p sleeps
 * or the guest's map changes.  NULL with *err -EINVAL (misaligned) or
 * -EFAULT. */
uint32_t *copy_word(struct proc *p, gva_t va, bool write, int *err);
/* Copies a NUL-terminated string of at most max bytes (incl. NUL):
 * its length, -EFAULT, or -ENAMETOOLONG. */
long copyinstr(struct proc *p, char *dst, gva_t src, size_t max);
/* How many bytes from va on (at most len) the guest may write, faulting
 * pages in as it goes: 0 means not even the first byte. */
size_t writable_prefix(struct proc *p, gva_t va, size_t len);
/* The same for reading (a write(2) takes what it can, as Linux's). */
size_t readable_prefix(struct proc *p, gva_t va, size_t len);
/* Linux's access_ok(): [va, va+len) lies inside the user range. */
bool user_range(gva_t va, size_t len);
/* Writes bytes into guest memory ignoring page protections (the loader).
 * 0, -EFAULT (unmapped) or -ENOMEM (out of guest memory). */
int vm_copyout_force(struct vmspace *vm, gva_t dst, const void *src,
    size_t len);

/*
 * copyio.c: scratch memory for the running system call of p (a bounce buffer, an
 * iovec array): n bytes, not zeroed, charged, freed when the call returns
 * (syscall_dispatch calls copy_scratch_release), sleeps included, and
 * charged to the kernel memory budget (kmem.h).  NULL past the budget:
 * the call fails with ENOMEM.  At most VK_SCRATCH per
 * call.
 */
void *copy_scratch(struct proc *p, size_t n);
void copy_scratch_release(struct proc *p);

/*
 * A bounce buffer for p's call: KMEM_BUF bytes of scratch, or, when the
 * budget is spent, the caller's own small buffer (KMEM_SMALL bytes on its
 * stack, within what a task's stack is charged), so that I/O goes on in
 * smaller pieces instead of failing.  *len is the buffer's size.
 */
#define KMEM_SMALL 4096
void *copy_bounce(struct proc *p, char *small, size_t *len);

/* elf_load.c: loads the ELF file open at fd (named path) into the fresh
 * address space vm and builds its initial stack (argv, envp, auxv) and
 * *frame.  A program with a PT_INTERP also gets its interpreter (a guest
 * path, relative ones against p's directory) and starts there.  0, or
 * -errno (ENOEXEC: not a program we run, or a malformed interpreter, why
 * says what; ENOENT or EACCES: the interpreter's; ENOMEM; E2BIG; EIO: the
 * headers could not be read). */
int elf_load(struct vmspace *vm, struct proc *p, int fd, const char *path,
    char *const argv[], char *const envp[], struct ks_frame *frame,
    char *why, size_t whylen);

/* signal.c: posting and delivering signals, timers, interruptible waits,
 * job control and the exit status. */
/* Ends p's process as if killed by signal sig (why: one line, or NULL):
 * every thread goes. */
void proc_kill(struct proc *p, int sig, const char *why);
/* exit_group: p's process ends with status code, every thread once back
 * in its trap loop. */
void proc_exit(struct proc *p, int code);
/* exit: p alone ends (code is its process's status if p is the leader). */
void proc_thread_exit(struct proc *p, int code);
/* Thread t ends (execve's de_thread, a group exit): SIGKILL for it alone,
 * and a wakeup. */
void proc_kill_thread(struct proc *t, const siginfo_t *si);
/* Job control: p stops (a stop signal's default action) and sleeps
 * until SIGCONT or SIGKILL; its parent hears of the stop and of the
 * continue (proc_jobctl: SIGCHLD unless SA_NOCLDSTOP, a wakeup, a report
 * for wait). */
void proc_stop(struct proc *p, int sig);
void proc_jobctl(struct proc *p, int code, int sig);

void sig_proc_init(struct proc *p);
void sig_proc_fini(struct proc *p);
/* fork: the child gets the parent's actions, mask and alternate stack;
 * nothing pending, no timer.  A thread: the mask, no alternate stack.
 * exec: handled signals go back to SIG_DFL, the alternate stack goes;
 * ignored ones, the mask, pending signals and the timer stay. */
void sig_fork(struct proc *child, const struct proc *parent);
void sig_thread(struct proc *child, const struct proc *parent);
void sig_exec(struct proc *p);
/* Posts sig with info (si_signo is set here) to p's process (sig_post)
 * or to thread p alone (sig_post_thread): discarded if ignored and not
 * blocked, else pending (a standard signal already pending stays as it
 * was), and the thread that takes it is woken. */
void sig_post(struct proc *p, int sig, const siginfo_t *info);
void sig_post_thread(struct proc *p, int sig, const siginfo_t *info);
/* A fault: as Linux's force_sig, a blocked or ignored sig is unblocked
 * and reset to SIG_DFL first.  t is the trap (frame fields), why the -v
 * line should it kill. */
void sig_fault(struct proc *p, int sig, int code, uint64_t addr,
    const struct ks_trap *t, const char *why);
/* A KS_TRAP_EXCEPTION: sig_fault with Linux's si_code and si_addr. */
void sig_exception(struct proc *p, const struct ks_trap *t, const char *why);
/* Before each entry into the guest: expired timers post SIGALRM, then
 * every deliverable signal is delivered (handler frames, default
 * actions), and an interrupted system call is restarted or fails EINTR. */
void sig_deliver(struct proc *p);
/* True when a signal not in p->sigmask (or in also) is pending for p or
 * its process, or its process is stopping. */
bool sig_pending(struct proc *p, uint64_t also);
/* Sleeps until the absolute time *until on clock clk (NULL: forever), or
 * fd (if >= 0) is readable, or sig_pending(p, also).  0 at the time or
 * with fd ready, 1 when a signal interrupted. */
int sig_wait(struct proc *p, clockid_t clk, const struct timespec *until,
    int fd, uint64_t also);
/* signalfd's: the signals of mask are watched by one more (delta 1) or
 * one fewer (-1) signalfd; posting a watched signal wakes vk_pollq, where
 * signalfd readers and pollers wait (others would see a wakeup for
 * nothing). */
void sig_watch(uint64_t mask, int delta);
/* Takes the lowest pending signal in set (synchronous ones first): its
 * number and *info, or 0. */
int sig_dequeue(struct proc *p, uint64_t set, siginfo_t *info);
/* rt_sigreturn: restores p->frame and the mask from the frame at rsp-8. */
long sig_return(struct proc *p);
/* nanosleep and clock_nanosleep: 0, or -ERESTARTNOHAND when a signal
 * came first (the time left is written at rem, if not 0 and relative). */
long sig_sleep(struct proc *p, clockid_t clk, bool abs,
    const struct timespec *ts, gva_t rem);
/* sigaltstack: the old stack's flags as Linux reports them, and the
 * checks and change (0, -EPERM, -EINVAL, -ENOMEM). */
int sig_altstack_flags(struct proc *p);
int sig_altstack_set(struct proc *p, uint64_t sp, int flags, uint64_t size);
/* ITIMER_REAL: arm (ns from now, period; 0 disarms) and read. */
void sig_itimer_set(struct proc *p, uint64_t value, uint64_t interval);
void sig_itimer_get(struct proc *p, uint64_t *value, uint64_t *interval);
#define SIGBIT(sig) (1ULL << ((sig) - 1))
#define SIG_UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))



#endif /* VKERNEL_H */
