/* u32.h - u32 filters on an ingress (or any) qdisc: value/mask keys,
 * explicit hash tables and handles, mirred redirect/mirror actions.
 * Handles are chosen by the caller, so removal never needs a dump.
 * A u32 handle is htid(12 bits):bucket(8):node(12). */
#ifndef NIS_TC_U32_H
#define NIS_TC_U32_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <netlink/netlink.h>

#include "common/err.h"

#define TC_U32_HT(ht)		((uint32_t)(ht) << 20)
#define TC_U32_HANDLE(ht, bkt, node) \
	(((uint32_t)(ht) << 20) | ((uint32_t)(bkt) << 12) | (uint32_t)(node))

/* One 32-bit key: (packet word at off [+ nexthdr if nexthdr]) & mask == val,
 * all in host byte order. */
struct tc_u32_match {
	uint32_t val, mask;
	int off;
	bool nexthdr;
};

enum tc_u32_act {
	TC_U32_NONE,		/* terminal with the classid: accept (TC_ACT_OK) */
	TC_U32_REDIRECT,	/* mirred egress redirect, packet stolen */
	TC_U32_MIRROR,		/* mirred egress mirror, then continue classifying */
	TC_U32_LINK,		/* jump to table `link` */
};

#define TC_U32_MAX_KEYS 8

struct tc_u32_rule {
	uint32_t parent;		/* qdisc handle, e.g. 0xffff0000 */
	uint16_t prio, protocol;	/* protocol: ETH_P_IP, ETH_P_ARP, ETH_P_ALL */
	uint32_t handle;		/* 0: the kernel picks (in the prio's root table) */
	uint32_t table;			/* TC_U32_HANDLE(ht, bkt, 0), 0: root table */
	struct tc_u32_match keys[TC_U32_MAX_KEYS];
	int nkeys;
	enum tc_u32_act act;
	int target;			/* ifindex of redirect/mirror */
	uint32_t link;			/* TC_U32_LINK: TC_U32_HT(ht) */
	uint32_t hashmask;		/* TC_U32_LINK: hash key mask at hashoff */
	int hashoff;
	bool eat_iphdr;			/* TC_U32_LINK: skip the IPv4 header (IHL) */
	uint32_t classid;
};

/* Key builders: an 8/16-bit field at byte offset off, placed in its word. */
struct tc_u32_match tc_u32_key8(uint8_t val, uint8_t mask, int off, bool nexthdr);
struct tc_u32_match tc_u32_key16(uint16_t val, uint16_t mask, int off, bool nexthdr);
/* An IPv4 header with fragment offset 0 (the ports are in this packet). */
struct tc_u32_match tc_u32_key_first_frag(void);
struct tc_u32_match tc_u32_key_ip(struct in_addr ip, int prefixlen, int off);

int tc_u32_add(struct nl_sock *sk, int ifindex, const struct tc_u32_rule *r,
	       struct nis_err *err);

/* Creates table ht (divisor 1..256) at prio/protocol. */
int tc_u32_table_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		     uint16_t protocol, uint32_t ht, uint32_t divisor,
		     struct nis_err *err);

/* Removes one filter by handle; -ENOENT if it is not there. */
int tc_u32_del(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
	       uint16_t protocol, uint32_t handle, struct nis_err *err);

/* Every filter on the qdisc `parent` of ifindex, by prio/protocol/handle
 * only (for recovery: finding nodes nobody owns any more). */
int tc_u32_dump_handles(struct nl_sock *sk, int ifindex, uint32_t parent,
			void (*fn)(uint16_t prio, uint16_t protocol, uint32_t handle, void *arg),
			void *arg, struct nis_err *err);

/* Sends the add request of the cls_bpf filter c (its device, parent, prio,
 * protocol and kind set) in direct-action mode, with put adding the
 * program's attributes (classic ops, or an eBPF fd and name) to its
 * options; NLM_F_CREATE | nlflags. Returns 0 or a libnl code. */
struct nl_msg;
struct rtnl_cls;
int tc_cls_bpf_add(struct nl_sock *sk, struct rtnl_cls *c, int nlflags,
		   int (*put)(struct nl_msg *msg, const void *arg), const void *arg);

/* A classic-BPF `return TC_ACT_SHOT` in direct-action mode: a drop that
 * needs neither act_gact nor act_police, which this kernel may lack. */
int tc_drop_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		struct nis_err *err);

#endif
