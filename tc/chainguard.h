/* chainguard.h - what a container in chained mode may send (a CNI primary
 * plugin such as bridge or ptp gave it its veth and its address): the
 * program on its host veth's clsact ingress, ahead of the counting
 * filters. Chained mode is IPv4 only. A frame passes only if
 *   - it carries no VLAN tag and its Ethernet source is the container's MAC;
 *   - it is IPv4 from the container's address, or ARP (Ethernet/IPv4,
 *     request or reply) whose sender MAC and IP are the container's;
 * IPv6 and every other EtherType are dropped (TC_ACT_SHOT), never counted.
 * Then, with the egress meters, the frame is metered against the
 * container's egress cap (tc/police.h, its slot) and dropped over it, so
 * a root tenant that deletes its own HTB stays capped. What passes goes on
 * (TC_ACT_UNSPEC) to the later filters: counting, other users' filters.
 * Maps: the containers' entries (below), a hash by host veth ifindex; the
 * police array, read and written by the meter. Cost (tests/bench/fast_cost,
 * 2 M runs, best of 5): 11-12 ns a frame for the checks (the entry's hash
 * lookup, one skb_load_bytes; two for ARP), 41-46 ns with a capped meter
 * (fast_cost runs faster than any cap: mostly frames over it); a guard
 * with the container's values as immediates, loaded per container, took
 * 5 ns, but a create paid the verifier for it (~0.25 ms, the largest
 * single step of a chained create). */
#ifndef NIS_TC_CHAINGUARD_H
#define NIS_TC_CHAINGUARD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

struct nl_sock;

#define TC_CHAINGUARD_PRIO 1		/* before the chained counting filters (2) */
#define TC_CHAINGUARD_NAME "netisol_chain"

/* One container's: the frames of its host veth must carry these. */
struct tc_chainguard {
	uint8_t mac[6];		/* the container's */
	struct in_addr ip;	/* the container's */
	uint32_t slot;		/* its meter there */
};

/* The agent's one program and the map, keyed by host veth ifindex, where
 * it finds each container's tc_chainguard (a frame from a device with no
 * entry is dropped). A program left on a veth by an earlier agent run
 * keeps its own map, so the veth stays guarded while no agent runs. */
struct tc_chainguards {
	int map, prog;		/* -1: not open */
};

/* Loads the program, metering against police (the meters, -1: none).
 * 0 or -errno (the verifier's words in err). */
int tc_chainguards_open(struct tc_chainguards *s, int police, struct nis_err *err);
void tc_chainguards_close(struct tc_chainguards *s);

/* ifindex's entry set to g (added or changed). */
int tc_chainguard_set(const struct tc_chainguards *s, int ifindex,
		      const struct tc_chainguard *g, struct nis_err *err);

/* The entry, then the program on ifindex's clsact ingress (which must
 * exist) at TC_CHAINGUARD_PRIO; with replace, one already there (this or an
 * earlier agent's) is replaced in place. The entry goes again on failure. */
int tc_chainguard_attach(struct nl_sock *sk, const struct tc_chainguards *s, int ifindex,
			 const struct tc_chainguard *g, bool replace, struct nis_err *err);

/* Whether ifindex has it: 1, 0, -errno. */
int tc_chainguard_present(struct nl_sock *sk, int ifindex);

/* Removes it and its entry; 0 also when it is not there. */
int tc_chainguard_detach(struct nl_sock *sk, const struct tc_chainguards *s, int ifindex,
			 struct nis_err *err);

#endif
