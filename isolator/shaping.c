/* shaping.c - a container's limits: the HTB on its eth0 (egress, pacing)
 * and on its host veth (ingress), and the host side of the egress cap,
 * the meter in its host veth's program (tc/police.h), which the container
 * cannot reach. A tenant's root may delete or replace its own qdiscs:
 * iso_dp_shaping_check finds that and puts them back. */
#include <errno.h>
#include <linux/pkt_sched.h>

#include "common/log.h"
#include "isolator/datapath.h"
#include "isolator/portblocks.h"
#include "tc/police.h"
#include "tc/qdisc.h"

#define TC_HTB_MIN_BURST (128u << 10)	/* tc/qdisc.c's least default burst */
#define POLICE_SLACK	 (64u << 10)	/* one GSO aggregate */

uint32_t iso_dp_burst(uint64_t burst, uint64_t rate)
{
	uint64_t most = rate > UINT32_MAX / ISO_BURST_MAX_S ? UINT32_MAX : rate * ISO_BURST_MAX_S;

	return (uint32_t)(burst < most ? burst : most);
}

/* base at rate: a ceil at or below the rate is no ceil. */
static struct tc_limit at_rate(const struct tc_limit *base, uint64_t rate)
{
	struct tc_limit l = *base;

	l.rate = rate;
	if (l.ceil && l.ceil <= l.rate)
		l.ceil = 0;
	l.burst = iso_dp_burst(l.burst, rate);
	return l;
}

static int set_limit(struct nl_sock *sk, int ifindex, const struct iso_opt_u64 *now,
		     const struct iso_opt_u64 *want, const struct tc_limit *base,
		     struct nis_err *err)
{
	struct tc_limit l;

	if (!want->set)
		return now->set ? tc_qdisc_delete(sk, ifindex, TC_H_ROOT, err) : 0;
	l = at_rate(base, want->v);
	if (!now->set)
		return tc_limit_add(sk, ifindex, &l, err);
	if (!tc_limit_change(sk, ifindex, &l, NULL))
		return 0;
	/* Its class is gone or not ours (a tenant's root on its own eth0):
	 * ours again, whatever is there. */
	tc_qdisc_delete(sk, ifindex, TC_H_ROOT, NULL);
	return tc_limit_add(sk, ifindex, &l, err);
}

/* The flag's ceil; the container's own burst, else the flag's; at_rate
 * clamps it. */
static struct tc_limit limit_of(const struct iso_dp *dp, const struct iso_opt_u64 *ceil,
				const struct iso_opt_u64 *own, const struct iso_opt_u64 *burst)
{
	struct tc_limit l = { .leaf = dp->leaf };

	if (ceil->set)
		l.ceil = ceil->v;
	if (own->set || burst->set)
		l.burst = iso_dp_burst(own->set ? own->v : burst->v, UINT32_MAX);
	return l;
}

static struct tc_limit egress_limit(const struct iso_dp *dp, const struct iso_dp_ct *ct,
				    const struct iso_flags *f)
{
	return limit_of(dp, &f->egress_ceil_limit, &ct->egress_burst, &f->egress_burst);
}

static struct tc_limit ingress_limit(const struct iso_dp *dp, const struct iso_dp_ct *ct,
				     const struct iso_flags *f)
{
	return limit_of(dp, &f->ingress_ceil_limit, &ct->ingress_burst, &f->ingress_burst);
}

void iso_dp_limits(const struct iso_dp *dp, const struct iso_dp_ct *ct,
		   const struct iso_flags *f, struct tc_limit *eg, struct tc_limit *in)
{
	struct tc_limit e = egress_limit(dp, ct, f), i = ingress_limit(dp, ct, f);

	*eg = ct->egress.set ? at_rate(&e, ct->egress.v) : (struct tc_limit){ 0 };
	*in = ct->ingress.set ? at_rate(&i, ct->ingress.v) : (struct tc_limit){ 0 };
}

int iso_dp_police_sync(struct iso_dp *dp, const struct iso_dp_ct *ct, const struct iso_flags *f,
		       struct nis_err *err)
{
	struct tc_limit eg = egress_limit(dp, ct, f);
	uint64_t rate = 0, burst = 0;

	if (dp->guard.police < 0)
		return 0;
	if (ct->egress.set) {
		rate = ct->egress.v > eg.ceil ? ct->egress.v : eg.ceil;
		burst = eg.burst ? eg.burst : rate / 100 > TC_HTB_MIN_BURST ? rate / 100
									 : TC_HTB_MIN_BURST;
		burst += POLICE_SLACK + rate / 20;
	}
	return tc_police_set(dp->guard.police, ct->slot, rate, burst, err);
}

