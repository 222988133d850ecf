/* agent_state.c - GET /agent. A tenant's credentials (or a container's own
 * connection) get 403: these numbers count every container on the host. */
#include <jansson.h>

#include "http/agent_state.h"
#include "http/containers.h"
#include "isolator/stats.h"
#include "isolator/warnings.h"

#define MAX_WARNINGS 8

static json_t *warnings_json(void *app, const char *health_why)
{
	const char *w[MAX_WARNINGS];
	size_t n = iso_agent_warnings(app, w, MAX_WARNINGS);
	json_t *arr = json_array();

	if (health_why)
		json_array_append_new(arr, json_string(health_why));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(w[i]));
	return arr;
}

void http_agent_state(struct http_req *req, struct http_resp *resp)
{
	struct nis_err err = { "" };
	struct iso_snapshot snap;
	char why[256] = "";
	bool healthy;
	json_t *o;

	if (req->scope) {
		http_error(resp, 403, "forbidden", "the agent's state is for operators only");
		return;
	}
	if (iso_agent_snapshot(req->app, NULL, false, &snap, &err)) {
		http_error(resp, 500, "internal", "%s", err.msg);
		return;
	}
	healthy = iso_agent_health(req->app, why, sizeof(why));
	o = json_pack("{s:f, s:I, s:I, s:I, s:I, s:{s:f, s:I}, s:I, s:s, s:o}",
		      "timestamp", snap.timestamp,
		      "containers", (json_int_t)snap.n,
		      "capacity", (json_int_t)snap.capacity,
		      "free_blocks", (json_int_t)snap.free_blocks,
		      "destroying", (json_int_t)snap.destroying,
		      "accounting", "pass_seconds", snap.acct_pass_seconds,
		      "passes", (json_int_t)snap.acct_passes,
		      "checkpoint_write_failures", (json_int_t)snap.ckpt_write_failures,
		      "status", healthy ? "ok" : "degraded",
		      "warnings", warnings_json(req->app, healthy ? NULL : why));
	iso_snapshot_free(&snap);
	http_json(resp, 200, o);
}
