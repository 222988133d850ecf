/* ui.h - the web page's assets (web/ and Chart.js, embedded at build time
 * by scripts/embed.sh), served with a strong ETag, a CSP that allows this
 * host only, and the redirect from / to /ui/. */
#ifndef NIS_HTTP_UI_H
#define NIS_HTTP_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "http/request.h"

struct http_asset {
	const char *name;		/* "index.html", "app.js": the path under /ui/ */
	const unsigned char *data;
	size_t len;
	const char *etag;		/* quoted: "\"3f2a...\"" */
};

/* The generated table (web_assets.c). */
extern const struct http_asset http_assets[];
extern const size_t http_nassets;

/* Every page response's policy: nothing but this host, no inline script. */
#define HTTP_UI_CSP "default-src 'self'; base-uri 'none'; form-action 'none'; " \
		    "frame-ancestors 'none'"

/* The asset called name among a[0..n), or NULL. */
const struct http_asset *http_ui_find(const struct http_asset *a, size_t n, const char *name);

/* Content-Type for a file name by its extension; octet-stream if unknown. */
const char *http_ui_content_type(const char *name);

/* Whether an If-None-Match value (a list of quoted, maybe weak, tags or
 * "*") names etag; NULL never does. */
bool http_ui_etag_matches(const char *if_none_match, const char *etag);

/* The answer for one asset: 200 with its bytes, or 304 when if_none_match
 * names its tag; both carry ETag, Cache-Control and the CSP. */
void http_ui_answer(const struct http_asset *a, const char *if_none_match,
		    struct http_resp *resp);

/* Routes: GET / and /ui (302 to /ui/), GET /ui/ and /ui/{id} (an asset). */
void http_ui_redirect(struct http_req *req, struct http_resp *resp);
void http_ui_asset(struct http_req *req, struct http_resp *resp);

#endif
