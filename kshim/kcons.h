/* kcons.h: the host terminal behind the guest's console: taken over in raw mode, given back as it was. */
#ifndef VKERNEL_KCONS_H
#define VKERNEL_KCONS_H

#include <stdbool.h>
#include <sys/ioctl.h>

/*
 * kcons_open: when fd (the vkernel's standard input) and out (its
 * standard output) are the same terminal and the vkernel is in its
 * foreground group, saves its modes and puts it in raw mode (no echo, no
 * signal characters, no input or output processing: the guest's line
 * discipline does all that); true then.  False, with the terminal
 * untouched, otherwise: in a pipeline (`vkernel prog | less`) the
 * terminal stays the reader's at the end of it.
 * kcons_restore: the saved modes back, exactly (tcsetattr and the
 * window is left alone); safe in a signal handler and to call twice; a
 * no-op when nothing was taken.  An atexit hook calls it too.
 * kcons_same: whether host descriptor fd is that same terminal (the
 * guest's stdout and stderr become console files only then).
 * kcons_winsize: the host terminal's window size now: 0 or -1.
 */
bool kcons_open(int fd, int out);
void kcons_restore(void);
bool kcons_same(int fd);
int kcons_winsize(struct winsize *ws);

#endif /* VKERNEL_KCONS_H */
