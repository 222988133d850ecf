/* acct_sim.c - the history's cost at scale, without a kernel: N containers
 * x C classes of traffic written through acct_store_pass with a simulated
 * clock. The last 48 h run pass by pass at the interval; the days before
 * run one pass per hour (their minute rows would be pruned anyway, so the
 * database ends the same). Prints JSON: pass times and the file size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "acct/store.h"
#include "agent/db.h"
#include "isolator/flags.h"

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

static off_t file_size(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) ? 0 : st.st_size;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 512, classes = argc > 3 ? atoi(argv[3]) : 3;
	int days = argc > 4 ? atoi(argv[4]) : 31, interval = 60;
	const char *dir = argc > 1 ? argv[1] : NULL;
	struct nis_err err = { "" };
	struct acct_store *st;
	struct acct_retention keep;
	struct iso_flags f;
	struct acct_row *rows = calloc((size_t)n * (size_t)classes, sizeof(*rows));
	int64_t *cks = calloc((size_t)n, sizeof(*cks));
	struct acct_source *src = calloc((size_t)n, sizeof(*src));
	time_t end = 1795305600, t;	/* 2026-11-22T00:00:00Z */
	size_t np = 0, cap = 4096;
	double *ms = malloc(cap * sizeof(*ms)), t0 = now_ms();

	if (!dir || !rows || !cks || !src || !ms || agent_db_prepare(dir, &err) ||
	    acct_store_open(dir, &st, &err) || iso_flags_init(&f, &err)) {
		fprintf(stderr, "usage: acct_sim DIR [CONTAINERS] [CLASSES] [DAYS] (%s)\n", err.msg);
		return 2;
	}
	keep = iso_flags_retention(&f);
	iso_flags_free(&f);
	for (int i = 0; i < n; i++) {
		char id[32];

		snprintf(id, sizeof(id), "job.%d", i);
		acct_store_container(st, id, &cks[i], &err);
		src[i] = (struct acct_source){ "boot", i + 10, (uint32_t)i + 100, false };
		for (int c = 0; c < classes; c++)
			rows[i * classes + c] = (struct acct_row){ cks[i], (uint32_t)c,
				{ 150000, 90000, 120, 100 }, { 0, 0, 0, 0 } };
	}
	for (t = end - (time_t)days * 86400; t <= end; ) {
		bool fine = t > end - 2 * 86400;
		double a = now_ms();

		for (int i = 0; i < n * classes; i++)
			rows[i].raw.tx_bytes += rows[i].delta.tx_bytes;
		if (acct_store_pass(st, t, rows, (size_t)(n * classes), cks, src, (size_t)n, &err) ||
		    acct_store_prune(st, t, &keep, 20000, &err) < 0) {
			fprintf(stderr, "acct_sim: %s\n", err.msg);
			return 1;
		}
		if (fine) {
			if (np == cap && !(ms = realloc(ms, (cap *= 2) * sizeof(*ms))))
				return 1;
			ms[np++] = now_ms() - a;
		}
		t += fine ? interval : 3600;
	}
	acct_store_close(st);
	qsort(ms, np, sizeof(*ms), cmp_d);
	printf("{\"containers\": %d, \"classes\": %d, \"days\": %d, \"passes_timed\": %zu,"
	       " \"pass_ms_median\": %.2f, \"pass_ms_p99\": %.2f, \"db_bytes\": %lld,"
	       " \"wal_bytes\": %lld, \"wall_s\": %.1f}\n", n, classes, days, np, ms[np / 2],
	       ms[np * 99 / 100], (long long)file_size(dir, "netisol.db"),
	       (long long)file_size(dir, "netisol.db-wal"), (now_ms() - t0) / 1e3);
	free(ms);
	free(rows);
	free(cks);
	free(src);
	return 0;
}
