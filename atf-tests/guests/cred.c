/* cred.c: a process's identity as Linux keeps it (the setuid family, setfsuid, groups, capabilities, exec of set-id programs, kill permission, host file access under the ids); `cred MODE ARGS...`, each mode printing "MODE ok: N checks". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Kernel ABI values, spelled out so both libcs build the same program. */
#define CAP_V1		0x19980330
#define CAP_V2		0x20071026
#define CAP_V3		0x20080522
#define C_CHOWN		0
#define C_DAC_OVERRIDE	1
#define C_KILL		5
#define C_SETGID	6
#define C_SETUID	7
#define C_SETPCAP	8
#define C_NET_BIND	10
#define C_NET_RAW	13
#define C_SYS_ADMIN	21
#define C_MAC_OVERRIDE	32
#define CAP_FS_SET	((1ULL << 0) | (1ULL << 27) | (1ULL << 1) | \
	(1ULL << 2) | (1ULL << 3) | (1ULL << 4) | (1ULL << 32) | (1ULL << 9))
#define P_CAPBSET_READ	23
#define P_CAPBSET_DROP	24
#define P_GET_KEEPCAPS	7
#define P_SET_KEEPCAPS	8
#define P_SET_NNP	38
#define P_GET_NNP	39
#define P_CAP_AMBIENT	47
#define AMB_IS_SET	1
#define AMB_RAISE	2
#define AMB_LOWER	3
#define AMB_CLEAR_ALL	4
#define NO		((unsigned)-1)

static const char *mode = "";
static const char *self;
static long checks, failures;

/* Checks and failures of children, added up for the final line. */
static struct tally {
	long checks, failures;
} *tally;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		int e_ = errno;						\
		failures++;						\
		printf("FAIL: %s line %d pid %d: ", mode, __LINE__,	\
		    (int)getpid());					\
		printf(__VA_ARGS__);					\
		printf(" (errno %d %s)\n", e_, strerror(e_));		\
		fflush(stdout);						\
	}								\
} while (0)

/* A call that must fail with errno e. */
#define FAILS(call, e, what) do {					\
	errno = 0;							\
	long r_ = (long)(call);						\
	CHECK(r_ == -1 && errno == (e), "%s: %ld, want errno %d",	\
	    what, r_, e);						\
} while (0)

struct caps {
	uint64_t eff, prm, inh;
};

static void
child_done(void)
{
	__atomic_add_fetch(&tally->checks, checks, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&tally->failures, failures, __ATOMIC_SEQ_CST);
	fflush(stdout);
	_exit(failures != 0);
}

/* Runs fn in a child (a fresh copy of this process's identity) and
 * checks it exited 0. */
static void
in_child(void (*fn)(void), const char *what)
{
	pid_t pid;
	int st;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		checks = failures = 0;
		fn();
		child_done();
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child %s", what);
}

static int
cap_get(pid_t pid, uint32_t version, struct caps *c)
{
	struct { uint32_t version; int pid; } h = { version, pid };
	struct { uint32_t eff, prm, inh; } d[2];
	int r;

	memset(d, 0, sizeof(d));
	if ((r = (int)syscall(SYS_capget, &h, d)) != 0)
		return r;
	c->eff = d[0].eff | (uint64_t)d[1].eff << 32;
	c->prm = d[0].prm | (uint64_t)d[1].prm << 32;
	c->inh = d[0].inh | (uint64_t)d[1].inh << 32;
	return 0;
}

static int
cap_set(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct { uint32_t version; int pid; } h = { CAP_V3, 0 };
	struct { uint32_t eff, prm, inh; } d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32),
		  (uint32_t)(inh >> 32) } };

	return (int)syscall(SYS_capset, &h, d);
}

static struct caps
caps_now(void)
{
	struct caps c = { 0, 0, 0 };

	CHECK(cap_get(0, CAP_V3, &c) == 0, "capget");
	return c;
}

static uint64_t
bounding(void)
{
	uint64_t b = 0;
	int i;

	for (i = 0; i < 64; i++)
		if (prctl(P_CAPBSET_READ, i, 0, 0, 0) == 1)
			b |= 1ULL << i;
	return b;
}

/* getresuid and getresgid are (r, e, s); NO matches anything. */
static int
ids_are(unsigned r, unsigned e, unsigned s, int gid)
{
	unsigned a, b, c;

	if (gid ? getresgid(&a, &b, &c) : getresuid(&a, &b, &c))
		return 0;
	if ((r != NO && a != r) || (e != NO && b != e) || (s != NO && c != s)) {
		printf("  (%s are %u %u %u, want %d %d %d)\n",
		    gid ? "gids" : "uids", a, b, c, (int)r, (int)e, (int)s);
		return 0;
	}
	return 1;
}
#define UIDS(r, e, s) ids_are(r, e, s, 0)
#define GIDS(r, e, s) ids_are(r, e, s, 1)

/* The current fsuid (setfsuid of an invalid id changes nothing). */
static unsigned
fsuid_now(void)
{
	return (unsigned)syscall(SYS_setfsuid, -1);
}

static unsigned
fsgid_now(void)
{
	return (unsigned)syscall(SYS_setfsgid, -1);
}

/* The text after "NAME:" in /proc/self/status, in buf. */
static char *
status_field(const char *name, char *buf, size_t len)
{
	static char line[1 << 20];
	char want[64];
	FILE *f = fopen("/proc/self/status", "r");
	char *r = NULL;

	if (f == NULL)
		return NULL;
	snprintf(want, sizeof(want), "%s:\t", name);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, want, strlen(want)) == 0) {
			snprintf(buf, len, "%s", line + strlen(want));
			r = buf;
			break;
		}
	fclose(f);
	return r;
}

/* /proc/self/status says the ids, groups and capabilities this process
 * has (getresuid, setfsuid, getgroups, capget, the prctls). */
