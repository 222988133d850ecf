/* datapath.h - one container's kernel objects: its namespace handle, veth
 * pair, filters on both sides, limits, and the host entries for its port
 * blocks. Every step of isolate is undone, in reverse, if a later fails. */
#ifndef NIS_ISOLATOR_DATAPATH_H
#define NIS_ISOLATOR_DATAPATH_H

#include <limits.h>
#include <net/if.h>

#include "isolator/rates.h"
#include "isolator/chained.h"
#include "isolator/extns.h"
#include "isolator/flags.h"
#include "isolator/hostdp.h"
#include "portmap/blocks.h"
#include "portmap/ranges.h"
#include "tc/remap.h"

struct iso_dp_block {
	struct pm_block b;
	uint32_t node;		/* node id in the container's own tables */
	uint32_t hnode;		/* node id in every host bucket it covers */
};

/* A limit class's rate, from its counters at the watch's samples. */
struct iso_rate {
	double t;			/* the last sample, 0: none */
	uint64_t bytes, packets;	/* its counters then */
	uint64_t bps, pps;		/* over the last interval */
};

struct iso_dp_ct {
	/* set by the caller before isolate */
	char netns[PATH_MAX];		/* handle path (the runtime's, if external) */
	char veth[IF_NAMESIZE];		/* host end */
	char ifname[IF_NAMESIZE];	/* the peer's name inside, "eth0" by default */
	bool external;			/* netns is the runtime's: adopted, never removed */
	struct iso_chain chain;		/* chained mode: veth is a primary plugin's */
	bool ns_gone;			/* ...and its runtime removed or replaced it */
	struct tc_netns_id ns;		/* the namespace held */
	struct iso_ext_undo undo;	/* external: what to put back on DELETE */
	struct pm_range ephemeral;
	struct iso_opt_u64 egress, ingress;	/* bytes/s */
	struct iso_opt_u64 egress_burst, ingress_burst;	/* bytes, unset: the flag's */
	struct tc_remap remap[TC_REMAP_MAX];	/* host port != its port */
	size_t nremap;
	/* filled by isolate */
	int veth_ifindex, ct_eth0, ct_lo;
	int nsfd;
	struct nl_sock *nsk;		/* lives in the container's namespace */
	int diag_fd, sockstat_fd, snmp_fd;	/* statistics readers there, or -1 */
	int range_fd;			/* its ip_local_port_range, read-write, or -1 */
	uint32_t slot;
	struct iso_dp_block *blocks;
	size_t nblocks;
	struct iso_ids nodes;
	struct acct_meter *meter;	/* its counting filters, NULL: none */
	bool tampered;			/* its own shaping was changed (logged) */
	struct iso_rate eg_rate, in_rate;	/* its limit classes' rates */
	struct iso_rates rates;		/* net_rate_statistics (watch.c), or cap 0 */
	double rates_now;		/* the sample being taken */
};

/* Builds the container's datapath for the ephemeral block and ports. */
int iso_dp_isolate(struct iso_dp *dp, struct iso_dp_ct *ct, const struct pm_set *ports,
		   const struct iso_flags *f, struct nis_err *err);

/* Replaces the non-ephemeral ports: new entries first, then old ones go. */
int iso_dp_set_ports(struct iso_dp *dp, struct iso_dp_ct *ct, const struct pm_set *ports,
		     struct nis_err *err);

/* Sets, changes or removes (opt.set false) the limits in place. */
int iso_dp_set_limits(struct iso_dp *dp, struct iso_dp_ct *ct, struct iso_opt_u64 egress,
		      struct iso_opt_u64 ingress, const struct iso_flags *f,
		      struct nis_err *err);

/* HTB keeps a burst as the time it takes at the rate, in 32 bits of 64 ns
 * ticks (274 s): a burst is clamped to ISO_BURST_MAX_S of its rate, and to
 * 32 bits of bytes. Kubernetes' default bursts (2^31-2^32 bits) need it. */
#define ISO_BURST_MAX_S 256
uint32_t iso_dp_burst(uint64_t burst, uint64_t rate);
/* The HTB classes a container's limits make (rate 0: that way is not
 * limited), as the kernel has them: what statistics.json reports. */
