/* rates.c - the rate series behind net_rate_statistics (see rates.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "isolator/rates.h"

int iso_rates_init(struct iso_rates *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap < 3 ? 3 : cap;
	r->t = calloc(r->cap, sizeof(*r->t));
	r->v = calloc(r->cap, sizeof(*r->v));
	if (!r->t || !r->v) {
		iso_rates_free(r);
		return -ENOMEM;
	}
	return 0;
}

void iso_rates_free(struct iso_rates *r)
{
	free(r->t);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

void iso_rates_sample(struct iso_rates *r, double t, const uint64_t c[ISO_RATE_KINDS])
{
	double dt = t - r->prev_t;
	bool ok = r->primed && dt > 0;

	for (int k = 0; ok && k < ISO_RATE_KINDS; k++)
		ok = c[k] >= r->prev[k];
	if (ok) {
		size_t at = (r->head + r->n) % r->cap;

		for (int k = 0; k < ISO_RATE_KINDS; k++)
			r->v[at][k] = (uint64_t)((double)(c[k] - r->prev[k]) / dt);
		r->t[at] = t;
		if (r->n < r->cap)
			r->n++;
		else
			r->head = (r->head + 1) % r->cap;
	}
	r->primed = true;
	r->prev_t = t;
	memcpy(r->prev, c, sizeof(r->prev));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* libprocess' percentile: linear interpolation between closest ranks. */
static uint64_t percentile(const uint64_t *v, size_t n, double p)
{
	double pos = p * (double)(n - 1);
	size_t i = (size_t)floor(pos);

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (uint64_t)((double)(v[i + 1] - v[i]) * (pos - (double)i));
}

static void summarise(uint64_t *v, size_t n, struct iso_pct *o)
{
	memset(o, 0, sizeof(*o));
	if (n < 2)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	*o = (struct iso_pct){ true, v[0], v[n - 1], percentile(v, n, 0.5),
		percentile(v, n, 0.9), percentile(v, n, 0.95), percentile(v, n, 0.99),
		percentile(v, n, 0.999), percentile(v, n, 0.9999), n };
}

void iso_rates_summary(const struct iso_rates *r, double now, double window,
		       struct iso_pct out[ISO_RATE_KINDS])
{
	uint64_t *v = r->n ? malloc(r->n * sizeof(*v)) : NULL;
	size_t first = 0;

	/* Older than the window is gone, but the newest one always stays. */
	while (first + 1 < r->n && r->t[(r->head + first) % r->cap] <= now - window)
		first++;
	for (int k = 0; k < ISO_RATE_KINDS; k++) {
		size_t n = 0;

		for (size_t i = first; v && i < r->n; i++)
			v[n++] = r->v[(r->head + i) % r->cap][k];
		summarise(v, n, &out[k]);
	}
	free(v);
}
