/* brk.c: guest that grows the heap by 1 MiB with SYS_brk, checks it, shrinks it, and checks regrown memory is zero. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)

static uintptr_t
sys_brk(uintptr_t addr)
{
	return (uintptr_t)syscall(SYS_brk, addr);
}

static void
fail(const char *what)
{
	printf("FAIL: %s\n", what);
	exit(1);
}

int
main(void)
{
	uintptr_t base = sys_brk(0);
	printf("initial break %#lx\n", (unsigned long)base);
	if (base == 0 || base == (uintptr_t)-1)
		fail("brk(0) returned no break");
	/* Start from a page boundary so shrinking frees whole pages. */
	uintptr_t start = (base + 4095) & ~(uintptr_t)4095;
	if (sys_brk(start) != start)
		fail("cannot align the break");

	uintptr_t top = start + MIB;
	if (sys_brk(top) != top)
		fail("growing the break by 1 MiB");
	if (sys_brk(0) != top)
		fail("brk(0) after growing");

	volatile unsigned char *p = (volatile unsigned char *)start;
	for (size_t i = 0; i < MIB; i++)
		if (p[i] != 0)
			fail("fresh heap is not zero");
	for (size_t i = 0; i < MIB; i++)
		p[i] = (unsigned char)(i * 7 + 3);
	for (size_t i = 0; i < MIB; i++)
		if (p[i] != (unsigned char)(i * 7 + 3))
			fail("heap pattern mismatch");

	/* Shrink by half, then back to the start. */
	uintptr_t half = start + MIB / 2;
	if (sys_brk(half) != half)
		fail("shrinking to half");
	if (sys_brk(0) != half)
		fail("brk(0) after shrinking to half");
	for (size_t i = 0; i < MIB / 2; i++)
		if (p[i] != (unsigned char)(i * 7 + 3))
			fail("pattern below the shrunk break changed");
	if (sys_brk(start) != start)
		fail("shrinking back to the start");
	if (sys_brk(0) != start)
		fail("brk(0) after shrinking back");

	/* Regrow: the memory given back must read zero. */
	if (sys_brk(top) != top)
		fail("growing again");
	for (size_t i = 0; i < MIB; i++)
		if (p[i] != 0)
			fail("regrown heap is not zero");
	p[MIB - 1] = 0xaa;
	if (p[MIB - 1] != 0xaa)
		fail("writing the last regrown byte");

	/* A break below the heap's start is refused (the break stays put). */
	if (sys_brk((start / 2) & ~(uintptr_t)4095) != top)
		fail("brk below the start did not leave the break unchanged");

	if (sys_brk(start) != start)
		fail("final shrink");
	printf("brk ok\n");
	return 0;
}
