/* specfs_gen.c: what each /proc file and specfs directory says: the text generated at open, the entries listed, and the snapshot files that hold them. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "vkernel.h"
#include "file.h"
#include "kmem.h"
#include "ipc.h"
#include "mqueue.h"

#include "pty.h"
#include "shm.h"
#include "specfs_gen.h"
#include "tty.h"

#define SNAP_FILE_MAX   (16u << 20)      /* one snapshot's text at most */
#define ARGS_MAX        (2u << 20)       /* cmdline, environ: exec's limit */

/* Directory contents, in listing order. */
static const struct ent dev_ents[] = {
	{ "console", K_DEV, W_CONSOLE },
	{ "fd", K_LINK, W_DEVFD }, { "full", K_DEV, W_FULL },
	{ "null", K_DEV, W_NULL }, { "ptmx", K_DEV, W_PTMX },
	{ "pts", K_DIR, W_PTSDIR }, { "random", K_DEV, W_RANDOM },
	{ "shm", K_DIR, W_SHMDIR }, { "stderr", K_LINK, W_STDERR },
	{ "stdin", K_LINK, W_STDIN }, { "stdout", K_LINK, W_STDOUT },
	{ "tty", K_DEV, W_TTY },
	{ "urandom", K_DEV, W_URANDOM }, { "zero", K_DEV, W_ZERO },
};
static const struct ent proc_ents[] = {
	{ "cpuinfo", K_FILE, W_CPUINFO },
	{ "filesystems", K_FILE, W_FILESYSTEMS },
	{ "loadavg", K_FILE, W_LOADAVG }, { "meminfo", K_FILE, W_MEMINFO },
	{ "self", K_LINK, W_SELF }, { "stat", K_FILE, W_PROCSTAT },
	{ "sys", K_DIR, W_SYS }, { "sysvipc", K_DIR, W_SYSVIPC },
	{ "thread-self", K_LINK, W_THREADSELF },
	{ "uptime", K_FILE, W_UPTIME },
};
static const struct ent pid_ents[] = {
	{ "cmdline", K_FILE, W_CMDLINE }, { "comm", K_FILE, W_COMM },
	{ "cwd", K_LINK, W_CWD }, { "environ", K_FILE, W_ENVIRON },
	{ "exe", K_LINK, W_EXE }, { "fd", K_DIR, W_FDDIR },
	{ "maps", K_FILE, W_MAPS }, { "stat", K_FILE, W_STAT },
	{ "statm", K_FILE, W_STATM },
	{ "status", K_FILE, W_STATUS }, { "task", K_DIR, W_TASKDIR },
};
/* /proc/PID/task/TID: the same, for one thread. */
static const struct ent tid_ents[] = {
	{ "cmdline", K_FILE, W_CMDLINE }, { "comm", K_FILE, W_COMM },
	{ "cwd", K_LINK, W_CWD }, { "environ", K_FILE, W_ENVIRON },
	{ "exe", K_LINK, W_EXE }, { "fd", K_DIR, W_FDDIR },
	{ "maps", K_FILE, W_MAPS }, { "stat", K_FILE, W_STAT },
	{ "status", K_FILE, W_STATUS },
};
static const struct ent sys_ents[] = { { "fs", K_DIR, W_SYSFSD },
	{ "kernel", K_DIR, W_KERNEL } };
/* IPC's: /proc/sysvipc, /proc/sys/fs/mqueue (ipc.h's, mqueue.h's limits). */
static const struct ent sysvipc_ents[] = { { "msg", K_FILE, W_SVMSG },
	{ "sem", K_FILE, W_SVSEM }, { "shm", K_FILE, W_SVSHM } };
static const struct ent sysfsd_ents[] = { { "mqueue", K_DIR, W_MQDIR } };
static const struct ent mq_ents[] = { { "msg_max", K_FILE, W_MQMSGMAX },
	{ "msgsize_max", K_FILE, W_MQSIZEMAX },
	{ "queues_max", K_FILE, W_MQQMAX } };
/* /sys: only what C libraries read to count CPUs. */
static const struct ent sysfs_ents[] = { { "devices", K_DIR, W_SYSDEV } };
static const struct ent sysdev_ents[] = { { "system", K_DIR, W_SYSSYS } };
static const struct ent syssys_ents[] = { { "cpu", K_DIR, W_SYSCPU } };
static const struct ent syscpu_ents[] = {
	{ "online", K_FILE, W_CPUONLINE }, { "possible", K_FILE, W_CPUPOSSIBLE },
	{ "present", K_FILE, W_CPUPRESENT },
};
static const struct ent kernel_ents[] = {
	{ "hostname", K_FILE, W_HOSTNAME }, { "msgmax", K_FILE, W_MSGMAX },
	{ "msgmnb", K_FILE, W_MSGMNB }, { "msgmni", K_FILE, W_MSGMNI },
	{ "osrelease", K_FILE, W_OSRELEASE }, { "ostype", K_FILE, W_OSTYPE },
	{ "sem", K_FILE, W_SEMLIM }, { "shmall", K_FILE, W_SHMALL },
	{ "shmmax", K_FILE, W_SHMMAX }, { "shmmni", K_FILE, W_SHMMNI },
};

