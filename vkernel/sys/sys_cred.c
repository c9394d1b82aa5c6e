/* sys_cred.c: the credential system calls: the getuid and setuid families, setfsuid, groups, capget/capset and the capability prctls, with Linux's rules and errnos. */

/*
 * Each call works as Linux's (kernel/sys.c, kernel/groups.c,
 * kernel/capability.c, security/commoncap.c): the new credentials are
 * made from a copy of the old ones and replace them only when every check
 * passed.  An id must be mapped in the vkernel's user namespace (EINVAL
 * otherwise); (uid_t)-1 leaves an id unchanged where Linux allows it.
 * The host follows the new file-system identity at the next system call
 * (cred.c).
 */

#include <errno.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"
#include "cred.h"

#define NOCHANGE ((uint32_t)-1)

/* Replaces p's credentials by new (which shares p's groups). */
static long
commit(struct proc *p, const struct cred *new)
{
	p->cred = *new;
	return 0;
}

/* ---- ids ---- */

long
sys_getuid(struct proc *p, const uint64_t *a)
{
	(void)a;
	return p->cred.ruid;
}

long
sys_geteuid(struct proc *p, const uint64_t *a)
{
	(void)a;
	return p->cred.euid;
}

long
sys_getgid(struct proc *p, const uint64_t *a)
{
	(void)a;
	return p->cred.rgid;
}

long
sys_getegid(struct proc *p, const uint64_t *a)
{
	(void)a;
	return p->cred.egid;
}

/* getresuid, getresgid: each id written in turn, EFAULT at the first that
 * cannot be (those before it are written, as Linux's put_user chain). */
static long
put_three(struct proc *p, const uint64_t *a, uint32_t r, uint32_t e,
    uint32_t s)
{
	if (copyout(p, a[0], &r, sizeof(r)) || copyout(p, a[1], &e, sizeof(e)) ||
	    copyout(p, a[2], &s, sizeof(s)))
		return -EFAULT;
	return 0;
}

long
sys_getresuid(struct proc *p, const uint64_t *a)
{
	return put_three(p, a, p->cred.ruid, p->cred.euid, p->cred.suid);
}

long
sys_getresgid(struct proc *p, const uint64_t *a)
{
	return put_three(p, a, p->cred.rgid, p->cred.egid, p->cred.sgid);
}

/* setuid: with CAP_SETUID all of real, effective and saved; else only
 * the effective one, to the real or saved id. */
long
sys_setuid(struct proc *p, const uint64_t *a)
{
	const struct cred *old = &p->cred;
	struct cred new = *old;
	uid_t uid = (uid_t)a[0];

	if (!cred_uid_valid(uid))
		return -EINVAL;
	if (cred_capable(old, CAP_SETUID))
		new.ruid = new.suid = uid;
	else if (uid != old->ruid && uid != old->suid)
		return -EPERM;
	new.euid = new.fsuid = uid;
	cred_fix_setuid(&new, old);
	return commit(p, &new);
}

long
sys_setgid(struct proc *p, const uint64_t *a)
{
	const struct cred *old = &p->cred;
	struct cred new = *old;
	gid_t gid = (gid_t)a[0];

	if (!cred_gid_valid(gid))
		return -EINVAL;
	if (cred_capable(old, CAP_SETGID))
		new.rgid = new.sgid = gid;
	else if (gid != old->rgid && gid != old->sgid)
		return -EPERM;
	new.egid = new.fsgid = gid;
	return commit(p, &new);
}

/* setreuid: the real id to the real or effective one, the effective to
 * any of the three, without CAP_SETUID; the saved id follows the
 * effective when the real one is set or the effective leaves the real. */
long
sys_setreuid(struct proc *p, const uint64_t *a)
{
	const struct cred *old = &p->cred;
	struct cred new = *old;
	uid_t r = (uid_t)a[0], e = (uid_t)a[1];
	bool cap = cred_capable(old, CAP_SETUID);

	if ((r != NOCHANGE && !cred_uid_valid(r)) ||
	    (e != NOCHANGE && !cred_uid_valid(e)))
		return -EINVAL;
	if (r != NOCHANGE) {
		if (r != old->ruid && r != old->euid && !cap)
			return -EPERM;
		new.ruid = r;
	}
	if (e != NOCHANGE) {
		if (e != old->ruid && e != old->euid && e != old->suid && !cap)
			return -EPERM;
		new.euid = e;
	}
	if (r != NOCHANGE || (e != NOCHANGE && e != old->ruid))
		new.suid = new.euid;
	new.fsuid = new.euid;
	cred_fix_setuid(&new, old);
	return commit(p, &new);
}

