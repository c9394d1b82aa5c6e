/* file.h: open files, descriptor tables and pipes (after xv6's file.c and pipe.c). */
#ifndef VKERNEL_FILE_H
#define VKERNEL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct proc;
struct file;

/*
 * What a kind of file does.  Every op is called with the big lock held
 * (sched.c) and may sleep only through proc_sleep(), which drops it; the
 * caller holds a reference to the file (fget) for the whole call, so an
 * op that sleeps finds its file, and whatever the file owns, as it left
 * them.
 * read/write move bytes between the file and a vkernel buffer and return
 * the count or -errno (-EAGAIN for a non-blocking file that would block,
 * -ERESTARTSYS when a signal interrupted a sleep).  poll returns the POLL* bits
 * that hold now and never sleeps; hostfd is the host descriptor whose
 * readiness it reflects, or -1.
 */
struct fileops {
	const char *kind;
	long (*read)(struct file *f, struct proc *p, void *buf, size_t n);
	long (*write)(struct file *f, struct proc *p, const void *buf,
	    size_t n);
	long (*pread)(struct file *f, void *buf, size_t n, off_t off);
	long (*pwrite)(struct file *f, const void *buf, size_t n, off_t off);
	off_t (*lseek)(struct file *f, off_t off, int whence);
	int (*poll)(struct file *f);
	int (*stat)(struct file *f, struct stat *st);
	long (*ioctl)(struct file *f, struct proc *p, unsigned long req,
	    void *arg, size_t *arglen);
	/* A directory's entries as Linux's getdents64 lays them out into
	 * buf (at most n bytes), from the file's position on: the bytes
	 * written, 0 at the end, -EINVAL if not even one fits, -ENOTDIR.
	 * NULL: not a directory. */
	long (*getdents)(struct file *f, void *buf, size_t n);
	void (*close)(struct file *f); /* the last reference went */
	/* Optional, for poll, select and epoll: poll_time is when
	 * (CLOCK_MONOTONIC ns) poll's answer changes by time alone, 0 never (a
	 * timerfd's next expiry); poll_seq counts the wakeups so far that a poller for the
	 * POLL* bits of events would have had (Linux's keyed wakeups: a write
	 * for POLLIN, a read for POLLOUT), so that an edge-triggered epoll
	 * sees a second write to a still readable file (NULL: only changes of
	 * poll's bits count). */
	uint64_t (*poll_time)(struct file *f);
	uint64_t (*poll_seq)(struct file *f, uint32_t events);
};

/* An open file description, shared by dup and fork. */
struct file {
	const struct fileops *ops;
	int refs;
	int flags;      /* what F_GETFL says: O_ACCMODE bits, O_NONBLOCK,
	                   O_APPEND, O_PATH (neither readable nor writable)... */
	int hostfd;     /* host descriptor behind it, or -1 */
	void *data;
	/* The host file's key (st_dev, st_ino) and type (S_IFMT bits),
	 * once looked up (file_key): the page cache's and the locks'. */
	bool keyed, cacheable;  /* cacheable: a regular file */
	mode_t fmt;
	uint64_t dev, ino;
	void *epitems;  /* the epoll entries watching it (epoll.c), or NULL */
};

/* A new open file (one reference), charged to the kernel memory budget
 * (kmem.h) and counted against the vkernel's open-file limit (Linux's
 * file-max, which the page cache's objects count against too, each
 * holding a host descriptor): NULL with errno ENFILE past the limit,
 * ENOMEM past the budget. */
struct file *file_new(const struct fileops *ops, int flags, void *data);
void file_set_max(size_t n);
size_t file_count(void);
struct file *file_ref(struct file *f);
void file_unref(struct file *f);
/* What happens to a file's epoll entries when its last reference goes,
 * set once by epoll.c (file_unref calls it, before the close op, for a
 * file whose epitems is not NULL), so file.c names nothing above it. */
void file_set_release_hook(void (*fn)(struct file *f));
bool file_readable(const struct file *f);
bool file_writable(const struct file *f);
/* Looks up (once) the key and type of the host file behind f, which has
 * a host descriptor: 0 or -errno. */
int file_key(struct file *f);
/* The stat of a file with no host file behind it (a pipe, a socket, an
 * anonymous inode), as Linux's pseudo file systems give: mode, inode and
 * the file system's anonymous device, owned by the vkernel's ids. */
void file_pseudo_stat(struct stat *st, mode_t mode, ino_t ino, dev_t dev);
/* An anonymous inode's (eventfd, timerfd, signalfd, epoll): a fileops
 * stat. */
int file_anon_stat(struct file *f, struct stat *st);

/* The vkernel's own standard streams (hostfd 0, 1, 2), wrapped as files
 * on duplicates of them.  NULL with errno set on failure. */
struct file *file_host(int hostfd);
/* A file on the host descriptor hostfd (which it then owns), with the
 * O_ACCMODE/O_APPEND/O_NONBLOCK bits of flags; NULL as file_new (hostfd
 * is then still the caller's). */
struct file *file_host_new(int hostfd, int flags);
/*
 * A guest file on a host file or directory beneath the root (vfs_open's
 * descriptor, which it then owns), with the open(2) flags it was opened
 * with: the "file" kind, the only one whose host file the calls that
 * change a file through a descriptor (fchmod, fchown, ftruncate,
 * futimens, fallocate) may change; specfs's devices are "host" files.
 * getdents reads a directory.  NULL as file_new (hostfd is then not
 * closed: the caller's).
 */