static void
status_agrees(void)
{
	static char buf[1 << 20], want[1 << 20];
	static gid_t g[70000];
	unsigned r, e, s, gr, ge, gs;
	struct caps c = caps_now();
	int n, i, o;

	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u\n", r, e, s, fsuid_now());
	CHECK(status_field("Uid", buf, sizeof(buf)) &&
	    strcmp(buf, want) == 0, "Uid: %s", buf);
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u\n", gr, ge, gs,
	    fsgid_now());
	CHECK(status_field("Gid", buf, sizeof(buf)) &&
	    strcmp(buf, want) == 0, "Gid: %s", buf);
	n = getgroups(70000, g);
	for (i = 0, o = 0; i < n && o < (int)sizeof(want) - 16; i++)
		o += snprintf(want + o, sizeof(want) - o, "%s%u", i ? " " : "",
		    (unsigned)g[i]);
	snprintf(want + o, sizeof(want) - o, " \n");
	CHECK(status_field("Groups", buf, sizeof(buf)) &&
	    strcmp(buf, want) == 0, "Groups: '%s' want '%s'", buf, want);
#define CAPLINE(name, v) do {						\
	snprintf(want, sizeof(want), "%016llx\n", (unsigned long long)(v)); \
	CHECK(status_field(name, buf, sizeof(buf)) &&			\
	    strcmp(buf, want) == 0, name ": %s want %s", buf, want);	\
} while (0)
	CAPLINE("CapInh", c.inh);
	CAPLINE("CapPrm", c.prm);
	CAPLINE("CapEff", c.eff);
	CAPLINE("CapBnd", bounding());
	{
		uint64_t amb = 0;

		for (i = 0; i < 64; i++)
			if (prctl(P_CAP_AMBIENT, AMB_IS_SET, i, 0, 0) == 1)
				amb |= 1ULL << i;
		CAPLINE("CapAmb", amb);
	}
#undef CAPLINE
	snprintf(want, sizeof(want), "%d\n", prctl(P_GET_NNP, 0, 0, 0, 0));
	CHECK(status_field("NoNewPrivs", buf, sizeof(buf)) &&
	    strcmp(buf, want) == 0, "NoNewPrivs: %s", buf);
}

/* ---- ids: the setuid family from root ---- */

static struct caps root_caps;

/* seteuid away from 0 and back; setreuid drops everything. */
static void
ids_seq1(void)
{
	struct caps c;

	CHECK(UIDS(0, 0, 0), "start as root");
	CHECK(syscall(SYS_setresuid, -1, 1000, -1) == 0, "seteuid 1000");
	CHECK(UIDS(0, 1000, 0), "after seteuid 1000");
	c = caps_now();
	CHECK(c.eff == 0 && c.prm == root_caps.prm,
	    "euid left 0: effective cleared (%llx), permitted kept (%llx)",
	    (unsigned long long)c.eff, (unsigned long long)c.prm);
	CHECK(fsuid_now() == 1000, "fsuid follows euid");
	CHECK(syscall(SYS_setfsuid, 2000) == 1000, "setfsuid returns old");
	CHECK(fsuid_now() == 1000, "setfsuid 2000 refused without CAP_SETUID");
	status_agrees();
	CHECK(syscall(SYS_setresuid, -1, 0, -1) == 0, "seteuid back to 0");
	CHECK(UIDS(0, 0, 0), "after seteuid 0");
	c = caps_now();
	CHECK(c.eff == c.prm && c.prm == root_caps.prm,
	    "euid back at 0: effective is permitted again");
	CHECK(setreuid(1000, 1001) == 0, "setreuid 1000 1001");
	CHECK(UIDS(1000, 1001, 1001), "setreuid sets suid = euid");
	c = caps_now();
	CHECK(c.eff == 0 && c.prm == 0, "all of r/e/s left 0: caps dropped");
	FAILS(setuid(0), EPERM, "setuid 0 after the drop");
	FAILS(syscall(SYS_setresuid, 0, -1, -1), EPERM, "setresuid 0");
	FAILS(syscall(SYS_setreuid, 2000, -1), EPERM, "setreuid 2000");
	FAILS(syscall(SYS_setreuid, -1, 0), EPERM, "setreuid -1 0");
	CHECK(syscall(SYS_setreuid, -1, 1000) == 0, "setreuid -1 1000");
	CHECK(UIDS(1000, 1000, 1001), "euid to ruid keeps suid");
	CHECK(syscall(SYS_setuid, 1001) == 0, "setuid to the saved id");
	CHECK(UIDS(1000, 1001, 1001), "unprivileged setuid sets euid only");
	CHECK(syscall(SYS_setreuid, 1001, -1) == 0, "setreuid ruid to euid");
	CHECK(UIDS(1001, 1001, 1001), "ruid set: suid = euid");
	FAILS(syscall(SYS_setresuid, 1000, -1, -1), EPERM,
	    "setresuid to an id no longer held");
	CHECK(syscall(SYS_setresuid, -1, -1, -1) == 0, "setresuid no-op");
	CHECK(syscall(SYS_setfsuid, 0) == 1001 && fsuid_now() == 1001,
	    "setfsuid 0 refused");
	FAILS(syscall(SYS_setuid, -1), EINVAL, "setuid -1");
	status_agrees();
}

