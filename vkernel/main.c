/* main.c: the vkernel command line and its start-up, in named steps: options, the root, the host side, guest memory and the shim, pid 1; the -v summary. */

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <libutil.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu_probe.h"
#include "paging.h"
#include "vkernel.h"
#include "trap.h"
#include "sys.h"
#include "file.h"
#include "kmem.h"
#include "console.h"
#include "kcons.h"
#include "knet.h"
#include "lockf.h"
#include "shm.h"
#include "uipc.h"
#include "ipc.h"
#include "mqueue.h"
#include "vfs.h"

#define EX_USAGE 64
#define EX_UNAVAILABLE 69
#define EX_OSERR 71
#define MIN_MEM (4ULL << 20)

extern char **environ;

static struct pidfh *pidfh;
static const char *pidpath;

/* The synopsis; with full (-h) also one line per option and the environment. */
static void
usage(FILE *fp, bool full)
{
	fprintf(fp,
	    "usage: vkernel [-dhv] [-e name=value[:name=value...]] "
	    "[-I none|host|user]\n"
	    "               [-i memfile] [-m size] [-n ncpus] [-p pidfile] "
	    "[-r root]\n"
	    "               program [args ...]\n"
	    "       vkernel -P\n");
	if (full)
		fprintf(fp,
		    "  -d          software paging even where hw paging can run\n"
		    "  -e n=v:...  put variables in the guest's environment\n"
		    "  -h          print this help and exit\n"
		    "  -I net      the guest network: none (default: loopback only, "
		    "a network\n"
		    "              namespace of its own), host (the host's), user "
		    "(outbound\n"
		    "              through pasta, from Debian's passt)\n"
		    "  -i memfile  keep the guest memory image in memfile\n"
		    "  -m size     guest memory, e.g. 64m or 1g (default 256m)\n"
		    "  -n ncpus    guest threads run on up to ncpus vCPUs at once (1 to 256;\n"
		    "              default 1)\n"
		    "  -P          say if hw paging can run here, and why; "
		    "exit 0 if so, 69 if not\n"
		    "  -p pidfile  hold vkernel's pid in pidfile while it runs\n"
		    "  -r root     the guest's / for program and directory paths "
		    "(default /)\n"
		    "  -v          on stderr: paging path and why, unimplemented "
		    "syscalls, summary\n");
	fprintf(fp, "environment: VKERNEL_PAGING=hw|sw|auto (default auto)\n");
}

static void __attribute__((noreturn))
bad_usage(const char *fmt, const char *arg)
{
	if (fmt != NULL) {
		fprintf(stderr, "vkernel: ");
		fprintf(stderr, fmt, arg);
		fprintf(stderr, "\n");
	}
	usage(stderr, false);
	exit(EX_USAGE);
}

/* A fatal host signal to the vkernel: its stubs die with it (PDEATHSIG). */
static void
on_signal(int sig)
{
	if (pidpath != NULL)
		unlink(pidpath);
	kcons_restore();
	_exit(128 + sig);
}

/* SIGHUP with a console: the guest's session hears of the hangup (and
 * the vkernel ends when its guest does); without one, as on_signal. */
static void
on_hangup(int sig)
{
	if (console_tty() != NULL)
		console_hangup();
	else
		on_signal(sig);
}

/* The page allocator's announcement of fresh pages, passed to the shim. */
static void
prefault(void *ks, gpa_t gpa, size_t len)
{
	vk.ops->prefault(ks, gpa, len);
}

/* Guest environment: ours, with -e name=value pairs added or replacing. */
static char **
guest_env(char **extra, size_t nextra)
{
	size_t n = 0, i, j, k;
	char **env;

	while (environ[n])
		n++;
	if ((env = calloc(n + nextra + 1, sizeof(*env))) == NULL)
		err(EX_OSERR, "calloc");
	for (i = 0, k = 0; i < n; i++) {
		for (j = 0; j < nextra; j++) {
			size_t len = strchr(extra[j], '=') - extra[j] + 1;
			if (strncmp(environ[i], extra[j], len) == 0)
				break;
		}
		if (j == nextra)
			env[k++] = environ[i];
	}
	for (j = 0; j < nextra; j++)
		env[k++] = extra[j];
	env[k] = NULL;
	return env;
}

