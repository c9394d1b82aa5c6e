/* cpu_probe_test.c: unit tests for CPU/virtualisation decoding and probing. */
#include <sys/stat.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu_probe.h"
#include "paging.h"

/* Leaf 0 vendor words (EBX, EDX, ECX). */
#define AMD_EBX		0x68747541	/* "Auth" */
#define AMD_EDX		0x69746e65	/* "enti" */
#define AMD_ECX		0x444d4163	/* "cAMD" */
#define INTEL_EBX	0x756e6547	/* "Genu" */
#define INTEL_EDX	0x49656e69	/* "ineI" */
#define INTEL_ECX	0x6c65746e	/* "ntel" */

/* Host flags with nothing known: cpuinfo flags absent, kvm params missing. */
static const struct cpu_host_flags no_flags = {
	.kvm_intel_ept = -1, .kvm_intel_ept_ad = -1, .kvm_amd_npt = -1,
};

/* AMD EPYC (Zen 4): SVM and NPT. */
static const struct cpu_cpuid_set epyc = {
	.l0 = { .eax = 0x10, .ebx = AMD_EBX, .ecx = AMD_ECX, .edx = AMD_EDX },
	.l1 = { .eax = 0x00a10f11, .ebx = 0x00800800, .ecx = 0x7ef8320b,
	    .edx = 0x178bfbff },
	.l80000000 = { .eax = 0x80000023, .ebx = AMD_EBX, .ecx = AMD_ECX,
	    .edx = AMD_EDX },
	.l80000001 = { .eax = 0x00a10f11, .ecx = 0x75c237ff,
	    .edx = 0x2fd3fbff },
	.l8000000a = { .eax = 0x1, .ebx = 0x8000, .edx = 0x1ebfbcff },
	.brand = "AMD EPYC 9654 96-Core Processor",
};

/* AMD Athlon 64 X2 (K8 rev F): SVM but no nested paging. */
static const struct cpu_cpuid_set athlon = {
	.l0 = { .eax = 0x1, .ebx = AMD_EBX, .ecx = AMD_ECX, .edx = AMD_EDX },
	.l1 = { .eax = 0x00040fb2, .ecx = 0x00002001, .edx = 0x178bfbff },
	.l80000000 = { .eax = 0x80000018 },
	.l80000001 = { .eax = 0x00040fb2, .ecx = 0x0000001f,
	    .edx = 0xebd3fbff },
	.l8000000a = { .eax = 0x1, .ebx = 0x40, .edx = 0x0 },
	.brand = "AMD Athlon(tm) 64 X2 Dual Core Processor 5000+",
};

/* AMD-like CPU with SVM whose max extended leaf stops short of 0x8000000A;
 * the 0x8000000A slot holds junk that must be ignored. */
static const struct cpu_cpuid_set short_ext = {
	.l0 = { .eax = 0x1, .ebx = AMD_EBX, .ecx = AMD_ECX, .edx = AMD_EDX },
	.l1 = { .ecx = 0x00002001 },
	.l80000000 = { .eax = 0x80000008 },
	.l80000001 = { .ecx = 0x0000001f },
	.l8000000a = { .eax = 0xffffffff, .ebx = 0xffffffff,
	    .ecx = 0xffffffff, .edx = 0xffffffff },
};

/* Intel Xeon (Skylake-SP): VMX; EPT comes from host flags. */
static const struct cpu_cpuid_set xeon = {
	.l0 = { .eax = 0x16, .ebx = INTEL_EBX, .ecx = INTEL_ECX,
	    .edx = INTEL_EDX },
	.l1 = { .eax = 0x00050654, .ecx = 0x7ffefbff, .edx = 0xbfebfbff },
	.l80000000 = { .eax = 0x80000008 },
	.l80000001 = { .ecx = 0x00000121, .edx = 0x2c100800 },
	.brand = "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz",
};

