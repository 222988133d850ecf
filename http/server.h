/* server.h - libmicrohttpd listeners (TCP and the unix socket) feeding one
 * route table. Requests are parsed here; handlers only see http_req. */
#ifndef NIS_HTTP_SERVER_H
#define NIS_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "http/auth.h"

struct MHD_Connection;

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
	struct MHD_Connection *conn;	/* for query parameters */
	void *app;			/* what the routes serve */
};

struct http_resp {
	unsigned int status;
	bool challenge;			/* 401: add WWW-Authenticate */
	const char *content_type;	/* static string */
	char *body;			/* malloc'd, owned by the response */
	size_t len;
};

/* Query parameter of the request, or NULL. */
const char *http_query(const struct http_req *req, const char *key);

/* Sets a JSON error body {"error": msg, "code": code}. */
void http_error(struct http_resp *resp, unsigned int status, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

struct http_server;

struct http_server_cfg {
	const char *ip;			/* TCP listener, NULL for none */
	unsigned int port;
	const char *unix_path;		/* unix socket (mode 0600), NULL for none */
	const struct http_auth *auth;	/* for TCP requests */
	void *app;
};

/* Requests answered so far, by method and status, for /metrics: calls fn
 * for every non-zero counter. */
void http_server_counters(void (*fn)(const char *method, unsigned int status,
				     unsigned long long n, void *arg), void *arg);

int http_server_start(const struct http_server_cfg *cfg, struct http_server **out,
		      struct nis_err *err);
void http_server_stop(struct http_server *s);

#endif
