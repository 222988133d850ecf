/* test_alloc.c - the ephemeral block allocator: the Mesos default pool, reuse,
 * recovery (reserve), pool shapes, block size validation, and random
 * operation sequences against a simple array model. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portmap/alloc.h"
#include "tests/unit/unit.h"

static struct pm_range R(uint32_t b, uint32_t e)
{
	struct pm_range r = { b, e };

	return r;
}

static struct pm_alloc *new_alloc(const char *pool_text, uint32_t size)
{
	struct nis_err err = { "" };
	struct pm_alloc *a = NULL;
	struct pm_set pool;

	pm_set_init(&pool);
	ck_assert_int_eq(pm_set_parse(pool_text, "ephemeral_ports", &pool, NULL), 0);
	ck_assert_msg(pm_alloc_new(&pool, size, &a, &err) == 0, "%s", err.msg);
	pm_set_free(&pool);
	return a;
}

/* pm_alloc_new() must fail with rc and a message containing quote. */
static void new_fails(const char *pool_text, uint32_t size, int rc, const char *quote)
{
	struct nis_err err = { "" };
	struct pm_alloc *a = (struct pm_alloc *)&err;
	struct pm_set pool;

	pm_set_init(&pool);
	ck_assert_int_eq(pm_set_parse(pool_text, "ephemeral_ports", &pool, NULL), 0);
	ck_assert_int_eq(pm_alloc_new(&pool, size, &a, &err), rc);
	ck_assert_msg(strstr(err.msg, quote), "message '%s' lacks '%s'", err.msg, quote);
	ck_assert_ptr_eq(a, (struct pm_alloc *)&err);	/* untouched */
	ck_assert_int_eq(pm_alloc_new(&pool, size, &a, NULL), rc);
	pm_set_free(&pool);
}

START_TEST(test_mesos_default_pool)
{
	struct pm_alloc *a = new_alloc("[32768-57344]", 1024);
	struct nis_err err = { "" };
	struct pm_range r;

	ck_assert_uint_eq(pm_alloc_capacity(a), 24);
	ck_assert_uint_eq(pm_alloc_available(a), 24);
	ck_assert_uint_eq(pm_alloc_block_size(a), 1024);
	for (uint32_t i = 0; i < 24; i++) {
		ck_assert_int_eq(pm_alloc_take(a, &r, &err), 0);
		ck_assert_uint_eq(r.begin, 32768 + 1024 * i);
		ck_assert_uint_eq(r.end, 32768 + 1024 * i + 1023);
		ck_assert_uint_eq(pm_alloc_available(a), 23 - i);
	}
	ck_assert_uint_eq(r.begin, 56320);
	ck_assert_uint_eq(r.end, 57343);
	r = R(1, 2);
	ck_assert_int_eq(pm_alloc_take(a, &r, &err), -ENOSPC);
	ck_assert_str_eq(err.msg, "no free ephemeral port block (all 24 in use)");
	ck_assert_uint_eq(r.begin, 1);	/* untouched */
	ck_assert_int_eq(pm_alloc_take(a, &r, NULL), -ENOSPC);
	ck_assert_uint_eq(pm_alloc_available(a), 0);
	pm_alloc_free(a);
	pm_alloc_free(NULL);
}
END_TEST