/* Intel Core 2 Duo: VMX, no EPT. */
static const struct cpu_cpuid_set core2 = {
	.l0 = { .eax = 0xd, .ebx = INTEL_EBX, .ecx = INTEL_ECX,
	    .edx = INTEL_EDX },
	.l1 = { .eax = 0x0001067a, .ecx = 0x0c08e3fd, .edx = 0xbfebfbff },
	.l80000000 = { .eax = 0x80000008 },
	.l80000001 = { .ecx = 0x00000001, .edx = 0x20100800 },
	.brand = "Intel(R) Core(TM)2 Duo CPU     E8400  @ 3.00GHz",
};

/* Intel Core i5 in a guest with VMX hidden: no virtualisation. */
static const struct cpu_cpuid_set novirt = {
	.l0 = { .eax = 0xd, .ebx = INTEL_EBX, .ecx = INTEL_ECX,
	    .edx = INTEL_EDX },
	.l1 = { .eax = 0x000306c3, .ecx = 0xfffa3203, .edx = 0x0f8bfbff },
	.l80000000 = { .eax = 0x80000008 },
	.l80000001 = { .ecx = 0x00000021, .edx = 0x28100800 },
};

/* Decodes ids with hf, then sets kvm_usable by hand. */
static struct cpu_features
decode(const struct cpu_cpuid_set *ids, const struct cpu_host_flags *hf,
    bool kvm)
{
	struct cpu_features f;

	cpu_decode(ids, hf, &f);
	ATF_CHECK(!f.kvm_dev && !f.kvm_usable && f.kvm_why[0] == '\0');
	f.kvm_usable = f.kvm_dev = kvm;
	return (f);
}

/*
 * Asserts cpu_nested_paging()'s answer and reason, and that paging_choose()
 * and paging_probe() (`vkernel -P`) give the same answer with the same
 * reason: auto takes hw exactly when hw paging is possible, VKERNEL_PAGING=hw
 * fails with 69 exactly when it is not.
 */
static void
check_paging(const struct cpu_features *f, bool want, const char *want_why)
{
	const struct ks_ops *ops;
	enum vk_paging path;
	char why[256], line[256], msg[256];
	int rc;

	memset(why, 'x', sizeof(why));
	ATF_CHECK_EQ(cpu_nested_paging(f, why, sizeof(why)), want);
	ATF_CHECK_STREQ(why, want_why);

	rc = paging_probe(f, line, sizeof(line));
	snprintf(msg, sizeof(msg), "hw paging: %s (%s)", want ? "yes" : "no",
	    want_why);
	ATF_CHECK_STREQ(line, msg);
	ATF_CHECK_EQ(rc, want ? 0 : 69);

	rc = paging_choose(f, NULL, false, &path, &ops, why, sizeof(why));
	ATF_CHECK_EQ(rc, 0);
	ATF_CHECK_EQ(path, want ? VK_PAGING_HW : VK_PAGING_SW);
	ATF_CHECK_STREQ(why, want_why);

	rc = paging_choose(f, "hw", false, &path, &ops, why, sizeof(why));
	if (want) {
		ATF_CHECK_EQ(rc, 0);
		ATF_CHECK_EQ(path, VK_PAGING_HW);
		ATF_CHECK_STREQ(why, want_why);
	} else {
		snprintf(msg, sizeof(msg), "VKERNEL_PAGING=hw: hardware nested "
		    "paging unavailable: %s", want_why);
		ATF_CHECK_EQ(rc, 69);
		ATF_CHECK_STREQ(why, msg);
	}
}

/* Asserts what -v's "kvm:" line says. */
static void
check_kvm_line(const struct cpu_features *f, const char *want)
{
	char buf[256];

	cpu_kvm_describe(f, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, want);
}

