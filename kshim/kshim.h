/* kshim.h: the thin host shim, one ops table over a kvm and a soft backend. */
#ifndef KSHIM_H
#define KSHIM_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

/*
 * Address kinds are named apart, as in the KVM selftests:
 *   gva  guest-virtual address (what guest code uses)
 *   gpa  guest-physical address (an offset into the memory image)
 *   hva  host-virtual address (a pointer in the vkernel)
 */
typedef uint64_t gva_t;
typedef uint64_t gpa_t;

/* Protection bits, shared by the pmap, the vm map and the shim. */
#define KS_PROT_NONE  0
#define KS_PROT_READ  1
#define KS_PROT_WRITE 2
#define KS_PROT_EXEC  4

/* User address range a guest may use; the soft stub area sits above it. */
#define KS_USER_MIN  0x10000ULL
#define KS_USER_MAX  0x7e0000000000ULL /* exclusive */

/* General-purpose register state of a guest thread, as a trap leaves it. */
struct ks_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t fs_base, gs_base;
};

/* Why ks_run() came back. */
enum ks_trap_kind {
	KS_TRAP_SYSCALL = 1, /* frame->rax is the number; rip is past the insn */
	KS_TRAP_PAGEFAULT,   /* addr = faulting gva, err = x86 #PF error code */
	KS_TRAP_EXCEPTION,   /* vector = x86 vector, signo/code = Linux's view */
	KS_TRAP_DEAD,        /* the space died on the host; signo says how */
	KS_TRAP_KICK,        /* kick() interrupted the guest: frame is where it
	                        was; it resumes there.  May be spurious. */
};

/*
 * The host signal that interrupts run(): the vkernel's handler for it calls
 * kick() on the space being run.  The caller keeps it blocked on its thread
 * outside run() (and outside its own interruptible waits); run() unblocks
 * it only while it waits for the guest (ppoll on sw, KVM_RUN's signal mask
 * on hw), so a signal sent at any other time stays pending until then.
 * On sw the handler runs inside ppoll and calls kick(); on hw KVM_RUN
 * returns EINTR with the thread's mask back in place, and run() takes the
 * pending signal itself (sigtimedwait) and acts as kicked.
 */
#define KS_WAKE_SIGNAL SIGALRM

/* x86 page-fault error code bits (trap.err for KS_TRAP_PAGEFAULT). */
#define KS_PF_PRESENT 0x01
#define KS_PF_WRITE   0x02
#define KS_PF_USER    0x04
#define KS_PF_INSN    0x10

struct ks_trap {
	enum ks_trap_kind kind;
	int vector;    /* x86 exception vector (14 = #PF, 13 = #GP, 6 = #UD ...) */
	uint64_t err;  /* error code */
	uint64_t addr; /* fault address (si_addr) */
	int signo;     /* host signal that reported it, or 0 */
	int code;      /* its si_code */
	char why[128]; /* KS_TRAP_DEAD: what the host saw, one line */
};

/* Counters for the -v exit summary. */
struct ks_stats {
	uint64_t runs;          /* entries into guest mode */
	uint64_t map_requests;  /* host mapping requests (mmap/munmap/mprotect or slot/prefault) */
	uint64_t map_batches;   /* batches those requests travelled in */
	uint64_t host_syscalls; /* host system calls made on the guest's behalf */
	/* soft backend only (0 on hw): */
	uint64_t checks;        /* host mapping requests checked as the stub made them */
	uint64_t mappings_peak; /* most host mappings one stub had */
	uint64_t mappings_limit;/* the bound on them */
	uint64_t restarts;      /* stubs replaced (bound reached, or a flush
	                           the host did not carry out) */
	/* with several vCPUs: */
	uint64_t shootdowns;    /* invalidations while the space ran on
	                           another vCPU (hw: other vCPUs kicked and
	                           waited for; sw: the host's, for the stub's
	                           other threads) */
	uint64_t ipis;          /* vCPUs kicked for them (hw) */
};

/* Guest-physical memory as the vkernel set it up for the shim, and the
 * vCPUs that will run guest code (-n). */
struct ks_mem {
	int fd;            /* the memory image */
	size_t size;       /* its size in bytes */
	gpa_t resv;        /* ops->resv_pages pages at resv, the backend's own */
	int ncpus;         /* vCPU threads, each of which calls cpu_start */
};

struct ks;        /* one shim instance (opaque, backend-owned) */
struct ks_space;  /* one guest address space on the host (opaque) */
struct ks_thread; /* one guest thread's way into a space (opaque) */