/* Finds prog in $PATH when it has no slash, like a shell. */
static const char *
find_program(const char *prog)
{
	static char buf[4096];
	const char *path = getenv("PATH"), *s, *e;

	if (strchr(prog, '/') != NULL || path == NULL)
		return prog;
	for (s = path; *s; s = *e ? e + 1 : e) {
		e = strchrnul(s, ':');
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(e - s),
		    e == s ? "." : s, prog);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return prog;
}

static void
banner(const struct cpu_features *f, const char *paging, const char *why)
{
	struct vm_page_stats ps;
	char mem[8], kvm[256];

	vm_page_stats(&ps);
	humanize_number(mem, sizeof(mem), (int64_t)vm_phys_size(), "B",
	    HN_AUTOSCALE, HN_NOSPACE | HN_IEC_PREFIXES);
	vk_log("cpu: %s \"%s\": svm %s, npt %s, vmx %s, ept %s, ept a/d %s",
	    cpu_vendor_name(f->vendor), f->brand, f->svm ? "yes" : "no",
	    f->npt ? "yes" : "no", f->vmx ? "yes" : "no",
	    f->ept ? "yes" : "no", f->ept_ad ? "yes" : "no");
	cpu_kvm_describe(f, kvm, sizeof(kvm));
	vk_log("kvm: %s", kvm);
	vk_log("paging: %s (%s)", paging, why);
	vk_log("memory: %s (%zu pages, %zu free)", mem, ps.total, ps.free);
	vk_log("vCPUs: %d (-n), each a host thread%s", vk.ncpus,
	    vk.ncpus > 1 ? " running guest code in parallel" : "");
	vk_log("network: %s (-I)", knet_describe());
}

/*
 * What guests may make the vkernel hold beside their memory, from -m
 * (docs/design.md, "The vkernel's own memory"): the kernel memory budget
 * (processes, files, pipes, snapshots, bounce buffers) is a quarter of
 * guest memory plus 16 MiB; open files are limited as Linux's file-max
 * is (a tenth of memory at 1 KiB a file, at least 8192) and to half the
 * vkernel's host descriptors (the other half is for the stubs and the
 * vkernel itself).  pids and RLIMIT_NPROC follow the host's.
 */
static void
guest_limits(size_t mem, const struct rlimit *nofile)
{
	size_t files = mem / 10240 > 8192 ? mem / 10240 : 8192;

	kmem_set_limit(mem / 4 + (16ULL << 20));
	/* Shared memory objects hold a host descriptor each, out of the
	 * half left to the vkernel: an eighth of them at most. */
	shm_set_limit(mem, nofile->rlim_cur == RLIM_INFINITY ? SHM_MAX :
	    nofile->rlim_cur / 8);
	if (nofile->rlim_cur != RLIM_INFINITY && files > nofile->rlim_cur / 2)
		files = nofile->rlim_cur / 2;
	file_set_max(files);
	proc_limits_init();
}

/* Pages in use before the first process: what must be in use after. */
static size_t page_baseline;
/* When the vCPUs started running tasks (mono_ns). */
static uint64_t run_start_ns;