/* PR_SET_KEEPCAPS keeps the permitted set across the drop. */
static void
ids_keepcaps(void)
{
	struct caps c;

	CHECK(prctl(P_GET_KEEPCAPS, 0, 0, 0, 0) == 0, "keepcaps starts 0");
	FAILS(prctl(P_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL, "keepcaps 2");
	CHECK(prctl(P_SET_KEEPCAPS, 1, 0, 0, 0) == 0, "set keepcaps");
	CHECK(prctl(P_GET_KEEPCAPS, 0, 0, 0, 0) == 1, "keepcaps is 1");
	CHECK(syscall(SYS_setresuid, 1000, 1000, 1000) == 0, "setresuid 1000");
	c = caps_now();
	CHECK(c.prm == root_caps.prm && c.eff == 0,
	    "keepcaps: permitted kept, effective cleared");
	FAILS(setuid(2000), EPERM, "setuid 2000 without CAP_SETUID in eff");
	CHECK(cap_set(c.prm, c.prm, 0) == 0, "capset effective = permitted");
	CHECK(setuid(2000) == 0, "setuid 2000 with CAP_SETUID");
	CHECK(UIDS(2000, 2000, 2000), "setuid with CAP_SETUID sets all");
	c = caps_now();
	CHECK(c.prm == root_caps.prm, "no root involved: caps stay");
	CHECK(syscall(SYS_setresuid, 0, 0, 0) == 0, "setresuid 0 with cap");
	c = caps_now();
	CHECK(c.eff == c.prm, "euid back to 0: effective = permitted");
	status_agrees();
}

/* setuid as root sets all four; setfsuid as root drops the fs caps. */
static void
ids_setuid_fs(void)
{
	struct caps c;

	CHECK(syscall(SYS_setfsuid, 1234) == 0, "setfsuid 1234 returns 0");
	CHECK(fsuid_now() == 1234, "fsuid is 1234");
	c = caps_now();
	CHECK(c.eff == (root_caps.eff & ~CAP_FS_SET),
	    "fsuid left 0: fs caps gone (%llx)", (unsigned long long)c.eff);
	CHECK(UIDS(0, 0, 0), "setfsuid leaves the others");
	status_agrees();
	CHECK(syscall(SYS_setfsuid, 0) == 1234, "setfsuid 0 returns 1234");
	c = caps_now();
	CHECK(c.eff == root_caps.eff, "fsuid back to 0: fs caps back");
	CHECK(setuid(1000) == 0, "root setuid 1000");
	CHECK(UIDS(1000, 1000, 1000) && fsuid_now() == 1000,
	    "root setuid sets r, e, s and fs");
	c = caps_now();
	CHECK(c.eff == 0 && c.prm == 0 && c.inh == root_caps.inh,
	    "caps dropped");
	status_agrees();
}

/* The gid forms. */
static void
ids_gid(void)
{
	CHECK(syscall(SYS_setresgid, 100, 200, 300) == 0, "setresgid");
	CHECK(GIDS(100, 200, 300) && fsgid_now() == 200, "gids 100 200 300");
	CHECK(syscall(SYS_setregid, -1, 100) == 0, "setregid -1 100");
	CHECK(GIDS(100, 100, 300), "egid to rgid keeps sgid");
	CHECK(syscall(SYS_setregid, -1, 400) == 0, "setregid -1 400");
	CHECK(GIDS(100, 400, 400), "egid elsewhere: sgid follows");
	CHECK(syscall(SYS_setfsgid, 77) == 400 && fsgid_now() == 77,
	    "setfsgid with CAP_SETGID");
	CHECK(syscall(SYS_setgid, 5) == 0, "setgid 5 with CAP_SETGID");
	CHECK(GIDS(5, 5, 5) && fsgid_now() == 5, "setgid sets all four");
	CHECK(syscall(SYS_setresgid, 5, 6, 7) == 0, "setresgid 5 6 7");
	CHECK(syscall(SYS_setresuid, 1000, 1000, 1000) == 0, "drop uid");
	FAILS(syscall(SYS_setgid, 8), EPERM, "setgid 8 unprivileged");
	CHECK(syscall(SYS_setgid, 7) == 0, "setgid to saved gid");
	CHECK(GIDS(5, 7, 7), "unprivileged setgid sets egid only");
	FAILS(syscall(SYS_setregid, 9, -1), EPERM, "setregid 9");
	FAILS(syscall(SYS_setresgid, -1, -1, 9), EPERM, "setresgid 9");
	CHECK(syscall(SYS_setresgid, 7, 5, 5) == 0, "shuffle held gids");
	CHECK(GIDS(7, 5, 5), "gids 7 5 5");
	CHECK(syscall(SYS_setfsgid, 9) == 5 && fsgid_now() == 5,
	    "setfsgid 9 refused");
	CHECK(syscall(SYS_setfsgid, 7) == 5 && fsgid_now() == 7,
	    "setfsgid to the rgid");
	FAILS(syscall(SYS_setgid, -1), EINVAL, "setgid -1");
	status_agrees();
}

static void
mode_ids(void)
{
	root_caps = caps_now();
	CHECK(root_caps.eff != 0 && root_caps.eff == root_caps.prm,
	    "root starts with caps");
	status_agrees();
	in_child(ids_seq1, "seteuid, setreuid, setuid");
	in_child(ids_keepcaps, "keepcaps");
	in_child(ids_setuid_fs, "setuid, setfsuid");
	in_child(ids_gid, "gids");
}

/* ---- groups ---- */

static void
groups_drop(void)
{
	gid_t g[4] = { 1 };

	CHECK(setuid(1000) == 0, "setuid 1000");
	FAILS(setgroups(1, g), EPERM, "setgroups without CAP_SETGID");
	CHECK(getgroups(4, g) == 3 && g[0] == 10 && g[2] == 30,
	    "groups kept across setuid");
}

static void
mode_groups(void)
{
	static gid_t big[65537];
	gid_t g[8] = { 30, 10, 20 }, dup[2] = { 5, 5 };
	pid_t pid;
	int st, i;

	CHECK(setgroups(3, g) == 0, "setgroups 30 10 20");
	memset(g, 0, sizeof(g));
	CHECK(getgroups(0, NULL) == 3, "getgroups(0) counts");
	CHECK(getgroups(8, g) == 3 && g[0] == 10 && g[1] == 20 && g[2] == 30,
	    "sorted: %u %u %u", g[0], g[1], g[2]);
	FAILS(getgroups(2, g), EINVAL, "getgroups into too small a list");
	FAILS(syscall(SYS_getgroups, -1, g), EINVAL, "getgroups -1");
	FAILS(syscall(SYS_getgroups, 3, (void *)8), EFAULT, "getgroups EFAULT");
	status_agrees();
	fflush(stdout);
	if ((pid = fork()) == 0) {
		checks = failures = 0;
		memset(g, 0, sizeof(g));
		CHECK(getgroups(8, g) == 3 && g[0] == 10 && g[2] == 30,
		    "fork inherits the groups");
		CHECK(setgroups(1, dup) == 0, "child's own setgroups");
		child_done();
	}
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "child");
	CHECK(getgroups(8, g) == 3 && g[0] == 10,
	    "the child's setgroups left the parent's list");
	in_child(groups_drop, "setgroups after setuid");
	CHECK(setgroups(2, dup) == 0 && getgroups(8, g) == 2 && g[0] == 5 &&
	    g[1] == 5, "duplicates are kept");
	for (i = 0; i < 65537; i++)
		big[i] = (gid_t)(65536 - i);
	FAILS(setgroups(65537, big), EINVAL, "setgroups past NGROUPS_MAX");
	FAILS(syscall(SYS_setgroups, -1, big), EINVAL, "setgroups -1");
	FAILS(syscall(SYS_setgroups, 2, (void *)8), EFAULT, "setgroups EFAULT");
	CHECK(getgroups(8, g) == 2, "failed setgroups changed nothing");
	CHECK(setgroups(65536, big) == 0, "setgroups 65536");
	CHECK(getgroups(0, NULL) == 65536, "65536 groups");
	CHECK(getgroups(65537, big) == 65536 && big[0] == 1 &&
	    big[65535] == 65536, "all sorted");
	status_agrees();
	CHECK(setgroups(0, NULL) == 0 && getgroups(0, NULL) == 0, "no groups");
	status_agrees();
}

