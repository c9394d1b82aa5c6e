/* knet.h: the host network the guest's sockets are made in (-I): a network namespace of the vkernel's own, or the host's. */
#ifndef VKERNEL_KNET_H
#define VKERNEL_KNET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * -I's modes.  NONE (the default): a network namespace made for the
 * guest, with only a loopback interface up, so 127.0.0.1 and ::1 work
 * and nothing outside is reachable or exposed.  USER: the same namespace
 * with pasta (Debian's passt) giving it outbound TCP/UDP and DNS through
 * the host's sockets, no port exposed.  HOST: the host's own network.
 */
enum knet_mode { KNET_NONE, KNET_USER, KNET_HOST };

/*
 * Sets the guest network up; called once, early, while the vkernel has
 * one thread.  For NONE and USER a small factory process is forked: it
 * enters a new network namespace (through a user namespace when the
 * vkernel may not make one itself), brings lo up and makes sockets on
 * request, handing them back over a socketpair; it dies with the
 * vkernel (the socketpair's end, PR_SET_PDEATHSIG), and the namespace
 * with the last socket made in it, so nothing stays on the host.
 * Returns 0, or -errno with why (one line) when the namespace cannot be
 * made: every knet_socket is then -EACCES, never the host's network.
 */
int knet_init(enum knet_mode mode, char *why, size_t whylen);
/* The mode's name ("none", "host", "user") and what it gives, for -v. */
const char *knet_describe(void);
/*
 * A host socket (domain, type, protocol) in the guest network, made
 * non-blocking and close-on-exec: its descriptor, which the caller owns,
 * or -errno (-EACCES when the guest network could not be made).
 */
int knet_socket(int domain, int type, int protocol);
/* The guest's network is a namespace of the vkernel's own (NONE or
 * USER, made): what a guest does to it stays in it. */
bool knet_private(void);
/* Ends the factory and pasta, if any (the vkernel exits). */
void knet_fini(void);

#endif
