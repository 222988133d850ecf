/* test_bytes.c - Mesos Bytes and Duration parsing, and the CLI's human
 * units. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "portmap/bytes.h"
#include "tests/unit/unit.h"

static const struct {
	const char *text;
	uint64_t want;
} bytes_ok[] = {
	{ "37500KB", 38400000ull },
	{ "10MB", 10485760ull },
	{ "1GB", 1073741824ull },
	{ "512B", 512ull },
	{ "1TB", 1099511627776ull },
	{ "0B", 0ull },
	{ "125000B", 125000ull },
	{ "10mb", 10485760ull },
	{ "1kb", 1024ull },
	{ "1Kb", 1024ull },
	{ "5b", 5ull },
	{ "2gB", 2147483648ull },
	{ "1tb", 1099511627776ull },
	{ "007MB", 7340032ull },
	{ "18446744073709551615B", UINT64_MAX },
	{ "16777215TB", 16777215ull << 40 },
	{ "17179869183GB", 17179869183ull << 30 },
};

static const struct {
	const char *text;
	const char *quote1, *quote2;
} bytes_bad[] = {
	{ "", "''", "empty" },
	{ "MB", "'MB'", "digits" },
	{ "10", "'10'", "missing unit" },
	{ "10XB", "'10XB'", "unknown unit 'XB'" },
	{ "10MBB", "'10MBB'", "unknown unit 'MBB'" },
	{ "10KiB", "'10KiB'", "unknown unit 'KiB'" },
	{ "-1MB", "'-1MB'", "sign" },
	{ "+1MB", "'+1MB'", "sign" },
	{ "1.5MB", "'1.5MB'", "fractional bytes" },
	{ "1,5MB", "'1,5MB'", "fractional bytes" },
	{ "18446744073709551616B", "'18446744073709551616B'", "64 bits" },
	{ "17179869184GB", "'17179869184GB'", "64 bits" },
	{ "16777216TB", "'16777216TB'", "64 bits" },
	{ "99999999999999999999999MB", "'99999999999999999999999MB'", "64 bits" },
	{ " 10MB", "' 10MB'", "digits" },
	{ "10MB ", "'10MB '", "unknown unit 'MB '" },
	{ "10 MB", "'10 MB'", "unknown unit ' MB'" },
	{ "0x10MB", "'0x10MB'", "unknown unit" },
};

START_TEST(test_bytes_ok)
{
	struct nis_err err = { "" };
	uint64_t v = 12345;

	ck_assert_msg(pm_bytes_parse(bytes_ok[_i].text, &v, &err) == 0,
		      "'%s': %s", bytes_ok[_i].text, err.msg);
	ck_assert_uint_eq(v, bytes_ok[_i].want);
}
END_TEST

START_TEST(test_bytes_bad)
{
	struct nis_err err = { "" };
	uint64_t v = 12345;

	ck_assert_int_eq(pm_bytes_parse(bytes_bad[_i].text, &v, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, bytes_bad[_i].quote1) && strstr(err.msg, bytes_bad[_i].quote2),
		      "'%s': message '%s' lacks %s or %s", bytes_bad[_i].text,
		      err.msg, bytes_bad[_i].quote1, bytes_bad[_i].quote2);
	ck_assert_uint_eq(v, 12345);	/* untouched */
	ck_assert_int_eq(pm_bytes_parse(bytes_bad[_i].text, &v, NULL), -EINVAL);
}
END_TEST

START_TEST(test_bytes_null)
{
	uint64_t v = 1;

	ck_assert_int_eq(pm_bytes_parse(NULL, &v, NULL), -EINVAL);
	ck_assert_uint_eq(v, 1);
}
END_TEST

#define NS 1ull
#define SEC (1000000000ull * NS)

static const struct {
	const char *text;
	uint64_t want;
} dur_ok[] = {
	{ "60secs", 60 * SEC },
	{ "1mins", 60 * SEC },
	{ "1.5mins", 90 * SEC },
	{ "100ms", 100000000ull },
	{ "2hrs", 7200 * SEC },
	{ "1days", 86400 * SEC },
	{ "2weeks", 14 * 86400 * SEC },
	{ "10ns", 10 },
	{ "5us", 5000 },
	{ "0secs", 0 },
	{ "1.1secs", 1100000000ull },
	{ "0.5ns", 0 },
	{ "1.25ms", 1250000ull },
	{ "0.001secs", 1000000ull },
	{ "1.000000000000000000009secs", SEC },
	{ "0.1weeks", 60480 * SEC },
	{ "18446744073709551615ns", UINT64_MAX },
	{ "18446744073709551615.9ns", UINT64_MAX },
	{ "18446744073.709551615secs", UINT64_MAX },
	{ "30000weeks", 30000ull * 7 * 86400 * SEC },
	{ "30500weeks", 18446400000000000000ull },
};