/* ---- capabilities ---- */

static void
caps_drop_setpcap(void)
{
	struct caps c = caps_now();
	uint64_t pcap = 1ULL << C_SETPCAP, admin = 1ULL << C_SYS_ADMIN;

	CHECK(cap_set(c.eff & ~(pcap | admin), c.prm & ~(pcap | admin), 0) ==
	    0, "drop CAP_SETPCAP and CAP_SYS_ADMIN");
	FAILS(prctl(P_CAPBSET_DROP, C_NET_RAW, 0, 0, 0), EPERM,
	    "PR_CAPBSET_DROP without CAP_SETPCAP");
	FAILS(prctl(P_CAPBSET_DROP, 64, 0, 0, 0), EPERM,
	    "EPERM comes before EINVAL");
	FAILS(cap_set(0, 0, admin), EPERM,
	    "inheritable beyond permitted without CAP_SETPCAP");
	CHECK(cap_set(0, 0, 0) == 0 && caps_now().prm == 0, "drop them all");
}

static void
caps_ambient(void)
{
	uint64_t nb = 1ULL << C_NET_BIND;
	struct caps c = caps_now();

	FAILS(prctl(P_CAP_AMBIENT, AMB_RAISE, C_NET_BIND, 0, 0), EPERM,
	    "ambient raise without inheritable");
	CHECK(cap_set(c.eff, c.prm, nb) == 0, "inheritable NET_BIND");
	CHECK(prctl(P_CAP_AMBIENT, AMB_RAISE, C_NET_BIND, 0, 0) == 0,
	    "ambient raise");
	CHECK(prctl(P_CAP_AMBIENT, AMB_IS_SET, C_NET_BIND, 0, 0) == 1,
	    "ambient is set");
	FAILS(prctl(P_CAP_AMBIENT, AMB_IS_SET, 64, 0, 0), EINVAL,
	    "ambient cap 64");
	FAILS(prctl(P_CAP_AMBIENT, 9, C_NET_BIND, 0, 0), EINVAL,
	    "ambient op 9");
	FAILS(prctl(P_CAP_AMBIENT, AMB_CLEAR_ALL, 1, 0, 0), EINVAL,
	    "clear all with an argument");
	status_agrees();
	CHECK(cap_set(c.eff, c.prm, 0) == 0, "inheritable cleared");
	CHECK(prctl(P_CAP_AMBIENT, AMB_IS_SET, C_NET_BIND, 0, 0) == 0,
	    "capset took it out of ambient");
	CHECK(cap_set(c.eff, c.prm, nb) == 0 &&
	    prctl(P_CAP_AMBIENT, AMB_RAISE, C_NET_BIND, 0, 0) == 0 &&
	    prctl(P_CAP_AMBIENT, AMB_LOWER, C_NET_BIND, 0, 0) == 0 &&
	    prctl(P_CAP_AMBIENT, AMB_IS_SET, C_NET_BIND, 0, 0) == 0,
	    "ambient lower");
	CHECK(prctl(P_CAP_AMBIENT, AMB_RAISE, C_NET_BIND, 0, 0) == 0 &&
	    prctl(P_CAP_AMBIENT, AMB_CLEAR_ALL, 0, 0, 0) == 0 &&
	    prctl(P_CAP_AMBIENT, AMB_IS_SET, C_NET_BIND, 0, 0) == 0,
	    "ambient clear all");
	CHECK(prctl(P_CAP_AMBIENT, AMB_RAISE, C_NET_BIND, 0, 0) == 0,
	    "raise again");
	CHECK(prctl(P_SET_KEEPCAPS, 1, 0, 0, 0) == 0 &&
	    syscall(SYS_setresuid, 1000, 1000, 1000) == 0, "drop to 1000");
	CHECK(prctl(P_CAP_AMBIENT, AMB_IS_SET, C_NET_BIND, 0, 0) == 0,
	    "leaving root clears ambient, keepcaps or not");
}

static void
caps_nnp(void)
{
	FAILS(prctl(P_SET_NNP, 0, 0, 0, 0), EINVAL, "no_new_privs 0");
	FAILS(prctl(P_SET_NNP, 1, 1, 0, 0), EINVAL, "no_new_privs arg3");
	FAILS(prctl(P_GET_NNP, 1, 0, 0, 0), EINVAL, "get no_new_privs arg2");
	CHECK(prctl(P_GET_NNP, 0, 0, 0, 0) == 0, "no_new_privs starts 0");
	CHECK(prctl(P_SET_NNP, 1, 0, 0, 0) == 0, "set no_new_privs");
	CHECK(prctl(P_GET_NNP, 0, 0, 0, 0) == 1, "no_new_privs is 1");
	status_agrees();
}

