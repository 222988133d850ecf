/* stats.c - the snapshot behind /monitor/statistics.json and /metrics. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "acct/collector.h"
#include "acct/meter.h"
#include "common/clock.h"
#include "isolator/agent.h"
#include "isolator/stats.h"
#include "tc/police.h"
#include "tc/qdisc.h"
#include "tc/sockdiag.h"
#include "tc/stats.h"

struct veth_index {
	int ifindex;
	size_t pos;
};

/* Containers of the snapshot, with the pieces the callbacks need. */
struct collect {
	struct iso_stats *s;
	struct iso_container **c;
	size_t n;
	struct veth_index *idx;	/* sorted by ifindex: one lookup per dumped object */
	int eth0;		/* the container being read (qdisc dump in its netns) */
	int police;		/* the egress meters, or -1 */
	size_t cur;
	int host_ifindex;	/* the public interface */
	struct iso_stats *host;
	bool want_host, has_host;
};

static int idx_cmp(const void *x, const void *y)
{
	int a = ((const struct veth_index *)x)->ifindex, b = ((const struct veth_index *)y)->ifindex;

	return a < b ? -1 : a > b;
}

/* The dumps list every link and qdisc of the host: a bsearch per object
 * keeps a scrape O(N log N), not O(N^2), in the number of containers. */
static struct iso_stats *by_veth(struct collect *k, int ifindex)
{
	struct veth_index key = { ifindex, 0 }, *hit;

	hit = k->n ? bsearch(&key, k->idx, k->n, sizeof(*k->idx), idx_cmp) : NULL;
	return hit ? &k->s[hit->pos] : NULL;
}

static void link_counters(struct iso_stats *s, const struct tc_link_stats *l)
{
	s->rx_bytes = l->rx_bytes, s->rx_packets = l->rx_packets;
	s->rx_errors = l->rx_errors, s->rx_dropped = l->rx_dropped;
	s->tx_bytes = l->tx_bytes, s->tx_packets = l->tx_packets;
	s->tx_errors = l->tx_errors, s->tx_dropped = l->tx_dropped;
}

/* The container's own eth0, as Mesos reads it: the fast path hands packets
 * to it past the host veth, whose counters then miss them (the kernel
 * counts them on eth0's rx, frame bytes as the veth does). */
static void on_ct_link(const struct tc_link_stats *l, void *arg)
{
	struct collect *k = arg;
	struct iso_stats *s = &k->s[k->cur];

	if (l->ifindex == k->eth0)
		link_counters(s, l);
}

/* The public interface, as the host sees it (no swap: rx is what it got). */
static void on_host_link(const struct tc_link_stats *l, void *arg)
{
	struct collect *k = arg;
	struct iso_stats *s = k->host;

	if (l->ifindex != k->host_ifindex)
		return;
	link_counters(s, l);
	k->has_host = true;
}

static void add_tc(struct iso_stats *s, const char *id, const struct tc_qdisc_stats *q)
{
	if (s->ntc >= 4)
		return;
	s->tc[s->ntc++] = (struct iso_tc_stats){ id, q->backlog, q->bytes, q->drops,
		q->overlimits, q->packets, q->qlen, q->rate_bps, q->rate_pps, q->requeues };
}

static void on_host_qdisc(const struct tc_qdisc_stats *q, void *arg)
{
	struct iso_stats *s = by_veth(arg, q->ifindex);

	if (s && q->handle == TC_HTB_HANDLE)
		add_tc(s, "ingress_bw_limit", q);
	else if (s && q->handle == TC_LEAF_HANDLE)
		add_tc(s, "ingress_bloat_reduction", q);
}

static void on_ct_qdisc(const struct tc_qdisc_stats *q, void *arg)
{
	struct collect *k = arg;
	struct iso_stats *s = &k->s[k->cur];

	if (q->ifindex != k->eth0)
		return;
	if (q->handle == TC_HTB_HANDLE)
		add_tc(s, "bw_limit", q);
	else if (q->handle == TC_LEAF_HANDLE)
		add_tc(s, "bloat_reduction", q);
}

static void read_rtts(struct iso_dp_ct *ct, struct iso_stats *s)
{
	uint32_t *v;
	size_t n;

	if (tc_tcp_rtts(ct->diag_fd, &v, &n, NULL))
		return;
	if (!n) {		/* Mesos leaves them out with no socket to take */
		free(v);
		return;
	}
	iso_sort_u32(v, n);
	s->rtt_p50 = iso_percentile(v, n, 50);
	s->rtt_p90 = iso_percentile(v, n, 90);
	s->rtt_p95 = iso_percentile(v, n, 95);
	s->rtt_p99 = iso_percentile(v, n, 99);
	s->has_rtt = true;
	free(v);
}

