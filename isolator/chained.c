/* chained.c - attach, detach and resume a chained container (chained.h).
 * What is ours is told apart by name and handle: the guard filter
 * (prio 1, "netisol_chain"), the counting filters (prio 2, "netisol_acct"),
 * htb 1: at a root, and clsact only if we added it. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/pkt_sched.h>
#include <stdio.h>
#include <string.h>

#include "acct/meter.h"
#include "common/log.h"
#include "isolator/chained.h"
#include "isolator/datapath.h"
#include "tc/bpf.h"
#include "tc/chainguard.h"
#include "tc/link.h"
#include "tc/nl.h"
#include "tc/police.h"
#include "tc/qdisc.h"

int iso_chain_parse(const char *address, const char *mac, struct iso_chain *ch,
		    struct nis_err *err)
{
	char ip[INET_ADDRSTRLEN];
	unsigned len, m[6];
	int used = 0;

	if (!address || sscanf(address, "%15[0-9.]/%u%n", ip, &len, &used) != 2 ||
	    address[used] || len < 1 || len > 32 || inet_pton(AF_INET, ip, &ch->ip) != 1)
		return nis_err_set(err, -EINVAL, "chained.address '%s' must be an IPv4 "
				   "address/prefix such as 10.88.0.5/16", address ? address : "");
	used = 0;
	if (!mac || sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%n", &m[0], &m[1], &m[2], &m[3], &m[4],
			   &m[5], &used) != 6 || mac[used] || (m[0] & 1) ||
	    !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return nis_err_set(err, -EINVAL, "chained.mac '%s' must be a unicast MAC such "
				   "as aa:bb:cc:dd:ee:ff", mac ? mac : "");
	for (int i = 0; i < 6; i++)
		ch->mac[i] = (uint8_t)m[i];
	ch->prefixlen = (int)len;
	ch->on = true;
	return 0;
}

void iso_chain_format(const struct iso_chain *ch, char *addr, size_t alen, char *mac,
		      size_t mlen)
{
	char ip[INET_ADDRSTRLEN];
	const uint8_t *m = ch->mac;

	inet_ntop(AF_INET, &ch->ip, ip, sizeof(ip));
	snprintf(addr, alen, "%s/%d", ip, ch->prefixlen);
	snprintf(mac, mlen, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* htb 1: at ifindex's root: ours (a chained check saw no root qdisc). */
static bool ours_htb(struct nl_sock *sk, int ifindex)
{
	char kind[16];
	uint32_t handle = 0;

	return tc_qdisc_kind(sk, ifindex, TC_H_ROOT, kind, sizeof(kind), &handle) == 1 &&
	       !strcmp(kind, "htb") && handle == TC_HTB_HANDLE;
}

/* No root qdisc but the device's default (handle 0:) where a limit goes. */
static int root_free(struct nl_sock *sk, int ifindex, const char *what, struct nis_err *err)
{
	char kind[16];
	uint32_t handle = 0;
	int rc = tc_qdisc_kind(sk, ifindex, TC_H_ROOT, kind, sizeof(kind), &handle);

	if (rc < 0)
		return nis_err_set(err, rc, "cannot read the qdiscs of %s", what);
	if (rc == 1 && handle)
		return nis_err_set(err, -EALREADY, "%s already has a root qdisc (%s %x:) that "
				   "is not netisol's: its limit cannot go there", what, kind,
				   handle >> 16);
	return 0;
}

int iso_chain_plan(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err)
{
	char kind[16], what[64];
	uint32_t handle;
	int rc;

	if ((rc = tc_link_named(dp->sk, ct->veth, &ct->veth_ifindex, kind, sizeof(kind), NULL)))
		return nis_err_set(err, rc, "no host veth %s in the agent's network namespace",
				   ct->veth);
	if (strcmp(kind, "veth"))
		return nis_err_set(err, -EINVAL, "host_veth %s is a%s %s, not a veth", ct->veth,
				   kind[0] ? "" : " plain", kind[0] ? kind : "device");
	rc = tc_qdisc_kind(dp->sk, ct->veth_ifindex, TC_H_INGRESS, kind, sizeof(kind), &handle);
	if (rc < 0)
		return nis_err_set(err, rc, "cannot read the qdiscs of %s", ct->veth);
	if (rc == 1 && strcmp(kind, "clsact"))
		return nis_err_set(err, -EALREADY, "host veth %s has an %s qdisc (the bandwidth "
				   "plugin's?): netisol shapes chained containers itself, so the "
				   "bandwidth plugin must not be in the same chain", ct->veth, kind);
	ct->chain.own_clsact = rc == 0;
	snprintf(what, sizeof(what), "host veth %s", ct->veth);
	return ct->ingress.set ? root_free(dp->sk, ct->veth_ifindex, what, err) : 0;
}