static void
mode_caps(void)
{
	struct { uint32_t version; int pid; } h;
	struct { uint32_t eff, prm, inh; } d[2];
	struct caps c = caps_now(), v1, v2, k;
	uint64_t b = bounding(), raw = 1ULL << C_NET_RAW;
	pid_t pid;
	int st;

	CHECK(cap_get(0, CAP_V1, &v1) == 0 && v1.eff == (uint32_t)c.eff &&
	    v1.prm == (uint32_t)c.prm, "v1 gives the low 32 bits");
	CHECK(cap_get(0, CAP_V2, &v2) == 0 && v2.eff == c.eff, "v2");
	CHECK(cap_get(getpid(), CAP_V3, &v2) == 0 && v2.eff == c.eff,
	    "capget of own pid");
	h.version = 0x12345678;
	h.pid = 0;
	CHECK(syscall(SYS_capget, &h, NULL) == 0 && h.version == CAP_V3,
	    "capget probe: NULL data, preferred version written, 0");
	h.version = 0x12345678;
	FAILS(syscall(SYS_capget, &h, d), EINVAL, "capget unknown version");
	CHECK(h.version == CAP_V3, "the preferred version written back");
	h.version = 0x12345678;
	FAILS(syscall(SYS_capset, &h, d), EINVAL, "capset unknown version");
	CHECK(h.version == CAP_V3, "capset wrote the preferred version");
	h.version = CAP_V3;
	h.pid = -1;
	FAILS(syscall(SYS_capget, &h, d), EINVAL, "capget pid -1");
	h.pid = 99999;
	FAILS(syscall(SYS_capget, &h, d), ESRCH, "capget of no process");
	FAILS(syscall(SYS_capget, (void *)8, d), EFAULT, "capget header EFAULT");
	h.pid = 0;
	FAILS(syscall(SYS_capget, &h, (void *)8), EFAULT, "capget data EFAULT");
	fflush(stdout);
	if ((pid = fork()) == 0) {
		prctl(P_SET_KEEPCAPS, 1, 0, 0, 0);
		syscall(SYS_setresuid, 1000, 1000, 1000);
		pause();
		_exit(0);
	}
	usleep(100000);
	CHECK(cap_get(pid, CAP_V3, &k) == 0 && k.eff == 0 && k.prm == c.prm,
	    "capget of another process");
	h.pid = pid;
	memset(d, 0, sizeof(d));
	FAILS(syscall(SYS_capset, &h, d), EPERM, "capset of another pid");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	FAILS(cap_set(c.eff, c.prm & ~raw, 0), EPERM,
	    "effective not in permitted");
	CHECK(cap_set(c.eff & ~raw, c.prm & ~raw, 0) == 0,
	    "drop NET_RAW from permitted");
	k = caps_now();
	CHECK(k.prm == (c.prm & ~raw) && k.eff == (c.eff & ~raw), "dropped");
	FAILS(cap_set(c.eff, c.prm, 0), EPERM, "permitted cannot grow back");
	CHECK(cap_set((c.eff & ~raw) | (1ULL << 50), (c.prm & ~raw) |
	    (1ULL << 50), 0) == 0 && (caps_now().prm >> 50 & 1) == 0,
	    "bits past the last capability are dropped");
	status_agrees();
	CHECK(prctl(P_CAPBSET_READ, C_NET_RAW, 0, 0, 0) == (int)(b >> C_NET_RAW & 1),
	    "PR_CAPBSET_READ");
	FAILS(prctl(P_CAPBSET_READ, 64, 0, 0, 0), EINVAL, "CAPBSET_READ 64");
	FAILS(prctl(P_CAPBSET_DROP, 64, 0, 0, 0), EINVAL, "CAPBSET_DROP 64");
	CHECK(prctl(P_CAPBSET_DROP, C_NET_RAW, 0, 0, 0) == 0 &&
	    prctl(P_CAPBSET_READ, C_NET_RAW, 0, 0, 0) == 0, "bounding drop");
	FAILS(cap_set(k.eff, k.prm, raw), EPERM,
	    "inheritable outside the bounding set");
	status_agrees();
	in_child(caps_drop_setpcap, "without CAP_SETPCAP");
	in_child(caps_ambient, "ambient");
	in_child(caps_nnp, "no_new_privs");
}

/* ---- fork, kill, si_uid ---- */

static volatile sig_atomic_t got_uid = -1, got_pid;

static void
on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	got_uid = (sig_atomic_t)si->si_uid;
	got_pid = si->si_pid;
}

static void
mode_fork(void)
{
	gid_t g[4] = { 7 }, gg[4];
	siginfo_t si;
	pid_t pid;
	struct caps c;
	int st;

	CHECK(setgroups(1, g) == 0, "setgroups 7");
	CHECK(syscall(SYS_setresgid, 11, 12, 13) == 0, "setresgid 11 12 13");
	CHECK(prctl(P_SET_KEEPCAPS, 1, 0, 0, 0) == 0, "keepcaps");
	CHECK(syscall(SYS_setresuid, 1000, 1001, 1002) == 0,
	    "setresuid 1000 1001 1002");
	c = caps_now();
	fflush(stdout);
	if ((pid = fork()) == 0) {
		struct caps cc = caps_now();

		checks = failures = 0;
		CHECK(UIDS(1000, 1001, 1002) && GIDS(11, 12, 13) &&
		    fsuid_now() == 1001 && fsgid_now() == 12,
		    "the child has its parent's ids");
		CHECK(getgroups(4, gg) == 1 && gg[0] == 7, "and groups");
		CHECK(cc.prm == c.prm && cc.eff == c.eff && cc.inh == c.inh,
		    "and capabilities");
		CHECK(prctl(P_GET_KEEPCAPS, 0, 0, 0, 0) == 1, "and keepcaps");
		status_agrees();
		CHECK(syscall(SYS_setresuid, 1002, 1002, 1002) == 0,
		    "child changes its own ids");
		child_done();
	}
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED) == 0 && si.si_status == 0 &&
	    si.si_uid == 1002, "waitid's si_uid is the child's ruid: %u",
	    (unsigned)si.si_uid);
	CHECK(UIDS(1000, 1001, 1002), "parent's ids unchanged");
	(void)st;
}

