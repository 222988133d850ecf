/* metrics.h - GET /metrics in the Prometheus text format 0.0.4, with
 * cAdvisor's names for the per-container network counters. */
#ifndef NIS_HTTP_METRICS_H
#define NIS_HTTP_METRICS_H

#include <stddef.h>

#include "http/request.h"

void http_metrics(struct http_req *req, struct http_resp *resp);

/* Label value escaping of the format: \ -> \\, " -> \", newline -> \n;
 * other control bytes (< 0x20, 0x7f) are dropped. Stops before len. */
void http_prom_escape(const char *in, char *out, size_t len);

#endif
