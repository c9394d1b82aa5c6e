/* escape.c: tries to get out of the vkernel: host system calls through the sw stub's code, or its selector. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#define STUB_BASE 0x7e0000000000UL /* the sw path's stub area (kshim/soft_abi.h) */

/* Jumps to the first `syscall` instruction in the stub's code with an
 * openat("/etc/passwd") in the registers: a host system call made from
 * inside the stub's allowed range, which only seccomp can stop. */
static void
stubcall(void)
{
	const unsigned char *code = (const unsigned char *)STUB_BASE;
	static const char path[] = "/etc/passwd";
	size_t i;

	for (i = 0; i < 0x4000 - 1; i++)
		if (code[i] == 0x0f && code[i + 1] == 0x05)
			break;
	printf("syscall insn at %#lx\n", STUB_BASE + i);
	fflush(stdout);
	__asm__ volatile("mov %0, %%rsi\n\t"
	    "mov $-100, %%rdi\n\t"
	    "xor %%edx, %%edx\n\t"
	    "mov %1, %%eax\n\t"
	    "jmp *%2"
	    : : "r"(path), "i"(SYS_openat), "r"(STUB_BASE + i)
	    : "rax", "rdi", "rsi", "rdx", "memory");
}

int
main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "stubcall";

	printf("before %s\n", mode);
	fflush(stdout);
	if (strcmp(mode, "stubcall") == 0)
		stubcall();
	else if (strcmp(mode, "selector") == 0)
		*(volatile uint8_t *)(STUB_BASE + 0x4000) = 0; /* allow */
	printf("still here after %s\n", mode);
	return 1;
}
