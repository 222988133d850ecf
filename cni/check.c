/* check.c - the read-only commands: CHECK (is the attachment what ADD
 * made, in the agent's record and in the kernel?) and STATUS (can the
 * agent take an ADD?). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cni/commands.h"
#include "cni/prev.h"
#include "cni/result.h"
#include "cni/version.h"
#include "portmap/ranges.h"

json_t *cni_get_record(const struct cni_ctx *c, const char *id, struct cni_err *err)
{
	struct cni_reply r;
	char path[128];
	json_t *rec = NULL;

	snprintf(path, sizeof(path), "/containers/%s", id);
	if (cni_agent_request(&c->agent, "GET", path, NULL, &r, err))
		return NULL;
	if (r.status == 200 && json_is_object(r.body))
		rec = json_incref(r.body);
	else if (r.status == 404)
		cni_err_set(err, CNI_ERR_UNKNOWN_CONTAINER, "container %s is unknown to netisold",
			    id);
	else
		cni_agent_error(&r, err);
	cni_reply_free(&r);
	return rec;
}

int cni_record_ours(const struct cni_ctx *c, json_t *record)
{
	const char *net = json_string_value(json_object_get(record, "network"));

	return net && !strcmp(net, c->cfg.name);
}

static int mismatch(struct cni_err *err, const char *what, const char *has, const char *want)
{
	return cni_err_set(err, CNI_ERR_MISMATCH, "CHECK: %s is \"%s\" in netisold, "
			   "expected \"%s\"", what, has ? has : "(none)", want);
}

/* The fields the record echoes from the create body must be equal. */
static int same_fields(json_t *rec, json_t *body, struct cni_err *err)
{
	static const char *const strings[] = { "netns", "ifname", "namespace", "pod", "pod_uid" };
	static const char *const limits[] = { "egress_rate_limit", "ingress_rate_limit",
					      "egress_burst", "ingress_burst" };
	json_t *want, *has;

	/* Both ways: a label of the ADD's CNI_ARGS that CHECK lacks differs. */
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		want = json_object_get(body, strings[i]);
		has = json_object_get(rec, strings[i]);
		if ((want || has) && !json_equal(want, has))
			return mismatch(err, strings[i], json_string_value(has),
					want ? json_string_value(want) : "(none)");
	}
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (!(want = json_object_get(body, limits[i])))
			continue;
		has = json_object_get(rec, limits[i]);
		/* The agent clamps a burst down to 256 s of its rate. */
		if (strstr(limits[i], "burst") && json_integer_value(has) > 0 &&
		    json_integer_value(has) <= json_integer_value(want))
			continue;
		if (!json_equal(want, has)) {
			cni_err_set(err, CNI_ERR_MISMATCH, "CHECK: %s is %lld in netisold, "
				    "expected %lld (bytes)", limits[i],
				    (long long)json_integer_value(has),
				    (long long)json_integer_value(want));
			return cni_err_details(err, "netisold clamps rates to its "
					       "--minimum/maximum_egress_rate_limit");
		}
	}
	return 0;
}

/* Every mapping that changes the port is in the record's port_mappings. */
static int same_remap(json_t *rec, json_t *body, struct cni_err *err)
{
	json_t *has = json_object_get(rec, "port_mappings"), *w, *h;
	size_t i, j;
	int found;

	json_array_foreach(json_object_get(body, "port_mappings"), i, w) {
		found = 0;
		json_array_foreach(has, j, h)
			found |= json_equal(w, h);
		if (!found)
			return cni_err_set(err, CNI_ERR_MISMATCH, "CHECK: netisold does not map "
					   "host port %lld to container port %lld",
					   (long long)json_integer_value(json_object_get(w,
									"host_port")),
					   (long long)json_integer_value(json_object_get(w,
									"container_port")));
	}
	return 0;
}

/* Every host port of portMappings is among the record's ports. */
static int same_ports(const struct cni_ctx *c, json_t *rec, struct cni_err *err)
{
	struct pm_set want, has;
	json_t *pair;
	size_t i;
	int rc = 0;

	pm_set_init(&want);
	pm_set_init(&has);
	json_array_foreach(json_object_get(rec, "ports"), i, pair)
		pm_set_add(&has, (uint32_t)json_integer_value(json_array_get(pair, 0)),
			   (uint32_t)json_integer_value(json_array_get(pair, 1)));
	if (cni_ports_set(&c->cfg.ports, &want))
		rc = cni_err_set(err, CNI_ERR_IO, "out of memory");
	else if (!pm_set_contains(&has, &want)) {
		char w[512], h[512];
		pm_set_format(&want, w, sizeof(w));
		pm_set_format(&has, h, sizeof(h));
		rc = mismatch(err, "ports", h, w);
	}
	pm_set_free(&want);
	pm_set_free(&has);
	return rc;
}

static int has_interface(json_t *res, const char *name, const char *sandbox)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(res, "interfaces"), i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));
		const char *s = json_string_value(json_object_get(e, "sandbox"));
		if (n && !strcmp(n, name) && (!sandbox || (s && !strcmp(s, sandbox))))
			return 1;
	}
	return 0;
}

