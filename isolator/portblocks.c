/* portblocks.c - one port block's entries, in install order: veth and
 * container first, the host's last, so nothing is redirected to a veth
 * before the container can take it. */
#include <errno.h>
#include <linux/if_ether.h>
#include <stdlib.h>
#include <string.h>

#include "isolator/portblocks.h"
#include "tc/qdisc.h"

#define rule iso_dp_rule

struct entry {
	struct nl_sock *sk;
	int ifindex;
	struct tc_u32_rule r;
};

static uint32_t block_buckets(struct pm_block b, uint32_t *first)
{
	*first = b.port >> 8;
	return b.size >= 256 ? b.size / 256 : 1;
}

/* Where a block's host entries go. A block of 256 ports or more has one
 * entry per high-byte bucket of the first-level table; a smaller one has one
 * per bucket it covers in the second-level table under its high byte: per
 * port in a fine table, per 16 ports in a coarse one. */
struct place {
	uint32_t ports_ht, flows_ht, bkt;
};

static size_t host_places(struct pm_block b, struct place *out)
{
	uint32_t hi = b.port >> 8, first, cnt;
	size_t n = 0;

	if (b.size >= 256) {
		for (uint32_t k = hi; k < hi + b.size / 256; k++)
			out[n++] = (struct place){ DP_HT_PORTS, DP_HT_FLOWS, k };
		return n;
	}
	if (DP_L2_FINE(hi)) {
		for (uint32_t k = b.port & 0xff; k < (b.port & 0xffu) + b.size; k++)
			out[n++] = (struct place){ DP_HT_PORTS_L2F + hi, DP_HT_FLOWS_L2F + hi, k };
		return n;
	}
	first = (b.port & 0xff) >> 4;
	cnt = b.size >= 16 ? b.size / 16 : 1;
	for (uint32_t k = first; k < first + cnt; k++)
		out[n++] = (struct place){ DP_HT_PORTS_L2 + hi, DP_HT_FLOWS_L2 + hi, k };
	return n;
}

/* The second-level tables under high byte hi, and the nodes that link
 * down to them, made once and kept like the first level: at most 256 per
 * device, and a table cannot be deleted right after its link (u32 drops the
 * reference after an RCU grace period). Fine and coarse tables have link
 * nodes of their own handles: in a kernel set up by a version that linked
 * the other kind, u32 walks the new link first and falls back to the old one
 * (recovery re-adds the entries in the new table and sweeps the old link). */
static int ensure_l2(struct iso_dp *dp, uint32_t hi, struct nis_err *err)
{
	bool fine = DP_L2_FINE(hi);
	uint32_t ports = (fine ? DP_HT_PORTS_L2F : DP_HT_PORTS_L2) + hi;
	uint32_t flows = (fine ? DP_HT_FLOWS_L2F : DP_HT_FLOWS_L2) + hi;
	uint32_t dmask = fine ? 0x000000ffu : 0x000000f0u, smask = dmask << 16;
	struct { int ifindex; uint32_t parent, l1, l2, mask; } t[3] = {
		{ dp->host.ifindex, TC_INGRESS, DP_HT_PORTS, ports, dmask },
		{ dp->host.lo_ifindex, TC_INGRESS, DP_HT_PORTS, ports, dmask },
		{ dp->host.ifindex, DP_FLOW_HANDLE, DP_HT_FLOWS, flows, smask },
	};
	int rc;

	if (dp->l2[hi])
		return 0;
	for (int i = 0; i < (dp->unique_flows ? 3 : 2); i++) {
		struct tc_u32_rule r = rule(DP_PRIO_IP, ETH_P_IP, TC_U32_LINK, 0);
		r.parent = t[i].parent;
		r.table = TC_U32_HANDLE(t[i].l1, hi, 0);
		r.handle = TC_U32_HANDLE(t[i].l1, hi, DP_L2_LINK(hi));
		r.link = TC_U32_HT(t[i].l2);
		r.hashmask = t[i].mask;
		rc = tc_u32_table_add(dp->sk, t[i].ifindex, t[i].parent, DP_PRIO_IP, ETH_P_IP,
				      TC_U32_HT(t[i].l2), fine ? 256 : 16, err);
		if (rc == -EEXIST)	/* an earlier run made it */
			rc = 0;
		if (!rc && (rc = tc_u32_add(dp->sk, t[i].ifindex, &r, err)) == -EEXIST)
			rc = 0;
		if (rc)
			return rc;
	}
	dp->l2[hi] = true;
	return 0;
}