static struct iso_tc_stats *tc_entry(struct iso_stats *s, const char *id)
{
	for (int j = 0; j < s->ntc; j++)
		if (!strcmp(s->tc[j].id, id))
			return &s->tc[j];
	return NULL;
}

/* The limits' rates the watch sampled (the kernel's estimators are off). */
static void rates_of(const struct iso_dp_ct *ct, struct iso_stats *s)
{
	const struct { const char *id; const struct iso_rate *r; } limits[] = {
		{ "bw_limit", &ct->eg_rate }, { "ingress_bw_limit", &ct->in_rate } };

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct iso_tc_stats *e = tc_entry(s, limits[i].id);

		if (e && !e->ratebps) {
			e->ratebps = limits[i].r->bps;
			e->ratepps = limits[i].r->pps;
		}
	}
}

/* bw_limit is what shapes the container: the HTB on its eth0 paces it, but
 * the tenant may delete that; the host's meter enforces the cap, and its
 * drops count too. Without the HTB (deleted, not yet put back) the entry
 * still shows the meter's drops. */
static void police_of(const struct collect *k, const struct iso_dp_ct *ct, struct iso_stats *s)
{
	struct tc_qdisc_stats none = { 0 };
	struct iso_tc_stats *e;
	uint64_t bytes, packets;

	if (!ct->egress.set || k->police < 0)
		return;
	if (!(e = tc_entry(s, "bw_limit"))) {
		add_tc(s, "bw_limit", &none);
		e = tc_entry(s, "bw_limit");
	}
	if (e) {
		tc_police_dropped(k->police, ct->slot, &bytes, &packets);
		e->drops += packets;
	}
}

/* What only the container's namespace knows, through handles opened
 * there at isolate time. */
static void read_inside(struct collect *k, size_t i)
{
	struct iso_dp_ct *ct = &k->c[i]->dp;
	struct iso_stats *s = &k->s[i];
	static __thread char buf[16384];

	k->cur = i;
	k->eth0 = ct->ct_eth0;
	tc_link_stats_dump(ct->nsk, on_ct_link, k, NULL);
	if (ct->egress.set)
		tc_qdisc_stats_dump(ct->nsk, on_ct_qdisc, k, NULL);
	if (ct->sockstat_fd >= 0 && !iso_read_fd(ct->sockstat_fd, buf, sizeof(buf)))
		s->has_sockstat = !iso_parse_sockstat(buf, &s->tcp_active, &s->tcp_time_wait);
	if (ct->snmp_fd >= 0 && !iso_read_fd(ct->snmp_fd, buf, sizeof(buf)))
		s->has_snmp = !iso_parse_snmp(buf, &s->snmp, &s->nsnmp);
	if (ct->diag_fd >= 0)
		read_rtts(ct, s);
	police_of(k, ct, s);
	rates_of(ct, s);
}

static int stats_cmp(const void *x, const void *y)
{
	return strcmp(((const struct iso_stats *)x)->id, ((const struct iso_stats *)y)->id);
}

/* What the container's HTB classes have, its block, its rate series. */
static void limits_of(struct iso_agent *a, const struct iso_container *c, struct iso_stats *s)
{
	const struct iso_flags *f = &a->cfg->flags;
	struct tc_limit eg, in;

	s->egress = c->dp.egress;
	s->ingress = c->dp.ingress;
	iso_dp_limits(&a->dp, &c->dp, f, &eg, &in);
	s->egress_ceil = eg.ceil, s->egress_burst = eg.burst;
	s->ingress_ceil = in.ceil, s->ingress_burst = in.burst;
	if ((s->has_ephemeral = !c->dp.chain.on))
		s->eph_begin = c->dp.ephemeral.begin, s->eph_end = c->dp.ephemeral.end;
	if ((s->has_rates = f->network_enable_rate_statistics))
		iso_rates_summary(&c->dp.rates, nis_mono_s(),
				  (double)f->network_rate_statistics_window.v / 1e9, s->rates);
}

