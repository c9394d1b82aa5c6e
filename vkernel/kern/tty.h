/* tty.h: terminals: the line discipline, sessions and foreground groups, shared by the console (the host terminal) and guest pseudo-terminals. */
#ifndef VKERNEL_TTY_H
#define VKERNEL_TTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>

struct file;
struct proc;
struct tgroup;
struct tty;

/* The kernel's struct termios (TCGETS/TCSETS), as Linux lays it out:
 * 36 bytes; struct vk_termios2 (TCGETS2/TCSETS2) adds the speeds. */
#define VK_NCCS 19
struct vk_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[VK_NCCS];
};
struct vk_termios2 {
	struct vk_termios t;
	uint32_t c_ispeed, c_ospeed;
};

/*
 * A terminal device: where the line discipline's output goes and what
 * it hears back.  All calls are made with the big lock held; none sleeps.
 * output: takes up to n bytes the line discipline produced (output
 *   processing done, echo included): how many it took (0: no room now;
 *   the device calls tty_output_room once it has some), or -EIO (the
 *   device is gone: a hung-up console, a pty whose master closed).
 * out_ready: optional; whether output would take bytes now (POLLOUT).
 *   NULL: always.
 * out_hostfd: a host descriptor whose POLLOUT means output has room, for
 *   a writer to sleep on (the console's host terminal), or -1 (the writer
 *   sleeps until tty_output_room).
 * input_room: optional; a reader took input, so tty_input would take
 *   more now (the console's reader goes on, a pty master's writers wake).
 * closed: optional; a file of the terminal was closed (tty_nfiles says
 *   how many are left: a pty's master reads EIO once none is).
 * release: the last reference to the terminal went; free the device's
 *   part (data).
 */
struct tty_dev {
	long (*output)(struct tty *t, const void *buf, size_t n);
	bool (*out_ready)(struct tty *t);
	int out_hostfd;
	void (*input_room)(struct tty *t);
	void (*closed)(struct tty *t);
	void (*release)(struct tty *t);
};

/* ---- the terminal ---- */

/*
 * A new terminal on device dev (data is the device's, tty_data gives it
 * back), named name ("/dev/console", "/dev/pts/3": what ttyname and
 * /proc/PID/fd say) with device number rdev, in Linux's initial modes
 * (cooked, echo, ISIG, ONLCR, 38400 baud) and a 24x80 window; one
 * reference.  NULL past the kernel memory budget.
 */
struct tty *tty_new(const struct tty_dev *dev, void *data, const char *name,
    dev_t rdev);
struct tty *tty_ref(struct tty *t);
void tty_unref(struct tty *t);
void *tty_data(const struct tty *t);
const char *tty_name(const struct tty *t);
dev_t tty_rdev(const struct tty *t);
/* rdev as Linux's new_encode_dev packs it: TIOCGDEV, and tty_nr in
 * /proc/PID/stat. */
unsigned tty_nr(const struct tty *t);
/* Open files of the terminal (tty_file_new's, not yet closed). */
int tty_nfiles(const struct tty *t);
/* What stat and fstat say of the terminal (its /dev name and every file
 * of it alike, so that ttyname's comparison holds): a character device
 * rdev, mode 0620 (the console 0600), owned by owner_uid (the opener of a
 * pty; tty_set_owner), group tty (5). */
void tty_stat(const struct tty *t, struct stat *st);
void tty_set_owner(struct tty *t, uid_t uid);

/* ---- the device side ---- */

/*
 * Bytes typed (the console's keyboard) or written to a pty's master, put
 * through input processing (ICRNL, ISTRIP...), the signal characters
 * (SIGINT, SIGQUIT, SIGTSTP to the foreground group, the queues flushed
 * unless NOFLSH), canonical editing (erase, word erase, kill, literal
 * next, EOF), and echo.  Returns how many it took: fewer than n only
 * when the input queue (4095 bytes) is full and no reader has taken from
 * it; in canonical mode a full line buffer drops what follows but the
 * line's end, as Linux's n_tty does.
 */
size_t tty_input(struct tty *t, const void *buf, size_t n);
/* How many bytes tty_input would take now (a pty master's POLLOUT). */
size_t tty_input_room(const struct tty *t);
/* The device can take output again: writers waiting for it wake. */
void tty_output_room(struct tty *t);
/*
 * The device is gone (the console's host terminal hung up, a pty's master
 * closed): the session's leader gets SIGHUP and SIGCONT (the foreground
 * group of then gets them when the leader ends, as on Linux); reads of
 * its files see end of file at once (queued input is dropped), writes
 * EIO; the session and its processes lose it as their controlling
 * terminal.
 */
