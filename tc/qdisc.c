/* qdisc.c - ingress, clsact and the HTB limit through libnl-route-3 and the tbf
 * leaf (fq_codel: tc/leaf.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <netlink/msg.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/tbf.h>

#include "tc/nl.h"
#include "tc/qdisc.h"

static struct rtnl_qdisc *qdisc_new(int ifindex, uint32_t parent, uint32_t handle,
				    const char *kind)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();

	if (!q)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	if (rtnl_tc_set_kind(TC_CAST(q), kind) < 0) {
		rtnl_qdisc_put(q);
		return NULL;
	}
	return q;
}

static int qdisc_add(struct nl_sock *sk, struct rtnl_qdisc *q, int flags,
		     const char *what, struct nis_err *err)
{
	int rc;

	if (!q)
		return nis_err_set(err, -ENOMEM, "out of memory for %s", what);
	rc = rtnl_qdisc_add(sk, q, NLM_F_CREATE | flags);
	rtnl_qdisc_put(q);
	return rc < 0 ? tc_nl_fail(err, rc, what) : 0;
}

int tc_qdisc_ingress_add(struct nl_sock *sk, int ifindex, bool may_exist,
			 struct nis_err *err)
{
	struct rtnl_qdisc *q = qdisc_new(ifindex, TC_H_INGRESS, TC_INGRESS_HANDLE, "ingress");
	int rc = qdisc_add(sk, q, NLM_F_EXCL, "cannot add the ingress qdisc", err);

	return rc == -EEXIST && may_exist ? 0 : rc;
}

int tc_qdisc_clsact_add(struct nl_sock *sk, int ifindex, bool may_exist,
			struct nis_err *err)
{
	struct rtnl_qdisc *q = qdisc_new(ifindex, TC_H_CLSACT, TC_INGRESS_HANDLE, "clsact");
	int rc = qdisc_add(sk, q, NLM_F_EXCL, "cannot add the clsact qdisc", err);

	return rc == -EEXIST && may_exist ? 0 : rc;
}

int tc_qdisc_delete(struct nl_sock *sk, int ifindex, uint32_t parent,
		    struct nis_err *err)
{
	struct rtnl_qdisc *q = rtnl_qdisc_alloc();
	int rc;

	if (!q)
		return nis_err_set(err, -ENOMEM, "out of memory");
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), parent);
	rc = rtnl_qdisc_delete(sk, q);
	rtnl_qdisc_put(q);
	if (rc < 0 && tc_nl_errno(rc) != -ENOENT && tc_nl_errno(rc) != -EINVAL)
		return tc_nl_fail(err, rc, "cannot delete qdisc");
	return 0;
}

int tc_qdisc_exists(struct nl_sock *sk, int ifindex, uint32_t parent)
{
	char kind[16];
	uint32_t handle;

	return tc_qdisc_kind(sk, ifindex, parent, kind, sizeof(kind), &handle);
}

struct kind_job {
	char *kind;
	size_t len;
	uint32_t handle;
	bool found;
};

static int kind_parse(struct nl_msg *msg, void *arg)
{
	struct kind_job *j = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[TCA_MAX + 1];

	if (h->nlmsg_type != RTM_NEWQDISC ||
	    nlmsg_parse(h, sizeof(struct tcmsg), tb, TCA_MAX, NULL) < 0)
		return NL_SKIP;
	j->handle = ((struct tcmsg *)nlmsg_data(h))->tcm_handle;
	snprintf(j->kind, j->len, "%s", tb[TCA_KIND] ? nla_get_string(tb[TCA_KIND]) : "");
	j->found = true;
	return NL_OK;
}

/* Asked for exactly (RTM_GETQDISC by parent), not found in a dump of every
 * qdisc of the namespace, which grows with its containers. */
int tc_qdisc_kind(struct nl_sock *sk, int ifindex, uint32_t parent, char *kind, size_t len,
		  uint32_t *handle)
{
	struct tcmsg t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = parent };
	struct kind_job j = { kind, len, 0, false };
	int rc = tc_nl_get(sk, RTM_GETQDISC, &t, sizeof(t), kind_parse, &j);

	/* None: ENOENT; only a built-in placeholder (an ingress queue whose
	 * qdisc went, a device not yet up), which is not shown: EINVAL. */
	if (rc == -ENOENT || rc == -EINVAL)
		return 0;
	if (rc)
		return rc;
	if (j.found)
		*handle = j.handle;
	return j.found;
}

