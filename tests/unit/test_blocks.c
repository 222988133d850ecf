/* test_blocks.c - aligned power-of-two decomposition: the documented example,
 * properties on 100000+ random and all edge ranges, and minimality against an
 * exact dynamic program over every begin for several ends. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portmap/blocks.h"
#include "tests/unit/unit.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The obviously-correct greedy: at each step try every block size from the
 * largest down and take the first aligned one that fits. */
static size_t greedy(uint32_t begin, uint32_t end, struct pm_block *out)
{
	uint64_t cur = begin;
	size_t n = 0;

	while (cur <= end) {
		for (uint64_t size = 65536; size; size /= 2) {
			if (cur % size == 0 && cur + size - 1 <= end) {
				out[n].port = (uint16_t)cur;
				out[n].size = (uint32_t)size;
				n++;
				cur += size;
				break;
			}
		}
	}
	return n;
}

/* Disjoint, aligned, power-of-two, ascending, exactly [begin,end], and the
 * same blocks as the greedy (which is minimal: proven below by the DP). */
static void check_range(uint32_t begin, uint32_t end)
{
	struct pm_block got[PM_RANGE_BLOCKS_MAX], want[64];
	uint64_t next = begin;
	int n = pm_range_blocks(begin, end, got, PM_RANGE_BLOCKS_MAX);
	size_t wn = greedy(begin, end, want);

	UCHECK(n > 0);
	for (int i = 0; i < n; i++) {
		uint32_t size = got[i].size;

		UCHECK(size >= 1 && size <= 65536 && (size & (size - 1)) == 0);
		UCHECK(got[i].port % size == 0);
		/* Starting exactly where the previous ended gives ascending,
		 * disjoint and gap-free all at once. */
		UCHECK_EQ(got[i].port, next);
		UCHECK_EQ((uint16_t)(got[i].port & pm_block_mask(got[i])), got[i].port);
		next += size;
	}
	UCHECK_EQ(next, (uint64_t)end + 1);
	UCHECK_EQ((size_t)n, wn);
	for (size_t i = 0; i < wn; i++) {
		UCHECK_EQ(got[i].port, want[i].port);
		UCHECK_EQ(got[i].size, want[i].size);
	}
}

START_TEST(test_documented_example)
{
	static const struct { uint16_t port; uint32_t size; } want[] = {
		{ 31000, 8 }, { 31008, 32 }, { 31040, 64 }, { 31104, 128 },
		{ 31232, 256 }, { 31488, 8 }, { 31496, 4 },
	};
	struct pm_block b[PM_RANGE_BLOCKS_MAX];

	ck_assert_int_eq(pm_range_blocks(31000, 31499, b, PM_RANGE_BLOCKS_MAX), 7);
	for (size_t i = 0; i < 7; i++) {
		ck_assert_uint_eq(b[i].port, want[i].port);
		ck_assert_uint_eq(b[i].size, want[i].size);
	}
	ck_assert_uint_eq(pm_block_mask(b[0]), 0xfff8);
	ck_assert_uint_eq(pm_block_mask(b[4]), 0xff00);
	ck_assert_uint_eq(pm_block_mask(b[6]), 0xfffc);
}
END_TEST

