/* pidfd.h: process descriptors (pidfd_open, CLONE_PIDFD): a file that names one guest process by a reference that outlives it. */
#ifndef VKERNEL_PIDFD_H
#define VKERNEL_PIDFD_H

#include <stdbool.h>

struct file;
struct proc;

/*
 * A process's pidref is made with its first pidfd and kept in its
 * leader's struct proc (l->pidref); the process holds one reference and
 * each pidfd one.  proc.c says when the process ends (pidref_exited: its
 * pidfds turn readable, POLLIN) and when its entry is freed (pidref_gone:
 * the pidref forgets it, so a pidfd never reaches a freed or reused
 * entry: its calls get ESRCH).  Everything is called with the big lock.
 */
void pidref_exited(struct proc *l);
void pidref_gone(struct proc *l);
/* execve from a thread: p, the new leader, takes l's place. */
void pidref_move(struct proc *l, struct proc *p);

/* A new pidfd (one reference) on the process of leader l, with flags
 * O_NONBLOCK or 0: 0 and *fp, or -ENOMEM/-ENFILE.  l NULL: on no process
 * yet, until pidfd_attach gives it l, which has no pidfd yet
 * (CLONE_PIDFD: made before the child is). */
int pidfd_new(struct proc *l, int flags, struct file **fp);
void pidfd_attach(struct file *f, struct proc *l);
bool pidfd_is(const struct file *f);
/* The leader a pidfd names, NULL once its entry was freed (reaped). */
struct proc *pidfd_proc(const struct file *f);

#endif /* VKERNEL_PIDFD_H */
