/* accounting.h - the traffic history endpoints: GET /accounting (one
 * container's periods) and GET /accounting/top (the heaviest containers of
 * one period). */
#ifndef NIS_HTTP_ACCOUNTING_H
#define NIS_HTTP_ACCOUNTING_H

#include "http/request.h"

void http_accounting(struct http_req *req, struct http_resp *resp);
void http_accounting_top(struct http_req *req, struct http_resp *resp);

#endif
