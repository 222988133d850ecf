/* fuzz_pm_set_parse.c - pm_set_parse() (portmap/ranges.h) on arbitrary text.
 * Invariants checked:
 *  - the result is 0 or -EINVAL (-ENOMEM only under memory pressure), the
 *    same with and without a struct nis_err, and an error leaves `out`
 *    unchanged and writes a message;
 *  - a parsed set is canonical and within 0..65535;
 *  - pm_set_format() agrees with its size query and with a too-small
 *    buffer (-ENOSPC, NUL-terminated prefix), and parse(format(s)) == s;
 *  - pm_set_blocks(s): aligned power-of-two blocks, ascending, disjoint,
 *    each inside s, together exactly as many ports as s (so they cover s),
 *    and each range cut into the minimal number of blocks. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portmap/blocks.h"
#include "portmap/ranges.h"
#include "tests/fuzz/fuzz.h"

/* Minimal aligned-block count for [b,e], computed independently of
 * blocks.c: the greedy left-to-right cover, with 64-bit arithmetic. */
static size_t min_blocks(uint64_t b, uint64_t e)
{
	size_t n = 0;

	while (b <= e) {
		uint64_t size = b ? (b & -b) : 0x10000;

		while (b + size - 1 > e)
			size >>= 1;
		b += size;
		n++;
	}
	return n;
}

static void check_blocks(const struct pm_set *s)
{
	struct pm_block *blk = (struct pm_block *)(uintptr_t)1;	/* must be replaced */
	size_t n = (size_t)-1, j = 0, expect = 0;
	uint64_t total = 0;
	int rc = pm_set_blocks(s, &blk, &n);

	FUZZ_CHECK(rc == 0 || rc == -ENOMEM);
	if (rc)
		return;
	FUZZ_CHECK(s->n ? (blk != NULL && n > 0) : (blk == NULL && n == 0));
	for (size_t i = 0; i < n; i++) {
		uint64_t port = blk[i].port, size = blk[i].size;

		/* Aligned power of two within the 16-bit port space. */
		FUZZ_CHECK(size >= 1 && size <= 0x10000 && (size & (size - 1)) == 0);
		FUZZ_CHECK(port % size == 0);
		FUZZ_CHECK(port + size - 1 <= PM_PORT_MAX);
		FUZZ_CHECK((uint16_t)(port & pm_block_mask(blk[i])) == blk[i].port);
		/* Ascending and disjoint. */
		if (i)
			FUZZ_CHECK((uint64_t)blk[i - 1].port + blk[i - 1].size <= port);
		/* Inside a range of s (ranges are ascending, so walk j along). */
		while (j < s->n && s->r[j].end < port)
			j++;
		FUZZ_CHECK(j < s->n);
		FUZZ_CHECK(s->r[j].begin <= port && port + size - 1 <= s->r[j].end);
		total += size;
	}
	/* Disjoint blocks inside s with as many ports as s cover s exactly. */
	FUZZ_CHECK(total == pm_set_count(s));
	for (size_t i = 0; i < s->n; i++) {
		size_t m = min_blocks(s->r[i].begin, s->r[i].end);

		FUZZ_CHECK(m <= PM_RANGE_BLOCKS_MAX);
		expect += m;
	}
	FUZZ_CHECK(n == expect);
	free(blk);
}

static void check_format(const struct pm_set *s, const uint8_t *data, size_t size)
{
	struct pm_set back;
	struct nis_err err = { "" };
	int need = pm_set_format(s, NULL, 0), rc;
	char *buf, *small;
	size_t cut;

	FUZZ_CHECK(need >= 2);
	buf = malloc((size_t)need + 1);
	FUZZ_CHECK(buf != NULL);
	rc = pm_set_format(s, buf, (size_t)need + 1);
	FUZZ_CHECK(rc == need);
	FUZZ_CHECK(strlen(buf) == (size_t)need);
	FUZZ_CHECK(buf[0] == '[' && buf[need - 1] == ']');

	/* Round trip: the canonical text parses back to the same set. */
	pm_set_init(&back);
	rc = pm_set_parse(buf, NULL, &back, &err);
	if (rc != 0) {
		fprintf(stderr, "re-parse of '%s' failed: %s\n", buf, err.msg);
		abort();
	}
	FUZZ_CHECK(pm_set_equal(&back, s));
	pm_set_free(&back);

	/* A too-small buffer (size picked from the input): -ENOSPC and a
	 * NUL-terminated prefix of the full text. */
	cut = size ? data[size - 1] % (size_t)(need + 1) : 0;	/* 0..need */
	small = malloc(cut ? cut : 1);
	FUZZ_CHECK(small != NULL);
	rc = pm_set_format(s, cut ? small : NULL, cut);
	if (cut == 0) {
		FUZZ_CHECK(rc == need);
	} else {
		FUZZ_CHECK(rc == -ENOSPC);
		FUZZ_CHECK(strlen(small) == cut - 1);
		FUZZ_CHECK(!memcmp(small, buf, cut - 1));
	}
	free(small);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nis_err err = { "" };
	struct pm_set out, quiet, before;
	char *text = fuzz_cstr(data, size);
	int rc, rc2;

	/* Pre-fill out so that "unchanged on error" is observable. */
	pm_set_init(&out);
	pm_set_init(&before);
	pm_set_init(&quiet);
	FUZZ_CHECK(pm_set_add(&out, 7, 9) == 0 && pm_set_add(&out, 100, 100) == 0);
	FUZZ_CHECK(pm_set_copy(&before, &out) == 0);

	rc = pm_set_parse(text, "ports", &out, &err);
	rc2 = pm_set_parse(text, NULL, &quiet, NULL);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	FUZZ_CHECK(rc == rc2 || rc == -ENOMEM || rc2 == -ENOMEM);
	if (rc) {
		fuzz_check_msg(err.msg, sizeof(err.msg));
		FUZZ_CHECK(pm_set_equal(&out, &before));
	} else {
		fuzz_check_canonical(&out, PM_PORT_MAX);
		if (!rc2)
			FUZZ_CHECK(pm_set_equal(&out, &quiet));
		check_format(&out, data, size);
		check_blocks(&out);
	}
	pm_set_free(&out);
	pm_set_free(&quiet);
	pm_set_free(&before);
	free(text);
	return 0;
}
