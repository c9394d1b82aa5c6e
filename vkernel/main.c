/* main.c: the vkernel command line: parse options, set up memory and the shim, run the guest. */

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
#include "lockf.h"
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
	    "usage: vkernel [-dhv] [-e name=value[:name=value...]] [-i memfile] "
	    "[-m size]\n"
	    "               [-n ncpus] [-p pidfile] [-r root] program [args ...]\n"
	    "       vkernel -P\n");
	if (full)
		fprintf(fp,
		    "  -d          software paging even where hw paging can run\n"
		    "  -e n=v:...  put variables in the guest's environment\n"
		    "  -h          print this help and exit\n"
		    "  -i memfile  keep the guest memory image in memfile\n"
		    "  -m size     guest memory, e.g. 64m or 1g (default 256m)\n"
		    "  -n ncpus    accepted (1 to 256), but the guest gets one vCPU\n"
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
	_exit(128 + sig);
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
	if (nofile->rlim_cur != RLIM_INFINITY && files > nofile->rlim_cur / 2)
		files = nofile->rlim_cur / 2;
	file_set_max(files);
	proc_limits_init();
}

/* Pages in use before the first process: what must be in use after. */
static size_t page_baseline;

/* After every process ended: what they did, and what came back. */
static void
summary(const struct proc *init, struct ks *ks, const struct ks_ops *ops)
{
	struct vm_page_stats ps;
	struct vm_meta_stats ms;
	struct vm_file_stats fs;
	struct vm_budget km;
	struct ks_stats st;

	ops->stats(ks, &st);
	vm_page_stats(&ps);
	vm_meta_stats(&ms);
	if (WIFSIGNALED(init->status))
		vk_log("exit: pid %d killed by signal %d", init->pid,
		    WTERMSIG(init->status));
	else
		vk_log("exit: pid %d status %d", init->pid,
		    WEXITSTATUS(init->status));
	vk_log("guest processes: %llu", (unsigned long long)vk_totals.procs);
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

int
main(int argc, char *argv[])
{
	struct cpu_features feat;
	const struct ks_ops *ops;
	enum vk_paging path;
	char why[256], **extra = NULL;
	const char *memfile = NULL, *prog;
	size_t nextra = 0;
	uint64_t mem = 256ULL << 20;
	struct ks *ks = NULL;
	struct ks_mem image;
	struct proc *init;
	struct rlimit nofile = { RLIM_INFINITY, RLIM_INFINITY };
	struct stat st;
	bool force_sw = false, probe = false;
	int ch, rc, status;
	long ncpus = 1;
	char *end;

	vk.memsize_arg = "256m";
	vk.root = "/";
	while ((ch = getopt(argc, argv, "+de:hi:m:n:Pp:r:v")) != -1) {
		switch (ch) {
		case 'd':
			force_sw = true;
			break;
		case 'e':
			for (char *s = strtok(optarg, ":"); s; s = strtok(NULL, ":")) {
				if (strchr(s, '=') == NULL || s[0] == '=')
					bad_usage("-e %s: expected name=value", s);
				extra = reallocarray(extra, nextra + 1,
				    sizeof(*extra));
				if (extra == NULL)
					err(EX_OSERR, "reallocarray");
				extra[nextra++] = s;
			}
			break;
		case 'h':
			usage(stdout, true);
			return 0;
		case 'i':
			memfile = optarg;
			break;
		case 'm':
			if (optarg[0] < '0' || optarg[0] > '9' ||
			    expand_number(optarg, &mem) != 0 || mem == 0)
				bad_usage("-m %s: expected a size like 256m", optarg);
			if (mem < MIN_MEM)
				bad_usage("-m %s: at least 4m is needed", optarg);
			mem = round_page(mem);
			vk.memsize_arg = optarg;
			break;
		case 'n':
			ncpus = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || ncpus < 1 ||
			    ncpus > 256)
				bad_usage("-n %s: expected 1 to 256 cpus", optarg);
			break;
		case 'P':
			probe = true;
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
	argc -= optind;
	argv += optind;
	if (probe) {
		/* Probe only: the answer VKERNEL_PAGING=hw would get. */
		if (argc > 0)
			bad_usage("-P takes no program", NULL);
		cpu_probe(&feat);
		rc = paging_probe(&feat, why, sizeof(why));
		printf("%s\n", why);
		return rc;
	}
	if (argc < 1)
		bad_usage("no program given", NULL);
	(void)ncpus; /* one vCPU until SMP guests exist */

	cpu_probe(&feat);
	rc = paging_choose(&feat, getenv("VKERNEL_PAGING"), force_sw, &path,
	    &ops, why, sizeof(why));
	if (rc == EX_USAGE)
		bad_usage("%s", why);
	if (rc != 0) {
		vk_log("%s", why);
		return rc;
	}
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
	prog = find_program(argv[0]);
	if (pidpath != NULL) {
		pid_t other;

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
	/* Each guest process holds a few host descriptors (on sw, its stub's
	 * pidfd, listener, maps file and memfd): allow what the host allows. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 &&
	    nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &nofile);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	rc = EX_UNAVAILABLE;
	if (vm_phys_init(mem, memfile, why, sizeof(why)) != 0) {
		vk_log("-m %s: %s", vk.memsize_arg, why);
		goto out;
	}
	vk.memsize = mem;
	/* VM metadata budget: a node's worth (512 bytes) per guest page, plus
	 * 8 MiB, enough for VM_MAP_MAX_ENTRIES entries and their objects. */
	vm_meta_set_limit(mem / 8 + (8ULL << 20));
	guest_limits(mem, &nofile);
	vk.ops = ops;
	image = (struct ks_mem){ .fd = vm_phys_fd(), .size = mem };
	if (ops->resv_pages > 0 &&
	    (image.resv = vm_page_reserve(ops->resv_pages)) == 0) {
		vk_log("-m %s: too small for the %s backend", vk.memsize_arg,
		    ops->name);
		goto out;
	}
	if (ops->init(&ks, &image, why, sizeof(why)) != 0) {
		vk_log("%s backend: %s", ops->name, why);
		goto out;
	}
	if (ops->prefault != NULL)
		vm_phys_set_prefault(prefault, ks);
	if ((rc = proc_fpu_init(ks)) != 0) {
		vk_log("%s backend: cannot read the vCPU's FPU state: %s",
		    ops->name, strerror(-rc));
		rc = EX_UNAVAILABLE;
		goto out;
	}
	if (vk.verbose)
		banner(&feat, path == VK_PAGING_HW ? "hw" : "sw", why);
	{
		struct vm_page_stats ps;

		vm_page_stats(&ps);
		page_baseline = ps.used;
	}
	vk.env = guest_env(extra, nextra);

	/* The vCPU thread: it holds the big lock but while it waits on the
	 * host (sched.c), and runs every task until none is left. */
	pthread_mutex_lock(&vk_biglock);
	clock_init();
	lockf_init();
	sched_init(&(struct sched_hooks){ .body = trap_run,
	    .done = proc_task_done, .signal_pending = proc_signal_pending });
	if ((rc = proc_create_init(&init, ks, strrchr(prog, '/') ?
	    strrchr(prog, '/') + 1 : prog)) != 0) {
		vk_log("cannot create the guest process: %s", strerror(-rc));
		rc = EX_OSERR;
		goto out;
	}
	if ((rc = proc_exec(init, prog, argv, vk.env, why, sizeof(why))) != 0) {
		vk_log("%s: %s", prog, why);
		rc = rc == -ENOENT || rc == -ENOTDIR ? 127 :
		    rc == -ENOMEM ? 137 : 126;
		vmspace_unref(init->vm);
		init->vm = NULL;
		proc_table_fini();
		goto out;
	}
	if ((rc = sched_add(init)) != 0) {
		vk_log("cannot start the guest process: %s", strerror(-rc));
		rc = EX_OSERR;
		goto out;
	}
	sched_run();
	cred_host_own(); /* the vkernel's own work from here on (the pidfile) */
	status = init->status;
	rc = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	if (vk.verbose)
		summary(init, ks, ops);
	proc_table_fini();
out:
	if (ks != NULL)
		ops->fini(ks);
	vm_phys_fini();
	if (pidfh != NULL)
		pidfile_remove(pidfh);
	return rc;
}