static void
sb_add(struct sbuf *s, const void *data, size_t n)
{
	size_t cap = s->cap ? s->cap : 4096;
	char *b;

	if (s->err)
		return;
	if (s->len + n > SNAP_FILE_MAX) {
		s->err = -ENOMEM;
		return;
	}
	while (cap < s->len + n + 1)
		cap *= 2;
	if (cap != s->cap) {
		if ((b = kmem_realloc(s->b, s->cap, cap)) == NULL) {
			s->err = -ENOMEM;
			return;
		}
		s->b = b;
		s->cap = cap;
	}
	memcpy(s->b + s->len, data, n);
	s->len += n;
	s->b[s->len] = '\0';
}

void
sb_printf(struct sbuf *s, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		s->err = -EINVAL;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		sb_add(s, small, n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		s->err = -ENOMEM;
		return;
	}
	sb_add(s, big, n);
	free(big);
}
struct proc *
find(struct proc *p, pid_t pid)
{
	struct proc *q = pid == p->pid ? p : proc_find(pid), *t;

	if (q != NULL && q->torn_down)
		for (t = q->tg->threads; t != NULL; t = t->tg_next)
			if (!t->torn_down) {
				q = t;
				break;
			}
	return q != NULL && q->vm != NULL && q->fds != NULL ? q : NULL;
}
/* A decimal name as Linux's name_to_int takes it (no sign, no leading
 * zero): its value, or -1. */
long
number(const char *s)
{
	long v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') ||
	    strlen(s) > 9)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}
/* Copies [va, va+len) of vm's memory as it is, without faulting anything
 * in or changing any map (a page never touched reads as zeros, as
 * Linux's access_remote_vm gives /proc readers): the bytes copied,
 * fewer when a hole comes first. */

static size_t
peek(struct vmspace *vm, gva_t va, char *buf, size_t len)
{
	size_t done = 0, n;
	struct vm_map_entry *e;
	const char *h;
	gpa_t pa;

	while (done < len) {
		if ((e = vm_map_lookup(&vm->map, va)) == NULL || e->obj == NULL)
			break;
		n = PAGE_SIZE - (va & PAGE_MASK);
		if (n > len - done)
			n = len - done;
		pa = vm_object_lookup(e->obj,
		    e->offset + ((va - e->start) >> PAGE_SHIFT));
		if (pa != 0 && (h = vm_phys_hva(pa)) != NULL)
			memcpy(buf + done, h + (va & PAGE_MASK), n);
		else
			memset(buf + done, 0, n);
		done += n;
		va += n;
	}
	return done;
}
const struct ent *
table(enum what dir, size_t *n)
{
#define T(a) (*n = sizeof(a) / sizeof((a)[0]), (a))
	switch (dir) {
	case W_DEV: return T(dev_ents);
	case W_PROC: return T(proc_ents);
	case W_PID: return T(pid_ents);
	case W_TID: return T(tid_ents);
	case W_SYS: return T(sys_ents);
	case W_KERNEL: return T(kernel_ents);
	case W_SYSVIPC: return T(sysvipc_ents);
	case W_SYSFSD: return T(sysfsd_ents);
	case W_MQDIR: return T(mq_ents);
	case W_SYSFS: return T(sysfs_ents);
	case W_SYSDEV: return T(sysdev_ents);
	case W_SYSSYS: return T(syssys_ents);
	case W_SYSCPU: return T(syscpu_ents);
	default: *n = 0; return NULL;
	}
#undef T
}
/* Appends a component to a clean path: 0 or -ENAMETOOLONG. */
int
path_push(char *path, const char *comp)
{
	size_t l = strlen(path);

	if (l + 1 + strlen(comp) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (l > 1)
		path[l++] = '/';
	strcpy(path + l, comp);
	return 0;
}

/* An inode number for a synthetic name (FNV-1a of its path). */
uint64_t
ino_of(const char *path)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *path; path++)
		h = (h ^ (unsigned char)*path) * 0x100000001b3ULL;
	return h >> 1 | 1;
}
/* Sizes in bytes from the map and its resident pages, for status. */
struct vmtotals {
	size_t size, rss, shared, data, stk, exe;
};

static size_t
entry_resident(const struct vm_map_entry *e)
{
	size_t slot = e->offset, n = 0;
	size_t end = e->offset + ((e->end - e->start) >> PAGE_SHIFT);
	gpa_t pa;

	while (e->obj != NULL && vm_object_next(e->obj, &slot, end, &pa)) {
		n++;
		slot++;
	}
	return n * PAGE_SIZE;
}

static bool
is_heap(const struct vmspace *vm, const struct vm_map_entry *e)
{
	return (e->flags & VM_ENTRY_BRK) || (vm->brk_end > vm->brk_base &&
	    e->start < vm->brk_end && e->end > vm->brk_base);
}

