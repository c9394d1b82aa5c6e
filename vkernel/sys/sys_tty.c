/* sys_tty.c: the terminal ioctls (termios, window size, sessions and groups, pseudo-terminal requests) on the console, pty slaves and pty masters. */

#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "sys.h"
#include "cred.h"
#include "file.h"
#include "pty.h"
#include "tty.h"

/* termios2's requests, by number (glibc's headers lack the struct). */
#define VK_TCGETS2  0x802c542aUL
#define VK_TCSETS2  0x402c542bUL
#define VK_TCSETSW2 0x402c542cUL
#define VK_TCSETSF2 0x402c542dUL

static long
put_int(struct proc *p, uint64_t va, int v)
{
	return copyout(p, va, &v, sizeof(v)) ? -EFAULT : 0;
}

static long
get_int(struct proc *p, uint64_t va, int *v)
{
	return copyin(p, v, va, sizeof(*v)) ? -EFAULT : 0;
}

/* The old System V struct termio (TCGETA, TCSETA*): the low 16 bits of
 * each mode word and the first 8 characters, as Linux converts them
 * (what it does not hold is kept). */
struct vk_termio {
	uint16_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[8];
};

static void
termio_from(struct vk_termio *o, const struct vk_termios *t)
{
	o->c_iflag = (uint16_t)t->c_iflag;
	o->c_oflag = (uint16_t)t->c_oflag;
	o->c_cflag = (uint16_t)t->c_cflag;
	o->c_lflag = (uint16_t)t->c_lflag;
	o->c_line = t->c_line;
	memcpy(o->c_cc, t->c_cc, sizeof(o->c_cc));
}

static void
termio_to(struct vk_termios *t, const struct vk_termio *o)
{
	t->c_iflag = (t->c_iflag & 0xffff0000u) | o->c_iflag;
	t->c_oflag = (t->c_oflag & 0xffff0000u) | o->c_oflag;
	t->c_cflag = (t->c_cflag & 0xffff0000u) | o->c_cflag;
	t->c_lflag = (t->c_lflag & 0xffff0000u) | o->c_lflag;
	t->c_line = o->c_line;
	memcpy(t->c_cc, o->c_cc, sizeof(o->c_cc));
}

/* The settings requests: TCGETS... on terminal t (from its master: no
 * job control check, as Linux's). */
static long
termios_ioctl(struct proc *p, struct tty *t, bool master, const uint64_t *a)
{
	struct vk_termios2 t2;
	struct vk_termios tio;
	struct vk_termio old;
	int how;
	long r;

	switch (a[1]) {
	case TCGETA:
		tty_get_termios(t, &tio);
		termio_from(&old, &tio);
		return copyout(p, a[2], &old, sizeof(old)) ? -EFAULT : 0;
	case TCSETA: case TCSETAW: case TCSETAF:
		if (copyin(p, &old, a[2], sizeof(old)))
			return -EFAULT;
		tty_get_termios(t, &tio);
		termio_to(&tio, &old);
		how = a[1] == TCSETA ? TCSANOW : a[1] == TCSETAW ? TCSADRAIN :
		    TCSAFLUSH;
		break;
	case TCGETS:
		tty_get_termios(t, &tio);
		return copyout(p, a[2], &tio, sizeof(tio)) ? -EFAULT : 0;
	case VK_TCGETS2:
		tty_get_termios(t, &t2.t);
		t2.c_ispeed = t2.c_ospeed = 38400;
		return copyout(p, a[2], &t2, sizeof(t2)) ? -EFAULT : 0;
	case TCSETS: case TCSETSW: case TCSETSF:
		if (copyin(p, &tio, a[2], sizeof(tio)))
			return -EFAULT;
		how = a[1] == TCSETS ? TCSANOW : a[1] == TCSETSW ? TCSADRAIN :
		    TCSAFLUSH;
		break;
	case VK_TCSETS2: case VK_TCSETSW2: case VK_TCSETSF2:
		if (copyin(p, &t2, a[2], sizeof(t2)))
			return -EFAULT;
		tio = t2.t;
		how = a[1] == VK_TCSETS2 ? TCSANOW : a[1] == VK_TCSETSW2 ?
		    TCSADRAIN : TCSAFLUSH;
		break;
	default:
		return 1;
	}
	if (!master && (r = tty_check_change(t, p)) != 0)
		return r;
	return tty_set_termios(t, p, how, &tio);
}

