/* test_ranges.c - port range sets: examples, the Mesos syntax, and every set
 * operation checked against a brute-force 65536-bit model on random sets. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portmap/ranges.h"
#include "tests/unit/unit.h"

#define WORDS (65536 / 64)

static uint64_t rng_state;

/* splitmix64: deterministic, so a failure reproduces. */
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(rng() % n);
}

static void bm_fill(uint64_t *bm, uint32_t b, uint32_t e)
{
	for (uint32_t p = b; p <= e;) {
		if (p % 64 == 0 && e - p >= 63) {
			bm[p / 64] = ~0ull;
			p += 64;
		} else {
			bm[p / 64] |= 1ull << (p % 64);
			p++;
		}
	}
}

static void set_to_bm(const struct pm_set *s, uint64_t *bm)
{
	memset(bm, 0, WORDS * sizeof(*bm));
	for (size_t i = 0; i < s->n; i++) {
		UCHECK(s->r[i].end <= 65535);
		bm_fill(bm, s->r[i].begin, s->r[i].end);
	}
}

static bool bm_get(const uint64_t *bm, uint32_t p)
{
	return bm[p / 64] >> (p % 64) & 1;
}

/* Sorted, each range non-empty, neighbours neither overlapping nor touching. */
static void assert_canonical(const struct pm_set *s)
{
	UCHECK(s->n <= s->cap);
	UCHECK(s->n == 0 || s->r != NULL);
	for (size_t i = 0; i < s->n; i++) {
		UCHECK(s->r[i].begin <= s->r[i].end);
		if (i)
			UCHECK(s->r[i].begin > (uint64_t)s->r[i - 1].end + 1);
	}
}

static void assert_set_is_bm(const struct pm_set *s, const uint64_t *want)
{
	uint64_t got[WORDS];

	assert_canonical(s);
	set_to_bm(s, got);
	UCHECK(memcmp(got, want, sizeof(got)) == 0);
}

static uint64_t bm_count(const uint64_t *bm)
{
	uint64_t n = 0;

	for (size_t w = 0; w < WORDS; w++)
		n += (uint64_t)__builtin_popcountll(bm[w]);
	return n;
}

/* A random set and its model: few or many ranges, short or long, and
 * sometimes ranges that touch or sit at 0 / 65535. */
static void random_set(struct pm_set *s, uint64_t *bm)
{
	uint32_t k = rng_below(4) == 0 ? 0 : rng_below(rng_below(3) ? 8 : 40);
	uint32_t maxlen = rng_below(2) ? 64 : (rng_below(2) ? 2000 : 30000);
	uint32_t base = rng_below(3) ? 0 : rng_below(60000);
	uint32_t span = rng_below(2) ? 65536 - base : (rng_below(4000) + 1);

	if (base + span > 65536)
		span = 65536 - base;
	pm_set_clear(s);
	memset(bm, 0, WORDS * sizeof(*bm));
	for (uint32_t i = 0; i < k; i++) {
		uint32_t b = base + rng_below(span), e;

		if (rng_below(16) == 0)
			b = rng_below(2) ? 0 : 65535;
		e = b + rng_below(maxlen);
		if (e > 65535)
			e = 65535;
		UCHECK_EQ(pm_set_add(s, b, e), 0);
		bm_fill(bm, b, e);
		assert_set_is_bm(s, bm);
	}
}

static void set_of(struct pm_set *s, size_t n, const uint32_t *pairs)
{
	pm_set_init(s);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(pm_set_add(s, pairs[2 * i], pairs[2 * i + 1]), 0);
}

static void assert_ranges(const struct pm_set *s, size_t n, const uint32_t *pairs)
{
	assert_canonical(s);
	ck_assert_uint_eq(s->n, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(s->r[i].begin, pairs[2 * i]);
		ck_assert_uint_eq(s->r[i].end, pairs[2 * i + 1]);
	}
}

#define SET(s, ...) do { \
	const uint32_t p_[] = { __VA_ARGS__ }; \
	set_of(s, sizeof(p_) / sizeof(p_[0]) / 2, p_); \
} while (0)

#define ASSERT_RANGES(s, ...) do { \
	const uint32_t p_[] = { __VA_ARGS__ }; \
	assert_ranges(s, sizeof(p_) / sizeof(p_[0]) / 2, p_); \
} while (0)

