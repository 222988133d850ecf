/* unit.h - the unit test modules the runner puts into one Check suite.
 * Each tests/unit/test_<module>.c adds its TCases with add_<module>_tests(). */
#ifndef NIS_TESTS_UNIT_H
#define NIS_TESTS_UNIT_H

#include <check.h>

/* Check's ck_assert*() records its location with a write(2) on every call,
 * which dominates loops of 100000 checks; these call into Check only when
 * they fail. */
#define UCHECK(cond) do { \
	if (!(cond)) \
		ck_abort_msg("%s:%d: assertion '%s' failed", __FILE__, __LINE__, #cond); \
} while (0)

#define UCHECK_EQ(x, y) do { \
	long long x_ = (long long)(x), y_ = (long long)(y); \
	if (x_ != y_) \
		ck_abort_msg("%s:%d: '%s == %s' failed: %lld != %lld", \
			     __FILE__, __LINE__, #x, #y, x_, y_); \
} while (0)

void add_ranges_tests(Suite *s);
void add_resources_tests(Suite *s);
void add_blocks_tests(Suite *s);
void add_alloc_tests(Suite *s);
void add_bytes_tests(Suite *s);
void add_flags_tests(Suite *s);
void add_procnet_tests(Suite *s);
void add_rates_tests(Suite *s);
void add_chained_tests(Suite *s);
void add_acct_classes_tests(Suite *s);
void add_acct_store_tests(Suite *s);
void add_auth_tests(Suite *s);
void add_acct_query_tests(Suite *s);
void add_leaf_tests(Suite *s);
void add_extns_tests(Suite *s);
void add_cni_tests(Suite *s);
void add_metrics_tests(Suite *s);
void add_ui_tests(Suite *s);
void add_warnings_tests(Suite *s);

#endif
