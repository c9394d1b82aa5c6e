/* specfs_gen.h: what specfs's walk (specfs.c) and its generators (specfs_gen.c) share: the kinds of names, looked-up nodes, text buffers and the open snapshot files. */
#ifndef VKERNEL_SPECFS_GEN_H
#define VKERNEL_SPECFS_GEN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

struct proc;
struct file;
struct fileops;

#define SPECFS_DEV      makedev(0, 22)   /* st_dev of our synthetic names */

/* What a name is. */
enum kind { K_HOST, K_DIR, K_FILE, K_LINK, K_DEV, K_FD, K_SHM };

/* Which one. */
enum what {
	W_ROOT, W_HOSTNAME_PATH,                       /* host (K_HOST) */
	W_DEV, W_PROC, W_PID, W_FDDIR, W_SYS, W_KERNEL, /* directories */
	W_TASKDIR, W_TID,
	W_SYSFS, W_SYSDEV, W_SYSSYS, W_SYSCPU, W_SYSCPUN, /* /sys */
	W_SELF, W_THREADSELF, W_EXE, W_CWD, W_FD, W_DEVFD, /* symlinks */
	W_STDIN, W_STDOUT, W_STDERR,
	W_CMDLINE, W_COMM, W_ENVIRON, W_MAPS, W_STAT, W_STATM, W_STATUS, /* files */
	W_CPUINFO, W_FILESYSTEMS, W_LOADAVG, W_MEMINFO, W_UPTIME, W_PROCSTAT,
	W_CPUONLINE, W_CPUPOSSIBLE, W_CPUPRESENT,
	W_OSTYPE, W_OSRELEASE, W_HOSTNAME,
	W_SYSVIPC, W_SYSFSD, W_MQDIR,                  /* IPC: directories */
	W_SVSHM, W_SVSEM, W_SVMSG, W_SHMMAX, W_SHMALL, W_SHMMNI, W_SEMLIM,
	W_MSGMAX, W_MSGMNB, W_MSGMNI, W_MQMSGMAX, W_MQSIZEMAX, W_MQQMAX,
	W_NULL, W_ZERO, W_FULL, W_RANDOM, W_URANDOM, W_TTY, /* devices */
	W_CONSOLE,
	W_PTMX, W_PTSDIR, W_PTS,                   /* ptys (pty.c): /dev/pts/N's
	                                              number is the node's fd */
	W_SHMDIR, W_SHM,                                /* /dev/shm (shm.c) */
};

struct ent {
	const char *name;
	enum kind kind;
	enum what what;
};

/* A directory's entries, in listing order: the table for dir (NULL for
 * none), *n its length. */
const struct ent *table(enum what dir, size_t *n);


/* A name that was looked up: its kind, and for K_HOST the guest path
 * outside specfs a link led to. */
struct node {
	enum kind kind;
	enum what what;
	pid_t pid;                   /* /proc/PID/... (or the TID of
	                                /proc/PID/task/TID/...); 0 elsewhere */
	int fd;                      /* /proc/PID/fd/N */
	char path[PATH_MAX];         /* clean and free of symlinks */
};

/* Text being generated, its room charged to kmem as it grows. */
struct sbuf {
	char *b;
	size_t len, cap;
	int err;                     /* -ENOMEM once it could not grow */
};
/* Appends printf's text to s (s->err once it cannot grow). */
void sb_printf(struct sbuf *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct dent {
	uint64_t ino;
	unsigned char type;          /* DT_* */
	char name[24];
};

/* An open specfs file or directory: what it said at open. */
struct snap {
	char *text;                  /* a file's contents */
	size_t len;
	struct dent *ents;           /* a directory's entries */
	size_t nents, capents;
	off_t pos;                   /* bytes (file) or entries (directory) */
	size_t textcap;              /* text's room, charged to kmem */
	struct stat st;
	char path[PATH_MAX];         /* where it was opened (clean) */
};


/* The snapshot files and directories specfs opens (specfs_gen.c). */
extern const struct fileops snap_ops, dir_ops;
bool is_specfs_file(const struct file *f);
void snap_free(struct snap *sn);

/* The live task p may see with this pid (the caller itself, or one of
 * the table; for a process whose leader's thread has exited, another of
 * its threads), or NULL. */
struct proc *find(struct proc *p, pid_t pid);
/* A decimal number name ("12"), or -1. */
long number(const char *s);
/* path with /comp appended: 0, or -ENAMETOOLONG. */
int path_push(char *path, const char *comp);
/* The inode number a specfs name has (a hash of its clean path). */
uint64_t ino_of(const char *path);
/* The text of file n (a /proc file) into s, as p sees it: 0 or -errno. */
int generate(struct proc *p, const struct node *n, struct sbuf *s);
/* The entries of directory d into sn: 0 or -errno. */
int list_dir(struct proc *p, const struct node *d, struct snap *sn);

#endif /* VKERNEL_SPECFS_GEN_H */
