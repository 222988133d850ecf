/* test_rates.c - net_rate_statistics' series and percentiles, as
 * libprocess' Statistics computes them. */
#include <string.h>

#include "isolator/rates.h"
#include "tests/unit/unit.h"

static void counters(uint64_t c[ISO_RATE_KINDS], uint64_t tx_bytes)
{
	memset(c, 0, sizeof(uint64_t) * ISO_RATE_KINDS);
	c[ISO_TX_RATE] = tx_bytes;
	c[ISO_RX_RATE] = tx_bytes / 2;
}

START_TEST(test_rates_interpolate)
{
	struct iso_rates r;
	struct iso_pct p[ISO_RATE_KINDS];
	uint64_t c[ISO_RATE_KINDS], total = 0;

	ck_assert_int_eq(iso_rates_init(&r, 100), 0);
	/* rates 100, 200, ..., 1000 B/s, one a second */
	for (int i = 0; i <= 10; i++) {
		total += (uint64_t)i * 100;
		counters(c, total);
		iso_rates_sample(&r, 10.0 + i, c);
	}
	iso_rates_summary(&r, 20.0, 60.0, p);
	ck_assert(p[ISO_TX_RATE].set);
	ck_assert_uint_eq(p[ISO_TX_RATE].samples, 10);
	ck_assert_uint_eq(p[ISO_TX_RATE].min, 100);
	ck_assert_uint_eq(p[ISO_TX_RATE].max, 1000);
	/* position 0.5 * 9 = 4.5: 500 + 0.5 * 100 */
	ck_assert_uint_eq(p[ISO_TX_RATE].p50, 550);
	/* 0.9 * 9 is 8.0999... in doubles: 900 + 9.99, truncated, as libprocess */
	ck_assert_uint_eq(p[ISO_TX_RATE].p90, 909);
	ck_assert_uint_eq(p[ISO_TX_RATE].p9999, 999);
	ck_assert_uint_eq(p[ISO_RX_RATE].max, 500);
	ck_assert(p[ISO_TX_DROP_RATE].set);
	ck_assert_uint_eq(p[ISO_TX_DROP_RATE].max, 0);
	iso_rates_free(&r);
}
END_TEST

START_TEST(test_rates_window_and_ring)
{
	struct iso_rates r;
	struct iso_pct p[ISO_RATE_KINDS];
	uint64_t c[ISO_RATE_KINDS];

	ck_assert_int_eq(iso_rates_init(&r, 1), 0);
	ck_assert_uint_eq(r.cap, 3);		/* at least 3, as TimeSeries */
	counters(c, 0);
	iso_rates_sample(&r, 1.0, c);
	iso_rates_summary(&r, 1.0, 10.0, p);
	ck_assert(!p[ISO_TX_RATE].set);		/* no rate yet */
	counters(c, 1000);
	iso_rates_sample(&r, 2.0, c);
	iso_rates_summary(&r, 2.0, 10.0, p);
	ck_assert(!p[ISO_TX_RATE].set);		/* one sample: no summary */
	for (int i = 3; i <= 6; i++) {
		counters(c, 1000 + (uint64_t)(i - 2) * 5000);
		iso_rates_sample(&r, (double)i, c);
	}
	iso_rates_summary(&r, 6.0, 10.0, p);
	ck_assert_uint_eq(p[ISO_TX_RATE].samples, 3);	/* the ring keeps the last 3 */
	ck_assert_uint_eq(p[ISO_TX_RATE].min, 5000);
	/* a window of 1.5 s keeps the samples at 5 and 6 */
	iso_rates_summary(&r, 6.0, 1.5, p);
	ck_assert_uint_eq(p[ISO_TX_RATE].samples, 2);
	/* far later: all expired, the newest stays, one is no summary */
	iso_rates_summary(&r, 100.0, 1.5, p);
	ck_assert(!p[ISO_TX_RATE].set);
	/* a counter that went back (a reset) gives no rate */
	counters(c, 10);
	iso_rates_sample(&r, 7.0, c);
	iso_rates_summary(&r, 7.0, 10.0, p);
	ck_assert_uint_eq(p[ISO_TX_RATE].samples, 3);
	ck_assert_uint_eq(p[ISO_TX_RATE].min, 5000);
	iso_rates_free(&r);
}
END_TEST

void add_rates_tests(Suite *s)
{
	TCase *tc = tcase_create("rates");

	tcase_add_test(tc, test_rates_interpolate);
	tcase_add_test(tc, test_rates_window_and_ring);
	suite_add_tcase(s, tc);
}
