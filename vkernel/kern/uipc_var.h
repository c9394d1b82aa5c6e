/* uipc_var.h: the insides of a Unix-domain socket, shared by uipc.c (objects, names, connections) and uipc_msg.c (queues, messages, rights). */
#ifndef VKERNEL_UIPC_VAR_H
#define VKERNEL_UIPC_VAR_H

#include "vkernel.h"
#include "uipc.h"

enum { US_NEW, US_LISTEN, US_CONN, US_GONE }; /* GONE: its peer went */
#define US_RCV 1                /* shut for receiving */
#define US_SND 2                /* shut for sending */

/* One queued message (a stream's chunk or a record), charged to the
 * kernel memory budget with its rights array. */
struct umsg {
	struct umsg *next;
	size_t len, off;        /* data bytes, bytes already read (stream) */
	struct file **fds;      /* rights in flight, held by reference */
	int nfds;
	struct ucred cred;      /* the sender's, or what it sent */
	struct uname *from;     /* DGRAM: the sender's name, or NULL */
	char data[];
};

struct usock {
	int refs;               /* its file, a peer, a listener's queue, a
	                           sleeper holding it, the registry: none */
	int type;
	int state;
	bool closed;            /* its file went */
	int shut;               /* US_RCV | US_SND */
	int error;              /* SO_ERROR, a positive errno or 0 */
	struct usock *peer;     /* connected to (a reference) */
	struct umsg *head, *tail; /* the receive queue */
	size_t qbytes;          /* its cost against rcvbuf */
	int sndbuf, rcvbuf;
	bool passcred, reuse;
	uint64_t rcvtimeo, sndtimeo; /* ns, 0: none */
	int backlog, nconn;     /* listening: embryos waiting for accept */
	struct usock *conn_head, *conn_tail, *conn_next;
	struct uname *name;     /* bound (or, accepted, the listener's), or
	                           NULL */
	bool registered;        /* name is in the registry */
	int pinfd;              /* a path name's host file, or -1 */
	struct usock *reg_next;
	struct usock *all_prev, *all_next;
	struct ucred mycred;    /* at socket(), listen() or connect() */
	struct ucred peercred;  /* SO_PEERCRED */
	bool has_peercred;
	struct waitq wq;        /* every change: readers, writers, accept,
	                           connect */
	ino_t ino;
	/* usock_gc's, meaningful only while it runs */
	int gc_inflight, gc_internal; /* refs from queued rights: all, and
	                                 from candidates' queues */
	struct file *gc_file;   /* its file, seen in flight */
	bool gc_cand, gc_reach;
	struct usock *gc_next;
};

/* What a message costs its receiver's rcvbuf beyond its bytes (as
 * Linux's skb truesize), so that empty messages are bounded too. */
#define UMSG_COST 256

/* uipc_msg.c: socket objects' lifetimes, queues and moving messages. */
struct usock *usock_alloc(int type);
struct usock *usock_ref(struct usock *s);
void usock_unref(struct usock *s);
void usock_changed(struct usock *s);
/* Frees every queued message, dropping the rights in flight (closing a
 * file may close another socket: never recursively, see uipc_msg.c). */
void usock_purge(struct usock *s);
/* Room in s's receive queue for a message of n bytes. */
bool usock_room(const struct usock *s, size_t n);
/* p's credentials as a socket sees them: tgid, euid, egid. */
void usock_cred(struct proc *p, struct ucred *uc);
/* Sleeps on s's queue (held by reference meanwhile) until deadline (0:
 * none): 0, -EAGAIN at the deadline, -ERESTARTSYS. */
int usock_sleep(struct proc *p, struct usock *s, uint64_t deadline);
uint64_t usock_deadline(uint64_t timeo);
/* Queues n bytes from buf with the rights and credentials of us on the
 * receiver to (SEQPACKET/DGRAM: one record; stream: what fits), waiting
 * for room as flags and f allow: bytes queued or -errno. */
long usock_deliver(struct usock *from, struct usock *to, struct proc *p,
    bool nonblock, struct usend *u);
long usock_recv(struct usock *s, struct proc *p, bool nonblock,
    struct urecv *r);
/* Every socket (uipc_fini, usock_gc). */
struct usock *usock_first(void);
/* Rights in flight now, in every queue. */
extern size_t usock_nrights;

/* uipc_gc.c: frees the queues of the sockets (files of ops) that only
 * rights in flight hold, round cycles; nothing while none are in flight
 * or when called from inside itself. */
void usock_gc(const struct fileops *ops);

#endif /* VKERNEL_UIPC_VAR_H */
