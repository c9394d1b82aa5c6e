/* kcons.c: the host terminal behind the guest's console: taken over in raw mode, given back as it was. */

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "kcons.h"

static int cons_fd = -1;
static struct termios saved;
static dev_t cons_rdev;
static volatile sig_atomic_t taken;

void
kcons_restore(void)
{
	if (!taken)
		return;
	/* TCSANOW: what the guest left unwritten is not waited for. */
	(void)tcsetattr(cons_fd, TCSANOW, &saved);
	taken = 0;
}

bool
kcons_open(int fd, int out)
{
	struct termios raw;
	struct stat st, ost;

	if (!isatty(fd) || !isatty(out) || tcgetpgrp(fd) != getpgrp() ||
	    fstat(fd, &st) != 0 || fstat(out, &ost) != 0 ||
	    st.st_rdev != ost.st_rdev || tcgetattr(fd, &saved) != 0)
		return false;
	raw = saved;
	raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
	    ICRNL | IXON | IXOFF);
	raw.c_oflag &= ~OPOST;
	raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag &= ~(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	cons_fd = fd;
	cons_rdev = st.st_rdev;
	taken = 1;
	atexit(kcons_restore);
	if (tcsetattr(fd, TCSANOW, &raw) != 0) {
		taken = 0;
		return false;
	}
	return true;
}

bool
kcons_same(int fd)
{
	struct stat st;

	return taken && isatty(fd) && fstat(fd, &st) == 0 &&
	    S_ISCHR(st.st_mode) && st.st_rdev == cons_rdev;
}

int
kcons_winsize(struct winsize *ws)
{
	return cons_fd >= 0 ? ioctl(cons_fd, TIOCGWINSZ, ws) : -1;
}
