/* kvm_abi.h: the hw path's guest-side layout: trampoline pages, selectors, mailbox offsets. */
#ifndef KSHIM_KVM_ABI_H
#define KSHIM_KVM_ABI_H

/*
 * Included by C and by the trampoline's assembly: numbers only.
 *
 * The backend's reserved guest-physical pages (ks_mem.resv onwards):
 *   +0  kernel PML4 (only entry 511): CR3 while no space is active
 *   +1  kernel PDPT   +2 kernel PD   +3 kernel PT
 *   +4 .. +15 unused
 * then KVM_CPU_PAGES pages for each vCPU c, mapped at KVA_CPU(c):
 *   +0  trampoline code, a copy per vCPU   r-x supervisor
 *   +1  mailbox                            rw- supervisor
 *   +2  GDT and TSS                        rw- supervisor
 *   +3  IDT                                r-- supervisor
 *   +4  (guard, unmapped)
 *   +5 .. +8 kernel stack                  rw- supervisor
 * Each vCPU's LSTAR, IDT and TSS lead into its own copy of the code, which
 * reaches its mailbox and stack rip-relative, so the vCPUs never share one.
 * Every guest PML4 gets entry 511 -> kernel PDPT, so the trampoline is
 * mapped at the top of every address space and never reachable from CPL3.
 */
#define KVM_RESV_PAGES 16
#define KVM_RESV_PML4  0
#define KVM_RESV_PDPT  1
#define KVM_RESV_PD    2
#define KVM_RESV_PT    3
#define KVM_CPU_PAGES  16
#define KVM_MAXCPU     31     /* what the kernel PT's 2 MiB hold */
#define KVM_CPU_CODE   0
#define KVM_CPU_MBOX   1
#define KVM_CPU_GDT    2
#define KVM_CPU_IDT    3
#define KVM_CPU_STACK  5
#define KVM_STACK_PAGES 4

#define KVA_BASE   0xffffffffffe00000
#define KVA_CPU(c) (KVA_BASE + (KVM_RESV_PAGES + (c) * KVM_CPU_PAGES) * 0x1000)
/* Offsets from a vCPU's code page. */
#define CPU_OFF_MBOX      0x1000
#define CPU_OFF_GDT       0x2000
#define CPU_OFF_TSS       0x2100
#define CPU_OFF_IDT       0x3000
#define CPU_OFF_STACK_TOP 0x9000

/* GDT selectors. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b /* 0x18 | 3 */
#define SEL_UCODE 0x23 /* 0x20 | 3 */
#define SEL_TSS   0x28

/* The trampoline leaves the guest with `out %al, $KVM_EXIT_PORT`. */
#define KVM_EXIT_PORT 0x3f8 /* never reachable from CPL3: IOPL 0, no bitmap */

/* Mailbox: the user frame (struct ks_frame order) and the requests. */
#define MB_RAX    0x00
#define MB_RBX    0x08
#define MB_RCX    0x10
#define MB_RDX    0x18
#define MB_RSI    0x20
#define MB_RDI    0x28
#define MB_RBP    0x30
#define MB_RSP    0x38
#define MB_R8     0x40
#define MB_R9     0x48
#define MB_R10    0x50
#define MB_R11    0x58
#define MB_R12    0x60
#define MB_R13    0x68
#define MB_R14    0x70
#define MB_R15    0x78
#define MB_RIP    0x80
#define MB_RFLAGS 0x88
#define MB_VECTOR 0x90 /* x86 vector, or MB_VEC_SYSCALL */
#define MB_ERR    0x98
#define MB_CR2    0xa0
#define MB_KFAULT 0xa8 /* nonzero: the trap came from ring 0 */
#define MB_FSBASE 0xb0
#define MB_SETFS  0xb8 /* bit 0: load MB_FSBASE, bit 1: load MB_GSBASE */
#define MB_NEWCR3 0xc0 /* nonzero: load this CR3 (flushes the TLB) */
#define MB_FLUSH  0xc8 /* nonzero: flush the whole TLB */
#define MB_NINVAL 0xd0 /* invlpg this many pages of MB_INVAL */
#define MB_GSBASE 0xd8
#define MB_INVAL  0xe0
#define MB_MAXINVAL 256
/* Where the trampoline last was (written as it goes, read after a VM exit
 * that lost the registers, such as a triple fault). */
#define MB_STAGE  0x8e0
#define STAGE_SYSCALL 1 /* entered by syscall */
#define STAGE_EXC     2 /* entered by an exception or the kick */
#define STAGE_RESUME  3 /* back from the vkernel, before the TLB work */
#define STAGE_TLB     4 /* CR3 loaded, flushed or invlpg done */
#define STAGE_IRET    5 /* about to iretq to CPL3 */
#define MB_VEC_SYSCALL 256

/* IDT: the 32 exception vectors and the kick, an external interrupt the
 * vkernel injects to stop a running guest (DPL 0: `int $32` is #GP). */
#define KVM_KICK_VECTOR 32
#define KVM_IDT_ENTRIES 33

#endif /* KSHIM_KVM_ABI_H */
