/* kmem.h: the guest kernel's own memory that guests drive, under a budget set from -m. */
#ifndef VKERNEL_KMEM_H
#define VKERNEL_KMEM_H

#include <stdbool.h>
#include <stddef.h>

#include "vm.h"

/*
 * Everything the vkernel allocates because a guest asked (processes and
 * their task stacks, open files, descriptor tables, pipe buffers, /proc
 * snapshots, the bounce buffers of a system call) is charged here, beside
 * the VM metadata's budget (vm_meta.c): past the limit the allocation
 * fails and the guest gets ENOMEM (or EAGAIN for fork, ENFILE for files,
 * a smaller pipe), never more of the host's memory.  Sizes are what the
 * caller asked for; kmem_free and kmem_uncharge take the same size back.
 * The limit is 0 (none) until kmem_set_limit().
 */
void kmem_set_limit(size_t bytes);
/* n zeroed bytes charged to the budget; NULL past it or without host
 * memory. */
void *kmem_alloc(size_t n);
/* p (kmem_alloc'ed with old bytes, or NULL) grown or shrunk to n; NULL
 * (p untouched) past the budget. */
void *kmem_realloc(void *p, size_t old, size_t n);
void kmem_free(void *p, size_t n);
/* For memory the caller gets itself (a task's stack): true when n more
 * bytes fit the budget, now charged. */
bool kmem_charge(size_t n);
void kmem_uncharge(size_t n);
/* Bytes the budget can still charge (SIZE_MAX without a limit). */
size_t kmem_avail(void);
void kmem_stats(struct vm_budget *st);

/* A KMEM_BUF-byte buffer (a bounce buffer, a pipe's ring), not zeroed,
 * charged: from a small cache of returned ones, or new; NULL past the
 * budget.  kmem_buf_put gives it back (NULL: nothing). */
#define KMEM_BUF 65536
void *kmem_buf_get(void);
void kmem_buf_put(void *b);

#endif /* VKERNEL_KMEM_H */