/* The requests of a pty's master alone (pty.c), or 1 for another. */
static long
ptm_ioctl(struct proc *p, struct file *f, const uint64_t *a)
{
	struct file *nf;
	int v;
	long r;

	switch (a[1]) {
	case TIOCGPTN:
		return put_int(p, a[2], pty_index(f));
	case TIOCSPTLCK:
		if ((r = get_int(p, a[2], &v)) != 0)
			return r;
		return pty_set_lock(f, v != 0);
	case TIOCGPTLCK:
		return put_int(p, a[2], pty_locked(f));
	case TIOCGPTPEER:  /* the flags are open(2)'s, by value */
		if ((r = pty_peer(p, f, (int)a[2], &nf)) != 0)
			return r;
		if ((r = fdtab_alloc(p->fds, nf, 0, sys_nofile(p),
		    a[2] & O_CLOEXEC)) < 0)
			file_unref(nf);
		return r;
	case FIONREAD:
		return put_int(p, a[2], pty_master_nread(f));
	case TIOCPKT:  /* packet mode is not built: off only */
		if ((r = get_int(p, a[2], &v)) != 0)
			return r;
		return v == 0 ? 0 : -EINVAL;
	case TIOCGPKT:
		return put_int(p, a[2], 0);
	}
	return 1;
}

long
systty_ioctl(struct proc *p, struct file *f, const uint64_t *a)
{
	struct tty *t = tty_of(f);
	bool master = t == NULL;
	struct winsize ws;
	pid_t id;
	int v;
	long r;

	if (master && (t = pty_master_tty(f)) == NULL)
		return -ENOTTY;
	if (master && (r = ptm_ioctl(p, f, a)) != 1)
		return r;
	if (a[1] == TIOCGPTPEER)  /* Linux's ptm_open_peer: no master */
		return -EIO;
	if ((r = termios_ioctl(p, t, master, a)) != 1)
		return r;
	switch (a[1]) {
	case TIOCGWINSZ:
		tty_get_winsize(t, &ws);
		return copyout(p, a[2], &ws, sizeof(ws)) ? -EFAULT : 0;
	case TIOCSWINSZ:
		if (copyin(p, &ws, a[2], sizeof(ws)))
			return -EFAULT;
		tty_set_winsize(t, &ws);
		return 0;
	case TIOCGPGRP:
		if ((r = tty_get_pgrp(t, p, master, &id)) != 0)
			return r;
		return put_int(p, a[2], id);
	case TIOCSPGRP:
		if (master)
			return -ENOTTY;
		if ((r = get_int(p, a[2], &v)) != 0)
			return r;
		return tty_set_pgrp(t, p, v);
	case TIOCGSID:
		if ((r = tty_get_sid(t, p, master, &id)) != 0)
			return r;
		return put_int(p, a[2], id);
	case TIOCSCTTY:
		/* From a master too: its slave (Linux's real_tty). */
		return tty_set_ctty(t, p, a[2] == 1);
	case TIOCNOTTY:
		return master ? -ENOTTY : tty_drop_ctty(t, p);
	case FIONREAD:
		return put_int(p, a[2], tty_nread(t));
	case TIOCOUTQ:
		return put_int(p, a[2], tty_outq(t));
	case TCFLSH:
		if (!master && (r = tty_check_change(t, p)) != 0)
			return r;
		v = (int)a[2];
		if (master) {
			/* Linux's: the master's input queue (the slave's
			 * output in the ring) goes; its output has already
			 * reached the slave's line discipline. */
			if (v != TCIFLUSH && v != TCOFLUSH && v != TCIOFLUSH)
				return -EINVAL;
			if (v != TCOFLUSH)
				pty_master_flush(f);
			return 0;
		}
		return tty_flush(t, v);
	case TCXONC:
		if (!master && (r = tty_check_change(t, p)) != 0)
			return r;
		return tty_flow(t, (int)a[2]);
	case TCSBRK: case TCSBRKP:
		if (!master && (r = tty_check_change(t, p)) != 0)
			return r;
		return tty_drain(t, p);
	case TIOCSBRK: case TIOCCBRK:
		return 0;  /* no line to break */
	case TIOCEXCL: case TIOCNXCL:
		return 0;
	case TIOCGETD:
		return put_int(p, a[2], N_TTY);
	case TIOCSETD:
		if ((r = get_int(p, a[2], &v)) != 0)
			return r;
		return v == N_TTY ? 0 : -EINVAL;
	case TIOCGDEV:
		return put_int(p, a[2], (int)tty_nr(t));
	case TIOCSTI:
		/* Linux 6.2's legacy_tiocsti off: only CAP_SYS_ADMIN. */
		if (!cred_capable(&p->cred, CAP_SYS_ADMIN))
			return -EIO;
		if (copyin(p, &v, a[2], 1))
			return -EFAULT;
		return tty_input(t, &v, 1) == 1 ? 0 : -EAGAIN;
	case TIOCVHANGUP:
		if (!cred_capable(&p->cred, CAP_SYS_ADMIN))
			return -EPERM;
		tty_hangup(t);
		return 0;
	case TIOCCONS:
		return cred_capable(&p->cred, CAP_SYS_ADMIN) ? -EBUSY : -EPERM;
	}
	return -ENOTTY;
}