/* A dropped process and a root one (each its own child of the test). */
static void
mode_kill(void)
{
	struct sigaction sa;
	int tochild[2], st;
	pid_t rootp, dropped, me = getpid();
	char c;
	sigset_t set;
	siginfo_t si;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	CHECK(pipe(tochild) == 0, "pipe");
	fflush(stdout);
	/* A root process in a group of its own. */
	if ((rootp = fork()) == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	setpgid(rootp, rootp);
	if ((dropped = fork()) == 0) {
		checks = failures = 0;
		CHECK(syscall(SYS_setresuid, 1000, 1000, 1000) == 0, "drop");
		FAILS(kill(rootp, 0), EPERM, "kill root process, signal 0");
		FAILS(kill(rootp, SIGTERM), EPERM, "SIGTERM to root process");
		FAILS(syscall(SYS_tgkill, rootp, rootp, SIGTERM), EPERM,
		    "tgkill to root process");
		FAILS(kill(-rootp, SIGTERM), EPERM, "kill a group of root");
		CHECK(kill(rootp, SIGCONT) == 0, "SIGCONT in the session");
		CHECK(kill(-1, 0) == 0, "kill -1: EPERM is not an error");
		CHECK(kill(getpid(), 0) == 0, "itself");
		FAILS(kill(me, SIGUSR1), EPERM, "SIGUSR1 to its root parent");
		CHECK(kill(getpid(), SIGUSR1) == 0 && got_uid == 1000 &&
		    got_pid == getpid(), "its own signal says si_uid %d",
		    (int)got_uid);
		/* Let the parent send to us, then tell it. */
		CHECK(read(tochild[0], &c, 1) == 1, "wait for the parent");
		child_done();
	}
	usleep(100000);
	CHECK(kill(dropped, 0) == 0, "root kills a dropped one (CAP_KILL)");
	CHECK(write(tochild[1], "x", 1) == 1, "go");
	CHECK(waitpid(dropped, &st, 0) == dropped && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "dropped child");
	CHECK(kill(rootp, SIGKILL) == 0, "root kills root");
	waitpid(rootp, &st, 0);
	/* A root process's own signal carries si_uid 0. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	CHECK(kill(getpid(), SIGUSR2) == 0 && sigwaitinfo(&set, &si) ==
	    SIGUSR2 && si.si_uid == 0, "root's si_uid is 0");
}

/* ---- exec of set-id programs ---- */

/* show R E S RG EG SG SECURE PRM EFF: checks what exec gave this image;
 * exits 0 when it all matches. */
static int
mode_show(char **argv)
{
	unsigned want[7];
	unsigned long long prm, eff;
	struct caps c;
	int i;

	for (i = 0; i < 7; i++)
		want[i] = (unsigned)strtoul(argv[i], NULL, 0);
	prm = strtoull(argv[7], NULL, 16);
	eff = strtoull(argv[8], NULL, 16);
	CHECK(UIDS(want[0], want[1], want[2]), "uids after exec");
	CHECK(GIDS(want[3], want[4], want[5]), "gids after exec");
	CHECK(fsuid_now() == want[1] && fsgid_now() == want[4],
	    "fs ids follow the effective ones");
	CHECK(getauxval(AT_SECURE) == want[6], "AT_SECURE %lu, want %u",
	    getauxval(AT_SECURE), want[6]);
	CHECK(getauxval(AT_UID) == want[0] && getauxval(AT_EUID) == want[1] &&
	    getauxval(AT_GID) == want[3] && getauxval(AT_EGID) == want[4],
	    "AT_UID/EUID/GID/EGID");
	c = caps_now();
	CHECK(c.prm == prm && c.eff == eff, "caps %llx %llx, want %llx %llx",
	    (unsigned long long)c.prm, (unsigned long long)c.eff, prm, eff);
	CHECK(prctl(P_GET_KEEPCAPS, 0, 0, 0, 0) == 0, "exec clears keepcaps");
	status_agrees();
	fflush(stdout);
	return failures != 0;
}

static const char *suid_path, *plain_path;

/* Execs path in a child as show with these expectations. */
static void
exec_expect(const char *path, unsigned r, unsigned e, unsigned s,
    unsigned rg, unsigned eg, unsigned sg, int secure, uint64_t prm,
    uint64_t eff, const char *what)
{
	char a[9][24];
	char *argv[12];
	unsigned v[7] = { r, e, s, rg, eg, sg, (unsigned)secure };
	int i, st;
	pid_t pid;

	argv[0] = "cred";
	argv[1] = "show";
	for (i = 0; i < 7; i++) {
		snprintf(a[i], sizeof(a[i]), "%u", v[i]);
		argv[2 + i] = a[i];
	}
	snprintf(a[7], sizeof(a[7]), "%llx", (unsigned long long)prm);
	snprintf(a[8], sizeof(a[8]), "%llx", (unsigned long long)eff);
	argv[9] = a[7];
	argv[10] = a[8];
	argv[11] = NULL;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		execv(path, argv);
		_exit(127);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "exec %s: status %#x", what, st);
}

static void
exec_dropped(void)
{
	CHECK(syscall(SYS_setresgid, 65534, 65534, 65534) == 0 &&
	    syscall(SYS_setresuid, 65534, 65534, 65534) == 0, "drop");
	exec_expect(suid_path, 65534, 4242, 4242, 65534, 4343, 4343, 1, 0, 0,
	    "set-id copy as 65534");
	exec_expect(plain_path, 65534, 65534, 65534, 65534, 65534, 65534, 0,
	    0, 0, "plain copy as 65534");
	CHECK(prctl(P_SET_NNP, 1, 0, 0, 0) == 0, "no_new_privs");
	exec_expect(suid_path, 65534, 65534, 65534, 65534, 65534, 65534, 0,
	    0, 0, "set-id copy under no_new_privs");
}

static void
exec_euid_elsewhere(void)
{
	CHECK(syscall(SYS_setresuid, 65534, 1234, 1234) == 0, "ruid 65534 "
	    "euid 1234");
	exec_expect(plain_path, 65534, 1234, 1234, 0, 0, 0, 1, 0, 0,
	    "plain copy with euid != ruid: secure");
}

static void
exec_root_nnp(void)
{
	CHECK(prctl(P_SET_NNP, 1, 0, 0, 0) == 0, "no_new_privs");
	exec_expect(suid_path, 0, 0, 0, 0, 0, 0, 0, bounding(), bounding(),
	    "set-id copy as root under no_new_privs");
}

static void
exec_ambient(void)
{
	uint64_t nb = 1ULL << C_NET_BIND;
	struct caps c = caps_now();

	CHECK(cap_set(c.eff, c.prm, nb) == 0, "inheritable NET_BIND");
	CHECK(prctl(P_CAP_AMBIENT, AMB_RAISE, C_NET_BIND, 0, 0) == 0, "raise");
	CHECK(prctl(P_SET_KEEPCAPS, 1, 0, 0, 0) == 0, "keepcaps");
	CHECK(syscall(SYS_setresuid, 1000, 1000, 1000) == 0, "drop");
	/* Leaving root cleared ambient: raise it again from permitted. */
	c = caps_now();
	CHECK(cap_set(nb, c.prm, nb) == 0, "effective NET_BIND");
	CHECK(prctl(P_CAP_AMBIENT, AMB_RAISE, C_NET_BIND, 0, 0) == 0,
	    "raise as 1000");
	exec_expect(plain_path, 1000, 1000, 1000, 0, 0, 0, 0, nb, nb,
	    "ambient survives exec for a non-root program");
	exec_expect(suid_path, 1000, 4242, 4242, 0, 4343, 4343, 1, 0, 0,
	    "set-id exec clears ambient");
}

/* suid SUIDCOPY PLAINCOPY: a copy of this program owned by 4242:4343,
 * mode 6755, and one not set-id. */
static void
mode_suid(char **argv)
{
	uint64_t b = bounding();

	suid_path = argv[0];
	plain_path = argv[1];
	/* root: euid 4242, ruid 0 keeps the bounding set permitted but
	 * not effective. */
	exec_expect(suid_path, 0, 4242, 4242, 0, 4343, 4343, 1, b, 0,
	    "set-id copy as root");
	exec_expect(plain_path, 0, 0, 0, 0, 0, 0, 0, b, b, "plain as root");
	in_child(exec_dropped, "exec as 65534");
	in_child(exec_euid_elsewhere, "exec with euid elsewhere");
	in_child(exec_root_nnp, "root under no_new_privs");
	in_child(exec_ambient, "ambient across exec");
}

/* ---- host files under the ids ---- */

static const char *hdir;

static int
open_rel(const char *name, int flags)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", hdir, name);
	return open(path, flags | O_CLOEXEC, 0644);
}

