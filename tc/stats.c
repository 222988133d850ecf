/* stats.c - two dumps and their parsers; no libnl cache objects, so a
 * scrape of many links costs one pass over the messages. */
#include <errno.h>
#include <string.h>

#include <linux/gen_stats.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "tc/nl.h"
#include "tc/stats.h"

struct dump_ctx {
	void (*link_fn)(const struct tc_link_stats *, void *);
	void (*qdisc_fn)(const struct tc_qdisc_stats *, void *);
	void *arg;
};

static int parse_link(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *ctx = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct ifinfomsg *ifi = nlmsg_data(nlh);
	struct nlattr *tb[IFLA_MAX + 1];
	struct rtnl_link_stats64 st;
	struct tc_link_stats s = { .ifindex = ifi->ifi_index };

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return NL_SKIP;
	if (tb[IFLA_STATS64]) {
		memset(&st, 0, sizeof(st));
		nla_memcpy(&st, tb[IFLA_STATS64], sizeof(st));
		s = (struct tc_link_stats){ ifi->ifi_index,
			st.rx_bytes, st.rx_packets, st.rx_errors, st.rx_dropped,
			st.tx_bytes, st.tx_packets, st.tx_errors, st.tx_dropped };
	}
	ctx->link_fn(&s, ctx->arg);
	return NL_OK;
}

static void parse_stats2(struct nlattr *stats2, struct tc_qdisc_stats *s)
{
	struct nlattr *tb[TCA_STATS_MAX + 1];
	struct gnet_stats_basic basic;
	struct gnet_stats_queue q;
	struct gnet_stats_rate_est64 est64;
	struct gnet_stats_rate_est est;

	if (nla_parse_nested(tb, TCA_STATS_MAX, stats2, NULL) < 0)
		return;
	if (tb[TCA_STATS_BASIC]) {
		memset(&basic, 0, sizeof(basic));
		nla_memcpy(&basic, tb[TCA_STATS_BASIC], sizeof(basic));
		s->bytes = basic.bytes;
		s->packets = basic.packets;
	}
	/* The 32-bit packet count wraps; the kernel adds the full one. */
	if (tb[TCA_STATS_PKT64])
		s->packets = nla_get_u64(tb[TCA_STATS_PKT64]);
	if (tb[TCA_STATS_QUEUE]) {
		memset(&q, 0, sizeof(q));
		nla_memcpy(&q, tb[TCA_STATS_QUEUE], sizeof(q));
		s->qlen = q.qlen;
		s->backlog = q.backlog;
		s->drops = q.drops;
		s->requeues = q.requeues;
		s->overlimits = q.overlimits;
	}
	if (tb[TCA_STATS_RATE_EST64]) {
		nla_memcpy(&est64, tb[TCA_STATS_RATE_EST64], sizeof(est64));
		s->rate_bps = est64.bps;
		s->rate_pps = est64.pps;
	} else if (tb[TCA_STATS_RATE_EST]) {
		nla_memcpy(&est, tb[TCA_STATS_RATE_EST], sizeof(est));
		s->rate_bps = est.bps;
		s->rate_pps = est.pps;
	}
}

static int parse_qdisc(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *ctx = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct tcmsg *tcm = nlmsg_data(nlh);
	struct nlattr *tb[TCA_MAX + 1];
	struct tc_qdisc_stats s = { .ifindex = tcm->tcm_ifindex, .handle = tcm->tcm_handle,
				    .parent = tcm->tcm_parent };

	if (nlh->nlmsg_type != RTM_NEWQDISC ||
	    nlmsg_parse(nlh, sizeof(*tcm), tb, TCA_MAX, NULL) < 0)
		return NL_SKIP;
	if (tb[TCA_KIND])
		nla_strlcpy(s.kind, tb[TCA_KIND], sizeof(s.kind));
	if (tb[TCA_STATS2])
		parse_stats2(tb[TCA_STATS2], &s);
	ctx->qdisc_fn(&s, ctx->arg);
	return NL_OK;
}

int tc_link_stats_dump(struct nl_sock *sk,
		       void (*fn)(const struct tc_link_stats *s, void *arg), void *arg,
		       struct nis_err *err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct dump_ctx ctx = { .link_fn = fn, .arg = arg };

	return tc_nl_dump(sk, RTM_GETLINK, &ifi, sizeof(ifi), parse_link, &ctx, err);
}

int tc_qdisc_stats_dump(struct nl_sock *sk,
			void (*fn)(const struct tc_qdisc_stats *s, void *arg), void *arg,
			struct nis_err *err)
{
	struct tcmsg tcm = { .tcm_family = AF_UNSPEC };
	struct dump_ctx ctx = { .qdisc_fn = fn, .arg = arg };

	return tc_nl_dump(sk, RTM_GETQDISC, &tcm, sizeof(tcm), parse_qdisc, &ctx, err);
}
