/* uipc.h: Unix-domain sockets between guest processes: socket objects, their names, connections and messages with rights and credentials. */
#ifndef VKERNEL_UIPC_H
#define VKERNEL_UIPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

struct file;
struct proc;

/*
 * A guest socket is a struct file of kind "socket" whose data is a
 * struct usock (uipc_var.h).  Every call here is made with the big lock
 * held; the calls that may sleep (connect, accept, send, recv) hold what
 * they use across proc_sleep by reference, and the caller holds the file
 * (fget).  Errors are -errno as Linux gives them.
 */

/* What a name looks up by: a path's host file (dev, ino: the caller
 * resolved it beneath the root) or an abstract name's bytes (sun_path[0]
 * == 0); addr is the name as the guest gave it, len its length. */
struct uname {
	bool abstract;
	uint64_t dev, ino;
	socklen_t len;
	struct sockaddr_un addr;
};

#define UIPC_MAXFD 253          /* SCM_MAX_FD: rights in one message */
#define UIPC_RECMAX 425984      /* the largest record: twice wmem_max */

/* A new socket of type (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET), with
 * O_NONBLOCK from flags, its creator p: 0 and *fp (one reference), or
 * -ENOMEM/-ENFILE.  uipc_pair: two sockets connected to each other. */
int uipc_create(struct proc *p, int type, int flags, struct file **fp);
int uipc_pair(struct proc *p, int type, int flags, struct file **a,
    struct file **b);
bool uipc_is(const struct file *f);
int uipc_type(const struct file *f);

/* bind: -EINVAL when f already has a name, -EADDRINUSE when the name is
 * taken.  A path name pins its host file by pinfd (an O_PATH descriptor
 * uipc then owns, closed when the name goes), so its (dev, ino) is never
 * reused meanwhile; -1 for abstract names.  uipc_bound: f has a name. */
bool uipc_bound(const struct file *f);
int uipc_bind(struct file *f, const struct uname *n, int pinfd);
/* An abstract name of five hex digits, as Linux's autobind. */
int uipc_autobind(struct file *f);
int uipc_listen(struct file *f, struct proc *p, int backlog);
/* Connects to the guest socket bound to n: never anything else, so a
 * host socket file no guest socket is bound to is -ECONNREFUSED. */
int uipc_connect(struct file *f, struct proc *p, const struct uname *n);
/* The next connection on the listening f: 0 and *nf (O_NONBLOCK from
 * flags). */
int uipc_accept(struct file *f, struct proc *p, int flags,
    struct file **nf);
int uipc_shutdown(struct file *f, int how);
/* getsockname (peer false) and getpeername: *n's addr and len. */
int uipc_getname(struct file *f, bool peer, struct uname *n);

/* Socket options at SOL_SOCKET as ints (SO_TYPE, SO_ERROR, SO_RCVBUF,
 * SO_PASSCRED...), SO_PEERCRED, and the timeouts in ns (0: none). */
int uipc_getopt(struct file *f, int opt, int *val);
int uipc_setopt(struct file *f, int opt, int val);
int uipc_peercred(struct file *f, struct ucred *uc);
void uipc_timeo(struct file *f, bool snd, uint64_t *ns, bool set);

/*
 * A send: n bytes at buf, flags (MSG_DONTWAIT, MSG_EOR...), to a name
 * (DGRAM; NULL: the connected peer), with nfds rights (file references
 * that uipc takes over, whatever it returns) and credentials (cred NULL:
 * the sender's own).  The bytes sent, or -errno; -EPIPE is the caller's
 * to turn into SIGPIPE.  A stream send may return fewer bytes than n.
 */
struct usend {
	const void *buf;
	size_t n;
	int flags;
	const struct uname *to;
	struct file **fds;
	int nfds;
	const struct ucred *cred;
};
long uipc_send(struct file *f, struct proc *p, struct usend *s);

/*
 * A receive of at most len bytes into buf with flags (MSG_PEEK,
 * MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC): the bytes copied (a record's
 * full length with MSG_TRUNC), 0 at end of file, or -errno.  Out: the
 * record's full length, msg_flags (MSG_TRUNC), the rights received
 * (references in fds[0..nfds), the caller's to install or drop), the
 * sender's credentials and name (from.len 0: none).
 */
struct urecv {
	void *buf;
	size_t len;
	int flags;
	size_t full;
	int msg_flags;
	struct file *fds[UIPC_MAXFD];
	int nfds;
	bool has_cred;
	struct ucred cred;
	struct uname from;
};
long uipc_recv(struct file *f, struct proc *p, struct urecv *r);

/* At the vkernel's exit: every message still queued (rights in flight
 * round a cycle included) and every socket freed. */
void uipc_fini(void);

#endif /* VKERNEL_UIPC_H */
