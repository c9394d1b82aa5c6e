/* ptyrun.c: a host test driver that runs a command on a fresh pseudo-terminal and plays a script against it (send keys, expect output, resize, signal, compare termios, wait). */

/*
 * Usage: ptyrun [-f SCRIPT] [-l LOG] [-t SECONDS] [-w ROWSxCOLS] CMD [ARG...]
 *
 * The command runs as a session leader whose controlling terminal and
 * stdin, stdout and stderr are the slave of a new pty (24x80 unless -w);
 * ptyrun keeps the master, reads it continuously (the command never blocks
 * on a full pty) and runs the script (the file of -f, else stdin), one
 * command per line; blank lines and lines starting with '#' are skipped:
 *
 *   send TEXT         write TEXT to the master (escapes below)
 *   expect REGEX      wait until the output read since the end of the last
 *                     match has a match of the POSIX extended REGEX (the
 *                     escapes below are turned into bytes first, other
 *                     backslashes are the regex's); NUL bytes read as '@'
 *   timeout SECONDS   the limit for expect and wait (default 20, or -t)
 *   resize ROWS COLS  TIOCSWINSZ on the master (Linux sends SIGWINCH to
 *                     the foreground group)
 *   signal SIG        kill(2) to the command's process (HUP, TERM, 15...)
 *   termios save      record the terminal's termios and window size (done
 *                     once before the command starts)
 *   termios same      the terminal's termios and window size are byte for
 *                     byte the recorded ones; prints the fields that differ
 *   wait [STATUS]     wait for the command to end; STATUS: N or exit:N,
 *                     or signal:SIG
 *   gone              wait until no live process is left in the command's
 *                     session (its stopped jobs, the vkernel's host stubs)
 *   close             close the master: a hangup for the command's session
 *   sleep SECONDS     pause (reading the output meanwhile)
 *   print TEXT        write TEXT and a newline on stdout (a marker)
 *
 * Escapes: \r \n \t \e \a \b \\ \xHH (Ctrl-C is \x03, Ctrl-D \x04, Ctrl-Z
 * \x1a, Ctrl-\ \x1c, Up arrow \e[A).
 *
 * Exit status: 0 when the script ran to its end; 1 on the first failing
 * command, after one line "ptyrun: line N: REASON" on stderr and the tail of
 * the output not matched yet; 2 on a usage error.  At exit every process
 * left in the command's session is killed (SIGKILL) and reaped.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PR_BUFMAX (1 << 20)	/* unmatched output kept; older bytes dropped */
#define PR_TAIL 2000		/* bytes of it shown on a failure */

static int pr_master = -1;	/* the pty master; -1 once closed */
static int pr_hup;		/* the master read EOF/EIO: no slave is open */
static pid_t pr_child = -1;	/* the command; -1 once reaped */
static pid_t pr_sid = -1;	/* its session (its pid) */
static int pr_status;		/* its wait status, once reaped */
static char *pr_buf;		/* output read since the end of the last match */
static size_t pr_len;
static FILE *pr_log;		/* -l: every byte read, raw */
static double pr_timeout = 20;
static int pr_lineno;
static struct termios pr_saved_tio;
static struct winsize pr_saved_ws;

static double
pr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Prints the last PR_TAIL bytes of unmatched output, escaped, on stderr. */
static void
pr_show_tail(void)
{
	size_t i = pr_len > PR_TAIL ? pr_len - PR_TAIL : 0;

	fprintf(stderr, "--- output since the last match (%zu bytes%s) ---\n",
	    pr_len, i ? ", the tail" : "");
	for (; i < pr_len; i++) {
		unsigned char c = pr_buf[i];

		if (c == '\n')
			fputs("\\n\n", stderr);
		else if (c == '\r')
			fputs("\\r", stderr);
		else if (c == 0x1b)
			fputs("\\e", stderr);
		else if (c == '\t')
			fputs("\\t", stderr);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputs("\n--- end ---\n", stderr);
}

/* Reports a failure of the current script line and exits 1 (see pr_exit). */
static void pr_exit(int status);
static void
pr_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ptyrun: line %d: ", pr_lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	pr_show_tail();
	pr_exit(1);
}

