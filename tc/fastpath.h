/* fastpath.h - world -> container in one lookup, past the host veth: a
 * direct-action cls_bpf program on the public interface's ingress looks the
 * destination port of TCP and UDP to the host IP up in a port map and hands
 * the packet straight to the container's eth0 with bpf_redirect_peer (5.10+),
 * counting it first, as the RX counting program on the host veth would, in
 * the container's counters (found through a map of maps by slot). Ports not
 * in the map, and everything else, go on to the next filter. */
#ifndef NIS_TC_FASTPATH_H
#define NIS_TC_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <netlink/netlink.h>

#include "common/err.h"

#define TC_FAST_SLOTS 4096	/* container slots 1..4095 */

struct tc_fast {
	int ports;		/* port -> { host veth ifindex, slot } */
	int counters;		/* slot -> the container's counters map */
};

/* The maps, new (tc_fast_new) or of the filter at (ifindex, parent, prio)
 * (tc_fast_find: -ENOENT if there is none). Close with tc_fast_close. */
int tc_fast_new(struct tc_fast *f, struct nis_err *err);
int tc_fast_find(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		 struct tc_fast *f, struct nis_err *err);
void tc_fast_close(struct tc_fast *f);

/* Loads the program over f's maps for packets to host_ip, counting by the
 * class trie (trie_fd < 0: no counting), and attaches it, replacing one of
 * the same name in place. */
int tc_fast_attach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		   const struct tc_fast *f, struct in_addr host_ip, int trie_fd,
		   struct nis_err *err);

/* Removes the filter (its maps go with the last fd). */
int tc_fast_detach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		   struct nis_err *err);

/* Ports [first, first + n) to (ifindex, slot); ifindex 0 removes them. */
int tc_fast_set_ports(const struct tc_fast *f, uint16_t first, uint32_t n, int ifindex,
		      uint32_t slot, struct nis_err *err);

/* Clears every port whose entry want() does not confirm. */
int tc_fast_sweep(const struct tc_fast *f, bool (*want)(uint16_t port, int ifindex, void *arg),
		  void *arg, struct nis_err *err);

/* slot's counters map (counters_fd < 0: none). */
int tc_fast_set_counters(const struct tc_fast *f, uint32_t slot, int counters_fd,
			 struct nis_err *err);

/* Whether this kernel loads the program (bpf_redirect_peer, maps of maps). */
bool tc_fast_supported(struct nis_err *err);

#endif
