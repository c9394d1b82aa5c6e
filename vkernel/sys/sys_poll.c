/* sys_poll.c: poll, ppoll, select and pselect6: waiting for any of several descriptors. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"
#include "file.h"
#include "kmem.h"

/*
 * A relative timeout as a deadline: NULL (none) when rel is NULL or too
 * far off to matter; -EINVAL for a negative or malformed one.
 */
static int
timeout_deadline(const struct timespec *rel, struct timespec *deadline,
    struct timespec **dp)
{
	*dp = NULL;
	if (rel == NULL)
		return 0;
	if (rel->tv_sec < 0 || rel->tv_nsec < 0 || rel->tv_nsec >= 1000000000)
		return -EINVAL;
	if (rel->tv_sec > (365LL * 86400 * 100))
		return 0;
	deadline_after(deadline, rel);
	*dp = deadline;
	return 0;
}

/* Drops the references do_poll_once took. */
static void
poll_unref(struct file **held, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		file_unref(held[i]);
}

/*
 * One round of poll over pfd[0..n): each descriptor is looked up again
 * (a closed one is POLLNVAL, as on Linux) and its file referenced into
 * held[] (n slots), so that the host descriptors collected in host[] for
 * the sleep stay open whatever a sharer of the table closes meanwhile.
 * The number of entries with events; *nheld and *nhost say what to drop
 * and what to wait for, *tnext when a file's answer changes by time alone
 * (poll_time, a timerfd's expiry; 0 never).
 */
static long
do_poll_once(struct proc *p, struct pollfd *pfd, size_t n,
    struct file **held, size_t *nheld, struct pollfd *host, int *nhost,
    uint64_t *tnext)
{
	struct file *f;
	long ready = 0;
	uint64_t t;
	size_t i;

	*nheld = 0;
	*tnext = 0;
	*nhost = 0;
	for (i = 0; i < n; i++) {
		pfd[i].revents = 0;
		if (pfd[i].fd < 0)
			continue;
		if ((f = fdtab_peek(p->fds, pfd[i].fd)) == NULL) {
			pfd[i].revents = POLLNVAL;
		} else {
			held[(*nheld)++] = file_ref(f);
			pfd[i].revents = f->ops->poll(f) &
			    (pfd[i].events | POLLERR | POLLHUP);
			if (f->ops->poll_time != NULL &&
			    (t = f->ops->poll_time(f)) != 0 &&
			    (*tnext == 0 || t < *tnext))
				*tnext = t;
			if (f->hostfd >= 0 && *nhost < VK_SLEEP_MAXHOST)
				host[(*nhost)++] = (struct pollfd){
				    .fd = f->hostfd, .events = pfd[i].events };
		}
		if (pfd[i].revents != 0)
			ready++;
	}
	return ready;
}

/*
 * Polls pfd[0..n) until something is ready, the deadline passes or a
 * signal comes: the number of entries with events, 0 at the deadline,
 * -ERESTARTNOHAND when a signal came, -ENOMEM.  Sleeps on vk_pollq (every
 * pipe change wakes it) and on the host descriptors, holding a reference
 * to every file it polls across the sleep.
 */
static long
do_poll(struct proc *p, struct pollfd *pfd, size_t n,
    const struct timespec *deadline)
{
	struct pollfd host[VK_SLEEP_MAXHOST];
	struct timespec tdl;
	const struct timespec *dl;
	struct file **held;
	size_t nheld;
	uint64_t t;
	int nhost, r;
	long ready;

	if ((held = copy_scratch(p, (n ? n : 1) * sizeof(*held))) == NULL)
		return -ENOMEM;
	for (;;) {
		ready = do_poll_once(p, pfd, n, held, &nheld, host, &nhost, &t);
		if (ready > 0)
			break;
		dl = deadline;
		if (t != 0 && (dl == NULL || t < ts_ns(dl))) {
			tdl = (struct timespec){ (time_t)(t / 1000000000ULL),
			    (long)(t % 1000000000ULL) };
			dl = &tdl;
		}
		r = proc_sleep(p, &vk_pollq, host, nhost, dl);
		poll_unref(held, nheld);
		nheld = 0;
		if (r == -ETIMEDOUT && dl != deadline)
			continue; /* a file's time came: look again */
		if (r == -ETIMEDOUT) {
			ready = 0;
			break;
		}
		if (r < 0) { /* poll and select: EINTR after a handler */
			ready = r == -ERESTARTSYS ? -ERESTARTNOHAND : r;
			break;
		}
	}
	poll_unref(held, nheld);
	return ready;
}

static long
poll_common(struct proc *p, uint64_t ufds, uint64_t nfds,
    const struct timespec *deadline)
{
	struct pollfd *pfd;
	long r;

	if (nfds > (uint64_t)sys_nofile(p))
		return -EINVAL;
	if ((pfd = copy_scratch(p, (nfds ? nfds : 1) * sizeof(*pfd))) == NULL)
		return -ENOMEM;
	if (copyin(p, pfd, ufds, nfds * sizeof(*pfd)) != 0)
		return -EFAULT;
	r = do_poll(p, pfd, nfds, deadline);
	if (r >= 0 && copyout(p, ufds, pfd, nfds * sizeof(*pfd)) != 0)
		r = -EFAULT;
	return r;
}

long
sys_poll(struct proc *p, const uint64_t *a)
{
	struct timespec rel, deadline, *dp = NULL;
	int ms = (int)a[2];

	if (ms >= 0) {
		rel.tv_sec = ms / 1000;
		rel.tv_nsec = (long)(ms % 1000) * 1000000;
		timeout_deadline(&rel, &deadline, &dp);
	}
	return poll_common(p, a[0], a[1], dp);
}

