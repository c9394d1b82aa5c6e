/* soft_abi.h: layout of the soft backend's stub area, shared by the vkernel and the stub. */
#ifndef KSHIM_SOFT_ABI_H
#define KSHIM_SOFT_ABI_H

#include <signal.h>
#include <stdint.h>
#include <sched.h>
#include <sys/syscall.h>

#include "kshim.h"

/*
 * Each guest address space is one host process (the stub): a control
 * thread, which never runs guest code, and one host thread per guest
 * thread that runs in the space (kept for the next guest thread when one
 * ends).  Its only host mappings besides guest memory are the stub area,
 * at a fixed address just above the guest's user range, made of one memfd:
 *
 *   STUB_BASE + 0x00000  code      r-x  copied from the vkernel's vkstub section
 *   STUB_BASE + 0x04000  selector  r--  Syscall User Dispatch selector (BLOCK)
 *   STUB_BASE + 0x05000  batch     rw-  struct soft_ctl: the ops to apply
 *   STUB_BASE + 0x15000  stack     rw-  the control thread's stack
 *   STUB_BASE + 0x20000  slots     rw-  STUB_SLOTS of STUB_SLOT_SIZE, one per
 *                                       guest thread:
 *        + 0x0000  struct soft_slot: its trap report and the frame to resume
 *        + 0x1000  its start-up stack
 *        + 0x2000  its signal stack, where the trap handler runs
 *
 * The guest runs in the same host process, so it can read and write the
 * batch and every slot and jump into the stub's code.  Nothing there is
 * trusted:
 *
 * - A stub thread waits for the vkernel only inside the gate, a system call
 *   (STUB_GATE_NR) that the stub's seccomp filter turns into a user
 *   notification to the vkernel, which names the host thread that made it
 *   (the kernel fills that in: no thread can speak for another).  While
 *   the vkernel holds that notification unanswered, that thread is stopped
 *   in the host kernel.  The answer (the gate's return value) is a
 *   SOFT_CMD.  The vkernel reads a thread's report from the slot it gave
 *   that thread, and keeps every frame, which thread has which slot, and
 *   the ops in its own memory.
 * - Every mmap/munmap/mprotect the process makes is a user notification
 *   too; the vkernel lets it run only if it is, argument for argument, the
 *   next op of the batch it sent, made by the thread it sent it to, and
 *   checks afterwards with the host (/proc/PID/maps) that unmaps and
 *   protection changes took effect.  So is clone: only the control
 *   thread's, only when the vkernel asked it for a thread, with the
 *   flags and the slot's stack it expects.
 */
#define STUB_BASE      KS_USER_MAX
#define STUB_CODE_OFF  0x00000UL
#define STUB_CODE_MAX  0x04000UL
#define STUB_SEL_OFF   0x04000UL
#define STUB_CTL_OFF   0x05000UL
#define STUB_CTL_SIZE  0x10000UL
#define STUB_STK_OFF   0x15000UL
#define STUB_STK_SIZE  0x0b000UL
#define STUB_SLOT_OFF  0x20000UL
#define STUB_SLOT_SIZE 0x10000UL
#define STUB_SLOTS     1024      /* guest threads one space can run */
#define SLOT_STK_OFF   0x1000UL  /* in a slot: the start-up stack */
#define SLOT_ALT_OFF   0x2000UL  /* ... and the signal stack, to its end */
#define STUB_SIZE      (STUB_SLOT_OFF + STUB_SLOTS * STUB_SLOT_SIZE)
#define STUB_END       (STUB_BASE + STUB_SIZE)
#define STUB_SLOT(i)   (STUB_BASE + STUB_SLOT_OFF + (uint64_t)(i) * STUB_SLOT_SIZE)
/* Where vkstub_start unmaps up to: the top of the host's user range. */
#define STUB_HOST_TOP  0x7ffffffff000UL

/* The image fd number inside the stub (every other fd is closed). */
#define STUB_IMAGE_FD  0

/* The gate: a system call the stub never needs for itself. */
#define STUB_GATE_NR   SYS_getppid

/* How the control thread makes a stub thread: a host thread of the same
 * process, its stack the slot's start-up stack. */
#define STUB_CLONE_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
    CLONE_THREAD | CLONE_SYSVSEM)

/* The host signal kick() sends a stub thread: its handler reports it as a
 * trap like any other (default action ignore, should one arrive early). */
#define STUB_KICK_SIG  SIGURG

/* What the gate's first argument says (only informative: untrusted). */
enum soft_gate { SOFT_GATE_TRAP = 1, SOFT_GATE_APPLIED, SOFT_GATE_CTL };

/* The gate's return value: what the vkernel asks next (SOFT_CMD_MASK),
 * and how many ops of the batch page to apply first (above SOFT_NOPS_SHIFT):
 * the count comes with the command to the one thread it is for, never
 * from the page, which every thread of the stub can write. */
#define SOFT_CMD_MASK   0xff
#define SOFT_NOPS_SHIFT 8
enum soft_cmd {
	SOFT_CMD_APPLY = 1, /* apply ctl->ops, then enter the gate again */
	SOFT_CMD_RUN,       /* (a guest thread) apply ctl->ops, load its
	                       slot's frame, resume the guest */
	SOFT_CMD_CLONE,     /* (the control thread) start a thread in slot
	                       ctl->clone_slot; it traps once, in its slot */
};

enum soft_op_kind { SOFT_OP_MAP = 1, SOFT_OP_UNMAP, SOFT_OP_PROTECT };

struct soft_op {
	uint32_t kind;
	int32_t prot;  /* host PROT_* */
	uint64_t gva;
	uint64_t len;
	uint64_t gpa;  /* image offset, for SOFT_OP_MAP */
};

#define SOFT_MAXOPS 2000
#define SOFT_SET_FS 1
#define SOFT_SET_GS 2

/* The batch (vkernel -> stub), a copy of the vkernel's own queue. */
struct soft_ctl {
	uint32_t pad;
	uint32_t clone_slot;  /* SOFT_CMD_CLONE: the new thread's slot */
	struct soft_op ops[SOFT_MAXOPS];
};

/* One guest thread's slot: its trap report (stub -> vkernel) and the
 * frame to resume (vkernel -> stub). */
struct soft_slot {
	struct ks_frame frame;
	int32_t signo, code;
	uint64_t addr, err, trapno;
	uint32_t set_fs;      /* SOFT_SET_FS/GS: arch_prctl(ARCH_SET_FS/GS) from
	                         frame.fs_base / frame.gs_base first */
};

_Static_assert(sizeof(struct soft_ctl) <= STUB_CTL_SIZE, "soft_ctl too large");
_Static_assert(sizeof(struct soft_slot) <= SLOT_STK_OFF, "soft_slot too large");

#endif /* KSHIM_SOFT_ABI_H */
