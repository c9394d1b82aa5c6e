/* console.h: the guest's console, a terminal on the host terminal the vkernel was started from. */
#ifndef VKERNEL_CONSOLE_H
#define VKERNEL_CONSOLE_H

#include <stddef.h>

struct proc;
struct tty;

/*
 * console_init: when host descriptors in and out (the vkernel's stdin
 * and stdout) are one terminal whose foreground the vkernel is in, takes
 * it over (raw mode, restored at every exit: kcons.h), makes the console
 * terminal and starts its reader thread.  1 with a console, 0 without
 * one (stdin or stdout no terminal or not the same, or the vkernel in
 * the background), -1 with why.  Called once,
 * before the vCPU threads start (they inherit SIGWINCH blocked).
 * console_tty: the console, or NULL.
 * console_attach: pid 1's descriptors 0-2 that are the host terminal
 *   become console files, and the console its controlling terminal.
 * console_hangup: the vkernel got SIGHUP: the console hangs up (its
 *   session hears SIGHUP), as when the host terminal goes; safe in a
 *   signal handler.
 * console_fini: the guest is done (the big lock held): output left is
 *   pushed, the reader stops taking input, the host terminal's modes are
 *   restored.
 */
int console_init(int in, int out, char *why, size_t whylen);
struct tty *console_tty(void);
int console_attach(struct proc *p);
void console_hangup(void);
void console_fini(void);

#endif /* VKERNEL_CONSOLE_H */