/* The inside of the namespace. */
static int check(struct iso_dp_ct *ct, struct iso_opt_u64 eg, struct nis_err *err)
{
	char what[PATH_MAX + 32];
	int rc = tc_link_ifindex(ct->nsk, ct->ifname, &ct->ct_eth0, NULL);

	if (rc)
		return nis_err_set(err, rc, "no interface %s in %s", ct->ifname, ct->netns);
	snprintf(what, sizeof(what), "%s in %s", ct->ifname, ct->netns);
	return eg.set ? root_free(ct->nsk, ct->ct_eth0, what, err) : 0;
}

/* clsact on the host veth where the plan saw none (then it is ours). */
static int clsact(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err)
{
	int rc;

	if (!ct->chain.own_clsact)
		return 0;
	if ((rc = tc_qdisc_clsact_add(dp->sk, ct->veth_ifindex, false, err)))
		ct->chain.own_clsact = false;	/* someone's since: not ours to remove */
	return rc;
}

/* The agent's one guard program, loaded for the first chained container. */
static int guard_attach(struct iso_dp *dp, struct iso_dp_ct *ct, bool replace,
			struct nis_err *err)
{
	struct tc_chainguard g = { .ip = ct->chain.ip, .slot = ct->slot };
	int rc;

	if (dp->chain.prog < 0 && (rc = tc_chainguards_open(&dp->chain, dp->guard.police, err)))
		return rc;
	memcpy(g.mac, ct->chain.mac, sizeof(g.mac));
	return tc_chainguard_attach(dp->sk, &dp->chain, ct->veth_ifindex, &g, replace, err);
}

/* Ours, on both ends (an HTB where it has, or wanted, a limit); inside
 * only while the namespace is still its own. */
static void remove_ours(struct iso_dp *dp, struct iso_dp_ct *ct, bool eg, bool in)
{
	int v = ct->veth_ifindex;

	if (v > 0) {
		tc_chainguard_detach(dp->sk, &dp->chain, v, NULL);
		tc_acct_detach(dp->sk, v, ACCT_PRIO_CHAINED);
		if (in && ours_htb(dp->sk, v))
			tc_qdisc_delete(dp->sk, v, TC_H_ROOT, NULL);
		if (ct->chain.own_clsact)
			tc_qdisc_delete(dp->sk, v, TC_H_INGRESS, NULL);
	}
	if (eg && ct->nsk && ct->ct_eth0 > 0 && !ct->ns_gone && iso_ext_present(ct) == 1 &&
	    ours_htb(ct->nsk, ct->ct_eth0))
		tc_qdisc_delete(ct->nsk, ct->ct_eth0, TC_H_ROOT, NULL);
}

static void unhook(struct iso_dp *dp, struct iso_dp_ct *ct, bool eg, bool in)
{
	remove_ours(dp, ct, eg, in);
	if (dp->guard.police >= 0 && ct->slot)
		tc_police_set(dp->guard.police, ct->slot, 0, 0, NULL);
	if (dp->fast_on && ct->slot)
		tc_fast_clear_ct(&dp->fast, ct->slot);
	iso_dp_release(ct);
	iso_ids_put(&dp->slots, ct->slot);
	ct->slot = 0;
}

void iso_chain_unhook(struct iso_dp *dp, struct iso_dp_ct *ct)
{
	unhook(dp, ct, ct->egress.set, ct->ingress.set);
}

#define STEP(n, call) ((rc = iso_dp_injected(n, err)) || (rc = (call)))

static void no_handles(struct iso_dp_ct *ct)
{
	ct->diag_fd = ct->sockstat_fd = ct->snmp_fd = ct->range_fd = -1;
	ct->meter = NULL;
	ct->nblocks = 0;
}

int iso_chain_isolate(struct iso_dp *dp, struct iso_dp_ct *ct, const struct iso_flags *f,
		      struct nis_err *err)
{
	struct iso_opt_u64 eg = ct->egress, in = ct->ingress;
	int rc;

