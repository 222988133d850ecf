/* ui.c - serving the embedded page: lookup, content types, conditional
 * GETs (a 304 for a tag the browser holds), and the / -> /ui/ redirect. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/ui.h"

const struct http_asset *http_ui_find(const struct http_asset *a, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(a[i].name, name))
			return &a[i];
	return NULL;
}

const char *http_ui_content_type(const char *name)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".json", "application/json" },
	};
	const char *dot = name ? strrchr(name, '.') : NULL;

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot, types[i][0]))
			return types[i][1];
	return "application/octet-stream";
}

/* RFC 9110 8.8.3.2: weak comparison, so W/"x" matches "x". */
bool http_ui_etag_matches(const char *inm, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = inm;

	while (p && *p) {
		size_t n;

		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == elen && !memcmp(p, etag, n))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static void set_headers(struct http_resp *resp, const char *etag)
{
	const char *h[][2] = {
		{ "ETag", etag },
		/* revalidate every time: a new agent build changes the tags */
		{ "Cache-Control", "no-cache" },
		{ "Content-Security-Policy", HTTP_UI_CSP },
		{ "X-Content-Type-Options", "nosniff" },
		{ "Referrer-Policy", "no-referrer" },
	};

	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]) && i < HTTP_RESP_HEADERS; i++) {
		resp->headers[i][0] = h[i][0];
		resp->headers[i][1] = h[i][1];
	}
}

void http_ui_answer(const struct http_asset *a, const char *if_none_match,
		    struct http_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
	set_headers(resp, a->etag);
	resp->content_type = http_ui_content_type(a->name);
	if (http_ui_etag_matches(if_none_match, a->etag)) {
		resp->status = 304;
		return;
	}
	if (!(resp->body = malloc(a->len ? a->len : 1))) {
		http_error(resp, 500, "internal", "out of memory");
		return;
	}
	memcpy(resp->body, a->data, a->len);
	resp->len = a->len;
	resp->status = 200;
}

void http_ui_redirect(struct http_req *req, struct http_resp *resp)
{
	static const char body[] = "{\"location\":\"/ui/\"}";

	(void)req;
	free(resp->body);
	resp->body = strdup(body);
	resp->len = resp->body ? strlen(resp->body) : 0;
	resp->status = 302;
	resp->content_type = "application/json";
	resp->headers[0][0] = "Location";
	resp->headers[0][1] = "/ui/";
}

void http_ui_asset(struct http_req *req, struct http_resp *resp)
{
	const char *name = req->arg ? req->arg : "index.html";
	const struct http_asset *a = http_ui_find(http_assets, http_nassets, name);

	if (!a) {
		http_error(resp, 404, "not_found", "no such file: /ui/%s", name);
		return;
	}
	http_ui_answer(a, http_header(req, "If-None-Match"), resp);
}
