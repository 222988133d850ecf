/* ranges.c - canonical sets of port ranges: the algebra the isolator uses to
 * check requests against the agent's ports, and the Mesos range-list syntax.
 * Pure logic: no I/O, only malloc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portmap/ranges.h"

void pm_set_init(struct pm_set *s)
{
	s->r = NULL;
	s->n = 0;
	s->cap = 0;
}

void pm_set_free(struct pm_set *s)
{
	free(s->r);
	pm_set_init(s);
}

void pm_set_clear(struct pm_set *s)
{
	s->n = 0;
}

/* Makes room for `need` ranges; the set is unchanged on failure. */
static int set_reserve(struct pm_set *s, size_t need)
{
	struct pm_range *r;
	size_t cap;

	if (need <= s->cap)
		return 0;
	cap = s->cap ? s->cap : 4;
	while (cap < need) {
		if (cap > SIZE_MAX / 2 / sizeof(*r))
			return -ENOMEM;
		cap *= 2;
	}
	r = realloc(s->r, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->r = r;
	s->cap = cap;
	return 0;
}

/* Appends [b,e] to a set being built in ascending order of begin, merging
 * with the last range when they overlap or touch. 64-bit so that
 * end == UINT32_MAX cannot wrap. */
static int set_push(struct pm_set *s, uint32_t b, uint32_t e)
{
	struct pm_range *last;
	int rc;

	if (s->n) {
		last = &s->r[s->n - 1];
		if ((uint64_t)b <= (uint64_t)last->end + 1) {
			if (e > last->end)
				last->end = e;
			return 0;
		}
	}
	rc = set_reserve(s, s->n + 1);
	if (rc)
		return rc;
	s->r[s->n].begin = b;
	s->r[s->n].end = e;
	s->n++;
	return 0;
}

/* Replaces out's contents with tmp's (out may have been an input). */
static void set_take(struct pm_set *out, struct pm_set *tmp)
{
	pm_set_free(out);
	*out = *tmp;
}

int pm_set_copy(struct pm_set *dst, const struct pm_set *src)
{
	struct pm_set tmp;

	if (dst == src)
		return 0;
	pm_set_init(&tmp);
	if (set_reserve(&tmp, src->n))
		return -ENOMEM;
	if (src->n)
		memcpy(tmp.r, src->r, src->n * sizeof(*src->r));
	tmp.n = src->n;
	set_take(dst, &tmp);
	return 0;
}

/* First index whose range ends at or after b - 1 (could merge with [b,..]). */
static size_t first_touching(const struct pm_set *s, uint32_t b)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uint64_t)s->r[mid].end + 1 < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First index whose range begins after e + 1 (cannot merge with [..,e]). */
static size_t first_after(const struct pm_set *s, uint32_t e)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uint64_t)s->r[mid].begin <= (uint64_t)e + 1)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int pm_set_add(struct pm_set *s, uint32_t begin, uint32_t end)
{
	size_t lo, hi;

	if (begin > end)
		return -EINVAL;
	lo = first_touching(s, begin);
	hi = first_after(s, end);
	if (lo == hi) {
		/* Touches nothing: insert a new range at lo. */
		if (set_reserve(s, s->n + 1))
			return -ENOMEM;
		memmove(&s->r[lo + 1], &s->r[lo], (s->n - lo) * sizeof(*s->r));
		s->r[lo].begin = begin;
		s->r[lo].end = end;
		s->n++;
		return 0;
	}
	/* Ranges lo..hi-1 all merge into one with [begin,end]. */
	if (s->r[lo].begin < begin)
		begin = s->r[lo].begin;
	if (s->r[hi - 1].end > end)
		end = s->r[hi - 1].end;
	s->r[lo].begin = begin;
	s->r[lo].end = end;
	memmove(&s->r[lo + 1], &s->r[hi], (s->n - hi) * sizeof(*s->r));
	s->n -= hi - lo - 1;
	return 0;
}