/* Appends N bytes read from the master to the unmatched output. */
static void
pr_append(const char *p, size_t n)
{
	if (pr_log) {
		fwrite(p, 1, n, pr_log);
		fflush(pr_log);
	}
	if (pr_len + n > PR_BUFMAX) {
		size_t drop = pr_len + n - PR_BUFMAX;

		if (drop > pr_len)
			drop = pr_len;
		memmove(pr_buf, pr_buf + drop, pr_len - drop);
		pr_len -= drop;
	}
	if (n > PR_BUFMAX)
		p += n - PR_BUFMAX, n = PR_BUFMAX;
	memcpy(pr_buf + pr_len, p, n);
	pr_len += n;
}

/* Reaps the command if it ended; returns 1 once it has been reaped. */
static int
pr_reap(void)
{
	if (pr_child < 0)
		return 1;
	if (waitpid(pr_child, &pr_status, WNOHANG) == pr_child) {
		pr_child = -1;
		return 1;
	}
	return 0;
}

/*
 * Reads whatever the master has for at most MS milliseconds (0: only what is
 * there now), and whether writes can go (POLLOUT) when WANT_OUT.  Returns 1
 * when the master can be written.
 */
static int
pr_pump(int ms, int want_out)
{
	struct pollfd pfd;
	char tmp[4096];
	ssize_t n;

	if (pr_master < 0 || pr_hup) {
		if (ms > 0)
			usleep(ms * 1000);
		return 0;
	}
	pfd.fd = pr_master;
	pfd.events = POLLIN | (want_out ? POLLOUT : 0);
	pfd.revents = 0;
	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
		for (;;) {
			n = read(pr_master, tmp, sizeof(tmp));
			if (n > 0) {
				pr_append(tmp, n);
				continue;
			}
			if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				/* EIO: the last slave descriptor closed. */
				pr_hup = 1;
			}
			break;
		}
	}
	return (pfd.revents & POLLOUT) != 0;
}

/* Turns the escapes of S into bytes in place (KEEP_OTHER: leave unknown
 * backslash pairs as they are, for a regex); returns the new length. */
static size_t
pr_unescape(char *s, int keep_other)
{
	char *w = s, *r = s;

	while (*r) {
		if (*r != '\\' || !r[1]) {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case 'r': *w++ = '\r'; r++; break;
		case 'n': *w++ = '\n'; r++; break;
		case 't': *w++ = '\t'; r++; break;
		case 'e': *w++ = 0x1b; r++; break;
		case 'a': *w++ = '\a'; r++; break;
		case 'b': *w++ = '\b'; r++; break;
		case 'x':
			if (isxdigit((unsigned char)r[1])) {
				int v = 0, k;

				for (k = 1; k <= 2 && isxdigit((unsigned char)r[k]); k++)
					v = v * 16 + (isdigit((unsigned char)r[k]) ?
					    r[k] - '0' : (tolower((unsigned char)r[k]) - 'a' + 10));
				*w++ = (char)v;
				r += k;
				break;
			}
			/* FALLTHROUGH */
		default:
			if (*r == '\\' && !keep_other) {
				*w++ = '\\';
				r++;
				break;
			}
			if (keep_other)
				*w++ = '\\';
			*w++ = *r++;
			break;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static const struct {
	const char *name;
	int sig;
} pr_signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
	{ "WINCH", SIGWINCH }, { "SYS", SIGSYS },
};

/* A signal's number from "TERM", "SIGTERM" or "15"; -1 if none. */
static int
pr_signum(const char *s)
{
	char *end;
	long v;
	size_t i;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < sizeof(pr_signals) / sizeof(pr_signals[0]); i++)
		if (!strcmp(s, pr_signals[i].name))
			return pr_signals[i].sig;
	v = strtol(s, &end, 10);
	if (*s && !*end && v > 0 && v < 65)
		return (int)v;
	return -1;
}

/* N in decimal, in a static buffer. */
static const char *
pr_num(int n)
{
	static char num[16];

	snprintf(num, sizeof(num), "%d", n);
	return num;
}

static const char *
pr_signame(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(pr_signals) / sizeof(pr_signals[0]); i++)
		if (pr_signals[i].sig == sig)
			return pr_signals[i].name;
	return pr_num(sig);
}

/* Writes N bytes to the master, reading its output while it is full. */
static void
pr_send(const char *p, size_t n)
{
	double end = pr_now() + pr_timeout;

	if (pr_master < 0)
		pr_fail("send: the master is closed");
	while (n > 0) {
		ssize_t w = write(pr_master, p, n);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			pr_fail("send: write: %s", strerror(errno));
		if (pr_now() > end)
			pr_fail("send: the terminal took no input for %g s",
			    pr_timeout);
		pr_pump(100, 1);
	}
}

