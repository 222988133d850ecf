/* server.h - libmicrohttpd listeners (TCP and the unix socket) feeding the
 * route table they are given. Requests are parsed here; handlers only see
 * http_req (request.h). */
#ifndef NIS_HTTP_SERVER_H
#define NIS_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "http/auth.h"
#include "http/conns.h"
#include "http/router.h"

struct http_server;

struct http_server_cfg {
	const char *ip;			/* TCP listener, NULL for none */
	unsigned int port;
	const char *unix_path;		/* unix socket (mode 0600), NULL for none */
	const struct http_auth *auth;	/* for TCP requests */
	const struct http_route *routes;	/* what every request is matched against */
	size_t nroutes;
	http_peer_owner_fn peer_owner;	/* which TCP peers are containers, or NULL */
	void *app;			/* what the routes serve (req->app) */
};

/* Requests answered so far, by method and status, for /metrics: calls fn
 * for every non-zero counter. */
void http_server_counters(void (*fn)(const char *method, unsigned int status,
				     unsigned long long n, void *arg), void *arg);

int http_server_start(const struct http_server_cfg *cfg, struct http_server **out,
		      struct nis_err *err);
void http_server_stop(struct http_server *s);

#endif