/* Veth and container entries first, the host's last: until the host
 * redirects a port to the veth, nothing arrives half-configured. */
static size_t block_entries(struct iso_dp *dp, struct iso_dp_ct *ct,
			    const struct iso_dp_block *blk, struct entry *out)
{
	uint16_t port = blk->b.port, mask = pm_block_mask(blk->b);
	size_t n = 0;
	struct entry e;

	e = (struct entry){ dp->sk, ct->veth_ifindex,
			    rule(DP_PRIO_IP, ETH_P_IP, TC_U32_REDIRECT, dp->host.lo_ifindex) };
	e.r.table = TC_U32_HT(DP_HT_TO_LO);
	e.r.handle = TC_U32_HANDLE(DP_HT_TO_LO, 0, blk->node);
	e.r.keys[e.r.nkeys++] = tc_u32_key16(port, mask, 0, false);	/* sport */
	out[n++] = e;
	e.r.table = TC_U32_HT(DP_HT_TO_ETH0);
	e.r.handle = TC_U32_HANDLE(DP_HT_TO_ETH0, 0, blk->node);
	e.r.target = dp->host.ifindex;
	out[n++] = e;

	e = (struct entry){ ct->nsk, ct->ct_eth0,
			    rule(DP_PRIO_IP, ETH_P_IP, TC_U32_REDIRECT, ct->ct_lo) };
	e.r.table = TC_U32_HT(DP_HT_CT_ETH0);
	e.r.handle = TC_U32_HANDLE(DP_HT_CT_ETH0, 0, blk->node);
	e.r.keys[e.r.nkeys++] = tc_u32_key16(port, mask, 2, false);	/* dport */
	out[n++] = e;
	e.ifindex = ct->ct_lo;
	e.r = rule(DP_PRIO_IP_HIGH, ETH_P_IP, TC_U32_NONE, 0);
	e.r.table = TC_U32_HT(DP_HT_CT_LO);
	e.r.handle = TC_U32_HANDLE(DP_HT_CT_LO, 0, blk->node);
	e.r.keys[e.r.nkeys++] = tc_u32_key16(port, mask, 2, false);
	out[n++] = e;

	struct place pl[256];
	size_t np = host_places(blk->b, pl);
	for (size_t k = 0; k < np; k++) {
		if (dp->unique_flows) {
			e = (struct entry){ dp->sk, dp->host.ifindex,
					    rule(DP_PRIO_IP, ETH_P_IP, TC_U32_NONE, 0) };
			e.r.parent = DP_FLOW_HANDLE;
			e.r.classid = DP_FLOW_HANDLE | (ct->slot + DP_FLOW_ARP_ICMP);
			e.r.table = TC_U32_HANDLE(pl[k].flows_ht, pl[k].bkt, 0);
			e.r.handle = TC_U32_HANDLE(pl[k].flows_ht, pl[k].bkt, blk->hnode);
			e.r.keys[e.r.nkeys++] = tc_u32_key16(port, mask, 0, false);
			out[n++] = e;
		}
		e = (struct entry){ dp->sk, dp->host.ifindex,
				    rule(DP_PRIO_IP, ETH_P_IP, TC_U32_REDIRECT, ct->veth_ifindex) };
		e.r.table = TC_U32_HANDLE(pl[k].ports_ht, pl[k].bkt, 0);
		e.r.handle = TC_U32_HANDLE(pl[k].ports_ht, pl[k].bkt, blk->hnode);
		e.r.keys[e.r.nkeys++] = tc_u32_key16(port, mask, 2, false);
		out[n++] = e;
		e.ifindex = dp->host.lo_ifindex;
		out[n++] = e;
	}
	return n;
}

bool iso_dp_fast_for(const struct iso_dp *dp, const struct iso_dp_ct *ct)
{
	return dp->fast_on && !ct->ingress.set && ct->veth_ifindex > 0 && !ct->chain.on;
}