START_TEST(test_release_reuses_lowest)
{
	struct pm_alloc *a = new_alloc("[32768-57344]", 1024);
	struct nis_err err = { "" };
	struct pm_range r;

	for (int i = 0; i < 24; i++)
		ck_assert_int_eq(pm_alloc_take(a, &r, NULL), 0);
	ck_assert_int_eq(pm_alloc_release(a, R(43008, 44031), &err), 0);
	ck_assert_int_eq(pm_alloc_release(a, R(35840, 36863), &err), 0);
	ck_assert_uint_eq(pm_alloc_available(a), 2);
	ck_assert_int_eq(pm_alloc_take(a, &r, &err), 0);
	ck_assert_uint_eq(r.begin, 35840);
	ck_assert_int_eq(pm_alloc_take(a, &r, &err), 0);
	ck_assert_uint_eq(r.begin, 43008);
	ck_assert_uint_eq(r.end, 44031);
	ck_assert_int_eq(pm_alloc_take(a, &r, &err), -ENOSPC);

	ck_assert_int_eq(pm_alloc_release(a, R(32768, 33791), &err), 0);
	ck_assert_int_eq(pm_alloc_release(a, R(32768, 33791), &err), -ENOENT);
	ck_assert_str_eq(err.msg, "ephemeral port block '32768-33791' is not allocated");
	ck_assert_uint_eq(pm_alloc_available(a), 1);
	/* Releasing something that is not a block of the pool. */
	ck_assert_int_eq(pm_alloc_release(a, R(32769, 33792), &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "'32769-33792'"));
	ck_assert_int_eq(pm_alloc_release(a, R(57344, 58367), &err), -EINVAL);
	ck_assert_int_eq(pm_alloc_release(a, R(32768, 32768 + 511), &err), -EINVAL);
	ck_assert_uint_eq(pm_alloc_available(a), 1);
	pm_alloc_free(a);
}
END_TEST

START_TEST(test_reserve)
{
	struct pm_alloc *a = new_alloc("[32768-57344]", 1024);
	struct nis_err err = { "" };
	struct pm_range r;

	ck_assert_int_eq(pm_alloc_reserve(a, R(32768, 33791), &err), 0);
	ck_assert_int_eq(pm_alloc_reserve(a, R(34816, 35839), &err), 0);
	ck_assert_uint_eq(pm_alloc_available(a), 22);
	ck_assert_int_eq(pm_alloc_reserve(a, R(34816, 35839), &err), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.msg, "'34816-35839'"));
	ck_assert_ptr_nonnull(strstr(err.msg, "already in use"));
	ck_assert_uint_eq(pm_alloc_available(a), 22);

	/* Misaligned, wrong size, outside the pool, straddling its end. */
	ck_assert_int_eq(pm_alloc_reserve(a, R(32769, 33792), &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "'32769-33792'"));
	ck_assert_int_eq(pm_alloc_reserve(a, R(33792, 35839), &err), -EINVAL);
	ck_assert_int_eq(pm_alloc_reserve(a, R(33792, 34303), &err), -EINVAL);
	ck_assert_int_eq(pm_alloc_reserve(a, R(0, 1023), &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "'0-1023'"));
	ck_assert_int_eq(pm_alloc_reserve(a, R(57344, 58367), &err), -EINVAL);
	ck_assert_int_eq(pm_alloc_reserve(a, R(64512, 65535), &err), -EINVAL);
	ck_assert_int_eq(pm_alloc_reserve(a, R(33791, 32768), &err), -EINVAL);
	ck_assert_uint_eq(pm_alloc_available(a), 22);

	/* take skips reserved blocks. */
	ck_assert_int_eq(pm_alloc_take(a, &r, &err), 0);
	ck_assert_uint_eq(r.begin, 33792);
	ck_assert_int_eq(pm_alloc_take(a, &r, &err), 0);
	ck_assert_uint_eq(r.begin, 35840);
	ck_assert_int_eq(pm_alloc_reserve(a, R(33792, 34815), &err), -EEXIST);
	ck_assert_int_eq(pm_alloc_release(a, R(32768, 33791), &err), 0);
	ck_assert_int_eq(pm_alloc_reserve(a, R(32768, 33791), &err), 0);
	pm_alloc_free(a);
}
END_TEST

