/* statistics_json.h - GET /monitor/statistics.json in Mesos' format. */
#ifndef NIS_HTTP_STATISTICS_JSON_H
#define NIS_HTTP_STATISTICS_JSON_H

#include "http/request.h"
#include "isolator/stats.h"

void http_statistics_json(struct http_req *req, struct http_resp *resp);

/* Drops (and frees) the entries scope does not see, keeping the order;
 * NULL keeps all. /metrics filters with it too. */
void http_snapshot_scope(struct iso_snapshot *s, const struct http_scope *scope);

#endif