static int limit_class(struct nl_sock *sk, int ifindex, const struct tc_limit *l,
		       int flags, struct nis_err *err)
{
	struct rtnl_class *c = rtnl_class_alloc();
	uint64_t burst = l->burst;
	int rc;

	if (!c)
		return nis_err_set(err, -ENOMEM, "out of memory");
	/* libnl's default bucket is about one MTU: with 64 KiB GSO packets
	 * that starves the class (0.87 of 1 Gbit/s measured). 10 ms of the
	 * rate, at least two GSO packets, gives 0.95 (the payload share). */
	if (!burst) {
		burst = l->rate / 100;
		if (burst < 2 * 65536)
			burst = 2 * 65536;
		if (burst > UINT32_MAX)
			burst = UINT32_MAX;
	}
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), TC_HTB_HANDLE);
	rtnl_tc_set_handle(TC_CAST(c), TC_HTB_CLASS);
	if ((rc = rtnl_tc_set_kind(TC_CAST(c), "htb")) < 0 ||
	    (rc = rtnl_htb_set_rate64(c, l->rate)) < 0 ||
	    (rc = rtnl_htb_set_ceil64(c, l->ceil ? l->ceil : l->rate)) < 0 ||
	    (rc = rtnl_htb_set_rbuffer(c, (uint32_t)burst)) < 0 ||
	    (rc = rtnl_htb_set_cbuffer(c, (uint32_t)burst)) < 0 ||
	    (rc = rtnl_class_add(sk, c, flags)) < 0)
		rc = tc_nl_fail(err, rc, "cannot set the HTB class 1:1");
	rtnl_class_put(c);
	return rc;
}

int tc_limit_add(struct nl_sock *sk, int ifindex, const struct tc_limit *l,
		 struct nis_err *err)
{
	struct rtnl_qdisc *q = qdisc_new(ifindex, TC_H_ROOT, TC_HTB_HANDLE, "htb");
	int rc;

	if (q && (rc = rtnl_htb_set_defcls(q, TC_H_MIN(TC_HTB_CLASS))) < 0) {
		rtnl_qdisc_put(q);
		return tc_nl_fail(err, rc, "htb default class");
	}
	if ((rc = qdisc_add(sk, q, NLM_F_EXCL, "cannot add the HTB root 1:", err)))
		return rc;
	if ((rc = limit_class(sk, ifindex, l, NLM_F_CREATE | NLM_F_EXCL, err)) ||
	    (rc = tc_leaf_set(sk, ifindex, l, false, err))) {
		tc_qdisc_delete(sk, ifindex, TC_H_ROOT, NULL);
		return rc;
	}
	return 0;
}

int tc_limit_change(struct nl_sock *sk, int ifindex, const struct tc_limit *l,
		    struct nis_err *err)
{
	int rc = limit_class(sk, ifindex, l, NLM_F_REPLACE, err);

	return rc ? rc : tc_leaf_set(sk, ifindex, l, true, err);
}

int tc_limit_check(struct nl_sock *sk, int ifindex, const struct tc_limit *l,
		   uint64_t *bytes, uint64_t *packets)
{
	struct nl_cache *cache = NULL;
	struct rtnl_class *c;
	uint64_t rate = 0;
	int rc = 1;

	*bytes = *packets = 0;
	if (rtnl_class_alloc_cache(sk, ifindex, &cache) < 0)
		return -EIO;
	if ((c = rtnl_class_get(cache, ifindex, TC_HTB_CLASS))) {
		const char *kind = rtnl_tc_get_kind(TC_CAST(c));

		if (kind && !strcmp(kind, "htb") &&
		    !rtnl_htb_get_rate64(c, &rate) && rate == l->rate) {
			rc = 0;
			*bytes = rtnl_tc_get_stat(TC_CAST(c), RTNL_TC_BYTES);
			*packets = rtnl_tc_get_stat(TC_CAST(c), RTNL_TC_PACKETS);
		}
		rtnl_class_put(c);
	}
	nl_cache_free(cache);
	return rc;
}

int tc_tbf_leaf_add(struct nl_sock *sk, int ifindex, uint32_t parent, uint32_t handle,
		    uint64_t rate, bool replace, struct nis_err *err)
{
	struct rtnl_qdisc *q = qdisc_new(ifindex, parent, handle, "tbf");
	uint64_t fast = rate * 10, bucket = rate / 500, limit = rate * TC_TBF_LATENCY_MS / 1000;

	if (fast > INT32_MAX)
		fast = INT32_MAX;
	/* 2 ms of the rate, 2 frames at least: smaller than the limit, so
	 * what it could not hold (a GSO aggregate at a low rate) it segments. */
	if (bucket < 2 * 1514)
		bucket = 2 * 1514;
	if (limit < bucket + 1514)
		limit = bucket + 1514;
	if (limit > INT32_MAX)
		limit = INT32_MAX;
	if (q) {
		rtnl_qdisc_tbf_set_rate(q, (int)fast, (int)bucket, 0);
		rtnl_qdisc_tbf_set_limit(q, (int)limit);
	}
	return qdisc_add(sk, q, replace ? NLM_F_REPLACE : NLM_F_EXCL, "cannot set the tbf leaf",
			 err);
}