START_TEST(test_pool_shapes)
{
	struct pm_alloc *a;
	struct pm_range r;

	/* Several ranges: each start rounded up, partial tails dropped. */
	a = new_alloc("[32768-33791, 40000-42000]", 512);
	ck_assert_uint_eq(pm_alloc_capacity(a), 5);
	{
		static const uint32_t want[] = { 32768, 33280, 40448, 40960, 41472 };

		for (size_t i = 0; i < 5; i++) {
			ck_assert_int_eq(pm_alloc_take(a, &r, NULL), 0);
			ck_assert_uint_eq(r.begin, want[i]);
			ck_assert_uint_eq(r.end, want[i] + 511);
		}
	}
	ck_assert_int_eq(pm_alloc_take(a, &r, NULL), -ENOSPC);
	ck_assert_int_eq(pm_alloc_reserve(a, R(41984, 42495), NULL), -EINVAL);
	pm_alloc_free(a);

	/* Start not aligned: the first partial block is skipped. */
	a = new_alloc("[32770-57344]", 1024);
	ck_assert_uint_eq(pm_alloc_capacity(a), 23);
	ck_assert_int_eq(pm_alloc_take(a, &r, NULL), 0);
	ck_assert_uint_eq(r.begin, 33792);
	ck_assert_int_eq(pm_alloc_reserve(a, R(32768, 33791), NULL), -EINVAL);
	pm_alloc_free(a);

	/* Exactly one block; adjacent ranges are one range once parsed. */
	a = new_alloc("[1024-1535,1536-2047]", 1024);
	ck_assert_uint_eq(pm_alloc_capacity(a), 1);
	pm_alloc_free(a);

	/* The whole port space in the smallest blocks; 4096 slots exercise
	 * many bitmap words, and 65 slots a partly used last word. */
	a = new_alloc("[0-65535]", 16);
	ck_assert_uint_eq(pm_alloc_capacity(a), 4096);
	for (uint32_t i = 0; i < 4096; i++) {
		UCHECK_EQ(pm_alloc_take(a, &r, NULL), 0);
		UCHECK_EQ(r.begin, 16 * i);
		UCHECK_EQ(r.end, 16 * i + 15);
	}
	ck_assert_int_eq(pm_alloc_take(a, &r, NULL), -ENOSPC);
	ck_assert_int_eq(pm_alloc_release(a, R(65520, 65535), NULL), 0);
	ck_assert_int_eq(pm_alloc_take(a, &r, NULL), 0);
	ck_assert_uint_eq(r.begin, 65520);
	pm_alloc_free(a);

	a = new_alloc("[0-1039]", 16);
	ck_assert_uint_eq(pm_alloc_capacity(a), 65);
	for (int i = 0; i < 65; i++)
		ck_assert_int_eq(pm_alloc_take(a, &r, NULL), 0);
	ck_assert_uint_eq(r.begin, 1024);
	ck_assert_int_eq(pm_alloc_take(a, &r, NULL), -ENOSPC);
	pm_alloc_free(a);
}
END_TEST

START_TEST(test_block_size_checks)
{
	struct nis_err err = { "" };
	struct pm_alloc *a = NULL;
	struct pm_set empty;

	new_fails("[32768-57344]", 1000, -EINVAL, "1000");
	new_fails("[32768-57344]", 1000, -EINVAL, "not a power of two");
	new_fails("[32768-57344]", 0, -EINVAL, "not a power of two");
	new_fails("[32768-57344]", 1025, -EINVAL, "1025");
	new_fails("[32768-57344]", 8, -EINVAL, "8");
	new_fails("[32768-57344]", 8, -EINVAL, "at least 16");
	new_fails("[32768-57344]", 1, -EINVAL, "at least 16");
	new_fails("[32768-57344]", 32768, -EINVAL, "32768");
	new_fails("[32768-57344]", 32768, -EINVAL, "24577");
	new_fails("[32768-57344]", 1u << 31, -EINVAL, "2147483648");
	/* Big enough in count, but no aligned block fits. */
	new_fails("[32770-33800]", 1024, -EINVAL, "[32770-33800]");
	new_fails("[100-140,200-240]", 32, -EINVAL, "[100-140,200-240]");
	new_fails("[]", 16, -EINVAL, "16");

	/* The largest legal size: exactly the pool. */
	a = new_alloc("[32768-65535]", 32768);
	ck_assert_uint_eq(pm_alloc_capacity(a), 1);
	pm_alloc_free(a);
	a = new_alloc("[32768-32783]", 16);
	ck_assert_uint_eq(pm_alloc_capacity(a), 1);
	pm_alloc_free(a);

	pm_set_init(&empty);
	a = NULL;
	ck_assert_int_eq(pm_alloc_new(&empty, 1024, &a, &err), -EINVAL);
	ck_assert_ptr_null(a);
}
END_TEST

