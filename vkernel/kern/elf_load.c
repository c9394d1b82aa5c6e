/* elf_load.c: loads an x86-64 ELF (static, static-pie, or dynamic with its PT_INTERP interpreter) with libelf into an address space and builds its initial stack. */

#include <cpuid.h>
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"
#include "vfs.h"

#define MAX_PHDRS 64
/* Linux's bound on the program headers (load_elf_phdrs), which ours is
 * within. */
_Static_assert(MAX_PHDRS * sizeof(Elf64_Phdr) <= 65536,
    "MAX_PHDRS past Linux's 64 KiB of program headers");
#define ARG_MAX_BYTES (2u << 20)

static int
elf_prot(uint32_t flags)
{
	return (flags & PF_R ? KS_PROT_READ : 0) |
	    (flags & PF_W ? KS_PROT_WRITE : 0) |
	    (flags & PF_X ? KS_PROT_EXEC : 0);
}

/* A parsed ELF file: its header and program headers (GElf's are the
 * ELF64 structures). */
struct elf_image {
	GElf_Ehdr eh;
	GElf_Phdr ph[MAX_PHDRS];
	size_t nph;
	off_t fsize;
	int interp;     /* index of the PT_INTERP header, or -1 */
};

/* Checks the ELF header im->eh (the file's first n bytes, at most its
 * size); NULL if it is a program of ours, else the reason. */
static const char *
elf_check_ehdr(const struct elf_image *im, size_t n)
{
	const Elf64_Ehdr *eh = &im->eh;

	if (n < SELFMAG || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return "not an ELF file";
	if (n < EI_NIDENT)
		return "truncated ELF header";
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return "not a 64-bit ELF (wrong class)";
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return "not little-endian";
	if (n < sizeof(*eh))
		return "truncated ELF header";
	if (eh->e_machine != EM_X86_64)
		return "not an x86-64 program (wrong machine)";
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return "not an executable (wrong ELF type)";
	/* Linux's load_elf_phdrs bounds, and ours: PN_XNUM (the count in
	 * section 0) is past its 64 KiB of headers, so ENOEXEC there too. */
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return "corrupt program headers (bad e_phentsize)";
	if (eh->e_phnum == 0 || eh->e_phnum == PN_XNUM ||
	    eh->e_phnum > MAX_PHDRS)
		return "corrupt program headers (bad e_phnum)";
	if (eh->e_phoff > (uint64_t)im->fsize ||
	    eh->e_phnum * sizeof(Elf64_Phdr) > (uint64_t)im->fsize -
	    eh->e_phoff)
		return "corrupt program headers (outside the file)";
	return NULL;
}

/* Checks the program headers im->ph[0..nph); NULL if they describe a
 * program we can load, else the reason.  Sets im->interp. */
static const char *
elf_check_phdrs(struct elf_image *im)
{
	const Elf64_Phdr *ph = im->ph;
	uint64_t fsize = (uint64_t)im->fsize;
	size_t i, nload = 0;

	im->interp = -1;
	for (i = 0; i < im->nph; i++) {
		if (ph[i].p_type == PT_INTERP && im->interp < 0) {
			/* Linux's bounds: a NUL-terminated path, < PATH_MAX. */
			if (ph[i].p_filesz < 2 || ph[i].p_filesz > PATH_MAX ||
			    ph[i].p_offset > fsize ||
			    ph[i].p_filesz > fsize - ph[i].p_offset)
				return "corrupt PT_INTERP (bad size or outside "
				    "the file)";
			im->interp = (int)i;
		}
		if (ph[i].p_type != PT_LOAD)
			continue;
		nload++;
		if (ph[i].p_filesz > ph[i].p_memsz ||
		    ph[i].p_offset > fsize ||
		    ph[i].p_filesz > fsize - ph[i].p_offset)
			return "corrupt segment (outside the file)";
		if (ph[i].p_memsz > KS_USER_MAX ||
		    ph[i].p_vaddr > KS_USER_MAX - ph[i].p_memsz ||
		    (ph[i].p_vaddr - ph[i].p_offset) % PAGE_SIZE != 0)
			return "corrupt segment (bad address or alignment)";
	}
	if (nload == 0)
		return "no loadable segment";
	return NULL;
}

/*
 * Parses the headers with libelf from img, a copy of exactly their bytes:
 * the ELF header with no section table (e_shoff, e_shnum, e_shstrndx
 * cleared) and the len bytes of program headers right after it.  libelf
 * then never reads, and never allocates for, what a file's sections
 * claim.  Fills im->ph (im->eh is the file's own header, e_phoff
 * included, which AT_PHDR may need); NULL, or the reason.
 */
static const char *
elf_parse(struct elf_image *im, char *img, size_t len)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	const char *bad = NULL;
	GElf_Ehdr g;
	size_t i, n;
	Elf *e;

	eh->e_phoff = sizeof(*eh);
	eh->e_shoff = 0;
	eh->e_shnum = 0;
	eh->e_shstrndx = SHN_UNDEF;
	if (elf_version(EV_CURRENT) == EV_NONE ||
	    (e = elf_memory(img, sizeof(*eh) + len)) == NULL)
		return "not an ELF file (libelf)";
	if (elf_kind(e) != ELF_K_ELF || gelf_getehdr(e, &g) == NULL ||
	    g.e_entry != im->eh.e_entry || elf_getphdrnum(e, &n) != 0 ||
	    n != im->nph)
		bad = "corrupt ELF header (libelf)";
	for (i = 0; bad == NULL && i < n; i++)
		if (gelf_getphdr(e, (int)i, &im->ph[i]) == NULL)
			bad = "corrupt program headers (libelf)";
	elf_end(e);
	return bad;
}