long
sys_ppoll(struct proc *p, const uint64_t *a)
{
	struct timespec rel, deadline, left, *dp = NULL;
	uint64_t old;
	long r;

	if (a[2] != 0) {
		if (copyin(p, &rel, a[2], sizeof(rel)) != 0)
			return -EFAULT;
		if ((r = timeout_deadline(&rel, &deadline, &dp)) < 0)
			return r;
	}
	if ((r = sigmask_wait_begin(p, a[3], a[4], &old)) < 0)
		return r;
	r = poll_common(p, a[0], a[1], dp);
	sigmask_wait_end(p, a[3], old, r);
	if (dp != NULL && r >= 0) {
		deadline_left(dp, &left);
		if (copyout(p, a[2], &left, sizeof(left)) != 0)
			return -EFAULT;
	}
	return r;
}

/*
 * select over up to sys_nofile(p) descriptors: each set bit must be open
 * (EBADF otherwise); readable means POLLIN/HUP/ERR, writable POLLOUT/ERR,
 * exceptional POLLPRI.  The sets are written back; the count of set bits.
 */
static long
do_select(struct proc *p, uint64_t nfds, uint64_t uin, uint64_t uout,
    uint64_t uex, const struct timespec *deadline)
{
	fd_set in, out, ex, rin, rout, rex;
	struct pollfd *pfd;
	size_t bytes, n = 0, i;
	long fd, r;

	if ((int64_t)nfds < 0)
		return -EINVAL;
	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	bytes = (nfds + 63) / 64 * 8;
	FD_ZERO(&in);
	FD_ZERO(&out);
	FD_ZERO(&ex);
	if ((uin && copyin(p, &in, uin, bytes)) ||
	    (uout && copyin(p, &out, uout, bytes)) ||
	    (uex && copyin(p, &ex, uex, bytes)))
		return -EFAULT;
	if ((pfd = copy_scratch(p, (nfds ? nfds : 1) * sizeof(*pfd))) == NULL)
		return -ENOMEM;
	for (fd = 0; fd < (long)nfds; fd++) {
		short ev = (FD_ISSET(fd, &in) ? POLLIN : 0) |
		    (FD_ISSET(fd, &out) ? POLLOUT : 0) |
		    (FD_ISSET(fd, &ex) ? POLLPRI : 0);

		if (ev == 0)
			continue;
		if (fdtab_peek(p->fds, fd) == NULL)
			return -EBADF;
		pfd[n++] = (struct pollfd){ .fd = (int)fd, .events = ev };
	}
	if ((r = do_poll(p, pfd, n, deadline)) < 0)
		return r;
	FD_ZERO(&rin);
	FD_ZERO(&rout);
	FD_ZERO(&rex);
	for (i = 0, r = 0; i < n; i++) {
		short re = pfd[i].revents;

		if ((pfd[i].events & POLLIN) && (re & (POLLIN | POLLHUP |
		    POLLERR))) {
			FD_SET(pfd[i].fd, &rin);
			r++;
		}
		if ((pfd[i].events & POLLOUT) && (re & (POLLOUT | POLLERR))) {
			FD_SET(pfd[i].fd, &rout);
			r++;
		}
		if ((pfd[i].events & POLLPRI) && (re & POLLPRI)) {
			FD_SET(pfd[i].fd, &rex);
			r++;
		}
	}
	if ((uin && copyout(p, uin, &rin, bytes)) ||
	    (uout && copyout(p, uout, &rout, bytes)) ||
	    (uex && copyout(p, uex, &rex, bytes)))
		return -EFAULT;
	return r;
}

long
sys_select(struct proc *p, const uint64_t *a)
{
	struct timespec rel, deadline, left, *dp = NULL;
	struct timeval tv;
	long r;

	if (a[4] != 0) {
		if (copyin(p, &tv, a[4], sizeof(tv)) != 0)
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		rel.tv_sec = tv.tv_sec + tv.tv_usec / 1000000;
		rel.tv_nsec = (tv.tv_usec % 1000000) * 1000;
		if ((r = timeout_deadline(&rel, &deadline, &dp)) < 0)
			return r;
	}
	r = do_select(p, a[0], a[1], a[2], a[3], dp);
	if (dp != NULL && r >= 0) {
		deadline_left(dp, &left);
		tv.tv_sec = left.tv_sec;
		tv.tv_usec = left.tv_nsec / 1000;
		if (copyout(p, a[4], &tv, sizeof(tv)) != 0)
			return -EFAULT;
	}
	return r;
}

long
sys_pselect6(struct proc *p, const uint64_t *a)
{
	struct timespec rel, deadline, left, *dp = NULL;
	struct { uint64_t ss, len; } sm = { 0, 0 };
	uint64_t old;
	long r;

	if (a[4] != 0) {
		if (copyin(p, &rel, a[4], sizeof(rel)) != 0)
			return -EFAULT;
		if ((r = timeout_deadline(&rel, &deadline, &dp)) < 0)
			return r;
	}
	if (a[5] != 0 && copyin(p, &sm, a[5], sizeof(sm)) != 0)
		return -EFAULT;
	if ((r = sigmask_wait_begin(p, sm.ss, sm.len, &old)) < 0)
		return r;
	r = do_select(p, a[0], a[1], a[2], a[3], dp);
	sigmask_wait_end(p, sm.ss, old, r);
	if (dp != NULL && r >= 0) {
		deadline_left(dp, &left);
		if (copyout(p, a[4], &left, sizeof(left)) != 0)
			return -EFAULT;
	}
	return r;
}
