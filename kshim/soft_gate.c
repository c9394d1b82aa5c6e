/* soft_gate.c: the soft backend's stub process: its start (fork, contain, strip to the stub area), its gate (the only wait: every trap report and every checked mapping call), batches of ops sent and checked with the host, its end. */

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <asm/prctl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "soft_abi.h"
#include "soft_hostmap.h"


#include "soft_int.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif

/* The stub's code, linked into the vkernel in its own section. */
extern const char __start_vkstub[], __stop_vkstub[];
void vkstub_handler(int, siginfo_t *, void *);
void vkstub_start(void);
void vkstub_restorer(void);
#define STUB_ADDR(sym) (STUB_BASE + ((const char *)(sym) - __start_vkstub))

/* Fds inside the stub while it starts: the image, the socket back to us,
 * and the listener the kernel returns (the lowest free number). */
#define CHILD_SOCK_FD     1
#define CHILD_LISTENER_FD 2

static int
raw_sigaction(int sig, void (*h)(int, siginfo_t *, void *), unsigned long flags)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} sa = { (void *)h, flags, (void *)STUB_ADDR(vkstub_restorer), ~0ULL };

	return syscall(SYS_rt_sigaction, sig, &sa, NULL, 8);
}

/* Sends fd over the socket sock. */
static int
send_fd(int sock, int fd)
{
	char byte = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

/* Receives one fd from sock; -1 if the other end closed without one. */
static int
recv_fd(int sock)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1 ||
	    (c = CMSG_FIRSTHDR(&m)) == NULL || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * The stub child, between fork() and vkstub_start: still the vkernel's
 * image, so libc is usable until the second filter is loaded.  Any
 * failure exits with 127; the parent sees it as a failed start.
 */
static void __attribute__((noreturn))
soft_child(struct ks *ks, struct ks_space *sp, pid_t parent, int sock)
{
	static const int traps[] = { SIGSYS, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
	    SIGTRAP, STUB_KICK_SIG };
	stack_t ss = { .ss_flags = SS_DISABLE };
	sigset_t all;
	char *base;
	int sig, mfd;
	long lfd;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
	/* glibc's rseq area is about to be unmapped: the kernel would
	 * fail every signal delivery writing to it. */
	if (__rseq_size > 0 &&
	    syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset,
	    __rseq_size, 1 /* RSEQ_FLAG_UNREGISTER */, RSEQ_SIG) != 0 &&
	    syscall(SYS_rseq, (char *)__builtin_thread_pointer() + __rseq_offset,
	    32, 1, RSEQ_SIG) != 0 && errno != EINVAL)
		_exit(127);
	setpgid(0, 0); /* terminal signals are the vkernel's to deliver */
	base = mmap((void *)STUB_BASE, STUB_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_FIXED, sp->stubfd, 0);
	if (base != (char *)STUB_BASE ||
	    mprotect(base + STUB_CODE_OFF, STUB_CODE_MAX, PROT_READ | PROT_EXEC))
		_exit(127);
	if (dup2(ks->memfd, STUB_IMAGE_FD) != STUB_IMAGE_FD ||
	    dup2(sock, CHILD_SOCK_FD) != CHILD_SOCK_FD ||
	    syscall(SYS_close_range, CHILD_SOCK_FD + 1, ~0U, 0) != 0)
		_exit(127);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	for (size_t i = 0; i < sizeof(traps) / sizeof(traps[0]); i++)
		if (raw_sigaction(traps[i], (void *)STUB_ADDR(vkstub_handler),
		    SA_SIGINFO | SA_ONSTACK | SA_RESTORER) != 0)
			_exit(127);
	/* The control thread has no signal stack: a trap of its own would
	 * run the handler outside every slot, which takes the stub down.
	 * The threads it starts have an empty mask from it. */
	if (sigaltstack(&ss, NULL) != 0)
		_exit(127);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* Dispatch every system call made outside the stub code to SIGSYS
	 * (the selector still allows; vkstub_start closes it). */
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
	    STUB_BASE + STUB_CODE_OFF, STUB_CODE_MAX,
	    STUB_BASE + STUB_SEL_OFF) != 0)
		_exit(127);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		_exit(127);
	lfd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	    SECCOMP_FILTER_FLAG_NEW_LISTENER, &ks->notify);
	/* Then its own maps: opened by itself, the file needs no ptrace
	 * check, so the vkernel reads it whatever its own fs ids then are
	 * (a guest's, cred.c) and whether or not it is dumpable. */
	if (lfd != CHILD_LISTENER_FD || send_fd(CHILD_SOCK_FD, (int)lfd) != 0 ||
	    close((int)lfd) != 0 ||
	    (mfd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC)) < 0 ||
	    send_fd(CHILD_SOCK_FD, mfd) != 0 || close(mfd) != 0 ||
	    close(CHILD_SOCK_FD) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &ks->filter) != 0)
		_exit(127);
	/* No host system call from here on outside the stub's own code. */
	__asm__ volatile("mov %0, %%rsp\n\tjmp *%1"
	    : : "r"(STUB_BASE + STUB_STK_OFF + STUB_STK_SIZE - 8),
	    "r"(STUB_ADDR(vkstub_start)) : "memory");
	__builtin_unreachable();
}