/*
 * Reads and checks the headers of the ELF file open at fd into *im: the
 * ELF header and the program headers, exactly their bytes and nothing
 * else (sections play no part in loading, as in Linux's binfmt_elf, so
 * what they claim costs nothing), parsed by libelf from that copy.  0,
 * -EACCES (not a regular file), -EIO or -ENOEXEC, with the reason in why.
 */
static int
elf_read(int fd, struct elf_image *im, char *why, size_t whylen)
{
	char img[sizeof(Elf64_Ehdr) + MAX_PHDRS * sizeof(Elf64_Phdr)]
	    __attribute__((aligned(8)));
	struct stat st;
	const char *bad;
	size_t len;
	ssize_t n;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		return -EACCES;
	}
	im->fsize = st.st_size;
	memset(&im->eh, 0, sizeof(im->eh));
	if ((n = pread(fd, &im->eh, sizeof(im->eh), 0)) < 0)
		goto io;
	if ((bad = elf_check_ehdr(im, (size_t)n)) != NULL)
		goto noexec;
	im->nph = im->eh.e_phnum;
	len = im->nph * sizeof(Elf64_Phdr); /* inside the file: checked */
	memcpy(img, &im->eh, sizeof(im->eh));
	if ((n = pread(fd, img + sizeof(im->eh), len,
	    (off_t)im->eh.e_phoff)) < 0)
		goto io;
	if ((size_t)n != len) { /* the file shrank since fstat */
		bad = "corrupt program headers (outside the file)";
		goto noexec;
	}
	if ((bad = elf_parse(im, img, len)) != NULL ||
	    (bad = elf_check_phdrs(im)) != NULL)
		goto noexec;
	return 0;
io:
	snprintf(why, whylen, "cannot read the ELF headers: %s",
	    strerror(errno));
	return -EIO;
noexec:
	snprintf(why, whylen, "not an x86-64 ELF executable: %s", bad);
	return -ENOEXEC;
}

/*
 * Maps one PT_LOAD segment at bias as Linux's elf_map does: the pages that
 * hold file bytes map the file privately through the page cache (so a
 * program or interpreter run by many processes is resident once, and its
 * pages are copied only where written), from the page holding the
 * segment's first byte (a page shared with the previous segment gets the
 * same file bytes it had); the rest of a .bss's last file page is zeroed
 * by a write that copies that page (as Linux's padzero), and the pages
 * past the file part are anonymous zero-fill.
 */
static int
elf_load_seg(struct vmspace *vm, int fd, const Elf64_Phdr *ph, gva_t bias)
{
	gva_t va = bias + ph->p_vaddr;
	gva_t start = trunc_page(va), end = round_page(va + ph->p_memsz);
	gva_t fend = round_page(va + ph->p_filesz), fdata = va + ph->p_filesz;
	int prot = elf_prot(ph->p_flags), rw = KS_PROT_READ | KS_PROT_WRITE;
	static const char zeros[PAGE_SIZE];
	struct vm_object *fobj;
	int err = 0, rc;

	if (ph->p_filesz == 0)
		return vm_map_anon(&vm->map, start, end - start, prot, 0, true);
	if ((fobj = vm_file_get(fd, (ph->p_offset - (va - start) +
	    (fend - start)) / PAGE_SIZE, &err)) == NULL)
		return err;
	/* Writable until the .bss tail is zeroed; its own prot after. */
	rc = vm_map_file(&vm->map, start, fend - start, prot | rw,
	    KS_PROT_READ | KS_PROT_WRITE | KS_PROT_EXEC, 0, true, fobj,
	    (ph->p_offset - (va - start)) / PAGE_SIZE);
	vm_object_unref(fobj);
	if (rc != 0)
		return rc;
	if (ph->p_memsz > ph->p_filesz && fdata < fend &&
	    (rc = vm_copyout(vm, fdata, zeros, fend - fdata)) != 0)
		return rc;
	if ((rc = vm_map_protect(&vm->map, start, fend - start, prot)) != 0)
		return rc;
	return end > fend ?
	    vm_map_anon(&vm->map, fend, end - fend, prot, 0, true) : 0;
}