/* After every process ended: what they did, and what came back. */
static void
summary(struct ks *ks, const struct ks_ops *ops)
{
	int status = proc_init_status();
	struct vm_page_stats ps;
	struct vm_meta_stats ms;
	struct vm_file_stats fs;
	struct vm_budget km;
	struct ks_stats st;
	uint64_t held, waited, waits, run = mono_ns() - run_start_ns;

	ops->stats(ks, &st);
	vk_lock_stats(&held, &waited, &waits);
	vm_page_stats(&ps);
	vm_meta_stats(&ms);
	if (WIFSIGNALED(status))
		vk_log("exit: pid 1 killed by signal %d", WTERMSIG(status));
	else
		vk_log("exit: pid 1 status %d", WEXITSTATUS(status));
	if (st.shootdowns > 0 || st.ipis > 0)
		vk_log("shootdowns: %llu, vCPUs kicked for them: %llu",
		    (unsigned long long)st.shootdowns,
		    (unsigned long long)st.ipis);
	/* What the big lock serialised: the vkernel's own work, across all
	 * vCPUs, against the time tasks ran. */
	vk_log("big lock: held %.1f ms of %.1f ms run (%.1f%%); vCPUs waited "
	    "%.1f ms for it (%llu waits)", held / 1e6, run / 1e6,
	    run ? 100.0 * held / run : 0.0, waited / 1e6,
	    (unsigned long long)waits);
	vk_log("guest processes: %llu, threads: %llu",
	    (unsigned long long)vk_totals.procs,
	    (unsigned long long)vk_totals.threads);
	vk_log("guest page faults: %llu", (unsigned long long)vk_totals.nfaults);
	vk_log("guest syscalls: %llu (%llu unimplemented)",
	    (unsigned long long)vk_totals.nsyscalls,
	    (unsigned long long)vk_totals.nenosys);
	syscall_report();
	vk_log("host mapping requests: %llu in %llu batches",
	    (unsigned long long)st.map_requests,
	    (unsigned long long)st.map_batches);
	vk_log("host syscalls for the guest: %llu",
	    (unsigned long long)(st.host_syscalls + vk_totals.nhostcalls));
	vk_log("guest entries: %llu", (unsigned long long)st.runs);
	if (st.mappings_limit > 0)
		vk_log("stub: %llu mapping calls checked, host mappings peak "
		    "%llu of %llu allowed, %llu stub restarts",
		    (unsigned long long)st.checks,
		    (unsigned long long)st.mappings_peak,
		    (unsigned long long)st.mappings_limit,
		    (unsigned long long)st.restarts);
	vk_log("pages: %zu peak, %zu free of %zu", ps.peak, ps.free, ps.total);
	vk_log("pages after exit: %zu used, baseline %zu", ps.used,
	    page_baseline);
	vk_log("vm metadata: %zu bytes, %zu peak, limit %zu", ms.bytes, ms.peak,
	    ms.limit);
	kmem_stats(&km);
	vk_log("kernel memory: %zu bytes, %zu peak, limit %zu (%llu refused)",
	    km.bytes, km.peak, km.limit, (unsigned long long)km.denied);
	vm_file_stats(&fs);
	vk_log("page cache: %zu pages, %zu peak, %llu read in, %llu written "
	    "back, %llu evicted", fs.pages, fs.peak,
	    (unsigned long long)fs.reads, (unsigned long long)fs.writes,
	    (unsigned long long)fs.evicted);
}

/* What the command line asked for. */
struct opts {
	bool force_sw, probe;
	const char *memfile;
	uint64_t mem;
	int ncpus;                   /* -n */
	enum knet_mode net;          /* -I */
	char **extra;                /* -e name=value, in order */
	size_t nextra;
};

/* -e name=value[:name=value...] */
static void
add_env(struct opts *o, char *arg)
{
	for (char *s = strtok(arg, ":"); s; s = strtok(NULL, ":")) {
		if (strchr(s, '=') == NULL || s[0] == '=')
			bad_usage("-e %s: expected name=value", s);
		o->extra = reallocarray(o->extra, o->nextra + 1,
		    sizeof(*o->extra));
		if (o->extra == NULL)
			err(EX_OSERR, "reallocarray");
		o->extra[o->nextra++] = s;
	}
}

/* Parses the options into *o and vk; the program and its arguments are
 * left in argv from optind on.  -h and bad usage end the vkernel here. */
