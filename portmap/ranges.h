/* ranges.h - sets of port ranges (Mesos "[a-b,c-d]" syntax) and their algebra.
 * A set is always canonical: sorted, disjoint, adjacent ranges merged, so two
 * equal sets have identical arrays. */
#ifndef NIS_PORTMAP_RANGES_H
#define NIS_PORTMAP_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define PM_PORT_MAX 65535u

/* Inclusive on both ends. */
struct pm_range {
	uint32_t begin, end;
};

/* Sorted, disjoint, adjacent ranges merged. Values are any uint32_t;
 * only pm_set_parse() limits them to 0..65535. */
struct pm_set {
	struct pm_range *r;
	size_t n, cap;
};

/* Every output set below must have been pm_set_init()ed; on success its old
 * contents are replaced (it may alias an input), on error it is unchanged. */
void pm_set_init(struct pm_set *s);
/* Safe on an initialised empty set; leaves it re-usable (init state). */
void pm_set_free(struct pm_set *s);
/* Empties the set, keeps its memory. */
void pm_set_clear(struct pm_set *s);
int pm_set_copy(struct pm_set *dst, const struct pm_set *src);
/* Union with one range; -EINVAL if begin > end, -ENOMEM (set unchanged). */
int pm_set_add(struct pm_set *s, uint32_t begin, uint32_t end);
int pm_set_union(struct pm_set *out, const struct pm_set *a, const struct pm_set *b);
int pm_set_intersect(struct pm_set *out, const struct pm_set *a, const struct pm_set *b);
/* out = a \ b */
int pm_set_subtract(struct pm_set *out, const struct pm_set *a, const struct pm_set *b);
/* inner is a subset of outer (the empty set is a subset of everything). */
bool pm_set_contains(const struct pm_set *outer, const struct pm_set *inner);
bool pm_set_contains_port(const struct pm_set *s, uint32_t port);
bool pm_set_overlaps(const struct pm_set *a, const struct pm_set *b);
/* Number of ports. */
uint64_t pm_set_count(const struct pm_set *s);
bool pm_set_equal(const struct pm_set *a, const struct pm_set *b);

/* Parses Mesos range syntax: "[31000-32000]", "[31000-31500, 32000-32500]",
 * "[]" (empty). Whitespace is allowed around every token. Each range is
 * "begin-end" (a single port is "8080-8080", as in Mesos), ports 0..65535.
 * Ranges may come in any order and adjacent ones are merged, but overlapping
 * or duplicate ranges are rejected. `what` names the resource in messages
 * (e.g. "ports"; NULL means "ranges"). -EINVAL or -ENOMEM; out unchanged. */
int pm_set_parse(const char *text, const char *what, struct pm_set *out,
		 struct nis_err *err);

/* Writes "[31000-31009,31020-31029]" ("[]" when empty) into buf. Returns the
 * length written (without the NUL), or -ENOSPC when buf is too small (buf then
 * holds a truncated, NUL-terminated prefix). buf == NULL with len == 0 is a
 * size query: returns the length needed. */
int pm_set_format(const struct pm_set *s, char *buf, size_t len);

#endif
