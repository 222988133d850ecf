/* portblocks.h - the filters of one port block on every device (host veth,
 * container eth0 and lo, host eth0 and lo buckets, eth0 flows), their ids,
 * and adding/removing whole ranges of a container's blocks. Internal to
 * isolator/. */
#ifndef NIS_ISOLATOR_PORTBLOCKS_H
#define NIS_ISOLATOR_PORTBLOCKS_H

#include "isolator/datapath.h"
#include "tc/u32.h"

enum iso_dp_apply {
	ISO_DP_ADD,		/* all or nothing */
	ISO_DP_READD,		/* recovery: entries already there are fine */
	ISO_DP_DEL,
};

struct tc_u32_rule iso_dp_rule(uint16_t prio, uint16_t protocol, enum tc_u32_act act,
			       int target);

int iso_dp_block_apply(struct iso_dp *dp, struct iso_dp_ct *ct,
		       const struct iso_dp_block *blk, enum iso_dp_apply how,
		       struct nis_err *err);

/* Takes ids for blocks [from, ct->nblocks) and installs them; unwinds on failure. */
int iso_dp_blocks_add(struct iso_dp *dp, struct iso_dp_ct *ct, size_t from,
		      struct nis_err *err);
void iso_dp_blocks_del(struct iso_dp *dp, struct iso_dp_ct *ct, size_t from, size_t to);

/* Whether world -> container traffic for ct takes the fast path: not with
 * an ingress limit, whose HTB is on the host veth the fast path skips. */
bool iso_dp_fast_for(const struct iso_dp *dp, const struct iso_dp_ct *ct);

/* Every block of ct in the fast path's map: to ct if on and it qualifies
 * (no ingress limit), else out. */
int iso_dp_fast_sync(struct iso_dp *dp, const struct iso_dp_ct *ct, bool on,
		     struct nis_err *err);

/* Marks a recovered block's ids used; false if one is taken already. */
bool iso_dp_block_reserve(struct iso_dp *dp, struct iso_dp_ct *ct,
			  const struct iso_dp_block *blk);

/* Calls fn for every host-side handle of the block (eth0/lo buckets, flows). */
void iso_dp_block_host_handles(const struct iso_dp *dp, const struct iso_dp_block *blk,
			       void (*fn)(uint32_t handle, void *arg), void *arg);

#endif
