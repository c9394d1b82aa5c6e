/* cpu_probe.c: host CPU vendor, SVM/NPT, VMX/EPT and /dev/kvm detection. */
#include "cpu_probe.h"

#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CPUID_1_ECX_VMX		(1u << 5)
#define CPUID_80000001_ECX_SVM	(1u << 2)
#define CPUID_8000000A_EDX_NP	(1u << 0)
#define KVM_API_WANTED		12

/* Copies the 12-byte vendor string of leaf 0 (EBX, EDX, ECX) into out[13]. */
static void
vendor_id(const struct cpu_cpuid *l0, char out[13])
{
	memcpy(out, &l0->ebx, 4);
	memcpy(out + 4, &l0->edx, 4);
	memcpy(out + 8, &l0->ecx, 4);
	out[12] = '\0';
}

void
cpu_decode(const struct cpu_cpuid_set *ids, const struct cpu_host_flags *hf,
    struct cpu_features *f)
{
	uint32_t maxext;

	memset(f, 0, sizeof(*f));
	vendor_id(&ids->l0, f->vendor_id);
	if (strcmp(f->vendor_id, "AuthenticAMD") == 0)
		f->vendor = CPU_VENDOR_AMD;
	else if (strcmp(f->vendor_id, "GenuineIntel") == 0)
		f->vendor = CPU_VENDOR_INTEL;
	else
		f->vendor = CPU_VENDOR_OTHER;
	memcpy(f->brand, ids->brand, sizeof(f->brand));
	f->brand[sizeof(f->brand) - 1] = '\0';

	/* AMD: CPUID is authoritative; leaves past the maximum are ignored. */
	maxext = ids->l80000000.eax;
	if (maxext >= 0x80000001)
		f->svm = (ids->l80000001.ecx & CPUID_80000001_ECX_SVM) != 0;
	if (f->svm && maxext >= 0x8000000A)
		f->npt = (ids->l8000000a.edx & CPUID_8000000A_EDX_NP) != 0;

	/* Intel: EPT lives in VMX MSRs, so trust what the host kernel says. */
	if (ids->l0.eax >= 1)
		f->vmx = (ids->l1.ecx & CPUID_1_ECX_VMX) != 0;
	if (f->vmx) {
		f->ept = hf->cpuinfo_ept || hf->kvm_intel_ept == 1;
		f->ept_ad = f->ept &&
		    (hf->cpuinfo_ept_ad || hf->kvm_intel_ept_ad == 1);
	}

	/* KVM: which module, and whether it runs guests with shadow paging. */
	f->kvm_module = hf->kvm_module;
	f->kvm_np_off = (f->npt && hf->kvm_amd_npt == 0) ||
	    (f->ept && hf->kvm_intel_ept == 0);
}

void
cpu_read_cpuid(struct cpu_cpuid_set *ids)
{
	struct cpu_cpuid *c;
	uint32_t leaf;
	char *p;

	memset(ids, 0, sizeof(*ids));
	__cpuid(0, ids->l0.eax, ids->l0.ebx, ids->l0.ecx, ids->l0.edx);
	if (ids->l0.eax >= 1)
		__cpuid_count(1, 0, ids->l1.eax, ids->l1.ebx, ids->l1.ecx,
		    ids->l1.edx);
	c = &ids->l80000000;
	__cpuid(0x80000000, c->eax, c->ebx, c->ecx, c->edx);
	if (c->eax < 0x80000000 || c->eax > 0x8000ffff)
		memset(c, 0, sizeof(*c));	/* no extended leaves at all */
	if (ids->l80000000.eax >= 0x80000001) {
		c = &ids->l80000001;
		__cpuid(0x80000001, c->eax, c->ebx, c->ecx, c->edx);
	}
	if (ids->l80000000.eax >= 0x8000000A) {
		c = &ids->l8000000a;
		__cpuid(0x8000000A, c->eax, c->ebx, c->ecx, c->edx);
	}
	if (ids->l80000000.eax >= 0x80000004) {
		p = ids->brand;
		for (leaf = 0x80000002; leaf <= 0x80000004; leaf++) {
			struct cpu_cpuid b;

			__cpuid(leaf, b.eax, b.ebx, b.ecx, b.edx);
			memcpy(p, &b.eax, 4);
			memcpy(p + 4, &b.ebx, 4);
			memcpy(p + 8, &b.ecx, 4);
			memcpy(p + 12, &b.edx, 4);
			p += 16;
		}
		ids->brand[48] = '\0';
		/* Trim the padding some CPUs put around the brand string. */
		for (p = ids->brand + strlen(ids->brand);
		    p > ids->brand && p[-1] == ' '; p--)
			p[-1] = '\0';
		for (p = ids->brand; *p == ' '; p++)
			;
		memmove(ids->brand, p, strlen(p) + 1);
	}
}

