/* cred.h: a guest process's identity (Linux's struct cred): ids, supplementary groups, capabilities; exec's rules; the host file-system identity of the vCPU thread. */
#ifndef VKERNEL_CRED_H
#define VKERNEL_CRED_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define CRED_NGROUPS_MAX 65536       /* Linux's NGROUPS_MAX */

/*
 * Supplementary groups, sorted as Linux keeps them (getgroups returns
 * them in that order).  Never changed once made: shared by reference
 * between processes (fork) and replaced whole by setgroups, as Linux's
 * group_info.
 */
struct group_info {
	int refs;
	int ngroups;
	gid_t gid[];
};

/*
 * One process's credentials.  A struct copy shares groups (no reference
 * taken): cred_copy is the copy that holds one.  Capabilities are bit
 * masks over capability numbers (bit CAP_CHOWN ...); ambient is kept as
 * Linux keeps it (PR_CAP_AMBIENT).
 */
struct cred {
	uid_t ruid, euid, suid, fsuid;
	gid_t rgid, egid, sgid, fsgid;
	struct group_info *groups;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	bool keepcaps;               /* SECBIT_KEEP_CAPS: PR_SET_KEEPCAPS */
	bool no_new_privs;           /* PR_SET_NO_NEW_PRIVS: for good */
};

/* What exec computed for the image being loaded: its credentials, and
 * AT_SECURE (the ids or capabilities changed as Linux's secureexec says). */
struct cred_bprm {
	struct cred cred;
	bool secure;
};

struct proc;

/* pid 1: the vkernel's own host identity (getresuid, getresgid,
 * getgroups, capget, the bounding and ambient sets, keepcaps, no_new_privs);
 * the first call also looks at what the host lets the vkernel do.
 * 0 or -ENOMEM. */
int cred_init_host(struct cred *c);
/* fork: dst is src with one more reference to its groups.  cred_fini
 * drops it. */
void cred_copy(struct cred *dst, const struct cred *src);
void cred_fini(struct cred *c);

/* The capability numbers this kernel knows: bits 0..last (the host's
 * bounding set tells), as Linux's CAP_VALID_MASK and cap_valid(). */
uint64_t cred_cap_valid_mask(void);
bool cred_cap_valid(uint64_t cap);
/* setgroups is allowed at all in the vkernel's user namespace (Linux's
 * userns_may_setgroups; CAP_SETGID is the caller's to check). */
bool cred_may_setgroups(void);
/* c has cap in its effective set (Linux's ns_capable). */
bool cred_capable(const struct cred *c, int cap);
/* An id the guest may hold: mapped in the vkernel's user namespace
 * (/proc/self/uid_map), never (uid_t)-1; Linux's uid_valid(make_kuid()). */
bool cred_uid_valid(uid_t uid);
bool cred_gid_valid(gid_t gid);

/* The capability fix-ups of commoncap.c after new replaced old's ids:
 * cap_emulate_setxuid (setuid, setreuid, setresuid) and the fsuid rule
 * (setfsuid: file-system capabilities leave with fsuid 0 and come back
 * with it). */
void cred_fix_setuid(struct cred *new, const struct cred *old);
void cred_fix_setfsuid(struct cred *new, const struct cred *old);

/* A group list of n entries (refs 1, gid[] to be filled), sorted with
 * groups_sort; groups_put drops a reference (NULL: nothing). */
struct group_info *groups_alloc(int n);
void groups_sort(struct group_info *gi);
void groups_put(struct group_info *gi);

/*
 * exec: b gets old's credentials as Linux's execve recomputes them for
 * the program open at fd with status *st (no file capabilities: we read
 * no security.capability): its set-user-ID and set-group-ID bits, unless
 * its file system is mounted nosuid, old has no_new_privs, or the
 * vkernel could not take those ids itself (see Identity in design.md);
 * capabilities as cap_bprm_creds_from_file; keepcaps cleared.
 */
void cred_exec(struct cred_bprm *b, const struct cred *old, int fd,
    const struct stat *st);
/* The value of auxv entry type (AT_UID, AT_EUID, AT_GID, AT_EGID,
 * AT_SECURE) for an image being loaded: b's when exec computed new
 * credentials (b not NULL), else the process's own, own (AT_SECURE 0). */
uint64_t cred_aux(const struct cred *own, const struct cred_bprm *b,
    int type);

/* Linux's kill_ok_by_cred: from may signal to (CAP_KILL, or from's euid
 * or ruid is to's ruid or suid). */
bool cred_may_kill(const struct cred *from, const struct cred *to);

/*
 * The host file-system identity of the vCPU thread.  When the vkernel
 * holds CAP_SETUID and CAP_SETGID (cred_host_enforced), the thread takes
 * the fsuid, fsgid and supplementary groups of the process whose system
 * call runs, so the host checks the guest's file access itself; else
 * these do nothing.  Lazy: only what differs from the thread's present
 * identity is set.  0, or -1 when the host refused (never expected: ids
 * are checked when set), and the caller must not go on as the guest.
 */
bool cred_host_enforced(void);
int cred_host_use(const struct cred *c);
/* The same with c's real ids in place of fsuid and fsgid: access(2)
 * without AT_EACCESS checks with them, as Linux's do_faccessat. */
int cred_host_use_real(const struct cred *c);
/* Back to the vkernel's own identity (before its own host work at exit). */
void cred_host_own(void);
/* A new vCPU thread, made while its maker had the vkernel's own identity:
 * it has that identity, and knows it. */
void cred_thread_init(void);

#endif /* VKERNEL_CRED_H */
