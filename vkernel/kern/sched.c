/* sched.c: the task model: guest tasks on the vCPU threads, the run queue, sleeping, preemption. */

/*
 * The model is DragonFly's vkernel's and User-Mode Linux's: a scheduler
 * inside the vkernel, run by each of the vkernel's vCPU threads (-n), over
 * one run queue.  Each guest task has a C stack and a context of its own
 * (ucontext), so a system call that must wait (proc_sleep) switches to
 * its vCPU's scheduler, which runs another task; a task may go on on
 * another vCPU.  A vCPU with nothing to run waits: one of them on the
 * host, in one ppoll over every sleeper's host descriptors with the
 * earliest deadline as its timeout, KS_WAKE_SIGNAL and an eventfd open;
 * the others on a condition until a task is runnable.  A task runs guest
 * code inside ks_run, without the big lock; when others wait, its vCPU's
 * host timer (clock.c) is armed for the end of its 10 ms slice (or an
 * earlier deadline), its signal kicks the guest out, and the task yields
 * at that trap.  Hand-offs never spin: a woken task is put on the run
 * queue and an idle vCPU, if any, is woken to take it.
 *
 * Locking: vk_biglock guards all kernel state.  A vCPU thread holds it
 * except while it runs guest code (trap.c) and in its idle waits; task
 * switches happen only at proc_sleep and at traps, so kernel code between
 * two such points runs without interleaving.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <ucontext.h>

#include "vkernel.h"
#include "kmem.h"

#define KSTACK_SIZE (256u << 10)  /* each task's C stack, plus a guard page */
#define KSTACK_GUARD 4096u
#define KSTACK_CHARGE VK_KSTACK_CHARGE
#define SLICE_NS 10000000ULL      /* a task's time slice when others wait */

pthread_mutex_t vk_biglock = PTHREAD_MUTEX_INITIALIZER;
struct waitq vk_pollq;

/* What the big lock costs (-v): how long it was held in all, and how long
 * vCPU threads waited for it while another held it.  held_since is the
 * holder's own, like everything else under the lock. */
static uint64_t lock_held_since, lock_held_ns, lock_waited_ns, lock_waits;

void
vk_lock(void)
{
	uint64_t t;

	if (pthread_mutex_trylock(&vk_biglock) != 0) {
		t = mono_ns();
		pthread_mutex_lock(&vk_biglock);
		lock_held_since = mono_ns();
		lock_waited_ns += lock_held_since - t;
		lock_waits++;
		return;
	}
	lock_held_since = mono_ns();
}

void
vk_unlock(void)
{
	lock_held_ns += mono_ns() - lock_held_since;
	pthread_mutex_unlock(&vk_biglock);
}

void
vk_lock_stats(uint64_t *held_ns, uint64_t *waited_ns, uint64_t *waits)
{
	*held_ns = lock_held_ns + (mono_ns() - lock_held_since);
	*waited_ns = lock_waited_ns;
	*waits = lock_waits;
}

/* One vCPU thread's scheduler. */
struct vcpu {
	int id;
	pthread_t thread;
	clockid_t clock;              /* its thread's CPU clock */
	ucontext_t ctx;               /* its scheduler loop */
	struct proc *running;         /* the task on it now, or NULL */
	uint64_t running_since;       /* its thread's CPU time then */
	uint64_t slice_end;           /* when that task's slice ends */
	uint64_t next_event;          /* when sched_after_trap must yield */
};

static struct sched_hooks hooks;
static struct vcpu *vcpus;
static int nvcpus = 1;
static _Thread_local struct vcpu *this_cpu;
static struct proc *runq_head, *runq_tail;
static struct proc *sleepers;     /* tasks in proc_sleep, woken or not */
static int ntasks;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static int nidle;                 /* vCPUs waiting on idle_cond */
static bool polling;              /* a vCPU waits in ppoll, lock released */
static int wakefd = -1;           /* eventfd: it looks again */

/* The polling vCPU looks again (new runnable tasks, new sleepers). */
static void
poke(void)
{
	uint64_t one = 1;

	if (polling && wakefd >= 0)
		(void)!write(wakefd, &one, sizeof(one));
}

/* Someone should run what was just queued: an idle vCPU, or the one that
 * polls. */
static void sched_preempt_check(void);

static void
runq_kick(void)
{
	if (nidle > 0)
		pthread_cond_signal(&idle_cond);
	else if (polling)
		poke();
	else
		sched_preempt_check();
}