void iso_dp_limits(const struct iso_dp *dp, const struct iso_dp_ct *ct,
		   const struct iso_flags *f, struct tc_limit *eg, struct tc_limit *in);

/* The host side of ct's egress cap (tc/police.h) set to its limit. */
int iso_dp_police_sync(struct iso_dp *dp, const struct iso_dp_ct *ct, const struct iso_flags *f,
		       struct nis_err *err);

/* Puts ct's egress HTB back if its class is gone or changed (its root may
 * tc inside its namespace): 1 when it did, 0 when it was intact, -errno.
 * Samples both limit classes' rates (at now, seconds) on the way. */
int iso_dp_shaping_check(struct iso_dp *dp, struct iso_dp_ct *ct, const struct iso_flags *f,
			 double now);

/* Whether ct's limit classes are as set: 0 yes, 1 no (why says which). */
int iso_dp_shaping_verify(struct iso_dp *dp, const struct iso_dp_ct *ct,
			  const struct iso_flags *f, char *why, size_t len);

/* Opens the statistics readers in ct's namespace the flags ask for (and,
 * but in chained mode, its ip_local_port_range for the watch). */
int iso_dp_open_stat_fds(struct iso_dp_ct *ct, const struct iso_flags *f, struct nis_err *err);

/* Closes the agent's handles on a container left running (no kernel change). */
void iso_dp_release(struct iso_dp_ct *ct);

/* Removes everything; safe on a half-made container. */
void iso_dp_cleanup(struct iso_dp *dp, struct iso_dp_ct *ct);

/* ct's program on the fast path (counting into its counters, then into its
 * eth0), after its counters are attached or re-made. Without it the fast
 * path passes ct's packets on to the u32 tables; a failure is logged. */
void iso_dp_fast_ct(struct iso_dp *dp, const struct iso_dp_ct *ct);

/* The fast half of cleanup: the host's entries for the container, its
 * slot and the agent's handles on it. Afterwards no packet is sent to it
 * and nothing of the agent refers to it; its veth (ct->veth_ifindex) and
 * netns handle are still there for iso_dp_remove. */
void iso_dp_unhook(struct iso_dp *dp, struct iso_dp_ct *ct);

/* The slow half: deletes the veth (the kernel waits for unregistration,
 * 10-30 ms here) and the netns handle (NULL: none). Any thread with its
 * own netlink socket. */
void iso_dp_remove(struct nl_sock *sk, const char *veth, int ifindex, const char *netns);

/* "port/size/node/hnode ..." of ct's blocks (malloc'd) and back. */
char *iso_dp_blocks_format(const struct iso_dp_ct *ct);
int iso_dp_blocks_parse(const char *text, struct iso_dp_ct *ct, struct nis_err *err);

/* Takes a container back after an agent restart: ct has netns, veth,
 * veth_ifindex, ephemeral, slot, blocks and limits from the checkpoint.
 * Its ids are reserved, its handles reopened, and every filter it should
 * have is re-added where missing; nothing existing is touched, so traffic
 * is not interrupted. On failure ct holds nothing (call iso_dp_cleanup). */
int iso_dp_resume(struct iso_dp *dp, struct iso_dp_ct *ct, const struct iso_flags *f,
		  struct nis_err *err);

/* Calls fn for every handle ct owns on the host's eth0/lo (and flows). */
void iso_dp_host_handles(const struct iso_dp *dp, const struct iso_dp_ct *ct,
			 void (*fn)(uint32_t handle, void *arg), void *arg);

/* Test hooks, read once at start: NETISOL_TEST_FAIL_STEP=N makes step N
 * (1-10) of isolate fail once; NETISOL_TEST_ABORT_STEP=N abort()s the agent
 * there, as kill -9 would (1-10: before that isolate step; 11-14: the
 * lifecycle points named at the iso_dp_test_abort() calls). */
void iso_dp_test_hooks(void);
void iso_dp_test_abort(int point);
/* Step n of an isolate: aborts or fails (-EIO, once) as the hooks say. A
 * chained isolate has steps 1-5 (iso_chain_isolate). */
int iso_dp_injected(int n, struct nis_err *err);

#endif