static void
parse_args(int argc, char *argv[], struct opts *o)
{
	long ncpus;
	char *end;
	int ch;

	while ((ch = getopt(argc, argv, "+de:hI:i:m:n:Pp:r:v")) != -1) {
		switch (ch) {
		case 'd':
			o->force_sw = true;
			break;
		case 'e':
			add_env(o, optarg);
			break;
		case 'h':
			usage(stdout, true);
			exit(0);
		case 'I':
			if (strcmp(optarg, "none") == 0)
				o->net = KNET_NONE;
			else if (strcmp(optarg, "host") == 0)
				o->net = KNET_HOST;
			else if (strcmp(optarg, "user") == 0)
				o->net = KNET_USER;
			else
				bad_usage("-I %s: expected none, host or user",
				    optarg);
			break;
		case 'i':
			o->memfile = optarg;
			break;
		case 'm':
			if (optarg[0] < '0' || optarg[0] > '9' ||
			    expand_number(optarg, &o->mem) != 0 || o->mem == 0)
				bad_usage("-m %s: expected a size like 256m", optarg);
			if (o->mem < MIN_MEM)
				bad_usage("-m %s: at least 4m is needed", optarg);
			o->mem = round_page(o->mem);
			vk.memsize_arg = optarg;
			break;
		case 'n':
			ncpus = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || ncpus < 1 ||
			    ncpus > VK_MAXCPU)
				bad_usage("-n %s: expected 1 to 256 cpus", optarg);
			o->ncpus = (int)ncpus;
			break;
		case 'P':
			o->probe = true;
			break;
		case 'p':
			pidpath = optarg;
			break;
		case 'r':
			vk.root = optarg;
			break;
		case 'v':
			vk.verbose = true;
			break;
		default:
			bad_usage(NULL, NULL);
		}
	}
}

/* -P: the answer VKERNEL_PAGING=hw would get, and nothing else. */
static int
probe_only(void)
{
	struct cpu_features feat;
	char why[256];
	int rc;

	cpu_probe(&feat);
	rc = paging_probe(&feat, why, sizeof(why));
	printf("%s\n", why);
	return rc;
}

/* -r: the guest's root, a directory, opened beneath which every guest
 * path is resolved.  0 or EX_USAGE with one line. */
static int
open_root(void)
{
	char why[256];
	struct stat st;

	if (stat(vk.root, &st) != 0) {
		vk_log("-r %s: %s", vk.root, strerror(errno));
		return EX_USAGE;
	}
	if (!S_ISDIR(st.st_mode)) {
		vk_log("-r %s: not a directory", vk.root);
		return EX_USAGE;
	}
	if (vfs_init(vk.root, why, sizeof(why)) != 0) {
		vk_log("-r %s: %s", vk.root, why);
		return EX_USAGE;
	}
	return 0;
}

/* The host side of the vkernel process: the pidfile (-p), as many host
 * descriptors as the host allows (each guest process holds a few: on sw,
 * its stub's pidfd, listener, maps file and memfd), the signals that end
 * it.  0 or EX_OSERR; *nofile is the descriptor limit now. */
static int
host_setup(struct rlimit *nofile)
{
	pid_t other;

	if (pidpath != NULL) {
		if ((pidfh = pidfile_open(pidpath, 0600, &other)) == NULL) {
			if (errno == EEXIST)
				vk_log("-p %s: already running as pid %d",
				    pidpath, (int)other);
			else
				vk_log("-p %s: %s", pidpath, strerror(errno));
			return EX_OSERR;
		}
		pidfile_write(pidfh);
	}
	if (getrlimit(RLIMIT_NOFILE, nofile) == 0 &&
	    nofile->rlim_cur < nofile->rlim_max) {
		nofile->rlim_cur = nofile->rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, nofile);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_hangup);
	return 0;
}

/* Guest memory (-m, -i), the budgets set from it, and the paging path's
 * shim backend: 0 and *ksp, or EX_UNAVAILABLE with one line. */