/*
 * The ops table, chosen once at start-up.  Contracts:
 * - map/unmap/protect only queue; nothing reaches the host (or the TLB)
 *   before flush() or the next run() of that space, which applies the
 *   queue in order first.  A caller may reuse a freed physical page only
 *   after flush() returned 0.
 * - map() says "gva..gva+len is now backed by gpa..gpa+len with prot";
 *   the kvm backend ignores it (the page tables are the mapping), the
 *   soft backend turns it into mmap(MAP_FIXED|MAP_SHARED) of the image.
 * - A guest thread runs in a space through a ks_thread of it
 *   (thread_create: 0, -EAGAIN past the backend's threads per space, or
 *   -errno), each with its own FPU/SSE state where the backend keeps one
 *   per thread (soft: a host thread of the stub process).  Every task has
 *   its own, threads of one process and a vfork child each theirs in the
 *   shared space.  thread_destroy is called only while the thread is not
 *   in run(), and before its space's space_destroy.
 * - run() resumes the thread with *frame and returns with the next trap,
 *   *frame updated.  It returns 0, or -errno when the host failed.
 * - A backend fails set-up with one line in why[] and -1.
 * - The kvm backend applies a vCPU's queued invalidations on its next entry
 *   into the guest, before any guest instruction runs; flush() kicks the
 *   other vCPUs that run the space and returns once each has left the
 *   guest to invalidate (the TLB shootdown): only then may a page the
 *   batch unmapped be reused.
 */
struct ks_ops {
	const char *name;
	size_t resv_pages; /* guest-physical pages the backend needs for itself */
	size_t resv_pages_per_cpu; /* ... and for each vCPU, after those */
	int (*init)(struct ks **ksp, const struct ks_mem *mem, char *why,
	    size_t whylen);
	/* Optional (may be NULL): the calling thread is vCPU cpu (0 ..
	 * ncpus-1) from now on, and runs guests through it only.  0, or -1
	 * with one line in why. */
	int (*cpu_start)(struct ks *ks, int cpu, char *why, size_t whylen);
	void (*fini)(struct ks *ks);
	int (*space_create)(struct ks *ks, gpa_t cr3, struct ks_space **spacep);
	void (*space_destroy)(struct ks_space *sp);
	void (*map)(struct ks_space *sp, gva_t gva, gpa_t gpa, size_t len,
	    int prot);
	void (*unmap)(struct ks_space *sp, gva_t gva, size_t len);
	void (*protect)(struct ks_space *sp, gva_t gva, size_t len, int prot);
	int (*flush)(struct ks_space *sp);
	int (*thread_create)(struct ks_space *sp, struct ks_thread **thp);
	void (*thread_destroy)(struct ks_thread *th);
	int (*run)(struct ks_thread *th, struct ks_frame *frame,
	    struct ks_trap *trap);
	void (*stats)(struct ks *ks, struct ks_stats *st);
	/* CPU time the host has spent running this thread's guest code (its
	 * stub thread on sw): what the guest's own CPU-time clocks read.
	 * 0 or -errno.  NULL where one thread runs every space (kvm's vCPU):
	 * the vkernel then counts each task's time itself (sched_cputime). */
	int (*cputime)(struct ks_thread *th, struct timespec *ts);
	/* Makes the run() in progress on th (or the next one) return soon
	 * with KS_TRAP_KICK, even if the guest makes no system call.  Called
	 * from the KS_WAKE_SIGNAL handler (see above): async-signal-safe. */
	void (*kick)(struct ks_thread *th);
	/* Optional (may be NULL): gpa..gpa+len is about to be handed out;
	 * set up its nested mappings now, in one batch. */
	void (*prefault)(struct ks *ks, gpa_t gpa, size_t len);
	/*
	 * The FPU/SSE/AVX state.  On kvm a vCPU runs many tasks, so the state
	 * must follow the task: fpu_save copies vCPU cpu's into buf
	 * (fpu_size bytes), fpu_load puts buf back; 0 or -errno.  A vCPU's
	 * state may be read from another vCPU's thread while it runs no
	 * guest.  NULL (and fpu_size 0) where each guest thread keeps its
	 * own state, as the soft backend's stub threads do.
	 */
	size_t fpu_size;
	int (*fpu_save)(struct ks *ks, int cpu, void *buf);
	int (*fpu_load)(struct ks *ks, int cpu, const void *buf);
};

extern const struct ks_ops ks_soft_ops;
extern const struct ks_ops ks_kvm_ops;

/*
 * Each space and thread remembers the ops that made it, so the pmap and
 * the trap loop call through these without knowing the backend.
 */
struct ks_space_hdr {
	const struct ks_ops *ops;
};
struct ks_thread_hdr {
	const struct ks_ops *ops;
};

static inline void
ks_map(struct ks_space *sp, gva_t gva, gpa_t gpa, size_t len, int prot)
{
	((struct ks_space_hdr *)sp)->ops->map(sp, gva, gpa, len, prot);
}

static inline void
ks_unmap(struct ks_space *sp, gva_t gva, size_t len)
{
	((struct ks_space_hdr *)sp)->ops->unmap(sp, gva, len);
}

static inline void
ks_protect(struct ks_space *sp, gva_t gva, size_t len, int prot)
{
	((struct ks_space_hdr *)sp)->ops->protect(sp, gva, len, prot);
}

static inline int
ks_flush(struct ks_space *sp)
{
	return ((struct ks_space_hdr *)sp)->ops->flush(sp);
}

static inline int
ks_run(struct ks_thread *th, struct ks_frame *frame, struct ks_trap *trap)
{
	return ((struct ks_thread_hdr *)th)->ops->run(th, frame, trap);
}

static inline void
ks_kick(struct ks_thread *th)
{
	((struct ks_thread_hdr *)th)->ops->kick(th);
}

#endif /* KSHIM_H */