START_TEST(test_edges)
{
	struct pm_block b[PM_RANGE_BLOCKS_MAX];

	ck_assert_int_eq(pm_range_blocks(0, 65535, b, 1), 1);
	ck_assert_uint_eq(b[0].port, 0);
	ck_assert_uint_eq(b[0].size, 65536);
	ck_assert_uint_eq(pm_block_mask(b[0]), 0);

	ck_assert_int_eq(pm_range_blocks(8080, 8080, b, 1), 1);
	ck_assert_uint_eq(b[0].port, 8080);
	ck_assert_uint_eq(b[0].size, 1);
	ck_assert_uint_eq(pm_block_mask(b[0]), 0xffff);

	ck_assert_int_eq(pm_range_blocks(65535, 65535, b, 1), 1);
	ck_assert_uint_eq(b[0].port, 65535);
	ck_assert_int_eq(pm_range_blocks(32768, 65535, b, 1), 1);
	ck_assert_uint_eq(b[0].size, 32768);
	ck_assert_uint_eq(pm_block_mask(b[0]), 0x8000);

	/* An ephemeral block is one block. */
	ck_assert_int_eq(pm_range_blocks(32768, 33791, b, 1), 1);
	ck_assert_uint_eq(b[0].size, 1024);
	ck_assert_uint_eq(pm_block_mask(b[0]), 0xfc00);

	/* The worst case: 15 blocks climbing to 32768 and 15 falling. */
	ck_assert_int_eq(pm_range_blocks(1, 65534, b, PM_RANGE_BLOCKS_MAX), 30);

	ck_assert_int_eq(pm_range_blocks(10, 9, b, PM_RANGE_BLOCKS_MAX), -EINVAL);
	ck_assert_int_eq(pm_range_blocks(0, 65536, b, PM_RANGE_BLOCKS_MAX), -EINVAL);
	ck_assert_int_eq(pm_range_blocks(70000, 70001, b, PM_RANGE_BLOCKS_MAX), -EINVAL);

	/* Too small a buffer: -ENOSPC and nothing written. */
	memset(b, 0xab, sizeof(b));
	ck_assert_int_eq(pm_range_blocks(31000, 31499, b, 6), -ENOSPC);
	ck_assert_uint_eq(b[0].port, 0xabab);
	ck_assert_int_eq(pm_range_blocks(31000, 31499, b, 7), 7);
	ck_assert_int_eq(pm_range_blocks(1, 2, NULL, 0), -ENOSPC);
}
END_TEST

START_TEST(test_property_edge_ranges)
{
	uint32_t edges[128];
	size_t ne = 0;

	for (uint32_t k = 0; k <= 16; k++) {
		uint32_t p = 1u << k;

		edges[ne++] = (p - 1) & 0xffff;
		if (p <= 65535)
			edges[ne++] = p;
		if (p + 1 <= 65535)
			edges[ne++] = p + 1;
		if (p >= 2)
			edges[ne++] = p - 2;
	}
	edges[ne++] = 0;
	edges[ne++] = 65535;
	edges[ne++] = 65534;
	edges[ne++] = 31000;
	edges[ne++] = 31499;
	edges[ne++] = 32768 + 1024 * 5;
	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < ne; j++)
			if (edges[i] <= edges[j])
				check_range(edges[i], edges[j]);
	for (uint32_t p = 0; p <= 65535; p++)
		check_range(p, p);
	for (uint32_t p = 0; p <= 65535; p++)
		check_range(p, 65535);
}
END_TEST

START_TEST(test_property_random_ranges)
{
	rng_state = 0xb10c5;
	for (int i = 0; i < 150000; i++) {
		uint32_t b = (uint32_t)(rng() % 65536), e;

		switch (i % 3) {
		case 0:	/* anywhere */
			e = b + (uint32_t)(rng() % (65536 - b));
			break;
		case 1:	/* short */
			e = b + (uint32_t)(rng() % 100);
			break;
		default: /* aligned-ish starts, as real pools have */
			b &= ~((1u << (rng() % 12)) - 1);
			e = b + (uint32_t)(rng() % 5000);
			break;
		}
		if (e > 65535)
			e = 65535;
		check_range(b, e);
	}
}
END_TEST

/* Exact minimum by dynamic programming: any exact cover by aligned blocks,
 * sorted, starts at begin, so f(x) = 1 + min over blocks at x of f(x + size).
 * One pass per end gives the minimum for every begin at once. */
