/* soft_hostmap.h: the soft backend's own record of a stub's host mappings, checked against the host. */
#ifndef KSHIM_SOFT_HOSTMAP_H
#define KSHIM_SOFT_HOSTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kshim.h"

/*
 * What the vkernel asked one stub to map: disjoint ranges of guest-virtual
 * space, each backed by a contiguous run of the memory image with one host
 * protection.  It lives in the vkernel's own memory, so it is what the
 * stub's host mappings must be, whatever the guest wrote anywhere.
 *
 * Adjacent ranges that continue each other (same protection, contiguous
 * image offsets) are merged, as Linux merges the VMAs: count() is the
 * number of host mappings the stub should have, which the backend keeps
 * well below the host's vm.max_map_count.
 */
struct soft_hostmap;

/* NULL when out of memory. */
struct soft_hostmap *soft_hm_create(void);
void soft_hm_destroy(struct soft_hostmap *hm);
/* Forgets every range (the stub was replaced by an empty one). */
void soft_hm_clear(struct soft_hostmap *hm);

/* [gva, gva+len) is now backed by gpa.. with host prot hprot (PROT_*). */
int soft_hm_map(struct soft_hostmap *hm, gva_t gva, size_t len, gpa_t gpa,
    int hprot);
/* [gva, gva+len) is now unmapped. */
int soft_hm_unmap(struct soft_hostmap *hm, gva_t gva, size_t len);
/* The mapped parts of [gva, gva+len) now have host prot hprot. */
int soft_hm_protect(struct soft_hostmap *hm, gva_t gva, size_t len, int hprot);
/* Ranges recorded now. */
size_t soft_hm_count(const struct soft_hostmap *hm);

/*
 * Asks the host what the process behind mapsfd (an open /proc/PID/maps)
 * maps in [gva, gva+len) and checks that it grants nothing the record does
 * not: every host page there must be recorded, at the same image offset,
 * with no permission the record lacks.  A page the record has and the host
 * lacks is fine (a failed map only costs a fault).  Returns 0, or -1 with
 * one line in why[] (a mismatch, or the host could not be asked).
 * Uses the PROCMAP_QUERY ioctl (Linux 6.11) or else reads the whole file.
 */
int soft_hm_verify(struct soft_hostmap *hm, int mapsfd, gva_t gva,
    size_t len, char *why, size_t whylen);

#endif /* KSHIM_SOFT_HOSTMAP_H */
