/* routes.c - the route table netisold serves. Adding an endpoint is adding
 * a row; the write/read-only split is a column, not code. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http/accounting.h"
#include "http/containers.h"
#include "http/metrics.h"
#include "http/statistics_json.h"
#include "http/router.h"
#include "http/routes.h"

static void set_json(struct http_resp *resp, unsigned int status, const char *text)
{
	resp->status = status;
	resp->content_type = "application/json";
	resp->body = strdup(text);
	resp->len = resp->body ? strlen(resp->body) : 0;
}

static void get_health(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	set_json(resp, 200, "{\"status\":\"ok\"}");
}

const struct http_route http_routes[] = {
	{ "GET", "/health", get_health, HTTP_ANYONE },
	{ "GET", "/monitor/statistics.json", http_statistics_json, HTTP_READ },
	{ "GET", "/monitor/statistics", http_statistics_json, HTTP_READ },
	{ "GET", "/metrics", http_metrics, HTTP_READ },
	{ "GET", "/containers", http_containers_list, HTTP_READ },
	{ "POST", "/containers", http_containers_post, HTTP_WRITE },
	{ "GET", "/containers/{id}", http_containers_get, HTTP_READ },
	{ "PATCH", "/containers/{id}", http_containers_patch, HTTP_WRITE },
	{ "DELETE", "/containers/{id}", http_containers_delete, HTTP_WRITE },
	{ "GET", "/accounting", http_accounting, HTTP_READ },
	{ "GET", "/accounting/top", http_accounting_top, HTTP_READ },
};
const size_t http_nroutes = sizeof(http_routes) / sizeof(http_routes[0]);