static int
owner_is(const char *name, unsigned uid, unsigned gid)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", hdir, name);
	if (stat(path, &st) != 0)
		return 0;
	if (st.st_uid != uid || st.st_gid != gid) {
		printf("  (%s is %u:%u)\n", name, (unsigned)st.st_uid,
		    (unsigned)st.st_gid);
		return 0;
	}
	return 1;
}

static void
host_fsuid(void)
{
	int fd;

	CHECK(syscall(SYS_setfsuid, 65534) == 0, "setfsuid 65534");
	errno = 0;
	CHECK((fd = open_rel("secret", O_RDONLY)) < 0 && errno == EACCES,
	    "0600 root file as fsuid 65534: EACCES");
	CHECK((fd = open_rel("pub/by-fsuid", O_CREAT | O_WRONLY)) >= 0 &&
	    close(fd) == 0, "create as fsuid 65534");
	CHECK(owner_is("pub/by-fsuid", 65534, 0), "owned by fsuid:fsgid");
	CHECK(syscall(SYS_setfsgid, 65534) == 0, "setfsgid 65534");
	CHECK((fd = open_rel("pub/by-fsgid", O_CREAT | O_WRONLY)) >= 0 &&
	    close(fd) == 0, "create as 65534:65534");
	CHECK(owner_is("pub/by-fsgid", 65534, 65534), "owned by 65534:65534");
	CHECK(syscall(SYS_setfsuid, 0) == 65534, "setfsuid 0");
	CHECK((fd = open_rel("secret", O_RDONLY)) >= 0 && close(fd) == 0,
	    "fsuid 0 again: the secret opens");
}

static void
host_dropped(void)
{
	char cwd[4096], buf[16];
	gid_t g = 4444;
	pid_t pid;
	int fd, dfd, st;

	CHECK(setgroups(1, &g) == 0, "setgroups 4444");
	CHECK(syscall(SYS_setresgid, 65534, 65534, 65534) == 0 &&
	    syscall(SYS_setresuid, 65534, 65534, 65534) == 0, "drop to 65534");
	errno = 0;
	CHECK(open_rel("secret", O_RDONLY) < 0 && errno == EACCES,
	    "0600 root file: EACCES");
	errno = 0;
	CHECK(open_rel("new", O_CREAT | O_WRONLY) < 0 && errno == EACCES,
	    "create in a 0755 root directory: EACCES");
	CHECK((fd = open_rel("grp", O_RDONLY)) >= 0 && close(fd) == 0,
	    "0640 file of group 4444 through the supplementary group");
	CHECK((fd = open_rel("pub/by-uid", O_CREAT | O_WRONLY)) >= 0 &&
	    write(fd, "hello", 5) == 5 && close(fd) == 0, "create in pub");
	CHECK(owner_is("pub/by-uid", 65534, 65534), "owned by 65534:65534");
	snprintf(cwd, sizeof(cwd), "%s/pub", hdir);
	CHECK(chdir(cwd) == 0, "chdir pub");
	CHECK(getcwd(buf, 1) == NULL && errno == ERANGE, "getcwd ERANGE");
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strstr(cwd, "/pub") != NULL,
	    "getcwd %s", cwd);
	CHECK((dfd = open(".", O_RDONLY | O_DIRECTORY)) >= 0, "open .");
	CHECK((fd = openat(dfd, "by-uid", O_RDONLY)) >= 0 &&
	    read(fd, buf, 5) == 5 && memcmp(buf, "hello", 5) == 0 &&
	    close(fd) == 0, "openat through a directory descriptor");
	CHECK(fchdir(dfd) == 0 && getcwd(cwd, sizeof(cwd)) != NULL, "fchdir");
	fflush(stdout);
	if ((pid = fork()) == 0) {
		checks = failures = 0;
		errno = 0;
		CHECK(open_rel("secret", O_RDONLY) < 0 && errno == EACCES,
		    "the child inherits the ids");
		CHECK((fd = open_rel("pub/by-uid", O_RDONLY)) >= 0,
		    "and reads its parent's file");
		child_done();
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && st == 0,
	    "a fork after the drop");
	fflush(stdout);
	if ((pid = fork()) == 0) {
		char *args[] = { "cred", "show", "65534", "65534", "65534",
		    "65534", "65534", "65534", "0", "0", "0", NULL };

		execv(self, args);
		_exit(127);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && st == 0,
	    "an exec after the drop");
	CHECK(setgroups(0, NULL) == -1 && errno == EPERM, "setgroups EPERM");
}

/* access() checks the real ids, faccessat(AT_EACCESS) the effective. */
static void
host_access(void)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/secret", hdir);
	CHECK(syscall(SYS_setresuid, 65534, 0, 0) == 0, "ruid 65534, euid 0");
	errno = 0;
	CHECK(access(path, R_OK) == -1 && errno == EACCES,
	    "access checks the real uid");
	CHECK(syscall(SYS_faccessat2, AT_FDCWD, path, R_OK, AT_EACCESS) == 0,
	    "AT_EACCESS checks the effective uid");
	CHECK((fd = open(path, O_RDONLY)) >= 0 && close(fd) == 0,
	    "open checks fsuid 0");
	CHECK(syscall(SYS_setresuid, 0, 65534, 0) == 0, "ruid 0, euid 65534");
	CHECK(access(path, R_OK) == 0, "access as real root");
	errno = 0;
	CHECK(open(path, O_RDONLY) == -1 && errno == EACCES,
	    "open as fsuid 65534");
}

