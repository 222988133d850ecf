/* guard.h - the guard: the first instructions of the program on a host
 * veth's ingress, i.e. of everything a container sends, before anything
 * counts or redirects it. A container's root may write any frame; one
 * passes only as the host itself could have sent it:
 *   - Ethernet source = the host's MAC; EtherType IPv4 or ARP;
 *   - IPv4 source = the host's IP, or 127.0.0.1 to 127.0.0.1; no other
 *     destination in 127.0.0.0/8;
 *   - ICMP (first fragments): echo request/reply, destination unreachable,
 *     time exceeded, parameter problem only;
 *   - ARP: requests only, sender = the host's MAC and IP, never asking for
 *     the host's own IP (gratuitous ARP); every reply is dropped, the host
 *     answers for its IP itself.
 * Everything else is dropped (TC_ACT_SHOT) and never counted. Source ports
 * are the u32 tables' check, after it. Maps: none. Cost: tests/bench/fast_cost. */
#ifndef NIS_TC_GUARD_H
#define NIS_TC_GUARD_H

#include <netinet/in.h>
#include <stdint.h>

#define TC_GUARD_INSNS 96	/* more than tc_guard_emit writes */

struct tc_guard {
	uint8_t mac[6];		/* the host's */
	struct in_addr ip;	/* the host's */
};

struct bpf_insn;

/* Emits the guard at p (r1 = skb on entry); a frame that passes falls
 * through past the last instruction with r1 = r6 = skb. Uses the stack at
 * fp-72..fp-25. Returns the number of instructions. */
int tc_guard_emit(struct bpf_insn *p, const struct tc_guard *g);

#endif