void tty_hangup(struct tty *t);
bool tty_hung_up(const struct tty *t);
/* The window size: tty_set_winsize sends SIGWINCH to the foreground
 * group when it changed (TIOCSWINSZ, the host terminal resized). */
void tty_get_winsize(const struct tty *t, struct winsize *ws);
void tty_set_winsize(struct tty *t, const struct winsize *ws);
void tty_get_termios(const struct tty *t, struct vk_termios *tio);
/* Bytes waiting to be read: FIONREAD (what a read would take now);
 * bytes written that the device has not taken yet: TIOCOUTQ. */
int tty_nread(const struct tty *t);
int tty_outq(const struct tty *t);

/* ---- files of a terminal ---- */

/* A new open file of terminal t (one more reference) with open(2) flags:
 * read, write, poll, stat and close through the line discipline.  NULL
 * (errno ENFILE or ENOMEM). */
struct file *tty_file_new(struct tty *t, int flags);
/* The terminal behind a file tty_file_new made, else NULL. */
struct tty *tty_of(const struct file *f);
/*
 * open(2) of terminal t by name (/dev/console, /dev/pts/N): a new file,
 * and p's session gets t as its controlling terminal when p leads a
 * session that has none, t is no other session's and flags lacks
 * O_NOCTTY.  0 and *fp, or -errno (ENFILE, ENOMEM, EIO after a hangup).
 */
int tty_open(struct proc *p, struct tty *t, int flags, struct file **fp);

/* ---- sessions and job control ---- */

/* p's controlling terminal (its process's), or NULL. */
struct tty *tty_ctty(const struct proc *p);
/* p's controlling terminal is its session's: the terminal whose session
 * is p's (so fork and setsid need nothing of this file; a non-leader's
 * TIOCNOTTY changes nothing).  tty_proc_exit: p's process ends; a
 * session leader's end sends its terminal's foreground group SIGHUP and
 * SIGCONT and frees the terminal for another session. */
void tty_proc_exit(struct proc *p);
/*
 * The job control checks before p reads (tty_check_read) or writes, or
 * changes the settings of (tty_check_change: TCSETS*, TIOCSPGRP,
 * TCFLSH...), terminal t: 0 when p may go on; when t is p's controlling
 * terminal and p's group is not in the foreground, SIGTTIN (read) or
 * SIGTTOU (a change, or a write with TOSTOP) is sent to p's group and the
 * call is -ERESTARTSYS, or -EIO when the signal is ignored or blocked
 * (read) or p's group is orphaned.  A write or change with SIGTTOU
 * ignored or blocked goes on.
 */
int tty_check_read(struct tty *t, struct proc *p);
int tty_check_change(struct tty *t, struct proc *p);

/*
 * The terminal requests sys_tty.c decodes (arguments copied in and out
 * there): each returns 0 or -errno, and may sleep (TCSETSW waits for
 * output to drain, the job control checks above).
 * set_termios: how is TCSANOW, TCSADRAIN or TCSAFLUSH.
 * set_pgrp: TIOCSPGRP (ENOTTY unless t is p's controlling terminal,
 *   EPERM for a group of another session, ESRCH for none).
 * get_pgrp / get_sid: TIOCGPGRP, TIOCGSID (ENOTTY unless p's controlling
 *   terminal; for a pty's master, the slave's whatever the caller).
 * set_ctty: TIOCSCTTY (EPERM unless p leads a session without one; a
 *   terminal of another session only with steal and CAP_SYS_ADMIN).
 * drop_ctty: TIOCNOTTY (a session leader's hangs up its session's
 *   processes' hold on it: SIGHUP and SIGCONT to the foreground group).
 * flush: TCFLSH's TCIFLUSH, TCOFLUSH, TCIOFLUSH.
 * flow: TCXONC's TCOOFF, TCOON, TCIOFF, TCION.
 * drain: TCSBRK and tcdrain: waits until the device took every byte.
 */
int tty_set_termios(struct tty *t, struct proc *p, int how,
    const struct vk_termios *tio);
int tty_set_pgrp(struct tty *t, struct proc *p, pid_t pgid);
int tty_get_pgrp(struct tty *t, struct proc *p, bool master, pid_t *pgid);
int tty_get_sid(struct tty *t, struct proc *p, bool master, pid_t *sid);
int tty_set_ctty(struct tty *t, struct proc *p, bool steal);
int tty_drop_ctty(struct tty *t, struct proc *p);
int tty_flush(struct tty *t, int queue);
int tty_flow(struct tty *t, int action);
int tty_drain(struct tty *t, struct proc *p);
/* The foreground group, 0 for none (/proc/PID/stat's tpgid). */
pid_t tty_fg_pgrp(const struct tty *t);

#endif /* VKERNEL_TTY_H */
