/* containers.c - JSON bodies in, isolator operations, JSON records out.
 * Bodies are checked field by field; an unknown field is refused, so a
 * typo never silently becomes "use the default". */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/containers.h"
#include "portmap/bytes.h"

void http_json(struct http_resp *resp, unsigned int status, json_t *o)
{
	free(resp->body);
	resp->body = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (!resp->body) {
		http_error(resp, 500, "internal", "out of memory");
		return;
	}
	resp->len = strlen(resp->body);
	resp->status = status;
	resp->content_type = "application/json";
}

/* Maps the isolator's -errno to a status and a stable code. */
static void fail(struct http_resp *resp, int rc, const struct nis_err *err)
{
	static const struct { int rc; unsigned int status; const char *code; } map[] = {
		{ -EINVAL, 400, "invalid_request" }, { -EEXIST, 409, "container_exists" },
		{ -ENOSPC, 409, "no_ephemeral_ports" }, { -EADDRINUSE, 409, "ports_unavailable" },
		{ -ERANGE, 409, "ports_unavailable" }, { -ENOENT, 404, "not_found" },
		{ -EROFS, 503, "checkpoint_unwritable" }, { -EBUSY, 409, "netns_in_use" },
		{ -ENOTUNIQ, 409, "interface_exists" }, { -ENODEV, 400, "no_such_interface" },
		{ -EALREADY, 409, "qdisc_in_use" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].rc == rc) {
			http_error(resp, map[i].status, map[i].code, "%s", err->msg);
			return;
		}
	http_error(resp, 500, "internal", "%s", err->msg[0] ? err->msg : "internal error");
}

/* The interface inside: its name, whose namespace, and its address. */
static json_t *address_json(json_t *o, const struct iso_record *r)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], addr[INET_ADDRSTRLEN + 4], mac[18];
	const uint8_t *m = r->mac;

	inet_ntop(AF_INET, &r->ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &r->gateway, gw, sizeof(gw));
	snprintf(addr, sizeof(addr), "%s/%d", ip, r->prefixlen);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		 m[4], m[5]);
	if (json_object_update_new(o, json_pack("{s:s, s:s, s:b, s:s, s:s}", "mode",
						r->chained ? "chained" : "port_mapping",
						"ifname", r->ifname, "external", r->external,
						"address", addr, "mac", mac))) {
		json_decref(o);
		return NULL;
	}
	/* A chained container's gateway is the primary plugin's business. */
	if (!r->chained)
		json_object_set_new(o, "gateway", json_string(gw));
	return o;
}

json_t *http_record_json(const struct iso_record *r)
{
	json_t *o = json_object(), *ports = json_array();

	for (size_t i = 0; ports && i < r->ports.n; i++)
		json_array_append_new(ports, json_pack("[I,I]", (json_int_t)r->ports.r[i].begin,
						       (json_int_t)r->ports.r[i].end));
	if (!o || !ports || json_object_update_new(o, json_pack(
		"{s:s, s:s, s:s, s:{s:I, s:I}, s:o, s:f}",
		"container_id", r->id, "netns", r->netns, "host_veth", r->veth,
		"ephemeral_ports", "begin", (json_int_t)r->ephemeral.begin,
		"end", (json_int_t)r->ephemeral.end, "ports", ports,
		"created_at", r->created_at))) {
		json_decref(o);
		return NULL;
	}
	if (r->chained)		/* no block: the primary plugin's address */
		json_object_set_new(o, "ephemeral_ports", json_null());
	if (r->egress.set)
		json_object_set_new(o, "egress_rate_limit", json_integer((json_int_t)r->egress.v));
	if (r->ingress.set)
		json_object_set_new(o, "ingress_rate_limit", json_integer((json_int_t)r->ingress.v));
	if (r->nremap) {
		json_t *m = json_array();
		for (size_t i = 0; m && i < r->nremap; i++)
			json_array_append_new(m, json_pack("{s:i, s:i}", "host_port", r->remap[i].host,
							   "container_port", r->remap[i].ct));
		json_object_set_new(o, "port_mappings", m);
	}
	if (r->cpus.set)
		json_object_set_new(o, "cpus", json_real(r->cpus.v));
	if (r->egress_burst.set)
		json_object_set_new(o, "egress_burst", json_integer((json_int_t)r->egress_burst.v));
	if (r->ingress_burst.set)
		json_object_set_new(o, "ingress_burst", json_integer((json_int_t)r->ingress_burst.v));
	const char *labels[][2] = {
		{ "executor_id", r->labels.executor_id }, { "executor_name", r->labels.executor_name },
		{ "framework_id", r->labels.framework_id }, { "source", r->labels.source },
		{ "network", r->labels.network }, { "namespace", r->labels.k8s_namespace },
		{ "pod", r->labels.pod }, { "pod_uid", r->labels.pod_uid },
		{ "image", r->labels.image },
	};
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (labels[i][1][0])
			json_object_set_new(o, labels[i][0], json_string(labels[i][1]));
	return address_json(o, r);
}

