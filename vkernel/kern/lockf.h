/* lockf.h: POSIX record locks (fcntl F_GETLK, F_SETLK, F_SETLKW), kept by the vkernel per host file and owned by descriptor tables, as Linux's fs/locks.c keeps them. */
#ifndef VKERNEL_LOCKF_H
#define VKERNEL_LOCKF_H

#include <fcntl.h>
#include <stdbool.h>

struct proc;
struct file;
struct fdtab;

/*
 * Lock records the guests hold now (0: none).  The descriptor tables'
 * hooks look at it first, so closes cost nothing while no lock exists.
 */
extern long lockf_held;

/*
 * A lock belongs to the descriptor table that took it (Linux's
 * fl_owner, the files_struct: processes sharing a table with CLONE_FILES
 * share its locks) and names the pid of the process that took it.
 * Ranges are Linux's: l_whence SEEK_SET, SEEK_CUR (the file's offset) or
 * SEEK_END (its size on the host), l_len 0 to the end whatever the size,
 * a negative l_len the bytes before l_start.  The union of the guests'
 * locks on a file is also held on the host, as open file description
 * locks on one description of the file the table opens, so that what
 * lies outside this vkernel (other vkernels, host processes, the guests'
 * own OFD locks) conflicts with them and they with it.
 */

/*
 * F_GETLK on f for p: *fl becomes the first lock that conflicts with it
 * (another owner's, with its pid; one held outside the table, with
 * l_pid -1), or its l_type F_UNLCK.  0 or -errno (EINVAL, EOVERFLOW).
 */
long lockf_getlk(struct proc *p, struct file *f, struct flock *fl);
/*
 * F_SETLK (wait false) and F_SETLKW of *fl on f, which p looked up at
 * descriptor fd.  0 or -errno: EAGAIN (a conflict, without wait),
 * EDEADLK (waiting would close a cycle of waiters), -ERESTARTSYS (a
 * signal came while waiting), EBADF (the access the type needs; fd
 * closed while waiting), EINVAL, EOVERFLOW, ENOLCK.
 */
long lockf_setlk(struct proc *p, struct file *f, long fd,
    const struct flock *fl, bool wait);
/*
 * F_OFD_GETLK on f (request req) found *fl on the host: when a guest's
 * POSIX lock conflicts with req, *fl becomes that one, with its pid.
 */
void lockf_ofd_holder(struct file *f, const struct flock *req,
    struct flock *fl);
/* owner closed a descriptor of f: every lock it holds on f's file goes,
 * whichever descriptor took it.  The descriptor table owner is being
 * freed: all its locks go.  Both return at once while no lock exists;
 * lockf_init makes them the descriptor tables' hooks (fdtab_set_hooks),
 * once at start-up. */
void lockf_close(struct fdtab *owner, struct file *f);
void lockf_owner_gone(struct fdtab *owner);
void lockf_init(void);

#endif /* VKERNEL_LOCKF_H */
