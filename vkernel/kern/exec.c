/* exec.c: execve once its strings are in: the program's path, "#!" scripts, the new address space and what survives exec. */

/*
 * An exec loads the new image into a fresh address space while the old
 * one is still whole, so every failure (a missing file, a bad ELF, E2BIG,
 * out of guest memory) returns an errno to the old image, which goes on.
 * Only a complete load is committed: the old space goes (a vfork parent is
 * let go), the credentials exec computed replace the old (cred.c: set-id
 * bits, capabilities), close-on-exec descriptors close, handled signals
 * reset.
 *
 * Paths are guest paths beneath the -r root (vfs.c), relative ones against
 * the process's own directory; the name /proc/self/exe is the program the
 * process runs.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"
#include "futex.h"
#include "file.h"
#include "vfs.h"

#define MAX_ARG_STRLEN (32 * PAGE_SIZE)  /* one string, as Linux */
#define ARG_BYTES      (2u << 20)        /* all of argv and envp */
#define BINPRM_BUF     256               /* how much of a #! line is read */
#define MAX_INTERP     4                 /* #! scripts running #! scripts */

/*
 * A "#!" line: the interpreter and at most one argument (the rest of the
 * line, blanks trimmed), as Linux's binfmt_script.  0, or -ENOEXEC.
 */
static int
parse_shebang(char *buf, size_t n, char **interp, char **arg)
{
	char *s, *e;

	buf[n] = '\0';
	if ((e = strchr(buf, '\n')) != NULL)
		*e = '\0';
	else if (n == BINPRM_BUF)
		return -ENOEXEC; /* the interpreter's name may be cut short */
	for (s = buf + 2; *s == ' ' || *s == '\t'; s++)
		;
	if (*s == '\0')
		return -ENOEXEC;
	*interp = s;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	*arg = NULL;
	if (*s != '\0') {
		*s++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s != '\0')
			*arg = s;
	}
	return 0;
}

/* Counts a NULL-terminated vector. */
static size_t
vec_len(char *const v[])
{
	size_t n = 0;

	while (v[n] != NULL)
		n++;
	return n;
}

/*
 * An argument vector being built: room for cap strings and the NULL after
 * them, allocated once; argvec_add copies a string in while there is room
 * and fails without writing when there is none, so v stays NULL-terminated
 * whatever is added.
 */
struct argvec {
	char **v;
	size_t n, cap;
};

/* 0, or -ENOMEM (a->v NULL). */
static int
argvec_init(struct argvec *a, size_t cap)
{
	a->n = 0;
	a->cap = cap;
	a->v = cap < SIZE_MAX / sizeof(*a->v) ?
	    calloc(cap + 1, sizeof(*a->v)) : NULL;
	return a->v != NULL ? 0 : -ENOMEM;
}

/* Appends a copy of s: 0, -E2BIG (full: a bug in the count) or -ENOMEM. */
static int
argvec_add(struct argvec *a, const char *s)
{
	if (a->n >= a->cap)
		return -E2BIG;
	if ((a->v[a->n] = strdup(s)) == NULL)
		return -ENOMEM;
	a->n++;
	return 0;
}

/* Frees a vector of strdup'ed strings (NULL: nothing). */
static void
strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/*
 * The argument vector a "#!" script's interpreter gets, as Linux's
 * binfmt_script: argv[0] is dropped and interp, its argument if any and
 * the script's path go first, then argv[1...].  argv has at least one
 * string (proc_exec makes an empty one {""}).  0 with *out set, or -errno.
 */
static int
script_argv(const char *interp, const char *iarg, const char *path,
    char *const argv[], char ***out)
{
	struct argvec a;
	size_t argc = vec_len(argv), i;
	int rc;

	if (argc == 0)
		return -EINVAL;
	if ((rc = argvec_init(&a, 2 + (iarg != NULL) + (argc - 1))) != 0)
		return rc;
	if ((rc = argvec_add(&a, interp)) == 0 && iarg != NULL)
		rc = argvec_add(&a, iarg);
	if (rc == 0)
		rc = argvec_add(&a, path);
	for (i = 1; i < argc && rc == 0; i++)
		rc = argvec_add(&a, argv[i]);
	if (rc != 0) {
		strv_free(a.v);
		return rc;
	}
	*out = a.v;
	return 0;
}

/* What an empty argv becomes, as on Linux since 5.18: programs that
 * start at argv[1] must not walk into envp. */
static char *const empty_argv[] = { "", NULL };

/*
 * The point of no return of an exec: p takes the new image (the address
 * space vm with its first frame, the credentials exec computed, its own
 * descriptor table if it shared one), a vfork parent is let go,
 * close-on-exec descriptors close, handled signals reset, the FPU starts
 * afresh; its name is the one execve was given (execfn: a script's, not
 * its interpreter's, "exe" for /proc/self/exe, as Linux's), and
 * /proc/self/exe the program open at fd (found at gpath).
 */