/* Reads a module boolean parameter: 1 for Y/1, 0 for N/0, -1 if missing or odd. */
static int
read_param(const char *prefix, const char *path)
{
	char buf[512];
	FILE *fp;
	int c;

	snprintf(buf, sizeof(buf), "%s%s", prefix, path);
	if ((fp = fopen(buf, "re")) == NULL)
		return (-1);
	c = fgetc(fp);
	fclose(fp);
	if (c == 'Y' || c == 'y' || c == '1')
		return (1);
	if (c == 'N' || c == 'n' || c == '0')
		return (0);
	return (-1);
}

/* Sets the cpuinfo_* flags from the first "flags" line of ${prefix}/proc/cpuinfo. */
static void
read_cpuinfo_flags(const char *prefix, struct cpu_host_flags *hf)
{
	char path[512], *line = NULL, *p, *tok, *save;
	size_t cap = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/proc/cpuinfo", prefix);
	if ((fp = fopen(path, "re")) == NULL)
		return;
	while (getline(&line, &cap, fp) != -1) {
		if (strncmp(line, "flags", 5) != 0 ||
		    (line[5] != ' ' && line[5] != '\t' && line[5] != ':'))
			continue;
		if ((p = strchr(line, ':')) == NULL)
			continue;
		for (tok = strtok_r(p + 1, " \t\n", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t\n", &save)) {
			if (strcmp(tok, "ept") == 0)
				hf->cpuinfo_ept = true;
			else if (strcmp(tok, "ept_ad") == 0)
				hf->cpuinfo_ept_ad = true;
			else if (strcmp(tok, "npt") == 0)
				hf->cpuinfo_npt = true;
		}
		break;
	}
	free(line);
	fclose(fp);
}

/* Which KVM module is loaded: the one of kvm_amd, kvm_intel, kvm_pvm with a
 * directory under ${prefix}/sys/module; none or several is unknown. */
static enum cpu_kvm_module
read_kvm_module(const char *prefix)
{
	static const enum cpu_kvm_module mods[] = {
		CPU_KVM_AMD, CPU_KVM_INTEL, CPU_KVM_PVM,
	};
	enum cpu_kvm_module found = CPU_KVM_UNKNOWN;
	char path[512];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(path, sizeof(path), "%s/sys/module/%s", prefix,
		    cpu_kvm_module_name(mods[i]));
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if (found != CPU_KVM_UNKNOWN)
			return (CPU_KVM_UNKNOWN);
		found = mods[i];
	}
	return (found);
}

void
cpu_read_host_flags(const char *prefix, struct cpu_host_flags *hf)
{
	memset(hf, 0, sizeof(*hf));
	read_cpuinfo_flags(prefix, hf);
	hf->kvm_intel_ept = read_param(prefix,
	    "/sys/module/kvm_intel/parameters/ept");
	hf->kvm_intel_ept_ad = read_param(prefix,
	    "/sys/module/kvm_intel/parameters/eptad");
	if (hf->kvm_intel_ept_ad == -1)
		hf->kvm_intel_ept_ad = read_param(prefix,
		    "/sys/module/kvm_intel/parameters/enable_ept_ad_bits");
	hf->kvm_amd_npt = read_param(prefix,
	    "/sys/module/kvm_amd/parameters/npt");
	hf->kvm_module = read_kvm_module(prefix);
}