/* Random takes, reserves and releases against a plain array model. */
START_TEST(test_random_vs_model)
{
	static const struct {
		const char *pool;
		uint32_t size;
	} pools[] = {
		{ "[32768-57344]", 1024 },
		{ "[1000-9000,20000-20100,30000-65535]", 64 },
		{ "[0-65535]", 256 },
		{ "[5-70,100-3000]", 16 },
	};
	uint64_t state = 0xa110c;

	for (size_t p = 0; p < sizeof(pools) / sizeof(pools[0]); p++) {
		struct pm_alloc *a = new_alloc(pools[p].pool, pools[p].size);
		size_t cap = pm_alloc_capacity(a), used = 0;
		uint32_t *begins = calloc(cap, sizeof(*begins));
		bool *taken = calloc(cap, sizeof(*taken));
		struct pm_range r;

		ck_assert_ptr_nonnull(begins);
		ck_assert_ptr_nonnull(taken);
		/* Learn the slots by taking them all. */
		for (size_t i = 0; i < cap; i++) {
			ck_assert_int_eq(pm_alloc_take(a, &r, NULL), 0);
			ck_assert_uint_eq(r.end - r.begin + 1, pools[p].size);
			ck_assert_uint_eq(r.begin % pools[p].size, 0);
			if (i)
				ck_assert_uint_gt(r.begin, begins[i - 1]);
			begins[i] = r.begin;
		}
		for (size_t i = 0; i < cap; i++)
			ck_assert_int_eq(pm_alloc_release(a, R(begins[i], begins[i] + pools[p].size - 1), NULL), 0);

		for (int op = 0; op < 20000; op++) {
			size_t i = (size_t)((state = state * 6364136223846793005ull + 1442695040888963407ull) >> 33) % cap;
			struct pm_range blk = R(begins[i], begins[i] + pools[p].size - 1);
			int rc;

			switch (op % 3) {
			case 0: {
				size_t low = 0;

				while (low < cap && taken[low])
					low++;
				rc = pm_alloc_take(a, &r, NULL);
				if (low == cap) {
					UCHECK_EQ(rc, -ENOSPC);
				} else {
					UCHECK_EQ(rc, 0);
					UCHECK_EQ(r.begin, begins[low]);
					taken[low] = true;
					used++;
				}
				break;
			}
			case 1:
				rc = pm_alloc_reserve(a, blk, NULL);
				UCHECK_EQ(rc, taken[i] ? -EEXIST : 0);
				used += !taken[i];
				taken[i] = true;
				break;
			default:
				rc = pm_alloc_release(a, blk, NULL);
				UCHECK_EQ(rc, taken[i] ? 0 : -ENOENT);
				used -= taken[i];
				taken[i] = false;
				break;
			}
			UCHECK_EQ(pm_alloc_available(a), cap - used);
		}
		free(begins);
		free(taken);
		pm_alloc_free(a);
	}
}
END_TEST

void add_alloc_tests(Suite *s)
{
	TCase *tc = tcase_create("alloc");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_mesos_default_pool);
	tcase_add_test(tc, test_release_reuses_lowest);
	tcase_add_test(tc, test_reserve);
	tcase_add_test(tc, test_pool_shapes);
	tcase_add_test(tc, test_block_size_checks);
	tcase_add_test(tc, test_random_vs_model);
	suite_add_tcase(s, tc);
}
