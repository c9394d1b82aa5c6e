/* cred.c: a guest process's identity (ids, groups, capabilities): pid 1's from the host, fork's copy, Linux's rules for set*id and exec, and the host file-system identity of the vCPU thread. */

/*
 * The model is Linux's struct cred (kernel/cred.c, kernel/sys.c,
 * security/commoncap.c).  pid 1 starts with the vkernel's own host
 * identity, so a guest that never changes it sees what it saw before.
 *
 * The host enforces the guest's file-system identity only where it can:
 * when the vkernel holds CAP_SETUID and CAP_SETGID, the vCPU thread takes
 * the fsuid, fsgid and supplementary groups of the process whose system
 * call runs (raw setfsuid, setfsgid and setgroups, which change only the
 * calling thread), lazily, when they differ from what the thread has.
 * The host drops the thread's file-system capabilities itself while fsuid
 * is not 0.  Without them the model is virtual: the guest starts with the
 * vkernel's unprivileged ids, Linux's rules let it set only those, exec
 * never gives it ids the vkernel could not take, and the host checks
 * every access as the vkernel.
 */

#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cred.h"
#include "kmem.h"

#define MAX_EXTENTS 340                  /* Linux's uid_map limit */

/* The file-system capabilities (Linux's CAP_FS_SET). */
#define CAP_FS_SET ((1ULL << CAP_CHOWN) | (1ULL << CAP_MKNOD) | \
	(1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_DAC_READ_SEARCH) | \
	(1ULL << CAP_FOWNER) | (1ULL << CAP_FSETID) | \
	(1ULL << CAP_MAC_OVERRIDE) | (1ULL << CAP_LINUX_IMMUTABLE))

/* The ids of the vkernel's user namespace: [first, first + count). */
struct idmap {
	int n;                       /* -1: unknown, every id but -1 valid */
	uint32_t first[MAX_EXTENTS], count[MAX_EXTENTS];
};

/* What the host told at start-up (cred_init_host's first call). */
static struct {
	bool probed;
	int last_cap;                /* the highest capability number */
	bool enforce;                /* CAP_SETUID and CAP_SETGID: host follows */
	bool setgroups_ok;           /* the host lets the thread set groups */
	bool setgroups_deny;         /* its user namespace denies setgroups */
	uid_t uid[3];                /* the vkernel's real, effective, saved */
	gid_t gid[3];
	uid_t fsuid;
	gid_t fsgid;
	struct group_info *groups;
	int pdeathsig;               /* its own parent-death signal, or 0 */
	struct idmap uidmap, gidmap;
} host;

/* The calling vCPU thread's file-system identity now (host.enforce only):
 * each thread has its own (setfsuid, setfsgid and setgroups, made raw,
 * change only the calling thread). */
static _Thread_local struct {
	uid_t fsuid;
	gid_t fsgid;
	struct group_info *groups;   /* a reference */
} thr;

/* ---- groups ---- */

#define GROUPS_SIZE(n) (sizeof(struct group_info) + (size_t)(n) * sizeof(gid_t))

struct group_info *
groups_alloc(int n)
{
	struct group_info *gi;

	/* Charged to the kernel memory budget: up to 256 KiB a list. */
	if (n < 0 || n > CRED_NGROUPS_MAX ||
	    (gi = kmem_alloc(GROUPS_SIZE(n))) == NULL)
		return NULL;
	gi->refs = 1;
	gi->ngroups = n;
	return gi;
}

static struct group_info *
groups_get(struct group_info *gi)
{
	gi->refs++;
	return gi;
}

void
groups_put(struct group_info *gi)
{
	if (gi != NULL && --gi->refs == 0)
		kmem_free(gi, GROUPS_SIZE(gi->ngroups));
}