static void
vm_totals(struct vmspace *vm, struct vmtotals *t)
{
	struct vm_map_entry *e;
	size_t len, res;

	memset(t, 0, sizeof(*t));
	for (e = vm->map.head.next; e != &vm->map.head; e = e->next) {
		len = e->end - e->start;
		res = entry_resident(e);
		t->size += len;
		t->rss += res;
		if (e->flags & VM_ENTRY_SHARED)
			t->shared += res;
		if (e->flags & VM_ENTRY_GROWSDOWN)
			t->stk += len;
		else if (e->prot & KS_PROT_EXEC)
			t->exe += len;
		else if ((e->prot & KS_PROT_WRITE) &&
		    !(e->flags & VM_ENTRY_SHARED))
			t->data += len;
	}
}
/* maps: Linux's "start-end perms offset dev inode", the name padded to
 * column 73; everything here is anonymous memory. */

static void
gen_maps(struct proc *q, struct sbuf *s)
{
	struct vmspace *vm = q->vm;
	struct vm_map_entry *e;
	const char *name;
	size_t before;

	for (e = vm->map.head.next; e != &vm->map.head; e = e->next) {
		before = s->len;
		sb_printf(s, "%08lx-%08lx %c%c%c%c %08x %02x:%02x %lu ",
		    (unsigned long)e->start, (unsigned long)e->end,
		    e->prot & KS_PROT_READ ? 'r' : '-',
		    e->prot & KS_PROT_WRITE ? 'w' : '-',
		    e->prot & KS_PROT_EXEC ? 'x' : '-',
		    e->flags & VM_ENTRY_SHARED ? 's' : 'p', 0, 0, 0, 0UL);
		name = e->flags & VM_ENTRY_GROWSDOWN ? "[stack]" :
		    is_heap(vm, e) ? "[heap]" : NULL;
		if (name != NULL)
			sb_printf(s, "%*s%s", (int)(s->len - before < 73 ?
			    73 - (s->len - before) : 0), "", name);
		sb_add(s, "\n", 1);
	}
}
/* cmdline and environ: exec's strings, read from the process's memory. */

static void
gen_strings(struct proc *q, bool env, struct sbuf *s)
{
	gva_t start = env ? q->vm->env_start : q->vm->arg_start;
	gva_t end = env ? q->vm->env_end : q->vm->arg_end;
	size_t len = end > start ? end - start : 0;
	char *buf;

	if (len > ARGS_MAX)
		len = ARGS_MAX;
	if (len == 0)
		return;
	if ((buf = kmem_alloc(len)) == NULL) {
		s->err = -ENOMEM;
		return;
	}
	sb_add(s, buf, peek(q->vm, start, buf, len));
	kmem_free(buf, len);
}

static char
state_char(struct proc *p, struct proc *q)
{
	return q->tg->stopped ? 'T' : q == p || q->state == TASK_RUN ? 'R' : 'S';
}

static const char *
state_name(char c)
{
	return c == 'T' ? "T (stopped)" : c == 'R' ? "R (running)" :
	    "S (sleeping)";
}
/* Signals q ignores and catches, as Linux's masks (bit sig-1). */

static void
sig_masks(struct proc *q, uint64_t *ign, uint64_t *cgt)
{
	int sig;

	*ign = *cgt = 0;
	for (sig = 1; sig <= VK_NSIG; sig++) {
		if (q->tg->sigacts[sig].handler == 1)        /* SIG_IGN */
			*ign |= SIGBIT(sig);
		else if (q->tg->sigacts[sig].handler != 0)   /* not SIG_DFL */
			*cgt |= SIGBIT(sig);
	}
}
/* Linux's FDSize: its table's slots, 64 or the next power of two. */

static int
fd_size(struct proc *q)
{
	int n = fdtab_count(q->fds), found = 0, fd, size = 64;

	for (fd = 0; found < n && fd < (1 << 24); fd++)
		if (fdtab_peek(q->fds, fd) != NULL) {
			found++;
			while (fd >= size)
				size *= 2;
		}
	return size;
}

