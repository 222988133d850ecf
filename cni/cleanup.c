/* cleanup.c - DEL (idempotent: anything already gone is success) and GC
 * (this network's attachments that the runtime no longer lists). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cni/commands.h"

/* DELETE /containers/ID; 204 and 404 are both "gone". */
static int destroy(const struct cni_ctx *c, const char *id, struct cni_err *err)
{
	struct cni_reply r;
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "/containers/%s", id);
	if ((rc = cni_agent_request(&c->agent, "DELETE", path, NULL, &r, err)))
		return rc;
	rc = r.status == 204 || r.status == 404 ? 0 : cni_agent_error(&r, err);
	cni_reply_free(&r);
	return rc;
}

static int same_string(json_t *o, const char *key, const char *want)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v && !strcmp(v, want);
}

int cni_cmd_del(struct cni_ctx *c, struct cni_err *err)
{
	json_t *rec;
	int rc;

	if ((rc = cni_agent_lock(&c->agent, false, err)))
		return rc;
	if (!(rec = cni_get_record(c, c->container_id, err))) {
		if (err->code == CNI_ERR_UNKNOWN_CONTAINER)
			return 0;
		/* No agent and no netns: nothing of the container can be left. */
		if (err->code == CNI_ERR_TRY_AGAIN_LATER && (!c->netns[0] || access(c->netns, F_OK)))
			return 0;
		return cni_code_errno(err->code);
	}
	/* Another network's, another interface's, or the API's: not ours. */
	if (!cni_record_ours(c, rec) || !same_string(rec, "ifname", c->ifname))
		rc = 0;
	else
		rc = destroy(c, c->container_id, err);
	json_decref(rec);
	return rc;
}

static int still_valid(json_t *valid, json_t *rec)
{
	size_t i;
	json_t *a;

	json_array_foreach(valid, i, a)
		if (same_string(rec, "container_id", json_string_value(json_object_get(a,
								"containerID"))) &&
		    same_string(rec, "ifname", json_string_value(json_object_get(a, "ifname"))))
			return 1;
	return 0;
}

/* Deletes every stale record, going on past failures; the first failure
 * is reported with the count. */
static int collect(struct cni_ctx *c, json_t *list, struct cni_err *err)
{
	size_t i, failed = 0, stale = 0;
	struct cni_err one;
	json_t *rec;
	int rc = 0, r;

	json_array_foreach(list, i, rec) {
		const char *id = json_string_value(json_object_get(rec, "container_id"));
		if (!id || !cni_record_ours(c, rec) || still_valid(c->cfg.valid_attachments, rec))
			continue;
		stale++;
		if ((r = destroy(c, id, &one)) && !failed++) {
			*err = one;
			rc = r;
		} else if (!r) {
			fprintf(stderr, "netisol-cni: GC: removed %s (network %s)\n", id,
				c->cfg.name);
		}
	}
	if (failed)
		cni_err_details(err, "GC: %zu of %zu stale attachments could not be removed",
				failed, stale);
	return rc;
}

int cni_cmd_gc(struct cni_ctx *c, struct cni_err *err)
{
	struct cni_reply r;
	int rc;

	if (!c->cfg.valid_attachments)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "GC needs "
				   "cni.dev/valid-attachments (an empty list removes all of "
				   "network %s)", c->cfg.name);
	if ((rc = cni_agent_lock(&c->agent, true, err)) ||
	    (rc = cni_agent_request(&c->agent, "GET", "/containers", NULL, &r, err)))
		return rc;
	if (r.status != 200 || !json_is_array(r.body))
		rc = r.status == 200 ? cni_err_set(err, CNI_ERR_IO, "GET /containers: not a list")
				     : cni_agent_error(&r, err);
	else
		rc = collect(c, r.body, err);
	cni_reply_free(&r);
	return rc;
}