static const struct {
	const char *text;
	const char *quote1, *quote2;
} dur_bad[] = {
	{ "", "''", "empty" },
	{ "secs", "'secs'", "number" },
	{ "60", "'60'", "missing unit" },
	{ "60s", "'60s'", "unknown unit 's'" },
	{ "60sec", "'60sec'", "unknown unit 'sec'" },
	{ "60SECS", "'60SECS'", "unknown unit" },
	{ "-1secs", "'-1secs'", "sign" },
	{ "+1secs", "'+1secs'", "sign" },
	{ "1.secs", "'1.secs'", "digits after '.'" },
	{ ".5secs", "'.5secs'", "number" },
	{ "1.5", "'1.5'", "missing unit" },
	{ "abc", "'abc'", "number" },
	{ "60 secs", "'60 secs'", "unknown unit ' secs'" },
	{ "1e3secs", "'1e3secs'", "unknown unit 'e3secs'" },
	{ "1.2.3secs", "'1.2.3secs'", "unknown unit '.3secs'" },
	{ "18446744073709551616ns", "'18446744073709551616ns'", "too large" },
	{ "18446744073.709551616secs", "'18446744073.709551616secs'", "too large" },
	{ "30501weeks", "'30501weeks'", "too large" },
	{ "99999999999999999999999secs", "'99999999999999999999999secs'", "too large" },
};

START_TEST(test_duration_ok)
{
	struct nis_err err = { "" };
	uint64_t v = 12345;

	ck_assert_msg(pm_duration_parse(dur_ok[_i].text, &v, &err) == 0,
		      "'%s': %s", dur_ok[_i].text, err.msg);
	ck_assert_uint_eq(v, dur_ok[_i].want);
}
END_TEST

START_TEST(test_duration_bad)
{
	struct nis_err err = { "" };
	uint64_t v = 12345;

	ck_assert_int_eq(pm_duration_parse(dur_bad[_i].text, &v, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, dur_bad[_i].quote1) && strstr(err.msg, dur_bad[_i].quote2),
		      "'%s': message '%s' lacks %s or %s", dur_bad[_i].text,
		      err.msg, dur_bad[_i].quote1, dur_bad[_i].quote2);
	ck_assert_uint_eq(v, 12345);
	ck_assert_int_eq(pm_duration_parse(dur_bad[_i].text, &v, NULL), -EINVAL);
	ck_assert_int_eq(pm_duration_parse(NULL, &v, NULL), -EINVAL);
}
END_TEST

START_TEST(test_bytes_human)
{
	static const struct {
		uint64_t bytes;
		const char *want;
	} cases[] = {
		{ 0, "0 B" },
		{ 512, "512 B" },
		{ 1023, "1023 B" },
		{ 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" },
		{ 12897485, "12.3 MiB" },
		{ 1048575, "1.0 MiB" },		/* not "1024.0 KiB" */
		{ 1048576, "1.0 MiB" },
		{ 5ull << 30, "5.0 GiB" },
		{ 1ull << 40, "1.0 TiB" },
		{ 1ull << 50, "1024.0 TiB" },	/* TiB is the largest unit */
		{ UINT64_MAX, "16777216.0 TiB" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = pm_bytes_human(cases[i].bytes, buf, sizeof(buf));

		ck_assert_str_eq(buf, cases[i].want);
		ck_assert_int_eq(n, (int)strlen(cases[i].want));
		ck_assert_int_eq(pm_bytes_human(cases[i].bytes, NULL, 0), n);
	}
	ck_assert_int_eq(pm_bytes_human(12897485, buf, 8), -ENOSPC);	/* "12.3 MiB" + NUL */
	ck_assert_str_eq(buf, "12.3 Mi");
	ck_assert_int_eq(pm_bytes_human(12897485, buf, 9), 8);
}
END_TEST

START_TEST(test_rate_human)
{
	static const struct {
		double bps;
		const char *want;
	} cases[] = {
		{ 0, "0 bit/s" },
		{ 100, "800 bit/s" },
		{ 124.9, "999 bit/s" },
		{ 124.95, "1.0 kbit/s" },	/* 999.6 bit/s would round to "1000" */
		{ 125, "1.0 kbit/s" },
		{ 12262500, "98.1 Mbit/s" },
		{ 124999999, "1.0 Gbit/s" },
		{ 1.25e9, "10.0 Gbit/s" },
		{ 1.25e12, "10000.0 Gbit/s" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = pm_rate_human(cases[i].bps, buf, sizeof(buf));

		ck_assert_str_eq(buf, cases[i].want);
		ck_assert_int_eq(n, (int)strlen(cases[i].want));
		ck_assert_int_eq(pm_rate_human(cases[i].bps, NULL, 0), n);
	}
	ck_assert_int_eq(pm_rate_human(-1, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(pm_rate_human(NAN, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(pm_rate_human(12262500, buf, 5), -ENOSPC);
	ck_assert_str_eq(buf, "98.1");
}
END_TEST

void add_bytes_tests(Suite *s)
{
	TCase *tc = tcase_create("bytes");

	tcase_add_loop_test(tc, test_bytes_ok, 0, sizeof(bytes_ok) / sizeof(bytes_ok[0]));
	tcase_add_loop_test(tc, test_bytes_bad, 0, sizeof(bytes_bad) / sizeof(bytes_bad[0]));
	tcase_add_test(tc, test_bytes_null);
	tcase_add_loop_test(tc, test_duration_ok, 0, sizeof(dur_ok) / sizeof(dur_ok[0]));
	tcase_add_loop_test(tc, test_duration_bad, 0, sizeof(dur_bad) / sizeof(dur_bad[0]));
	tcase_add_test(tc, test_bytes_human);
	tcase_add_test(tc, test_rate_human);
	suite_add_tcase(s, tc);
}