static void
gen_status(struct proc *p, struct proc *q, struct sbuf *s)
{
	const struct cred *c = &q->cred;
	struct vmtotals t;
	uint64_t ign, cgt;
	struct proc *pp = q->tg->leader != NULL ? q->tg->leader->parent : NULL;
	pid_t ppid = pp != NULL ? pp->tg->tgid : 0;
	int i;

	vm_totals(q->vm, &t);
	sig_masks(q, &ign, &cgt);
	sb_printf(s, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\n"
	    "Ngid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
	    q->comm, (unsigned)q->tg->umask, state_name(state_char(p, q)),
	    (int)q->tg->tgid, (int)q->pid, (int)ppid);
	sb_printf(s, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
	    c->ruid, c->euid, c->suid, c->fsuid,
	    c->rgid, c->egid, c->sgid, c->fsgid);
	sb_printf(s, "FDSize:\t%d\nGroups:\t", fd_size(q));
	for (i = 0; i < c->groups->ngroups; i++)
		sb_printf(s, "%s%u", i ? " " : "", c->groups->gid[i]);
	/* Linux's trailing space, even with no groups. */
	sb_printf(s, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
	    (int)q->tg->tgid, (int)q->pid, (int)q->tg->pgid, (int)q->tg->sid);
#define KB(name, v) sb_printf(s, name ":\t%8zu kB\n", (size_t)(v) >> 10)
	KB("VmPeak", t.size);
	KB("VmSize", t.size);
	KB("VmLck", 0);
	KB("VmPin", 0);
	KB("VmHWM", t.rss);
	KB("VmRSS", t.rss);
	KB("RssAnon", t.rss - t.shared);
	KB("RssFile", 0);
	KB("RssShmem", t.shared);
	KB("VmData", t.data);
	KB("VmStk", t.stk);
	KB("VmExe", t.exe);
	KB("VmLib", 0);
	KB("VmPTE", 0);
	KB("VmSwap", 0);
#undef KB
	sb_printf(s, "CoreDumping:\t0\nThreads:\t%d\nSigQ:\t%d/%d\n",
	    q->tg->nlive, __builtin_popcountll(q->sig.pending |
	    q->tg->pending), 256);
	sb_printf(s, "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\n"
	    "SigIgn:\t%016llx\nSigCgt:\t%016llx\n",
	    (unsigned long long)q->sig.pending,
	    (unsigned long long)q->tg->pending,
	    (unsigned long long)q->sigmask, (unsigned long long)ign,
	    (unsigned long long)cgt);
	sb_printf(s, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n"
	    "CapBnd:\t%016llx\nCapAmb:\t%016llx\nNoNewPrivs:\t%d\n"
	    "Seccomp:\t0\n"
	    "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
	    (unsigned long long)c->cap_inh, (unsigned long long)c->cap_prm,
	    (unsigned long long)c->cap_eff, (unsigned long long)c->cap_bnd,
	    (unsigned long long)c->cap_amb, (int)c->no_new_privs);
}
/* stat: Linux's 52 fields; those the vkernel does not keep are 0. */

/* /proc/PID/statm, in pages: size resident shared text lib data dt. */
static void
gen_statm(struct proc *q, struct sbuf *s)
{
	struct vmtotals t;

	vm_totals(q->vm, &t);
	sb_printf(s, "%zu %zu %zu %zu 0 %zu 0\n", (size_t)(t.size / PAGE_SIZE),
	    (size_t)(t.rss / PAGE_SIZE), (size_t)(t.shared / PAGE_SIZE),
	    (size_t)(t.exe / PAGE_SIZE),
	    (size_t)((t.data + t.stk) / PAGE_SIZE));
}

static void
gen_stat(struct proc *p, struct proc *q, struct sbuf *s)
{
	struct proc *pp = q->tg->leader != NULL ? q->tg->leader->parent : NULL;
	struct vmspace *vm = q->vm;
	struct vmtotals t;
	struct tty *ct;
	uint64_t ign, cgt;

	vm_totals(vm, &t);
	sig_masks(q, &ign, &cgt);
	/* 1-9: pid (comm) state ppid pgrp session tty_nr tpgid flags */
	ct = tty_ctty(q);
	sb_printf(s, "%d (%s) %c %d %d %d %u %d 0 ", (int)q->pid, q->comm,
	    state_char(p, q), pp != NULL ? (int)pp->tg->tgid : 0,
	    (int)q->tg->pgid, (int)q->tg->sid,
	    ct != NULL ? tty_nr(ct) : 0, ct != NULL && tty_fg_pgrp(ct) != 0 ? (int)tty_fg_pgrp(ct) : -1);
	/* 10-22: minflt cminflt majflt cmajflt utime stime cutime cstime
	 * priority nice num_threads itrealvalue starttime */
	sb_printf(s, "%llu 0 0 0 0 0 0 0 20 0 %d 0 0 ",
	    (unsigned long long)q->nfaults, q->tg->nlive);
	/* 23-30: vsize rss rsslim startcode endcode startstack kstkesp
	 * kstkeip */
	sb_printf(s, "%zu %zu %llu 0 0 0 0 0 ", t.size, (size_t)(t.rss / PAGE_SIZE),
	    (unsigned long long)RLIM_INFINITY);
	/* 31-37: signal blocked sigignore sigcatch wchan nswap cnswap */
	sb_printf(s, "%llu %llu %llu %llu 0 0 0 ",
	    (unsigned long long)(q->sig.pending | q->tg->pending),
	    (unsigned long long)q->sigmask,
	    (unsigned long long)ign, (unsigned long long)cgt);
	/* 38-44: exit_signal processor rt_priority policy
	 * delayacct_blkio_ticks guest_time cguest_time */
	sb_printf(s, "%d 0 0 0 0 0 0 ", q->exit_signal < 0 ? 0 :
	    q->exit_signal);
	/* 45-52: start_data end_data start_brk arg_start arg_end env_start
	 * env_end exit_code */
	sb_printf(s, "0 0 %lu %lu %lu %lu %lu 0\n",
	    (unsigned long)vm->brk_base, (unsigned long)vm->arg_start,
	    (unsigned long)vm->arg_end, (unsigned long)vm->env_start,
	    (unsigned long)vm->env_end);
}