long
sys_setregid(struct proc *p, const uint64_t *a)
{
	const struct cred *old = &p->cred;
	struct cred new = *old;
	gid_t r = (gid_t)a[0], e = (gid_t)a[1];
	bool cap = cred_capable(old, CAP_SETGID);

	if ((r != NOCHANGE && !cred_gid_valid(r)) ||
	    (e != NOCHANGE && !cred_gid_valid(e)))
		return -EINVAL;
	if (r != NOCHANGE) {
		if (r != old->rgid && r != old->egid && !cap)
			return -EPERM;
		new.rgid = r;
	}
	if (e != NOCHANGE) {
		if (e != old->rgid && e != old->egid && e != old->sgid && !cap)
			return -EPERM;
		new.egid = e;
	}
	if (r != NOCHANGE || (e != NOCHANGE && e != old->rgid))
		new.sgid = new.egid;
	new.fsgid = new.egid;
	return commit(p, &new);
}

/* One of setresuid's ids is new: none of the old three. */
static bool
res_new(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
	return id != NOCHANGE && id != r && id != e && id != s;
}

/* setresuid: without CAP_SETUID each id may only become one of the
 * three it has; a call that changes nothing succeeds at once. */
long
sys_setresuid(struct proc *p, const uint64_t *a)
{
	const struct cred *old = &p->cred;
	struct cred new = *old;
	uid_t r = (uid_t)a[0], e = (uid_t)a[1], s = (uid_t)a[2];

	if ((r != NOCHANGE && !cred_uid_valid(r)) ||
	    (e != NOCHANGE && !cred_uid_valid(e)) ||
	    (s != NOCHANGE && !cred_uid_valid(s)))
		return -EINVAL;
	if ((r == NOCHANGE || r == old->ruid) &&
	    (e == NOCHANGE || (e == old->euid && e == old->fsuid)) &&
	    (s == NOCHANGE || s == old->suid))
		return 0;
	if ((res_new(r, old->ruid, old->euid, old->suid) ||
	    res_new(e, old->ruid, old->euid, old->suid) ||
	    res_new(s, old->ruid, old->euid, old->suid)) &&
	    !cred_capable(old, CAP_SETUID))
		return -EPERM;
	if (r != NOCHANGE)
		new.ruid = r;
	if (e != NOCHANGE)
		new.euid = e;
	if (s != NOCHANGE)
		new.suid = s;
	new.fsuid = new.euid;
	cred_fix_setuid(&new, old);
	return commit(p, &new);
}

long
sys_setresgid(struct proc *p, const uint64_t *a)
{
	const struct cred *old = &p->cred;
	struct cred new = *old;
	gid_t r = (gid_t)a[0], e = (gid_t)a[1], s = (gid_t)a[2];

	if ((r != NOCHANGE && !cred_gid_valid(r)) ||
	    (e != NOCHANGE && !cred_gid_valid(e)) ||
	    (s != NOCHANGE && !cred_gid_valid(s)))
		return -EINVAL;
	if ((r == NOCHANGE || r == old->rgid) &&
	    (e == NOCHANGE || (e == old->egid && e == old->fsgid)) &&
	    (s == NOCHANGE || s == old->sgid))
		return 0;
	if ((res_new(r, old->rgid, old->egid, old->sgid) ||
	    res_new(e, old->rgid, old->egid, old->sgid) ||
	    res_new(s, old->rgid, old->egid, old->sgid)) &&
	    !cred_capable(old, CAP_SETGID))
		return -EPERM;
	if (r != NOCHANGE)
		new.rgid = r;
	if (e != NOCHANGE)
		new.egid = e;
	if (s != NOCHANGE)
		new.sgid = s;
	new.fsgid = new.egid;
	return commit(p, &new);
}

/* setfsuid, setfsgid: the old value always; the change only to one of the
 * process's ids (or any with CAP_SETUID / CAP_SETGID), never an error. */
