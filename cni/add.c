/* add.c - ADD: primary (port_mapping: the agent makes the veth in the
 * runtime's netns and the result says so) and chained (the agent shapes a
 * primary's veth; prevResult passes through). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cni/commands.h"
#include "cni/prev.h"
#include "cni/result.h"
#include "cni/version.h"

static int set_str(json_t *o, const char *key, const char *v)
{
	return v && *v ? json_object_set_new(o, key, json_string(v)) : 0;
}

static int set_limit(json_t *o, const char *key, const struct cni_opt_u64 *bits,
		     const char *cfg_key, int burst)
{
	uint64_t v;

	if (!bits->set)
		return 0;
	v = burst ? cni_burst_bytes(bits->v, cfg_key) : cni_rate_bytes(bits->v);
	return json_object_set_new(o, key, json_integer((json_int_t)v));
}

static int add_limits(json_t *o, const struct cni_bandwidth *bw)
{
	return set_limit(o, "egress_rate_limit", &bw->egress_rate, "egressRate", 0) ||
	       set_limit(o, "ingress_rate_limit", &bw->ingress_rate, "ingressRate", 0) ||
	       set_limit(o, "egress_burst", &bw->egress_burst, "egressBurst", 1) ||
	       set_limit(o, "ingress_burst", &bw->ingress_burst, "ingressBurst", 1);
}

int cni_create_body(const struct cni_ctx *c, json_t **out, struct cni_err *err)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "container_id", c->container_id,
			      "netns", c->netns, "ifname", c->ifname, "network", c->cfg.name);
	char *ports = NULL;
	int bad = !o;

	bad = bad || set_str(o, "namespace", c->args.pod_namespace) ||
	      set_str(o, "pod", c->args.pod_name) || set_str(o, "pod_uid", c->args.pod_uid);
	if (!bad && c->cfg.mode == CNI_MODE_PORT_MAPPING && c->cfg.ports.n)
		bad = cni_ports_format(&c->cfg.ports, &ports) || set_str(o, "ports", ports);
	bad = bad || add_limits(o, &c->cfg.bw);
	free(ports);
	if (bad) {
		json_decref(o);
		*out = NULL;
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	}
	*out = o;
	return 0;
}

/* 409 container_exists: name the attachment that holds the id. */
static int already_attached(const struct cni_ctx *c, struct cni_err *err)
{
	struct cni_err ignored;
	json_t *r = cni_get_record(c, c->container_id, &ignored);
	const char *net = r ? json_string_value(json_object_get(r, "network")) : NULL;
	const char *ifn = r ? json_string_value(json_object_get(r, "ifname")) : NULL;

	if (net)
		cni_err_set(err, CNI_ERR_INVALID_CONFIG, "container %s already has an attachment "
			    "(network %s, interface %s)", c->container_id, net, ifn ? ifn : "?");
	else
		cni_err_set(err, CNI_ERR_INVALID_CONFIG, "container %s already exists in "
			    "netisold (made through its API, not by CNI)", c->container_id);
	json_decref(r);
	return cni_err_details(err, "HTTP 409 container_exists");
}

/* POST /containers: the new record, or NULL with err set. */
static json_t *create(struct cni_ctx *c, json_t *body, struct cni_err *err)
{
	struct cni_reply r;
	json_t *rec = NULL;

	if (cni_agent_lock(&c->agent, false, err) ||
	    cni_agent_request(&c->agent, "POST", "/containers", body, &r, err))
		return NULL;
	if (r.status == 201 && json_is_object(r.body))
		rec = json_incref(r.body);
	else if (r.status == 409 && !strcmp(r.code, "container_exists"))
		already_attached(c, err);
	else if (r.status == 201)
		cni_err_set(err, CNI_ERR_IO, "netisold answered 201 without a record");
	else
		cni_agent_error(&r, err);
	cni_reply_free(&r);
	return rec;
}

/* The container was made but cannot be reported: take it away again, so
 * the runtime's DEL finds nothing half-made. */
static void rollback(struct cni_ctx *c)
{
	struct cni_reply r;
	struct cni_err ignored;
	char path[128];

	snprintf(path, sizeof(path), "/containers/%s", c->container_id);
	if (!cni_agent_request(&c->agent, "DELETE", path, NULL, &r, &ignored))
		cni_reply_free(&r);
}