static void
gen_meminfo(struct sbuf *s)
{
	struct vm_page_stats st;
	size_t kb = PAGE_SIZE >> 10;

	vm_page_stats(&st);
#define KB(name, v) sb_printf(s, "%-16s%8zu kB\n", name ":", (size_t)(v))
	KB("MemTotal", (st.total - st.reserved) * kb);
	KB("MemFree", st.free * kb);
	KB("MemAvailable", st.free * kb);
	KB("Buffers", 0);
	KB("Cached", 0);
	KB("SwapCached", 0);
	KB("SwapTotal", 0);
	KB("SwapFree", 0);
#undef KB
}
/* The host's first processor block, once for each vCPU: processor N of an
 * N-CPU machine (-n), one core each. */
static void
gen_cpuinfo(struct sbuf *s)
{
	static const char *const one[] = { "processor", "physical id",
	    "core id", "apicid", "initial apicid" };
	static const char *const single[] = { "siblings", "cpu cores" };
	FILE *fp = fopen("/proc/cpuinfo", "re");
	struct sbuf blk = { 0 };
	char *line = NULL, *l, *e;
	size_t cap = 0, i, k;
	ssize_t n;
	int cpu, ncpus = sched_ncpus();

	/* The block, with "@" where a number goes: the processor's, or the
	 * count of them. */
	while (fp != NULL && (n = getline(&line, &cap, fp)) > 1) {
		bool done = false;

		k = strcspn(line, "\t:");
		for (i = 0; i < 5 && !done; i++)
			if (k == strlen(one[i]) && strncmp(line, one[i], k) == 0) {
				sb_printf(&blk, "%.*s: @\n",
				    (int)strcspn(line, ":"), line);
				done = true;
			}
		for (i = 0; i < 2 && !done; i++)
			if (k == strlen(single[i]) &&
			    strncmp(line, single[i], k) == 0) {
				sb_printf(&blk, "%.*s: #\n",
				    (int)strcspn(line, ":"), line);
				done = true;
			}
		if (!done)
			sb_add(&blk, line, n);
	}
	free(line);
	if (fp != NULL)
		fclose(fp);
	if (blk.err || blk.len == 0)
		sb_printf(&blk, "processor\t: @\n");
	for (cpu = 0; cpu < ncpus && !s->err && !blk.err; cpu++) {
		for (l = blk.b; *l != '\0'; l = e + 1) {
			e = strchr(l, '\n');
			if (e == NULL)
				e = l + strlen(l) - 1;
			if (e > l && (e[-1] == '@' || e[-1] == '#'))
				sb_printf(s, "%.*s%d\n", (int)(e - l - 1), l,
				    e[-1] == '@' ? cpu : ncpus);
			else
				sb_add(s, l, (size_t)(e - l + 1));
		}
		sb_add(s, "\n", 1);
	}
	kmem_free(blk.b, blk.cap);
}

/* /proc/stat: a line per vCPU (times the vkernel does not keep are 0),
 * boot time, tasks. */
static void
gen_procstat(struct sbuf *s)
{
	struct timespec up, now;
	struct proc *q;
	int cpu, running = 0, all = 0;

	sb_printf(s, "cpu  0 0 0 0 0 0 0 0 0 0\n");
	for (cpu = 0; cpu < sched_ncpus(); cpu++)
		sb_printf(s, "cpu%d 0 0 0 0 0 0 0 0 0 0\n", cpu);
	for (q = proc_first(); q != NULL; q = q->all_next) {
		if (q->torn_down)
			continue;
		all++;
		running += q->state == TASK_RUN;
	}
	clock_gettime(CLOCK_BOOTTIME, &up);
	clock_gettime(CLOCK_REALTIME, &now);
	sb_printf(s, "intr 0\nctxt 0\nbtime %lld\nprocesses %llu\n"
	    "procs_running %d\nprocs_blocked %d\nsoftirq 0\n",
	    (long long)(now.tv_sec - up.tv_sec),
	    (unsigned long long)(vk_totals.procs + vk_totals.threads),
	    running, all - running);
}

/* The vCPUs as /sys's lists say them: "0" or "0-N". */
static void
gen_cpulist(struct sbuf *s)
{
	if (sched_ncpus() == 1)
		sb_printf(s, "0\n");
	else
		sb_printf(s, "0-%d\n", sched_ncpus() - 1);
}

static void
gen_loadavg(struct sbuf *s)
{
	struct proc *q;
	int run = 0, all = 0;
	pid_t last = 0;

	for (q = proc_first(); q != NULL; q = q->all_next) {
		if (q->zombie)
			continue;
		all++;
		run += q->state == TASK_RUN && !q->tg->stopped;
		if (q->pid > last)
			last = q->pid;
	}
	sb_printf(s, "0.00 0.00 0.00 %d/%d %d\n", run, all, (int)last);
}
/* /proc/sysvipc/{shm,sem,msg}: one line per object in Linux's format
 * (ipc/shm.c, sem.c, msg.c's proc_show), as ipcs reads them. */
