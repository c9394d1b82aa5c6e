/* args.c: guest that prints argv ("argv"), one variable ("env NAME") or checks the auxiliary vector ("auxv"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static int failures;

static void
check(int ok, const char *what)
{
	if (!ok) {
		printf("FAIL: %s\n", what);
		failures++;
	}
}

static int
do_auxv(void)
{
	unsigned long pagesz = getauxval(AT_PAGESZ);
	unsigned long entry = getauxval(AT_ENTRY);
	unsigned long phdr = getauxval(AT_PHDR);
	unsigned long rnd = getauxval(AT_RANDOM);
	unsigned long execfn = getauxval(AT_EXECFN);

	printf("AT_PAGESZ=%lu\n", pagesz);
	check(pagesz == 4096, "AT_PAGESZ == 4096");
	check(entry != 0, "AT_ENTRY != 0");
	check(phdr != 0, "AT_PHDR != 0");
	check(getauxval(AT_PHNUM) != 0, "AT_PHNUM != 0");
	check(rnd != 0, "AT_RANDOM != 0");
	if (rnd != 0) {
		/* Reading the 16 bytes faults the guest if they are not mapped. */
		const volatile unsigned char *p = (const volatile unsigned char *)rnd;
		unsigned sum = 0;
		for (int i = 0; i < 16; i++)
			sum |= p[i];
		printf("AT_RANDOM readable (%s)\n", sum ? "nonzero" : "all zero");
	}
	check(getauxval(AT_UID) == (unsigned long)getuid(), "AT_UID == getuid()");
	check(getauxval(AT_EUID) == (unsigned long)geteuid(), "AT_EUID == geteuid()");
	check(getauxval(AT_GID) == (unsigned long)getgid(), "AT_GID == getgid()");
	check(getauxval(AT_EGID) == (unsigned long)getegid(), "AT_EGID == getegid()");
	check(execfn != 0, "AT_EXECFN != 0");
	if (execfn != 0) {
		const char *s = (const char *)execfn;
		size_t n = strlen(s);
		check(n > 0, "AT_EXECFN is a non-empty string");
		printf("AT_EXECFN=%s\n", s);
	}
	if (failures) {
		printf("auxv FAILED (%d)\n", failures);
		return 1;
	}
	printf("auxv ok\n");
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: args argv [ARGS...] | env NAME | auxv\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "argv") == 0) {
		printf("argc=%d\n", argc);
		for (int i = 0; i < argc; i++)
			printf("argv[%d]=%s\n", i, argv[i]);
		return 0;
	}
	if (strcmp(argv[1], "env") == 0) {
		if (argc != 3)
			usage();
		const char *v = getenv(argv[2]);
		printf("%s\n", v ? v : "(unset)");
		return 0;
	}
	if (strcmp(argv[1], "auxv") == 0)
		return do_auxv();
	usage();
	return 2;
}
