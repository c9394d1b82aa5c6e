/* hoard.c: guests that make the kernel hold as much as it will (processes, pipes full and empty, blocked readers and writers, open files, /proc snapshots, epoll entries, cached files) until it refuses; the vkernel must refuse with an errno, never grow past its memory bound. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXKIDS 4096

/* What every child reports, in memory shared with the parent (no pipe or
 * file is needed to hear back, since those may be what runs out). */
struct board {
	volatile int done;           /* children that finished hoarding */
	volatile long made;          /* objects made, all children */
	volatile int err[MAXKIDS];   /* the errno that stopped each */
};

static struct board *bd;

static void
die(const char *what)
{
	fprintf(stderr, "hoard: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Every descriptor the limits allow. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static const char *
errname(int e)
{
	switch (e) {
	case 0: return "none";
	case EMFILE: return "EMFILE";
	case ENFILE: return "ENFILE";
	case ENOMEM: return "ENOMEM";
	case EAGAIN: return "EAGAIN";
	default: return strerror(e);
	}
}

/* The n-th epoll entry of a hoard: one eventfd duplicated EP_DUPS times,
 * every duplicate in each of as many epoll sets as it takes (an entry is
 * per file and descriptor).  0 or the errno that refused it. */
#define EP_DUPS 256
static int
epoll_entry(long n)
{
	static int fds[EP_DUPS], ep = -1;
	struct epoll_event ev = { .events = EPOLLIN };
	int i = (int)(n % EP_DUPS);

	if (n == 0) {
		if ((fds[0] = eventfd(0, 0)) < 0)
			return errno;
		for (i = 1; i < EP_DUPS; i++)
			if ((fds[i] = dup(fds[0])) < 0)
				return errno;
		i = 0;
	}
	if (i == 0 && (ep = epoll_create1(0)) < 0)
		return errno;
	return epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) == 0 ? 0 : errno;
}

/* One child's hoard of what; returns the errno that stopped it. */
static int
hoard(const char *what, const char *arg)
{
	static char big[65536];
	int p[2], fd, e = 0;
	long n = 0;

	raise_nofile();
	for (;;) {
		if (strcmp(what, "pipes") == 0 || strcmp(what, "fullpipes") == 0) {
			if (pipe(p) != 0) {
				e = errno;
				break;
			}
			fcntl(p[1], F_SETFL, O_NONBLOCK);
			/* One byte, or as much as the pipe takes. */
			if (write(p[1], big, what[0] == 'f' ? sizeof(big) : 1) <= 0 &&
			    errno != EAGAIN) {
				e = errno;
				break;
			}
		} else if (strcmp(what, "files") == 0) {
			if ((fd = open(arg, O_RDONLY)) < 0) {
				e = errno;
				break;
			}
		} else if (strcmp(what, "epoll") == 0) {
			if ((e = epoll_entry(n)) != 0)
				break;
		} else if (strcmp(what, "snaps") == 0) {
			if ((fd = open("/proc/self/maps", O_RDONLY)) < 0) {
				e = errno;
				break;
			}
		} else {
			fprintf(stderr, "hoard: unknown %s\n", what);
			exit(2);
		}
		n++;
		__sync_fetch_and_add(&bd->made, 1);
	}
	return e;
}

/*
 * hoard WHAT KIDS [ARG]: KIDS processes (fork stops earlier at the
 * process limit) each make WHAT until refused, report, and wait to be
 * killed.  Prints what was made and what refused it.
 */
static void
mode_objects(const char *what, int kids, const char *arg)
{
	pid_t pids[MAXKIDS];
	int k, i, st, ferr = 0;

	for (k = 0; k < kids; k++) {
		pid_t pid = fork();

		if (pid < 0) {
			ferr = errno;
			break;
		}
		if (pid == 0) {
			bd->err[k] = hoard(what, arg);
			__sync_fetch_and_add(&bd->done, 1);
			for (;;)
				pause();
		}
		pids[k] = pid;
		/* One at a time, so that each finds the others' hoard. */
		while (bd->done < k + 1)
			pause_ms(1);
	}
	for (i = 0; i < k; i++)
		if (bd->err[i] != EMFILE && bd->err[i] != ENFILE &&
		    bd->err[i] != ENOMEM)
			printf("child %d stopped by %s\n", i, errname(bd->err[i]));
	printf("hoard %s: %d children (then %s), %ld made, last stopped by %s\n",
	    what, k, errname(ferr), bd->made, k ? errname(bd->err[k - 1]) :
	    "none");
	for (i = 0; i < k; i++)
		kill(pids[i], SIGKILL);
	while (wait(&st) > 0)
		;
}

/* hoard procs: fork until refused; every child blocks in a read of a
 * pipe (a 64 KiB buffer) or a write to a full one, each holding what a
 * sleeping call holds. */
static void
mode_procs(void)
{
	static char buf[65536];
	pid_t *pids = calloc(MAXKIDS * 4, sizeof(*pids));
	int k, i, st, err = 0, p[2];

	if (pids == NULL || pipe(p) != 0)
		die("set-up");
	for (k = 0; k < MAXKIDS * 4; k++) {
		pid_t pid = fork();

		if (pid < 0) {
			err = errno;
			break;
		}
		if (pid == 0) {
			int q[2];

			if (k % 2 == 0) {
				if (read(p[0], buf, sizeof(buf)) < 0)
					_exit(3);
			} else if (pipe(q) == 0) {
				fcntl(q[1], F_SETFL, O_NONBLOCK);
				while (write(q[1], buf, sizeof(buf)) > 0)
					;
				fcntl(q[1], F_SETFL, 0);
				if (write(q[1], buf, sizeof(buf)) < 0)
					_exit(3);
			}
			for (;;)
				pause();
		}
		pids[k] = pid;
	}
	printf("hoard procs: %d children, then %s\n", k, errname(err));
	for (i = 0; i < k; i++)
		kill(pids[i], SIGKILL);
	while (wait(&st) > 0)
		;
}

/* hoard cache DIR N: N files in DIR, each mapped and then closed, so that
 * only the page cache holds them; stops when mmap or open is refused. */
static void
mode_cache(const char *dir, long n)
{
	char path[4096];
	long i, mapped = 0;
	int fd, err = 0;
	void *m;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		if ((fd = open(path, O_RDWR | O_CREAT, 0600)) < 0) {
			err = errno;
			break;
		}
		if (write(fd, "x", 1) != 1)
			die("write");
		m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (m == MAP_FAILED) {
			err = errno;
			break;
		}
		if (*(volatile char *)m != 'x')
			die("read back");
		mapped++;
	}
	printf("hoard cache: %ld files mapped, then %s\n", mapped,
	    errname(err));
}

int
main(int argc, char **argv)
{
	bd = mmap(NULL, sizeof(*bd), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (bd == MAP_FAILED)
		die("mmap");
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc >= 2 && strcmp(argv[1], "procs") == 0)
		mode_procs();
	else if (argc >= 4 && strcmp(argv[1], "cache") == 0)
		mode_cache(argv[2], atol(argv[3]));
	else if (argc >= 3)
		mode_objects(argv[1], atoi(argv[2]) > MAXKIDS ? MAXKIDS :
		    atoi(argv[2]), argc > 3 ? argv[3] : "/dev/null");
	else {
		fprintf(stderr, "usage: hoard pipes|fullpipes|files|snaps KIDS "
		    "[FILE] | procs | cache DIR N\n");
		return 2;
	}
	return 0;
}