static void
gen_sysv_shm(struct sbuf *s)
{
	struct ipc_shm_stat st;
	struct ipc_obj *o;
	int pos = 0;

	sb_printf(s, "       key      shmid perms                  size  cpid"
	    "  lpid nattch   uid   gid  cuid  cgid      atime      dtime"
	    "      ctime                   rss                  swap\n");
	for (; (o = ipc_next(IPC_SHM_K, &pos)) != NULL; pos++) {
		ipc_shm_info(o, &st);
		sb_printf(s, "%10d %10d  %4o %21zu %5u %5u  %5zu %5u %5u %5u "
		    "%5u %10llu %10llu %10llu %21zu %21u\n", o->key, o->id,
		    o->mode, st.size, (unsigned)st.cpid, (unsigned)st.lpid,
		    st.nattch, o->uid, o->gid, o->cuid, o->cgid,
		    (unsigned long long)st.atime, (unsigned long long)st.dtime,
		    (unsigned long long)o->ctime, st.rss, 0u);
	}
}

static void
gen_sysv_sem(struct sbuf *s)
{
	struct ipc_obj *o;
	time_t otime;
	int pos = 0, nsems;

	sb_printf(s, "       key      semid perms      nsems   uid   gid  cuid"
	    "  cgid      otime      ctime\n");
	for (; (o = ipc_next(IPC_SEM_K, &pos)) != NULL; pos++) {
		ipc_sem_info(o, &nsems, &otime);
		sb_printf(s, "%10d %10d  %4o %10u %5u %5u %5u %5u %10llu "
		    "%10llu\n", o->key, o->id, o->mode, (unsigned)nsems,
		    o->uid, o->gid, o->cuid, o->cgid,
		    (unsigned long long)otime, (unsigned long long)o->ctime);
	}
}

static void
gen_sysv_msg(struct sbuf *s)
{
	struct ipc_msg_stat st;
	struct ipc_obj *o;
	int pos = 0;

	sb_printf(s, "       key      msqid perms      cbytes       qnum lspid"
	    " lrpid   uid   gid  cuid  cgid      stime      rtime      ctime"
	    "\n");
	for (; (o = ipc_next(IPC_MSG_K, &pos)) != NULL; pos++) {
		ipc_msg_info(o, &st);
		sb_printf(s, "%10d %10d  %4o  %10zu %10zu %5u %5u %5u %5u %5u "
		    "%5u %10llu %10llu %10llu\n", o->key, o->id, o->mode,
		    st.cbytes, st.qnum, (unsigned)st.lspid, (unsigned)st.lrpid,
		    o->uid, o->gid, o->cuid, o->cgid,
		    (unsigned long long)st.stime, (unsigned long long)st.rtime,
		    (unsigned long long)o->ctime);
	}
}

/* The contents of file n: 0, or -errno (ENOENT: its process is gone). */
int
generate(struct proc *p, const struct node *n, struct sbuf *s)
{
	struct proc *q = n->pid ? find(p, n->pid) : NULL;
	struct utsname u;
	struct timespec ts;

	if (n->pid != 0 && q == NULL)
		return -ENOENT;
	switch (n->what) {
	case W_MAPS: gen_maps(q, s); break;
	case W_STATUS: gen_status(p, q, s); break;
	case W_STAT: gen_stat(p, q, s); break;
	case W_STATM: gen_statm(q, s); break;
	case W_CMDLINE: gen_strings(q, false, s); break;
	case W_ENVIRON: gen_strings(q, true, s); break;
	case W_COMM: sb_printf(s, "%s\n", q->comm); break;
	case W_MEMINFO: gen_meminfo(s); break;
	case W_CPUINFO: gen_cpuinfo(s); break;
	case W_LOADAVG: gen_loadavg(s); break;
	case W_PROCSTAT: gen_procstat(s); break;
	case W_CPUONLINE:
	case W_CPUPOSSIBLE:
	case W_CPUPRESENT: gen_cpulist(s); break;
	case W_UPTIME:
		/* CLOCK_BOOTTIME, which the guest can read itself. */
		clock_gettime(CLOCK_BOOTTIME, &ts);
		sb_printf(s, "%lld.%02ld 0.00\n", (long long)ts.tv_sec,
		    ts.tv_nsec / 10000000);
		break;
	case W_FILESYSTEMS:
		sb_printf(s, "nodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\n");
		break;
	case W_OSTYPE: sb_printf(s, "Linux\n"); break;
	case W_OSRELEASE:
		sb_printf(s, "%s\n", uname(&u) == 0 ? u.release : "");
		break;
	case W_HOSTNAME: sb_printf(s, "vkernel\n"); break;
	case W_SVSHM: gen_sysv_shm(s); break;
	case W_SVSEM: gen_sysv_sem(s); break;
	case W_SVMSG: gen_sysv_msg(s); break;
	case W_SHMMAX: sb_printf(s, "%llu\n", IPC_SHMMAX); break;
	case W_SHMALL: sb_printf(s, "%llu\n", IPC_SHMALL); break;
	case W_SHMMNI: sb_printf(s, "%d\n", IPC_SHMMNI); break;
	case W_SEMLIM:
		sb_printf(s, "%d\t%d\t%d\t%d\n", IPC_SEMMSL, IPC_SEMMNS,
		    IPC_SEMOPM, IPC_SEMMNI);
		break;
	case W_MSGMAX: sb_printf(s, "%d\n", IPC_MSGMAX); break;
	case W_MSGMNB: sb_printf(s, "%d\n", IPC_MSGMNB); break;
	case W_MSGMNI: sb_printf(s, "%d\n", IPC_MSGMNI); break;
	case W_MQMSGMAX: sb_printf(s, "%d\n", MQ_MSG_MAX); break;
	case W_MQSIZEMAX: sb_printf(s, "%d\n", MQ_MSGSIZE_MAX); break;
	case W_MQQMAX: sb_printf(s, "%d\n", MQ_QUEUES_MAX); break;
	case W_PTMX: case W_PTS: break;  /* an O_PATH of a pty: no text */
	default: return -ENOENT;
	}
	return s->err;
}
bool
is_specfs_file(const struct file *f)
{
	return f->ops == &snap_ops || f->ops == &dir_ops;
}

