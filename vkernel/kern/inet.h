/* inet.h: guest sockets of the network families (AF_INET, AF_INET6, AF_NETLINK route), each a host socket in the guest network. */
#ifndef VKERNEL_INET_H
#define VKERNEL_INET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct file;
struct proc;

/*
 * A network socket is a struct file of kind "socket" on a host socket
 * made in the guest network (kshim/knet.h: a namespace of the vkernel's
 * own unless -I host), so the host kernel's TCP/IP does the work.  The
 * host socket is always non-blocking; a guest call that would block
 * sleeps in proc_sleep on the host descriptor (SO_RCVTIMEO/SO_SNDTIMEO
 * are the vkernel's).  What reaches the host is checked here: addresses
 * of the socket's family, the options a program sets (none that hand
 * the host a pointer or need the host's privileges), netlink requests
 * that only read (RTM_GET*), control messages without descriptors or
 * credentials.  Every call is made with the big lock held; the caller
 * holds the file.  Errors are -errno as Linux gives them.
 */

/* The families and types socket() takes here: AF_INET and AF_INET6
 * (SOCK_STREAM, SOCK_DGRAM; ICMP datagrams for ping), AF_NETLINK
 * (NETLINK_ROUTE only).  Everything else is the caller's to refuse. */
bool inet_family(int domain);
/* A new socket (O_NONBLOCK from flags), its creator p: 0 and *fp, or
 * -errno (-EACCES when the guest network could not be made,
 * -EPROTONOSUPPORT, -ESOCKTNOSUPPORT, -ENFILE, -ENOMEM). */
int inet_create(struct proc *p, int domain, int type, int protocol,
    int flags, struct file **fp);
bool inet_is(const struct file *f);
int inet_type(const struct file *f);

/* An address the guest gave (len bytes at sa, already copied in). */
int inet_bind(struct file *f, struct proc *p, const struct sockaddr *sa,
    socklen_t len);
int inet_connect(struct file *f, struct proc *p, const struct sockaddr *sa,
    socklen_t len);
int inet_listen(struct file *f, int backlog);
/* The next connection: 0, *nf (O_NONBLOCK from flags) and its peer's
 * address in sa (*len bytes; at most sizeof(struct sockaddr_storage)). */
int inet_accept(struct file *f, struct proc *p, int flags,
    struct sockaddr_storage *sa, socklen_t *len, struct file **nf);
int inet_shutdown(struct file *f, int how);
int inet_getname(struct file *f, bool peer, struct sockaddr_storage *sa,
    socklen_t *len);

/* Options: len bytes of value (at most INET_OPTMAX); getopt's *len in
 * and out.  SO_RCVTIMEO/SO_SNDTIMEO are the caller's (inet_timeo). */
#define INET_OPTMAX 256
int inet_setopt(struct file *f, struct proc *p, int level, int opt,
    const void *val, socklen_t len);
int inet_getopt(struct file *f, int level, int opt, void *val,
    socklen_t *len);
void inet_timeo(struct file *f, bool snd, uint64_t *ns, bool set);

/*
 * The interface requests that only read (SIOCGIF*: the ifreq is 40
 * bytes in and out; inet_ifreq says which, SIOCGIFCONF among them):
 * what `ifconfig` and if_nametoindex ask.  A request that changes an
 * interface is not taken (ENOTTY), as netlink's that change are EPERM.
 * inet_ifconf: SIOCGIFCONF into buf (*len bytes in, written out; buf
 * NULL asks the length).  f may be any socket, Unix-domain too, as on
 * Linux.
 */
bool inet_ifreq(unsigned long req);
int inet_ifioctl(struct file *f, struct proc *p, unsigned long req,
    void *ifr);
int inet_ifconf(struct file *f, struct proc *p, void *buf, int *len);

/*
 * A send or receive of one message through the host: mh has vkernel
 * buffers (its iovecs, its name, its control) and the guest's flags.
 * send: the bytes sent or -errno (-EPIPE is the caller's to turn into
 * SIGPIPE); control messages at SOL_SOCKET are -EINVAL.  recv: the
 * bytes, with mh's namelen, controllen and flags set as recvmsg does.
 * MSG_DONTWAIT, MSG_NOSIGNAL and MSG_WAITALL are done here; a blocking
 * call sleeps, never the vkernel.
 */
long inet_send(struct file *f, struct proc *p, struct msghdr *mh,
    int flags);
long inet_recv(struct file *f, struct proc *p, struct msghdr *mh,
    int flags);

#endif