long
sys_setfsuid(struct proc *p, const uint64_t *a)
{
	const struct cred *old = &p->cred;
	struct cred new = *old;
	uid_t uid = (uid_t)a[0], was = old->fsuid;

	if (!cred_uid_valid(uid) || uid == old->fsuid)
		return was;
	if (uid == old->ruid || uid == old->euid || uid == old->suid ||
	    cred_capable(old, CAP_SETUID)) {
		new.fsuid = uid;
		cred_fix_setfsuid(&new, old);
		commit(p, &new);
	}
	return was;
}

long
sys_setfsgid(struct proc *p, const uint64_t *a)
{
	const struct cred *old = &p->cred;
	gid_t gid = (gid_t)a[0], was = old->fsgid;

	if (!cred_gid_valid(gid) || gid == old->fsgid)
		return was;
	if (gid == old->rgid || gid == old->egid || gid == old->sgid ||
	    cred_capable(old, CAP_SETGID))
		p->cred.fsgid = gid;
	return was;
}

/* ---- supplementary groups ---- */

long
sys_getgroups(struct proc *p, const uint64_t *a)
{
	const struct group_info *gi = p->cred.groups;
	int size = (int)a[0];

	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return gi->ngroups;
	if (gi->ngroups > size)
		return -EINVAL;
	if (copyout(p, a[1], gi->gid, (size_t)gi->ngroups * sizeof(gid_t)))
		return -EFAULT;
	return gi->ngroups;
}

/* setgroups: CAP_SETGID, at most NGROUPS_MAX, each gid mapped; the list
 * is kept sorted and shared by every process that inherits it. */
long
sys_setgroups(struct proc *p, const uint64_t *a)
{
	struct group_info *gi;
	int size = (int)a[0], i;

	if (!cred_capable(&p->cred, CAP_SETGID) || !cred_may_setgroups())
		return -EPERM;
	if ((unsigned)size > CRED_NGROUPS_MAX)
		return -EINVAL;
	if ((gi = groups_alloc(size)) == NULL)
		return -ENOMEM;
	if (copyin(p, gi->gid, a[1], (size_t)size * sizeof(gid_t))) {
		groups_put(gi);
		return -EFAULT;
	}
	for (i = 0; i < size; i++)
		if (!cred_gid_valid(gi->gid[i])) {
			groups_put(gi);
			return -EINVAL;
		}
	groups_sort(gi);
	groups_put(p->cred.groups);
	p->cred.groups = gi;
	return 0;
}

/* ---- capabilities ---- */

struct cap_header {
	uint32_t version;
	int32_t pid;
};

/* The header's version: how many 32-bit data structs it means (1 for
 * v1, 2 for v2 and v3).  An unknown one gets the preferred version
 * written back and is -EINVAL, as Linux's cap_validate_magic. */
static int
cap_version(struct proc *p, gva_t hdr, unsigned *n)
{
	uint32_t v, pref = _LINUX_CAPABILITY_VERSION_3;

	if (copyin(p, &v, hdr, sizeof(v)))
		return -EFAULT;
	switch (v) {
	case _LINUX_CAPABILITY_VERSION_1:
		*n = 1;
		return 0;
	case _LINUX_CAPABILITY_VERSION_2:
	case _LINUX_CAPABILITY_VERSION_3:
		*n = 2;
		return 0;
	default:
		return copyout(p, hdr, &pref, sizeof(pref)) ? -EFAULT : -EINVAL;
	}
}

/* The process with pid, zombies included (Linux finds them until they
 * are reaped). */
static struct proc *
find_any(pid_t pid)
{
	struct proc *t;

	for (t = proc_first(); t != NULL; t = t->all_next)
		if (t->pid == pid)
			return t;
	return NULL;
}

long
sys_capget(struct proc *p, const uint64_t *a)
{
	struct __user_cap_data_struct d[2];
	const struct proc *t = p;
	struct cap_header h;
	unsigned n = 0;
	int rc;

	rc = cap_version(p, a[0], &n);
	if (a[1] == 0 || rc != 0)
		return a[1] == 0 && rc == -EINVAL ? 0 : rc;
	if (copyin(p, &h, a[0], sizeof(h)))
		return -EFAULT;
	if (h.pid < 0)
		return -EINVAL;
	if (h.pid != 0 && h.pid != p->pid && (t = find_any(h.pid)) == NULL)
		return -ESRCH;
	d[0].effective = (uint32_t)t->cred.cap_eff;
	d[1].effective = (uint32_t)(t->cred.cap_eff >> 32);
	d[0].permitted = (uint32_t)t->cred.cap_prm;
	d[1].permitted = (uint32_t)(t->cred.cap_prm >> 32);
	d[0].inheritable = (uint32_t)t->cred.cap_inh;
	d[1].inheritable = (uint32_t)(t->cred.cap_inh >> 32);
	return copyout(p, a[1], d, n * sizeof(d[0])) ? -EFAULT : 0;
}