/* "10MB" (Mesos Bytes) or a number of bytes per second. */
static int parse_rate(json_t *v, const char *name, struct iso_opt_u64 *out,
		      struct nis_err *err)
{
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		out->v = (uint64_t)json_integer_value(v);
	} else if (json_is_string(v)) {
		if (pm_bytes_parse(json_string_value(v), &out->v, err))
			return nis_err_prefix(err, -EINVAL, "%s", name);
		/* JSON numbers (and HTB's 64-bit rates) stop at INT64_MAX. */
		if (out->v == 0 || out->v > INT64_MAX)
			return nis_err_set(err, -EINVAL, "%s '%s' is out of range", name,
					   json_string_value(v));
	} else {
		return nis_err_set(err, -EINVAL, "%s must be a size such as \"10MB\" or a "
				   "positive number of bytes per second", name);
	}
	out->set = true;
	return 0;
}

/* "[31000-31009]" or [[31000, 31009], ...] -> the range text in buf. */
static int parse_ports(json_t *v, char *buf, size_t len, struct nis_err *err)
{
	size_t i, n = 0;
	json_t *pair;

	if (json_is_string(v)) {
		if (strlen(json_string_value(v)) >= len)
			return nis_err_set(err, -EINVAL, "ports: too long");
		snprintf(buf, len, "%s", json_string_value(v));
		return 0;
	}
	if (!json_is_array(v))
		return nis_err_set(err, -EINVAL, "ports must be a range list such as "
				   "\"[31000-31009]\" or [[31000, 31009]]");
	n += (size_t)snprintf(buf, len, "[");
	json_array_foreach(v, i, pair) {
		json_int_t b, e;
		if (json_unpack(pair, "[II!]", &b, &e) || b < 0 || e < 0 || b > 65535 ||
		    e > 65535 || n + 16 >= len)
			return nis_err_set(err, -EINVAL, "ports[%zu] must be [begin, end] "
					   "within 0-65535", i);
		n += (size_t)snprintf(buf + n, len - n, "%s%lld-%lld", i ? "," : "",
				      (long long)b, (long long)e);
	}
	snprintf(buf + n, len - n, "]");
	return 0;
}

static int parse_label(json_t *v, const char *name, char *out, struct nis_err *err)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) >= ISO_LABEL_MAX)
		return nis_err_set(err, -EINVAL, "%s must be a string of at most %d bytes",
				   name, ISO_LABEL_MAX - 1);
	strcpy(out, json_string_value(v));
	return 0;
}

/* An image reference ("docker.io/library/nginx:1.25"): printable ASCII
 * without spaces, as it becomes a label value on /metrics. */
static int parse_image(json_t *v, char *out, struct nis_err *err)
{
	const char *p;

	if (!json_is_string(v) || strlen(json_string_value(v)) >= ISO_LABEL_MAX)
		return nis_err_set(err, -EINVAL, "image must be a string of at most %d bytes",
				   ISO_LABEL_MAX - 1);
	for (p = json_string_value(v); *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return nis_err_set(err, -EINVAL, "image must be printable ASCII without "
					   "spaces (byte 0x%02x at %td)", (unsigned char)*p,
					   p - json_string_value(v));
	strcpy(out, json_string_value(v));
	return 0;
}

static int parse_string(json_t *v, const char *name, const char **out, struct nis_err *err)
{
	if (!json_is_string(v))
		return nis_err_set(err, -EINVAL, "%s must be a string", name);
	*out = json_string_value(v);
	return 0;
}

/* {"host_veth": NAME, "address": "10.88.0.5/16", "mac": "aa:.."} (all
 * strings, kept in v, which outlives the request). */
static int parse_chained(json_t *v, struct iso_chain_req *c, struct nis_err *err)
{
	if (json_unpack(v, "{s:s, s:s, s:s !}", "host_veth", &c->host_veth, "address",
			&c->address, "mac", &c->mac))
		return nis_err_set(err, -EINVAL, "chained must be {\"host_veth\": NAME, "
				   "\"address\": \"IP/LEN\", \"mac\": \"aa:bb:cc:dd:ee:ff\"}");
	return 0;
}

/* [{"host_port": 8080, "container_port": 80}, ...] into m (TC_REMAP_MAX). */
static int parse_remap(json_t *v, struct tc_remap *m, size_t *n, struct nis_err *err)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > TC_REMAP_MAX)
		return nis_err_set(err, -EINVAL, "port_mappings must be an array of at most %d "
				   "{\"host_port\": N, \"container_port\": N}", TC_REMAP_MAX);
	json_array_foreach(v, i, e) {
		json_int_t h, c;
		if (!json_is_object(e) || json_object_size(e) != 2 ||
		    !json_is_integer(json_object_get(e, "host_port")) ||
		    !json_is_integer(json_object_get(e, "container_port")) ||
		    (h = json_integer_value(json_object_get(e, "host_port"))) < 1 || h > 65535 ||
		    (c = json_integer_value(json_object_get(e, "container_port"))) < 1 ||
		    c > 65535)
			return nis_err_set(err, -EINVAL, "port_mappings[%zu] must be {\"host_port\": "
					   "1-65535, \"container_port\": 1-65535}", i);
		m[i] = (struct tc_remap){ (uint16_t)h, (uint16_t)c };
	}
	*n = i;
	return 0;
}