START_TEST(test_init_free_reuse)
{
	struct pm_set s;

	pm_set_init(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(pm_set_count(&s), 0);
	pm_set_free(&s);
	pm_set_free(&s);
	ck_assert_ptr_null(s.r);
	ck_assert_int_eq(pm_set_add(&s, 1, 2), 0);
	pm_set_free(&s);
	ck_assert_ptr_null(s.r);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(s.cap, 0);
	ck_assert_int_eq(pm_set_add(&s, 5, 9), 0);
	pm_set_clear(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(!pm_set_contains_port(&s, 5));
	ck_assert_int_eq(pm_set_add(&s, 7, 7), 0);
	ASSERT_RANGES(&s, 7, 7);
	pm_set_free(&s);
}
END_TEST

START_TEST(test_add_merges)
{
	struct pm_set s;

	pm_set_init(&s);
	ck_assert_int_eq(pm_set_add(&s, 20, 10), -EINVAL);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(pm_set_add(&s, 10, 20), 0);
	ck_assert_int_eq(pm_set_add(&s, 21, 30), 0);	/* adjacent above */
	ASSERT_RANGES(&s, 10, 30);
	ck_assert_int_eq(pm_set_add(&s, 5, 9), 0);	/* adjacent below */
	ASSERT_RANGES(&s, 5, 30);
	ck_assert_int_eq(pm_set_add(&s, 40, 50), 0);
	ck_assert_int_eq(pm_set_add(&s, 60, 70), 0);
	ck_assert_int_eq(pm_set_add(&s, 0, 1), 0);
	ASSERT_RANGES(&s, 0, 1, 5, 30, 40, 50, 60, 70);
	ck_assert_int_eq(pm_set_add(&s, 45, 55), 0);	/* overlap one */
	ASSERT_RANGES(&s, 0, 1, 5, 30, 40, 55, 60, 70);
	ck_assert_int_eq(pm_set_add(&s, 3, 65), 0);	/* swallow several */
	ASSERT_RANGES(&s, 0, 1, 3, 70);
	ck_assert_int_eq(pm_set_add(&s, 2, 2), 0);	/* fills the hole */
	ASSERT_RANGES(&s, 0, 70);
	ck_assert_int_eq(pm_set_add(&s, 10, 20), 0);	/* already inside */
	ASSERT_RANGES(&s, 0, 70);
	ck_assert_int_eq(pm_set_add(&s, 20, 10), -EINVAL);
	ASSERT_RANGES(&s, 0, 70);
	/* The top of uint32_t must not wrap when checking adjacency. */
	ck_assert_int_eq(pm_set_add(&s, UINT32_MAX, UINT32_MAX), 0);
	ASSERT_RANGES(&s, 0, 70, UINT32_MAX, UINT32_MAX);
	ck_assert_int_eq(pm_set_add(&s, 71, UINT32_MAX - 1), 0);
	ASSERT_RANGES(&s, 0, UINT32_MAX);
	ck_assert_uint_eq(pm_set_count(&s), 1ull << 32);
	pm_set_free(&s);
}
END_TEST

START_TEST(test_ops_examples)
{
	struct pm_set a, b, out;

	SET(&a, 31000, 31009, 31020, 31029);
	SET(&b, 31005, 31024);
	pm_set_init(&out);

	ck_assert_int_eq(pm_set_union(&out, &a, &b), 0);
	ASSERT_RANGES(&out, 31000, 31029);
	ck_assert_int_eq(pm_set_intersect(&out, &a, &b), 0);
	ASSERT_RANGES(&out, 31005, 31009, 31020, 31024);
	ck_assert_int_eq(pm_set_subtract(&out, &a, &b), 0);
	ASSERT_RANGES(&out, 31000, 31004, 31025, 31029);
	ck_assert_int_eq(pm_set_subtract(&out, &b, &a), 0);
	ASSERT_RANGES(&out, 31010, 31019);

	/* One b range cutting two a ranges, and b covering the top. */
	pm_set_free(&a);
	pm_set_free(&b);
	SET(&a, 0, 10, 20, 30, UINT32_MAX - 5, UINT32_MAX);
	SET(&b, 5, 25, UINT32_MAX - 2, UINT32_MAX);
	ck_assert_int_eq(pm_set_subtract(&out, &a, &b), 0);
	ASSERT_RANGES(&out, 0, 4, 26, 30, UINT32_MAX - 5, UINT32_MAX - 3);

	/* Outputs may alias inputs. */
	ck_assert_int_eq(pm_set_union(&a, &a, &b), 0);
	ASSERT_RANGES(&a, 0, 30, UINT32_MAX - 5, UINT32_MAX);
	ck_assert_int_eq(pm_set_intersect(&b, &a, &b), 0);
	ASSERT_RANGES(&b, 5, 25, UINT32_MAX - 2, UINT32_MAX);
	ck_assert_int_eq(pm_set_subtract(&a, &a, &a), 0);
	ck_assert_uint_eq(a.n, 0);

	/* Empty operands. */
	ck_assert_int_eq(pm_set_union(&out, &a, &b), 0);
	ck_assert(pm_set_equal(&out, &b));
	ck_assert_int_eq(pm_set_intersect(&out, &a, &b), 0);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_int_eq(pm_set_subtract(&out, &b, &a), 0);
	ck_assert(pm_set_equal(&out, &b));

	pm_set_free(&a);
	pm_set_free(&b);
	pm_set_free(&out);
}
END_TEST

START_TEST(test_predicates_examples)
{
	struct pm_set agent, req, other, empty;

	SET(&agent, 31000, 32000);
	SET(&req, 31000, 31009, 31990, 32000);
	SET(&other, 32000, 32010);
	pm_set_init(&empty);

	ck_assert(pm_set_contains(&agent, &req));
	ck_assert(!pm_set_contains(&req, &agent));
	ck_assert(!pm_set_contains(&agent, &other));
	ck_assert(pm_set_contains(&agent, &empty));
	ck_assert(pm_set_contains(&empty, &empty));
	ck_assert(!pm_set_contains(&empty, &req));
	ck_assert(pm_set_contains(&agent, &agent));

	ck_assert(pm_set_overlaps(&agent, &other));
	ck_assert(pm_set_overlaps(&other, &agent));
	ck_assert(pm_set_overlaps(&req, &other));	/* just port 32000 */
	ck_assert(!pm_set_overlaps(&agent, &empty));
	ck_assert(!pm_set_overlaps(&empty, &empty));

	ck_assert(pm_set_contains_port(&agent, 31000));
	ck_assert(pm_set_contains_port(&agent, 32000));
	ck_assert(!pm_set_contains_port(&agent, 30999));
	ck_assert(!pm_set_contains_port(&agent, 32001));
	ck_assert(!pm_set_contains_port(&req, 31500));
	ck_assert(!pm_set_contains_port(&empty, 0));

	ck_assert_uint_eq(pm_set_count(&agent), 1001);
	ck_assert_uint_eq(pm_set_count(&req), 21);
	ck_assert_uint_eq(pm_set_count(&empty), 0);

	ck_assert(!pm_set_equal(&agent, &req));
	ck_assert(pm_set_equal(&empty, &empty));
	ck_assert(!pm_set_equal(&empty, &req));

	pm_set_free(&agent);
	pm_set_free(&req);
	pm_set_free(&other);
}
END_TEST

START_TEST(test_copy)
{
	struct pm_set a, b;

	SET(&a, 1, 5, 10, 20);
	SET(&b, 100, 200, 300, 400, 500, 600);
	ck_assert_int_eq(pm_set_copy(&b, &a), 0);
	ck_assert(pm_set_equal(&a, &b));
	ck_assert_ptr_ne(a.r, b.r);
	ck_assert_int_eq(pm_set_copy(&a, &a), 0);
	ASSERT_RANGES(&a, 1, 5, 10, 20);
	pm_set_clear(&a);
	ck_assert_int_eq(pm_set_copy(&b, &a), 0);
	ck_assert_uint_eq(b.n, 0);
	pm_set_free(&a);
	pm_set_free(&b);
}
END_TEST

/* Every operation against the bitmap model, on many random pairs. */
START_TEST(test_random_vs_model)
{
	static uint64_t ma[WORDS], mb[WORDS], want[WORDS];
	struct pm_set a, b, out;

	rng_state = 0x5eed0001;
	pm_set_init(&a);
	pm_set_init(&b);
	pm_set_init(&out);
	for (int iter = 0; iter < 3000; iter++) {
		bool sub = true, ovl = false;

		random_set(&a, ma);
		if (rng_below(8) == 0) {
			/* Equal sets and subsets arise too rarely at random. */
			UCHECK_EQ(pm_set_copy(&b, &a), 0);
			memcpy(mb, ma, sizeof(mb));
		} else {
			random_set(&b, mb);
		}

		for (size_t w = 0; w < WORDS; w++)
			want[w] = ma[w] | mb[w];
		UCHECK_EQ(pm_set_union(&out, &a, &b), 0);
		assert_set_is_bm(&out, want);

		for (size_t w = 0; w < WORDS; w++)
			want[w] = ma[w] & mb[w];
		UCHECK_EQ(pm_set_intersect(&out, &a, &b), 0);
		assert_set_is_bm(&out, want);

		for (size_t w = 0; w < WORDS; w++)
			want[w] = ma[w] & ~mb[w];
		UCHECK_EQ(pm_set_subtract(&out, &a, &b), 0);
		assert_set_is_bm(&out, want);

		for (size_t w = 0; w < WORDS; w++) {
			if (mb[w] & ~ma[w])
				sub = false;
			if (ma[w] & mb[w])
				ovl = true;
		}
		UCHECK_EQ(pm_set_contains(&a, &b), sub);
		UCHECK_EQ(pm_set_overlaps(&a, &b), ovl);
		UCHECK_EQ(pm_set_overlaps(&b, &a), ovl);
		UCHECK_EQ(pm_set_equal(&a, &b), memcmp(ma, mb, sizeof(ma)) == 0);
		UCHECK_EQ(pm_set_count(&a), bm_count(ma));
		for (int k = 0; k < 32; k++) {
			uint32_t p = rng_below(65536);

			/* Probe the edges of ranges too, where off-by-ones live. */
			if (a.n && k % 2) {
				const struct pm_range *r = &a.r[rng_below((uint32_t)a.n)];

				p = k % 4 == 1 ? r->begin : r->end;
				p = (p + (uint32_t)rng_below(3) - 1) & 0xffff;
			}
			UCHECK_EQ(pm_set_contains_port(&a, p), bm_get(ma, p));
		}
	}
	pm_set_free(&a);
	pm_set_free(&b);
	pm_set_free(&out);
}
END_TEST

START_TEST(test_parse_ok)
{
	struct pm_set s;
	struct nis_err err = { "" };

	pm_set_init(&s);
	ck_assert_int_eq(pm_set_parse("[31000-32000]", "ports", &s, &err), 0);
	ASSERT_RANGES(&s, 31000, 32000);
	ck_assert_int_eq(pm_set_parse("[31000-31500,32000-32500]", "ports", &s, &err), 0);
	ASSERT_RANGES(&s, 31000, 31500, 32000, 32500);
	ck_assert_int_eq(pm_set_parse("  [ 31000 - 31500 ,\t32000-32500 ]\n", "ports", &s, &err), 0);
	ASSERT_RANGES(&s, 31000, 31500, 32000, 32500);
	ck_assert_int_eq(pm_set_parse("[32000-32500, 31000-31500]", "ports", &s, &err), 0);
	ASSERT_RANGES(&s, 31000, 31500, 32000, 32500);
	ck_assert_int_eq(pm_set_parse("[8080-8080]", "ports", &s, &err), 0);
	ASSERT_RANGES(&s, 8080, 8080);
	ck_assert_int_eq(pm_set_parse("[0-65535]", "ports", &s, &err), 0);
	ASSERT_RANGES(&s, 0, 65535);
	ck_assert_int_eq(pm_set_parse("[0-0,65535-65535]", "ports", &s, &err), 0);
	ASSERT_RANGES(&s, 0, 0, 65535, 65535);
	/* Adjacent ranges do not overlap: accepted and merged. */
	ck_assert_int_eq(pm_set_parse("[1-5,6-10,11-11]", "ports", &s, &err), 0);
	ASSERT_RANGES(&s, 1, 11);
	ck_assert_int_eq(pm_set_parse("[00080-00090]", "ports", &s, &err), 0);
	ASSERT_RANGES(&s, 80, 90);
	ck_assert_int_eq(pm_set_parse("[]", "ports", &s, &err), 0);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(pm_set_parse(" [ ] ", NULL, &s, NULL), 0);
	ck_assert_uint_eq(s.n, 0);
	pm_set_free(&s);
}
END_TEST

struct parse_case {
	const char *text;
	int rc;
	const char *quote1, *quote2;
};

static const struct parse_case parse_errors[] = {
	{ "[32000-31000]", -EINVAL, "'32000-31000'", "begin is greater than end" },
	{ "[31000-70000]", -EINVAL, "'31000-70000'", "70000" },
	{ "[70000-70001]", -EINVAL, "'70000-70001'", "port 70000" },
	{ "[65535-65536]", -EINVAL, "65536", "greater than 65535" },
	{ "[1-99999999999999999999]", -EINVAL, "99999999999999999999", "65535" },
	{ "31000-32000", -EINVAL, "'31000-32000'", "'['" },
	{ "", -EINVAL, "''", "'['" },
	{ "[31000-32000", -EINVAL, "'[31000-32000'", "missing ']'" },
	{ "[", -EINVAL, "'['", "missing ']'" },
	{ "[31000-32000,", -EINVAL, "'[31000-32000,'", "missing ']'" },
	{ "[31000-32000]x", -EINVAL, "'[31000-32000]x'", "'x'" },
	{ "[31000-32000] [1-2]", -EINVAL, "'[1-2]'", "after ']'" },
	{ "[31000-32000],", -EINVAL, "','", "after ']'" },
	{ "[8080]", -EINVAL, "'8080'", "'8080-8080'" },
	{ "[a-b]", -EINVAL, "'a-b]'", "port number" },
	{ "[1-b]", -EINVAL, "'1-b]'", "after '-'" },
	{ "[1-]", -EINVAL, "'1-]'", "after '-'" },
	{ "[-1-5]", -EINVAL, "'-1-5]'", "port number" },
	{ "[1--5]", -EINVAL, "'1--5]'", "after '-'" },
	{ "[1-2,]", -EINVAL, "']'", "port number" },
	{ "[,1-2]", -EINVAL, "',1-2]'", "port number" },
	{ "[1-2 3-4]", -EINVAL, "'3-4]'", "expected ',' or ']'" },
	{ "[1-2;3-4]", -EINVAL, "';3-4]'", "expected ',' or ']'" },
	{ "[[1-2]]", -EINVAL, "'[1-2]]'", "port number" },
	{ "[1-5,3-8]", -EINVAL, "range '3-8' overlaps range '1-5'", "'ports'" },
	{ "[3-8,1-5]", -EINVAL, "range '1-5' overlaps range '3-8'", "'ports'" },
	{ "[10-20,1-5,15-16]", -EINVAL, "range '15-16' overlaps range '10-20'", "'ports'" },
	{ "[1-5,1-5]", -EINVAL, "duplicate range '1-5'", "'ports'" },
	{ "[1-5,7-9,1-5]", -EINVAL, "duplicate range '1-5'", "'ports'" },
	{ "[1-5,5-9]", -EINVAL, "'5-9'", "'1-5'" },
	{ "[0-65535,8080-8080]", -EINVAL, "'8080-8080'", "'0-65535'" },
};

START_TEST(test_parse_errors)
{
	const struct parse_case *c = &parse_errors[_i];
	struct nis_err err = { "" };
	struct pm_set s;

	pm_set_init(&s);
	ck_assert_int_eq(pm_set_parse(c->text, "ports", &s, &err), c->rc);
	ck_assert_msg(strstr(err.msg, c->quote1), "'%s': message '%s' lacks %s",
		      c->text, err.msg, c->quote1);
	ck_assert_msg(strstr(err.msg, c->quote2), "'%s': message '%s' lacks %s",
		      c->text, err.msg, c->quote2);
	ck_assert_msg(strstr(err.msg, "'ports'"), "'%s': message '%s' lacks 'ports'",
		      c->text, err.msg);
	ck_assert_uint_eq(s.n, 0);
	/* Same answer without a place for the message. */
	ck_assert_int_eq(pm_set_parse(c->text, "ports", &s, NULL), c->rc);
	pm_set_free(&s);
}
END_TEST

START_TEST(test_parse_error_messages_exact)
{
	struct nis_err err = { "" };
	struct pm_set s;

	pm_set_init(&s);
	ck_assert_int_eq(pm_set_parse("[32000-31000]", "ports", &s, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "invalid range '32000-31000' in 'ports': begin is greater than end");
	ck_assert_int_eq(pm_set_parse("[31000-70000]", "ports", &s, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "invalid range '31000-70000' in 'ports': port 70000 is greater than 65535");
	ck_assert_int_eq(pm_set_parse("[1-2]", "ports", &s, &err), 0);
	ck_assert_int_eq(pm_set_parse(NULL, "ports", &s, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "'ports'"));
	ck_assert_int_eq(pm_set_parse("[2-1]", NULL, &s, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "'2-1'"));
	pm_set_free(&s);
}
END_TEST

START_TEST(test_parse_error_keeps_output)
{
	struct pm_set s;

	pm_set_init(&s);
	ck_assert_int_eq(pm_set_parse("[10-20,30-40]", "ports", &s, NULL), 0);
	for (size_t i = 0; i < sizeof(parse_errors) / sizeof(parse_errors[0]); i++) {
		ck_assert_int_eq(pm_set_parse(parse_errors[i].text, "ports", &s, NULL), -EINVAL);
		ASSERT_RANGES(&s, 10, 20, 30, 40);
	}
	pm_set_free(&s);
}
END_TEST

START_TEST(test_format)
{
	struct pm_set s;
	char buf[64];

	pm_set_init(&s);
	ck_assert_int_eq(pm_set_format(&s, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "[]");
	SET(&s, 31000, 31009, 31020, 31029);
	ck_assert_int_eq(pm_set_format(&s, buf, sizeof(buf)), 25);
	ck_assert_str_eq(buf, "[31000-31009,31020-31029]");
	ck_assert_int_eq(pm_set_format(&s, NULL, 0), 25);
	/* Room for the text but not its NUL is too small, as with snprintf. */
	ck_assert_int_eq(pm_set_format(&s, buf, 25), -ENOSPC);
	ck_assert_str_eq(buf, "[31000-31009,31020-31029");
	ck_assert_int_eq(pm_set_format(&s, buf, 26), 25);
	ck_assert_int_eq(pm_set_format(&s, buf, 1), -ENOSPC);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(pm_set_format(&s, buf, 14), -ENOSPC);
	ck_assert_str_eq(buf, "[31000-31009,");
	pm_set_free(&s);
	SET(&s, 8080, 8080);
	ck_assert_int_eq(pm_set_format(&s, buf, sizeof(buf)), 11);
	ck_assert_str_eq(buf, "[8080-8080]");
	pm_set_free(&s);
}
END_TEST

/* parse(format(s)) == s for random sets, through every buffer size. */
START_TEST(test_format_parse_roundtrip)
{
	static uint64_t bm[WORDS];
	struct pm_set s, back;

	rng_state = 0x5eed0002;
	pm_set_init(&s);
	pm_set_init(&back);
	for (int iter = 0; iter < 500; iter++) {
		char *buf;
		int need;

		random_set(&s, bm);
		need = pm_set_format(&s, NULL, 0);
		UCHECK(need >= 2);
		buf = malloc((size_t)need + 1);
		UCHECK(buf != NULL);
		UCHECK_EQ(pm_set_format(&s, buf, (size_t)need), -ENOSPC);
		UCHECK_EQ(strlen(buf), (size_t)need - 1);
		UCHECK_EQ(pm_set_format(&s, buf, (size_t)need + 1), need);
		UCHECK_EQ(strlen(buf), (size_t)need);
		UCHECK_EQ(pm_set_parse(buf, "ports", &back, NULL), 0);
		UCHECK(pm_set_equal(&s, &back));
		free(buf);
	}
	pm_set_free(&s);
	pm_set_free(&back);
}
END_TEST

void add_ranges_tests(Suite *s)
{
	TCase *tc = tcase_create("ranges");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_init_free_reuse);
	tcase_add_test(tc, test_add_merges);
	tcase_add_test(tc, test_ops_examples);
	tcase_add_test(tc, test_predicates_examples);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_random_vs_model);
	tcase_add_test(tc, test_parse_ok);
	tcase_add_loop_test(tc, test_parse_errors, 0,
			    sizeof(parse_errors) / sizeof(parse_errors[0]));
	tcase_add_test(tc, test_parse_error_messages_exact);
	tcase_add_test(tc, test_parse_error_keeps_output);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_parse_roundtrip);
	suite_add_tcase(s, tc);
}