void
cpu_probe(struct cpu_features *f)
{
	struct cpu_cpuid_set ids;
	struct cpu_host_flags hf;
	struct stat st;
	int fd, ver;

	cpu_read_cpuid(&ids);
	cpu_read_host_flags("", &hf);
	cpu_decode(&ids, &hf, f);

	if (stat("/dev/kvm", &st) == -1) {
		if (errno == ENOENT)
			snprintf(f->kvm_why, sizeof(f->kvm_why), "no /dev/kvm");
		else
			snprintf(f->kvm_why, sizeof(f->kvm_why),
			    "/dev/kvm: %s", strerror(errno));
		return;
	}
	f->kvm_dev = true;
	if ((fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)) == -1) {
		snprintf(f->kvm_why, sizeof(f->kvm_why), "/dev/kvm: %s",
		    strerror(errno));
		return;
	}
	ver = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (ver == -1)
		snprintf(f->kvm_why, sizeof(f->kvm_why),
		    "KVM_GET_API_VERSION: %s", strerror(errno));
	else if (ver != KVM_API_WANTED)
		snprintf(f->kvm_why, sizeof(f->kvm_why),
		    "KVM API version %d, need %d", ver, KVM_API_WANTED);
	else
		f->kvm_usable = true;
	close(fd);
}

bool
cpu_nested_paging(const struct cpu_features *f, char *why, size_t whylen)
{
	const char *cpu, *mod, *hw = NULL;
	char buf[192];

	/* What the CPU lacks, if anything. */
	if (f->npt) {
		cpu = NULL;
		hw = "AMD NPT";
	} else if (f->ept) {
		cpu = NULL;
		hw = f->ept_ad ? "Intel EPT with A/D bits" : "Intel EPT";
	} else if (f->svm)
		cpu = "CPU has SVM but no NPT";
	else if (f->vmx)
		cpu = "CPU has VMX but no EPT";
	else
		cpu = "CPU has no SVM or VMX";

	mod = cpu_kvm_module_name(f->kvm_module);
	if (!f->kvm_usable)
		snprintf(buf, sizeof(buf), "%s", f->kvm_why[0] != '\0' ?
		    f->kvm_why : f->kvm_dev ? "/dev/kvm not usable" :
		    "no /dev/kvm");
	else if (f->kvm_module == CPU_KVM_PVM)
		snprintf(buf, sizeof(buf), "/dev/kvm is %s, a paravirtual KVM "
		    "without nested paging%s%s", mod, cpu ? ": " : "",
		    cpu ? cpu : "");
	else if (cpu != NULL && f->kvm_module != CPU_KVM_UNKNOWN)
		snprintf(buf, sizeof(buf), "/dev/kvm is %s without nested "
		    "paging: %s", mod, cpu);
	else if (cpu != NULL)
		snprintf(buf, sizeof(buf), "/dev/kvm without nested paging: %s",
		    cpu);
	else if (f->kvm_np_off)
		snprintf(buf, sizeof(buf), "/dev/kvm is %s without nested "
		    "paging: its %s parameter is off", f->npt ? "kvm_amd" :
		    "kvm_intel", f->npt ? "npt" : "ept");
	else {
		if (whylen > 0)
			snprintf(why, whylen, "%s", hw);
		return (true);
	}
	if (whylen > 0)
		snprintf(why, whylen, "%s", buf);
	return (false);
}

void
cpu_kvm_describe(const struct cpu_features *f, char *buf, size_t len)
{
	char why[192];
	bool np;

	np = cpu_nested_paging(f, why, sizeof(why));
	if (!f->kvm_usable)
		snprintf(buf, len, "%s", why);
	else
		snprintf(buf, len, "/dev/kvm (%s) usable, %s nested paging",
		    f->kvm_module == CPU_KVM_UNKNOWN ? "module unknown" :
		    cpu_kvm_module_name(f->kvm_module), np ? "with" : "without");
}

const char *
cpu_vendor_name(enum cpu_vendor v)
{
	switch (v) {
	case CPU_VENDOR_AMD:
		return ("AMD");
	case CPU_VENDOR_INTEL:
		return ("Intel");
	default:
		return ("other");
	}
}

const char *
cpu_kvm_module_name(enum cpu_kvm_module m)
{
	switch (m) {
	case CPU_KVM_AMD:
		return ("kvm_amd");
	case CPU_KVM_INTEL:
		return ("kvm_intel");
	case CPU_KVM_PVM:
		return ("kvm_pvm");
	default:
		return ("unknown");
	}
}