ATF_TC_WITHOUT_HEAD(decode__amd_with_npt);
ATF_TC_BODY(decode__amd_with_npt, tc)
{
	struct cpu_features f = decode(&epyc, &no_flags, true);

	ATF_CHECK_EQ(f.vendor, CPU_VENDOR_AMD);
	ATF_CHECK_STREQ(f.vendor_id, "AuthenticAMD");
	ATF_CHECK_STREQ(f.brand, "AMD EPYC 9654 96-Core Processor");
	ATF_CHECK(f.svm && f.npt);
	ATF_CHECK(!f.vmx && !f.ept && !f.ept_ad);
	check_paging(&f, true, "AMD NPT");
	f.kvm_usable = false;
	f.kvm_dev = false;
	check_paging(&f, false, "no /dev/kvm");
	snprintf(f.kvm_why, sizeof(f.kvm_why), "/dev/kvm: Permission denied");
	check_paging(&f, false, "/dev/kvm: Permission denied");
}

ATF_TC_WITHOUT_HEAD(decode__amd_svm_without_npt);
ATF_TC_BODY(decode__amd_svm_without_npt, tc)
{
	struct cpu_features f = decode(&athlon, &no_flags, true);

	ATF_CHECK_EQ(f.vendor, CPU_VENDOR_AMD);
	ATF_CHECK(f.svm && !f.npt);
	check_paging(&f, false, "/dev/kvm without nested paging: "
	    "CPU has SVM but no NPT");
	f.kvm_usable = false;
	check_paging(&f, false, "/dev/kvm not usable");
}

ATF_TC_WITHOUT_HEAD(decode__short_ext_leaf_ignores_8000000a);
ATF_TC_BODY(decode__short_ext_leaf_ignores_8000000a, tc)
{
	struct cpu_features f = decode(&short_ext, &no_flags, true);

	ATF_CHECK(f.svm);
	ATF_CHECK(!f.npt);
	check_paging(&f, false, "/dev/kvm without nested paging: "
	    "CPU has SVM but no NPT");
}

ATF_TC_WITHOUT_HEAD(decode__intel_ept_with_ad);
ATF_TC_BODY(decode__intel_ept_with_ad, tc)
{
	struct cpu_host_flags hf = no_flags;
	struct cpu_features f;

	/* From /proc/cpuinfo flags. */
	hf.cpuinfo_ept = hf.cpuinfo_ept_ad = true;
	f = decode(&xeon, &hf, true);
	ATF_CHECK_EQ(f.vendor, CPU_VENDOR_INTEL);
	ATF_CHECK_STREQ(f.vendor_id, "GenuineIntel");
	ATF_CHECK(f.vmx && f.ept && f.ept_ad);
	ATF_CHECK(!f.svm && !f.npt);
	check_paging(&f, true, "Intel EPT with A/D bits");
	f.kvm_usable = false;
	check_paging(&f, false, "/dev/kvm not usable");

	/* From kvm_intel module parameters alone. */
	hf = no_flags;
	hf.kvm_intel_ept = hf.kvm_intel_ept_ad = 1;
	f = decode(&xeon, &hf, true);
	ATF_CHECK(f.vmx && f.ept && f.ept_ad);
	check_paging(&f, true, "Intel EPT with A/D bits");
}

ATF_TC_WITHOUT_HEAD(decode__intel_ept_without_ad);
ATF_TC_BODY(decode__intel_ept_without_ad, tc)
{
	struct cpu_host_flags hf = no_flags;
	struct cpu_features f;

	hf.cpuinfo_ept = true;
	hf.kvm_intel_ept_ad = 0;
	f = decode(&xeon, &hf, true);
	ATF_CHECK(f.vmx && f.ept && !f.ept_ad);
	check_paging(&f, true, "Intel EPT");
}