/* Mesos' cpus resource: a number, 0 to ISO_CPUS_MAX. */
static int parse_cpus(json_t *v, struct iso_cpus *out, struct nis_err *err)
{
	double x = json_number_value(v);

	if (!json_is_number(v) || !(x >= 0 && x <= ISO_CPUS_MAX))
		return nis_err_set(err, -EINVAL, "cpus must be a number from 0 to %d",
				   ISO_CPUS_MAX);
	out->set = true;
	out->v = x;
	return 0;
}

/* Parses a create (id_out != NULL) or update body. */
static int parse_body(const struct http_req *req, struct iso_create *c, char *ports,
		      size_t plen, struct tc_remap *remap, struct iso_chain_req *chain,
		      const char **id_out, json_t **root, struct nis_err *err)
{
	json_error_t jerr;
	const char *key;
	json_t *v;
	int rc = 0;

	*root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*root)
		return nis_err_set(err, -EINVAL, "malformed JSON: %s (line %d)", jerr.text,
				   jerr.line);
	if (!json_is_object(*root))
		return nis_err_set(err, -EINVAL, "the body must be a JSON object");
	json_object_foreach(*root, key, v) {
		if (id_out && !strcmp(key, "container_id")) {
			if (!json_is_string(v))
				return nis_err_set(err, -EINVAL, "container_id must be a string");
			*id_out = json_string_value(v);
		} else if (!strcmp(key, "ports")) {
			if (!(rc = parse_ports(v, ports, plen, err)))
				c->ports = ports;
		} else if (!strcmp(key, "egress_rate_limit")) {
			rc = parse_rate(v, key, &c->egress, err);
		} else if (!strcmp(key, "ingress_rate_limit")) {
			rc = parse_rate(v, key, &c->ingress, err);
		} else if (!strcmp(key, "cpus")) {
			rc = parse_cpus(v, &c->cpus, err);
		} else if (id_out && !strcmp(key, "egress_burst")) {
			rc = parse_rate(v, key, &c->egress_burst, err);
		} else if (id_out && !strcmp(key, "ingress_burst")) {
			rc = parse_rate(v, key, &c->ingress_burst, err);
		} else if (id_out && !strcmp(key, "executor_id")) {
			rc = parse_label(v, key, c->labels.executor_id, err);
		} else if (id_out && !strcmp(key, "executor_name")) {
			rc = parse_label(v, key, c->labels.executor_name, err);
		} else if (id_out && !strcmp(key, "framework_id")) {
			rc = parse_label(v, key, c->labels.framework_id, err);
		} else if (id_out && !strcmp(key, "source")) {
			rc = parse_label(v, key, c->labels.source, err);
		} else if (id_out && !strcmp(key, "network")) {
			rc = parse_label(v, key, c->labels.network, err);
		} else if (id_out && !strcmp(key, "namespace")) {
			rc = parse_label(v, key, c->labels.k8s_namespace, err);
		} else if (id_out && !strcmp(key, "pod")) {
			rc = parse_label(v, key, c->labels.pod, err);
		} else if (id_out && !strcmp(key, "pod_uid")) {
			rc = parse_label(v, key, c->labels.pod_uid, err);
		} else if (id_out && !strcmp(key, "image")) {
			rc = parse_image(v, c->labels.image, err);
		} else if (id_out && !strcmp(key, "netns")) {
			rc = parse_string(v, key, &c->netns, err);
		} else if (id_out && !strcmp(key, "ifname")) {
			rc = parse_string(v, key, &c->ifname, err);
		} else if (id_out && !strcmp(key, "chained")) {
			rc = parse_chained(v, chain, err);
			c->chained = chain;
		} else if (id_out && !strcmp(key, "port_mappings")) {
			rc = parse_remap(v, remap, &c->nremap, err);
			c->remap = remap;
		} else {
			return nis_err_set(err, -EINVAL, "unknown field '%s'", key);
		}
		if (rc)
			return rc;
	}
	if (id_out && !*id_out)
		return nis_err_set(err, -EINVAL, "container_id is required");
	return 0;
}

