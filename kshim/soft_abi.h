/* soft_abi.h: layout of the soft backend's stub area, shared by the vkernel and the stub. */
#ifndef KSHIM_SOFT_ABI_H
#define KSHIM_SOFT_ABI_H

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "kshim.h"

/*
 * Each guest address space is one host process (the stub).  Its only host
 * mappings besides guest memory are the stub area, at a fixed address just
 * above the guest's user range, made of one memfd:
 *
 *   STUB_BASE + 0x00000  code      r-x  copied from the vkernel's vkstub section
 *   STUB_BASE + 0x04000  selector  r--  Syscall User Dispatch selector (BLOCK)
 *   STUB_BASE + 0x05000  control   rw-  struct soft_ctl, shared with the vkernel
 *   STUB_BASE + 0x15000  altstack  rw-  signal stack of the trap handler
 *   STUB_BASE + 0x25000  stack     rw-  the stub's start-up stack
 *   STUB_BASE + 0x30000  end
 *
 * The guest runs in the same host process, so it can read and write the
 * control page and jump into the stub's code.  Nothing there is trusted:
 *
 * - The stub waits for the vkernel only inside the gate, a system call
 *   (STUB_GATE_NR) that the stub's seccomp filter turns into a user
 *   notification to the vkernel.  While the vkernel holds that notification
 *   unanswered, the process (it has one thread) is stopped in the host
 *   kernel: only then does the vkernel read the trap report or write the
 *   frame and the ops.  The answer (the gate's return value) is a SOFT_CMD.
 * - Every mmap/munmap/mprotect the process makes is a user notification
 *   too; the vkernel lets it run only if it is, argument for argument, the
 *   next op of the vkernel's own queue, and checks afterwards with the host
 *   (/proc/PID/maps) that unmaps and protection changes took effect.
 */
#define STUB_BASE      KS_USER_MAX
#define STUB_CODE_OFF  0x00000UL
#define STUB_CODE_MAX  0x04000UL
#define STUB_SEL_OFF   0x04000UL
#define STUB_CTL_OFF   0x05000UL
#define STUB_CTL_SIZE  0x10000UL
#define STUB_ALT_OFF   0x15000UL
#define STUB_ALT_SIZE  0x10000UL
#define STUB_STK_OFF   0x25000UL
#define STUB_STK_SIZE  0x0b000UL
#define STUB_SIZE      0x30000UL
#define STUB_END       (STUB_BASE + STUB_SIZE)
/* Where vkstub_start unmaps up to: the top of the host's user range. */
#define STUB_HOST_TOP  0x7ffffffff000UL

/* The image fd number inside the stub (every other fd is closed). */
#define STUB_IMAGE_FD  0

/* The gate: a system call the stub never needs for itself. */
#define STUB_GATE_NR   SYS_getppid

/* The host signal kick() sends the stub: its handler reports it as a trap
 * like any other (default action ignore, should one arrive early). */
#define STUB_KICK_SIG  SIGURG

/* What the gate's first argument says (only informative: untrusted). */
enum soft_gate { SOFT_GATE_TRAP = 1, SOFT_GATE_APPLIED };

/* The gate's return value: what the vkernel asks next. */
enum soft_cmd {
	SOFT_CMD_APPLY = 1, /* apply ctl->ops, then enter the gate again */
	SOFT_CMD_RUN,       /* apply ctl->ops, load ctl->frame, resume guest */
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

struct soft_ctl {
	/* Trap report (stub -> vkernel) and frame to resume (vkernel -> stub). */
	struct ks_frame frame;
	int32_t signo, code;
	uint64_t addr, err, trapno;
	/* Requests (vkernel -> stub), a copy of the vkernel's own queue. */
	uint32_t nops;
	uint32_t set_fs;      /* SOFT_SET_FS/GS: arch_prctl(ARCH_SET_FS/GS) from
	                         frame.fs_base / frame.gs_base first */
	struct soft_op ops[SOFT_MAXOPS];
};

_Static_assert(sizeof(struct soft_ctl) <= STUB_CTL_SIZE, "soft_ctl too large");

#endif /* KSHIM_SOFT_ABI_H */
