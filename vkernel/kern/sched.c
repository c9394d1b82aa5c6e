/* sched.c: the task model: guest tasks on the vCPU thread, the run queue, sleeping, preemption. */

/*
 * The model is DragonFly's vkernel's and User-Mode Linux's: a scheduler
 * inside the vkernel, on the vkernel's vCPU thread (one today; -n will
 * start more, each running sched_run).  Each guest task has a C stack and
 * a context of its own (ucontext), so a system call that must wait
 * (proc_sleep) switches to the scheduler, which runs another task; only
 * when no task can run does the scheduler wait on the host, in one ppoll
 * over every sleeper's host descriptors with the earliest deadline as its
 * timeout and KS_WAKE_SIGNAL open.  A task runs guest code inside ks_run;
 * when other tasks wait, the host timer (signal.c) is armed for the end
 * of its 10 ms slice (or an earlier deadline), its signal kicks the guest
 * out, and the task yields at that trap.  Hand-offs never spin: a woken
 * task is put on the run queue, and the only host waits are the
 * scheduler's ppoll and the backend's own wait for the guest it runs.
 *
 * Locking: vk_biglock guards all kernel state.  The vCPU thread holds it
 * except in the scheduler's host wait; with one vCPU thread nothing else
 * takes it yet, and task switches happen only at proc_sleep and at traps,
 * so kernel code between two such points runs without interruption.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#include "vkernel.h"
#include "kmem.h"

#define KSTACK_SIZE (256u << 10)  /* each task's C stack, plus a guard page */
#define KSTACK_GUARD 4096u
#define KSTACK_CHARGE VK_KSTACK_CHARGE
#define SLICE_NS 10000000ULL      /* a task's time slice when others wait */

pthread_mutex_t vk_biglock = PTHREAD_MUTEX_INITIALIZER;
struct waitq vk_pollq;

static struct sched_hooks hooks;
static ucontext_t sched_ctx;
static struct proc *runq_head, *runq_tail;
static struct proc *sleepers;     /* tasks in proc_sleep, woken or not */
static int ntasks;
static uint64_t slice_end;        /* when the running task's slice ends */
static struct proc *running;      /* the task on the vCPU thread now */
static uint64_t running_since;    /* the thread's CPU time when it came on */
static uint64_t next_event;       /* when sched_after_trap must yield */

static void
runq_push(struct proc *p)
{
	p->rq_next = NULL;
	if (runq_tail != NULL)
		runq_tail->rq_next = p;
	else
		runq_head = p;
	runq_tail = p;
}

static struct proc *
runq_pop(void)
{
	struct proc *p = runq_head;

	if (p != NULL && (runq_head = p->rq_next) == NULL)
		runq_tail = NULL;
	return p;
}

static void
sleepers_remove(struct proc *p)
{
	struct proc **pp;

	for (pp = &sleepers; *pp != NULL; pp = &(*pp)->sl_next)
		if (*pp == p) {
			*pp = p->sl_next;
			break;
		}
	p->sl_next = NULL;
}

void
proc_wake(struct proc *p)
{
	if (p->state != TASK_SLEEP || p->woken)
		return;
	p->woken = true;
	p->state = TASK_RUN;
	runq_push(p);
}

void
waitq_wakeup(struct waitq *wq)
{
	struct proc *p;

	for (p = wq->head; p != NULL; p = p->wq_next)
		proc_wake(p);
}

static void
waitq_add(struct waitq *wq, struct proc *p)
{
	p->wq_next = wq->head;
	wq->head = p;
}

static void
waitq_remove(struct waitq *wq, struct proc *p)
{
	struct proc **pp;

	for (pp = &wq->head; *pp != NULL; pp = &(*pp)->wq_next)
		if (*pp == p) {
			*pp = p->wq_next;
			break;
		}
	p->wq_next = NULL;
}

