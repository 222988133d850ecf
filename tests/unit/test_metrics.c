/* test_metrics.c - label values on /metrics: the format's three escapes,
 * control bytes (ESC, BEL, ..., DEL) dropped, the buffer never overrun. */
#include <string.h>

#include "http/metrics.h"
#include "tests/unit/unit.h"

START_TEST(test_escape_format)
{
	char out[64];

	http_prom_escape("a\\b\"c\nd", out, sizeof(out));
	ck_assert_str_eq(out, "a\\\\b\\\"c\\nd");
	http_prom_escape("docker.io/library/nginx:1.25", out, sizeof(out));
	ck_assert_str_eq(out, "docker.io/library/nginx:1.25");
	http_prom_escape("caf\xc3\xa9", out, sizeof(out));	/* UTF-8 passes */
	ck_assert_str_eq(out, "caf\xc3\xa9");
}
END_TEST

START_TEST(test_escape_drops_control)
{
	char in[40], out[64];
	int n = 0;

	http_prom_escape("x\x1b[31mred\x07\x7f\ty\rz", out, sizeof(out));
	ck_assert_str_eq(out, "x[31mredyz");
	for (int c = 1; c < 0x20; c++)
		if (c != '\n')
			in[n++] = (char)c;
	in[n++] = 0x7f;
	in[n] = '\0';
	http_prom_escape(in, out, sizeof(out));
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_escape_bounded)
{
	char out[8];

	memset(out, 'Z', sizeof(out));
	http_prom_escape("\"\"\"\"\"\"\"\"", out, 7);
	UCHECK(strlen(out) < 7);
	UCHECK(out[7] == 'Z');
	ck_assert_str_eq(out, "\\\"\\\"");
}
END_TEST

void add_metrics_tests(Suite *s)
{
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_escape_format);
	tcase_add_test(tc, test_escape_drops_control);
	tcase_add_test(tc, test_escape_bounded);
	suite_add_tcase(s, tc);
}
