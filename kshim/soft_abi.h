/* soft_abi.h: layout of the soft backend's stub area, shared by the vkernel and the stub. */
#ifndef KSHIM_SOFT_ABI_H
#define KSHIM_SOFT_ABI_H

#include <stdint.h>

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
 * The guest can read and write the control page (it runs in the same host
 * process): the vkernel treats every field the stub writes as untrusted.
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

/* The image fd number inside the stub (every other fd is closed). */
#define STUB_IMAGE_FD  0

/* soft_ctl.state: who holds the control page and what is asked. */
enum soft_state {
	SOFT_TRAP = 1, /* stub -> vkernel: a trap is reported, stub waits */
	SOFT_RUN,      /* vkernel -> stub: apply ops, load frame, resume guest */
	SOFT_APPLY,    /* vkernel -> stub: apply ops, answer SOFT_TRAP again */
};

/* Polls of the state word before sleeping on the futex (each a `pause`). */
#define SOFT_SPIN 4000

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
	volatile uint32_t state;  /* futex word */
	uint32_t pad;
	/* Trap report (stub -> vkernel) and frame to resume (vkernel -> stub). */
	struct ks_frame frame;
	int32_t signo, code;
	uint64_t addr, err, trapno;
	/* Requests (vkernel -> stub). */
	uint32_t nops;
	uint32_t set_fs;      /* SOFT_SET_FS/GS: arch_prctl(ARCH_SET_FS/GS) from
	                         frame.fs_base / frame.gs_base first */
	/* Results (stub -> vkernel): first failing op and its -errno, or 0. */
	int64_t op_err;
	uint32_t op_index;
	uint32_t pad2;
	struct soft_op ops[SOFT_MAXOPS];
};

_Static_assert(sizeof(struct soft_ctl) <= STUB_CTL_SIZE, "soft_ctl too large");

#endif /* KSHIM_SOFT_ABI_H */
