/* log.h: diagnostics, the counters behind -v, and the vkernel's global configuration. */
#ifndef VKERNEL_LOG_H
#define VKERNEL_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>

#include "kshim.h"

/*
 * A task's C stack may be resumed on another vCPU thread (sched.c).
 * glibc's errno is *__errno_location(), a function declared const, so the
 * compiler may keep its result across a call that switched tasks and read
 * the first thread's errno there.  The guest kernel reads errno through
 * vk_errno, a call it cannot fold.
 */
int *vk_errno(void);
#undef errno
#define errno (*vk_errno())

/* Counters over every task that ran (for the -v summary): processes,
 * threads started besides their first, and what they all did. */
struct vk_totals {
	uint64_t procs, threads, nsyscalls, nfaults, nhostcalls, nenosys;
};
extern struct vk_totals vk_totals;

/* Global state of this vkernel. */
struct vk_config {
	bool verbose;
	const struct ks_ops *ops;    /* the paging path's shim backend */
	size_t memsize;
	const char *memsize_arg;
	int ncpus;                   /* -n: vCPUs that run guest code */
	const char *root;
	char **env;                  /* guest environment (NULL-terminated) */
	bool crlf;                   /* stderr is the console's host terminal,
	                                in raw mode: lines end in CR LF */
};
extern struct vk_config vk;

/* Diagnostics: one line on stderr prefixed "vkernel: ". */
void vk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define vk_verbose(...) do { if (vk.verbose) vk_log(__VA_ARGS__); } while (0)

#endif /* VKERNEL_LOG_H */