static int pick(struct iso_agent *a, const char *only, struct collect *k, struct nis_err *err)
{
	size_t cap = a->count ? a->count : 1;

	k->s = calloc(cap, sizeof(*k->s));
	k->c = calloc(cap, sizeof(*k->c));
	k->idx = calloc(cap, sizeof(*k->idx));
	if (!k->s || !k->c || !k->idx)
		return nis_err_set(err, -ENOMEM, "out of memory");
	for (struct iso_container *c = a->list; c; c = c->next) {
		if (only && strcmp(only, c->id))
			continue;
		struct iso_stats *s = &k->s[k->n];
		k->idx[k->n] = (struct veth_index){ c->dp.veth_ifindex, k->n };
		k->c[k->n++] = c;
		memcpy(s->id, c->id, sizeof(s->id));
		s->labels = c->labels;
		snprintf(s->ifname, sizeof(s->ifname), "%s", c->dp.ifname);
		limits_of(a, c, s);
		acct_meter_totals(c->dp.meter, &s->acct, &s->nacct);
	}
	if (only && !k->n)
		return nis_err_set(err, -ENOENT, "no container '%s'", only);
	if (k->n)
		qsort(k->idx, k->n, sizeof(*k->idx), idx_cmp);
	return 0;
}

/* The host's qdiscs (the ingress limits). The reaper deletes veths while
 * a scrape runs, so a dump that crossed a change (NLM_F_DUMP_INTR: it may
 * have skipped one) is taken again, from scratch. */
static int host_dumps(struct iso_agent *a, struct collect *k, bool ingress,
		      struct nis_err *err)
{
	int rc = 0;

	for (int tries = 0; ingress && tries < 8; tries++) {
		for (size_t i = 0; i < k->n; i++)
			k->s[i].ntc = 0;
		if ((rc = tc_qdisc_stats_dump(a->dp.sk, on_host_qdisc, k, err)) != -EINTR)
			break;
	}
	return rc;
}

static int collect_locked(struct iso_agent *a, struct collect *k, struct nis_err *err)
{
	bool any_ingress = false;
	int rc;

	for (size_t i = 0; i < k->n; i++)
		any_ingress |= k->c[i]->dp.ingress.set;
	if ((rc = host_dumps(a, k, any_ingress, err)))
		return rc;
	for (size_t i = 0; i < k->n; i++)
		read_inside(k, i);
	/* A dump interrupted by a change may have skipped the link: again. */
	for (int tries = 0; k->want_host && tries < 8 && !k->has_host; tries++)
		if (tc_link_stats_dump(a->dp.sk, on_host_link, k, NULL) != -EINTR)
			break;
	return 0;
}

int iso_agent_snapshot(struct iso_agent *a, const char *only, bool with_host,
		       struct iso_snapshot *out, struct nis_err *err)
{
	struct collect k = { .police = a->dp.guard.police, .host_ifindex = a->cfg->host.ifindex,
			     .host = &out->host, .want_host = with_host };
	char why[256];
	struct timeval tv;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->host.ifname, sizeof(out->host.ifname), "%s", a->cfg->host.name);
	pthread_mutex_lock(&a->lock);
	gettimeofday(&tv, NULL);
	if (!(rc = pick(a, only, &k, err)))
		rc = collect_locked(a, &k, err);
	out->free_blocks = pm_alloc_available(a->eph);
	out->capacity = a->cfg->max_containers;
	out->destroying = a->reaper ? iso_reaper_pending(a->reaper) : 0;
	acct_pass_stats(a->acct, &out->acct_pass_seconds, &out->acct_passes);
	iso_ckpt_health(a->ckpt, why, sizeof(why), &out->ckpt_write_failures);
	pthread_mutex_unlock(&a->lock);
	free(k.c);
	free(k.idx);
	out->c = k.s;
	out->n = k.n;
	out->has_host = k.has_host;
	out->timestamp = (double)tv.tv_sec + tv.tv_usec / 1e6;
	out->rate_window = (double)a->cfg->flags.network_rate_statistics_window.v / 1e9;
	out->rate_interval = (double)a->cfg->flags.network_rate_statistics_interval.v / 1e9;
	if (rc) {
		iso_snapshot_free(out);
		return rc;
	}
	qsort(out->c, out->n, sizeof(*out->c), stats_cmp);
	return 0;
}

void iso_snapshot_free(struct iso_snapshot *s)
{
	for (size_t i = 0; s->c && i < s->n; i++) {
		free(s->c[i].snmp);
		free(s->c[i].acct);
	}
	free(s->c);
	s->c = NULL;
	s->n = 0;
}
