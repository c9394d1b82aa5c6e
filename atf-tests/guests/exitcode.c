/* exitcode.c: guest that exits with atoi(argv[1]), via _exit() if argv[2] is "_exit". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;

	if (argc > 2 && strcmp(argv[2], "_exit") == 0) {
		/* Buffered output would be lost on _exit(): write directly. */
		static const char msg[] = "exiting via _exit\n";
		if (write(1, msg, sizeof(msg) - 1) < 0)
			return 99;
		_exit(status);
	}
	printf("exiting with %d\n", status);
	return status;
}