/*
 * capset, of the caller only (EPERM for another pid): inheritable within
 * the old inheritable and permitted (unless CAP_SETPCAP) and within the
 * old inheritable and bounding sets; permitted within the old permitted;
 * effective within the new permitted.  Ambient keeps what stays both
 * permitted and inheritable.  Bits past the last capability are dropped.
 */
long
sys_capset(struct proc *p, const uint64_t *a)
{
	struct __user_cap_data_struct d[2];
	const struct cred *old = &p->cred;
	struct cred new = *old;
	uint64_t eff, prm, inh, valid = cred_cap_valid_mask();
	struct cap_header h;
	unsigned n = 0;
	int rc;

	if ((rc = cap_version(p, a[0], &n)) != 0)
		return rc;
	if (copyin(p, &h, a[0], sizeof(h)))
		return -EFAULT;
	if (h.pid != 0 && h.pid != p->pid)
		return -EPERM;
	memset(d, 0, sizeof(d));
	if (copyin(p, d, a[1], n * sizeof(d[0])))
		return -EFAULT;
	eff = (d[0].effective | (uint64_t)d[1].effective << 32) & valid;
	prm = (d[0].permitted | (uint64_t)d[1].permitted << 32) & valid;
	inh = (d[0].inheritable | (uint64_t)d[1].inheritable << 32) & valid;
	if (!cred_capable(old, CAP_SETPCAP) &&
	    (inh & ~(old->cap_inh | old->cap_prm)))
		return -EPERM;
	if ((inh & ~(old->cap_inh | old->cap_bnd)) || (prm & ~old->cap_prm) ||
	    (eff & ~prm))
		return -EPERM;
	new.cap_eff = eff;
	new.cap_prm = prm;
	new.cap_inh = inh;
	new.cap_amb &= prm & inh;
	return commit(p, &new);
}

/* prctl's credential options (commoncap.c's cap_task_prctl, and
 * no_new_privs): the bounding set, keepcaps, the ambient set. */
long
sys_prctl_cred(struct proc *p, const uint64_t *a)
{
	struct cred *c = &p->cred;

	switch (a[0]) {
	case PR_CAPBSET_READ:
		return cred_cap_valid(a[1]) ? (long)((c->cap_bnd >> a[1]) & 1) :
		    -EINVAL;
	case PR_CAPBSET_DROP:
		if (!cred_capable(c, CAP_SETPCAP))
			return -EPERM;
		if (!cred_cap_valid(a[1]))
			return -EINVAL;
		c->cap_bnd &= ~(1ULL << a[1]);
		return 0;
	case PR_GET_KEEPCAPS:
		return c->keepcaps;
	case PR_SET_KEEPCAPS:
		if (a[1] > 1)
			return -EINVAL;
		c->keepcaps = a[1] == 1;
		return 0;
	case PR_SET_NO_NEW_PRIVS:
		if (a[1] != 1 || a[2] || a[3] || a[4])
			return -EINVAL;
		c->no_new_privs = true;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a[1] || a[2] || a[3] || a[4])
			return -EINVAL;
		return c->no_new_privs;
	case PR_CAP_AMBIENT:
		if (a[1] == PR_CAP_AMBIENT_CLEAR_ALL) {
			if (a[2] || a[3] || a[4])
				return -EINVAL;
			c->cap_amb = 0;
			return 0;
		}
		if (!cred_cap_valid(a[2]) || a[3] || a[4])
			return -EINVAL;
		if (a[1] == PR_CAP_AMBIENT_IS_SET)
			return (long)((c->cap_amb >> a[2]) & 1);
		if (a[1] == PR_CAP_AMBIENT_LOWER) {
			c->cap_amb &= ~(1ULL << a[2]);
			return 0;
		}
		if (a[1] != PR_CAP_AMBIENT_RAISE)
			return -EINVAL;
		if (!((c->cap_prm & c->cap_inh) >> a[2] & 1))
			return -EPERM;
		c->cap_amb |= 1ULL << a[2];
		return 0;
	default:
		return -EINVAL;
	}
}
