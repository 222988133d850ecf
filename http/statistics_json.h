/* statistics_json.h - GET /monitor/statistics.json in Mesos' format. */
#ifndef NIS_HTTP_STATISTICS_JSON_H
#define NIS_HTTP_STATISTICS_JSON_H

#include "http/server.h"

void http_statistics_json(struct http_req *req, struct http_resp *resp);

#endif
