/* request.c - query parameters, request headers and JSON error bodies. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include "http/request.h"

const char *http_query(const struct http_req *req, const char *key)
{
	return req->conn ? MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key)
			 : NULL;
}

/* A JavaScript name, dots allowed (Mesos' callers pass "cb" or "a.b"). */
static bool callback_ok(const char *cb)
{
	size_t n = strlen(cb);

	if (!n || n > 128 || (cb[0] >= '0' && cb[0] <= '9'))
		return false;
	return strspn(cb, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789_$.") == n;
}

/* Mesos' ?jsonp=NAME: a 200 JSON answer as NAME(...); for a script tag.
 * Never with credentials: the browser would send a cached Basic login
 * from any page, and the script would hand that page the answer. */
void http_jsonp(const struct http_req *req, struct http_resp *resp)
{
	const char *cb = http_query(req, "jsonp");
	char *body;

	if (!cb || strcmp(req->method, "GET"))
		return;
	if (req->user || req->pass || !callback_ok(cb)) {
		free(resp->body);
		resp->body = NULL;
		resp->len = 0;
		if (req->user || req->pass)
			http_error(resp, 403, "forbidden", "jsonp is not served on a request "
				   "that carries credentials");
		else
			http_error(resp, 400, "bad_request", "jsonp must be a JavaScript name "
				   "([A-Za-z_$][A-Za-z0-9_$.]*, at most 128 characters)");
		return;
	}
	if (resp->status != 200 || !resp->content_type || !resp->body ||
	    strcmp(resp->content_type, "application/json"))
		return;
	if (!(body = malloc(strlen(cb) + resp->len + 4)))
		return;
	resp->len = (size_t)sprintf(body, "%s(%.*s);", cb, (int)resp->len, resp->body);
	free(resp->body);
	resp->body = body;
	resp->content_type = "text/javascript";
}

const char *http_header(const struct http_req *req, const char *name)
{
	return req->conn ? MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name) : NULL;
}

void http_error(struct http_resp *resp, unsigned int status, const char *code,
		const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The message may quote a client's bytes: keep JSON strings UTF-8. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	o = json_pack("{s:s, s:s}", "error", msg, "code", code);
	free(resp->body);
	resp->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	resp->len = resp->body ? strlen(resp->body) : 0;
	resp->status = status;
	resp->content_type = "application/json";
	json_decref(o);
}