static long
snap_pread(struct file *f, void *buf, size_t n, off_t off)
{
	struct snap *sn = f->data;

	if (off < 0)
		return -EINVAL;
	if ((size_t)off >= sn->len)
		return 0;
	if (n > sn->len - (size_t)off)
		n = sn->len - (size_t)off;
	memcpy(buf, sn->text + off, n);
	return (long)n;
}

static long
snap_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	struct snap *sn = f->data;
	long r = snap_pread(f, buf, n, sn->pos);

	(void)p;
	if (r > 0)
		sn->pos += r;
	return r;
}

static long
snap_write(struct file *f, struct proc *p, const void *buf, size_t n)
{
	(void)f, (void)p, (void)buf, (void)n;
	return -EBADF; /* opened read-only, always */
}
/* A file's position is in bytes, a directory's in entries. */

static off_t
snap_lseek(struct file *f, off_t off, int whence)
{
	struct snap *sn = f->data;
	off_t base, end = f->ops == &dir_ops ? (off_t)sn->nents :
	    (off_t)sn->len;

	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = sn->pos; break;
	case SEEK_END: base = end; break;
	default: return -EINVAL;
	}
	if ((off > 0 && base > LLONG_MAX - off) || base + off < 0)
		return -EINVAL;
	return sn->pos = base + off;
}

static int
snap_poll(struct file *f)
{
	(void)f;
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
}

static int
snap_stat(struct file *f, struct stat *st)
{
	*st = ((struct snap *)f->data)->st;
	return 0;
}
/* A snapshot and what it holds, all of it charged to kmem. */
void
snap_free(struct snap *sn)
{
	kmem_free(sn->text, sn->textcap);
	kmem_free(sn->ents, sn->capents * sizeof(*sn->ents));
	kmem_free(sn, sizeof(*sn));
}

static void
snap_close(struct file *f)
{
	struct snap *sn = f->data;

	snap_free(sn);
}

static long
dir_read(struct file *f, struct proc *p, void *buf, size_t n)
{
	(void)f, (void)p, (void)buf, (void)n;
	return -EISDIR;
}
/* Linux's struct linux_dirent64: ino, off, reclen, type, name. */

static long
dir_getdents(struct file *f, void *buf, size_t n)
{
	struct snap *sn = f->data;
	const struct dent *d;
	size_t done = 0, nl, rec;
	int64_t off;
	uint16_t rl;
	char *r;

	while (sn->pos >= 0 && (size_t)sn->pos < sn->nents) {
		d = &sn->ents[sn->pos];
		nl = strlen(d->name);
		rec = (19 + nl + 1 + 7) & ~(size_t)7;
		if (done + rec > n)
			break;
		r = (char *)buf + done;
		off = sn->pos + 1;
		rl = (uint16_t)rec;
		memset(r, 0, rec);
		memcpy(r, &d->ino, 8);
		memcpy(r + 8, &off, 8);
		memcpy(r + 16, &rl, 2);
		r[18] = (char)d->type;
		memcpy(r + 19, d->name, nl);
		done += rec;
		sn->pos++;
	}
	if (done == 0 && sn->pos >= 0 && (size_t)sn->pos < sn->nents)
		return -EINVAL;
	return (long)done;
}
const struct fileops snap_ops = {
	.kind = "specfs",
	.read = snap_read,
	.write = snap_write,
	.pread = snap_pread,
	.lseek = snap_lseek,
	.poll = snap_poll,
	.stat = snap_stat,
	.close = snap_close,
};

const struct fileops dir_ops = {
	.kind = "specfs-dir",
	.read = dir_read,
	.write = snap_write,
	.lseek = snap_lseek,
	.poll = snap_poll,
	.stat = snap_stat,
	.getdents = dir_getdents,
	.close = snap_close,
};