	no_handles(ct);
	ct->egress.set = ct->ingress.set = false;
	ct->ct_eth0 = 0;
	if (!(ct->slot = iso_ids_take(&dp->slots, 1)))
		return nis_err_set(err, -ENOSPC, "no free container slot");
	if ((rc = tc_netns_nl_open(ct->nsfd, &ct->nsk, err)) || (rc = check(ct, eg, err))) {
		ct->veth_ifindex = ct->ct_eth0 = 0;	/* nothing of theirs is touched */
		unhook(dp, ct, false, false);
		return rc;
	}
	if (STEP(1, clsact(dp, ct, err)) ||
	    STEP(2, guard_attach(dp, ct, false, err)) ||
	    STEP(3, acct_meter_attach_chained(dp->acct, ct->veth, ct->veth_ifindex, &ct->meter,
					      err)) ||
	    STEP(4, iso_dp_set_limits(dp, ct, eg, in, f, err)) ||
	    STEP(5, iso_dp_open_stat_fds(ct, f, err))) {
		log_msg(LOG_WARN, "chained %s on %s failed, rolling back: %s", ct->netns,
			ct->veth, err->msg);
		unhook(dp, ct, eg.set, in.set);
		return rc;
	}
	return 0;
}

/* clsact back if it went (then it is ours); someone's ingress qdisc: no. */
static int readd_clsact(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err)
{
	char kind[16];
	uint32_t handle;
	int rc = tc_qdisc_kind(dp->sk, ct->veth_ifindex, TC_H_INGRESS, kind, sizeof(kind),
			       &handle);

	if (rc < 0)
		return nis_err_set(err, rc, "cannot read the qdiscs of %s", ct->veth);
	if (rc == 1 && strcmp(kind, "clsact"))
		return nis_err_set(err, -EALREADY, "host veth %s has an %s qdisc now", ct->veth,
				   kind);
	if (rc == 1)
		return 0;		/* whoever's it is, as recorded */
	ct->chain.own_clsact = true;
	return clsact(dp, ct, err);
}

int iso_chain_resume(struct iso_dp *dp, struct iso_dp_ct *ct, const struct iso_flags *f,
		     struct nis_err *err)
{
	struct iso_opt_u64 in = ct->ingress;
	uint32_t slot = ct->slot;
	int rc;

	no_handles(ct);
	if (!iso_ids_reserve(&dp->slots, slot)) {
		ct->slot = 0;		/* not ours to give back */
		return nis_err_set(err, -EEXIST, "slot %u is taken", slot);
	}
	if ((rc = tc_netns_nl_open(ct->nsfd, &ct->nsk, err)) ||
	    (rc = tc_link_ifindex(ct->nsk, ct->ifname, &ct->ct_eth0, err)) ||
	    (rc = iso_dp_open_stat_fds(ct, f, err)) ||
	    (rc = readd_clsact(dp, ct, err)))
		return rc;
	/* The limits changed in place where they are, added where they went;
	 * the meter is set before the guard that reads it is replaced. */
	if (in.set && !ours_htb(dp->sk, ct->veth_ifindex))
		ct->ingress.set = false;
	if ((rc = iso_dp_set_limits(dp, ct, ct->egress, in, f, err)) ||
	    (rc = guard_attach(dp, ct, true, err)))
		return rc;
	/* Counting is not worth a running container: without it, it runs on. */
	if ((rc = acct_meter_resume_chained(dp->acct, ct->veth, ct->veth_ifindex, &ct->meter,
					    err)))
		log_msg(LOG_ERROR, "%s: its traffic is not counted: %s", ct->netns, err->msg);
	return 0;
}

void iso_chain_finish(struct iso_dp *dp, struct iso_dp_ct *ct)
{
	int now = 0;

	/* Gone, or another veth of its name since (the recorded ifindex, 0 in
	 * a "preparing" row, says which): not ours. */
	if (tc_link_ifindex(dp->sk, ct->veth, &now, NULL) ||
	    (ct->veth_ifindex && now != ct->veth_ifindex))
		now = 0;
	ct->veth_ifindex = now;
	if (ct->nsfd >= 0 && !ct->nsk && tc_netns_nl_open(ct->nsfd, &ct->nsk, NULL))
		ct->nsk = NULL;
	if (ct->nsk && !ct->ct_eth0 && tc_link_ifindex(ct->nsk, ct->ifname, &ct->ct_eth0, NULL))
		ct->ct_eth0 = 0;
	remove_ours(dp, ct, ct->egress.set, ct->ingress.set);
	iso_dp_release(ct);
}