static int has_address(json_t *res, const char *addr)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(res, "ips"), i, e)
		if (json_is_string(json_object_get(e, "address")) &&
		    !strcmp(json_string_value(json_object_get(e, "address")), addr))
			return 1;
	return 0;
}

/* prevResult (1.1.0 shape) against the record: in primary mode it lists
 * the record's veth pair and address; chained, the veth the agent shapes
 * is the one prevResult names. */
static int same_result(const struct cni_ctx *c, json_t *prev, json_t *rec,
		       struct cni_err *err)
{
	const char *veth = json_string_value(json_object_get(rec, "host_veth"));
	const char *addr = json_string_value(json_object_get(rec, "address"));
	json_t *ch = json_object_get(rec, "chained");
	struct cni_prev p;
	int rc;

	if (c->cfg.mode == CNI_MODE_CHAINED) {
		if ((rc = cni_prev_find(prev, c->ifname, &p, err)))
			return rc;
		if (json_is_object(ch))
			veth = json_string_value(json_object_get(ch, "host_veth"));
		return veth && strcmp(veth, p.host_veth) ?
		       mismatch(err, "the host veth", veth, p.host_veth) : 0;
	}
	if (!has_interface(prev, c->ifname, c->netns))
		return cni_err_set(err, CNI_ERR_MISMATCH, "CHECK: prevResult has no interface "
				   "%s in %s", c->ifname, c->netns);
	if (veth && !has_interface(prev, veth, NULL))
		return cni_err_set(err, CNI_ERR_MISMATCH, "CHECK: prevResult does not list "
				   "netisold's host veth %s", veth);
	if (addr && !has_address(prev, addr))
		return cni_err_set(err, CNI_ERR_MISMATCH, "CHECK: prevResult does not list "
				   "netisold's address %s", addr);
	return 0;
}

static int compare(const struct cni_ctx *c, json_t *rec, struct cni_err *err)
{
	json_t *body = NULL, *prev = NULL;
	int rc;

	if (!(rc = cni_create_body(c, &body, err)) && !(rc = same_fields(rec, body, err)) &&
	    !(rc = same_ports(c, rec, err)) && !(rc = same_remap(rec, body, err)) &&
	    !(rc = cni_result_convert(c->cfg.prev_result, c->cfg.version, CNI_VERSION_LATEST,
				      &prev, err)))
		rc = same_result(c, prev, rec, err);
	json_decref(prev);
	json_decref(body);
	return rc;
}

/* The kernel against the record, by the agent (GET .../kernel). */
static int kernel_ok(const struct cni_ctx *c, struct cni_err *err)
{
	const char *why;
	struct cni_reply r;
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "/containers/%s/kernel", c->container_id);
	if ((rc = cni_agent_request(&c->agent, "GET", path, NULL, &r, err)))
		return rc;
	why = json_string_value(json_object_get(r.body, "problem"));
	if (r.status != 200 || !json_is_boolean(json_object_get(r.body, "ok")))
		rc = cni_agent_error(&r, err);
	else if (!json_is_true(json_object_get(r.body, "ok")))
		rc = cni_err_set(err, CNI_ERR_MISMATCH, "CHECK: in the kernel, %s",
				 why ? why : "(no reason given)");
	cni_reply_free(&r);
	return rc;
}

int cni_cmd_check(struct cni_ctx *c, struct cni_err *err)
{
	const char *net;
	json_t *rec;
	int rc;

	if (!c->cfg.prev_result)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "CHECK needs the prevResult of "
				   "the ADD");
	if (!(rec = cni_get_record(c, c->container_id, err)))
		return cni_code_errno(err->code);
	net = json_string_value(json_object_get(rec, "network"));
	if (!cni_record_ours(c, rec))
		rc = cni_err_set(err, CNI_ERR_UNKNOWN_CONTAINER, "container %s has no attachment "
				 "in network %s (%s%s)", c->container_id, c->cfg.name,
				 net ? "it is in network " : "made through netisold's API",
				 net ? net : "");
	else if (!(rc = compare(c, rec, err)))
		rc = kernel_ok(c, err);
	json_decref(rec);
	return rc;
}

int cni_cmd_status(struct cni_ctx *c, struct cni_err *err)
{
	const char *status, *reason;
	struct cni_reply r;
	int rc;

	if ((rc = cni_agent_request(&c->agent, "GET", "/health", NULL, &r, err))) {
		cni_err_set(err, CNI_ERR_NOT_AVAILABLE, "netisold is not running (socket %s)",
			    c->cfg.socket);
		return cni_err_details(err, "%s", strerror(-rc));
	}
	status = json_string_value(json_object_get(r.body, "status"));
	reason = json_string_value(json_object_get(r.body, "reason"));
	if (r.status == 200 && status && !strcmp(status, "ok"))
		rc = 0;
	else
		rc = cni_err_set(err, CNI_ERR_NOT_AVAILABLE, "netisold cannot take containers: "
				 "%s", reason ? reason : r.error[0] ? r.error :
				 status ? status : "(no reason given)");
	if (rc)
		cni_err_details(err, "GET /health: HTTP %d", r.status);
	cni_reply_free(&r);
	return rc;
}
