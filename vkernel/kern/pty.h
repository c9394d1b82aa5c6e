/* pty.h: guest pseudo-terminals: /dev/ptmx opens a master, /dev/pts/N its slave, a terminal (tty.h) whose device is the master. */
#ifndef VKERNEL_PTY_H
#define VKERNEL_PTY_H

#include <stdbool.h>
#include <sys/stat.h>

struct file;
struct proc;
struct tty;

/*
 * A pair: the slave is a struct tty (tty.h) with the line discipline;
 * what it outputs waits in the master's buffer for master reads, and
 * master writes are the slave's input (tty_input).  Pairs are numbered
 * from 0 (the lowest free number), private to the vkernel, bounded per
 * vkernel (ENOSPC past it, as Linux's kernel.pty.max), and freed when
 * the master and every slave file are closed.  Closing the master hangs
 * the slave up (tty_hangup); reading a master whose slave files are all
 * closed is EIO, as on Linux.
 *
 * pty_open_master: /dev/ptmx: a new pair, the slave locked (TIOCSPTLCK)
 *   and owned by p's uid; 0 and *fp, or -ENOSPC, -ENFILE, -ENOMEM.
 * pty_open_slave: /dev/pts/N: 0 and *fp (tty_open's rules for the
 *   controlling terminal), -EIO while locked, -ENOENT for no such pair
 *   or once its master closed (devpts removes the name then).
 * pty_master_tty: the slave terminal of a master file, or NULL when f is
 *   none.
 * pty_index: the pair's number (TIOCGPTN).
 * pty_set_lock / pty_locked: TIOCSPTLCK / TIOCGPTLCK.
 * pty_peer: TIOCGPTPEER: a new slave file of master's pair, opened with
 *   flags, without a lookup by name (and without the lock check's race).
 * pty_master_nread: bytes waiting in the master's buffer (FIONREAD);
 *   pty_master_flush empties it (TCFLSH on the master).
 * pty_next: for /dev/pts listing: the lowest pair number > after that
 *   exists, or -1.  pty_stat: stat of /dev/pts/N (tty_stat), or -ENOENT.
 * pty_ptmx_stat: stat of /dev/ptmx and of every master file alike (so
 *   that ttyname of a master finds /dev/ptmx, as on Linux).
 */
int pty_open_master(struct proc *p, int flags, struct file **fp);
int pty_open_slave(struct proc *p, int index, int flags, struct file **fp);
struct tty *pty_master_tty(const struct file *f);
int pty_index(const struct file *master);
int pty_set_lock(struct file *master, bool lock);
bool pty_locked(const struct file *master);
int pty_peer(struct proc *p, struct file *master, int flags,
    struct file **fp);
int pty_master_nread(const struct file *master);
void pty_master_flush(struct file *master);
int pty_next(int after);
int pty_stat(int index, struct stat *st);
void pty_ptmx_stat(struct stat *st);

#endif /* VKERNEL_PTY_H */
