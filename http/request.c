/* request.c - query parameters, request headers and JSON error bodies. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include "http/request.h"

const char *http_query(const struct http_req *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
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
