/* fuzz.h - helpers shared by the libFuzzer targets in tests/fuzz/.
 * Header-only so that every target is one .c file plus the project sources
 * it exercises (see scripts/fuzz.sh). */
#ifndef NIS_TESTS_FUZZ_H
#define NIS_TESTS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portmap/ranges.h"

/* Violated invariant: say which, then abort() so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: invariant violated: %s\n",      \
				__FILE__, __LINE__, #cond);                     \
			abort();                                                \
		}                                                               \
	} while (0)

/* A malloc'd NUL-terminated copy of the input (exactly size + 1 bytes, so
 * ASan sees any read past the terminator). abort() on OOM: not a finding. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A nis_err message must always be a NUL-terminated sentence. */
static inline void fuzz_check_msg(const char *msg, size_t cap)
{
	FUZZ_CHECK(memchr(msg, '\0', cap) != NULL);
	FUZZ_CHECK(msg[0] != '\0');
}

/* ranges.h: sorted, disjoint, adjacent ranges merged, begin <= end; parsed
 * sets are also within 0..65535. */
static inline void fuzz_check_canonical(const struct pm_set *s, uint32_t max)
{
	FUZZ_CHECK(s->n <= s->cap);
	FUZZ_CHECK(s->n == 0 || s->r != NULL);
	for (size_t i = 0; i < s->n; i++) {
		FUZZ_CHECK(s->r[i].begin <= s->r[i].end);
		FUZZ_CHECK(s->r[i].end <= max);
		if (i)
			FUZZ_CHECK((uint64_t)s->r[i - 1].end + 1 < s->r[i].begin);
	}
}

#endif