static void reply_record(struct http_resp *resp, unsigned int status, struct iso_record *r)
{
	http_json(resp, status, http_record_json(r));
	iso_record_free(r);
}

/* POST (create) and PATCH (update): parse, run, answer with the record. */
static void write_request(struct http_req *req, struct http_resp *resp, bool create)
{
	struct iso_create c;
	struct iso_record r;
	struct nis_err err = { "" };
	char ports[4096];
	struct tc_remap remap[TC_REMAP_MAX];
	struct iso_chain_req chain = { NULL, NULL, NULL };
	json_t *root = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	if (!(rc = parse_body(req, &c, ports, sizeof(ports), remap, &chain,
			      create ? &c.id : NULL, &root, &err))) {
		struct iso_update u = { c.ports, c.egress, c.ingress, c.cpus };
		rc = create ? iso_agent_create(req->app, &c, &r, &err)
			    : iso_agent_update(req->app, req->arg, &u, &r, &err);
	}
	json_decref(root);
	if (rc)
		fail(resp, rc, &err);
	else
		reply_record(resp, create ? 201 : 200, &r);
}

void http_containers_post(struct http_req *req, struct http_resp *resp)
{
	write_request(req, resp, true);
}

void http_containers_patch(struct http_req *req, struct http_resp *resp)
{
	write_request(req, resp, false);
}

/* Before the lookup, and the same answer whether the id exists or not, so
 * a tenant learns nothing about other tenants' containers. */
static bool visible(struct http_req *req, struct http_resp *resp)
{
	if (http_scope_sees(req->scope, req->arg))
		return true;
	http_error(resp, 403, "forbidden", "container '%s' is not visible to this principal",
		   req->arg);
	return false;
}

void http_containers_get(struct http_req *req, struct http_resp *resp)
{
	struct nis_err err = { "" };
	struct iso_record r;
	int rc;

	if (!visible(req, resp))
		return;
	rc = iso_agent_get(req->app, req->arg, &r, &err);
	if (rc)
		fail(resp, rc, &err);
	else
		reply_record(resp, 200, &r);
}

/* GET /containers/{id}/kernel: the CNI plugin's CHECK, in the kernel. */
void http_containers_kernel(struct http_req *req, struct http_resp *resp)
{
	struct nis_err err = { "" };
	char why[512];
	int rc;

	if (!visible(req, resp))
		return;
	if ((rc = iso_agent_verify(req->app, req->arg, why, sizeof(why), &err)))
		fail(resp, rc, &err);
	else
		http_json(resp, 200, why[0] ? json_pack("{s:s, s:b, s:s}", "container_id",
							 req->arg, "ok", 0, "problem", why)
					    : json_pack("{s:s, s:b}", "container_id", req->arg,
							"ok", 1));
}

void http_containers_list(struct http_req *req, struct http_resp *resp)
{
	struct nis_err err = { "" };
	struct iso_record *r;
	json_t *arr;
	size_t n;
	int rc = iso_agent_list(req->app, &r, &n, &err);

	if (rc) {
		fail(resp, rc, &err);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		if (arr && http_scope_sees(req->scope, r[i].id) &&
		    json_array_append_new(arr, http_record_json(&r[i]))) {
			json_decref(arr);
			arr = NULL;
		}
		iso_record_free(&r[i]);
	}
	free(r);
	http_json(resp, 200, arr);
}

void http_containers_delete(struct http_req *req, struct http_resp *resp)
{
	struct nis_err err = { "" };
	int rc = iso_agent_destroy(req->app, req->arg, &err);

	if (rc) {
		fail(resp, rc, &err);
		return;
	}
	resp->status = 204;
	resp->content_type = NULL;
}
