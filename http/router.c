/* router.c - matching a request against a route table and the access
 * check every route's column asks for; the table itself is routes.c's. */
#include <stdbool.h>
#include <string.h>

#include "http/router.h"

/* Matches path against pattern; on a match *arg points into a copy
 * of the {id} segment held in argbuf. */
static bool match(const char *pattern, const char *path, char *argbuf,
		  size_t arglen, const char **arg)
{
	const char *slot = strstr(pattern, "{id}");
	size_t prefix, seg;

	if (!slot)
		return !strcmp(pattern, path);
	prefix = (size_t)(slot - pattern);
	if (strncmp(pattern, path, prefix))
		return false;
	seg = strcspn(path + prefix, "/");
	if (!seg || seg >= arglen || strcmp(slot + 4, path + prefix + seg))
		return false;
	memcpy(argbuf, path + prefix, seg);
	argbuf[seg] = '\0';
	*arg = argbuf;
	return true;
}

/* Mesos' split: the unix socket is trusted; on TCP writes need
 * --authenticate_http_readwrite and an operator's credentials, reads need
 * credentials only with --authenticate_http_readonly. A tenant's
 * credentials scope its reads even where credentials are not needed;
 * wrong ones there are ignored, as before tenants existed. A container's
 * own connection (conns.h) reads only itself, whatever it presents. */
static bool allowed(enum http_access access, struct http_req *req, struct http_resp *resp)
{
	const struct http_scope *scope;
	const char *who;

	req->scope = NULL;
	if (access == HTTP_ANYONE || req->trusted)
		return true;
	if (req->peer_scope) {
		req->scope = req->peer_scope;
		if (access != HTTP_WRITE)
			return true;
		http_error(resp, 403, "forbidden", "a container's connection may only read "
			   "its own container");
		return false;
	}
	if (access == HTTP_WRITE && !http_auth_readwrite(req->auth)) {
		http_error(resp, 403, "forbidden", "write requests are served on the unix "
			   "socket, or on TCP with --authenticate_http_readwrite");
		return false;
	}
	who = http_auth_check_scoped(req->auth, req->user, req->pass, &scope);
	if (!who && (access == HTTP_WRITE || http_auth_readonly(req->auth))) {
		http_error(resp, 401, "unauthorized", "%s", req->user ?
			   "wrong credentials" : "credentials required");
		resp->challenge = true;
		return false;
	}
	if (access == HTTP_WRITE && scope) {
		http_error(resp, 403, "forbidden", "principal '%s' may only read its "
			   "containers", who);
		return false;
	}
	req->scope = scope;
	return true;
}

void http_route_dispatch(const struct http_route *routes, size_t n, struct http_req *req,
			 struct http_resp *resp)
{
	/* HEAD is GET without the body (libmicrohttpd leaves it out). */
	const char *method = strcmp(req->method, "HEAD") ? req->method : "GET";
	bool path_known = false;

	for (size_t i = 0; i < n; i++) {
		const struct http_route *r = &routes[i];

		req->arg = NULL;
		if (!match(r->pattern, req->path, req->argbuf, sizeof(req->argbuf), &req->arg))
			continue;
		path_known = true;
		if (strcmp(r->method, method))
			continue;
		if (allowed(r->access, req, resp)) {
			r->handler(req, resp);
			http_jsonp(req, resp);
		}
		return;
	}
	if (path_known)
		http_error(resp, 405, "method_not_allowed", "%s is not allowed on %s",
			   req->method, req->path);
	else
		http_error(resp, 404, "not_found", "no such endpoint: %s", req->path);
}
