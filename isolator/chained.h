/* chained.h - a container in CNI chained mode: a primary plugin (bridge,
 * ptp) gave it its veth and address; the agent adds only its own objects
 * to them: a guard program and the egress meter on the host veth's clsact
 * ingress (tc/chainguard.h), the counting filters behind it, the egress
 * HTB on the interface inside and the ingress HTB on the host veth root,
 * and the clsact qdisc if there was none. It never deletes the veth or the
 * namespace, and on DELETE removes only what it added. */
#ifndef NIS_ISOLATOR_CHAINED_H
#define NIS_ISOLATOR_CHAINED_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct iso_chain {
	bool on;			/* chained mode */
	struct in_addr ip;		/* the container's own (the primary's) */
	int prefixlen;
	uint8_t mac[6];
	bool own_clsact;		/* the host veth's clsact is ours to remove */
};

struct iso_dp;
struct iso_dp_ct;
struct iso_flags;

/* "10.88.0.5/16" and "aa:bb:cc:dd:ee:ff" into ch (-EINVAL naming the bad one). */
int iso_chain_parse(const char *address, const char *mac, struct iso_chain *ch,
		    struct nis_err *err);

/* Before the "preparing" checkpoint row, changing nothing (ct->veth the
 * host veth's name, ct->ingress its limit): the host veth exists (-ENODEV)
 * and is a veth (-EINVAL), with no ingress qdisc (the bandwidth plugin's)
 * and, for a limit, no root qdisc of anyone's (-EALREADY); its ifindex and
 * whether isolate will add the clsact (so that a crash during it is
 * finished off with it) are set. */
int iso_chain_plan(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err);

/* After iso_chain_plan (ct->nsfd open): ct->ifname inside exists (-ENODEV)
 * with no root qdisc of anyone's for a limit (-EALREADY). Then adds the
 * container's objects (every step undone if a later one fails). */
int iso_chain_isolate(struct iso_dp *dp, struct iso_dp_ct *ct, const struct iso_flags *f,
		      struct nis_err *err);

/* Removes what iso_chain_isolate added (the in-namespace part only while
 * the namespace is there), gives back the slot and closes the handles. */
void iso_chain_unhook(struct iso_dp *dp, struct iso_dp_ct *ct);

/* After a restart: ct from the checkpoint, ct->nsfd open on the recorded
 * namespace; the slot taken back, whatever is missing re-added, the guard
 * replaced in place (over this run's meters). On failure ct holds nothing
 * more than before (call iso_chain_unhook). */
int iso_chain_resume(struct iso_dp *dp, struct iso_dp_ct *ct, const struct iso_flags *f,
		     struct nis_err *err);

/* A chained container that is not recovered: our objects on its host veth
 * (and inside, if ct->nsfd is open on its namespace) removed by name. */
void iso_chain_finish(struct iso_dp *dp, struct iso_dp_ct *ct);

/* The checkpoint's text of the address and MAC ("ip/len", "aa:..") and
 * back. */
void iso_chain_format(const struct iso_chain *ch, char *addr, size_t alen, char *mac,
		      size_t mlen);

#endif
