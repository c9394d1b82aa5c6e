/* signalfd.c: signalfd, pending signals read as struct signalfd_siginfo records (Linux's signalfd.c). */

/*
 * A signalfd holds only its mask.  As on Linux, what it reads and what
 * its poll says are the signals pending for the task that reads or
 * polls (sched_current: Linux's current), its own first, then its
 * process's; reading takes them (sig_dequeue) so they are not delivered.
 * sig_post wakes vk_pollq for every signal posted that a signalfd's mask
 * holds (sig_watch), which is where blocked readers and pollers wait.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "event.h"

struct signalfd {
	uint64_t mask;
};

/* Linux's signalfd_copyinfo: the fields each kind of signal has. */
static void
sfd_info(struct signalfd_siginfo *o, int sig, const siginfo_t *si)
{
	memset(o, 0, sizeof(*o));
	o->ssi_signo = (uint32_t)sig;
	o->ssi_errno = si->si_errno;
	o->ssi_code = si->si_code;
	switch (sig) {
	case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP:
		if (si->si_code > 0) {
			o->ssi_addr = (uint64_t)(uintptr_t)si->si_addr;
			return;
		}
		break;
	case SIGCHLD:
		o->ssi_pid = (uint32_t)si->si_pid;
		o->ssi_uid = si->si_uid;
		o->ssi_status = si->si_status;
		return;
	default:
		break;
	}
	o->ssi_pid = (uint32_t)si->si_pid;
	o->ssi_uid = si->si_uid;
	if (si->si_code == SI_QUEUE || si->si_code == SI_TIMER ||
	    si->si_code == SI_MESGQ) {
		o->ssi_int = si->si_value.sival_int;
		o->ssi_ptr = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
	}
}

static bool
sfd_has(const struct signalfd *s, const struct proc *p)
{
	return ((p->sig.pending | p->tg->pending) & s->mask) != 0;
}

/* As many records as fit in n (at least one: -EINVAL if not even one),
 * waiting for the first. */
static long
sfd_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct signalfd *s = f->data;
	struct signalfd_siginfo o;
	siginfo_t si;
	size_t done = 0;
	int sig, r;

	if (n < sizeof(o))
		return -EINVAL;
	while (done + sizeof(o) <= n) {
		if ((sig = sig_dequeue(p, s->mask, &si)) != 0) {
			sfd_info(&o, sig, &si);
			memcpy((char *)buf + done, &o, sizeof(o));
			done += sizeof(o);
			continue;
		}
		if (done > 0)
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if ((r = proc_sleep(p, &vk_pollq, NULL, 0, NULL)) < 0)
			return r;
	}
	return (long)done;
}

static int
sfd_poll(struct file *f)
{
	struct proc *p = sched_current();

	return p != NULL && sfd_has(f->data, p) ? POLLIN | POLLRDNORM : 0;
}

static void
sfd_close(struct file *f)
{
	struct signalfd *s = f->data;

	sig_watch(s->mask, -1);
	kmem_free(s, sizeof(*s));
}

static const struct fileops signalfd_ops = {
	.kind = "signalfd",
	.read = sfd_read,
	.poll = sfd_poll,
	.stat = file_anon_stat,
	.close = sfd_close,
};

int
signalfd_new(uint64_t mask, int flags, struct file **fp)
{
	struct signalfd *s;
	int err;

	if ((s = kmem_alloc(sizeof(*s))) == NULL)
		return -ENOMEM;
	s->mask = mask & ~SIG_UNBLOCKABLE;
	if ((*fp = file_new(&signalfd_ops, O_RDWR | (flags & O_NONBLOCK),
	    s)) == NULL) {
		err = errno;
		kmem_free(s, sizeof(*s));
		return -err;
	}
	sig_watch(s->mask, 1);
	return 0;
}

int
signalfd_setmask(struct file *f, uint64_t mask)
{
	struct signalfd *s = f->data;

	if (f->ops != &signalfd_ops)
		return -EINVAL;
	sig_watch(s->mask, -1);
	s->mask = mask & ~SIG_UNBLOCKABLE;
	sig_watch(s->mask, 1);
	waitq_wakeup(&vk_pollq);
	return 0;
}
