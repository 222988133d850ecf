/* stats.h - counters by netlink dump, parsed straight from the messages:
 * IFLA_STATS64 for links, TCA_STATS2 (with TCA_STATS_PKT64 where the
 * kernel sends it) for qdiscs. 64-bit end to end. */
#ifndef NIS_TC_STATS_H
#define NIS_TC_STATS_H

#include <stdint.h>

#include <netlink/netlink.h>

#include "common/err.h"

struct tc_link_stats {
	int ifindex;
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
};

struct tc_qdisc_stats {
	int ifindex;
	uint32_t handle, parent;
	char kind[16];
	uint64_t bytes, packets, drops, overlimits, requeues, qlen, backlog;
	uint64_t rate_bps, rate_pps;
};

/* One RTM_GETLINK dump: fn once per link. */
int tc_link_stats_dump(struct nl_sock *sk,
		       void (*fn)(const struct tc_link_stats *s, void *arg), void *arg,
		       struct nis_err *err);

/* One RTM_GETQDISC dump of the socket's namespace: fn once per qdisc. */
int tc_qdisc_stats_dump(struct nl_sock *sk,
			void (*fn)(const struct tc_qdisc_stats *s, void *arg), void *arg,
			struct nis_err *err);

#endif