static int
gid_cmp(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

void
groups_sort(struct group_info *gi)
{
	qsort(gi->gid, (size_t)gi->ngroups, sizeof(gid_t), gid_cmp);
}

static bool
groups_equal(const struct group_info *a, const struct group_info *b)
{
	return a == b || (a->ngroups == b->ngroups &&
	    memcmp(a->gid, b->gid, (size_t)a->ngroups * sizeof(gid_t)) == 0);
}

/* ---- what the host says ---- */

/* /proc/self/uid_map or gid_map; unreadable: every id is taken as valid. */
static void
idmap_read(struct idmap *m, const char *path)
{
	unsigned long in, out, count;
	FILE *f;

	m->n = -1;
	if ((f = fopen(path, "re")) == NULL)
		return;
	m->n = 0;
	while (m->n < MAX_EXTENTS &&
	    fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3) {
		m->first[m->n] = (uint32_t)in;
		m->count[m->n] = (uint32_t)count;
		m->n++;
	}
	fclose(f);
}

static bool
idmap_has(const struct idmap *m, uint32_t id)
{
	int i;

	if (id == (uint32_t)-1)
		return false;
	if (m->n < 0)
		return true;
	for (i = 0; i < m->n; i++)
		if (id >= m->first[i] && id - m->first[i] < m->count[i])
			return true;
	return false;
}

bool
cred_uid_valid(uid_t uid)
{
	return idmap_has(&host.uidmap, uid);
}

bool
cred_gid_valid(gid_t gid)
{
	return idmap_has(&host.gidmap, gid);
}

/* The vkernel's own capability sets (capget of itself, version 3). */
static int
host_capget(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &hdr, d) != 0)
		return -1;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

/* The vkernel's supplementary groups, sorted. */
static struct group_info *
host_groups(void)
{
	struct group_info *gi;
	int n;

	if ((n = getgroups(0, NULL)) < 0)
		n = 0;
	if ((gi = groups_alloc(n)) == NULL)
		return NULL;
	if (n > 0 && getgroups(n, gi->gid) != n)
		gi->ngroups = 0;
	groups_sort(gi);
	return gi;
}

/* /proc/self/setgroups says "deny" (a user namespace made without the
 * right to set groups: Linux's userns_may_setgroups). */
static bool
setgroups_denied(void)
{
	char buf[8] = "";
	FILE *f;

	if ((f = fopen("/proc/self/setgroups", "re")) == NULL)
		return false;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strncmp(buf, "deny", 4) == 0;
}

static int
host_probe(void)
{
	uint64_t eff = 0, prm, inh;
	int i;

	for (i = 0; i < 64; i++)
		if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) < 0)
			break;
	host.last_cap = i > 0 ? i - 1 : CAP_LAST_CAP;
	if ((host.groups = host_groups()) == NULL)
		return -ENOMEM;
	getresuid(&host.uid[0], &host.uid[1], &host.uid[2]);
	getresgid(&host.gid[0], &host.gid[1], &host.gid[2]);
	host.fsuid = (uid_t)syscall(SYS_setfsuid, -1);   /* -1: only reads */
	host.fsgid = (gid_t)syscall(SYS_setfsgid, -1);
	(void)host_capget(&eff, &prm, &inh);
	host.enforce = (eff & (1ULL << CAP_SETUID)) &&
	    (eff & (1ULL << CAP_SETGID));
	/* A user namespace may deny setgroups (/proc/self/setgroups). */
	host.setgroups_ok = host.enforce && syscall(SYS_setgroups,
	    host.groups->ngroups, host.groups->gid) == 0;
	host.setgroups_deny = setgroups_denied();
	(void)prctl(PR_GET_PDEATHSIG, &host.pdeathsig, 0, 0, 0);
	idmap_read(&host.uidmap, "/proc/self/uid_map");
	idmap_read(&host.gidmap, "/proc/self/gid_map");
	thr.fsuid = host.fsuid;
	thr.fsgid = host.fsgid;
	thr.groups = groups_get(host.groups);
	host.probed = true;
	return 0;
}

/* ---- credentials ---- */