/* The stub process is gone or going: none of its threads is left (a slot
 * keeps its owner, who gets a new thread in it at the next run). */
static void
soft_threads_gone(struct ks_space *sp)
{
	uint32_t i;

	for (i = 0; i < sp->nslots; i++) {
		struct soft_hthr *t = soft_hthr(sp, i);
		bool owned = t->owned;

		t->kickable = 0;
		*t = (struct soft_hthr){ .owned = owned };
	}
	sp->ctlthr = (struct soft_hthr){ 0 };
	sp->clone_slot = sp->clone_want = -1;
	sp->clone_asked = false;
	sp->nrunning = 0;
	pthread_cond_broadcast(&sp->cond); /* waiters: their thread is gone */
}

/* Kills and reaps the stub, if there is one.  Its host mappings are gone
 * when this returns. */
void
soft_stub_kill(struct ks_space *sp)
{
	soft_threads_gone(sp);
	if (sp->pid > 0) {
		kill(sp->pid, SIGKILL);
		while (waitpid(sp->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (sp->pidfd >= 0)
		close(sp->pidfd);
	if (sp->lfd >= 0)
		close(sp->lfd);
	if (sp->mapsfd >= 0)
		close(sp->mapsfd);
	sp->pid = 0;
	sp->pidfd = sp->lfd = sp->mapsfd = -1;
	soft_threads_gone(sp);
	sp->nsent = sp->nseen = 0;
	sp->applier = SOFT_NO_BATCH;
	if (sp->hm != NULL) {
		__atomic_fetch_sub(&sp->ks->maps_total, soft_hm_count(sp->hm),
		    __ATOMIC_RELAXED);
		soft_hm_clear(sp->hm);
	}
}

/* Ends the guest's host side for good: kills and reaps the stub, and says
 * why in one line (the guest is then killed with it). */
void __attribute__((format(printf, 2, 3)))
soft_fail(struct ks_space *sp, const char *fmt, ...)
{
	va_list ap;

	if (!sp->dead) {
		va_start(ap, fmt);
		vsnprintf(sp->why, sizeof(sp->why), fmt, ap);
		va_end(ap);
	}
	sp->dead = true;
	soft_stub_kill(sp);
}

/* How the stub process ended, once it has: reaps it. */
static void
soft_stub_gone(struct ks_space *sp)
{
	int status = 0;
	pid_t r;

	soft_threads_gone(sp);
	while ((r = waitpid(sp->pid, &status, 0)) < 0 && errno == EINTR)
		;
	sp->pid = 0; /* reaped: soft_fail must not wait again */
	if (r > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		soft_fail(sp, "stub process killed by its seccomp filter");
	else if (r > 0 && WIFSIGNALED(status))
		soft_fail(sp, "stub process died (signal %d)",
		    WTERMSIG(status));
	else
		soft_fail(sp, "stub process exited (status %d)",
		    WEXITSTATUS(status));
}

void
soft_respond(struct ks_space *sp, uint64_t id, int64_t val, int32_t error,
    uint32_t flags)
{
	struct seccomp_notif_resp r = { .id = id, .val = val, .error = error,
	    .flags = flags };

	if (ioctl(sp->lfd, SECCOMP_IOCTL_NOTIF_SEND, &r) != 0 && !sp->dead)
		soft_fail(sp, "stub lost while answering it: %s",
		    strerror(errno));
}

/* True if the call in d is op, argument for argument. */
static bool
op_matches(const struct soft_op *op, const struct seccomp_data *d)
{
	const __u64 *a = d->args;

	switch (op->kind) {
	case SOFT_OP_MAP:
		return d->nr == SYS_mmap && a[0] == op->gva &&
		    a[1] == op->len && a[2] == (uint64_t)op->prot &&
		    a[3] == (MAP_SHARED | MAP_FIXED) &&
		    a[4] == STUB_IMAGE_FD && a[5] == op->gpa;
	case SOFT_OP_UNMAP:
		return d->nr == SYS_munmap && a[0] == op->gva &&
		    a[1] == op->len;
	case SOFT_OP_PROTECT:
		return d->nr == SYS_mprotect && a[0] == op->gva &&
		    a[1] == op->len && a[2] == (uint64_t)op->prot;
	}
	return false;
}

static const char *
call_name(int nr)
{
	return nr == SYS_mmap ? "mmap" : nr == SYS_munmap ? "munmap" :
	    nr == SYS_mprotect ? "mprotect" : nr == STUB_GATE_NR ? "gate" :
	    nr == SYS_clone ? "clone" : "syscall";
}

/* The stub thread with host tid tid, and its index (SOFT_CTL_THREAD or a
 * slot); NULL for a thread we did not make. */
static struct soft_hthr *
soft_who(struct ks_space *sp, pid_t tid, int *idx)
{
	uint32_t i;

	if (tid == sp->ctlthr.tid) {
		*idx = SOFT_CTL_THREAD;
		return &sp->ctlthr;
	}
	for (i = 0; i < sp->nslots; i++)
		if (soft_hthr(sp, i)->tid == tid) {
			*idx = (int)i;
			return soft_hthr(sp, i);
		}
	return NULL;
}

/* Fails the stub over a call nobody asked for (after refusing it). */
static void
soft_unexpected(struct ks_space *sp, const struct seccomp_notif *n)
{
	soft_respond(sp, n->id, 0, -EPERM, 0);
	if (getenv("VKERNEL_DEBUG_SOFT") != NULL)
		fprintf(stderr, "vkernel: soft: unexpected call from tid %u "
		    "(control %d), batch to %d, %u of %u seen\n", n->pid,
		    (int)sp->ctlthr.tid, sp->applier, sp->nseen, sp->nsent);
	soft_fail(sp, "stub made an unexpected host %s(%#llx, %#llx, %#llx, "
	    "%#llx, %lld, %#llx)", call_name(n->data.nr),
	    (unsigned long long)n->data.args[0],
	    (unsigned long long)n->data.args[1],
	    (unsigned long long)n->data.args[2],
	    (unsigned long long)n->data.args[3],
	    (long long)n->data.args[4],
	    (unsigned long long)n->data.args[5]);
}

/*
 * One notification, routed to the stub thread the kernel says made it: a
 * gate stops that thread (the one a batch went to must have made every
 * op first); a mapping call runs only as the next op of the batch sent to
 * that thread; a clone only from the control thread, asked for, with the
 * flags and stack expected.  The first gate from a thread we did not make
 * is the asked-for clone's, if its clone went through.
 */
static void
soft_route(struct ks_space *sp, const struct seccomp_notif *n)
{
	struct soft_hthr *t;
	int idx;

	if ((t = soft_who(sp, (pid_t)n->pid, &idx)) == NULL &&
	    sp->clone_slot >= 0 && n->data.nr == STUB_GATE_NR) {
		idx = sp->clone_slot;
		t = soft_hthr(sp, (uint32_t)idx);
		t->tid = (pid_t)n->pid;
		t->kickable = 1;
		sp->clone_slot = -1;
	}
	if (t == NULL) {
		soft_respond(sp, n->id, 0, -EPERM, 0);
		soft_fail(sp, "notification from host thread %u, not the "
		    "stub's", n->pid);
	} else if (n->data.nr == STUB_GATE_NR) {
		if (sp->applier == idx && sp->nseen != sp->nsent) {
			soft_fail(sp, "stub entered the gate with %u of %u "
			    "mapping ops not made", sp->nsent - sp->nseen,
			    sp->nsent);
			return;
		}
		if (t->stopped) {
			soft_fail(sp, "a stopped stub thread entered the gate");
			return;
		}
		t->stopped = true;
		t->kicked = 0;
		t->gate_id = n->id;
		t->gate_arg = n->data.args[1];
		if (t->running) {
			t->running = false;
			sp->nrunning--;
		}
	} else if (n->data.nr == SYS_clone) {
		if (idx != SOFT_CTL_THREAD || !sp->clone_asked ||
		    n->data.args[0] != STUB_CLONE_FLAGS ||
		    n->data.args[1] != STUB_SLOT(sp->clone_want) +
		    SLOT_ALT_OFF - 16) {
			soft_unexpected(sp, n);
			return;
		}
		sp->clone_asked = false;
		sp->clone_slot = sp->clone_want;
		soft_respond(sp, n->id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
	} else if (sp->applier == idx && sp->nseen < sp->nsent &&
	    op_matches(&sp->sent[sp->nseen], &n->data)) {
		sp->nseen++;
		SOFT_COUNT(sp->ks, checks, 1);
		soft_respond(sp, n->id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
	} else {
		soft_unexpected(sp, n);
	}
}

/*
 * A kick that t has not answered for KICK_GRACE: if its host thread
 * blocks the kick signal (a guest can, with a forged rt_sigreturn through
 * the stub's code), it would hold the vCPU for as long as it likes: the
 * stub goes.  Otherwise the kick is sent again.
 */
#define KICK_GRACE_NS 100000000L
static void
soft_kick_unanswered(struct ks_space *sp, struct soft_hthr *t)
{
	char path[64], buf[2048], *s;
	unsigned long long blk = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)sp->pid,
	    (int)t->tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((s = strstr(buf, "\nSigBlk:")) != NULL &&
	    sscanf(s + 8, "%llx", &blk) == 1 &&
	    (blk & (1ULL << (STUB_KICK_SIG - 1)))) {
		soft_fail(sp, "stub thread blocks the kick signal");
		return;
	}
	syscall(SYS_tgkill, sp->pid, t->tid, STUB_KICK_SIG);
}

/*
 * Serves the stub's notifications until thread t enters the gate.  0 with
 * t stopped, or -ESRCH with the guest's host side gone (sp->why says
 * why).  Waits as long as the guest runs; sleeps meanwhile, with
 * KS_WAKE_SIGNAL unblocked (its handler may call soft_kick_op, which
 * signals a stub thread: a kick is reported through the gate like any
 * trap).
 */
/* Waits on sp->cond while another vCPU takes the notifications, with the
 * kick signal open (a kick of the guest thread this vCPU runs is taken
 * here); for KICK_GRACE at most if t was kicked. */
static void
soft_wait_turn(struct ks_space *sp, struct soft_hthr *t)
{
	struct timespec until;
	sigset_t old;

	pthread_sigmask(SIG_SETMASK, &sp->ks->waitmask, &old);
	if (t->kicked) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += KICK_GRACE_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&sp->cond, &sp->lock, &until) ==
		    ETIMEDOUT && t->kicked && !t->stopped && !sp->dead)
			soft_kick_unanswered(sp, t);
	} else {
		pthread_cond_wait(&sp->cond, &sp->lock);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int
soft_wait(struct ks_space *sp, struct soft_hthr *t)
{
	static const struct timespec grace = { 0, KICK_GRACE_NS };
	struct seccomp_notif n;
	struct pollfd pfd[2];
	int r;

	while (!sp->dead && !t->stopped) {
		if (sp->pumping) {
			soft_wait_turn(sp, t);
			continue;
		}
		sp->pumping = true;
		pfd[0] = (struct pollfd){ .fd = sp->lfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = sp->pidfd, .events = POLLIN };
		pthread_mutex_unlock(&sp->lock);
		r = ppoll(pfd, 2, t->kicked ? &grace : NULL, &sp->ks->waitmask);
		pthread_mutex_lock(&sp->lock);
		sp->pumping = false;
		pthread_cond_broadcast(&sp->cond);
		if (sp->dead)
			break;
		if (r < 0) {
			if (errno != EINTR)
				soft_fail(sp, "poll: %s", strerror(errno));
			continue;
		}
		if (r == 0) {
			if (t->kicked && !t->stopped)
				soft_kick_unanswered(sp, t);
			continue;
		}
		if (!(pfd[0].revents & POLLIN)) {
			if (pfd[1].revents || pfd[0].revents)
				soft_stub_gone(sp);
			continue;
		}
		memset(&n, 0, sizeof(n));
		if (ioctl(sp->lfd, SECCOMP_IOCTL_NOTIF_RECV, &n) != 0) {
			if (errno != EINTR && errno != ENOENT)
				soft_fail(sp, "seccomp notification: %s",
				    strerror(errno));
			continue;
		}
		soft_route(sp, &n);
	}
	return sp->dead ? -ESRCH : 0;
}

/*
 * Asks the host whether the batch that was just applied took effect where
 * it matters: no page stays mapped that the record says is unmapped, none
 * with more permission than recorded.  If not (or the host cannot tell),
 * the stub is killed and reaped now, so nothing of the batch can outlive
 * it, and replaced before the guest runs again.
 */
static void
soft_check_batch(struct ks_space *sp)
{
	char why[160];
	uint32_t i;

	for (i = 0; i < sp->nsent; i++) {
		const struct soft_op *op = &sp->sent[i];

		if (op->kind == SOFT_OP_MAP)
			continue;
		if (soft_hm_verify(sp->hm, sp->mapsfd, op->gva, op->len, why,
		    sizeof(why)) != 0) {
			if (getenv("VKERNEL_DEBUG_SOFT") != NULL)
				fprintf(stderr, "vkernel: soft: %s; stub "
				    "replaced\n", why);
			soft_stub_kill(sp);
			sp->replace = true;
			break;
		}
	}
	sp->nsent = sp->nseen = 0;
}

/*
 * After a batch of n ops (at most SOFT_MAXOPS: our count, never the
 * control page's) was applied, the stub stopped in its gate and reading
 * no op: the queues go back to SOFT_OPS_MIN entries, and the control
 * page's op area past its first page is given back to the host, so a big
 * batch does not leave its pages resident in every space.
 */
static void
soft_ops_shrink(struct ks_space *sp, uint32_t n)
{
	uintptr_t lo = ((uintptr_t)sp->ctl + 4096);
	uintptr_t hi = ((uintptr_t)&sp->ctl->ops[n] + 4095) & ~(uintptr_t)4095;
	struct soft_op *q, *t;

	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_REMOVE);
	if (sp->opcap <= SOFT_OPS_MIN || sp->nqueue > SOFT_OPS_MIN)
		return;
	q = realloc(sp->queue, SOFT_OPS_MIN * sizeof(*q));
	if (q != NULL)
		sp->queue = q;
	t = realloc(sp->sent, SOFT_OPS_MIN * sizeof(*t));
	if (t != NULL)
		sp->sent = t;
	if (q != NULL && t != NULL)
		sp->opcap = SOFT_OPS_MIN;
}

/* Room for one more op in the queue: 0, or -ENOMEM at SOFT_MAXOPS (or
 * out of host memory): then the queue is flushed first. */
int
soft_ops_grow(struct ks_space *sp)
{
	uint32_t cap = sp->opcap * 2 > SOFT_MAXOPS ? SOFT_MAXOPS :
	    sp->opcap * 2;
	struct soft_op *q, *t;

	if (sp->nqueue < sp->opcap)
		return 0;
	if (cap == sp->opcap)
		return -ENOMEM;
	if ((q = realloc(sp->queue, cap * sizeof(*q))) == NULL)
		return -ENOMEM;
	sp->queue = q;
	if ((t = realloc(sp->sent, cap * sizeof(*t))) == NULL)
		return -ENOMEM; /* queue is larger than sent: harmless */
	sp->sent = t;
	sp->opcap = cap;
	return 0;
}

/* The highest host mapping count a stub had (-v). */
static void
soft_peak(struct ks *ks, uint64_t n)
{
	uint64_t old = __atomic_load_n(&ks->st.mappings_peak, __ATOMIC_RELAXED);

	while (n > old && !__atomic_compare_exchange_n(&ks->st.mappings_peak,
	    &old, n, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static int soft_clone(struct ks_space *sp, uint32_t i, struct soft_hthr *t,
    bool owned);

/* The control thread for this vCPU alone, once it is free and back in its
 * gate: 0, or -ESRCH.  soft_ctl_give lets it go to the next. */
static int
soft_ctl_take(struct ks_space *sp)
{
	while (sp->ctl_busy && !sp->dead)
		soft_wait_turn(sp, &sp->ctlthr);
	if (sp->dead || soft_wait(sp, &sp->ctlthr) != 0)
		return -ESRCH;
	sp->ctl_busy = true;
	return 0;
}

static void
soft_ctl_give(struct ks_space *sp)
{
	sp->ctl_busy = false;
	pthread_cond_broadcast(&sp->cond);
}

/* Hands the queued ops with cmd to thread who (SOFT_CTL_THREAD or a slot)
 * and waits for its gate again. */
int
soft_send(struct ks_space *sp, int who, long cmd)
{
	struct soft_hthr *t = who == SOFT_CTL_THREAD ? &sp->ctlthr :
	    soft_hthr(sp, (uint32_t)who);
	struct soft_ctl *c = sp->ctl;
	uint32_t n;

	int rc = 0;

	/* The control thread serves every vCPU: one at a time. */
	if (who == SOFT_CTL_THREAD && soft_ctl_take(sp) != 0)
		return -ESRCH;
	if (!t->stopped)
		return -EBUSY;
	/* Our own count, sent with the command.  No batch is in
	 * flight (the last one's applier came back before this lock was
	 * let go with ops queued): a new one may start. */
	if ((n = sp->nqueue) > 0) {
		memcpy(sp->sent, sp->queue, n * sizeof(sp->queue[0]));
		memcpy(c->ops, sp->queue, n * sizeof(sp->queue[0]));
		sp->nsent = n;
		sp->nseen = 0;
		sp->applier = who;
		SOFT_COUNT(sp->ks, map_batches, 1);
		SOFT_COUNT(sp->ks, host_syscalls, n);
	}
	sp->nqueue = 0;
	t->stopped = false;
	if (who != SOFT_CTL_THREAD) {
		t->running = true;
		sp->nrunning++;
	}
	soft_peak(sp->ks, soft_hm_count(sp->hm));
	soft_respond(sp, t->gate_id, cmd | (long)n << SOFT_NOPS_SHIFT, 0, 0);
	if (soft_wait(sp, t) != 0) {
		rc = -ESRCH;
	} else if (n > 0) {
		sp->applier = SOFT_NO_BATCH;
		soft_check_batch(sp);
		soft_ops_shrink(sp, n);
	}
	if (who == SOFT_CTL_THREAD)
		soft_ctl_give(sp);
	return rc;
}

/*
 * Starts a host thread for slot i: the control thread clones it, and it
 * traps once (SIGTRAP) from its slot.  0 with the thread stopped in its
 * gate, -EAGAIN when the host would not make one more, -ESRCH.
 */
int
soft_thread_start(struct ks_space *sp, uint32_t i)
{
	struct soft_hthr *t = soft_hthr(sp, i);
	bool owned = t->owned;
	int rc;

	/* One clone at a time (its thread is known by coming first), by the
	 * control thread once it is free. */
	if (soft_ctl_take(sp) != 0)
		return -ESRCH;
	rc = soft_clone(sp, i, t, owned);
	soft_ctl_give(sp);
	return rc;
}

/* soft_thread_start's clone, the control thread stopped and free. */
static int
soft_clone(struct ks_space *sp, uint32_t i, struct soft_hthr *t, bool owned)
{
	*t = (struct soft_hthr){ .owned = owned };
	sp->ctl->clone_slot = i;
	sp->clone_want = (int)i;
	sp->clone_asked = true;
	sp->ctlthr.stopped = false;
	SOFT_COUNT(sp->ks, host_syscalls, 1);
	soft_respond(sp, sp->ctlthr.gate_id, SOFT_CMD_CLONE, 0, 0);
	if (soft_wait(sp, &sp->ctlthr) != 0)
		return -ESRCH;
	if (sp->clone_asked) {
		sp->clone_asked = false;
		soft_fail(sp, "stub's control thread made no clone");
		return -ESRCH;
	}
	if ((int64_t)sp->ctlthr.gate_arg < 0 && t->tid == 0) {
		/* The host refused (its thread limit): no thread to wait
		 * for.  (The answer is the guest's to forge; a thread that
		 * does turn up later is not taken as anyone's.) */
		sp->clone_slot = -1;
		return -EAGAIN;
	}
	if (soft_wait(sp, t) != 0)
		return -ESRCH;
	if (soft_slot(sp, i)->signo != SIGTRAP) {
		soft_fail(sp, "stub thread started without its first trap");
		return -ESRCH;
	}
	return 0;
}

/* The ops vkstub_start makes before it first enters the gate. */
static void
soft_start_ops(struct ks_space *sp)
{
	sp->applier = SOFT_CTL_THREAD;
	sp->sent[0] = (struct soft_op){ SOFT_OP_UNMAP, 0, 0, STUB_BASE, 0 };
	sp->sent[1] = (struct soft_op){ SOFT_OP_UNMAP, 0, STUB_END,
	    STUB_HOST_TOP - STUB_END, 0 };
	sp->sent[2] = (struct soft_op){ SOFT_OP_PROTECT, PROT_READ,
	    STUB_BASE + STUB_SEL_OFF, 4096, 0 };
	sp->nsent = 3;
	sp->nseen = 0;
}

/*
 * Starts a stub for sp (the stub area's memfd is sp->stubfd) and waits for
 * its control thread's gate.  0, or -errno with nothing left running.
 */
int
soft_stub_start(struct ks_space *sp)
{
	struct ks *ks = sp->ks;
	size_t codelen = __stop_vkstub - __start_vkstub;
	static const uint8_t allow = 0;
	pid_t parent = getpid();
	int sv[2], rc;

	/* A fresh copy of the code, and the selector open for set-up. */
	if (pwrite(sp->stubfd, __start_vkstub, codelen, STUB_CODE_OFF) !=
	    (ssize_t)codelen || pwrite(sp->stubfd, &allow, 1, STUB_SEL_OFF) != 1)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	fflush(NULL);
	if ((sp->pid = fork()) < 0) {
		rc = -errno;
		sp->pid = 0;
		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	if (sp->pid == 0) {
		close(sv[0]);
		soft_child(ks, sp, parent, sv[1]);
	}
	close(sv[1]);
	sp->lfd = recv_fd(sv[0]);
	sp->mapsfd = sp->lfd < 0 ? -1 : recv_fd(sv[0]);
	close(sv[0]);
	sp->pidfd = (int)syscall(SYS_pidfd_open, sp->pid, 0);
	if (sp->lfd < 0 || sp->mapsfd < 0 || sp->pidfd < 0) {
		rc = sp->lfd < 0 || sp->mapsfd < 0 ? -EPROTO : -errno;
		soft_stub_kill(sp);
		return rc;
	}
	/* Where the kernel can, the answer hands the CPU straight over. */
	ioctl(sp->lfd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
	    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	soft_start_ops(sp);
	sp->ctlthr.tid = sp->pid;
	if (soft_wait(sp, &sp->ctlthr) != 0) {
		soft_stub_kill(sp);
		return -EPROTO;
	}
	sp->nsent = sp->nseen = 0;
	sp->applier = SOFT_NO_BATCH;
	return 0;
}