static void
pr_expect(char *re)
{
	regex_t rx;
	regmatch_t m;
	double end = pr_now() + pr_timeout;
	char shown[512];
	int err;

	snprintf(shown, sizeof(shown), "%s", re);
	pr_unescape(re, 1);
	err = regcomp(&rx, re, REG_EXTENDED);
	if (err) {
		char msg[256];

		regerror(err, &rx, msg, sizeof(msg));
		fprintf(stderr, "ptyrun: line %d: bad regex '%s': %s\n",
		    pr_lineno, shown, msg);
		pr_exit(2);
	}
	for (;;) {
		size_t i;

		for (i = 0; i < pr_len; i++)
			if (pr_buf[i] == '\0')
				pr_buf[i] = '@';
		pr_buf[pr_len] = '\0';
		if (regexec(&rx, pr_buf, 1, &m, 0) == 0) {
			size_t cut = (size_t)m.rm_eo;

			memmove(pr_buf, pr_buf + cut, pr_len - cut);
			pr_len -= cut;
			regfree(&rx);
			return;
		}
		if (pr_now() > end)
			break;
		if ((pr_hup || pr_master < 0) && pr_reap()) {
			/* Nothing more can come: read what is left, once. */
			pr_pump(0, 0);
			pr_buf[pr_len] = '\0';
			if (regexec(&rx, pr_buf, 1, &m, 0) == 0)
				continue;
			regfree(&rx);
			pr_fail("expect '%s': the command ended (%s:%s) without "
			    "it", shown, WIFEXITED(pr_status) ? "exit" : "signal",
			    WIFEXITED(pr_status) ?
			    pr_num(WEXITSTATUS(pr_status)) :
			    pr_signame(WTERMSIG(pr_status)));
		}
		pr_pump(50, 0);
	}
	regfree(&rx);
	pr_fail("expect '%s': not seen in %g s", shown, pr_timeout);
}

/* The terminal's termios and window size through the master (for a pty
 * master Linux answers with the slave's). */
static void
pr_get_tio(struct termios *tio, struct winsize *ws)
{
	memset(tio, 0, sizeof(*tio));
	memset(ws, 0, sizeof(*ws));
	if (pr_master < 0)
		pr_fail("termios: the master is closed");
	if (tcgetattr(pr_master, tio) < 0)
		pr_fail("termios: tcgetattr: %s", strerror(errno));
	if (ioctl(pr_master, TIOCGWINSZ, ws) < 0)
		pr_fail("termios: TIOCGWINSZ: %s", strerror(errno));
}

/* Compares the terminal against the record; prints each differing field. */
static void
pr_termios_same(void)
{
	struct termios t;
	struct winsize w;
	int diff = 0;
	size_t i;

	pr_get_tio(&t, &w);
	if (!memcmp(&t, &pr_saved_tio, sizeof(t)) &&
	    !memcmp(&w, &pr_saved_ws, sizeof(w)))
		return;
#define PR_FIELD(name, a, b) do { \
	if ((unsigned long)(a) != (unsigned long)(b)) { \
		fprintf(stderr, "ptyrun: %s: was %#lx, now %#lx\n", name, \
		    (unsigned long)(a), (unsigned long)(b)); \
		diff++; \
	} } while (0)
	PR_FIELD("c_iflag", pr_saved_tio.c_iflag, t.c_iflag);
	PR_FIELD("c_oflag", pr_saved_tio.c_oflag, t.c_oflag);
	PR_FIELD("c_cflag", pr_saved_tio.c_cflag, t.c_cflag);
	PR_FIELD("c_lflag", pr_saved_tio.c_lflag, t.c_lflag);
	PR_FIELD("c_line", pr_saved_tio.c_line, t.c_line);
	for (i = 0; i < NCCS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c_cc[%zu]", i);
		PR_FIELD(name, pr_saved_tio.c_cc[i], t.c_cc[i]);
	}
	PR_FIELD("c_ispeed", pr_saved_tio.c_ispeed, t.c_ispeed);
	PR_FIELD("c_ospeed", pr_saved_tio.c_ospeed, t.c_ospeed);
	PR_FIELD("ws_row", pr_saved_ws.ws_row, w.ws_row);
	PR_FIELD("ws_col", pr_saved_ws.ws_col, w.ws_col);
	PR_FIELD("ws_xpixel", pr_saved_ws.ws_xpixel, w.ws_xpixel);
	PR_FIELD("ws_ypixel", pr_saved_ws.ws_ypixel, w.ws_ypixel);