ATF_TC_WITHOUT_HEAD(decode__intel_vmx_without_ept);
ATF_TC_BODY(decode__intel_vmx_without_ept, tc)
{
	struct cpu_host_flags hf = no_flags;
	struct cpu_features f;

	hf.kvm_intel_ept = 0;
	hf.kvm_intel_ept_ad = 0;
	f = decode(&core2, &hf, true);
	ATF_CHECK_EQ(f.vendor, CPU_VENDOR_INTEL);
	ATF_CHECK(f.vmx && !f.ept && !f.ept_ad);
	ATF_CHECK(!f.svm);
	check_paging(&f, false, "/dev/kvm without nested paging: "
	    "CPU has VMX but no EPT");
	f.kvm_usable = false;
	snprintf(f.kvm_why, sizeof(f.kvm_why), "no /dev/kvm");
	check_paging(&f, false, "no /dev/kvm");
}

ATF_TC_WITHOUT_HEAD(decode__no_virtualisation);
ATF_TC_BODY(decode__no_virtualisation, tc)
{
	struct cpu_host_flags hf = no_flags;
	struct cpu_features f;

	/* EPT flags without VMX in CPUID mean nothing. */
	hf.cpuinfo_ept = hf.cpuinfo_ept_ad = true;
	hf.kvm_intel_ept = 1;
	f = decode(&novirt, &hf, true);
	ATF_CHECK(!f.vmx && !f.ept && !f.ept_ad && !f.svm && !f.npt);
	check_paging(&f, false, "/dev/kvm without nested paging: "
	    "CPU has no SVM or VMX");
	check_kvm_line(&f, "/dev/kvm (module unknown) usable, without nested "
	    "paging");
	f.kvm_usable = false;
	check_paging(&f, false, "/dev/kvm not usable");
}

ATF_TC_WITHOUT_HEAD(decode__other_vendor);
ATF_TC_BODY(decode__other_vendor, tc)
{
	struct cpu_cpuid_set ids = novirt;
	struct cpu_features f;

	memcpy(&ids.l0.ebx, "  Sh", 4);
	memcpy(&ids.l0.edx, "angh", 4);
	memcpy(&ids.l0.ecx, "ai  ", 4);
	f = decode(&ids, &no_flags, false);
	ATF_CHECK_EQ(f.vendor, CPU_VENDOR_OTHER);
	ATF_CHECK_STREQ(f.vendor_id, "  Shanghai  ");
	ATF_CHECK_STREQ(cpu_vendor_name(f.vendor), "other");
	ATF_CHECK_STREQ(cpu_vendor_name(CPU_VENDOR_AMD), "AMD");
	ATF_CHECK_STREQ(cpu_vendor_name(CPU_VENDOR_INTEL), "Intel");
}

