/* statistics_json.c - the snapshot as Mesos' ResourceStatistics JSON: one
 * object per container; optional fields only when their flag is on. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/containers.h"
#include "http/statistics_json.h"
#include "isolator/stats.h"

static json_t *tc_json(const struct iso_tc_stats *t)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "id", t->id,
			 "backlog", (json_int_t)t->backlog, "bytes", (json_int_t)t->bytes,
			 "drops", (json_int_t)t->drops, "overlimits", (json_int_t)t->overlimits,
			 "packets", (json_int_t)t->packets, "qlen", (json_int_t)t->qlen,
			 "ratebps", (json_int_t)t->ratebps, "ratepps", (json_int_t)t->ratepps,
			 "requeues", (json_int_t)t->requeues);
}

/* The fields of Mesos' IpStatistics, IcmpStatistics, TcpStatistics and
 * UdpStatistics (include/mesos/mesos.proto): the kernel writes more
 * (Ip: OutTransmits, Icmp: OutRateLimit*, Udp: MemErrors), which Mesos'
 * strict parser would refuse. */
static const char *const snmp_ip[] = { "Forwarding", "DefaultTTL", "InReceives",
	"InHdrErrors", "InAddrErrors", "ForwDatagrams", "InUnknownProtos", "InDiscards",
	"InDelivers", "OutRequests", "OutDiscards", "OutNoRoutes", "ReasmTimeout",
	"ReasmReqds", "ReasmOKs", "ReasmFails", "FragOKs", "FragFails", "FragCreates", NULL };
static const char *const snmp_icmp[] = { "InMsgs", "InErrors", "InCsumErrors",
	"InDestUnreachs", "InTimeExcds", "InParmProbs", "InSrcQuenchs", "InRedirects",
	"InEchos", "InEchoReps", "InTimestamps", "InTimestampReps", "InAddrMasks",
	"InAddrMaskReps", "OutMsgs", "OutErrors", "OutDestUnreachs", "OutTimeExcds",
	"OutParmProbs", "OutSrcQuenchs", "OutRedirects", "OutEchos", "OutEchoReps",
	"OutTimestamps", "OutTimestampReps", "OutAddrMasks", "OutAddrMaskReps", NULL };
static const char *const snmp_tcp[] = { "RtoAlgorithm", "RtoMin", "RtoMax", "MaxConn",
	"ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets", "CurrEstab", "InSegs",
	"OutSegs", "RetransSegs", "InErrs", "OutRsts", "InCsumErrors", NULL };
static const char *const snmp_udp[] = { "InDatagrams", "NoPorts", "InErrors",
	"OutDatagrams", "RcvbufErrors", "SndbufErrors", "InCsumErrors", "IgnoredMulti", NULL };

static bool listed(const char *const *names, const char *key)
{
	for (; *names; names++)
		if (!strcmp(*names, key))
			return true;
	return false;
}

/* {"ip_stats": {...}, "icmp_stats": {...}, "tcp_stats": {...}, "udp_stats": {...}} */
static json_t *snmp_json(const struct iso_stats *s)
{
	static const struct { const char *group, *name; const char *const *fields; } groups[] = {
		{ "Ip", "ip_stats", snmp_ip }, { "Icmp", "icmp_stats", snmp_icmp },
		{ "Tcp", "tcp_stats", snmp_tcp }, { "Udp", "udp_stats", snmp_udp } };
	json_t *o = json_object();

	for (size_t g = 0; o && g < 4; g++) {
		json_t *grp = json_object();
		for (size_t i = 0; grp && i < s->nsnmp; i++)
			if (!strcmp(s->snmp[i].group, groups[g].group) &&
			    listed(groups[g].fields, s->snmp[i].key))
				json_object_set_new(grp, s->snmp[i].key,
						    json_integer(s->snmp[i].value));
		json_object_set_new(o, groups[g].name, grp);
	}
	return o;
}

static void set_u64(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, json_integer((json_int_t)v));
}

/* Mesos' HTB config: net_DIR_rate_limit; net_DIR_burst_rate_limit (the
 * ceil, only above the rate) and net_DIR_burst_size, when there are. */
static void limit(json_t *o, const char *dir, const struct iso_opt_u64 *rate, uint64_t ceil,
		  uint64_t burst)
{
	char k[32];

	if (!rate->set)
		return;
	snprintf(k, sizeof(k), "net_%s_rate_limit", dir);
	set_u64(o, k, rate->v);
	snprintf(k, sizeof(k), "net_%s_burst_rate_limit", dir);
	if (ceil)
		set_u64(o, k, ceil);
	snprintf(k, sizeof(k), "net_%s_burst_size", dir);
	if (burst)
		set_u64(o, k, burst);
}

/* ResourceStatistics.RateStatistics; a series with fewer than two
 * samples is left out, as Mesos does. */
