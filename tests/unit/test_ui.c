/* test_ui.c - the page's serving: ETag matching (lists, weak tags, "*"),
 * content types, 200/304 answers with their headers, the redirect, and the
 * route rows (the page reads only; the redirect needs no credentials). */
#include <stdlib.h>
#include <string.h>

#include "http/router.h"
#include "http/routes.h"
#include "http/ui.h"
#include "unit.h"

static const char *header(const struct http_resp *r, const char *name)
{
	for (size_t i = 0; i < HTTP_RESP_HEADERS && r->headers[i][0]; i++)
		if (!strcmp(r->headers[i][0], name))
			return r->headers[i][1];
	return NULL;
}

START_TEST(test_etag_matches)
{
	const char *tag = "\"abc123\"";

	ck_assert(http_ui_etag_matches("\"abc123\"", tag));
	ck_assert(http_ui_etag_matches("W/\"abc123\"", tag));
	ck_assert(http_ui_etag_matches("\"x\", \"abc123\"", tag));
	ck_assert(http_ui_etag_matches("\"x\",W/\"abc123\" ", tag));
	ck_assert(http_ui_etag_matches("*", tag));
	ck_assert(!http_ui_etag_matches(NULL, tag));
	ck_assert(!http_ui_etag_matches("", tag));
	ck_assert(!http_ui_etag_matches("\"abc12\"", tag));
	ck_assert(!http_ui_etag_matches("\"abc1234\"", tag));
	ck_assert(!http_ui_etag_matches("abc123", tag));
	ck_assert(!http_ui_etag_matches(",,, ", tag));
}
END_TEST

START_TEST(test_content_types)
{
	ck_assert_str_eq(http_ui_content_type("index.html"), "text/html; charset=utf-8");
	ck_assert_str_eq(http_ui_content_type("app.js"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(http_ui_content_type("style.css"), "text/css; charset=utf-8");
	ck_assert_str_eq(http_ui_content_type("favicon.svg"), "image/svg+xml");
	ck_assert_str_eq(http_ui_content_type("X.JS"), "text/javascript; charset=utf-8");
	ck_assert_str_eq(http_ui_content_type("README"), "application/octet-stream");
	ck_assert_str_eq(http_ui_content_type(NULL), "application/octet-stream");
}
END_TEST

static const unsigned char hello[] = "hello";
static const struct http_asset table[] = {
	{ "a.html", hello, 5, "\"t1\"" },
	{ "b.js", hello, 5, "\"t2\"" },
};

START_TEST(test_answer)
{
	struct http_resp r = { 0 };

	ck_assert_ptr_eq(http_ui_find(table, 2, "b.js"), &table[1]);
	ck_assert_ptr_null(http_ui_find(table, 2, "c.js"));
	ck_assert_ptr_null(http_ui_find(table, 2, NULL));
	http_ui_answer(&table[0], NULL, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_uint_eq(r.len, 5);
	ck_assert(!memcmp(r.body, "hello", 5));
	ck_assert_str_eq(r.content_type, "text/html; charset=utf-8");
	ck_assert_str_eq(header(&r, "ETag"), "\"t1\"");
	ck_assert_str_eq(header(&r, "Content-Security-Policy"), HTTP_UI_CSP);
	ck_assert_ptr_nonnull(strstr(HTTP_UI_CSP, "default-src 'self'"));
	ck_assert_str_eq(header(&r, "Cache-Control"), "no-cache");
	free(r.body);
	memset(&r, 0, sizeof(r));
	http_ui_answer(&table[0], "W/\"t1\"", &r);
	ck_assert_uint_eq(r.status, 304);
	ck_assert_uint_eq(r.len, 0);
	ck_assert_ptr_null(r.body);
	ck_assert_str_eq(header(&r, "ETag"), "\"t1\"");
}
END_TEST

/* The embedded table: every file the page loads, each tagged. */
START_TEST(test_embedded)
{
	static const char *const names[] = { "index.html", "app.js", "overview.js",
					     "container.js", "format.js", "style.css",
					     "chart.js", "favicon.svg" };
	struct http_req req = { .method = "GET", .path = "/ui/app.js", .arg = "app.js" };
	struct http_resp r = { 0 };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct http_asset *a = http_ui_find(http_assets, http_nassets, names[i]);
		ck_assert_msg(a && a->len > 0, "%s is embedded", names[i]);
		ck_assert_uint_eq(strlen(a->etag), 22);
	}
	http_ui_asset(&req, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_str_eq(r.content_type, "text/javascript; charset=utf-8");
	free(r.body);
	memset(&r, 0, sizeof(r));
	req.arg = NULL;		/* /ui/ */
	http_ui_asset(&req, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "<script type=\"module\" src=\"app.js\">"));
	free(r.body);
	memset(&r, 0, sizeof(r));
	req.arg = "nosuch.js";
	http_ui_asset(&req, &r);
	ck_assert_uint_eq(r.status, 404);
	free(r.body);
}
END_TEST

START_TEST(test_redirect_and_routes)
{
	struct http_req req = { .method = "GET", .path = "/" };
	struct http_resp r = { 0 };
	int seen = 0;

	http_ui_redirect(&req, &r);
	ck_assert_uint_eq(r.status, 302);
	ck_assert_str_eq(header(&r, "Location"), "/ui/");
	free(r.body);
	for (size_t i = 0; i < http_nroutes; i++) {
		const struct http_route *rt = &http_routes[i];
		if (rt->handler == http_ui_redirect) {
			ck_assert_int_eq(rt->access, HTTP_ANYONE);
			seen |= 1;
		}
		if (rt->handler == http_ui_asset) {
			ck_assert_str_eq(rt->method, "GET");
			ck_assert_int_eq(rt->access, HTTP_READ);
			seen |= 2;
		}
		if (!strcmp(rt->pattern, "/agent")) {
			ck_assert_int_eq(rt->access, HTTP_READ);
			seen |= 4;
		}
		/* nothing under /ui writes */
		if (!strncmp(rt->pattern, "/ui", 3))
			ck_assert_str_eq(rt->method, "GET");
	}
	ck_assert_int_eq(seen, 7);
}
END_TEST

void add_ui_tests(Suite *s)
{
	TCase *tc = tcase_create("ui");

	tcase_add_test(tc, test_etag_matches);
	tcase_add_test(tc, test_content_types);
	tcase_add_test(tc, test_answer);
	tcase_add_test(tc, test_embedded);
	tcase_add_test(tc, test_redirect_and_routes);
	suite_add_tcase(s, tc);
}
