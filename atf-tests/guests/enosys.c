/* enosys.c: guest that makes a syscall no kernel implements (999) and checks for -1/ENOSYS. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	errno = 0;
	long r = syscall(999, 1, 2, 3);
	if (r != -1 || errno != ENOSYS) {
		printf("FAIL: syscall(999) returned %ld, errno %d (%s)\n", r,
		    errno, strerror(errno));
		return 1;
	}
	printf("enosys ok\n");
	return 0;
}