int
cred_init_host(struct cred *c)
{
	uint64_t eff = 0, prm = 0, inh = 0;
	int i, rc;

	if (!host.probed && (rc = host_probe()) != 0)
		return rc;
	memset(c, 0, sizeof(*c));
	c->ruid = host.uid[0];
	c->euid = host.uid[1];
	c->suid = host.uid[2];
	c->fsuid = host.fsuid;
	c->rgid = host.gid[0];
	c->egid = host.gid[1];
	c->sgid = host.gid[2];
	c->fsgid = host.fsgid;
	c->groups = groups_get(host.groups);
	(void)host_capget(&eff, &prm, &inh);
	c->cap_eff = eff & cred_cap_valid_mask();
	c->cap_prm = prm & cred_cap_valid_mask();
	c->cap_inh = inh & cred_cap_valid_mask();
	for (i = 0; i <= host.last_cap; i++) {
		if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
			c->cap_bnd |= 1ULL << i;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, i, 0, 0) == 1)
			c->cap_amb |= 1ULL << i;
	}
	c->keepcaps = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 1;
	c->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
	return 0;
}

void
cred_copy(struct cred *dst, const struct cred *src)
{
	*dst = *src;
	groups_get(dst->groups);
}

void
cred_fini(struct cred *c)
{
	groups_put(c->groups);
	c->groups = NULL;
}

uint64_t
cred_cap_valid_mask(void)
{
	return host.last_cap >= 63 ? ~0ULL : (1ULL << (host.last_cap + 1)) - 1;
}

bool
cred_cap_valid(uint64_t cap)
{
	return cap <= (uint64_t)host.last_cap;
}

bool
cred_may_setgroups(void)
{
	return !host.setgroups_deny && (!host.enforce || host.setgroups_ok);
}

bool
cred_capable(const struct cred *c, int cap)
{
	return (c->cap_eff >> cap) & 1;
}

bool
cred_may_kill(const struct cred *from, const struct cred *to)
{
	return from->euid == to->suid || from->euid == to->ruid ||
	    from->ruid == to->suid || from->ruid == to->ruid ||
	    cred_capable(from, CAP_KILL);
}

void
cred_fix_setuid(struct cred *new, const struct cred *old)
{
	bool was_root = old->ruid == 0 || old->euid == 0 || old->suid == 0;
	bool is_root = new->ruid == 0 || new->euid == 0 || new->suid == 0;

	if (was_root && !is_root) {
		if (!new->keepcaps)
			new->cap_prm = new->cap_eff = 0;
		new->cap_amb = 0;
	}
	if (old->euid == 0 && new->euid != 0)
		new->cap_eff = 0;
	if (old->euid != 0 && new->euid == 0)
		new->cap_eff = new->cap_prm;
}

void
cred_fix_setfsuid(struct cred *new, const struct cred *old)
{
	if (old->fsuid == 0 && new->fsuid != 0)
		new->cap_eff &= ~CAP_FS_SET;
	if (old->fsuid != 0 && new->fsuid == 0)
		new->cap_eff |= new->cap_prm & CAP_FS_SET;
}

/* ---- exec ---- */

/* An id exec may give: any when the host follows the guest's ids, else
 * only one the vkernel holds itself (a guest never holds an id its
 * vkernel could not take). */
static bool
exec_may_take(uid_t uid, gid_t gid, bool setuid, bool setgid)
{
	int i;
	bool u = !setuid, g = !setgid;

	if (!cred_uid_valid(uid) || !cred_gid_valid(gid))
		return false;   /* Linux: no mapping in the namespace */
	if (host.enforce)
		return true;
	for (i = 0; i < 3; i++) {
		u |= host.uid[i] == uid;
		g |= host.gid[i] == gid;
	}
	return u && g;
}