static void
exec_commit(struct proc *p, struct vmspace *vm, struct ks_thread *kth,
    const struct ks_frame *frame,
    const struct cred_bprm *bprm, struct fdtab *own, const char *execfn,
    int fd, const char *gpath)
{
	char real[PATH_MAX];
	const char *base;

	proc_vfork_release(p);
	futex_exit(p);  /* the robust list and clear_tid, in the old image */
	proc_vm_drop(p);
	p->vm = vm;
	p->kth = kth;
	p->frame = *frame;
	p->cred = bprm->cred;        /* the same groups: no reference moves */
	p->clear_tid = 0;
	p->did_exec = true;
	p->last_fault_addr = 0;
	if (own != NULL) {
		fdtab_free(p->fds);
		p->fds = own;
	}
	fdtab_exec(p->fds);
	sig_exec(p);
	(void)proc_fpu_reset(p); /* p->fpu exists: a copy, nothing to fail */
	base = strrchr(execfn, '/') ? strrchr(execfn, '/') + 1 : execfn;
	memset(p->comm, 0, sizeof(p->comm));
	memcpy(p->comm, base, strnlen(base, sizeof(p->comm) - 1));
	if (vfs_fd_path(fd, real, sizeof(real)) != 0)
		snprintf(real, sizeof(real), "%s", gpath);
	snprintf(p->tg->exe, sizeof(p->tg->exe), "%s", real);
}

int
proc_exec(struct proc *p, const char *path, char *const argv[],
    char *const envp[], char *why, size_t whylen)
{
	char gpath[PATH_MAX], buf[BINPRM_BUF + 1];
	char *interp, *iarg, **nargv = NULL, **old, *name = NULL, *execfn;
	struct vmspace *vm = NULL;
	struct ks_thread *kth;
	struct fdtab *own = NULL;
	struct cred_bprm bprm;
	struct ks_frame frame;
	struct stat st;
	ssize_t n;
	int depth, fd = -1, rc;

	why[0] = '\0';
	if (argv[0] == NULL)
		argv = empty_argv;
	if ((execfn = strdup(path)) == NULL)
		return -ENOMEM;
	for (depth = 0;; depth++) {
		if (strcmp(path, "/proc/self/exe") == 0 && p->tg->exe[0] != '\0')
			path = p->tg->exe;
		if ((rc = vfs_abspath(p, AT_FDCWD, path, gpath)) != 0 ||
		    (rc = fd = vfs_open(gpath, O_RDONLY, 0)) < 0)
			goto out;
		if (faccessat(fd, "", X_OK, AT_EACCESS | AT_EMPTY_PATH) != 0) {
			rc = -errno;
			goto out;
		}
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			rc = -EACCES; /* a directory, a device: not a program */
			goto out;
		}
		if ((n = pread(fd, buf, BINPRM_BUF, 0)) < 0) {
			rc = -errno;
			goto out;
		}
		if (n < 2 || buf[0] != '#' || buf[1] != '!')
			break;
		/* A script: run its interpreter with the script's path. */
		if (depth == MAX_INTERP) {
			rc = -ELOOP;
			goto out;
		}
		if ((rc = parse_shebang(buf, (size_t)n, &interp, &iarg)) != 0) {
			snprintf(why, whylen, "bad #! line");
			goto out;
		}
		/* Strings live in buf/name until the load: copy them.
		 * argv may be the old nargv: freed once copied. */
		old = nargv;
		if ((rc = script_argv(interp, iarg, path, argv, &nargv)) != 0) {
			nargv = old;
			goto out;
		}
		argv = nargv;
		strv_free(old);
		free(name);
		name = strdup(nargv[0]);
		path = name;
		close(fd);
		fd = -1;
		if (path == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if ((rc = vmspace_new(p->ks, &vm)) != 0)
		goto out;
	/* The new credentials (the program's set-id bits, capabilities)
	 * give the auxv its ids and AT_SECURE. */
	cred_exec(&bprm, &p->cred, fd, &st);
	p->bprm = &bprm;
	/* AT_EXECFN is the name execve was given, the outermost script's. */
	rc = elf_load(vm, p, fd, execfn, argv, envp, &frame, why, whylen);
	p->bprm = NULL;
	if (rc != 0)
		goto out;

	/* Past this point the other threads go (Linux's de_thread), then
	 * exec unshares a CLONE_FILES table, as Linux does. */
	if ((rc = proc_exec_alone(p)) != 0)
		goto out;
	if (fdtab_shared(p->fds) && (own = fdtab_copy(p->fds)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}

	if ((rc = vmspace_thread(vm, &kth)) != 0) {
		if (own != NULL)
			fdtab_free(own);
		goto out;
	}
	exec_commit(p, vm, kth, &frame, &bprm, own, execfn, fd, gpath);
	vm = NULL;
	rc = 0;
out:
	if (rc != 0 && why[0] == '\0')
		snprintf(why, whylen, "%s", strerror(-rc));
	if (vm != NULL)
		vmspace_unref(vm);
	if (fd >= 0)
		close(fd);
	strv_free(nargv);
	free(name);
	free(execfn);
	return rc;
}


