/* fuzz_bytes.c - pm_bytes_parse() and pm_duration_parse() (portmap/bytes.h),
 * the Mesos Bytes and Duration syntaxes, on arbitrary text; and the human
 * formatting of what they return.
 * Invariants checked:
 *  - 0 or -EINVAL, the same with and without a struct nis_err; on error
 *    the output is untouched and a message is written;
 *  - on success the value round-trips: "<v>B" gives v bytes, "<v>ns" gives
 *    v nanoseconds; a byte size is a multiple of its unit;
 *  - pm_bytes_human()/pm_rate_human(): size query == length written, and a
 *    too-small buffer gives -ENOSPC with a NUL-terminated prefix. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portmap/bytes.h"
#include "tests/fuzz/fuzz.h"

#define SENTINEL 0x5a5a5a5a5a5a5a5aull

typedef int (*human_fn)(uint64_t v, char *buf, size_t len);

static int rate_human(uint64_t v, char *buf, size_t len)
{
	return pm_rate_human((double)v, buf, len);
}

static void check_human(human_fn fn, uint64_t v, unsigned cut)
{
	char buf[64], small[64];
	int need = fn(v, NULL, 0), rc;

	FUZZ_CHECK(need > 0 && (size_t)need < sizeof(buf));
	rc = fn(v, buf, sizeof(buf));
	FUZZ_CHECK(rc == need && strlen(buf) == (size_t)need);
	cut = 1 + cut % (unsigned)need;	/* 1..need: always too small */
	memset(small, 'x', sizeof(small));
	FUZZ_CHECK(fn(v, small, cut) == -ENOSPC);
	FUZZ_CHECK(strlen(small) == cut - 1 && !memcmp(small, buf, cut - 1));
}

static void fuzz_bytes(const char *text, unsigned cut)
{
	struct nis_err err = { "" };
	uint64_t v = SENTINEL, q = SENTINEL, back = SENTINEL;
	char again[32];
	int rc = pm_bytes_parse(text, &v, &err);

	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	FUZZ_CHECK(pm_bytes_parse(text, &q, NULL) == rc);
	if (rc) {
		FUZZ_CHECK(v == SENTINEL && q == SENTINEL);
		fuzz_check_msg(err.msg, sizeof(err.msg));
		return;
	}
	FUZZ_CHECK(v == q);
	snprintf(again, sizeof(again), "%" PRIu64 "B", v);
	FUZZ_CHECK(pm_bytes_parse(again, &back, NULL) == 0 && back == v);
	check_human(pm_bytes_human, v, cut);
	check_human(rate_human, v, cut);
}

static void fuzz_duration(const char *text)
{
	struct nis_err err = { "" };
	uint64_t v = SENTINEL, q = SENTINEL, back = SENTINEL;
	char again[32];
	int rc = pm_duration_parse(text, &v, &err);

	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	FUZZ_CHECK(pm_duration_parse(text, &q, NULL) == rc);
	if (rc) {
		FUZZ_CHECK(v == SENTINEL && q == SENTINEL);
		fuzz_check_msg(err.msg, sizeof(err.msg));
		return;
	}
	FUZZ_CHECK(v == q);
	snprintf(again, sizeof(again), "%" PRIu64 "ns", v);
	FUZZ_CHECK(pm_duration_parse(again, &back, NULL) == 0 && back == v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	unsigned cut = size ? data[0] : 0;

	fuzz_bytes(text, cut);
	fuzz_duration(text);
	free(text);
	return 0;
}