static int
machine_setup(const struct opts *o, const struct ks_ops *ops,
    const struct rlimit *nofile, struct ks **ksp)
{
	struct ks_mem image;
	char why[256];
	int rc;

	if (vm_phys_init(o->mem, o->memfile, why, sizeof(why)) != 0) {
		vk_log("-m %s: %s", vk.memsize_arg, why);
		return EX_UNAVAILABLE;
	}
	vk.memsize = o->mem;
	/* VM metadata budget: a node's worth (512 bytes) per guest page, plus
	 * 8 MiB, enough for VM_MAP_MAX_ENTRIES entries and their objects. */
	vm_meta_set_limit(o->mem / 8 + (8ULL << 20));
	guest_limits(o->mem, nofile);
	vk.ops = ops;
	image = (struct ks_mem){ .fd = vm_phys_fd(), .size = o->mem,
	    .ncpus = o->ncpus };
	if (ops->resv_pages > 0 && (image.resv = vm_page_reserve(
	    ops->resv_pages + (size_t)o->ncpus * ops->resv_pages_per_cpu)) ==
	    0) {
		vk_log("-m %s: too small for the %s backend", vk.memsize_arg,
		    ops->name);
		return EX_UNAVAILABLE;
	}
	if (ops->init(ksp, &image, why, sizeof(why)) != 0) {
		vk_log("%s backend: %s", ops->name, why);
		return EX_UNAVAILABLE;
	}
	if (ops->prefault != NULL)
		vm_phys_set_prefault(prefault, *ksp);
	if ((rc = proc_fpu_init(*ksp)) != 0) {
		vk_log("%s backend: cannot read the vCPU's FPU state: %s",
		    ops->name, strerror(-rc));
		return EX_UNAVAILABLE;
	}
	return 0;
}

/* ---- the vCPU threads ---- */

static pthread_t vcpu_threads[VK_MAXCPU];
static struct ks *vcpu_ks;
static const struct ks_ops *vcpu_ops;

/* vCPU cpu's thread: its timer, its identity, its vCPU, the scheduler. */
static void *
vcpu_main(void *arg)
{
	int cpu = (int)(intptr_t)arg;
	char why[160];

	clock_init(cpu);
	cred_thread_init();
	if (vcpu_ops->cpu_start != NULL &&
	    vcpu_ops->cpu_start(vcpu_ks, cpu, why, sizeof(why)) != 0) {
		vk_log("vCPU %d: %s", cpu, why);
		return NULL;
	}
	vk_lock();
	sched_run(cpu);
	vk_unlock();
	clock_fini();
	return NULL;
}

/* vCPU 0 is the calling thread; the others start here (the big lock
 * held: they wait for it).  0, or EX_OSERR with one line. */
static int
vcpus_start(struct ks *ks, const struct ks_ops *ops)
{
	char why[160];
	int i, rc;

	vcpu_ks = ks;
	vcpu_ops = ops;
	if (ops->cpu_start != NULL && ops->cpu_start(ks, 0, why,
	    sizeof(why)) != 0) {
		vk_log("vCPU 0: %s", why);
		return EX_OSERR;
	}
	for (i = 1; i < vk.ncpus; i++)
		if ((rc = pthread_create(&vcpu_threads[i], NULL, vcpu_main,
		    (void *)(intptr_t)i)) != 0) {
			vk_log("cannot start vCPU %d: %s", i, strerror(rc));
			return EX_OSERR;
		}
	return 0;
}

/* Once no task is left: every vCPU thread has stopped. */
static void
vcpus_join(void)
{
	int i;

	vk_unlock();
	for (i = 1; i < vk.ncpus; i++)
		pthread_join(vcpu_threads[i], NULL);
	vk_lock();
}

/*
 * The guest kernel's start: the host timer, the record locks' hooks, the
 * scheduler's (the trap loop is every task's body), then pid 1 running
 * prog.  0 and *initp, or the exit status with one line: 127 (no
 * program), 126 (not one we run), 137 (no memory), EX_OSERR.
 */
