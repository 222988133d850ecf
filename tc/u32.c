/* u32.c - u32 filters with mirred actions, and the cBPF drop, through
 * libnl-route-3 (libnl has no cls_bpf module: that request is built here). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/msg.h>
#include <linux/rtnetlink.h>

#include "tc/nl.h"
#include "tc/u32.h"

struct tc_u32_match tc_u32_key8(uint8_t val, uint8_t mask, int off, bool nexthdr)
{
	int shift = 24 - 8 * (off & 3);

	return (struct tc_u32_match){ (uint32_t)val << shift, (uint32_t)mask << shift,
				    off & ~3, nexthdr };
}

struct tc_u32_match tc_u32_key16(uint16_t val, uint16_t mask, int off, bool nexthdr)
{
	int shift = (off & 3) ? 0 : 16;

	return (struct tc_u32_match){ (uint32_t)val << shift, (uint32_t)mask << shift,
				    off & ~3, nexthdr };
}

struct tc_u32_match tc_u32_key_first_frag(void)
{
	return tc_u32_key16(0, 0x1fff, 6, false);
}

struct tc_u32_match tc_u32_key_ip(struct in_addr ip, int prefixlen, int off)
{
	uint32_t mask = prefixlen ? ~0u << (32 - prefixlen) : 0;

	return (struct tc_u32_match){ ntohl(ip.s_addr) & mask, mask, off, false };
}

static struct rtnl_cls *cls_new(int ifindex, uint32_t parent, uint16_t prio,
				uint16_t protocol, const char *kind)
{
	struct rtnl_cls *c = rtnl_cls_alloc();

	if (!c)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), parent);
	rtnl_cls_set_prio(c, prio);
	rtnl_cls_set_protocol(c, protocol);
	if (rtnl_tc_set_kind(TC_CAST(c), kind) < 0) {
		rtnl_cls_put(c);
		return NULL;
	}
	return c;
}

static int add_mirred(struct rtnl_cls *c, const struct tc_u32_rule *r)
{
	struct rtnl_act *a = rtnl_act_alloc();
	int rc;

	if (!a)
		return -NLE_NOMEM;
	if ((rc = rtnl_tc_set_kind(TC_CAST(a), "mirred")) >= 0) {
		bool redirect = r->act == TC_U32_REDIRECT;
		rtnl_mirred_set_action(a, redirect ? TCA_EGRESS_REDIR : TCA_EGRESS_MIRROR);
		rtnl_mirred_set_ifindex(a, (uint32_t)r->target);
		/* A mirror continues classification (TC_ACT_UNSPEC), so every
		 * later filter sees the packet too, and so does the host. */
		rtnl_mirred_set_policy(a, redirect ? TC_ACT_STOLEN : TC_ACT_UNSPEC);
		rc = rtnl_u32_add_action(c, a);
	}
	rtnl_act_put(a);	/* u32 holds its own reference */
	return rc;
}

/* Fills the u32 specifics of r into c; returns a libnl code. */
static int u32_fill(struct rtnl_cls *c, const struct tc_u32_rule *r)
{
	int rc = 0;

	if (r->handle)
		rtnl_tc_set_handle(TC_CAST(c), r->handle);
	if (r->table && (rc = rtnl_u32_set_hashtable(c, r->table)) < 0)
		return rc;
	if (r->nkeys == 0 && (rc = rtnl_u32_add_key(c, 0, 0, 0, 0)) < 0)
		return rc;
	for (int i = 0; i < r->nkeys; i++)
		if ((rc = rtnl_u32_add_key(c, htonl(r->keys[i].val), htonl(r->keys[i].mask),
					   r->keys[i].off, r->keys[i].nexthdr ? -1 : 0)) < 0)
			return rc;
	switch (r->act) {
	case TC_U32_NONE:
		if ((rc = rtnl_u32_set_classid(c, r->classid)) < 0)
			return rc;
		return rtnl_u32_set_cls_terminal(c);
	case TC_U32_REDIRECT:
	case TC_U32_MIRROR:
		/* Only a TERMINAL node runs its actions; a mirror's
		 * TC_ACT_UNSPEC then lets u32 go on to the next node. */
		if ((rc = add_mirred(c, r)) < 0)
			return rc;
		return rtnl_u32_set_cls_terminal(c);
	case TC_U32_LINK:
		/* 'offset at 0 mask 0x0f00 shift 6 eat': IHL * 4, then keys and
		 * the hash of the linked table start at the L4 header. */
		if (r->eat_iphdr &&
		    (rc = rtnl_u32_set_selector(c, 0, 0x0f00, 6, 0, TC_U32_EAT)) < 0)
			return rc;
		if (r->hashmask && (rc = rtnl_u32_set_hashmask(c, r->hashmask,
								(uint32_t)r->hashoff)) < 0)
			return rc;
		return rtnl_u32_set_link(c, r->link);
	}
	return -NLE_INVAL;
}