int pm_set_union(struct pm_set *out, const struct pm_set *a, const struct pm_set *b)
{
	struct pm_set tmp;
	size_t i = 0, j = 0;
	int rc = 0;

	pm_set_init(&tmp);
	while (!rc && (i < a->n || j < b->n)) {
		const struct pm_range *next;

		if (j >= b->n || (i < a->n && a->r[i].begin <= b->r[j].begin))
			next = &a->r[i++];
		else
			next = &b->r[j++];
		rc = set_push(&tmp, next->begin, next->end);
	}
	if (rc) {
		pm_set_free(&tmp);
		return rc;
	}
	set_take(out, &tmp);
	return 0;
}

int pm_set_intersect(struct pm_set *out, const struct pm_set *a, const struct pm_set *b)
{
	struct pm_set tmp;
	size_t i = 0, j = 0;
	int rc = 0;

	pm_set_init(&tmp);
	while (!rc && i < a->n && j < b->n) {
		uint32_t lo = a->r[i].begin > b->r[j].begin ? a->r[i].begin : b->r[j].begin;
		uint32_t hi = a->r[i].end < b->r[j].end ? a->r[i].end : b->r[j].end;

		if (lo <= hi)
			rc = set_push(&tmp, lo, hi);
		/* The range ending first cannot meet anything further on. */
		if (a->r[i].end < b->r[j].end)
			i++;
		else
			j++;
	}
	if (rc) {
		pm_set_free(&tmp);
		return rc;
	}
	set_take(out, &tmp);
	return 0;
}

int pm_set_subtract(struct pm_set *out, const struct pm_set *a, const struct pm_set *b)
{
	struct pm_set tmp;
	size_t i, j = 0;
	int rc = 0;

	pm_set_init(&tmp);
	for (i = 0; !rc && i < a->n; i++) {
		/* 64-bit: cur can step past UINT32_MAX when b covers the top. */
		uint64_t cur = a->r[i].begin, end = a->r[i].end;

		while (j < b->n && b->r[j].end < cur)
			j++;
		/* Do not step j past a b range that may also cut a->r[i + 1]. */
		for (size_t k = j; !rc && k < b->n && b->r[k].begin <= end; k++) {
			if (b->r[k].begin > cur)
				rc = set_push(&tmp, (uint32_t)cur, b->r[k].begin - 1);
			if ((uint64_t)b->r[k].end + 1 > cur)
				cur = (uint64_t)b->r[k].end + 1;
			if (cur > end)
				break;
		}
		if (!rc && cur <= end)
			rc = set_push(&tmp, (uint32_t)cur, (uint32_t)end);
	}
	if (rc) {
		pm_set_free(&tmp);
		return rc;
	}
	set_take(out, &tmp);
	return 0;
}

/* Index of the range holding port, or s->n. */
static size_t find_port(const struct pm_set *s, uint32_t port)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->r[mid].end < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->r[lo].begin <= port)
		return lo;
	return s->n;
}

bool pm_set_contains_port(const struct pm_set *s, uint32_t port)
{
	return find_port(s, port) < s->n;
}

bool pm_set_contains(const struct pm_set *outer, const struct pm_set *inner)
{
	size_t i, j = 0;

	for (i = 0; i < inner->n; i++) {
		while (j < outer->n && outer->r[j].end < inner->r[i].begin)
			j++;
		/* outer is merged, so one of its ranges must hold all of inner->r[i]. */
		if (j >= outer->n || outer->r[j].begin > inner->r[i].begin ||
		    outer->r[j].end < inner->r[i].end)
			return false;
	}
	return true;
}

bool pm_set_overlaps(const struct pm_set *a, const struct pm_set *b)
{
	size_t i = 0, j = 0;

	while (i < a->n && j < b->n) {
		if (a->r[i].end < b->r[j].begin)
			i++;
		else if (b->r[j].end < a->r[i].begin)
			j++;
		else
			return true;
	}
	return false;
}