static int
dir_add(struct snap *sn, const char *name, unsigned char type,
    uint64_t ino)
{
	struct dent *e;
	size_t cap = sn->capents ? sn->capents * 2 : 16;

	if (sn->nents == sn->capents) {
		if ((e = kmem_realloc(sn->ents, sn->capents * sizeof(*e),
		    cap * sizeof(*e))) == NULL)
			return -ENOMEM;
		sn->ents = e;
		sn->capents = cap;
	}
	e = &sn->ents[sn->nents++];
	e->ino = ino;
	e->type = type;
	snprintf(e->name, sizeof(e->name), "%s", name);
	return 0;
}

static unsigned char
dtype(enum kind k)
{
	return k == K_DIR ? DT_DIR : k == K_LINK ? DT_LNK :
	    k == K_DEV ? DT_CHR : DT_REG;
}

static int
cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}
/* The live processes' pids (of), or the live threads of process of (its
 * task directory), in order: their count (*out: malloc'd). */
static int
live_pids(struct proc *p, struct proc *of, pid_t **out)
{
	struct proc *q;
	int n = 0;

	if ((*out = malloc((proc_count() + 1) * sizeof(pid_t))) == NULL)
		return -ENOMEM;
	for (q = proc_first(); q != NULL; q = q->all_next)
		if (of != NULL ? q->tg == of->tg && !q->torn_down :
		    q == q->tg->leader && find(p, q->pid) != NULL)
			(*out)[n++] = q->pid;
	qsort(*out, n, sizeof(pid_t), cmp_pid);
	return n;
}
/* Entries named by number: the pids under /proc, the descriptors under
 * /proc/PID/fd. */

static int
list_numbers(struct proc *p, const struct node *d, struct snap *sn)
{
	char name[24], path[PATH_MAX];
	struct proc *q;
	const char *nm;
	pid_t *pids;
	int i, n, fd, found, rc = 0;

	if (d->what == W_PROC || d->what == W_TASKDIR) {
		q = d->what == W_TASKDIR ? find(p, d->pid) : NULL;
		if (d->what == W_TASKDIR && q == NULL)
			return 0;
		if ((n = live_pids(p, q, &pids)) < 0)
			return n;
		for (i = 0; i < n && rc == 0; i++) {
			snprintf(name, sizeof(name), "%d", (int)pids[i]);
			strcpy(path, d->path);
			rc = path_push(path, name);
			rc = rc ? rc : dir_add(sn, name, DT_DIR, ino_of(path));
		}
		free(pids);
		return rc;
	}
	if (d->what == W_SHMDIR) {  /* the objects' names (shm.c) */
		for (nm = shm_next_name(NULL); nm != NULL && rc == 0;
		    nm = shm_next_name(nm)) {
			strcpy(path, d->path);
			rc = path_push(path, nm);
			rc = rc ? rc : dir_add(sn, nm, DT_REG, ino_of(path));
		}
		return rc;
	}
	if (d->what == W_PTSDIR) {  /* the ptys (pty.c) */
		for (i = pty_next(-1); i >= 0 && rc == 0; i = pty_next(i)) {
			snprintf(name, sizeof(name), "%d", i);
			strcpy(path, d->path);
			rc = path_push(path, name);
			rc = rc ? rc : dir_add(sn, name, DT_CHR, ino_of(path));
		}
		return rc;
	}
	if (d->what == W_SYSCPU) {
		for (i = 0; i < sched_ncpus() && rc == 0; i++) {
			snprintf(name, sizeof(name), "cpu%d", i);
			strcpy(path, d->path);
			rc = path_push(path, name);
			rc = rc ? rc : dir_add(sn, name, DT_DIR, ino_of(path));
		}
		return rc;
	}
	if (d->what != W_FDDIR || (q = find(p, d->pid)) == NULL)
		return 0;
	n = fdtab_count(q->fds);
	for (fd = 0, found = 0; found < n && fd < (1 << 24) && rc == 0; fd++) {
		if (fdtab_peek(q->fds, fd) == NULL)
			continue;
		found++;
		snprintf(name, sizeof(name), "%d", fd);
		strcpy(path, d->path);
		rc = path_push(path, name);
		rc = rc ? rc : dir_add(sn, name, DT_LNK, ino_of(path));
	}
	return rc;
}
/* Directory d's entries at this moment: ".", "..", its table, and the
 * numbered ones. */
int
list_dir(struct proc *p, const struct node *d, struct snap *sn)
{
	char path[PATH_MAX], up[PATH_MAX], *sl;
	const struct ent *t;
	size_t n, i;
	int rc;

	snprintf(up, sizeof(up), "%s", d->path);
	sl = strrchr(up, '/');
	sl[sl == up ? 1 : 0] = '\0';
	if ((rc = dir_add(sn, ".", DT_DIR, ino_of(d->path))) != 0 ||
	    (rc = dir_add(sn, "..", DT_DIR, ino_of(up))) != 0)
		return rc;
	t = table(d->what, &n);
	for (i = 0; i < n && rc == 0; i++) {
		strcpy(path, d->path);
		rc = path_push(path, t[i].name);
		rc = rc ? rc : dir_add(sn, t[i].name, dtype(t[i].kind),
		    ino_of(path));
	}
	return rc != 0 ? rc : list_numbers(p, d, sn);
}
