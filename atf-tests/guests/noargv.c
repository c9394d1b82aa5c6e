/* noargv.c: guest that execs a program with an empty argv ("noargv exec PATH": {NULL}; "noargv null PATH": a NULL argv) and otherwise prints the argc, argv and name it was started with. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char **environ;

/* Prints argc, each argv[i] between brackets, whether argv[argc] is NULL
 * and the process's name (PR_GET_NAME). */
static int
show(int argc, char **argv)
{
	char comm[17] = { 0 };
	int i;

	printf("argc=%d\n", argc);
	for (i = 0; i < argc; i++)
		printf("argv[%d]=[%s]\n", i, argv[i]);
	printf("argv[argc] is %s\n", argv[argc] == NULL ? "NULL" : "not NULL");
	if (prctl(PR_GET_NAME, comm) != 0)
		printf("PR_GET_NAME: %s\n", strerror(errno));
	else
		printf("comm=[%s]\n", comm);
	return 0;
}

int
main(int argc, char **argv)
{
	char *empty[] = { NULL };

	if (argc == 3 && (strcmp(argv[1], "exec") == 0 ||
	    strcmp(argv[1], "null") == 0)) {
		fflush(stdout);
		execve(argv[2], strcmp(argv[1], "exec") == 0 ? empty : NULL,
		    environ);
		printf("execve %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	return show(argc, argv);
}
