/* cpu_probe.h: host CPU and virtualisation feature probe (pure decoding + host reads). */
#ifndef CPU_PROBE_H
#define CPU_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cpu_vendor { CPU_VENDOR_OTHER = 0, CPU_VENDOR_INTEL, CPU_VENDOR_AMD };

/*
 * The KVM module that serves /dev/kvm, as /sys/module tells: exactly one of
 * kvm_amd, kvm_intel or kvm_pvm present names it; none of them, or several,
 * is unknown.  kvm_pvm is a paravirtual KVM (guests run without hardware
 * virtualisation): it offers no nested paging whatever the CPU has.
 */
enum cpu_kvm_module {
	CPU_KVM_UNKNOWN = 0, CPU_KVM_AMD, CPU_KVM_INTEL, CPU_KVM_PVM
};

/* One CPUID result. */
struct cpu_cpuid {
	uint32_t eax, ebx, ecx, edx;
};

/*
 * The CPUID leaves the probe reads, recorded so that decoding is a pure
 * function (unit tests feed recorded values from real machines).
 * A leaf beyond the maximum reported by leaf 0 / 0x80000000 is all zero.
 */
struct cpu_cpuid_set {
	struct cpu_cpuid l0;          /* max leaf, vendor */
	struct cpu_cpuid l1;          /* features: ECX bit 5 = VMX */
	struct cpu_cpuid l80000000;   /* max extended leaf */
	struct cpu_cpuid l80000001;   /* ECX bit 2 = SVM */
	struct cpu_cpuid l8000000a;   /* SVM features: EDX bit 0 = NP */
	char brand[49];               /* 0x80000002..4, NUL-terminated */
};

/* What the host says about Intel EPT (CPUID cannot tell: it is in VMX MSRs). */
struct cpu_host_flags {
	bool cpuinfo_ept;    /* "ept" in /proc/cpuinfo flags */
	bool cpuinfo_ept_ad; /* "ept_ad" in /proc/cpuinfo flags */
	bool cpuinfo_npt;    /* "npt" in /proc/cpuinfo flags */
	int kvm_intel_ept;   /* /sys/module/kvm_intel/parameters/ept: 1, 0, -1 unknown */
	int kvm_intel_ept_ad;/* .../eptad (or enable_ept_ad_bits): 1, 0, -1 */
	int kvm_amd_npt;     /* /sys/module/kvm_amd/parameters/npt: 1, 0, -1 */
	enum cpu_kvm_module kvm_module; /* which of /sys/module/kvm_{amd,intel,pvm} */
};

struct cpu_features {
	enum cpu_vendor vendor;
	char vendor_id[13];  /* "AuthenticAMD", "GenuineIntel", ... */
	char brand[49];
	bool svm, npt;       /* AMD */
	bool vmx, ept, ept_ad; /* Intel */
	enum cpu_kvm_module kvm_module; /* from the host flags */
	bool kvm_np_off;     /* the module's npt/ept parameter is 0 (shadow paging) */
	bool kvm_dev;        /* /dev/kvm exists */
	bool kvm_usable;     /* ... and opens read-write with KVM_GET_API_VERSION == 12 */
	char kvm_why[128];   /* why not usable, when it is not */
};

/* Pure: decodes recorded CPUID values and host flags. */
void cpu_decode(const struct cpu_cpuid_set *ids, const struct cpu_host_flags *hf,
    struct cpu_features *f);
/* Reads this machine's CPUID leaves. */
void cpu_read_cpuid(struct cpu_cpuid_set *ids);
/* Reads /proc/cpuinfo flags, kvm module parameters and which KVM module is
 * loaded (prefix lets tests point it at a fake tree; "" for the real one). */
void cpu_read_host_flags(const char *prefix, struct cpu_host_flags *hf);
/* Everything: CPUID, host flags, and /dev/kvm (opened and closed again). */
void cpu_probe(struct cpu_features *f);

/*
 * The one answer to "can hw paging run here": true when /dev/kvm is usable,
 * is not served by kvm_pvm, and the CPU has NPT or EPT that the module has
 * not turned off.  why[] (whylen > 0) gets a one-line reason either way:
 * "AMD NPT", "Intel EPT", "no /dev/kvm", "/dev/kvm is kvm_pvm, a
 * paravirtual KVM without nested paging: CPU has no SVM or VMX", ...
 * paging_choose() and `vkernel -P` both decide by this function.
 */
bool cpu_nested_paging(const struct cpu_features *f, char *why, size_t whylen);

/* What -v's "kvm:" line says: the /dev/kvm error when it is not usable,
 * else "/dev/kvm (MODULE) usable, with[out] nested paging". */
void cpu_kvm_describe(const struct cpu_features *f, char *buf, size_t len);

/* Short names: "AMD", "Intel", "other". */
const char *cpu_vendor_name(enum cpu_vendor v);
/* "kvm_amd", "kvm_intel", "kvm_pvm" or "unknown". */
const char *cpu_kvm_module_name(enum cpu_kvm_module m);

#endif /* CPU_PROBE_H */