/* The block's ports in the fast path's map: to ct (on) or out of it. */
static int fast_block(struct iso_dp *dp, const struct iso_dp_ct *ct,
		      const struct iso_dp_block *blk, bool on, struct nis_err *err)
{
	if (!dp->fast_on)
		return 0;
	return tc_fast_set_ports(&dp->fast, blk->b.port, blk->b.size, on ? ct->veth_ifindex : 0,
				 ct->slot, err);
}

/* The block's ports in the guard's owners array: slot's, or nobody's. */
static int owners_block(struct iso_dp *dp, const struct iso_dp_ct *ct,
			const struct iso_dp_block *blk, bool on, struct nis_err *err)
{
	if (dp->guard.owners < 0)
		return 0;
	return tc_guard_owners_set(dp->guard.owners, blk->b.port, blk->b.size,
				   on ? ct->slot : 0, ct->veth_ifindex, err);
}

int iso_dp_fast_sync(struct iso_dp *dp, const struct iso_dp_ct *ct, bool on,
		     struct nis_err *err)
{
	int rc;

	for (size_t i = 0; i < ct->nblocks; i++)
		if ((rc = fast_block(dp, ct, &ct->blocks[i], on && iso_dp_fast_for(dp, ct),
				      err)))
			return rc;
	/* A slot has a program while its container is on the fast path. */
	if (on)
		iso_dp_fast_ct(dp, ct);
	else if (dp->fast_on)
		tc_fast_clear_ct(&dp->fast, ct->slot);
	return 0;
}

static void entries_del(struct entry *e, size_t n)
{
	while (n--)
		if (e[n].sk)	/* a container whose socket was never opened */
			tc_u32_del(e[n].sk, e[n].ifindex, e[n].r.parent, e[n].r.prio,
			   e[n].r.protocol, e[n].r.handle, NULL);
}

int iso_dp_block_apply(struct iso_dp *dp, struct iso_dp_ct *ct,
		       const struct iso_dp_block *blk, enum iso_dp_apply how, struct nis_err *err)
{
	struct entry *e;
	size_t n, i;
	int rc = 0;

	if (how != ISO_DP_DEL && blk->b.size < 256 && (rc = ensure_l2(dp, blk->b.port >> 8, err)))
		return rc;
	if (!(e = calloc(4 + 3 * 256, sizeof(*e))))
		return nis_err_set(err, -ENOMEM, "out of memory");
	if (how == ISO_DP_DEL) {	/* off the fast path before the tables */
		fast_block(dp, ct, blk, false, NULL);
		owners_block(dp, ct, blk, false, NULL);
	} else if ((rc = owners_block(dp, ct, blk, true, err))) {
		free(e);
		return rc;
	}
	n = block_entries(dp, ct, blk, e);
	for (i = 0; how != ISO_DP_DEL && i < n; i++) {
		rc = tc_u32_add(e[i].sk, e[i].ifindex, &e[i].r, err);
		if (rc == -EEXIST && how == ISO_DP_READD)
			rc = 0;
		if (rc)
			break;
	}
	/* Onto the fast path last, like the host's entries. */
	if (!rc && how != ISO_DP_DEL && iso_dp_fast_for(dp, ct) &&
	    (rc = fast_block(dp, ct, blk, true, err)))
		fast_block(dp, ct, blk, false, NULL);
	entries_del(e, how == ISO_DP_DEL ? n : how == ISO_DP_ADD && rc ? i : 0);
	free(e);
	return rc;
}

/* A host node id free in every bucket the block covers. */
static uint32_t take_hnode(struct iso_dp *dp, struct pm_block b)
{
	uint32_t first, nb = block_buckets(b, &first);

	for (uint32_t id = 1; id < DP_L2_LINK_FINE; id++) {
		uint32_t i;
		for (i = 0; i < nb; i++)
			if (dp->buckets[first + i].used[id / 64] & (1ull << (id % 64)))
				break;
		if (i < nb)
			continue;
		for (i = 0; i < nb; i++)
			iso_ids_reserve(&dp->buckets[first + i], id);
		return id;
	}
	return 0;
}

static void put_block_ids(struct iso_dp *dp, struct iso_dp_ct *ct, struct iso_dp_block *blk)
{
	uint32_t first, nb = block_buckets(blk->b, &first);

	for (uint32_t i = 0; i < nb; i++)
		iso_ids_put(&dp->buckets[first + i], blk->hnode);
	iso_ids_put(&ct->nodes, blk->node);
}