/* Where a loaded program starts and what its auxv says about it. */
struct elf_entry {
	gva_t phdr;      /* AT_PHDR: the main program's headers, mapped */
	size_t phnum;    /* AT_PHNUM */
	gva_t entry;     /* AT_ENTRY: the main program's entry */
	gva_t base;      /* AT_BASE: the interpreter's load address, or 0 */
	gva_t start;     /* the first instruction: the interpreter's entry,
	                    or the program's own without one */
};

/*
 * Builds argv, envp and auxv on a fresh stack, as Linux's execve does.
 * No AT_SYSINFO_EHDR: there is no vDSO, and glibc and musl then make
 * real system calls for the clocks.  No AT_MINSIGSTKSZ: glibc then sizes
 * signal stacks from CPUID, as on kernels before 5.14.
 */
static int
elf_stack(struct vmspace *vm, const struct proc *p, const char *path,
    char *const argv[], char *const envp[], const struct elf_entry *ent,
    struct ks_frame *frame)
{
	size_t argc = 0, envc = 0, i, strbytes = 0, nwords, off;
	gva_t sp = VK_STACK_TOP, strp, randp, platp, execfnp;
	uint64_t *words;
	unsigned int a, b, c, d;
	uint8_t rnd[16];
	int rc;

	rc = vm_map_anon(&vm->map, VK_STACK_TOP - VK_STACK_SIZE, VK_STACK_SIZE,
	    KS_PROT_READ | KS_PROT_WRITE, VM_ENTRY_GROWSDOWN, true);
	if (rc != 0)
		return rc;
	while (argv[argc])
		strbytes += strlen(argv[argc++]) + 1;
	while (envp[envc])
		strbytes += strlen(envp[envc++]) + 1;
	strbytes += strlen(path) + 1 + sizeof("x86_64");
	if (strbytes > ARG_MAX_BYTES)
		return -E2BIG;

	/* Strings at the top: execfn, platform, random bytes, then env, argv. */
	sp -= strlen(path) + 1;
	execfnp = sp;
	if ((rc = vm_copyout(vm, sp, path, strlen(path) + 1)) != 0)
		return rc;
	sp -= sizeof("x86_64");
	platp = sp;
	if ((rc = vm_copyout(vm, sp, "x86_64", sizeof("x86_64"))) != 0)
		return rc;
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	sp -= sizeof(rnd);
	randp = sp;
	if ((rc = vm_copyout(vm, sp, rnd, sizeof(rnd))) != 0)
		return rc;
	strp = sp - (strbytes - strlen(path) - 1 - sizeof("x86_64"));
	sp = strp & ~15ULL;

	/* argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL. */
	nwords = 1 + argc + 1 + envc + 1 + 2 * 20;
	if ((words = calloc(nwords, sizeof(*words))) == NULL)
		return -ENOMEM;
	off = 0;
	words[off++] = argc;
	vm->arg_start = strp;
	for (i = 0; i < argc; i++) {
		words[off++] = strp;
		rc |= vm_copyout(vm, strp, argv[i], strlen(argv[i]) + 1);
		strp += strlen(argv[i]) + 1;
	}
	words[off++] = 0;
	vm->arg_end = vm->env_start = strp;
	for (i = 0; i < envc; i++) {
		words[off++] = strp;
		rc |= vm_copyout(vm, strp, envp[i], strlen(envp[i]) + 1);
		strp += strlen(envp[i]) + 1;
	}
	vm->env_end = strp;
	words[off++] = 0;
	__cpuid(1, a, b, c, d);
#define AUX(k, v) do { words[off++] = (k); words[off++] = (v); } while (0)
	AUX(AT_PHDR, ent->phdr);
	AUX(AT_PHENT, sizeof(Elf64_Phdr));
	AUX(AT_PHNUM, ent->phnum);
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_BASE, ent->base);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, ent->entry);
	AUX(AT_UID, cred_aux(&p->cred, p->bprm, AT_UID));
	AUX(AT_EUID, cred_aux(&p->cred, p->bprm, AT_EUID));
	AUX(AT_GID, cred_aux(&p->cred, p->bprm, AT_GID));
	AUX(AT_EGID, cred_aux(&p->cred, p->bprm, AT_EGID));
	AUX(AT_SECURE, cred_aux(&p->cred, p->bprm, AT_SECURE));
	AUX(AT_CLKTCK, 100);
	AUX(AT_HWCAP, d);
	AUX(AT_HWCAP2, 0);
	AUX(AT_RANDOM, randp);
	AUX(AT_PLATFORM, platp);
	AUX(AT_EXECFN, execfnp);
	AUX(AT_NULL, 0);