int iso_dp_set_limits(struct iso_dp *dp, struct iso_dp_ct *ct, struct iso_opt_u64 egress,
		      struct iso_opt_u64 ingress, const struct iso_flags *f,
		      struct nis_err *err)
{
	struct tc_limit eg = egress_limit(dp, ct, f);
	struct tc_limit in = ingress_limit(dp, ct, f);
	struct iso_opt_u64 was = ct->egress;
	int rc;

	if ((rc = set_limit(ct->nsk, ct->ct_eth0, &ct->egress, &egress, &eg, err)))
		return nis_err_prefix(err, rc, "egress limit");
	ct->egress = egress;
	if ((rc = iso_dp_police_sync(dp, ct, f, err))) {
		set_limit(ct->nsk, ct->ct_eth0, &ct->egress, &was, &eg, NULL);
		ct->egress = was;
		return nis_err_prefix(err, rc, "egress limit");
	}
	/* The ingress limit's HTB is on the host veth: off the fast path first. */
	if (ingress.set && (rc = iso_dp_fast_sync(dp, ct, false, err)))
		return rc;
	if ((rc = set_limit(dp->sk, ct->veth_ifindex, &ct->ingress, &ingress, &in, err))) {
		iso_dp_fast_sync(dp, ct, true, NULL);
		return nis_err_prefix(err, rc, "ingress limit");
	}
	ct->ingress = ingress;
	return iso_dp_fast_sync(dp, ct, true, err);
}

/* A sample of a class's counters: the rate since the last one. */
static void sample(struct iso_rate *r, double now, int rc, uint64_t bytes, uint64_t packets)
{
	double dt = now - r->t;

	if (rc) {			/* no class (or not ours): no rate */
		*r = (struct iso_rate){ 0 };
		return;
	}
	if (r->t > 0 && dt > 0 && bytes >= r->bytes && packets >= r->packets) {
		r->bps = (uint64_t)((double)(bytes - r->bytes) / dt);
		r->pps = (uint64_t)((double)(packets - r->packets) / dt);
	}
	r->t = now, r->bytes = bytes, r->packets = packets;
}

int iso_dp_shaping_check(struct iso_dp *dp, struct iso_dp_ct *ct, const struct iso_flags *f,
			 double now)
{
	struct tc_limit eg = egress_limit(dp, ct, f), in = ingress_limit(dp, ct, f);
	struct nis_err err = { "" };
	uint64_t bytes, packets;
	int rc;

	if (ct->ingress.set) {
		in = at_rate(&in, ct->ingress.v);
		rc = tc_limit_check(dp->sk, ct->veth_ifindex, &in, &bytes, &packets);
		sample(&ct->in_rate, now, rc, bytes, packets);
	}
	if (!ct->egress.set || !ct->nsk)
		return 0;
	eg = at_rate(&eg, ct->egress.v);
	rc = tc_limit_check(ct->nsk, ct->ct_eth0, &eg, &bytes, &packets);
	sample(&ct->eg_rate, now, rc, bytes, packets);
	if (rc <= 0)
		return rc;
	tc_qdisc_delete(ct->nsk, ct->ct_eth0, TC_H_ROOT, NULL);
	if ((rc = tc_limit_add(ct->nsk, ct->ct_eth0, &eg, &err)))
		log_msg(LOG_WARN, "%s: cannot put its egress HTB back: %s", ct->netns, err.msg);
	return rc ? rc : 1;
}

/* One limit's class: 0 as set, 1 not (why says which). */
static int limit_verify(struct nl_sock *sk, int ifindex, struct tc_limit l, uint64_t rate,
			const char *where, char *why, size_t len)
{
	uint64_t bytes, packets;
	int rc;

	l = at_rate(&l, rate);
	if (!(rc = tc_limit_check(sk, ifindex, &l, &bytes, &packets)))
		return 0;
	if (rc < 0)
		snprintf(why, len, "cannot read the classes of %s: %s", where, strerror(-rc));
	else
		snprintf(why, len, "%s has no HTB class 1:1 at %llu bytes/s", where,
			 (unsigned long long)rate);
	return 1;
}

int iso_dp_shaping_verify(struct iso_dp *dp, const struct iso_dp_ct *ct,
			  const struct iso_flags *f, char *why, size_t len)
{
	char where[PATH_MAX + 64];

	if (ct->ingress.set) {
		snprintf(where, sizeof(where), "host veth %s", ct->veth);
		if (limit_verify(dp->sk, ct->veth_ifindex, ingress_limit(dp, ct, f), ct->ingress.v,
				 where, why, len))
			return 1;
	}
	if (!ct->egress.set || !ct->nsk)
		return 0;
	snprintf(where, sizeof(where), "%s in %s", ct->ifname, ct->netns);
	return limit_verify(ct->nsk, ct->ct_eth0, egress_limit(dp, ct, f), ct->egress.v, where,
			    why, len);
}
