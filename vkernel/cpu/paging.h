/* paging.h: choosing the paging path (hw nested paging or sw stub processes). */
#ifndef CPU_PAGING_H
#define CPU_PAGING_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu_probe.h"
#include "kshim.h"

enum vk_paging { VK_PAGING_SW, VK_PAGING_HW };

/*
 * Picks the path from VKERNEL_PAGING (env: "hw", "sw", "auto" or NULL for
 * auto), the -d flag and the probe.  Returns 0 with *path, the backend's
 * ops and a reason in why[] ("no /dev/kvm", "-d", ...); 64 for an invalid
 * env value and 69 when hw was demanded but cannot be had, with the
 * message in why[].
 */
int paging_choose(const struct cpu_features *f, const char *env, bool force_sw,
    enum vk_paging *path, const struct ks_ops **ops, char *why, size_t whylen);

/*
 * `vkernel -P`: whether hw paging can run here, decided as paging_choose()
 * decides VKERNEL_PAGING=hw (by cpu_nested_paging()).  line[] gets
 * "hw paging: yes (REASON)" or "hw paging: no (REASON)", REASON being the
 * text VKERNEL_PAGING=hw would print after "unavailable: ".  Returns 0 for
 * yes, 69 for no (the status VKERNEL_PAGING=hw exits with).
 */
int paging_probe(const struct cpu_features *f, char *line, size_t len);

#endif /* CPU_PAGING_H */
