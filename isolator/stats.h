/* stats.h - one snapshot of every container's counters, taken with one
 * qdisc dump in the agent's namespace plus a link dump and a qdisc dump per
 * container through its own netlink socket: no process, no namespace
 * switch, per scrape. */
#ifndef NIS_ISOLATOR_STATS_H
#define NIS_ISOLATOR_STATS_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "acct/meter.h"
#include "isolator/container.h"
#include "isolator/procnet.h"
#include "isolator/rates.h"

struct iso_tc_stats {
	const char *id;		/* "bw_limit", "bloat_reduction", "ingress_..." */
	uint64_t backlog, bytes, drops, overlimits, packets, qlen, ratebps, ratepps, requeues;
};

struct iso_stats {
	char id[ISO_ID_MAX + 1];
	struct iso_labels labels;
	char ifname[IF_NAMESIZE];	/* its interface inside */
	/* the container's view: rx is what it received (the host veth's tx) */
	uint64_t rx_bytes, rx_packets, rx_errors, rx_dropped;
	uint64_t tx_bytes, tx_packets, tx_errors, tx_dropped;
	struct iso_opt_u64 egress, ingress;
	/* the HTB classes' ceil and burst (0: none), Mesos' net_*_burst_* */
	uint64_t egress_ceil, egress_burst, ingress_ceil, ingress_burst;
	bool has_ephemeral;		/* a chained container has no block */
	uint32_t eph_begin, eph_end;
	bool has_rates;			/* --network_enable_rate_statistics */
	struct iso_pct rates[ISO_RATE_KINDS];
	struct iso_tc_stats tc[4];
	int ntc;
	bool has_sockstat, has_rtt, has_snmp;
	uint64_t tcp_active, tcp_time_wait;
	uint32_t rtt_p50, rtt_p90, rtt_p95, rtt_p99;
	struct iso_snmp_value *snmp;
	size_t nsnmp;
	struct acct_total *acct;	/* all-time, the classes with traffic */
	size_t nacct;
};

struct iso_snapshot {
	double timestamp;
	double rate_window, rate_interval;	/* seconds, when rates are on */
	struct iso_stats *c;	/* sorted by id */
	size_t n;
	size_t free_blocks, capacity;
	size_t destroying;	/* destroyed, their veths still being deleted */
	double acct_pass_seconds;	/* the last accounting pass took */
	uint64_t ckpt_write_failures;	/* since start */
	uint64_t acct_passes;
	/* the public interface in the agent's namespace (ifname and the
	 * eight counters only, as the host sees them); has_host false when
	 * its link could not be read */
	bool has_host;
	struct iso_stats host;
};

/* Every container, or only `only` (NULL: all; -ENOENT if it is unknown);
 * with_host: the public interface's counters too (a dump of every link in
 * the agent's namespace, which only /metrics needs). */
int iso_agent_snapshot(struct iso_agent *a, const char *only, bool with_host,
		       struct iso_snapshot *out, struct nis_err *err);
void iso_snapshot_free(struct iso_snapshot *s);

#endif
