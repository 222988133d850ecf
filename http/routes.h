/* routes.h - the route table: {method, path pattern, handler, needs_write}. */
#ifndef NIS_HTTP_ROUTES_H
#define NIS_HTTP_ROUTES_H

#include "http/server.h"

/* Finds the route for req and runs it; fills resp (404/405/403 when no
 * route fits or the caller may not write). */
void http_routes_dispatch(struct http_req *req, struct http_resp *resp);

#endif
