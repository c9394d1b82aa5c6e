/* event.h: the event descriptors (eventfd, timerfd, signalfd) and epoll sets, as kinds of struct file. */
#ifndef VKERNEL_EVENT_H
#define VKERNEL_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct file;
struct proc;

/*
 * Each object is one open file (file_new: one reference, charged to the
 * kernel memory budget) whose state lives in f->data; a change a reader
 * or poller may wait for wakes the object's own queue and vk_pollq.
 * Every function is called with the big lock held.  Errors are -errno.
 */

/* eventfd.c: an eventfd counter starting at initval; flags are
 * EFD_SEMAPHORE and EFD_NONBLOCK (checked by the caller).  0 and *fp. */
int eventfd_new(uint64_t initval, int flags, struct file **fp);

/* eventfd.c: a timerfd on clock (CLOCK_REALTIME, CLOCK_MONOTONIC or
 * CLOCK_BOOTTIME, checked by the caller), flags O_NONBLOCK or 0.
 * timerfd_set arms it (TFD_TIMER_ABSTIME in flags: it_value is a time
 * on its clock; an it_value of zero disarms), the old setting in *old;
 * timerfd_get the time left and the interval.  -EINVAL: f is no
 * timerfd or a time is malformed. */
int timerfd_new(int clock, int flags, struct file **fp);
int timerfd_set(struct file *f, int flags, const struct itimerspec *nv,
    struct itimerspec *old);
int timerfd_get(struct file *f, struct itimerspec *cur);

/* signalfd.c: a signalfd for the signals of mask (SIGKILL and SIGSTOP
 * taken out), flags O_NONBLOCK or 0; signalfd_setmask changes an existing
 * one's mask (-EINVAL: f is no signalfd).  A read takes the reading
 * thread's pending signals of the mask, then its process's. */
int signalfd_new(uint64_t mask, int flags, struct file **fp);
int signalfd_setmask(struct file *f, uint64_t mask);

/* epoll.c: an epoll set.  epoll_ctl_file: op (EPOLL_CTL_ADD, MOD, DEL) of
 * the entry for (tf, fd) with *ev (NULL for DEL), Linux's errors (EINVAL,
 * EEXIST, ENOENT, ELOOP, EPERM, ENOMEM).  epoll_wait_file: up to max
 * ready events into out, waiting until the deadline (CLOCK_MONOTONIC;
 * NULL: none; a passed one: no wait): the number (0 at the deadline) or
 * -EINTR.  The caller holds ep by a reference across the call. */
struct epoll_event;
int epoll_create_file(int flags, struct file **fp);
bool epoll_is(const struct file *f);
int epoll_ctl_file(struct file *ep, int op, int fd, struct file *tf,
    const struct epoll_event *ev);
long epoll_wait_file(struct proc *p, struct file *ep, struct epoll_event *out,
    int max, const struct timespec *deadline);

#endif /* VKERNEL_EVENT_H */
