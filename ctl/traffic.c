/* traffic.c - netisolctl traffic. With an ID: one row per period (classes
 * summed) with a bar like vnstat's, a totals line, then the totals of each
 * class. Without: the heaviest containers of one period. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/traffic.h"
#include "acct/calendar.h"
#include "portmap/bytes.h"

#define BAR_WIDTH 30

struct sum {
	char label[64];		/* a period's start, or a class */
	uint64_t rx, tx;
};

struct sums {
	struct sum *v;
	size_t n, cap;
};

/* Appends s percent-encoded: ISO offsets carry a '+', which a query
 * string would read as a space. */
static void append_enc(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	for (; *s && n + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-._~:", c))
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, len - n, "%%%02X", c);
	}
	buf[n] = '\0';
}

static void append_param(char *buf, size_t len, const char *key, const char *value)
{
	if (!value)
		return;
	snprintf(buf + strlen(buf), len - strlen(buf), "&%s=", key);
	append_enc(buf, len, value);
}

static void build_path(const struct ctl_traffic *t, char *buf, size_t len)
{
	snprintf(buf, len, "/accounting%s?by=%s", t->id ? "" : "/top", acct_by_name(t->by));
	append_param(buf, len, "container_id", t->id);
	/* Without an ID, --from picks the period of the ranking. */
	append_param(buf, len, t->id ? "from" : "start", t->from);
	append_param(buf, len, "to", t->to);
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static uint64_t u64(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (uint64_t)v : 0;
}

/* Adds to the entry labelled label (made at the end when new), or to the
 * last one only when last_only: periods come sorted, classes do not. */
static int sums_add(struct sums *s, const char *label, bool last_only, uint64_t rx,
		    uint64_t tx)
{
	size_t i = last_only && s->n ? s->n - 1 : 0;

	while (i < s->n && strcmp(s->v[i].label, label))
		i++;
	if (i == s->n) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			void *p = realloc(s->v, cap * sizeof(*s->v));
			if (!p)
				return -1;
			s->v = p;
			s->cap = cap;
		}
		memset(&s->v[i], 0, sizeof(s->v[i]));
		snprintf(s->v[i].label, sizeof(s->v[i].label), "%s", label);
		s->n++;
	}
	s->v[i].rx += rx;
	s->v[i].tx += tx;
	return 0;
}

/* "2026-11-22T15:04:00Z" -> "2026-11" / "2026-11-22" / "2026-11-22 15:04". */
static void period_label(const char *iso, int by, char *buf, size_t len)
{
	int keep = by == ACCT_MONTH ? 7 : by == ACCT_DAY ? 10 : 16;
	char *t;

	snprintf(buf, len, "%.*s", keep, iso);
	if ((t = strchr(buf, 'T')))
		*t = ' ';
}

static void print_line(const char *label, uint64_t rx, uint64_t tx, uint64_t max)
{
	char r[32], x[32], tot[32], bar[BAR_WIDTH + 1] = "";
	uint64_t total = rx + tx;

	pm_bytes_human(rx, r, sizeof(r));
	pm_bytes_human(tx, x, sizeof(x));
	pm_bytes_human(total, tot, sizeof(tot));
	if (max && total) {
		int w = (int)((double)total * BAR_WIDTH / (double)max + 0.5);
		w = w < 1 ? 1 : w > BAR_WIDTH ? BAR_WIDTH : w;
		memset(bar, '#', (size_t)w);
		bar[w] = '\0';
	}
	printf("%-18s %11s %11s %11s%s%s\n", label, r, x, tot, bar[0] ? "  " : "", bar);
}

static void print_history(const struct ctl_traffic *t, json_t *body, struct sums *periods,
			  struct sums *classes)
{
	uint64_t max = 0, rx = 0, tx = 0;
	char label[80];

	printf("%s by %s (%s)\n", t->id, acct_by_name(t->by), str_or(body, "timezone", "UTC"));
	printf("%-18s %11s %11s %11s\n", acct_by_name(t->by), "rx", "tx", "total");
	if (!periods->n) {
		printf("(no traffic recorded in this range)\n");
		return;
	}
	for (size_t i = 0; i < periods->n; i++)
		if (periods->v[i].rx + periods->v[i].tx > max)
			max = periods->v[i].rx + periods->v[i].tx;
	for (size_t i = 0; i < periods->n; i++) {
		period_label(periods->v[i].label, t->by, label, sizeof(label));
		print_line(label, periods->v[i].rx, periods->v[i].tx, max);
		rx += periods->v[i].rx;
		tx += periods->v[i].tx;
	}
	printf("%.*s\n", 18 + 3 * 12, "--------------------------------------------------------");
	print_line("total", rx, tx, 0);
	for (size_t i = 0; i < classes->n; i++) {
		snprintf(label, sizeof(label), "class %s", classes->v[i].label);
		print_line(label, classes->v[i].rx, classes->v[i].tx, 0);
	}
}

static int history(const struct ctl_traffic *t, json_t *body)
{
	struct sums periods = { 0 }, classes = { 0 };
	json_t *row;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(body, "rows"), i, row) {
		const char *start = json_string_value(json_object_get(row, "start"));
		const char *cls = json_string_value(json_object_get(row, "class"));
		uint64_t rx = u64(row, "rx_bytes"), tx = u64(row, "tx_bytes");

		if (!start || !cls)
			continue;
		if (sums_add(&periods, start, true, rx, tx) || sums_add(&classes, cls, false, rx, tx)) {
			fprintf(stderr, "netisolctl: out of memory\n");
			rc = 1;
			break;
		}
	}
	if (!rc)
		print_history(t, body, &periods, &classes);
	free(periods.v);
	free(classes.v);
	return rc;
}

static void top(const struct ctl_traffic *t, json_t *body)
{
	json_t *rows = json_object_get(body, "rows"), *row;
	uint64_t max;
	size_t i;

	printf("heaviest containers, %s starting %s\n", acct_by_name(t->by),
	       str_or(body, "start", "?"));
	if (!json_array_size(rows)) {
		printf("(no traffic recorded in this period)\n");
		return;
	}
	printf("%-18s %11s %11s %11s\n", "container", "rx", "tx", "total");
	/* Heaviest first: the first row sets the bar's scale. */
	row = json_array_get(rows, 0);
	max = u64(row, "rx_bytes") + u64(row, "tx_bytes");
	json_array_foreach(rows, i, row) {
		const char *id = json_string_value(json_object_get(row, "container_id"));
		uint64_t rx = u64(row, "rx_bytes"), tx = u64(row, "tx_bytes");

		/* Ids up to 64 chars get a line of their own above the numbers. */
		if (id && strlen(id) > 18) {
			printf("%s\n", id);
			id = "";
		}
		print_line(id ? id : "?", rx, tx, max);
	}
}

int ctl_traffic(const struct ctl_traffic *t, ctl_get_fn get)
{
	char path[1024];
	json_t *body = NULL;
	int rc;

	build_path(t, path, sizeof(path));
	if ((rc = get(path, &body)))
		return rc;
	if (t->json) {
		json_dumpf(body, stdout, JSON_INDENT(2));
		printf("\n");
	} else if (t->id) {
		rc = history(t, body);
	} else {
		top(t, body);
	}
	json_decref(body);
	return rc;
}