/* Adds blocks [from, ct->nblocks): ids, then entries; unwinds on failure. */
int iso_dp_blocks_add(struct iso_dp *dp, struct iso_dp_ct *ct, size_t from,
		      struct nis_err *err)
{
	size_t i;
	int rc = 0;

	for (i = from; i < ct->nblocks; i++) {
		struct iso_dp_block *blk = &ct->blocks[i];
		blk->node = iso_ids_take(&ct->nodes, 1);
		blk->hnode = take_hnode(dp, blk->b);
		if (!blk->node || !blk->hnode) {
			rc = nis_err_set(err, -ENOSPC, "no free u32 node for port block %u/%u",
					 blk->b.port, blk->b.size);
		} else if (!(rc = iso_dp_block_apply(dp, ct, blk, ISO_DP_ADD, err))) {
			continue;
		}
		put_block_ids(dp, ct, blk);
		break;
	}
	if (!rc)
		return 0;
	while (i-- > from) {
		iso_dp_block_apply(dp, ct, &ct->blocks[i], ISO_DP_DEL, NULL);
		put_block_ids(dp, ct, &ct->blocks[i]);
	}
	return rc;
}

void iso_dp_blocks_del(struct iso_dp *dp, struct iso_dp_ct *ct, size_t from, size_t to)
{
	for (size_t i = to; i-- > from;) {
		iso_dp_block_apply(dp, ct, &ct->blocks[i], ISO_DP_DEL, NULL);
		put_block_ids(dp, ct, &ct->blocks[i]);
	}
}

int iso_dp_set_ports(struct iso_dp *dp, struct iso_dp_ct *ct, const struct pm_set *ports,
		     struct nis_err *err)
{
	struct pm_block *pb = NULL;
	struct iso_dp_block *grown;
	size_t n = 0, old = ct->nblocks;
	int rc;

	if (pm_set_blocks(ports, &pb, &n))
		return nis_err_set(err, -ENOMEM, "out of memory");
	if (!(grown = realloc(ct->blocks, (old + n) * sizeof(*grown)))) {
		free(pb);
		return nis_err_set(err, -ENOMEM, "out of memory");
	}
	ct->blocks = grown;
	for (size_t i = 0; i < n; i++)
		ct->blocks[old + i] = (struct iso_dp_block){ .b = pb[i] };
	free(pb);
	/* New entries first, so a port kept across the change never misses. */
	ct->nblocks = old + n;
	if ((rc = iso_dp_blocks_add(dp, ct, old, err))) {
		ct->nblocks = old;
		return rc;
	}
	iso_dp_blocks_del(dp, ct, 1, old);
	memmove(&ct->blocks[1], &ct->blocks[old], n * sizeof(*ct->blocks));
	ct->nblocks = 1 + n;
	/* The old blocks' removal took ports the new ones kept out of the fast
	 * path (they went on through the tables): put them back. */
	return iso_dp_fast_sync(dp, ct, true, err);
}


bool iso_dp_block_reserve(struct iso_dp *dp, struct iso_dp_ct *ct,
			  const struct iso_dp_block *blk)
{
	uint32_t first, nb = block_buckets(blk->b, &first), i;

	for (i = 0; i < nb; i++)
		if (!iso_ids_reserve(&dp->buckets[first + i], blk->hnode))
			break;
	if (i == nb && iso_ids_reserve(&ct->nodes, blk->node))
		return true;
	while (i--)
		iso_ids_put(&dp->buckets[first + i], blk->hnode);
	return false;
}

void iso_dp_block_host_handles(const struct iso_dp *dp, const struct iso_dp_block *blk,
			       void (*fn)(uint32_t handle, void *arg), void *arg)
{
	struct place pl[256];
	size_t np = host_places(blk->b, pl);

	for (size_t k = 0; k < np; k++) {
		fn(TC_U32_HANDLE(pl[k].ports_ht, pl[k].bkt, blk->hnode), arg);
		if (dp->unique_flows)
			fn(TC_U32_HANDLE(pl[k].flows_ht, pl[k].bkt, blk->hnode), arg);
	}
}