#undef PR_FIELD
	pr_fail("termios same: %d field%s differ%s from the record", diff,
	    diff == 1 ? "" : "s", diff == 1 ? "s" : "");
}

static void
pr_wait(const char *want)
{
	double end = pr_now() + pr_timeout;
	char got[64];

	while (!pr_reap()) {
		if (pr_now() > end)
			pr_fail("wait: the command still runs after %g s",
			    pr_timeout);
		pr_pump(50, 0);
	}
	pr_pump(0, 0);
	if (WIFEXITED(pr_status))
		snprintf(got, sizeof(got), "exit:%d", WEXITSTATUS(pr_status));
	else
		snprintf(got, sizeof(got), "signal:%s",
		    pr_signame(WTERMSIG(pr_status)));
	if (!*want)
		return;
	if (!strncmp(want, "signal:", 7)) {
		int sig = pr_signum(want + 7);

		if (sig < 0)
			pr_fail("wait: no signal '%s'", want + 7);
		if (!WIFSIGNALED(pr_status) || WTERMSIG(pr_status) != sig)
			pr_fail("wait: the command ended with %s, not %s",
			    got, want);
		return;
	}
	if (!strncmp(want, "exit:", 5))
		want += 5;
	if (!WIFEXITED(pr_status) || WEXITSTATUS(pr_status) != atoi(want))
		pr_fail("wait: the command ended with %s, not exit:%s", got,
		    want);
}

/* Sends SIG (0: none) to every live process in session SID, printing each
 * on stderr when SHOW; returns how many there were. */
