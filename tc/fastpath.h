/* fastpath.h - world -> container in one lookup, past the host veth: a
 * direct-action cls_bpf program on the public interface's ingress looks the
 * destination port of TCP and UDP to the host IP up in a port map, the
 * source's network class in the accounting trie, and tail-calls the
 * container's own program (by slot, in a program array), which counts the
 * packet as the RX counting program on the host veth would and hands it
 * straight to the container's eth0 with bpf_redirect_peer (5.10+). The
 * headers are read in place (direct packet access), not copied out.
 * Ports not in the map, slots without a program, and everything else go on
 * to the next filter (the u32 tables). A program array, not a map of
 * counters maps: updating a map of maps waits for an RCU grace period
 * (~10 ms here), a program array does not. The kernel empties a program
 * array when its last fd is closed: while the agent is down the fast path
 * passes everything to the u32 tables (counted by the veth's programs), and
 * recovery refills it. */
#ifndef NIS_TC_FASTPATH_H
#define NIS_TC_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <netlink/netlink.h>

#include "common/err.h"

#define TC_FAST_SLOTS 4096	/* container slots 1..4095 */
#define TC_FAST_PORTS 65536	/* the port map: one entry per port */

struct tc_fast {
	int ports;		/* port -> { host veth ifindex, slot } */
	int progs;		/* slot -> the container's program */
};

/* The maps, new (tc_fast_new) or of the filter at (ifindex, parent, prio)
 * (tc_fast_find: -ENOENT if there is none). Close with tc_fast_close. */
int tc_fast_new(struct tc_fast *f, struct nis_err *err);
int tc_fast_find(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		 struct tc_fast *f, struct nis_err *err);
void tc_fast_close(struct tc_fast *f);

struct tc_guard;

/* Loads the program over f's maps for packets to host_ip, classing their
 * sources by the accounting trie (trie_fd < 0: all class 0), and attaches
 * it, replacing one of the same name in place. With the guard's maps
 * (tc/guard.h; g NULL or without owners: none), to host_ip:
 *   - an ICMP error about a TCP or UDP packet the host IP sent goes to the
 *     container owning the quoted source port, and to it alone;
 *   - an echo reply whose id the guard gave (and whose source is the peer
 *     the request went to) gets the container's own id back and goes to
 *     it alone, as does an error quoting such a request (the quoted id and
 *     both checksums restored); other echo replies stay with the host;
 *   - the first of several fragments of TCP or UDP to a container's port
 *     is recorded (source, IP id, protocol; an LRU map, 30 s), the later
 *     ones go to that container's host veth, others to the host.
 * A container whose slot has no program gets these on its host veth. */
int tc_fast_attach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		   const struct tc_fast *f, int trie_fd, struct in_addr host_ip,
		   const struct tc_guard *g, struct nis_err *err);

/* The program tc_fast_attach attaches, loaded only: its fd, or -errno
 * (for tests/bench/fast_cost, which times it with BPF_PROG_TEST_RUN). */
int tc_fast_prog_load(const struct tc_fast *f, int trie_fd, struct in_addr host_ip,
		      const struct tc_guard *g, struct nis_err *err);

/* Removes the filter (its maps go with the last fd). */
int tc_fast_detach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		   struct nis_err *err);

/* Ports [first, first + n) to (ifindex, slot); ifindex 0 removes them. */
int tc_fast_set_ports(const struct tc_fast *f, uint16_t first, uint32_t n, int ifindex,
		      uint32_t slot, struct nis_err *err);

/* Clears every port whose entry want() does not confirm. */
int tc_fast_sweep(const struct tc_fast *f, bool (*want)(uint16_t port, int ifindex, void *arg),
		  void *arg, struct nis_err *err);

/* slot's program: counting into counters_fd by the class the eth0 program
 * found (counters_fd < 0: no counting), then to the peer of ifindex. */
int tc_fast_set_ct(const struct tc_fast *f, uint32_t slot, int ifindex, int counters_fd,
		   struct nis_err *err);
void tc_fast_clear_ct(const struct tc_fast *f, uint32_t slot);

/* Whether this kernel loads both programs (bpf_redirect_peer, tail calls). */
bool tc_fast_supported(struct nis_err *err);

#endif
