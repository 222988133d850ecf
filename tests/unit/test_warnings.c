/* test_warnings.c - the agent-state endpoint's degraded features, read
 * back from a resolved datapath (no kernel: the struct is filled by hand). */
#include <string.h>

#include "isolator/agent.h"
#include "isolator/warnings.h"
#include "tests/unit/unit.h"

static struct iso_config cfg;
static struct iso_agent agent;

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(&agent, 0, sizeof(agent));
	cfg.flags.bloat_reduction = ISO_BLOAT_AUTO;
	agent.cfg = &cfg;
	agent.dp.leaf = TC_LEAF_FQ_CODEL;
	agent.dp.fast_on = true;
}

static int has(const char **w, size_t n, const char *part)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(w[i], part))
			return 1;
	return 0;
}

START_TEST(test_degraded)
{
	const char *w[8];
	size_t n;

	/* no accounting (acct NULL) is the one warning of an otherwise full kernel */
	n = iso_agent_warnings(&agent, w, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert(has(w, n, "traffic accounting is off"));
	agent.dp.leaf = TC_LEAF_TBF;
	agent.dp.fast_on = false;
	n = iso_agent_warnings(&agent, w, 8);
	ck_assert_uint_eq(n, 3);
	ck_assert(has(w, n, "tbf leaf"));
	ck_assert(has(w, n, "no fast path"));
	agent.dp.leaf = TC_LEAF_NONE;
	n = iso_agent_warnings(&agent, w, 8);
	ck_assert(has(w, n, "degrades to none"));
	/* asked for none: not a degradation */
	cfg.flags.bloat_reduction = ISO_BLOAT_NONE;
	n = iso_agent_warnings(&agent, w, 8);
	ck_assert(!has(w, n, "degrades"));
	/* max bounds the output */
	ck_assert_uint_eq(iso_agent_warnings(&agent, w, 1), 1);
	ck_assert_uint_eq(iso_agent_warnings(&agent, w, 0), 0);
}
END_TEST

void add_warnings_tests(Suite *s)
{
	TCase *tc = tcase_create("warnings");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_degraded);
	suite_add_tcase(s, tc);
}
