/* efault.c: guest that passes bad pointers to write, read (stdin if a file), uname and clock_gettime and expects EFAULT. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;

/* r is a raw result; expects -1 with errno EFAULT. */
static void
expect_efault(long r, const char *what)
{
	if (r != -1 || errno != EFAULT) {
		printf("FAIL: %s returned %ld, errno %d (%s); expected EFAULT\n",
		    what, r, errno, strerror(errno));
		failures++;
	} else
		printf("%s: EFAULT\n", what);
}

int
main(int argc, char **argv)
{
	(void)argc;
	/* A page that was mapped and is unmapped again: in range, but absent. */
	char *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gone == MAP_FAILED || ro == MAP_FAILED || munmap(gone, 4096) != 0) {
		printf("FAIL: setting up the test pages\n");
		return 1;
	}
	fflush(stdout);

	errno = 0;
	expect_efault(write(1, (void *)0x1000, 10), "write from 0x1000");
	errno = 0;
	expect_efault(write(1, (void *)-4096L, 10), "write from -4096");
	errno = 0;
	expect_efault(write(1, gone, 10), "write from an unmapped page");

	/* Read from a file with data: stdin when it is one, else the program. */
	struct stat st;
	int fd = 0;
	if (fstat(0, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 64) {
		fd = open(argv[0], O_RDONLY);
		if (fd < 0) {
			printf("FAIL: open %s: %s (or give a file as stdin)\n",
			    argv[0], strerror(errno));
			return 1;
		}
	}
	errno = 0;
	expect_efault(read(fd, (void *)0x1000, 10), "read into 0x1000");
	errno = 0;
	expect_efault(read(fd, gone, 10), "read into an unmapped page");
	errno = 0;
	expect_efault(read(fd, ro, 10), "read into a read-only page");
	if (fd != 0)
		close(fd);

	/* Out-pointers of other calls; raw syscalls, so no vDSO is involved. */
	errno = 0;
	expect_efault(syscall(SYS_uname, (void *)0x1000), "uname into 0x1000");
	errno = 0;
	expect_efault(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, gone),
	    "clock_gettime into an unmapped page");

	if (failures) {
		printf("efault FAILED (%d)\n", failures);
		return 1;
	}
	printf("efault ok\n");
	return 0;
}
