/* statistics_json.c - the snapshot as Mesos' ResourceStatistics JSON: one
 * object per container; optional fields only when their flag is on. */
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

/* {"ip_stats": {...}, "icmp_stats": {...}, "tcp_stats": {...}, "udp_stats": {...}} */
static json_t *snmp_json(const struct iso_stats *s)
{
	static const char *const groups[][2] = { { "Ip", "ip_stats" }, { "Icmp", "icmp_stats" },
						 { "Tcp", "tcp_stats" }, { "Udp", "udp_stats" } };
	json_t *o = json_object();

	for (size_t g = 0; o && g < 4; g++) {
		json_t *grp = json_object();
		for (size_t i = 0; grp && i < s->nsnmp; i++)
			if (!strcmp(s->snmp[i].group, groups[g][0]))
				json_object_set_new(grp, s->snmp[i].key,
						    json_integer(s->snmp[i].value));
		json_object_set_new(o, groups[g][1], grp);
	}
	return o;
}

static void set_u64(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, json_integer((json_int_t)v));
}

static json_t *statistics(const struct iso_stats *s, double ts)
{
	json_t *o = json_object(), *tc = json_array();

	json_object_set_new(o, "timestamp", json_real(ts));
	set_u64(o, "net_rx_bytes", s->rx_bytes);
	set_u64(o, "net_rx_dropped", s->rx_dropped);
	set_u64(o, "net_rx_errors", s->rx_errors);
	set_u64(o, "net_rx_packets", s->rx_packets);
	set_u64(o, "net_tx_bytes", s->tx_bytes);
	set_u64(o, "net_tx_dropped", s->tx_dropped);
	set_u64(o, "net_tx_errors", s->tx_errors);
	set_u64(o, "net_tx_packets", s->tx_packets);
	if (s->egress.set)
		set_u64(o, "net_tx_rate_limit", s->egress.v);
	for (int i = 0; i < s->ntc; i++)
		json_array_append_new(tc, tc_json(&s->tc[i]));
	json_object_set_new(o, "net_traffic_control_statistics", tc);
	if (s->has_sockstat) {
		set_u64(o, "net_tcp_active_connections", s->tcp_active);
		set_u64(o, "net_tcp_time_wait_connections", s->tcp_time_wait);
	}
	if (s->has_rtt) {
		set_u64(o, "net_tcp_rtt_microsecs_p50", s->rtt_p50);
		set_u64(o, "net_tcp_rtt_microsecs_p90", s->rtt_p90);
		set_u64(o, "net_tcp_rtt_microsecs_p95", s->rtt_p95);
		set_u64(o, "net_tcp_rtt_microsecs_p99", s->rtt_p99);
	}
	if (s->has_snmp)
		json_object_set_new(o, "net_snmp_statistics", snmp_json(s));
	return o;
}

/* Mesos always names the executor; ours default to the container. */
static json_t *entry(const struct iso_stats *s, double ts)
{
	const struct iso_labels *l = &s->labels;

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}",
			 "executor_id", l->executor_id[0] ? l->executor_id : s->id,
			 "executor_name", l->executor_name, "framework_id", l->framework_id,
			 "source", l->source, "container_id", s->id,
			 "statistics", statistics(s, ts));
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

	if (iso_agent_snapshot(req->app, NULL, &snap, &err)) {
		http_error(resp, 500, "internal", "%s", err.msg);
		return;
	}
	http_snapshot_scope(&snap, req->scope);
	arr = json_array();
	for (size_t i = 0; arr && i < snap.n; i++)
		json_array_append_new(arr, entry(&snap.c[i], snap.timestamp));
	iso_snapshot_free(&snap);
	http_json(resp, 200, arr);
}
