/* log.c: diagnostics, the counters behind -v, and the vkernel's global configuration. */

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

struct vk_config vk;
struct vk_totals vk_totals;

/* Not inlined, not const: this thread's errno each time (log.h). */
__attribute__((noinline)) int *
vk_errno(void)
{
	return __errno_location();
}

void
vk_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vkernel: %s%s", line, vk.crlf ? "\r\n" : "\n");
}