void
cred_exec(struct cred_bprm *b, const struct cred *old, int fd,
    const struct stat *st)
{
	struct cred *new = &b->cred;
	bool setuid = st->st_mode & S_ISUID, effective = false, is_setid;
	bool setgid = (st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
	struct statvfs sv;

	*new = *old;
	/* bprm_fill_uid: the set-id bits, unless nosuid or no_new_privs. */
	if ((setuid || setgid) && !old->no_new_privs &&
	    fstatvfs(fd, &sv) == 0 && !(sv.f_flag & ST_NOSUID) &&
	    exec_may_take(st->st_uid, st->st_gid, setuid, setgid)) {
		if (setuid)
			new->euid = st->st_uid;
		if (setgid)
			new->egid = st->st_gid;
	}
	/* cap_bprm_creds_from_file for a file without capabilities: root
	 * gets the bounding set (and pI); only an effective root gets it in
	 * pE; everyone else keeps only the ambient set. */
	new->cap_prm = 0;
	if (new->euid == 0 || new->ruid == 0)
		new->cap_prm = old->cap_bnd | old->cap_inh;
	if (new->euid == 0)
		effective = true;
	is_setid = new->euid != old->ruid || new->egid != old->rgid;
	if ((is_setid || (new->cap_prm & ~old->cap_prm)) &&
	    old->no_new_privs) {
		/* They get no more than they had, and maybe less. */
		new->euid = new->ruid;
		new->egid = new->rgid;
		new->cap_prm &= old->cap_prm;
	}
	new->suid = new->fsuid = new->euid;
	new->sgid = new->fsgid = new->egid;
	if (is_setid)
		new->cap_amb = 0;
	new->cap_prm |= new->cap_amb;
	new->cap_eff = effective ? new->cap_prm : new->cap_amb;
	new->keepcaps = false;
	b->secure = is_setid || (new->ruid != 0 &&
	    (effective || (new->cap_prm & ~new->cap_amb)));
}

uint64_t
cred_aux(const struct cred *own, const struct cred_bprm *b, int type)
{
	const struct cred *c = b != NULL ? &b->cred : own;

	switch (type) {
	case AT_UID:    return c->ruid;
	case AT_EUID:   return c->euid;
	case AT_GID:    return c->rgid;
	case AT_EGID:   return c->egid;
	case AT_SECURE: return b != NULL && b->secure;
	default:        return 0;
	}
}

/* ---- the host file-system identity of the vCPU thread ---- */

bool
cred_host_enforced(void)
{
	return host.enforce;
}

/* Sets the one id with call (SYS_setfsuid or SYS_setfsgid) and reads it
 * back (-1 changes nothing and returns the present one). */
static int
host_set_id(long call, uint32_t id, uint32_t *now)
{
	(void)syscall(call, id);
	*now = (uint32_t)syscall(call, -1);
	return *now == id ? 0 : -1;
}

static int
host_set(uid_t fsuid, gid_t fsgid, struct group_info *gi)
{
	bool ids = false;
	int rc = 0;

	if (!host.enforce)
		return 0;
	if (gi != thr.groups) {
		if (!groups_equal(gi, thr.groups) && host.setgroups_ok &&
		    syscall(SYS_setgroups, gi->ngroups, gi->gid) != 0)
			return -1;
		groups_put(thr.groups);
		thr.groups = groups_get(gi);
	}
	if (fsgid != thr.fsgid) {
		ids = true;
		rc |= host_set_id(SYS_setfsgid, fsgid, &thr.fsgid);
	}
	if (fsuid != thr.fsuid) {
		ids = true;
		rc |= host_set_id(SYS_setfsuid, fsuid, &thr.fsuid);
	}
	/* The host clears a parent-death signal when fs ids change. */
	if (ids && host.pdeathsig != 0)
		(void)prctl(PR_SET_PDEATHSIG, host.pdeathsig, 0, 0, 0);
	return rc;
}

int
cred_host_use(const struct cred *c)
{
	return host_set(c->fsuid, c->fsgid, c->groups);
}

int
cred_host_use_real(const struct cred *c)
{
	return host_set(c->ruid, c->rgid, c->groups);
}

void
cred_thread_init(void)
{
	if (!host.probed)
		return;
	thr.fsuid = host.fsuid;
	thr.fsgid = host.fsgid;
	thr.groups = groups_get(host.groups);
}

void
cred_host_own(void)
{
	if (host.probed)
		(void)host_set(host.fsuid, host.fsgid, host.groups);
}
