/* guard.h - the guard: the first instructions of the program on a host
 * veth's ingress, i.e. of everything a container sends, before anything
 * counts or redirects it. A container's root may write any frame; one
 * passes only as the host itself could have sent it:
 *   - Ethernet source = the host's MAC; EtherType IPv4 or ARP;
 *   - IPv4 source = the host's IP, or 127.0.0.1 to 127.0.0.1; no other
 *     destination in 127.0.0.0/8;
 *   - TCP and UDP (first fragments): a source port the container owns;
 *   - ICMP (first fragments): echo request/reply, and destination
 *     unreachable, time exceeded, parameter problem only about a packet the
 *     container could have received: quoted destination the host's IP and,
 *     for TCP and UDP, a quoted destination port it owns (no tenant can
 *     forge errors about a neighbour's flows);
 *   - ARP: requests only, sender = the host's MAC and IP, never asking for
 *     the host's own IP (gratuitous ARP); every reply is dropped, the host
 *     answers for its IP itself;
 *   - a later fragment (offset > 0) only of a datagram whose first fragment
 *     passed here (a per-container LRU map keyed by destination, IP id and
 *     protocol, 30 s); it is counted and redirected by the guard's program
 *     itself (the u32 tables read no ports in it) to where its datagram
 *     goes: for the host IP or 127.0.0.1 the host veth of the container
 *     owning the destination port (the host's lo if none owns it), else
 *     out of eth0.
 * Everything else is dropped (TC_ACT_SHOT) and never counted.
 * Echo requests get an id of the container's (owner * 16 + id % 16), the
 * original kept in the echo map for the fast path to restore on the reply
 * (tc/fastpath.h): ids are per namespace, every container has its pid 1.
 * With the egress meters, a frame that passed is then metered against
 * the container's egress cap (tc/police.h) and dropped over it.
 * Maps: the owners array (port -> the owner number of the container
 * holding it and its host veth, 0: none), read only; the echo map. Cost:
 * tests/bench/fast_cost. */
#ifndef NIS_TC_GUARD_H
#define NIS_TC_GUARD_H

#include <netinet/in.h>
#include <stdint.h>

#include "common/err.h"

#define TC_GUARD_INSNS 320	/* more than tc_guard_emit writes */
#define TC_GUARD_PORTS 65536
#define TC_GUARD_ECHO_IDS 16	/* echo ids per owner: owner * 16 + 0..15 */

struct tc_guard {
	uint8_t mac[6];		/* the host's */
	struct in_addr ip;	/* the host's */
	int owners;		/* the owners array, -1: ports are not checked */
	int echo;		/* the echo map, -1: echo ids are not rewritten */
	int eth0, lo;		/* the host's: where later fragments go */
	int police;		/* the egress meters (tc/police.h), -1: none */
};

/* An owners array entry, and an echo map entry (by the id sent). */
struct tc_guard_owner {
	uint32_t owner, ifindex;	/* ifindex: the owner's host veth */
};
struct tc_guard_echo {
	uint32_t owner;
	uint32_t peer;		/* the request's destination (network order) */
	uint32_t ifindex;	/* the owner's host veth */
	uint16_t id;		/* the container's own id, as it sent it */
	uint16_t pad;
};

/* The owners array (TC_GUARD_PORTS entries, all 0); its fd or -errno. */
int tc_guard_owners_create(struct nis_err *err);
/* Ports first..first+n-1 to owner and its host veth (0, 0: nobody's). */
int tc_guard_owners_set(int owners, uint16_t first, uint32_t n, uint32_t owner,
			int ifindex, struct nis_err *err);
/* The echo map (65536 entries); its fd or -errno. */
int tc_guard_echo_create(struct nis_err *err);
/* One container's map of the first fragments it sent; its fd or -errno. */
int tc_guard_frags_create(struct nis_err *err);

struct bpf_insn;

/* Emits the guard of the container whose ports the owners array gives
 * owner (not 0, below 4096), over its fragments map, at p (r1 = skb on
 * entry); a frame that passes falls through past the last instruction with
 * r1 = r6 = skb and r9 = the ifindex to redirect it to when the program is
 * done with it (a later fragment), else 0. Uses r7, r8 and the stack at
 * fp-152..fp-25. Returns the number of instructions. */
int tc_guard_emit(struct bpf_insn *p, const struct tc_guard *g, uint32_t owner, int frags);

#endif
