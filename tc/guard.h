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
 *     answers for its IP itself.
 * Everything else is dropped (TC_ACT_SHOT) and never counted. Later
 * fragments go on to the u32 tables. Maps: the owners array (port -> the
 * owner number of the container holding it, 0: none), read only. Cost:
 * tests/bench/fast_cost. */
#ifndef NIS_TC_GUARD_H
#define NIS_TC_GUARD_H

#include <netinet/in.h>
#include <stdint.h>

#include "common/err.h"

#define TC_GUARD_INSNS 160	/* more than tc_guard_emit writes */
#define TC_GUARD_PORTS 65536

struct tc_guard {
	uint8_t mac[6];		/* the host's */
	struct in_addr ip;	/* the host's */
	int owners;		/* the owners array, -1: ports are not checked */
};

/* The owners array (TC_GUARD_PORTS u32, all 0); its fd or -errno. */
int tc_guard_owners_create(struct nis_err *err);
/* Ports first..first+n-1 to owner (0: nobody's). */
int tc_guard_owners_set(int owners, uint16_t first, uint32_t n, uint32_t owner,
			struct nis_err *err);

struct bpf_insn;

/* Emits the guard of the container whose ports the owners array gives
 * owner (not 0) at p (r1 = skb on entry); a frame that passes falls through
 * past the last instruction with r1 = r6 = skb. Uses r8 and the stack at
 * fp-108..fp-25. Returns the number of instructions. */
int tc_guard_emit(struct bpf_insn *p, const struct tc_guard *g, uint32_t owner);

#endif