static void
runq_push(struct proc *p)
{
	p->rq_next = NULL;
	if (runq_tail != NULL)
		runq_tail->rq_next = p;
	else
		runq_head = p;
	runq_tail = p;
	runq_kick();
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

/* p runs guest code on another vCPU: that vCPU's timer fires now, and its
 * handler kicks p out (a signal for it, an exit: Linux's kick_process). */
static void
kick_running(struct proc *p)
{
	int i;

	if (!p->in_guest)
		return;
	for (i = 0; i < nvcpus; i++)
		if (vcpus[i].running == p && &vcpus[i] != this_cpu) {
			clock_timer_arm_cpu(i, mono_ns());
			return;
		}
}

void
proc_wake(struct proc *p)
{
	if (p->state == TASK_RUN)
		kick_running(p);
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
	p->sleep_seq++;
	p->woken = false;
	p->state = TASK_SLEEP;
	if (wq != NULL)
		waitq_add(wq, p);
	p->sl_next = sleepers;
	sleepers = p;
	/* The polling vCPU must wait for these too: host descriptors, a
	 * deadline, or the process's interval timer (sleepers_next), which a
	 * sleep without either used to leave to a vCPU asleep in ppoll with
	 * no timeout: SIGALRM never came to pause() at -n 2. */
	if (nhost > 0 || deadline != NULL || p->tg->it_next != 0)
		poke();
	swapcontext(&p->ctx, &this_cpu->ctx);
	/* Woken: by proc_wake, a host descriptor, the clock or a signal,
	 * perhaps on another vCPU thread.  Others ran meanwhile: the host
	 * identity is p's again (cred.c). */
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
 * (nothing can run), waits on the host first, without the big lock, until
 * one of these happens or another vCPU pokes (a task runnable, a new
 * sleeper).  One vCPU at a time: while one polls, the others leave the
 * sleepers to it.
 */
static void
sched_poll(bool block)
{
	static struct pollfd *fds;
	static struct { struct proc *p; uint64_t seq; size_t first; } *who;
	static size_t cap, wcap;
	struct proc *p;
	struct timespec tmo;
	uint64_t t, now, junk;
	bool hostfds;
	size_t n = 1, nw = 0, i, k;
	int r;

	if (polling)
		return;
	t = sleepers_next(&hostfds);
	if (!block && !hostfds && (t == 0 || mono_ns() < t))
		return;
	if (cap == 0 && (fds = malloc((cap = 16) * sizeof(*fds))) == NULL)
		cap = 0;
	if (cap == 0)
		return; /* out of host memory: next round */
	fds[0] = (struct pollfd){ .fd = wakefd, .events = POLLIN };
	for (p = sleepers; p != NULL; p = p->sl_next) {
		if (p->woken)
			continue;
		if (n + (size_t)p->sleep_nfds > cap) {
			size_t ncap = (cap + p->sleep_nfds) * 2;
			struct pollfd *nf = realloc(fds, ncap * sizeof(*fds));

			if (nf == NULL)
				return;
			fds = nf;
			cap = ncap;
		}
		if (nw == wcap) {
			size_t ncap = wcap ? wcap * 2 : 16;
			void *nw2 = realloc(who, ncap * sizeof(*who));

			if (nw2 == NULL)
				return;
			who = nw2;
			wcap = ncap;
		}
		who[nw].p = p;
		who[nw].seq = p->sleep_seq;
		who[nw++].first = n;
		for (i = 0; i < (size_t)p->sleep_nfds; i++)
			fds[n++] = p->sleep_fds[i];
	}
	now = mono_ns();
	if (block && t != 0 && t > now) {
		tmo.tv_sec = (time_t)((t - now) / 1000000000ULL);
		tmo.tv_nsec = (long)((t - now) % 1000000000ULL);
	} else {
		tmo = (struct timespec){ 0, 0 };
	}
	if (block) {
		polling = true;
		vk_unlock();
		r = ppoll(fds, n, t == 0 ? NULL : &tmo, clock_waitmask());
		vk_lock();
		polling = false;
		if (r > 0 && fds[0].revents)
			(void)!read(wakefd, &junk, sizeof(junk));
	} else {
		r = ppoll(fds, n, &tmo, clock_waitmask());
	}
	now = mono_ns();
	/* The sleepers now, each matched to what was polled for it if it is
	 * still in that same sleep (a task polled for may have woken, slept
	 * again or gone meanwhile: the entries are only compared). */
	for (p = sleepers, k = 0; p != NULL; p = p->sl_next) {
		bool wake = false;

		if (p->woken)
			continue;
		for (i = 0; i < nw && (who[k].p != p ||
		    who[k].seq != p->sleep_seq); i++)
			k = (k + 1) % nw;
		if (i < nw)
			for (i = 0; i < (size_t)p->sleep_nfds; i++) {
				p->sleep_fds[i].revents = r > 0 ?
				    fds[who[k].first + i].revents : 0;
				wake |= p->sleep_fds[i].revents != 0;
			}
		if (p->sleep_timed && ts_ns(&p->sleep_until) <= now)
			wake = true;
		if (p->tg->it_next != 0 && p->tg->it_next <= now)
			wake = true;
		if (wake)
			proc_wake(p);
	}
}

/* Each task's body: the trap loop, then back to the scheduler of the
 * vCPU it ends on (never returns). */
static void
task_main(unsigned hi, unsigned lo)
{
	struct proc *p = (struct proc *)(((uintptr_t)hi << 32) | lo);

	hooks.body(p);
	p->state = TASK_DONE;
	setcontext(&this_cpu->ctx);
	abort();
}

/* A vCPU thread's CPU time in ns. */
static uint64_t
thread_ns(const struct vcpu *c)
{
	struct timespec ts;

	clock_gettime(c->clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t
sched_cputime(struct proc *p)
{
	int i;

	for (i = 0; i < nvcpus; i++)
		if (vcpus[i].running == p)
			return p->cpu_ns + thread_ns(&vcpus[i]) -
			    vcpus[i].running_since;
	return p->cpu_ns;
}

int
sched_init(const struct sched_hooks *h, int ncpus)
{
	int i;

	hooks = *h;
	if ((vcpus = calloc(ncpus, sizeof(*vcpus))) == NULL ||
	    (wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return -ENOMEM;
	nvcpus = ncpus;
	for (i = 0; i < ncpus; i++)
		vcpus[i].id = i;
	return 0;
}

int
sched_ncpus(void)
{
	return nvcpus;
}

struct proc *
sched_current(void)
{
	return this_cpu != NULL ? this_cpu->running : NULL;
}

int
sched_cpu(void)
{
	return this_cpu != NULL ? this_cpu->id : 0;
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
	p->ctx.uc_link = NULL;
	makecontext(&p->ctx, (void (*)(void))task_main, 2,
	    (unsigned)(u >> 32), (unsigned)u);
	p->state = TASK_RUN;
	p->woken = false;
	ntasks++;
	runq_push(p);
	return 0;
}

/* The next task for this vCPU, waiting for one (on the host, or for the
 * vCPU that does); NULL once no task is left. */
static struct proc *
sched_next(void)
{
	struct proc *p;

	for (;;) {
		if (ntasks == 0)
			return NULL;
		sched_poll(false);
		if ((p = runq_pop()) != NULL)
			return p;
		if (!polling) {
			sched_poll(true);
			continue;
		}
		nidle++;
		lock_held_ns += mono_ns() - lock_held_since;
		pthread_cond_wait(&idle_cond, &vk_biglock);
		lock_held_since = mono_ns();
		nidle--;
	}
}

void
sched_run(int cpu)
{
	struct vcpu *c = &vcpus[cpu];
	struct proc *p;

	this_cpu = c;
	c->thread = pthread_self();
	if (pthread_getcpuclockid(c->thread, &c->clock) != 0)
		c->clock = CLOCK_THREAD_CPUTIME_ID;
	while ((p = sched_next()) != NULL) {
		c->slice_end = mono_ns() + SLICE_NS;
		c->running = p;
		c->running_since = thread_ns(c);
		swapcontext(&c->ctx, &p->ctx);
		p->cpu_ns += thread_ns(c) - c->running_since;
		c->running = NULL;
		if (p->state == TASK_DONE) {
			munmap(p->kstack, KSTACK_SIZE + KSTACK_GUARD);
			kmem_uncharge(KSTACK_CHARGE);
			p->kstack = NULL;
			ntasks--;
			hooks.done(p);
		}
	}
	/* No task left: the other vCPUs stop too. */
	pthread_cond_broadcast(&idle_cond);
	poke();
	clock_timer_arm(0);
}

void
sched_before_run(struct proc *p)
{
	struct vcpu *c = this_cpu;
	bool hostfds = false;
	uint64_t t = 0;

	/* Sleepers are the polling vCPU's to watch, if one polls. */
	if (!polling)
		t = sleepers_next(&hostfds);
	t = earlier(t, p->tg->it_next);
	if (runq_head != NULL || hostfds)
		t = earlier(t, c->slice_end);
	c->next_event = t;
	clock_timer_arm(t);
}

void
sched_after_trap(struct proc *p)
{
	struct vcpu *c = this_cpu;
	uint64_t now;

	if (p->exited)
		return;
	now = mono_ns();
	/* Its slice is over with others waiting, or a sleeper's time came:
	 * the others first. */
	if ((c->next_event != 0 && now >= c->next_event) ||
	    (runq_head != NULL && now >= c->slice_end)) {
		runq_push(p);
		swapcontext(&p->ctx, &c->ctx);
	}
}

void
sched_give_way(struct proc *p)
{
	if (runq_head == NULL)
		return;
	runq_push(p);
	swapcontext(&p->ctx, &this_cpu->ctx);
}

/*
 * A task was made runnable while every vCPU runs a task: the others are
 * told to look at the end of their slice (their timers fire then, or now
 * if it is over); this vCPU looks at its next trap.
 */
static void
sched_preempt_check(void)
{
	int i;

	for (i = 0; i < nvcpus; i++)
		if (vcpus[i].running != NULL && &vcpus[i] != this_cpu)
			clock_timer_arm_cpu(i, vcpus[i].slice_end);
}
