/* police.h - a container's egress cap enforced on the host side: the
 * program on its host veth's ingress (behind the guard, before counting)
 * meters every frame it sent against the cap and drops what exceeds it,
 * whatever the container did to its own qdiscs (deleted them, bypassed
 * them with PACKET_QDISC_BYPASS). The meter is GCRA, a token bucket kept
 * as one 64-bit "theoretical arrival time" per container, so it takes no
 * lock: a frame of L wire bytes costs L * 1e9 / rate ns; it passes if the
 * container's time is not more than the tolerance (burst / rate) ahead of
 * now, and moves it on by the cost (an atomic add; compare-and-swap from
 * idle); a dropped frame leaves it alone, so no drop causes another. GSO aggregates cost their wire bytes (a header per segment).
 * The container-side HTB stays, at the same rate, for pacing: TCP sees
 * its queue before the policer drops. Atomics: kernel 5.12. */
#ifndef NIS_TC_POLICE_H
#define NIS_TC_POLICE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define TC_POLICE_SLOTS 4096	/* one entry per container slot */
#define TC_POLICE_INSNS 48	/* more than tc_police_emit writes */

/* The meters' array (all unlimited); its fd or -errno. */
int tc_police_create(struct nis_err *err);

/* slot's cap: rate bytes/s (0: unlimited) with burst bytes of tolerance;
 * its time starts afresh. */
int tc_police_set(int police, uint32_t slot, uint64_t rate, uint64_t burst,
		  struct nis_err *err);

/* The bytes and frames the meter dropped for slot since its cap was set
 * (0 if it never dropped). */
void tc_police_dropped(int police, uint32_t slot, uint64_t *bytes, uint64_t *packets);

/* Whether this kernel loads the meter (BPF atomics). */
bool tc_police_supported(struct nis_err *err);

struct bpf_insn;

/* Emits the meter of slot (r6 = skb) at p: a frame over the cap takes the
 * jump at p[*drop_jump] (for the caller to point at its drop), anything
 * else falls through. Clobbers r0-r5 and the stack at fp-152..fp-129.
 * Returns the number of instructions. */
int tc_police_emit(struct bpf_insn *p, int police, uint32_t slot, int *drop_jump);

/* The same, the slot read from register slot_reg (its low 32 bits) first. */
int tc_police_emit_reg(struct bpf_insn *p, int police, int slot_reg, int *drop_jump);

#endif
