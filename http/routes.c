/* routes.c - the route table netisold serves. Adding an endpoint is adding
 * a row; the write/read-only split is a column, not code. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/accounting.h"
#include "http/agent_state.h"
#include "http/containers.h"
#include "http/metrics.h"
#include "http/statistics_json.h"
#include "http/router.h"
#include "http/routes.h"
#include "http/ui.h"
#include "isolator/container.h"

static void set_json(struct http_resp *resp, unsigned int status, const char *text)
{
	resp->status = status;
	resp->content_type = "application/json";
	resp->body = strdup(text);
	resp->len = resp->body ? strlen(resp->body) : 0;
}

/* 200 while the agent serves, degraded or not: a liveness probe must not
 * restart an agent in a loop because its disk is full. */
static void get_health(struct http_req *req, struct http_resp *resp)
{
	char why[256] = "";
	json_t *o;

	if (!req->app || iso_agent_health(req->app, why, sizeof(why))) {
		set_json(resp, 200, "{\"status\":\"ok\"}");
		return;
	}
	o = json_pack("{s:s, s:s}", "status", "degraded", "reason", why);
	http_json(resp, 200, o);
}

const struct http_route http_routes[] = {
	{ "GET", "/health", get_health, HTTP_ANYONE },
	{ "GET", "/monitor/statistics.json", http_statistics_json, HTTP_READ },
	{ "GET", "/monitor/statistics", http_statistics_json, HTTP_READ },
	{ "GET", "/metrics", http_metrics, HTTP_READ },
	{ "GET", "/containers", http_containers_list, HTTP_READ },
	{ "POST", "/containers", http_containers_post, HTTP_WRITE },
	{ "GET", "/containers/{id}", http_containers_get, HTTP_READ },
	{ "GET", "/containers/{id}/kernel", http_containers_kernel, HTTP_READ },
	{ "PATCH", "/containers/{id}", http_containers_patch, HTTP_WRITE },
	{ "DELETE", "/containers/{id}", http_containers_delete, HTTP_WRITE },
	{ "GET", "/accounting", http_accounting, HTTP_READ },
	{ "GET", "/accounting/top", http_accounting_top, HTTP_READ },
	{ "GET", "/agent", http_agent_state, HTTP_READ },
	/* the page: the redirect for anyone, its files as any read (so the
	 * browser's Basic prompt comes with --authenticate_http_readonly) */
	{ "GET", "/", http_ui_redirect, HTTP_ANYONE },
	{ "GET", "/ui", http_ui_redirect, HTTP_ANYONE },
	{ "GET", "/ui/", http_ui_asset, HTTP_READ },
	{ "GET", "/ui/{id}", http_ui_asset, HTTP_READ },
};
const size_t http_nroutes = sizeof(http_routes) / sizeof(http_routes[0]);
