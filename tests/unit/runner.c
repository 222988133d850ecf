/* runner.c - builds the unit suite from every module's add_*_tests() and
 * returns the number of failures. */
#include <stdlib.h>

#include "tests/unit/unit.h"

int main(void)
{
	Suite *s = suite_create("netisol");
	SRunner *sr;
	int failed;

	add_ranges_tests(s);
	add_resources_tests(s);
	add_blocks_tests(s);
	add_alloc_tests(s);
	add_bytes_tests(s);
	add_leaf_tests(s);
	add_extns_tests(s);
	add_chained_tests(s);
	add_flags_tests(s);
	add_procnet_tests(s);
	add_rates_tests(s);
	add_acct_classes_tests(s);
	add_acct_store_tests(s);
	add_auth_tests(s);
	add_acct_query_tests(s);
	add_cni_tests(s);
	add_metrics_tests(s);
	add_ui_tests(s);
	add_warnings_tests(s);
	sr = srunner_create(s);
	/* TAP on stdout: automake's tap-driver counts every test. */
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
