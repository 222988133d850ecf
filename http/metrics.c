/* metrics.c - the snapshot as Prometheus families. Series are keyed by
 * container_id (never the veth name), so they survive agent restarts; the
 * container_network_* families also carry cAdvisor's id, name and image,
 * and a machine-wide series (id="/") for the public interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/metrics.h"
#include "http/server.h"
#include "http/statistics_json.h"
#include "isolator/stats.h"

void http_prom_escape(const char *in, char *out, size_t len)
{
	size_t n = 0;

	if (!len)
		return;
	for (; *in && n + 3 < len; in++) {
		unsigned char ch = (unsigned char)*in;

		/* The format escapes only these three; other control bytes
		 * (ESC, BEL: a terminal's commands) are dropped. */
		if ((ch < 0x20 && ch != '\n') || ch == 0x7f) {
			continue;
		} else if (*in == '\\' || *in == '"') {
			out[n++] = '\\';
			out[n++] = *in;
		} else if (*in == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

/* container_id="..", then executor_id, framework_id, and the pod's
 * namespace, pod and pod_uid (the names kubelet's cAdvisor uses) when set. */
static void labels(const struct iso_stats *s, char *out, size_t len)
{
	const char *opt[][2] = {
		{ "executor_id", s->labels.executor_id }, { "framework_id", s->labels.framework_id },
		{ "namespace", s->labels.k8s_namespace }, { "pod", s->labels.pod },
		{ "pod_uid", s->labels.pod_uid },
	};
	char v[2 * ISO_LABEL_MAX + 4];
	size_t n;

	http_prom_escape(s->id, v, sizeof(v));
	n = (size_t)snprintf(out, len, "container_id=\"%s\"", v);
	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]) && n < len; i++) {
		if (!opt[i][1][0])
			continue;
		http_prom_escape(opt[i][1], v, sizeof(v));
		n += (size_t)snprintf(out + n, len - n, ",%s=\"%s\"", opt[i][0], v);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The longest label set: every byte of every value escaped, plus names;
 * the network families' adds cAdvisor's id, name and image. */
#define LABELS_MAX (2 * ISO_ID_MAX + 10 * ISO_LABEL_MAX + 128)
#define NET_LABELS_MAX (LABELS_MAX + 4 * ISO_ID_MAX + 2 * ISO_LABEL_MAX + 64)

/* The container's labels, then cAdvisor's: id (a stable cgroup-like path),
 * name (the container id) and image when the create request named one. */
static void net_labels(const struct iso_stats *s, const char *base, char *out, size_t len)
{
	char id[2 * ISO_ID_MAX + 4], img[2 * ISO_LABEL_MAX + 4];
	int n;

	http_prom_escape(s->id, id, sizeof(id));
	http_prom_escape(s->labels.image, img, sizeof(img));
	n = snprintf(out, len, "%s,id=\"/netisol/%s\",name=\"%s\"", base, id, id);
	if (img[0] && n > 0 && (size_t)n < len)
		snprintf(out + n, len - (size_t)n, ",image=\"%s\"", img);
}

struct net_family {
	const char *name, *help;
	size_t off;	/* into struct iso_stats */
};

#define NET(name, field, help) { "container_network_" name, help, offsetof(struct iso_stats, field) }
static const struct net_family net_families[] = {
	NET("receive_bytes_total", rx_bytes, "Cumulative count of bytes received"),
	NET("receive_packets_total", rx_packets, "Cumulative count of packets received"),
	NET("receive_packets_dropped_total", rx_dropped,
	    "Cumulative count of packets dropped while receiving"),
	NET("receive_errors_total", rx_errors, "Cumulative count of errors encountered while receiving"),
	NET("transmit_bytes_total", tx_bytes, "Cumulative count of bytes transmitted"),
	NET("transmit_packets_total", tx_packets, "Cumulative count of packets transmitted"),
	NET("transmit_packets_dropped_total", tx_dropped,
	    "Cumulative count of packets dropped while transmitting"),
	NET("transmit_errors_total", tx_errors,
	    "Cumulative count of errors encountered while transmitting"),
};

struct tc_family {
	const char *name, *type, *help;
	size_t off;	/* into struct iso_tc_stats */
};

#define TCF(name, type, field, help) { "netisol_tc_" name, type, help, offsetof(struct iso_tc_stats, field) }
static const struct tc_family tc_families[] = {
	TCF("bytes_total", "counter", bytes, "Bytes sent by the qdisc"),
	TCF("packets_total", "counter", packets, "Packets sent by the qdisc"),
	TCF("drops_total", "counter", drops, "Packets dropped by the qdisc"),
	TCF("overlimits_total", "counter", overlimits, "Overlimit events of the qdisc"),
	TCF("requeues_total", "counter", requeues, "Requeues of the qdisc"),
	TCF("backlog_bytes", "gauge", backlog, "Bytes queued in the qdisc"),
	TCF("queue_length_packets", "gauge", qlen, "Packets queued in the qdisc"),
	TCF("rate_bytes_per_second", "gauge", ratebps, "Rate estimate of the qdisc, bytes/s"),
	TCF("rate_packets_per_second", "gauge", ratepps, "Rate estimate of the qdisc, packets/s"),
};

static unsigned long long net_value(const struct iso_stats *s, size_t k)
{
	return *(const unsigned long long *)((const char *)s + net_families[k].off);
}

/* host: the machine-wide series (id="/"), cAdvisor's root container. */
static void write_net(FILE *f, const struct iso_snapshot *s, char (*lab)[NET_LABELS_MAX],
		      bool host)
{
	char ifn[2 * IF_NAMESIZE + 4];

	for (size_t k = 0; k < sizeof(net_families) / sizeof(net_families[0]); k++) {
		family(f, net_families[k].name, "counter", net_families[k].help);
		if (host && s->has_host) {
			http_prom_escape(s->host.ifname, ifn, sizeof(ifn));
			fprintf(f, "%s{id=\"/\",interface=\"%s\"} %llu\n", net_families[k].name,
				ifn, net_value(&s->host, k));
		}
		for (size_t i = 0; i < s->n; i++) {
			http_prom_escape(s->c[i].ifname, ifn, sizeof(ifn));
			fprintf(f, "%s{%s,interface=\"%s\"} %llu\n", net_families[k].name, lab[i],
				ifn, net_value(&s->c[i], k));
		}
	}
}

static void write_tc(FILE *f, const struct iso_snapshot *s, char (*lab)[LABELS_MAX])
{
	for (size_t k = 0; k < sizeof(tc_families) / sizeof(tc_families[0]); k++) {
		family(f, tc_families[k].name, tc_families[k].type, tc_families[k].help);
		for (size_t i = 0; i < s->n; i++)
			for (int q = 0; q < s->c[i].ntc; q++)
				fprintf(f, "%s{%s,qdisc=\"%s\"} %llu\n", tc_families[k].name,
					lab[i], s->c[i].tc[q].id,
					*(const unsigned long long *)((const char *)&s->c[i].tc[q] +
								      tc_families[k].off));
	}
}

static void write_limit(FILE *f, const struct iso_snapshot *s, char (*lab)[LABELS_MAX],
			const char *name, const char *help, size_t off)
{
	family(f, name, "gauge", help);
	for (size_t i = 0; i < s->n; i++) {
		const struct iso_opt_u64 *o =
			(const struct iso_opt_u64 *)((const char *)&s->c[i] + off);
		if (o->set)
			fprintf(f, "%s{%s} %llu\n", name, lab[i], (unsigned long long)o->v);
	}
}

static void write_limits(FILE *f, const struct iso_snapshot *s, char (*lab)[LABELS_MAX])
{
	write_limit(f, s, lab, "netisol_egress_rate_limit_bytes_per_second",
		    "Egress limit of the container (HTB rate)", offsetof(struct iso_stats, egress));
	write_limit(f, s, lab, "netisol_ingress_rate_limit_bytes_per_second",
		    "Ingress limit of the container (HTB rate)", offsetof(struct iso_stats, ingress));
}

/* The all-time totals per class, as of the last pass (never pruned). */
static void write_acct(FILE *f, const struct iso_snapshot *s, char (*lab)[LABELS_MAX])
{
	static const struct { const char *name, *help; } fam[2] = {
		{ "netisol_accounting_bytes_total",
		  "Bytes in the traffic history, by network class and direction (as of the last "
		  "accounting pass)" },
		{ "netisol_accounting_packets_total",
		  "Packets in the traffic history, by network class and direction" },
	};

	for (int k = 0; k < 2; k++) {
		family(f, fam[k].name, "counter", fam[k].help);
		for (size_t i = 0; i < s->n; i++)
			for (size_t j = 0; j < s->c[i].nacct; j++) {
				const struct acct_total *t = &s->c[i].acct[j];
				char cls[2 * sizeof(t->cls) + 4];

				http_prom_escape(t->cls, cls, sizeof(cls));

				fprintf(f, "%s{%s,class=\"%s\",direction=\"rx\"} %llu\n"
					"%s{%s,class=\"%s\",direction=\"tx\"} %llu\n",
					fam[k].name, lab[i], cls,
					(unsigned long long)(k ? t->c.rx_packets : t->c.rx_bytes),
					fam[k].name, lab[i], cls,
					(unsigned long long)(k ? t->c.tx_packets : t->c.tx_bytes));
			}
	}
}

static void write_counter(const char *method, unsigned int status, unsigned long long n,
			  void *arg)
{
	fprintf(arg, "netisol_api_requests_total{method=\"%s\",code=\"%u\"} %llu\n", method,
		status, n);
}

static void write_agent(FILE *f, const struct iso_snapshot *s)
{
	family(f, "netisol_containers", "gauge", "Containers isolated by this agent");
	fprintf(f, "netisol_containers %zu\n", s->n);
	family(f, "netisol_ephemeral_blocks_free", "gauge", "Ephemeral port blocks not in use");
	fprintf(f, "netisol_ephemeral_blocks_free %zu\n", s->free_blocks);
	family(f, "netisol_containers_destroying", "gauge",
	       "Destroyed containers whose veth and netns handle are still being deleted");
	fprintf(f, "netisol_containers_destroying %zu\n", s->destroying);
	family(f, "netisol_accounting_pass_seconds", "gauge",
	       "Duration of the last accounting pass over every container");
	fprintf(f, "netisol_accounting_pass_seconds %.6f\n", s->acct_pass_seconds);
	family(f, "netisol_accounting_passes_total", "counter",
	       "Accounting passes written to the history");
	fprintf(f, "netisol_accounting_passes_total %llu\n", (unsigned long long)s->acct_passes);
	family(f, "netisol_checkpoint_write_failures_total", "counter",
	       "Checkpoint writes that failed (a full disk, an I/O error); what they were "
	       "for was refused or undone");
	fprintf(f, "netisol_checkpoint_write_failures_total %llu\n",
		(unsigned long long)s->ckpt_write_failures);
	family(f, "netisol_api_requests_total", "counter",
	       "API requests answered, by method and status code");
	http_server_counters(write_counter, f);
}

void http_metrics(struct http_req *req, struct http_resp *resp)
{
	struct nis_err err = { "" };
	struct iso_snapshot snap;
	char (*lab)[LABELS_MAX], (*netlab)[NET_LABELS_MAX] = NULL;
	size_t len = 0;
	char *buf = NULL;
	FILE *f;

	if (iso_agent_snapshot(req->app, NULL, !req->scope, &snap, &err)) {
		http_error(resp, 500, "internal", "%s", err.msg);
		return;
	}
	http_snapshot_scope(&snap, req->scope);
	lab = calloc(snap.n ? snap.n : 1, sizeof(*lab));
	netlab = calloc(snap.n ? snap.n : 1, sizeof(*netlab));
	if (!lab || !netlab || !(f = open_memstream(&buf, &len))) {
		free(lab);
		free(netlab);
		iso_snapshot_free(&snap);
		http_error(resp, 500, "internal", "out of memory");
		return;
	}
	for (size_t i = 0; i < snap.n; i++) {
		labels(&snap.c[i], lab[i], sizeof(lab[i]));
		net_labels(&snap.c[i], lab[i], netlab[i], sizeof(netlab[i]));
	}
	/* A tenant sees neither the host's interface nor the agent's own. */
	write_net(f, &snap, netlab, !req->scope);
	write_tc(f, &snap, lab);
	write_limits(f, &snap, lab);
	write_acct(f, &snap, lab);
	/* A tenant gets its own series only: these families count every
	 * container and every client of the agent. */
	if (!req->scope)
		write_agent(f, &snap);
	fclose(f);
	free(lab);
	free(netlab);
	iso_snapshot_free(&snap);
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	resp->body = buf;
	resp->len = len;
}
