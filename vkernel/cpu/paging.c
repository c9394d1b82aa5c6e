/* paging.c: chooses hw (KVM nested paging) or sw (stub processes) paging, and says why. */

#include <stdio.h>
#include <string.h>

#include "paging.h"

int
paging_choose(const struct cpu_features *f, const char *env, bool force_sw,
    enum vk_paging *path, const struct ks_ops **ops, char *why, size_t whylen)
{
	char hwwhy[192];
	bool hw_ok;

	*path = VK_PAGING_SW;
	*ops = &ks_soft_ops;
	if (env != NULL && strcmp(env, "hw") != 0 && strcmp(env, "sw") != 0 &&
	    strcmp(env, "auto") != 0) {
		snprintf(why, whylen, "VKERNEL_PAGING=%s: must be hw, sw or auto",
		    env);
		return 64;
	}
	hw_ok = cpu_nested_paging(f, hwwhy, sizeof(hwwhy));
	if (env != NULL && strcmp(env, "hw") == 0 && !force_sw && !hw_ok) {
		snprintf(why, whylen, "VKERNEL_PAGING=hw: hardware nested paging "
		    "unavailable: %s", hwwhy);
		return 69;
	}
	if (force_sw)
		snprintf(why, whylen, "-d");
	else if (env != NULL && strcmp(env, "sw") == 0)
		snprintf(why, whylen, "VKERNEL_PAGING=sw");
	else if (!hw_ok)
		snprintf(why, whylen, "%s", hwwhy);
	else {
		*path = VK_PAGING_HW;
		*ops = &ks_kvm_ops;
		snprintf(why, whylen, "%s", hwwhy);
	}
	return 0;
}

int
paging_probe(const struct cpu_features *f, char *line, size_t len)
{
	char why[192];
	bool hw_ok;

	hw_ok = cpu_nested_paging(f, why, sizeof(why));
	snprintf(line, len, "hw paging: %s (%s)", hw_ok ? "yes" : "no", why);
	return hw_ok ? 0 : 69;
}
