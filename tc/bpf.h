/* bpf.h - per-container traffic counting by network class in the kernel:
 * a hand-emitted eBPF cls_bpf program (raw bpf(2), no libbpf) on the
 * host-side veth looks each IPv4 peer address up in one global LPM trie and
 * adds the packet to a per-CPU counter of the container's own map. */
#ifndef NIS_TC_BPF_H
#define NIS_TC_BPF_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <netlink/netlink.h>

#include "common/err.h"
#include "tc/guard.h"

#define TC_ACCT_CLASSES 64	/* class indexes 0..63; 0 is "default" */

/* RX: what the container received (host veth egress, by source address);
 * TX: what it sent (host veth ingress, by destination address). */
enum tc_acct_dir { TC_ACCT_RX = 0, TC_ACCT_TX = 1 };

struct tc_acct_count {
	uint64_t bytes, packets;
};

/* Creates the global class trie ({prefixlen, IPv4 address} -> class
 * index, room for two full classes files); returns its fd (close-on-exec) or -errno. */
int tc_acct_trie_create(struct nis_err *err);

/* Maps net/prefixlen (host bits are cleared) to class ci, 1..63 (0 is
 * allowed but means the same as no entry); adds or overwrites. */
int tc_acct_trie_set(int trie_fd, struct in_addr net, unsigned prefixlen, uint32_t ci,
		     struct nis_err *err);

/* Removes net/prefixlen; -ENOENT (with a message) if it is not there. */
int tc_acct_trie_del(int trie_fd, struct in_addr net, unsigned prefixlen,
		     struct nis_err *err);

/* Creates one container's counters (per-CPU, 2 * TC_ACCT_CLASSES slots,
 * index dir * TC_ACCT_CLASSES + ci); returns its fd or -errno. */
int tc_acct_counters_create(struct nis_err *err);

/* Fills out[dir][ci] with the sums over every possible CPU. */
int tc_acct_counters_read(int counters_fd, struct tc_acct_count out[2][TC_ACCT_CLASSES],
			  struct nis_err *err);

/* Loads the counting program for dir over the two maps (the program holds
 * its own references: the caller may close both fds), behind the guard
 * (guard.h) of the container whose ports are owner's when one is given;
 * returns its fd. */
int tc_acct_prog_load(int trie_fd, int counters_fd, enum tc_acct_dir dir,
		      const struct tc_guard *guard, uint32_t owner, struct nis_err *err);

/* Adds (with replace: adds or replaces) the direct-action cls_bpf filter
 * handle 1, protocol all, "netisol_acct", at (ifindex, parent, prio);
 * parent TC_CLSACT_INGRESS or TC_CLSACT_EGRESS. The filter holds the
 * program: prog_fd may be closed afterwards. */
int tc_acct_attach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		   int prog_fd, bool replace, struct nis_err *err);

/* Removes the counting filters (both hooks) at prio from ifindex, only
 * where the filter there is ours (named so); 0 also when there are none. */
int tc_acct_detach(struct nl_sock *sk, int ifindex, uint16_t prio);

/* The counters map of the accounting filter at (ifindex, parent, prio), as
 * a new fd; its map id in *map_id unless map_id is NULL. -ENOENT if there
 * is no such filter (or it holds no counters map). */
int tc_acct_find_counters(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
			  uint32_t *map_id, struct nis_err *err);

/* The kernel's id of the map behind fd (stable while the map lives, new
 * when it is re-created: a changed id means the counters restarted). */
int tc_acct_map_id(int fd, uint32_t *id, struct nis_err *err);

/* The parts of the counting program, for programs that count on their way
 * (fastpath.c). Each returns the number of instructions it emitted into p
 * (at most TC_ACCT_EMIT_INSNS) and clobbers r0-r5.
 * tc_acct_emit_class: r7 = the class of the IPv4 address (network order) at
 * fp-4, by the trie; 0 when none. Uses fp-8.
 * tc_acct_emit_add: adds the skb at r6 to the counter of class r7, which
 * must be below TC_ACCT_CLASSES, in direction dir. Uses fp-12; changes r7. */
#define TC_ACCT_EMIT_INSNS 20
struct bpf_insn;
int tc_acct_emit_class(struct bpf_insn *p, int trie_fd);
int tc_acct_emit_add(struct bpf_insn *p, int counters_fd, enum tc_acct_dir dir);

/* Whether this kernel can create both maps and load the program. */
bool tc_acct_supported(struct nis_err *err);

#endif