/* The earlier of two event times, 0 meaning none. */
static uint64_t
earlier(uint64_t a, uint64_t b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* When the scheduler must look next for a sleeper: its deadline or its
 * interval timer, whichever is first (0: never). */
static uint64_t
sleepers_next(bool *hostfds)
{
	uint64_t t = 0;
	struct proc *p;

	*hostfds = false;
	for (p = sleepers; p != NULL; p = p->sl_next) {
		if (p->woken)
			continue;
		if (p->sleep_timed)
			t = earlier(t, ts_ns(&p->sleep_until));
		t = earlier(t, p->tg->it_next);
		if (p->sleep_nfds > 0)
			*hostfds = true;
	}
	return t;
}

int
proc_sleep(struct proc *p, struct waitq *wq, struct pollfd *hostfds,
    int nhost, const struct timespec *deadline)
{
	bool ready = false;
	int i;

	if (nhost > VK_SLEEP_MAXHOST)
		return -EINVAL;
	if (hooks.signal_pending(p))
		return -ERESTARTSYS;
	if (deadline != NULL && deadline_passed(deadline))
		return -ETIMEDOUT;
	for (i = 0; i < nhost; i++)
		hostfds[i].revents = 0;
	p->sleep_fds = hostfds;
	p->sleep_nfds = nhost;
	p->sleep_timed = deadline != NULL;
	if (deadline != NULL)
		p->sleep_until = *deadline;
	p->woken = false;
	p->state = TASK_SLEEP;
	if (wq != NULL)
		waitq_add(wq, p);
	p->sl_next = sleepers;
	sleepers = p;
	swapcontext(&p->ctx, &sched_ctx);
	/* Woken: by proc_wake, a host descriptor, the clock or a signal.
	 * Others ran meanwhile: the host identity is p's again (cred.c). */
	(void)cred_host_use(&p->cred);
	sleepers_remove(p);
	if (wq != NULL)
		waitq_remove(wq, p);
	p->sleep_fds = NULL;
	p->sleep_nfds = 0;
	for (i = 0; i < nhost; i++)
		ready |= hostfds[i].revents != 0;
	if (hooks.signal_pending(p))
		return -ERESTARTSYS;
	if (!ready && deadline != NULL && deadline_passed(deadline))
		return -ETIMEDOUT;
	return 0;
}

/*
 * Looks at the sleepers: wakes those whose host descriptors are ready,
 * whose deadline passed or whose interval timer expired.  With block
 * (nothing can run), waits on the host first until one of these happens.
 */
static void
sched_poll(bool block)
{
	static struct pollfd *fds;
	static size_t cap;
	struct proc *p, *next;
	struct timespec tmo;
	uint64_t t, now;
	bool hostfds;
	size_t n = 0;
	int i, r;

	t = sleepers_next(&hostfds);
	if (!block && !hostfds && (t == 0 || mono_ns() < t))
		return;
	for (p = sleepers; p != NULL; p = p->sl_next) {
		if (p->woken)
			continue;
		if (n + (size_t)p->sleep_nfds > cap) {
			size_t ncap = (cap + p->sleep_nfds) * 2;
			struct pollfd *nf = realloc(fds, ncap * sizeof(*fds));

			if (nf == NULL)
				return; /* out of host memory: next round */
			fds = nf;
			cap = ncap;
		}
		for (i = 0; i < p->sleep_nfds; i++)
			fds[n++] = p->sleep_fds[i];
	}
	now = mono_ns();
	if (block && t != 0 && t > now) {
		tmo.tv_sec = (time_t)((t - now) / 1000000000ULL);
		tmo.tv_nsec = (long)((t - now) % 1000000000ULL);
	} else {
		tmo = (struct timespec){ 0, 0 };
	}
	pthread_mutex_unlock(&vk_biglock);
	r = ppoll(fds, n, block && t == 0 ? NULL : &tmo, clock_waitmask());
	pthread_mutex_lock(&vk_biglock);
	now = mono_ns();
	n = 0;
	for (p = sleepers; p != NULL; p = next) {
		bool wake = false;

		next = p->sl_next;
		if (p->woken)
			continue;
		for (i = 0; i < p->sleep_nfds; i++) {
			p->sleep_fds[i].revents = r > 0 ? fds[n].revents : 0;
			wake |= p->sleep_fds[i].revents != 0;
			n++;
		}
		if (p->sleep_timed && ts_ns(&p->sleep_until) <= now)
			wake = true;
		if (p->tg->it_next != 0 && p->tg->it_next <= now)
			wake = true;
		if (wake)
			proc_wake(p);
	}
}

/* Each task's body: the trap loop, then back to the scheduler. */
static void
task_main(unsigned hi, unsigned lo)
{
	struct proc *p = (struct proc *)(((uintptr_t)hi << 32) | lo);

	hooks.body(p);
	p->state = TASK_DONE;
	/* uc_link returns to sched_run. */
}

/* The vCPU thread's CPU time in ns. */
static uint64_t
thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t
sched_cputime(struct proc *p)
{
	return p->cpu_ns + (p == running ? thread_ns() - running_since : 0);
}

void
sched_init(const struct sched_hooks *h)
{
	hooks = *h;
}

int
sched_add(struct proc *p)
{
	uintptr_t u = (uintptr_t)p;
	char *stack;

	if (!kmem_charge(KSTACK_CHARGE))
		return -EAGAIN;
	stack = mmap(NULL, KSTACK_SIZE + KSTACK_GUARD, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		kmem_uncharge(KSTACK_CHARGE);
		return -ENOMEM;
	}
	if (mprotect(stack, KSTACK_GUARD, PROT_NONE) != 0 ||
	    getcontext(&p->ctx) != 0) {
		munmap(stack, KSTACK_SIZE + KSTACK_GUARD);
		kmem_uncharge(KSTACK_CHARGE);
		return -ENOMEM;
	}
	p->kstack = stack;
	p->ctx.uc_stack.ss_sp = stack + KSTACK_GUARD;
	p->ctx.uc_stack.ss_size = KSTACK_SIZE;
	p->ctx.uc_link = &sched_ctx;
	makecontext(&p->ctx, (void (*)(void))task_main, 2,
	    (unsigned)(u >> 32), (unsigned)u);
	p->state = TASK_RUN;
	p->woken = false;
	runq_push(p);
	ntasks++;
	return 0;
}

void
sched_run(void)
{
	struct proc *p;

	while (ntasks > 0) {
		sched_poll(runq_head == NULL);
		if ((p = runq_pop()) == NULL)
			continue;
		slice_end = mono_ns() + SLICE_NS;
		running = p;
		running_since = thread_ns();
		swapcontext(&sched_ctx, &p->ctx);
		p->cpu_ns += thread_ns() - running_since;
		running = NULL;
		if (p->state == TASK_DONE) {
			munmap(p->kstack, KSTACK_SIZE + KSTACK_GUARD);
			kmem_uncharge(KSTACK_CHARGE);
			p->kstack = NULL;
			ntasks--;
			hooks.done(p);
		}
	}
	clock_timer_arm(0);
}

void
sched_before_run(struct proc *p)
{
	bool hostfds;
	uint64_t t = sleepers_next(&hostfds);

	t = earlier(t, p->tg->it_next);
	if (runq_head != NULL || hostfds)
		t = earlier(t, slice_end);
	next_event = t;
	clock_timer_arm(t);
}

void
sched_after_trap(struct proc *p)
{
	if (next_event == 0 || mono_ns() < next_event || p->exited)
		return;
	/* Its slice is over, or a sleeper's time came: the others first. */
	runq_push(p);
	swapcontext(&p->ctx, &sched_ctx);
}

void
sched_give_way(struct proc *p)
{
	if (runq_head == NULL)
		return;
	runq_push(p);
	swapcontext(&p->ctx, &sched_ctx);
}