START_TEST(test_minimal_by_dp)
{
	static uint8_t f[65537];
	uint32_t ends[24] = { 0, 1, 2, 3, 255, 1023, 31499, 32767, 32768, 57343,
			      57344, 65534, 65535 };
	size_t nends = 13;
	struct pm_block b[PM_RANGE_BLOCKS_MAX];

	rng_state = 0xd9;
	while (nends < 24)
		ends[nends++] = (uint32_t)(rng() % 65536);
	for (size_t k = 0; k < nends; k++) {
		uint32_t end = ends[k];

		f[end + 1] = 0;
		for (int64_t x = end; x >= 0; x--) {
			uint8_t best = UINT8_MAX;

			for (uint64_t size = 1; size <= 65536; size *= 2) {
				if (x % size || x + size - 1 > end)
					break;
				if (f[x + size] + 1 < best)
					best = (uint8_t)(f[x + size] + 1);
			}
			f[x] = best;
		}
		for (uint32_t begin = 0; begin <= end; begin++)
			UCHECK_EQ(pm_range_blocks(begin, end, b, PM_RANGE_BLOCKS_MAX), f[begin]);
	}
}
END_TEST

START_TEST(test_set_blocks)
{
	struct pm_block *blocks = (struct pm_block *)1;
	struct pm_set s;
	size_t n = 99;

	pm_set_init(&s);
	ck_assert_int_eq(pm_set_blocks(&s, &blocks, &n), 0);
	ck_assert_ptr_null(blocks);
	ck_assert_uint_eq(n, 0);

	ck_assert_int_eq(pm_set_parse("[31000-31499,32768-33791,80-80]", "ports", &s, NULL), 0);
	ck_assert_int_eq(pm_set_blocks(&s, &blocks, &n), 0);
	ck_assert_uint_eq(n, 9);
	ck_assert_uint_eq(blocks[0].port, 80);
	ck_assert_uint_eq(blocks[0].size, 1);
	ck_assert_uint_eq(blocks[1].port, 31000);
	ck_assert_uint_eq(blocks[7].port, 31496);
	ck_assert_uint_eq(blocks[7].size, 4);
	ck_assert_uint_eq(blocks[8].port, 32768);
	ck_assert_uint_eq(blocks[8].size, 1024);
	free(blocks);

	/* Ports above 65535 cannot be matched on a 16-bit field. */
	blocks = NULL;
	n = 0;
	ck_assert_int_eq(pm_set_add(&s, 65535, 65536), 0);
	ck_assert_int_eq(pm_set_blocks(&s, &blocks, &n), -EINVAL);
	ck_assert_ptr_null(blocks);
	ck_assert_uint_eq(n, 0);
	pm_set_free(&s);
}
END_TEST

/* Whole sets: the blocks of a random set cover exactly its ports. */
START_TEST(test_set_blocks_random)
{
	static uint8_t seen[65536];
	struct pm_set s;

	rng_state = 0x5e7b10c;
	pm_set_init(&s);
	for (int iter = 0; iter < 300; iter++) {
		struct pm_block *blocks;
		size_t n, k = rng() % 20;
		uint64_t covered = 0;

		pm_set_clear(&s);
		for (size_t i = 0; i < k; i++) {
			uint32_t b = (uint32_t)(rng() % 65536);
			uint32_t e = b + (uint32_t)(rng() % 3000);

			UCHECK_EQ(pm_set_add(&s, b, e > 65535 ? 65535 : e), 0);
		}
		UCHECK_EQ(pm_set_blocks(&s, &blocks, &n), 0);
		memset(seen, 0, sizeof(seen));
		for (size_t i = 0; i < n; i++) {
			if (i)
				UCHECK(blocks[i].port > blocks[i - 1].port);
			for (uint32_t p = blocks[i].port; p < blocks[i].port + blocks[i].size; p++) {
				UCHECK(!seen[p]);
				seen[p] = 1;
				covered++;
			}
		}
		UCHECK_EQ(covered, pm_set_count(&s));
		for (uint32_t p = 0; p < 65536; p++)
			UCHECK_EQ(seen[p], pm_set_contains_port(&s, p));
		free(blocks);
	}
	pm_set_free(&s);
}
END_TEST

void add_blocks_tests(Suite *s)
{
	TCase *tc = tcase_create("blocks");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_documented_example);
	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_property_edge_ranges);
	tcase_add_test(tc, test_property_random_ranges);
	tcase_add_test(tc, test_minimal_by_dp);
	tcase_add_test(tc, test_set_blocks);
	tcase_add_test(tc, test_set_blocks_random);
	suite_add_tcase(s, tc);
}
