/* test_leaf.c - fq_codel's parameters for a rate. */
#include <stdint.h>

#include "tc/qdisc.h"
#include "tests/unit/unit.h"

static const struct {
	uint64_t rate;		/* bytes/s */
	uint32_t target_us, interval_us, limit, memory;
} tuned[] = {
	{ 0, 5000, 100000, 10240, 32u << 20 },			/* the kernel's defaults */
	{ 125000000, 5000, 100000, 10240, 32u << 20 },		/* 1 Gbit/s */
	{ 12500000, 5000, 100000, 8256, 12500000 },		/* 100 Mbit/s */
	{ 1250000, 5000, 100000, 825, 4u << 20 },		/* 10 Mbit/s */
	{ 250000, 9084, 181680, 256, 4u << 20 },		/* 2 Mbit/s: 1.5 frames */
	{ 125000, 18168, 363360, 256, 4u << 20 },		/* 1 Mbit/s */
	{ 1, 1000000, 20000000, 256, 4u << 20 },		/* a second at most */
	{ UINT64_MAX, 5000, 100000, 10240, 32u << 20 },
};

START_TEST(test_fq_codel_tune)
{
	struct tc_fq_codel q;

	tc_fq_codel_tune(tuned[_i].rate, 7, &q);
	UCHECK_EQ(q.target_us, tuned[_i].target_us);
	UCHECK_EQ(q.interval_us, tuned[_i].interval_us);
	UCHECK_EQ(q.limit, tuned[_i].limit);
	UCHECK_EQ(q.memory, tuned[_i].memory);
	UCHECK_EQ(q.flows, 7);
	UCHECK(q.ecn);
}
END_TEST

void add_leaf_tests(Suite *s)
{
	TCase *tc = tcase_create("leaf");

	tcase_add_loop_test(tc, test_fq_codel_tune, 0, sizeof(tuned) / sizeof(tuned[0]));
	suite_add_tcase(s, tc);
}
