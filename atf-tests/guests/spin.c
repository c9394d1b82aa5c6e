/* spin.c: guest that prints "spinning" and then loops forever without making a system call. */
#include <stdio.h>

int
main(void)
{
	volatile unsigned long n = 0;

	printf("spinning\n");
	fflush(stdout);
	for (;;)
		n++;
}