/* hostfs DIR: DIR (0755, root) holds secret (0600 root), grp (0640
 * root:4444) and pub/ (1777). */
static void
mode_hostfs(char **argv)
{
	int fd;

	hdir = argv[0];
	CHECK((fd = open_rel("secret", O_RDONLY)) >= 0 && close(fd) == 0,
	    "root opens the 0600 file");
	in_child(host_fsuid, "setfsuid");
	in_child(host_dropped, "dropped to 65534");
	in_child(host_access, "access and real ids");
}

/* ---- an unprivileged process (the vkernel's own ids) ---- */

static void
mode_unpriv(void)
{
	unsigned r, e, s;
	struct caps c = caps_now();
	gid_t g = 0;

	CHECK(getresuid(&r, &e, &s) == 0 && r != 0 && r == e && e == s,
	    "not root: %u %u %u", r, e, s);
	CHECK(getuid() == r && geteuid() == e && fsuid_now() == e, "getuid");
	CHECK(c.eff == 0 && c.prm == 0, "no capabilities");
	FAILS(setuid(0), EPERM, "setuid 0");
	FAILS(syscall(SYS_setresuid, -1, 0, -1), EPERM, "seteuid 0");
	FAILS(setgroups(1, &g), EPERM, "setgroups");
	CHECK(syscall(SYS_setfsuid, 0) == e && fsuid_now() == e,
	    "setfsuid 0 changes nothing");
	CHECK(syscall(SYS_setresuid, -1, r, -1) == 0, "seteuid to itself");
	CHECK(setuid(r) == 0 && UIDS(r, r, r), "setuid to itself");
	FAILS(prctl(P_CAPBSET_DROP, C_NET_RAW, 0, 0, 0), EPERM,
	    "PR_CAPBSET_DROP");
	status_agrees();
}

/* dropwait: drops to 65534, says "dropped" and waits for a signal. */
static int
mode_dropwait(void)
{
	if (syscall(SYS_setresgid, 65534, 65534, 65534) != 0 ||
	    syscall(SYS_setresuid, 65534, 65534, 65534) != 0)
		return 1;
	printf("dropped\n");
	fflush(stdout);
	pause();
	return 0;
}

/* ---- posix_spawn with POSIX_SPAWN_RESETIDS ---- */

static void
spawn_one(short flags, unsigned r, unsigned e, unsigned s, int secure,
    uint64_t prm, uint64_t eff, const char *what)
{
	char a[9][24], *argv[12];
	unsigned v[7] = { r, e, s, 0, 0, 0, (unsigned)secure };
	unsigned gr, ge, gs;
	posix_spawnattr_t at;
	pid_t pid;
	int i, st;

	getresgid(&gr, &ge, &gs);
	v[3] = gr;
	v[4] = ge;
	v[5] = ge;
	argv[0] = "cred";
	argv[1] = "show";
	for (i = 0; i < 7; i++) {
		snprintf(a[i], sizeof(a[i]), "%u", v[i]);
		argv[2 + i] = a[i];
	}
	snprintf(a[7], sizeof(a[7]), "%llx", (unsigned long long)prm);
	snprintf(a[8], sizeof(a[8]), "%llx", (unsigned long long)eff);
	argv[9] = a[7];
	argv[10] = a[8];
	argv[11] = NULL;
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, flags);
	fflush(stdout);
	CHECK(posix_spawn(&pid, self, NULL, &at, argv, NULL) == 0,
	    "posix_spawn %s", what);
	posix_spawnattr_destroy(&at);
	CHECK(waitpid(pid, &st, 0) == pid && st == 0, "spawned %s: %#x",
	    what, st);
}

static void
spawn_root(void)
{
	uint64_t b = bounding();

	CHECK(syscall(SYS_setresuid, -1, 1000, -1) == 0, "seteuid 1000");
	spawn_one(POSIX_SPAWN_RESETIDS, 0, 0, 0, 0, b, b,
	    "RESETIDS: euid back to the real one");
	spawn_one(0, 0, 1000, 1000, 1, b, 0, "without: euid 1000 stays");
}

static void
mode_spawn(void)
{
	unsigned r, e, s;
	struct caps c = caps_now();

	getresuid(&r, &e, &s);
	/* What make does: RESETIDS when the ids already agree. */
	spawn_one(POSIX_SPAWN_RESETIDS, r, r, r, 0, r == 0 ? bounding() : 0,
	    r == 0 ? bounding() : 0, "RESETIDS with equal ids");
	(void)c;
	if (r == 0)
		in_child(spawn_root, "root with euid 1000");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: cred MODE ARGS...\n");
		return 2;
	}
	mode = argv[1];
	self = "/proc/self/exe";
	if (strcmp(mode, "show") == 0 && argc == 11)
		return mode_show(argv + 2);
	if (strcmp(mode, "dropwait") == 0)
		return mode_dropwait();
	tally = mmap(NULL, sizeof(*tally), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tally == MAP_FAILED)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(mode, "ids") == 0)
		mode_ids();
	else if (strcmp(mode, "groups") == 0)
		mode_groups();
	else if (strcmp(mode, "caps") == 0)
		mode_caps();
	else if (strcmp(mode, "fork") == 0)
		mode_fork();
	else if (strcmp(mode, "kill") == 0)
		mode_kill();
	else if (strcmp(mode, "suid") == 0 && argc == 4)
		mode_suid(argv + 2);
	else if (strcmp(mode, "hostfs") == 0 && argc == 3)
		mode_hostfs(argv + 2);
	else if (strcmp(mode, "unpriv") == 0)
		mode_unpriv();
	else if (strcmp(mode, "spawn") == 0)
		mode_spawn();
	else {
		fprintf(stderr, "cred: unknown mode %s\n", mode);
		return 2;
	}
	checks += tally->checks;
	failures += tally->failures;
	if (failures != 0) {
		printf("%s: %ld of %ld checks failed\n", mode, failures, checks);
		return 1;
	}
	printf("%s ok: %ld checks\n", mode, checks);
	return 0;
}