int tc_u32_add(struct nl_sock *sk, int ifindex, const struct tc_u32_rule *r,
	       struct nis_err *err)
{
	struct rtnl_cls *c = cls_new(ifindex, r->parent, r->prio, r->protocol, "u32");
	int rc;

	if (!c)
		return nis_err_set(err, -ENOMEM, "out of memory");
	if ((rc = u32_fill(c, r)) >= 0)
		rc = rtnl_cls_add(sk, c, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_cls_put(c);
	if (rc < 0) {
		tc_nl_fail(err, rc, "cannot add u32 filter");
		return nis_err_prefix(err, tc_nl_errno(rc), "ifindex %d prio %u handle %x",
				      ifindex, r->prio, r->handle);
	}
	return 0;
}

int tc_u32_table_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		     uint16_t protocol, uint32_t ht, uint32_t divisor,
		     struct nis_err *err)
{
	struct rtnl_cls *c = cls_new(ifindex, parent, prio, protocol, "u32");
	int rc;

	if (!c)
		return nis_err_set(err, -ENOMEM, "out of memory");
	rtnl_tc_set_handle(TC_CAST(c), ht);
	if ((rc = rtnl_u32_set_divisor(c, divisor)) >= 0)
		rc = rtnl_cls_add(sk, c, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_cls_put(c);
	if (rc < 0) {
		tc_nl_fail(err, rc, "cannot add u32 hash table");
		return nis_err_prefix(err, tc_nl_errno(rc), "ifindex %d table %x", ifindex, ht);
	}
	return 0;
}

int tc_u32_del(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
	       uint16_t protocol, uint32_t handle, struct nis_err *err)
{
	struct rtnl_cls *c = cls_new(ifindex, parent, prio, protocol, "u32");
	int rc;

	if (!c)
		return nis_err_set(err, -ENOMEM, "out of memory");
	rtnl_tc_set_handle(TC_CAST(c), handle);
	rc = rtnl_cls_delete(sk, c, 0);
	rtnl_cls_put(c);
	if (rc < 0) {
		tc_nl_fail(err, rc, "cannot delete u32 filter");
		return nis_err_prefix(err, tc_nl_errno(rc), "ifindex %d handle %x", ifindex,
				      handle);
	}
	return 0;
}

int tc_cls_bpf_add(struct nl_sock *sk, struct rtnl_cls *c, int nlflags,
		   int (*put)(struct nl_msg *msg, const void *arg), const void *arg)
{
	struct nl_msg *msg = NULL;
	struct nlattr *opt;
	int rc;

	if ((rc = rtnl_cls_build_add_request(c, NLM_F_CREATE | nlflags, &msg)) < 0)
		return rc;
	if (!(opt = nla_nest_start(msg, TCA_OPTIONS)) || put(msg, arg) < 0 ||
	    nla_put_u32(msg, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT) < 0) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	nla_nest_end(msg, opt);
	if ((rc = nl_send_auto_complete(sk, msg)) >= 0)
		rc = nl_wait_for_ack(sk);
	nlmsg_free(msg);
	return rc;
}

static int put_drop(struct nl_msg *msg, const void *arg)
{
	static const struct sock_filter insn = BPF_STMT(BPF_RET | BPF_K, TC_ACT_SHOT);

	(void)arg;
	if (nla_put_u16(msg, TCA_BPF_OPS_LEN, 1) < 0)
		return -NLE_NOMEM;
	return nla_put(msg, TCA_BPF_OPS, sizeof(insn), &insn);
}

int tc_drop_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		struct nis_err *err)
{
	struct rtnl_cls *c = cls_new(ifindex, parent, prio, ETH_P_ALL, "bpf");
	int rc;

	if (!c)
		return nis_err_set(err, -ENOMEM, "out of memory");
	rc = tc_cls_bpf_add(sk, c, NLM_F_EXCL, put_drop, NULL);
	rtnl_cls_put(c);
	return rc < 0 ? tc_nl_fail(err, rc, "cannot add the drop filter") : 0;
}

struct handle_walk {
	void (*fn)(uint16_t, uint16_t, uint32_t, void *);
	void *arg;
};

static int parse_filter(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct tcmsg *tcm = nlmsg_data(nlh);
	struct handle_walk *w = arg;

	if (nlh->nlmsg_type == RTM_NEWTFILTER)
		w->fn((uint16_t)(tcm->tcm_info >> 16), ntohs((uint16_t)tcm->tcm_info),
		      tcm->tcm_handle, w->arg);
	return NL_OK;
}

int tc_u32_dump_handles(struct nl_sock *sk, int ifindex, uint32_t parent,
			void (*fn)(uint16_t prio, uint16_t protocol, uint32_t handle, void *arg),
			void *arg, struct nis_err *err)
{
	struct tcmsg tcm = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			     .tcm_parent = parent };
	struct handle_walk w = { fn, arg };

	return tc_nl_dump(sk, RTM_GETTFILTER, &tcm, sizeof(tcm), parse_filter, &w, err);
}