#undef AUX
	sp -= off * sizeof(*words);
	sp &= ~15ULL;
	if (rc == 0)
		rc = vm_copyout(vm, sp, words, off * sizeof(*words));
	free(words);
	if (rc != 0)
		return rc;

	memset(frame, 0, sizeof(*frame));
	frame->rsp = sp;
	frame->rip = ent->start;
	frame->rflags = 0x202;
	return 0;
}

/*
 * Maps every PT_LOAD of im (open at fd) at bias.  *end is the highest
 * address a segment covers; *phdr the address of the program headers
 * (PT_PHDR, else the segment holding e_phoff), 0 if none is mapped.
 */
static int
elf_map(struct vmspace *vm, int fd, const struct elf_image *im, gva_t bias,
    gva_t *phdr, gva_t *end)
{
	const Elf64_Phdr *ph = im->ph;
	size_t i;
	int rc = 0;

	*phdr = *end = 0;
	for (i = 0; i < im->nph && rc == 0; i++) {
		if (ph[i].p_type == PT_PHDR)
			*phdr = bias + ph[i].p_vaddr;
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (*phdr == 0 && ph[i].p_offset <= im->eh.e_phoff &&
		    im->eh.e_phoff - ph[i].p_offset < ph[i].p_filesz)
			*phdr = bias + ph[i].p_vaddr + im->eh.e_phoff -
			    ph[i].p_offset;
		rc = elf_load_seg(vm, fd, &ph[i], bias);
		if (bias + ph[i].p_vaddr + ph[i].p_memsz > *end)
			*end = bias + ph[i].p_vaddr + ph[i].p_memsz;
	}
	return rc;
}

/* The page-aligned span [*lo, *hi) of im's PT_LOADs (unbiased), and the
 * alignment to load it at: the largest p_align, a power of two of at most
 * 2 MiB, and at least a page. */