struct file *file_vfs_new(int hostfd, int flags);
bool file_is_vfs(const struct file *f);
/* A "file" file on shared memory object s (shm.h: a memfd, a /dev/shm
 * entry) with open's flags (O_TRUNC truncates, if the seals let it),
 * holding a reference to s, whose writes ask s's seals and budget
 * first: 0 and *fp, or -errno.  file_shm: the
 * object of such a file, else NULL. */
struct shm;
int file_shm_new(struct shm *s, int flags, struct file **fp);
struct shm *file_shm(const struct file *f);
/* The page cache after the host file of f was truncated to size (the
 * pages past it leave the cache and every mapping: vm_file_truncate), and
 * fsync's write-back of its dirty pages (0 or -errno).  No-ops when the
 * file is not cached. */
void file_cache_truncate(struct file *f, off_t size);
int file_cache_sync(struct file *f);

/*
 * A descriptor table: descriptor numbers to files, with close-on-exec.
 * fdtab_alloc and fdtab_install take over the caller's reference.
 */
struct fdtab;

/*
 * Looking a descriptor up, as Linux's fget/fput: fget returns the file
 * at fd in p's table (fget_in: in table t, another process's) with one
 * more reference, a hold that p keeps until its system call returns,
 * when syscall_dispatch drops every hold (file_holds_release).  So a
 * call that sleeps (proc_sleep gives up the big lock) keeps its file,
 * the pipe or host descriptor behind it and their wait queues alive,
 * whatever a process sharing the table closes meanwhile.  NULL: no such
 * descriptor (EBADF).  A call holds at most VK_FILE_HOLDS files; poll
 * and select, which look up any number, take and drop references
 * themselves.
 */
struct file *fget(struct proc *p, long fd);
struct file *fget_in(struct proc *p, struct fdtab *t, long fd);
void file_holds_release(struct proc *p);

/*
 * What a descriptor table tells the layer above it, set once at start-up
 * (record locks, lockf_init): close(t, f) when t closes a descriptor of f
 * (close, dup2 over it, close_range, close-on-exec), gone(t) when the last
 * process using t lets it go.  NULL: nothing to tell.  So file.c names
 * nothing above it.
 */
struct fdtab_hooks {
	void (*close)(struct fdtab *t, struct file *f);
	void (*gone)(struct fdtab *t);
};
void fdtab_set_hooks(const struct fdtab_hooks *h);

struct fdtab *fdtab_new(void);
/* A copy sharing every open file (fork). */
struct fdtab *fdtab_copy(struct fdtab *t);
/* CLONE_FILES: one more process shares t (fdtab_free drops one). */
struct fdtab *fdtab_share(struct fdtab *t);
bool fdtab_shared(const struct fdtab *t);
void fdtab_free(struct fdtab *t);
/* A borrowed look at the file at fd, or NULL: only for code that
 * neither sleeps nor keeps the pointer (specfs's names, fget's own
 * lookup); a system call acting on a file takes it with fget. */
struct file *fdtab_peek(struct fdtab *t, long fd);
/* Puts f at the lowest free descriptor >= min, below limit: the number,
 * or -EMFILE (-EINVAL for min >= limit). */
int fdtab_alloc(struct fdtab *t, struct file *f, long min, long limit,
    bool cloexec);
/* Puts f at exactly fd (closing what was there): 0 or -errno. */
int fdtab_install(struct fdtab *t, long fd, struct file *f, bool cloexec);
int fdtab_close(struct fdtab *t, long fd);
bool fdtab_cloexec(struct fdtab *t, long fd);
void fdtab_set_cloexec(struct fdtab *t, long fd, bool on);
/* Closes (or with cloexec_only, marks close-on-exec) [first, last]. */
void fdtab_close_range(struct fdtab *t, unsigned first, unsigned last,
    bool cloexec_only);
/* Closes every close-on-exec descriptor (execve). */
void fdtab_exec(struct fdtab *t);
/* Descriptors open now. */
int fdtab_count(const struct fdtab *t);

/* pipe.c: a pipe's two ends, read and write, each holding one reference;
 * flags may add O_NONBLOCK.  0 or -ENOMEM. */
#define VK_PIPE_BUF   4096   /* writes up to this size are atomic */
#define VK_PIPE_SIZE  65536  /* capacity */
int pipe_create(struct file **rd, struct file **wr, int flags);
/* A new open file of the pipe f is an end of (opening /proc/PID/fd/N, as
 * Linux's fifo_open): reader, writer or both by flags' O_ACCMODE, plus
 * O_NONBLOCK.  0 and *fp, -EINVAL (f is no pipe) or -ENOMEM. */
bool pipe_is(const struct file *f);
/* A FIFO's O_PATH descriptor of its file (the pipe's: not to be closed),
 * or -1 for a pipe made by pipe(2) or a file that is no pipe. */
int pipe_fifo_pathfd(const struct file *f);
int pipe_reopen(struct file *f, int flags, struct file **fp);
/*
 * Opens the FIFO whose host file is st (pathfd, an O_PATH descriptor of
 * it, is the pipe's from now on, or closed) for p with open's flags:
 * O_RDONLY waits for a writer unless O_NONBLOCK, O_WRONLY for a reader
 * (with O_NONBLOCK: -ENXIO when none), O_RDWR never waits.  0 and *fp, or
 * -ENXIO, -ENOMEM, -ENFILE, or the sleep's -ERESTARTSYS/-EINTR.
 */
int pipe_fifo_open(struct proc *p, int pathfd, const struct stat *st,
    int flags, struct file **fp);

#endif /* VKERNEL_FILE_H */
