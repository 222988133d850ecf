/* leaf.c - the leaf under the limit class, and fq_codel tuned to a rate.
 * fq_codel's message is built here, not through libnl-route-3, whose
 * fq_codel lacks the memory limit. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "tc/nl.h"
#include "tc/qdisc.h"

#define FQ_CODEL_MTU	1514u
#define US		1000000u

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The kernel's defaults hold from some 10 Mbit/s up. Below it one frame
 * takes longer than 5 ms to send, and CoDel would drop from a queue of
 * one: the target stays 1.5 frames' time, the interval 20 targets. What it
 * may hold is a second of the rate, 4 MiB at least (a tenant's 64 KiB GSO
 * aggregates) and never the default 32 MiB per container unless the rate
 * fills it. */
void tc_fq_codel_tune(uint64_t rate, uint32_t flows, struct tc_fq_codel *q)
{
	*q = (struct tc_fq_codel){ .target_us = 5000, .interval_us = 100000, .limit = 10240,
				   .memory = 32u << 20, .flows = flows, .ecn = true };
	if (!rate)
		return;
	q->target_us = (uint32_t)clamp((uint64_t)FQ_CODEL_MTU * US * 3 / 2 / rate, 5000, US);
	q->interval_us = q->target_us * 20 > 100000 ? q->target_us * 20 : 100000;
	q->limit = (uint32_t)clamp(rate / FQ_CODEL_MTU, 256, 10240);
	q->memory = (uint32_t)clamp(rate, 4u << 20, 32u << 20);
}

int tc_fq_codel_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint32_t handle,
		    const struct tc_fq_codel *q, bool replace, struct nis_err *err)
{
	struct tcmsg t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			   .tcm_handle = handle, .tcm_parent = parent };
	int flags = NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWQDISC, flags);
	struct nlattr *opt;
	int rc = -NLE_NOMEM;

	if (!m || nlmsg_append(m, &t, sizeof(t), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, TCA_KIND, "fq_codel") < 0 || !(opt = nla_nest_start(m, TCA_OPTIONS)) ||
	    nla_put_u32(m, TCA_FQ_CODEL_TARGET, q->target_us) < 0 ||
	    nla_put_u32(m, TCA_FQ_CODEL_INTERVAL, q->interval_us) < 0 ||
	    nla_put_u32(m, TCA_FQ_CODEL_LIMIT, q->limit) < 0 ||
	    nla_put_u32(m, TCA_FQ_CODEL_MEMORY_LIMIT, q->memory) < 0 ||
	    nla_put_u32(m, TCA_FQ_CODEL_ECN, q->ecn) < 0 ||
	    (q->flows && !replace && nla_put_u32(m, TCA_FQ_CODEL_FLOWS, q->flows) < 0))
		goto out;
	nla_nest_end(m, opt);
	rc = nl_send_sync(sk, m);	/* frees m */
	m = NULL;
out:
	nlmsg_free(m);
	return rc < 0 ? tc_nl_fail(err, rc, "cannot set fq_codel") : 0;
}

int tc_leaf_set(struct nl_sock *sk, int ifindex, const struct tc_limit *l, bool replace,
		struct nis_err *err)
{
	struct tc_fq_codel q;
	uint64_t rate = l->ceil > l->rate ? l->ceil : l->rate;

	switch (l->leaf) {
	case TC_LEAF_FQ_CODEL:
		tc_fq_codel_tune(rate, 0, &q);
		return tc_fq_codel_add(sk, ifindex, TC_HTB_CLASS, TC_LEAF_HANDLE, &q, replace, err);
	case TC_LEAF_TBF:
		return tc_tbf_leaf_add(sk, ifindex, TC_HTB_CLASS, TC_LEAF_HANDLE, rate, replace,
				       err);
	default:
		return 0;
	}
}