static void
elf_span(const struct elf_image *im, gva_t *lo, gva_t *hi, gva_t *align)
{
	size_t i;

	*lo = KS_USER_MAX;
	*hi = 0;
	*align = PAGE_SIZE;
	for (i = 0; i < im->nph; i++) {
		const Elf64_Phdr *ph = &im->ph[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (trunc_page(ph->p_vaddr) < *lo)
			*lo = trunc_page(ph->p_vaddr);
		if (round_page(ph->p_vaddr + ph->p_memsz) > *hi)
			*hi = round_page(ph->p_vaddr + ph->p_memsz);
		if (ph->p_align > *align && ph->p_align <= (2u << 20) &&
		    (ph->p_align & (ph->p_align - 1)) == 0)
			*align = ph->p_align;
	}
}

/* The interpreter's path from im's PT_INTERP into out (PATH_MAX + 1
 * bytes): 0, -EIO, or -ENOEXEC (not NUL-terminated, or empty). */
static int
elf_interp_path(int fd, const struct elf_image *im, char *out)
{
	const Elf64_Phdr *ph = &im->ph[im->interp];
	size_t n = ph->p_filesz; /* 2..PATH_MAX, inside the file: elf_check */

	if (pread(fd, out, n, (off_t)ph->p_offset) != (ssize_t)n)
		return -EIO;
	if (out[n - 1] != '\0' || out[0] == '\0')
		return -ENOEXEC;
	return 0;
}

/*
 * Loads the interpreter named by the main program's PT_INTERP, as Linux's
 * load_elf_interp: opened beneath the guest root (relative to p's
 * directory if relative), executable, an x86-64 ET_DYN with no PT_INTERP
 * of its own, placed as high in the mmap area as it fits (where Linux's
 * top-down mmap base puts it, so the guest's own mmaps go below it).  Sets
 * ent->base and ent->start.  0, or -errno with why set: ENOENT and EACCES
 * as open and exec say them, ENOEXEC for a malformed interpreter.
 */
static int
elf_load_interp(struct vmspace *vm, struct proc *p, int fd,
    const struct elf_image *main, struct elf_entry *ent, char *why,
    size_t whylen)
{
	char ipath[PATH_MAX + 1], gpath[PATH_MAX], r[160];
	struct elf_image *im;
	gva_t lo, hi, align, at, end, phdr;
	int ifd = -1, rc;

	if ((rc = elf_interp_path(fd, main, ipath)) != 0) {
		snprintf(why, whylen, "not an x86-64 ELF executable: %s",
		    rc == -EIO ? "cannot read PT_INTERP" :
		    "PT_INTERP is not a NUL-terminated path");
		return -ENOEXEC;
	}
	if ((im = malloc(sizeof(*im))) == NULL)
		return -ENOMEM;
	r[0] = '\0';
	if ((rc = vfs_abspath(p, AT_FDCWD, ipath, gpath)) != 0 ||
	    (rc = ifd = vfs_open(gpath, O_RDONLY, 0)) < 0)
		goto out;
	if (faccessat(ifd, "", X_OK, AT_EACCESS | AT_EMPTY_PATH) != 0) {
		rc = -errno;
		goto out;
	}
	if ((rc = elf_read(ifd, im, r, sizeof(r))) != 0)
		goto out;
	rc = -ENOEXEC;
	if (im->interp >= 0) {
		snprintf(r, sizeof(r), "it has an interpreter of its own");
		goto out;
	}
	if (im->eh.e_type != ET_DYN) {
		snprintf(r, sizeof(r), "not a shared object (ET_DYN)");
		goto out;
	}
	elf_span(im, &lo, &hi, &align);
	if ((rc = vm_map_findspace(&vm->map, KS_USER_MIN, VK_MMAP_TOP,
	    hi - lo + align - PAGE_SIZE, &at)) != 0) {
		snprintf(r, sizeof(r), "too large for the mmap area");
		rc = -ENOEXEC;
		goto out;
	}
	at = (at + align - 1) & ~(align - 1);
	ent->base = at;
	ent->start = at - lo + im->eh.e_entry;
	if ((rc = elf_map(vm, ifd, im, at - lo, &phdr, &end)) != 0)
		snprintf(r, sizeof(r), "cannot load: %s", rc == -ENOMEM ?
		    "out of guest memory" : "segments overlap");
	if (rc == -EEXIST || rc == -EINVAL)
		rc = -ENOEXEC;
out:
	if (rc != 0)
		snprintf(why, whylen, "interpreter %s: %s", ipath,
		    r[0] != '\0' ? r : strerror(-rc));
	if (ifd >= 0)
		close(ifd);
	free(im);
	return rc;
}

int
elf_load(struct vmspace *vm, struct proc *p, int fd, const char *path,
    char *const argv[], char *const envp[], struct ks_frame *frame,
    char *why, size_t whylen)
{
	struct elf_image *im;
	struct elf_entry ent = { 0 };
	gva_t bias = 0, end = 0;
	int rc;

	if ((im = malloc(sizeof(*im))) == NULL)
		return -ENOMEM;
	if ((rc = elf_read(fd, im, why, whylen)) != 0)
		goto out;
	if (im->eh.e_type == ET_DYN)
		bias = VK_PIE_BASE;
	rc = elf_map(vm, fd, im, bias, &ent.phdr, &end);
	ent.phnum = im->nph;
	ent.entry = ent.start = bias + im->eh.e_entry;
	if (rc == 0 && im->interp >= 0 &&
	    (rc = elf_load_interp(vm, p, fd, im, &ent, why, whylen)) != 0)
		goto out;
	if (rc == 0)
		rc = elf_stack(vm, p, path, argv, envp, &ent, frame);
	if (rc != 0) {
		snprintf(why, whylen, "cannot load: %s", rc == -ENOMEM ?
		    "out of guest memory" : rc == -EEXIST || rc == -EINVAL ?
		    "segments overlap or lie outside the user range" :
		    strerror(-rc));
		rc = rc == -EEXIST || rc == -EINVAL ? -ENOEXEC : rc;
		goto out;
	}
	vm->brk_base = vm->brk_end = round_page(end);
out:
	free(im);
	return rc;
}
