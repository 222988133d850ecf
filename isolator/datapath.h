/* datapath.h - one container's kernel objects: its namespace handle, veth
 * pair, filters on both sides, limits, and the host entries for its port
 * blocks. Every step of isolate is undone, in reverse, if a later fails. */
#ifndef NIS_ISOLATOR_DATAPATH_H
#define NIS_ISOLATOR_DATAPATH_H

#include <limits.h>
#include <net/if.h>

#include "isolator/flags.h"
#include "isolator/hostdp.h"
#include "portmap/blocks.h"
#include "portmap/ranges.h"

struct iso_dp_block {
	struct pm_block b;
	uint32_t node;		/* node id in the container's own tables */
	uint32_t hnode;		/* node id in every host bucket it covers */
};

struct iso_dp_ct {
	/* set by the caller before isolate */
	char netns[PATH_MAX];		/* handle path */
	char veth[IF_NAMESIZE];		/* host end */
	struct pm_range ephemeral;
	struct iso_opt_u64 egress, ingress;	/* bytes/s */
	/* filled by isolate */
	int veth_ifindex, ct_eth0, ct_lo;
	int nsfd;
	struct nl_sock *nsk;		/* lives in the container's namespace */
	int diag_fd, sockstat_fd, snmp_fd;	/* statistics readers there, or -1 */
	uint32_t slot;
	struct iso_dp_block *blocks;
	size_t nblocks;
	struct iso_ids nodes;
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

/* Closes the agent's handles on a container left running (no kernel change). */
void iso_dp_release(struct iso_dp_ct *ct);

/* Removes everything; safe on a half-made container. */
void iso_dp_cleanup(struct iso_dp *dp, struct iso_dp_ct *ct);

/* Test hook: NETISOL_TEST_FAIL_STEP=N makes step N of isolate fail. */
void iso_dp_test_hooks(void);

#endif
