/* priv.c: guest that prints "before MODE" and then does one forbidden thing (privileged instruction, kernel or NULL access, non-executable jump, divide by zero), so it must die of the signal Linux sends. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The hw path's ring-0 trampoline (supervisor-only); kernel space natively. */
#define KERNEL_ADDR 0xffffffffffe04000UL

typedef void (*fn_t)(void);

/* A ret instruction in .data: RW, never executable. */
static unsigned char data_ret[64] = { 0xc3 };

static void
do_hlt(void)
{
	__asm__ volatile("hlt");
}

static void
do_cli(void)
{
	__asm__ volatile("cli");
}

static void
do_out(void)
{
	__asm__ volatile("out %%al, $0x80" : : "a"(0));
}

static void
do_outport(void)
{
	/* The hw trampoline's exit port: must never reach the host. */
	__asm__ volatile("mov $0x3f8, %%dx\n\tout %%al, %%dx"
	    : : "a"(0) : "rdx");
}

static void
do_inport(void)
{
	unsigned char v;
	__asm__ volatile("mov $0x3f8, %%dx\n\tin %%dx, %%al"
	    : "=a"(v) : : "rdx");
	printf("read %u\n", v);
}

static void
do_rdmsr(void)
{
	uint32_t lo, hi;
	/* IA32_TIME_STAMP_COUNTER */
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x10));
	printf("read %u %u\n", lo, hi);
}

static void
do_wrmsr(void)
{
	/* IA32_LSTAR: where syscall goes. */
	__asm__ volatile("wrmsr" : : "a"(0), "d"(0), "c"(0xc0000082));
}

static void
do_movcr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	printf("read %lx\n", (unsigned long)v);
}

static void
do_lgdt(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} d = { 0, 0 };
	__asm__ volatile("lgdt %0" : : "m"(d));
}

static void
do_ud2(void)
{
	__asm__ volatile("ud2");
}

static void
do_int3(void)
{
	__asm__ volatile("int3");
}

static void
do_readkernel(void)
{
	volatile unsigned char *p = (volatile unsigned char *)KERNEL_ADDR;
	printf("read %u\n", *p);
}

static void
do_writekernel(void)
{
	volatile unsigned char *p = (volatile unsigned char *)KERNEL_ADDR;
	*p = 0xf4;
}

static void
do_jumpkernel(void)
{
	__asm__ volatile("call *%%rax" : : "a"(KERNEL_ADDR) : "memory");
}

static void
do_jumpnull(void)
{
	volatile fn_t f = NULL;
	f();
}

static void
do_readnull(void)
{
	volatile unsigned char *volatile p = NULL;
	printf("read %u\n", *p);
}

static void
do_divzero(void)
{
	volatile int a = 1, b = 0;
	printf("quotient %d\n", a / b);
}

static void
do_divoverflow(void)
{
	volatile int a = INT_MIN, b = -1;
	printf("quotient %d\n", a / b);
}

static void
do_execstack(void)
{
	volatile unsigned char code[64];
	memset((void *)code, 0xc3, sizeof(code));
	volatile fn_t f = (fn_t)(uintptr_t)code;
	f();
}

static void
do_execdata(void)
{
	volatile fn_t f = (fn_t)(uintptr_t)data_ret;
	f();
}

static void
do_execmmap(void)
{
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("FAIL: mmap\n");
		_exit(2);
	}
	p[0] = 0xc3;
	volatile fn_t f = (fn_t)(uintptr_t)p;
	f();
}

static const struct mode {
	const char *name;
	void (*fn)(void);
} modes[] = {
	{ "hlt", do_hlt },
	{ "cli", do_cli },
	{ "out", do_out },
	{ "outport", do_outport },
	{ "inport", do_inport },
	{ "rdmsr", do_rdmsr },
	{ "wrmsr", do_wrmsr },
	{ "movcr3", do_movcr3 },
	{ "lgdt", do_lgdt },
	{ "ud2", do_ud2 },
	{ "int3", do_int3 },
	{ "readkernel", do_readkernel },
	{ "writekernel", do_writekernel },
	{ "jumpkernel", do_jumpkernel },
	{ "jumpnull", do_jumpnull },
	{ "readnull", do_readnull },
	{ "divzero", do_divzero },
	{ "divoverflow", do_divoverflow },
	{ "execstack", do_execstack },
	{ "execdata", do_execdata },
	{ "execmmap", do_execmmap },
};

int
main(int argc, char **argv)
{
	if (argc != 2) {
		printf("usage: priv MODE\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(argv[1], modes[i].name) != 0)
			continue;
		printf("before %s\n", modes[i].name);
		fflush(stdout);
		modes[i].fn();
		printf("FAIL: still alive after %s\n", modes[i].name);
		return 1;
	}
	printf("FAIL: unknown mode %s\n", argv[1]);
	return 2;
}
