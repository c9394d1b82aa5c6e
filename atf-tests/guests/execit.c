/* execit.c: guest that execs argv[1] with argv[1...] and the environment, and when execve fails prints its errno by name and exits 1. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

extern char **environ;

static const char *
errname(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case ENOEXEC: return "ENOEXEC";
	case EACCES: return "EACCES";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case ELIBBAD: return "ELIBBAD";
	default: return "other";
	}
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: execit program [args ...]\n");
		return 2;
	}
	execve(argv[1], argv + 1, environ);
	printf("execve %s: %s\n", argv[1], errname(errno));
	return 1;
}