static json_t *rates_json(const struct iso_stats *s, const struct iso_snapshot *snap)
{
	static const char *const names[ISO_RATE_KINDS] = {
		"rx_rate", "rx_packet_rate", "rx_drop_rate", "rx_error_rate",
		"tx_rate", "tx_packet_rate", "tx_drop_rate", "tx_error_rate" };
	json_t *o = json_object();

	for (int k = 0; o && k < ISO_RATE_KINDS; k++) {
		const struct iso_pct *p = &s->rates[k];
		if (p->set)
			json_object_set_new(o, names[k], json_pack(
				"{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				"min", (json_int_t)p->min, "max", (json_int_t)p->max,
				"p50", (json_int_t)p->p50, "p90", (json_int_t)p->p90,
				"p95", (json_int_t)p->p95, "p99", (json_int_t)p->p99,
				"p999", (json_int_t)p->p999, "p9999", (json_int_t)p->p9999,
				"samples", (json_int_t)p->samples));
	}
	json_object_set_new(o, "sampling_window_secs", json_real(snap->rate_window));
	json_object_set_new(o, "sampling_interval_secs", json_real(snap->rate_interval));
	return o;
}

/* Mesos' optional extras, each when its flag is on; the socket counts and
 * RTTs are doubles in mesos.proto, and the RTTs are left out with no
 * socket to take them from. */
static void extras(json_t *o, const struct iso_stats *s, const struct iso_snapshot *snap)
{
	if (s->has_sockstat) {
		json_object_set_new(o, "net_tcp_active_connections",
				    json_real((double)s->tcp_active));
		json_object_set_new(o, "net_tcp_time_wait_connections",
				    json_real((double)s->tcp_time_wait));
	}
	if (s->has_rtt) {
		json_object_set_new(o, "net_tcp_rtt_microsecs_p50", json_real(s->rtt_p50));
		json_object_set_new(o, "net_tcp_rtt_microsecs_p90", json_real(s->rtt_p90));
		json_object_set_new(o, "net_tcp_rtt_microsecs_p95", json_real(s->rtt_p95));
		json_object_set_new(o, "net_tcp_rtt_microsecs_p99", json_real(s->rtt_p99));
	}
	if (s->has_snmp)
		json_object_set_new(o, "net_snmp_statistics", snmp_json(s));
	if (s->has_rates)
		json_object_set_new(o, "net_rate_statistics", rates_json(s, snap));
}

static json_t *statistics(const struct iso_stats *s, const struct iso_snapshot *snap)
{
	json_t *o = json_object(), *tc = json_array();

	json_object_set_new(o, "timestamp", json_real(snap->timestamp));
	set_u64(o, "net_rx_bytes", s->rx_bytes);
	set_u64(o, "net_rx_dropped", s->rx_dropped);
	set_u64(o, "net_rx_errors", s->rx_errors);
	set_u64(o, "net_rx_packets", s->rx_packets);
	set_u64(o, "net_tx_bytes", s->tx_bytes);
	set_u64(o, "net_tx_dropped", s->tx_dropped);
	set_u64(o, "net_tx_errors", s->tx_errors);
	set_u64(o, "net_tx_packets", s->tx_packets);
	limit(o, "tx", &s->egress, s->egress_ceil, s->egress_burst);
	limit(o, "rx", &s->ingress, s->ingress_ceil, s->ingress_burst);
	if (s->has_ephemeral)
		json_object_set_new(o, "net_ephemeral_ports",
				    json_pack("{s:I, s:I}", "begin", (json_int_t)s->eph_begin,
					      "end", (json_int_t)s->eph_end));
	for (int i = 0; i < s->ntc; i++)
		json_array_append_new(tc, tc_json(&s->tc[i]));
	if (json_array_size(tc))	/* Mesos leaves an empty repeated field out */
		json_object_set_new(o, "net_traffic_control_statistics", tc);
	else
		json_decref(tc);
	extras(o, s, snap);
	return o;
}

/* Mesos always names the executor; ours default to the container. */
static json_t *entry(const struct iso_stats *s, const struct iso_snapshot *snap)
{
	const struct iso_labels *l = &s->labels;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}",
			 "executor_id", l->executor_id[0] ? l->executor_id : s->id,
			 "executor_name", l->executor_name, "framework_id", l->framework_id,
			 "source", l->source, "container_id", s->id,
			 "statistics", statistics(s, snap));
}

void http_snapshot_scope(struct iso_snapshot *s, const struct http_scope *scope)
{
	size_t kept = 0;

	if (!scope)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (!http_scope_sees(scope, s->c[i].id)) {
			free(s->c[i].snmp);
			free(s->c[i].acct);
			continue;
		}
		s->c[kept++] = s->c[i];	/* an exact overlap when kept == i: allowed */
	}
	s->n = kept;
}

void http_statistics_json(struct http_req *req, struct http_resp *resp)
{
	struct nis_err err = { "" };
	struct iso_snapshot snap;
	json_t *arr;

	if (iso_agent_snapshot(req->app, NULL, false, &snap, &err)) {
		http_error(resp, 500, "internal", "%s", err.msg);
		return;
	}
	http_snapshot_scope(&snap, req->scope);
	arr = json_array();
	for (size_t i = 0; arr && i < snap.n; i++)
		json_array_append_new(arr, entry(&snap.c[i], &snap));
	iso_snapshot_free(&snap);
	http_json(resp, 200, arr);
}
