/* hello.c: guest that prints a greeting and then each argument on its own line. */
#include <stdio.h>

int
main(int argc, char **argv)
{
	printf("hello from the guest\n");
	for (int i = 1; i < argc; i++)
		printf("%s\n", argv[i]);
	return 0;
}