uint64_t pm_set_count(const struct pm_set *s)
{
	uint64_t count = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		count += (uint64_t)s->r[i].end - s->r[i].begin + 1;
	return count;
}

bool pm_set_equal(const struct pm_set *a, const struct pm_set *b)
{
	/* Canonical form makes equality a plain array comparison. */
	return a->n == b->n &&
	       (!a->n || !memcmp(a->r, b->r, a->n * sizeof(*a->r)));
}

/* ---- parsing ---- */

/* A range as written, with its position in the list for messages. */
struct raw_range {
	uint32_t begin, end;
	size_t index;
};

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads a run of digits; *val saturates above PM_PORT_MAX so that huge
 * numbers are reported as too big rather than wrapped. */
static const char *read_number(const char *p, uint32_t *val, size_t *len)
{
	const char *start = p;
	uint32_t v = 0;

	while (is_digit(*p)) {
		if (v <= PM_PORT_MAX)
			v = v * 10 + (uint32_t)(*p - '0');
		p++;
	}
	*val = v;
	*len = (size_t)(p - start);
	return p;
}

static int cmp_raw(const void *x, const void *y)
{
	const struct raw_range *a = x, *b = y;

	if (a->begin != b->begin)
		return a->begin < b->begin ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return a->index < b->index ? -1 : (a->index > b->index);
}

/* Sorts the raw ranges, rejects overlaps, builds the canonical set. If any
 * two ranges overlap, some pair adjacent in sorted order does, so checking
 * neighbours is enough. */
static int build_set(struct raw_range *raw, size_t n, const char *what,
		     struct pm_set *out, struct nis_err *err)
{
	struct pm_set tmp;
	size_t i;

	if (n > 1)
		qsort(raw, n, sizeof(*raw), cmp_raw);
	for (i = 1; i < n; i++) {
		const struct raw_range *p = &raw[i - 1], *q = &raw[i];
		const struct raw_range *later = p->index > q->index ? p : q;
		const struct raw_range *earlier = later == p ? q : p;

		if (q->begin > p->end)
			continue;
		if (p->begin == q->begin && p->end == q->end)
			return nis_err_set(err, -EINVAL,
					   "duplicate range '%u-%u' in '%s'",
					   q->begin, q->end, what);
		return nis_err_set(err, -EINVAL,
				   "range '%u-%u' overlaps range '%u-%u' in '%s'",
				   later->begin, later->end, earlier->begin,
				   earlier->end, what);
	}
	pm_set_init(&tmp);
	for (i = 0; i < n; i++) {
		if (set_push(&tmp, raw[i].begin, raw[i].end)) {
			pm_set_free(&tmp);
			return nis_err_set(err, -ENOMEM, "out of memory parsing '%s'", what);
		}
	}
	set_take(out, &tmp);
	return 0;
}

static int push_raw(struct raw_range **raw, size_t *n, size_t *cap,
		    uint32_t b, uint32_t e)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct raw_range *r;

		if (ncap > SIZE_MAX / sizeof(*r))
			return -ENOMEM;
		r = realloc(*raw, ncap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		*raw = r;
		*cap = ncap;
	}
	(*raw)[*n].begin = b;
	(*raw)[*n].end = e;
	(*raw)[*n].index = *n;
	(*n)++;
	return 0;
}

int pm_set_parse(const char *text, const char *what, struct pm_set *out,
		 struct nis_err *err)
{
	struct raw_range *raw = NULL;
	size_t n = 0, cap = 0;
	const char *p;
	int rc;