/* The result: ours, after prevResult's when there is one. */
static int primary_result(struct cni_ctx *c, json_t *rec, json_t **out, struct cni_err *err)
{
	json_t *ours = NULL, *base = NULL, *all;
	int rc;

	*out = NULL;
	if ((rc = cni_result_primary(rec, c->ifname, c->netns, &ours, err)))
		return rc;
	if (c->cfg.prev_result &&
	    (rc = cni_result_convert(c->cfg.prev_result, c->cfg.version, CNI_VERSION_LATEST,
				     &base, err)))
		goto out;
	if (base && (rc = cni_result_append(base, ours, err)))
		goto out;
	all = base ? base : ours;
	rc = cni_result_convert(all, CNI_VERSION_LATEST, c->cfg.version, out, err);
out:
	json_decref(base);
	json_decref(ours);
	return rc;
}

static int add_primary(struct cni_ctx *c, struct cni_err *err)
{
	json_t *body = NULL, *rec, *res = NULL;
	int rc;

	if ((rc = cni_ports_supported(&c->cfg.ports, err)) ||
	    (rc = cni_create_body(c, &body, err)))
		return rc;
	rec = create(c, body, err);
	json_decref(body);
	if (!rec)
		return cni_code_errno(err->code);
	rc = primary_result(c, rec, &res, err);
	if (!rc && cni_result_print(c->out, res))
		rc = cni_err_set(err, CNI_ERR_IO, "cannot write the result");
	if (rc)
		rollback(c);
	json_decref(res);
	json_decref(rec);
	return rc;
}

/* prevResult as the config's version wants it: unchanged when it is in
 * that version already. */
static int pass_through(struct cni_ctx *c, struct cni_err *err)
{
	json_t *prev = c->cfg.prev_result, *res = NULL;
	const char *v = json_string_value(json_object_get(prev, "cniVersion"));
	int rc;

	if (!v || !strcmp(v, c->cfg.version)) {
		res = json_incref(prev);
		if (!v)
			json_object_set_new(res, "cniVersion", json_string(c->cfg.version));
	} else if ((rc = cni_result_convert(prev, v, c->cfg.version, &res, err))) {
		return rc;
	}
	rc = cni_result_print(c->out, res);
	json_decref(res);
	return rc ? cni_err_set(err, CNI_ERR_IO, "cannot write the result") : 0;
}

static int chained_body(struct cni_ctx *c, json_t **body, struct cni_err *err)
{
	struct cni_prev p;
	json_t *prev = NULL, *ch;
	int rc;

	*body = NULL;
	if ((rc = cni_result_convert(c->cfg.prev_result, c->cfg.version, CNI_VERSION_LATEST,
				     &prev, err)) ||
	    (rc = cni_prev_find(prev, c->ifname, &p, err)) ||
	    (rc = cni_create_body(c, body, err)))
		goto out;
	ch = json_pack("{s:s, s:s}", "host_veth", p.host_veth, "address", p.address);
	if (ch && p.mac)
		json_object_set_new(ch, "mac", json_string(p.mac));
	if (!ch || json_object_set_new(*body, "chained", ch))
		rc = cni_err_set(err, CNI_ERR_IO, "out of memory");
out:
	json_decref(prev);
	return rc;
}

static int add_chained(struct cni_ctx *c, struct cni_err *err)
{
	json_t *body, *rec;
	int rc;

	if (!c->cfg.prev_result)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "mode chained needs a prevResult: "
				   "put netisol-cni after the plugin that makes the veth");
	if ((rc = chained_body(c, &body, err)))
		return rc;
	rec = create(c, body, err);
	json_decref(body);
	if (!rec)
		return cni_code_errno(err->code);
	if ((rc = pass_through(c, err)))
		rollback(c);
	json_decref(rec);
	return rc;
}

int cni_cmd_add(struct cni_ctx *c, struct cni_err *err)
{
	return c->cfg.mode == CNI_MODE_CHAINED ? add_chained(c, err) : add_primary(c, err);
}
