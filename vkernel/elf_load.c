/* elf_load.c: loads a static or static-pie x86-64 ELF with libelf into an address space and builds its initial stack. */

#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vkernel.h"

#define MAX_PHDRS 64
#define ARG_MAX_BYTES (2u << 20)

static int
elf_prot(uint32_t flags)
{
	return (flags & PF_R ? KS_PROT_READ : 0) |
	    (flags & PF_W ? KS_PROT_WRITE : 0) |
	    (flags & PF_X ? KS_PROT_EXEC : 0);
}

/* Checks the headers; NULL if runnable, else the reason. */
static const char *
elf_check(Elf *e, off_t fsize, GElf_Ehdr *eh, GElf_Phdr *ph, size_t *nph)
{
	const char *id;
	size_t i, n, nload = 0;

	if (elf_kind(e) != ELF_K_ELF)
		return "not an ELF file";
	if ((id = elf_getident(e, NULL)) == NULL || fsize < EI_NIDENT)
		return "truncated ELF header";
	if (id[EI_CLASS] != ELFCLASS64)
		return "not a 64-bit ELF (wrong class)";
	if (id[EI_DATA] != ELFDATA2LSB)
		return "not little-endian";
	if (gelf_getehdr(e, eh) == NULL || fsize < (off_t)sizeof(Elf64_Ehdr))
		return "truncated ELF header";
	if (eh->e_machine != EM_X86_64)
		return "not an x86-64 program (wrong machine)";
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return "not an executable (wrong ELF type)";
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return "corrupt program headers (bad e_phentsize)";
	if (elf_getphdrnum(e, &n) != 0 || n == 0 || n > MAX_PHDRS ||
	    eh->e_phoff > (uint64_t)fsize ||
	    n * sizeof(Elf64_Phdr) > (uint64_t)fsize - eh->e_phoff)
		return "corrupt program headers (outside the file)";
	for (i = 0; i < n; i++) {
		if (gelf_getphdr(e, (int)i, &ph[i]) == NULL)
			return "corrupt program headers";
		if (ph[i].p_type == PT_INTERP)
			return "dynamically linked (PT_INTERP): only static "
			    "programs are supported yet";
		if (ph[i].p_type != PT_LOAD)
			continue;
		nload++;
		if (ph[i].p_filesz > ph[i].p_memsz ||
		    ph[i].p_offset > (uint64_t)fsize ||
		    ph[i].p_filesz > (uint64_t)fsize - ph[i].p_offset)
			return "corrupt segment (outside the file)";
		if (ph[i].p_memsz > KS_USER_MAX ||
		    ph[i].p_vaddr > KS_USER_MAX - ph[i].p_memsz ||
		    (ph[i].p_vaddr - ph[i].p_offset) % PAGE_SIZE != 0)
			return "corrupt segment (bad address or alignment)";
	}
	if (nload == 0)
		return "no loadable segment";
	*nph = n;
	return NULL;
}

/*
 * Maps and fills one PT_LOAD segment at bias.  Like mmap of the file, the
 * first page also gets the file bytes before p_vaddr, so a page shared with
 * the previous segment keeps that segment's contents.
 */
static int
elf_load_seg(struct vmspace *vm, int fd, const GElf_Phdr *ph, gva_t bias)
{
	gva_t va = bias + ph->p_vaddr;
	gva_t start = trunc_page(va), end = round_page(va + ph->p_memsz);
	size_t lead = va - start, n = lead + ph->p_filesz;
	char *buf;
	int rc;

	rc = vm_map_anon(&vm->map, start, end - start,
	    KS_PROT_READ | KS_PROT_WRITE, 0, true);
	if (rc != 0)
		return rc;
	if (ph->p_filesz > 0) {
		if ((buf = malloc(n)) == NULL)
			return -ENOMEM;
		if (pread(fd, buf, n, ph->p_offset - lead) != (ssize_t)n)
			rc = -EIO;
		else
			rc = vm_copyout_force(vm, start, buf, n);
		free(buf);
		if (rc != 0)
			return rc;
	}
	return vm_map_protect(&vm->map, start, end - start, elf_prot(ph->p_flags));
}

/* Builds argv, envp and auxv on a fresh stack, as Linux's execve does. */
static int
elf_stack(struct vmspace *vm, const char *path, char *const argv[],
    char *const envp[], const GElf_Ehdr *eh, gva_t phdr, size_t phnum,
    gva_t bias, struct ks_frame *frame)
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
	AUX(AT_PHDR, phdr);
	AUX(AT_PHENT, sizeof(Elf64_Phdr));
	AUX(AT_PHNUM, phnum);
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_BASE, 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, bias + eh->e_entry);
	AUX(AT_UID, getuid());
	AUX(AT_EUID, geteuid());
	AUX(AT_GID, getgid());
	AUX(AT_EGID, getegid());
	AUX(AT_SECURE, 0);
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
	frame->rip = bias + eh->e_entry;
	frame->rflags = 0x202;
	return 0;
}

int
elf_load(struct vmspace *vm, int fd, const char *path, char *const argv[],
    char *const envp[], struct ks_frame *frame, char *why, size_t whylen)
{
	GElf_Phdr ph[MAX_PHDRS];
	GElf_Ehdr eh;
	struct stat st;
	const char *bad;
	gva_t bias = 0, phdr = 0, end = 0;
	size_t nph = 0, i;
	Elf *e = NULL;
	int rc;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		return -EACCES;
	}
	if (elf_version(EV_CURRENT) == EV_NONE ||
	    (e = elf_begin(fd, ELF_C_READ, NULL)) == NULL) {
		snprintf(why, whylen, "not an x86-64 ELF executable: %s",
		    elf_errmsg(-1));
		return -ENOEXEC;
	}
	if ((bad = elf_check(e, st.st_size, &eh, ph, &nph)) != NULL) {
		snprintf(why, whylen, "not an x86-64 ELF executable: %s", bad);
		elf_end(e);
		return -ENOEXEC;
	}
	if (eh.e_type == ET_DYN)
		bias = VK_PIE_BASE;
	for (i = 0, rc = 0; i < nph && rc == 0; i++) {
		if (ph[i].p_type == PT_PHDR)
			phdr = bias + ph[i].p_vaddr;
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (phdr == 0 && ph[i].p_offset <= eh.e_phoff &&
		    eh.e_phoff - ph[i].p_offset < ph[i].p_filesz)
			phdr = bias + ph[i].p_vaddr + eh.e_phoff - ph[i].p_offset;
		rc = elf_load_seg(vm, fd, &ph[i], bias);
		if (bias + ph[i].p_vaddr + ph[i].p_memsz > end)
			end = bias + ph[i].p_vaddr + ph[i].p_memsz;
	}
	elf_end(e);
	if (rc == 0)
		rc = elf_stack(vm, path, argv, envp, &eh, phdr, nph, bias, frame);
	if (rc != 0) {
		snprintf(why, whylen, "cannot load: %s", rc == -ENOMEM ?
		    "out of guest memory" : rc == -EEXIST || rc == -EINVAL ?
		    "segments overlap or lie outside the user range" :
		    strerror(-rc));
		return rc == -EEXIST || rc == -EINVAL ? -ENOEXEC : rc;
	}
	vm->brk_base = vm->brk_end = round_page(end);
	return 0;
}
