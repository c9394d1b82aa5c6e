/* kvm_tramp.S: the hw path's ring-0 trampoline: syscall and exception entry, one exit, iret back. */

/*
 * Copied to each vCPU's code page (KVA_CPU, kvm_abi.h) and run at CPL0 in the KVM guest.
 * It never touches user memory.  Contract with kvm.c: on any entry from
 * CPL3 it saves the user frame into the mailbox and leaves with one VM
 * exit (`out` to KVM_EXIT_PORT); on the way back in (vkt_resume) it applies
 * the CR3 switch and TLB invalidations asked for in the mailbox, loads the
 * %fs base if asked, and returns to CPL3 with iretq from the mailbox frame.
 * Position-independent: each vCPU has its own copy (kvm_abi.h), which
 * reaches its own mailbox and stack rip-relative.
 */
#include "kvm_abi.h"

#define MB(off) (vkt_base + CPU_OFF_MBOX + (off))(%rip)

	.section vktramp, "ax", @progbits
	.code64

vkt_base:
	.globl vkt_syscall
vkt_syscall:
	/* syscall: rcx = user rip, r11 = user rflags, rsp still the user's. */
	movq $STAGE_SYSCALL, MB(MB_STAGE)
	mov %rsp, MB(MB_RSP)
	mov %rcx, MB(MB_RIP)
	mov %r11, MB(MB_RFLAGS)
	movq $MB_VEC_SYSCALL, MB(MB_VECTOR)
	movq $0, MB(MB_ERR)
	movq $0, MB(MB_KFAULT)
	jmp save_gprs

/* Exception stubs: stack holds [err] rip cs rflags rsp ss. */
.macro EXC vec, haserr
	.globl vkt_exc\vec
vkt_exc\vec:
	.if \haserr == 0
	pushq $0
	.endif
	pushq $\vec
	jmp exc_common
.endm
	EXC 0,0;  EXC 1,0;  EXC 2,0;  EXC 3,0;  EXC 4,0;  EXC 5,0;  EXC 6,0
	EXC 7,0;  EXC 8,1;  EXC 9,0;  EXC 10,1; EXC 11,1; EXC 12,1; EXC 13,1
	EXC 14,1; EXC 15,0; EXC 16,0; EXC 17,1; EXC 18,0; EXC 19,0; EXC 20,0
	EXC 21,1; EXC 22,0; EXC 23,0; EXC 24,0; EXC 25,0; EXC 26,0; EXC 27,0
	EXC 28,0; EXC 29,1; EXC 30,1; EXC 31,0
	/* The kick: an external interrupt kvm.c injects (KVM_KICK_VECTOR). */
	EXC 32,0

exc_common:
	movq $STAGE_EXC, MB(MB_STAGE)
	popq MB(MB_VECTOR)
	popq MB(MB_ERR)
	popq MB(MB_RIP)
	mov %rax, MB(MB_RAX)
	popq %rax                       /* cs: ring 0 means a trampoline fault */
	andq $3, %rax
	xorq $3, %rax
	mov %rax, MB(MB_KFAULT)
	popq MB(MB_RFLAGS)
	popq MB(MB_RSP)
	popq %rax                       /* ss */
	mov MB(MB_RAX), %rax

save_gprs:
	mov %rax, MB(MB_RAX)
	mov %rbx, MB(MB_RBX)
	mov %rdx, MB(MB_RDX)
	mov %rsi, MB(MB_RSI)
	mov %rdi, MB(MB_RDI)
	mov %rbp, MB(MB_RBP)
	mov %r8, MB(MB_R8)
	mov %r9, MB(MB_R9)
	mov %r10, MB(MB_R10)
	mov %r12, MB(MB_R12)
	mov %r13, MB(MB_R13)
	mov %r14, MB(MB_R14)
	mov %r15, MB(MB_R15)
	mov %rcx, MB(MB_RCX)
	mov %r11, MB(MB_R11)
	mov %cr2, %rax
	mov %rax, MB(MB_CR2)
	lea (vkt_base + CPU_OFF_STACK_TOP)(%rip), %rsp
	mov $KVM_EXIT_PORT, %dx
	out %al, %dx                    /* the one VM exit */
	.globl vkt_resume
vkt_resume:
	movq $STAGE_RESUME, MB(MB_STAGE)
	/* CR3 switch, full flush, or a batch of invlpg. */
	mov MB(MB_NEWCR3), %rax
	test %rax, %rax
	jz 1f
	mov %rax, %cr3
	jmp 3f
1:	cmpq $0, MB(MB_FLUSH)
	jz 2f
	mov %cr3, %rax
	mov %rax, %cr3
	jmp 3f
2:	mov MB(MB_NINVAL), %rcx
	lea MB(MB_INVAL), %rdx
	cmp $MB_MAXINVAL, %rcx
	jbe 4f
	mov $MB_MAXINVAL, %rcx
4:	test %rcx, %rcx
	jz 3f
	mov (%rdx), %rax
	invlpg (%rax)
	add $8, %rdx
	dec %rcx
	jmp 4b
3:	movq $STAGE_TLB, MB(MB_STAGE)
	movq $0, MB(MB_NEWCR3)
	movq $0, MB(MB_FLUSH)
	movq $0, MB(MB_NINVAL)
	testq $1, MB(MB_SETFS)
	jz 6f
	mov MB(MB_FSBASE), %rax
	mov %rax, %rdx
	shr $32, %rdx
	mov $0xc0000100, %ecx           /* MSR_FS_BASE */
	wrmsr
6:	testq $2, MB(MB_SETFS)
	jz 7f
	mov MB(MB_GSBASE), %rax
	mov %rax, %rdx
	shr $32, %rdx
	mov $0xc0000101, %ecx           /* MSR_GS_BASE */
	wrmsr
7:	movq $0, MB(MB_SETFS)
	movq $STAGE_IRET, MB(MB_STAGE)
	pushq $SEL_UDATA
	pushq MB(MB_RSP)
	pushq MB(MB_RFLAGS)
	pushq $SEL_UCODE
	pushq MB(MB_RIP)
	mov MB(MB_RAX), %rax
	mov MB(MB_RBX), %rbx
	mov MB(MB_RCX), %rcx
	mov MB(MB_RDX), %rdx
	mov MB(MB_RSI), %rsi
	mov MB(MB_RDI), %rdi
	mov MB(MB_RBP), %rbp
	mov MB(MB_R8), %r8
	mov MB(MB_R9), %r9
	mov MB(MB_R10), %r10
	mov MB(MB_R11), %r11
	mov MB(MB_R12), %r12
	mov MB(MB_R13), %r13
	mov MB(MB_R14), %r14
	mov MB(MB_R15), %r15
	iretq
	.globl vkt_end
vkt_end:

/* Offsets of the exception stubs from the section start, for the IDT. */
	.globl vkt_exc_table
	.balign 8
vkt_exc_table:
	.irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32
	.quad vkt_exc\v - vkt_syscall
	.endr

	.section .note.GNU-stack,"",@progbits
