/* qdisc.h - the qdiscs and classes of the datapath: ingress, the HTB limit
 * with its leaf (tbf or fq_codel). Handles are fixed: the agent never needs a
 * dump to find its own objects. */
#ifndef NIS_TC_QDISC_H
#define NIS_TC_QDISC_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/netlink.h>

#include "common/err.h"

#define TC_HTB_HANDLE	0x00010000u	/* 1:   root htb */
#define TC_HTB_CLASS	0x00010001u	/* 1:1  the limit class */
#define TC_LEAF_HANDLE	0x00100000u	/* 10:  fq_codel under 1:1 */
#define TC_INGRESS_HANDLE 0xffff0000u	/* ffff: the ingress or clsact qdisc */
/* Parent of filters on the ingress side, ffff:fff2: the kernel takes it
 * under an ingress qdisc and a clsact one alike (ffff: only under ingress). */
#define TC_INGRESS	0xfffffff2u
#define TC_CLSACT_INGRESS TC_INGRESS	/* clsact's ingress hook */
#define TC_CLSACT_EGRESS  0xfffffff3u	/* clsact's egress hook, ffff:fff3 */

/* Adds the ingress qdisc; with may_exist an existing one is kept. */
int tc_qdisc_ingress_add(struct nl_sock *sk, int ifindex, bool may_exist,
			 struct nis_err *err);

/* Adds the clsact qdisc (handle ffff:, hooks TC_CLSACT_INGRESS/EGRESS);
 * with may_exist an existing one is kept. It takes the place of ingress:
 * a device has one or the other. */
int tc_qdisc_clsact_add(struct nl_sock *sk, int ifindex, bool may_exist,
			struct nis_err *err);

/* Deletes the qdisc at parent (TC_H_ROOT or TC_H_INGRESS) if it exists. */
int tc_qdisc_delete(struct nl_sock *sk, int ifindex, uint32_t parent,
		    struct nis_err *err);

/* Whether a qdisc sits at parent (TC_H_ROOT or TC_H_INGRESS): 1, 0, -errno. */
int tc_qdisc_exists(struct nl_sock *sk, int ifindex, uint32_t parent);

/* The kind of the qdisc at parent (TC_H_ROOT or TC_H_INGRESS) into kind,
 * and its handle (a device's default root qdisc has handle 0): 1, 0 (none),
 * -errno. */
int tc_qdisc_kind(struct nl_sock *sk, int ifindex, uint32_t parent, char *kind, size_t len,
		  uint32_t *handle);

/* The leaf 10: under class 1:1, where the class's backlog waits. */
enum tc_leaf {
	TC_LEAF_NONE,		/* HTB's own FIFO (1000 packets) */
	TC_LEAF_FQ_CODEL,	/* fq_codel */
	/* A bounded FIFO: tbf at 10x the rate (it never throttles, the HTB
	 * does) holding TC_TBF_LATENCY_MS of the rate; it segments a GSO
	 * aggregate larger than its bucket rather than drop it whole. */
	TC_LEAF_TBF,
};
#define TC_TBF_LATENCY_MS 8

struct tc_limit {
	uint64_t rate;		/* bytes/s, > 0 */
	uint64_t ceil;		/* bytes/s, 0: same as rate */
	uint32_t burst;		/* bytes, 0: 10 ms of the rate, at least 128 KiB */
	enum tc_leaf leaf;
};

/* htb 1: default 1, class 1:1 rate/ceil/burst, and its leaf. */
int tc_limit_add(struct nl_sock *sk, int ifindex, const struct tc_limit *l,
		 struct nis_err *err);

/* Changes the rate of class 1:1 in place: no packet is dropped. */
int tc_limit_change(struct nl_sock *sk, int ifindex, const struct tc_limit *l,
		    struct nis_err *err);

/* Whether class 1:1 is still htb at l->rate: 0 yes (its byte and packet
 * counters in *bytes, *packets), 1 no (gone or changed), -errno when it
 * cannot be read. */
int tc_limit_check(struct nl_sock *sk, int ifindex, const struct tc_limit *l,
		   uint64_t *bytes, uint64_t *packets);

/* The bounded leaf (TC_LEAF_TBF) with handle at parent, for rate; replace
 * changes the one there. */
int tc_tbf_leaf_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint32_t handle,
		    uint64_t rate, bool replace, struct nis_err *err);

/* l's leaf (l->leaf) under class 1:1 for its rate: added, or with replace
 * the one there changed. */
int tc_leaf_set(struct nl_sock *sk, int ifindex, const struct tc_limit *l, bool replace,
		struct nis_err *err);

struct tc_fq_codel {
	uint32_t target_us, interval_us;
	uint32_t limit;		/* packets */
	uint32_t memory;	/* bytes */
	uint32_t flows;		/* 0: the kernel's 1024 */
	bool ecn;
};

/* fq_codel for a class at rate bytes/s (0: the kernel's defaults). */
void tc_fq_codel_tune(uint64_t rate, uint32_t flows, struct tc_fq_codel *q);

/* fq_codel q with handle at parent (TC_H_ROOT or a class); replace changes
 * the one there (its flows stay). */
int tc_fq_codel_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint32_t handle,
		    const struct tc_fq_codel *q, bool replace, struct nis_err *err);

#endif