static int
start_init(struct ks *ks, const char *prog, char *argv[], struct proc **initp)
{
	char why[160];
	struct proc *init;
	int rc;

	clock_init(0);
	lockf_init();
	if (sched_init(&(struct sched_hooks){ .body = trap_run,
	    .done = proc_task_done, .signal_pending = proc_signal_pending },
	    vk.ncpus) != 0) {
		vk_log("out of memory");
		return EX_OSERR;
	}
	if ((rc = proc_create_init(&init, ks, strrchr(prog, '/') ?
	    strrchr(prog, '/') + 1 : prog)) != 0) {
		vk_log("cannot create the guest process: %s", strerror(-rc));
		return EX_OSERR;
	}
	if ((rc = console_attach(init)) != 0) {
		vk_log("cannot give the guest its console: %s", strerror(-rc));
		return EX_OSERR;
	}
	if ((rc = proc_exec(init, prog, argv, vk.env, why, sizeof(why))) != 0) {
		vk_log("%s: %s", prog, why);
		proc_vm_drop(init);
		proc_table_fini();
		return rc == -ENOENT || rc == -ENOTDIR ? 127 :
		    rc == -ENOMEM ? 137 : 126;
	}
	if ((rc = sched_add(init)) != 0) {
		vk_log("cannot start the guest process: %s", strerror(-rc));
		return EX_OSERR;
	}
	*initp = init;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct opts o = { .mem = 256ULL << 20, .ncpus = 1 };
	struct rlimit nofile = { RLIM_INFINITY, RLIM_INFINITY };
	struct cpu_features feat;
	struct vm_page_stats ps;
	const struct ks_ops *ops;
	struct ks *ks = NULL;
	enum vk_paging path;
	struct proc *init;
	const char *prog;
	char why[256];
	int rc;

	vk.memsize_arg = "256m";
	vk.root = "/";
	parse_args(argc, argv, &o);
	vk.ncpus = o.ncpus;
	argc -= optind;
	argv += optind;
	if (o.probe) {
		if (argc > 0)
			bad_usage("-P takes no program", NULL);
		return probe_only();
	}
	if (argc < 1)
		bad_usage("no program given", NULL);

	cpu_probe(&feat);
	rc = paging_choose(&feat, getenv("VKERNEL_PAGING"), o.force_sw, &path,
	    &ops, why, sizeof(why));
	if (rc == EX_USAGE)
		bad_usage("%s", why);
	if (rc != 0) {
		vk_log("%s", why);
		return rc;
	}
	if ((rc = open_root()) != 0)
		return rc;
	prog = find_program(argv[0]);
	if ((rc = host_setup(&nofile)) != 0)
		return rc;
	/* The guest network's factory is forked now, while the vkernel is
	 * small and has one thread; without a namespace AF_INET is EACCES,
	 * said in one line, never the host's network instead. */
	if (knet_init(o.net, why, sizeof(why)) != 0) {
		vk_log("%s", why);
		if (o.net == KNET_USER) {
			rc = EX_UNAVAILABLE;
			goto out;
		}
	}
	if ((rc = machine_setup(&o, ops, &nofile, &ks)) != 0)
		goto out;
	/* The host terminal, if stdin is one, becomes the guest's console. */
	if (console_init(0, 1, why, sizeof(why)) < 0) {
		vk_log("%s", why);
		rc = EX_OSERR;
		goto out;
	}
	if (vk.verbose)
		banner(&feat, path == VK_PAGING_HW ? "hw" : "sw", why);
	vm_page_stats(&ps);
	page_baseline = ps.used;
	vk.env = guest_env(o.extra, o.nextra);

	/* The vCPU threads: this one and -n minus one more, each holding
	 * the big lock but while it runs guest code or waits on the host
	 * (sched.c), running tasks until none is left. */
	vk_lock();
	if ((rc = start_init(ks, prog, argv, &init)) != 0)
		goto out;
	run_start_ns = mono_ns();
	if ((rc = vcpus_start(ks, ops)) != 0)
		goto out;
	sched_run(0);
	vcpus_join();
	console_fini();
	cred_host_own(); /* the vkernel's own work from here on (the pidfile) */
	rc = WIFSIGNALED(proc_init_status()) ?
	    128 + WTERMSIG(proc_init_status()) :
	    WEXITSTATUS(proc_init_status());
	/* IPC objects live past their processes; they go before the
	 * summary counts the pages left. */
	ipc_sem_fini();
	ipc_msg_fini();
	ipc_shm_fini();
	mqueue_fini();
	if (vk.verbose)
		summary(ks, ops);
	proc_table_fini();
	uipc_fini(); /* rights still in flight, round a cycle or not */
out:
	if (ks != NULL)
		ops->fini(ks);
	knet_fini();
	vm_phys_fini();
	if (pidfh != NULL)
		pidfile_remove(pidfh);
	return rc;
}
