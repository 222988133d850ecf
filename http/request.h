/* request.h - what a handler sees of an HTTP request and fills in of its
 * answer, and the two helpers every handler uses. No listener here. */
#ifndef NIS_HTTP_REQUEST_H
#define NIS_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "http/auth.h"

struct MHD_Connection;

#define HTTP_RESP_HEADERS 6

struct http_req {
	const char *method;
	const char *path;
	const char *body;		/* NUL-terminated, may be "" */
	size_t body_len;
	bool trusted;			/* arrived on the unix socket */
	const char *user, *pass;	/* HTTP Basic credentials, or NULL */
	const struct http_auth *auth;
	const struct http_scope *scope;	/* a tenant's containers, set by the access
					 * check; NULL: sees everything */
	const char *arg;		/* the {id} segment of the route, or NULL */
	char argbuf[256];		/* where arg points */
	const struct http_scope *peer_scope;	/* a container's connection: it sees
						 * only itself, whatever it presents */
	struct MHD_Connection *conn;	/* for query parameters */
	void *app;			/* what the routes serve */
};

struct http_resp {
	unsigned int status;
	bool challenge;			/* 401: add WWW-Authenticate */
	const char *content_type;	/* static string */
	char *body;			/* malloc'd, owned by the response */
	size_t len;
	const char *headers[HTTP_RESP_HEADERS][2];	/* more {name, value}, static
							 * strings; name NULL: unused */
};

/* Query parameter of the request, or NULL. */
const char *http_query(const struct http_req *req, const char *key);

/* ?jsonp=NAME on a GET: wraps a 200 JSON answer as NAME(...); (type
 * text/javascript); refuses a bad NAME (400) or a request with
 * credentials (403). Called on every answer by the router. */
void http_jsonp(const struct http_req *req, struct http_resp *resp);

/* Request header of the request (case-insensitive name), or NULL. */
const char *http_header(const struct http_req *req, const char *name);

/* Sets a JSON error body {"error": msg, "code": code}. */
void http_error(struct http_resp *resp, unsigned int status, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
