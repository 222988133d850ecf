/* router.h - a route table's shape, {method, path pattern, handler,
 * access}, and the dispatcher the server runs over the table it is given. */
#ifndef NIS_HTTP_ROUTER_H
#define NIS_HTTP_ROUTER_H

#include <stddef.h>

#include "http/request.h"

typedef void (*http_handler)(struct http_req *req, struct http_resp *resp);

enum http_access { HTTP_ANYONE, HTTP_READ, HTTP_WRITE };

struct http_route {
	const char *method;
	const char *pattern;	/* "/containers/{id}": {id} matches one segment */
	http_handler handler;
	enum http_access access;
};

/* Finds the route for req among routes[0..n) and runs it; fills resp
 * (404/405/401/403 when no route fits or the caller may not). */
void http_route_dispatch(const struct http_route *routes, size_t n, struct http_req *req,
			 struct http_resp *resp);

#endif