/* Writes text to path (relative to the test's work dir). */
static void
put(const char *path, const char *text)
{
	FILE *fp;

	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fputs(text, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
}

/* Makes each directory in the NULL-terminated list, in order. */
static void
mkdirs(const char *const *dirs)
{
	for (; *dirs != NULL; dirs++)
		ATF_REQUIRE(mkdir(*dirs, 0755) == 0);
}

ATF_TC_WITHOUT_HEAD(host_flags__missing_tree);
ATF_TC_BODY(host_flags__missing_tree, tc)
{
	struct cpu_host_flags hf;

	cpu_read_host_flags("./nonexistent", &hf);
	ATF_CHECK(!hf.cpuinfo_ept && !hf.cpuinfo_ept_ad && !hf.cpuinfo_npt);
	ATF_CHECK_EQ(hf.kvm_intel_ept, -1);
	ATF_CHECK_EQ(hf.kvm_intel_ept_ad, -1);
	ATF_CHECK_EQ(hf.kvm_amd_npt, -1);
	ATF_CHECK_EQ(hf.kvm_module, CPU_KVM_UNKNOWN);
}

ATF_TC_WITHOUT_HEAD(host_flags__intel_tree);
ATF_TC_BODY(host_flags__intel_tree, tc)
{
	static const char *const dirs[] = { "root", "root/proc", "root/sys",
	    "root/sys/module", "root/sys/module/kvm_intel",
	    "root/sys/module/kvm_intel/parameters", NULL };
	struct cpu_host_flags hf;

	mkdirs(dirs);
	/* Only the first "flags" line counts; "vmx flags" is not it. */
	put("root/proc/cpuinfo",
	    "processor\t: 0\n"
	    "vendor_id\t: GenuineIntel\n"
	    "flags\t\t: fpu vme vmx tpr_shadow vnmi ept vpid ept_x ept_adx\n"
	    "vmx flags\t: vnmi ept_ad npt\n"
	    "\n"
	    "processor\t: 1\n"
	    "flags\t\t: fpu ept_ad npt\n");
	put("root/sys/module/kvm_intel/parameters/ept", "Y\n");
	put("root/sys/module/kvm_intel/parameters/eptad", "0\n");
	cpu_read_host_flags("root", &hf);
	ATF_CHECK(hf.cpuinfo_ept);
	ATF_CHECK(!hf.cpuinfo_ept_ad);
	ATF_CHECK(!hf.cpuinfo_npt);
	ATF_CHECK_EQ(hf.kvm_intel_ept, 1);
	ATF_CHECK_EQ(hf.kvm_intel_ept_ad, 0);
	ATF_CHECK_EQ(hf.kvm_amd_npt, -1);

	/* Older kernels name the A/D parameter enable_ept_ad_bits. */
	ATF_REQUIRE(unlink("root/sys/module/kvm_intel/parameters/eptad") == 0);
	put("root/sys/module/kvm_intel/parameters/enable_ept_ad_bits", "1\n");
	put("root/sys/module/kvm_intel/parameters/ept", "N\n");
	put("root/proc/cpuinfo", "flags: ept ept_ad\n");
	cpu_read_host_flags("root", &hf);
	ATF_CHECK(hf.cpuinfo_ept && hf.cpuinfo_ept_ad && !hf.cpuinfo_npt);
	ATF_CHECK_EQ(hf.kvm_intel_ept, 0);
	ATF_CHECK_EQ(hf.kvm_intel_ept_ad, 1);
}

ATF_TC_WITHOUT_HEAD(host_flags__amd_tree);
ATF_TC_BODY(host_flags__amd_tree, tc)
{
	static const char *const dirs[] = { "root", "root/proc", "root/sys",
	    "root/sys/module", "root/sys/module/kvm_amd",
	    "root/sys/module/kvm_amd/parameters", NULL };
	struct cpu_host_flags hf;

	mkdirs(dirs);
	put("root/proc/cpuinfo",
	    "processor\t: 0\n"
	    "flags\t\t: fpu svm extapic npt lbrv nrip_save\n");
	put("root/sys/module/kvm_amd/parameters/npt", "1\n");
	cpu_read_host_flags("root", &hf);
	ATF_CHECK(hf.cpuinfo_npt && !hf.cpuinfo_ept && !hf.cpuinfo_ept_ad);
	ATF_CHECK_EQ(hf.kvm_amd_npt, 1);
	ATF_CHECK_EQ(hf.kvm_intel_ept, -1);
	ATF_CHECK_EQ(hf.kvm_intel_ept_ad, -1);

	/* A value that is neither Y/N nor 1/0 is unknown. */
	put("root/sys/module/kvm_amd/parameters/npt", "maybe\n");
	cpu_read_host_flags("root", &hf);
	ATF_CHECK_EQ(hf.kvm_amd_npt, -1);
}

ATF_TC_WITHOUT_HEAD(host_flags__kvm_module);
ATF_TC_BODY(host_flags__kvm_module, tc)
{
	static const char *const dirs[] = { "root", "root/sys",
	    "root/sys/module", "root/sys/module/kvm", NULL };
	struct cpu_host_flags hf;

	ATF_CHECK_STREQ(cpu_kvm_module_name(CPU_KVM_UNKNOWN), "unknown");
	ATF_CHECK_STREQ(cpu_kvm_module_name(CPU_KVM_AMD), "kvm_amd");
	ATF_CHECK_STREQ(cpu_kvm_module_name(CPU_KVM_INTEL), "kvm_intel");
	ATF_CHECK_STREQ(cpu_kvm_module_name(CPU_KVM_PVM), "kvm_pvm");

	/* kvm alone does not say which vendor module serves /dev/kvm. */
	mkdirs(dirs);
	cpu_read_host_flags("root", &hf);
	ATF_CHECK_EQ(hf.kvm_module, CPU_KVM_UNKNOWN);

	/* A file is not a module directory. */
	put("root/sys/module/kvm_pvm", "");
	cpu_read_host_flags("root", &hf);
	ATF_CHECK_EQ(hf.kvm_module, CPU_KVM_UNKNOWN);
	ATF_REQUIRE(unlink("root/sys/module/kvm_pvm") == 0);

	ATF_REQUIRE(mkdir("root/sys/module/kvm_pvm", 0755) == 0);
	cpu_read_host_flags("root", &hf);
	ATF_CHECK_EQ(hf.kvm_module, CPU_KVM_PVM);

	/* Two vendor modules: which one has /dev/kvm cannot be told. */
	ATF_REQUIRE(mkdir("root/sys/module/kvm_amd", 0755) == 0);
	cpu_read_host_flags("root", &hf);
	ATF_CHECK_EQ(hf.kvm_module, CPU_KVM_UNKNOWN);

	ATF_REQUIRE(rmdir("root/sys/module/kvm_pvm") == 0);
	cpu_read_host_flags("root", &hf);
	ATF_CHECK_EQ(hf.kvm_module, CPU_KVM_AMD);

	ATF_REQUIRE(rmdir("root/sys/module/kvm_amd") == 0);
	ATF_REQUIRE(mkdir("root/sys/module/kvm_intel", 0755) == 0);
	cpu_read_host_flags("root", &hf);
	ATF_CHECK_EQ(hf.kvm_module, CPU_KVM_INTEL);
}

/* Reads the fake tree under ./root and decodes ids with it; kvm says
 * whether /dev/kvm is to count as usable ("no /dev/kvm" if not). */
static struct cpu_features
decode_tree(const struct cpu_cpuid_set *ids, bool kvm)
{
	struct cpu_host_flags hf;
	struct cpu_features f;

	cpu_read_host_flags("root", &hf);
	f = decode(ids, &hf, kvm);
	if (!kvm)
		snprintf(f.kvm_why, sizeof(f.kvm_why), "no /dev/kvm");
	return (f);
}

ATF_TC_WITHOUT_HEAD(tree__kvm_pvm);
ATF_TC_BODY(tree__kvm_pvm, tc)
{
	static const char *const dirs[] = { "root", "root/proc", "root/sys",
	    "root/sys/module", "root/sys/module/kvm",
	    "root/sys/module/kvm_pvm", "root/sys/module/kvm_pvm/parameters",
	    NULL };
	struct cpu_features f;

	/* A host like CI's: kvm_pvm serves /dev/kvm, the CPU has no SVM/VMX. */
	mkdirs(dirs);
	put("root/proc/cpuinfo", "flags\t\t: fpu vme de pse tsc msr pae "
	    "hypervisor\n");
	f = decode_tree(&novirt, true);
	ATF_CHECK_EQ(f.kvm_module, CPU_KVM_PVM);
	check_paging(&f, false, "/dev/kvm is kvm_pvm, a paravirtual KVM "
	    "without nested paging: CPU has no SVM or VMX");
	check_kvm_line(&f, "/dev/kvm (kvm_pvm) usable, without nested paging");

	/* kvm_pvm offers no nested paging even on a CPU with NPT. */
	f = decode_tree(&epyc, true);
	ATF_CHECK(f.npt);
	check_paging(&f, false, "/dev/kvm is kvm_pvm, a paravirtual KVM "
	    "without nested paging");
	check_kvm_line(&f, "/dev/kvm (kvm_pvm) usable, without nested paging");

	/* No /dev/kvm at all: that is the reason, whatever is loaded. */
	f = decode_tree(&novirt, false);
	check_paging(&f, false, "no /dev/kvm");
	check_kvm_line(&f, "no /dev/kvm");
}

ATF_TC_WITHOUT_HEAD(tree__kvm_amd);
ATF_TC_BODY(tree__kvm_amd, tc)
{
	static const char *const dirs[] = { "root", "root/proc", "root/sys",
	    "root/sys/module", "root/sys/module/kvm",
	    "root/sys/module/kvm_amd", "root/sys/module/kvm_amd/parameters",
	    NULL };
	struct cpu_features f;

	/* As inside tools/hwvm.sh's guest: kvm_amd with npt=Y. */
	mkdirs(dirs);
	put("root/proc/cpuinfo", "flags\t\t: fpu svm npt\n");
	put("root/sys/module/kvm_amd/parameters/npt", "Y\n");
	f = decode_tree(&epyc, true);
	ATF_CHECK_EQ(f.kvm_module, CPU_KVM_AMD);
	ATF_CHECK(!f.kvm_np_off);
	check_paging(&f, true, "AMD NPT");
	check_kvm_line(&f, "/dev/kvm (kvm_amd) usable, with nested paging");

	/* npt=N: KVM would shadow our page tables; that is not hw paging. */
	put("root/sys/module/kvm_amd/parameters/npt", "N\n");
	f = decode_tree(&epyc, true);
	ATF_CHECK(f.npt && f.kvm_np_off);
	check_paging(&f, false, "/dev/kvm is kvm_amd without nested paging: "
	    "its npt parameter is off");
	check_kvm_line(&f, "/dev/kvm (kvm_amd) usable, without nested paging");

	/* A CPU without NPT under kvm_amd. */
	f = decode_tree(&athlon, true);
	ATF_CHECK(!f.kvm_np_off);
	check_paging(&f, false, "/dev/kvm is kvm_amd without nested paging: "
	    "CPU has SVM but no NPT");
}

ATF_TC_WITHOUT_HEAD(tree__kvm_intel);
ATF_TC_BODY(tree__kvm_intel, tc)
{
	static const char *const dirs[] = { "root", "root/proc", "root/sys",
	    "root/sys/module", "root/sys/module/kvm",
	    "root/sys/module/kvm_intel",
	    "root/sys/module/kvm_intel/parameters", NULL };
	struct cpu_features f;

	mkdirs(dirs);
	put("root/proc/cpuinfo", "flags\t\t: fpu vmx ept ept_ad\n");
	put("root/sys/module/kvm_intel/parameters/ept", "Y\n");
	put("root/sys/module/kvm_intel/parameters/eptad", "Y\n");
	f = decode_tree(&xeon, true);
	ATF_CHECK_EQ(f.kvm_module, CPU_KVM_INTEL);
	check_paging(&f, true, "Intel EPT with A/D bits");
	check_kvm_line(&f, "/dev/kvm (kvm_intel) usable, with nested paging");

	/* The CPU has EPT but kvm_intel was loaded with ept=N. */
	put("root/sys/module/kvm_intel/parameters/ept", "N\n");
	f = decode_tree(&xeon, true);
	ATF_CHECK(f.ept && f.kvm_np_off);
	check_paging(&f, false, "/dev/kvm is kvm_intel without nested paging: "
	    "its ept parameter is off");

	/* A CPU without EPT under kvm_intel. */
	put("root/proc/cpuinfo", "flags\t\t: fpu vmx\n");
	f = decode_tree(&core2, true);
	check_paging(&f, false, "/dev/kvm is kvm_intel without nested paging: "
	    "CPU has VMX but no EPT");
}

ATF_TC_WITHOUT_HEAD(probe__this_machine);
ATF_TC_BODY(probe__this_machine, tc)
{
	struct cpu_features f;
	const char *name;
	char why[256];
	bool np;

	cpu_probe(&f);
	ATF_CHECK(strlen(f.vendor_id) == 12);
	name = cpu_vendor_name(f.vendor);
	ATF_REQUIRE(name != NULL);
	ATF_CHECK(strcmp(name, "AMD") == 0 || strcmp(name, "Intel") == 0 ||
	    strcmp(name, "other") == 0);
	ATF_CHECK(f.svm || !f.npt);
	ATF_CHECK(f.vmx || (!f.ept && !f.ept_ad));
	ATF_CHECK(f.kvm_dev || !f.kvm_usable);
	ATF_CHECK(f.kvm_usable == (f.kvm_why[0] == '\0'));
	np = cpu_nested_paging(&f, why, sizeof(why));
	ATF_REQUIRE(why[0] != '\0');
	printf("vendor %s (%s) brand \"%s\" svm %d npt %d vmx %d ept %d "
	    "ept_ad %d kvm %d module %s: paging %s (%s)\n", name, f.vendor_id,
	    f.brand, f.svm, f.npt, f.vmx, f.ept, f.ept_ad, f.kvm_usable,
	    cpu_kvm_module_name(f.kvm_module), np ? "hw" : "sw", why);

	/* Inside tools/hwvm.sh's QEMU guest: kvm_amd with NPT, hw paging. */
	if (getenv("VKERNEL_HW_VM") != NULL) {
		ATF_CHECK(f.kvm_usable);
		ATF_CHECK_EQ(f.kvm_module, CPU_KVM_AMD);
		ATF_CHECK(np);
		ATF_CHECK_STREQ(why, "AMD NPT");
		return;
	}
	/* A host whose /dev/kvm is kvm_pvm (this project's CI): no hw. */
	if (access("/dev/kvm", R_OK | W_OK) == 0 &&
	    access("/sys/module/kvm_pvm", F_OK) == 0 &&
	    access("/sys/module/kvm_amd", F_OK) != 0 &&
	    access("/sys/module/kvm_intel", F_OK) != 0) {
		ATF_CHECK(f.kvm_usable);
		ATF_CHECK_EQ(f.kvm_module, CPU_KVM_PVM);
		ATF_CHECK(!np);
		ATF_CHECK(strstr(why, "/dev/kvm is kvm_pvm, a paravirtual KVM "
		    "without nested paging") == why);
		return;
	}
	if (access("/dev/kvm", F_OK) == 0)
		return;	/* some other KVM host: nothing more is known */
	ATF_CHECK(!f.kvm_dev && !f.kvm_usable);
	ATF_CHECK_STREQ(f.kvm_why, "no /dev/kvm");
	ATF_CHECK(!np);
	ATF_CHECK_STREQ(why, "no /dev/kvm");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, decode__amd_with_npt);
	ATF_TP_ADD_TC(tp, decode__amd_svm_without_npt);
	ATF_TP_ADD_TC(tp, decode__short_ext_leaf_ignores_8000000a);
	ATF_TP_ADD_TC(tp, decode__intel_ept_with_ad);
	ATF_TP_ADD_TC(tp, decode__intel_ept_without_ad);
	ATF_TP_ADD_TC(tp, decode__intel_vmx_without_ept);
	ATF_TP_ADD_TC(tp, decode__no_virtualisation);
	ATF_TP_ADD_TC(tp, decode__other_vendor);
	ATF_TP_ADD_TC(tp, host_flags__missing_tree);
	ATF_TP_ADD_TC(tp, host_flags__intel_tree);
	ATF_TP_ADD_TC(tp, host_flags__amd_tree);
	ATF_TP_ADD_TC(tp, host_flags__kvm_module);
	ATF_TP_ADD_TC(tp, tree__kvm_pvm);
	ATF_TP_ADD_TC(tp, tree__kvm_amd);
	ATF_TP_ADD_TC(tp, tree__kvm_intel);
	ATF_TP_ADD_TC(tp, probe__this_machine);
	return (atf_no_error());
}
