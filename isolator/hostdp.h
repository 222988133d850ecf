/* hostdp.h - the host-wide half of the datapath: sysctls, lo, the ingress
 * qdiscs of eth0 and lo with their hash tables, the per-container id
 * spaces, and the optional fq_codel flow classifier on eth0. */
#ifndef NIS_ISOLATOR_HOSTDP_H
#define NIS_ISOLATOR_HOSTDP_H

#include <stdbool.h>

#include "isolator/config.h"
#include "isolator/ids.h"
#include "tc/chainguard.h"
#include "tc/fastpath.h"
#include "tc/guard.h"
#include "tc/host.h"
#include "tc/probe.h"
#include "tc/qdisc.h"

/* u32 priorities, Mesos' (primary << 8 | secondary) scheme. */
/* prio 1 on the host veth: the counting filters (ACCT_PRIO, acct/meter.h) */
#define DP_PRIO_FAST	257	/* host eth0: the fast path, before every u32 walk */
#define DP_PRIO_ARP	258
#define DP_PRIO_ICMP	514
#define DP_PRIO_IP_HIGH	769	/* container lo */
#define DP_PRIO_FAST_V1	769	/* host eth0: the fast path of earlier builds */
#define DP_PRIO_IP	770
#define DP_PRIO_DEFAULT	1024
#define DP_PRIO_DROP	65000

/* Our own u32 hash tables (user htids stay below the kernel's 0x800). */
#define DP_HT_PORTS	0x10	/* host eth0/lo: 256 buckets on dport >> 8 */
#define DP_HT_L4	0x11	/* host eth0/lo: post-IP-header table that hashes */
#define DP_HT_ARP	0x12	/* host eth0: one mirror node per container */
#define DP_HT_ICMP	0x13	/* host eth0: one mirror node per container */
#define DP_HT_TO_LO	0x21	/* veth: own sport, dst host IP or 127.0.0.1 */
#define DP_HT_TO_ETH0	0x22	/* veth: own sport */
#define DP_HT_CT_ETH0	0x31	/* container eth0: 127.0.0.1 and own dport */
#define DP_HT_CT_LO	0x32	/* container lo: own dport stays */
#define DP_HT_FLOWS	0x40	/* eth0 egress: 256 buckets on sport >> 8 */
#define DP_HT_FLOWS_L4	0x41
/* Second level under a high-byte bucket with blocks smaller than 256 ports.
 * Below DP_L2_FINE_BELOW, where Mesos' `ports` live and single-port blocks
 * are the rule: 256 buckets on the low byte, one entry per port, so a bucket
 * holds one block. From there up (Linux's ephemeral range, where blocks are
 * --ephemeral_ports_per_container): 16 buckets on the next 4 bits, one entry
 * per block of 16 or more ports; a bucket holds at most 16 entries. */
#define DP_L2_FINE_BELOW 32768
#define DP_HT_PORTS_L2	0x100	/* + high byte: 0x180-0x1ff, 16 buckets */
#define DP_HT_FLOWS_L2	0x200	/* + high byte: 0x280-0x2ff, 16 buckets */
#define DP_HT_PORTS_L2F	0x300	/* + high byte: 0x300-0x37f, 256 buckets */
#define DP_HT_FLOWS_L2F	0x400	/* + high byte: 0x400-0x47f, 256 buckets */
#define DP_L2_LINK_NODE	0xfff	/* the node in a high-byte bucket that links down */
#define DP_L2_LINK_FINE	0xffe	/* the same, to a 256-bucket table */
#define DP_L2_FINE(hi)	((hi) < DP_L2_FINE_BELOW >> 8)
/* The link node a high-byte bucket keeps (the other one is an orphan). */
#define DP_L2_LINK(hi)	(DP_L2_FINE(hi) ? DP_L2_LINK_FINE : DP_L2_LINK_NODE)

#define DP_FLOW_HANDLE	0xf0000000u	/* f000: fq_codel flow classifier */
#define DP_FLOW_HOST	1
#define DP_FLOW_ARP_ICMP 2

#define DP_N_SYSCTLS 10

struct iso_dp {
	struct nl_sock *sk;		/* the agent's namespace */
	struct tc_host host;
	struct tc_features feat;
	enum tc_leaf leaf;		/* --bloat_reduction, resolved */
	bool unique_flows;
	struct iso_ids slots;		/* container slot: mirror nodes, flow ids */
	struct iso_ids buckets[256];	/* node ids under each high byte (both levels) */
	bool l2[256];			/* second-level tables made for this high byte */
	char sysctl_val[DP_N_SYSCTLS][64];	/* host values copied into containers */
	struct acct *acct;		/* counting (the fast path counts too), or NULL */
	struct tc_guard guard;		/* what containers may send; its owners array */
	bool fast_on;			/* the kernel runs the fast path */
	struct tc_fast fast;		/* its maps (-1: not set up) */
	struct tc_chainguards chain;	/* chained mode's guard (-1: not loaded yet) */
};

extern const char *const dp_copied_sysctls[DP_N_SYSCTLS];

/* Probes the kernel, resolves --bloat_reduction, refuses a feature the
 * flags need but the kernel lacks. Changes nothing on the host. */
int iso_dp_probe(struct iso_dp *dp, const struct iso_config *c, struct nis_err *err);

/* Sets the host up: sysctls, lo, ingress qdiscs and tables, flows. With
 * keep, a datapath an earlier run left on eth0 is kept as it is (so live
 * containers' traffic never stops) and only completed; else it is rebuilt. */
int iso_dp_setup(struct iso_dp *dp, const struct iso_config *c, bool keep,
		 struct nis_err *err);

/* Removes what iso_dp_setup added to eth0 and lo. */
void iso_dp_teardown(struct iso_dp *dp);

/* The fast path on eth0, after iso_dp_setup and the accounting trie: with
 * keep, the maps of the filter an earlier run left are taken over (its port
 * entries keep working meanwhile) and the program is replaced in place.
 * Where it cannot be set up, traffic takes the u32 tables: one warning. */
void iso_dp_fast_setup(struct iso_dp *dp, bool keep);

/* Closes the agent's fds (the kernel objects stay). */
void iso_dp_close(struct iso_dp *dp);

#endif