	if (!what)
		what = "ranges";
	if (!text)
		return nis_err_set(err, -EINVAL, "missing range list for '%s'", what);
	p = skip_ws(text);
	if (*p != '[') {
		rc = nis_err_set(err, -EINVAL,
				 "invalid range list '%s' for '%s': expected '[' at the start",
				 text, what);
		goto out;
	}
	p = skip_ws(p + 1);
	if (*p == ']') {
		p++;
		goto tail;
	}
	for (;;) {
		const char *bt = p, *et;
		size_t blen, elen;
		uint32_t b, e;

		p = read_number(p, &b, &blen);
		if (!blen) {
			rc = nis_err_set(err, -EINVAL,
					 *p ? "invalid range list '%s' for '%s': expected a port number at '%s'"
					    : "invalid range list '%s' for '%s': missing ']'%s",
					 text, what, p);
			goto out;
		}
		p = skip_ws(p);
		if (*p != '-') {
			rc = nis_err_set(err, -EINVAL,
					 "invalid range '%.*s' in '%s': expected 'begin-end' (a single port is written '%.*s-%.*s')",
					 (int)blen, bt, what, (int)blen, bt, (int)blen, bt);
			goto out;
		}
		p = skip_ws(p + 1);
		et = p;
		p = read_number(p, &e, &elen);
		if (!elen) {
			rc = nis_err_set(err, -EINVAL,
					 "invalid range '%.*s-%s' in '%s': expected a port number after '-'",
					 (int)blen, bt, et, what);
			goto out;
		}
		if (b > PM_PORT_MAX || e > PM_PORT_MAX) {
			rc = nis_err_set(err, -EINVAL,
					 "invalid range '%.*s-%.*s' in '%s': port %.*s is greater than 65535",
					 (int)blen, bt, (int)elen, et, what,
					 b > PM_PORT_MAX ? (int)blen : (int)elen,
					 b > PM_PORT_MAX ? bt : et);
			goto out;
		}
		if (b > e) {
			rc = nis_err_set(err, -EINVAL,
					 "invalid range '%.*s-%.*s' in '%s': begin is greater than end",
					 (int)blen, bt, (int)elen, et, what);
			goto out;
		}
		if (push_raw(&raw, &n, &cap, b, e)) {
			rc = nis_err_set(err, -ENOMEM, "out of memory parsing '%s'", what);
			goto out;
		}
		p = skip_ws(p);
		if (*p == ']') {
			p++;
			break;
		}
		if (*p != ',') {
			rc = nis_err_set(err, -EINVAL,
					 *p ? "invalid range list '%s' for '%s': expected ',' or ']' at '%s'"
					    : "invalid range list '%s' for '%s': missing ']'%s",
					 text, what, p);
			goto out;
		}
		p = skip_ws(p + 1);
	}
tail:
	p = skip_ws(p);
	if (*p) {
		rc = nis_err_set(err, -EINVAL,
				 "invalid range list '%s' for '%s': unexpected '%s' after ']'",
				 text, what, p);
		goto out;
	}
	rc = build_set(raw, n, what, out, err);
out:
	free(raw);
	return rc;
}

/* ---- formatting ---- */

int pm_set_format(const struct pm_set *s, char *buf, size_t len)
{
	size_t need = 0, i;
	char one[32];

	/* Measure first so that a too-small buffer is detected up front. */
	need = 2;
	for (i = 0; i < s->n; i++)
		need += (size_t)snprintf(one, sizeof(one), "%s%u-%u", i ? "," : "",
					 s->r[i].begin, s->r[i].end);
	if (need > (size_t)INT32_MAX)
		return -ENOSPC;
	if (!buf && !len)
		return (int)need;
	if (!buf)
		return -EINVAL;
	if (len) {
		size_t pos = 0;

		/* snprintf() truncates safely, so one pass fills or truncates. */
		pos += (size_t)snprintf(buf, len, "[");
		for (i = 0; i < s->n && pos < len; i++)
			pos += (size_t)snprintf(buf + pos, len - pos, "%s%u-%u",
						i ? "," : "", s->r[i].begin, s->r[i].end);
		if (pos < len)
			snprintf(buf + pos, len - pos, "]");
	}
	return need < len ? (int)need : -ENOSPC;
}