static int
pr_session(pid_t sid, int sig, int show)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[64], st[512], *p;
		pid_t pid = (pid_t)atoi(e->d_name);
		int fd, s;
		ssize_t len;
		char state;
		long ppid, pgrp, sess;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, st, sizeof(st) - 1);
		close(fd);
		if (len <= 0)
			continue;
		st[len] = '\0';
		p = strrchr(st, ')');
		if (!p)
			continue;
		s = sscanf(p + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp,
		    &sess);
		if (s == 4 && sess == sid && state != 'Z') {
			if (sig)
				kill(pid, sig);
			if (show)
				fprintf(stderr, "ptyrun: left in the session: "
				    "%.*s\n", (int)(p - st + 3), st);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* Kills what is left of the command's session, reaps it and exits. */
static void
pr_exit(int status)
{
	int i;

	if (pr_sid > 0) {
		for (i = 0; i < 100 && pr_session(pr_sid, SIGKILL, 0) > 0; i++)
			usleep(20000);
		if (pr_child > 0)
			waitpid(pr_child, NULL, 0);
	}
	if (pr_log)
		fclose(pr_log);
	exit(status);
}

static void
pr_usage(void)
{
	fputs("usage: ptyrun [-f SCRIPT] [-l LOG] [-t SECONDS] "
	    "[-w ROWSxCOLS] CMD [ARG...]\n", stderr);
	exit(2);
}

/* Runs the script line L (without its newline). */
static void
pr_command(char *l)
{
	char *arg = l;
	size_t n;

	while (*arg && !isspace((unsigned char)*arg))
		arg++;
	if (*arg)
		*arg++ = '\0';
	if (!strcmp(l, "send")) {
		n = pr_unescape(arg, 0);
		pr_send(arg, n);
	} else if (!strcmp(l, "expect")) {
		pr_expect(arg);
	} else if (!strcmp(l, "timeout")) {
		pr_timeout = atof(arg);
		if (pr_timeout <= 0)
			pr_fail("timeout: bad value '%s'", arg);
	} else if (!strcmp(l, "resize")) {
		struct winsize ws = { 0 };
		unsigned rows, cols;

		if (sscanf(arg, "%u %u", &rows, &cols) != 2)
			pr_fail("resize: want ROWS COLS, not '%s'", arg);
		if (pr_master < 0)
			pr_fail("resize: the master is closed");
		ws.ws_row = (unsigned short)rows;
		ws.ws_col = (unsigned short)cols;
		if (ioctl(pr_master, TIOCSWINSZ, &ws) < 0)
			pr_fail("resize: TIOCSWINSZ: %s", strerror(errno));
	} else if (!strcmp(l, "signal")) {
		int sig = pr_signum(arg);

		if (sig < 0)
			pr_fail("signal: no signal '%s'", arg);
		if (pr_child < 0)
			pr_fail("signal: the command has ended");
		kill(pr_child, sig);
	} else if (!strcmp(l, "termios")) {
		if (!strcmp(arg, "save"))
			pr_get_tio(&pr_saved_tio, &pr_saved_ws);
		else if (!strcmp(arg, "same"))
			pr_termios_same();
		else
			pr_fail("termios: want save or same, not '%s'", arg);
	} else if (!strcmp(l, "wait")) {
		pr_wait(arg);
	} else if (!strcmp(l, "gone")) {
		double end = pr_now() + pr_timeout;

		pr_reap();
		while (pr_session(pr_sid, 0, 0) > 0) {
			if (pr_now() > end) {
				pr_session(pr_sid, 0, 1);
				pr_fail("gone: processes left in the session "
				    "after %g s", pr_timeout);
			}
			pr_pump(50, 0);
			pr_reap();
		}
	} else if (!strcmp(l, "close")) {
		if (pr_master >= 0)
			close(pr_master);
		pr_master = -1;
	} else if (!strcmp(l, "sleep")) {
		double end = pr_now() + atof(arg);

		while (pr_now() < end)
			pr_pump(20, 0);
	} else if (!strcmp(l, "print")) {
		printf("%s\n", arg);
		fflush(stdout);
	} else {
		pr_fail("unknown command '%s'", l);
	}
}

int
main(int argc, char **argv)
{
	const char *script = NULL, *log = NULL;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	FILE *in = stdin;
	char *line = NULL, *slave_name;
	size_t cap = 0;
	ssize_t len;
	int opt, sfd;

	while ((opt = getopt(argc, argv, "+f:l:t:w:")) != -1) {
		switch (opt) {
		case 'f': script = optarg; break;
		case 'l': log = optarg; break;
		case 't':
			pr_timeout = atof(optarg);
			if (pr_timeout <= 0)
				pr_usage();
			break;
		case 'w': {
			unsigned r, c;

			if (sscanf(optarg, "%ux%u", &r, &c) != 2)
				pr_usage();
			ws.ws_row = (unsigned short)r;
			ws.ws_col = (unsigned short)c;
			break;
		}
		default: pr_usage();
		}
	}
	if (optind >= argc)
		pr_usage();
	if (script && !(in = fopen(script, "r"))) {
		fprintf(stderr, "ptyrun: %s: %s\n", script, strerror(errno));
		return 2;
	}
	if (log && !(pr_log = fopen(log, "w"))) {
		fprintf(stderr, "ptyrun: %s: %s\n", log, strerror(errno));
		return 2;
	}
	pr_buf = malloc(PR_BUFMAX + 1);
	pr_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (!pr_buf || pr_master < 0 || grantpt(pr_master) < 0 ||
	    unlockpt(pr_master) < 0 || !(slave_name = ptsname(pr_master))) {
		fprintf(stderr, "ptyrun: no pty: %s\n", strerror(errno));
		return 2;
	}
	sfd = open(slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (sfd < 0 || ioctl(pr_master, TIOCSWINSZ, &ws) < 0) {
		fprintf(stderr, "ptyrun: %s: %s\n", slave_name, strerror(errno));
		return 2;
	}
	pr_get_tio(&pr_saved_tio, &pr_saved_ws);
	fflush(NULL);
	pr_child = fork();
	if (pr_child < 0) {
		fprintf(stderr, "ptyrun: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pr_child == 0) {
		sigset_t none;
		int s;

		for (s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (setsid() < 0 || ioctl(sfd, TIOCSCTTY, 0) < 0 ||
		    dup2(sfd, 0) < 0 || dup2(sfd, 1) < 0 || dup2(sfd, 2) < 0)
			_exit(126);
		if (script)
			fclose(in);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "ptyrun: %s: %s\n", argv[optind],
		    strerror(errno));
		_exit(127);
	}
	pr_sid = pr_child;
	close(sfd);
	signal(SIGPIPE, SIG_IGN);
	fcntl(pr_master, F_SETFL, fcntl(pr_master, F_GETFL) | O_NONBLOCK);
	while ((len = getline(&line, &cap, in)) >= 0) {
		char *l = line;

		pr_lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '#')
			continue;
		pr_pump(0, 0);
		pr_command(l);
	}
	free(line);
	pr_exit(0);
	return 0;
}
