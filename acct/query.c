/* query.c - the readers of the traffic history. UTC answers are rows of
 * the table of the unit asked for; local ones are summed in C from a finer
 * table, since a local day is not a UTC day. The writer (the collector)
 * keeps the tables; this file only SELECTs, so a read-only connection does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acct/query.h"

#define TOP_DEFAULT 10
#define TOP_MAX 1000

/* Rows of one container, one table, by period then class key. A class key
 * without a name row (written before its name) still shows, as its key. */
#define ROWS_SQL(table)								\
	"SELECT r.ts, r.ci, COALESCE(c.name, CAST(r.ci AS TEXT)), r.rx_bytes,"	\
	" r.tx_bytes, r.rx_packets, r.tx_packets FROM " table " r"		\
	" LEFT JOIN acct_class c ON c.ci = r.ci"				\
	" WHERE r.ck = ?1 AND r.ts >= ?2 AND r.ts < ?3"				\
	" AND (?4 IS NULL OR COALESCE(c.name, CAST(r.ci AS TEXT)) = ?4)"	\
	" ORDER BY r.ts, r.ci"

/* Every container's totals of one period; ties by id so pages are stable. */
#define TOP_SQL(table)								\
	"SELECT c.id, SUM(r.rx_bytes), SUM(r.tx_bytes) FROM " table " r"	\
	" JOIN acct_container c ON c.ck = r.ck WHERE r.ts = ?1 GROUP BY r.ck"	\
	" ORDER BY SUM(r.rx_bytes) + SUM(r.tx_bytes) DESC, c.id"

static const char *const rows_sql[ACCT_BY_COUNT] = {
	ROWS_SQL("acct_minute"), ROWS_SQL("acct_hour"), ROWS_SQL("acct_day"),
	ROWS_SQL("acct_month"),
};

static const char *const top_sql[ACCT_BY_COUNT] = {
	TOP_SQL("acct_minute"), TOP_SQL("acct_hour"), TOP_SQL("acct_day"),
	TOP_SQL("acct_month"),
};

/* tz=local: the table whose periods nest in local ones for (nearly) every
 * zone. Hours, not days, for local days and months: UTC days straddle
 * local midnights. The price is the hour table's shorter retention. */
static const int local_source[ACCT_BY_COUNT] = {
	ACCT_MINUTE, ACCT_HOUR, ACCT_HOUR, ACCT_HOUR,
};

/* One row's counters, signed as SQLite hands them out. */
struct row_counts {
	int64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
};

static int db_fail(sqlite3 *db, int rc, struct nis_err *err)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return nis_err_set(err, -EBUSY, "the accounting database is busy: %s",
				   sqlite3_errmsg(db));
	case SQLITE_NOMEM:
		return nis_err_set(err, -ENOMEM, "out of memory reading the accounting database");
	default:
		return nis_err_set(err, -EIO, "accounting database: %s", sqlite3_errmsg(db));
	}
}

static int oom(struct nis_err *err)
{
	return nis_err_set(err, -ENOMEM, "out of memory");
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* *yes: the history tables exist (schema 2 has been applied). A NULL db is
 * a database that does not exist yet. */
static int has_history(sqlite3 *db, bool *yes, struct nis_err *err)
{
	sqlite3_stmt *st;
	int rc;

	*yes = false;
	if (!db)
		return 0;
	rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
				" AND name IN ('acct_container', 'acct_class', 'acct_minute',"
				" 'acct_hour', 'acct_day', 'acct_month')", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*yes = sqlite3_column_int(st, 0) == 6;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(db, rc, err);
}

/* The container's key in the history; -ENOENT when it has none. */
static int container_key(sqlite3 *db, const char *id, int64_t *ck, struct nis_err *err)
{
	sqlite3_stmt *st;
	bool yes;
	int rc;

	if ((rc = has_history(db, &yes, err)))
		return rc;
	if (!yes)
		goto unknown;
	rc = sqlite3_prepare_v2(db, "SELECT ck FROM acct_container WHERE id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ck = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, err);
unknown:
	return nis_err_set(err, -ENOENT, "unknown container '%s': no traffic has been "
			   "recorded for it", id);
}

static void read_counts(sqlite3_stmt *st, struct row_counts *c)
{
	c->rx_bytes = sqlite3_column_int64(st, 3);
	c->tx_bytes = sqlite3_column_int64(st, 4);
	c->rx_packets = sqlite3_column_int64(st, 5);
	c->tx_packets = sqlite3_column_int64(st, 6);
}

static int append_row(json_t *rows, int64_t start, bool local, const char *cls,
		      const struct row_counts *c)
{
	char iso[48];
	json_t *r;

	if (!cls || acct_format_time(start, local, iso, sizeof(iso)))
		return -ENOMEM;
	r = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "start", iso, "class", cls,
		      "rx_bytes", (json_int_t)c->rx_bytes, "tx_bytes", (json_int_t)c->tx_bytes,
		      "rx_packets", (json_int_t)c->rx_packets,
		      "tx_packets", (json_int_t)c->tx_packets);
	return r && !json_array_append_new(rows, r) ? 0 : -ENOMEM;
}

static int rows_utc(sqlite3_stmt *st, json_t *rows, struct nis_err *err)
{
	struct row_counts c;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_counts(st, &c);
		if (append_row(rows, sqlite3_column_int64(st, 0), false, col_text(st, 2), &c))
			return oom(err);
	}
	return rc == SQLITE_DONE ? 0 : db_fail(sqlite3_db_handle(st), rc, err);
}

/* ---- tz=local: one local period at a time, its classes kept by key ---- */

struct bucket_class {
	int64_t ci;
	char name[64];
	struct row_counts c;
};

struct bucket {
	int64_t start, next;		/* the local period being summed */
	struct bucket_class *cls;	/* sorted by ci */
	size_t n, cap;
};

static int bucket_add(struct bucket *b, int64_t ci, const char *name,
		      const struct row_counts *c)
{
	struct bucket_class *k;
	size_t i = 0;

	while (i < b->n && b->cls[i].ci < ci)
		i++;
	if (i == b->n || b->cls[i].ci != ci) {
		if (b->n == b->cap) {
			size_t cap = b->cap ? 2 * b->cap : 8;
			void *p = realloc(b->cls, cap * sizeof(*b->cls));
			if (!p)
				return -ENOMEM;
			b->cls = p;
			b->cap = cap;
		}
		memmove(&b->cls[i + 1], &b->cls[i], (b->n - i) * sizeof(*b->cls));
		memset(&b->cls[i], 0, sizeof(b->cls[i]));
		b->cls[i].ci = ci;
		snprintf(b->cls[i].name, sizeof(b->cls[i].name), "%s", name ? name : "");
		b->n++;
	}
	k = &b->cls[i];
	k->c.rx_bytes += c->rx_bytes;
	k->c.tx_bytes += c->tx_bytes;
	k->c.rx_packets += c->rx_packets;
	k->c.tx_packets += c->tx_packets;
	return 0;
}

static int bucket_flush(struct bucket *b, json_t *rows)
{
	for (size_t i = 0; i < b->n; i++)
		if (append_row(rows, b->start, true, b->cls[i].name, &b->cls[i].c))
			return -ENOMEM;
	b->n = 0;
	return 0;
}

/* The source rows come by time, so each local period is summed in one run
 * and written when the first row past its end arrives. */
static int rows_local(sqlite3_stmt *st, int by, json_t *rows, struct nis_err *err)
{
	struct bucket b = { 0 };
	struct row_counts c;
	int rc = SQLITE_DONE, r = 0;

	while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t ts = sqlite3_column_int64(st, 0);

		if (b.n && ts >= b.next)
			r = bucket_flush(&b, rows);
		if (!b.n) {
			b.start = acct_floor_local(by, ts);
			b.next = acct_next_local(by, ts);
		}
		read_counts(st, &c);
		if (!r)
			r = bucket_add(&b, sqlite3_column_int64(st, 1), col_text(st, 2), &c);
	}
	if (!r && rc != SQLITE_DONE)
		r = db_fail(sqlite3_db_handle(st), rc, err);
	else if (!r && bucket_flush(&b, rows))
		r = -ENOMEM;
	free(b.cls);
	return r == -ENOMEM ? oom(err) : r;
}

/* The source rows a query needs: [start of from's period, end of the
 * period containing to - 1), so every period returned is whole. */
static void source_range(const struct acct_query *q, int64_t *lo, int64_t *hi)
{
	*lo = INT64_MIN;
	*hi = INT64_MAX;
	if (q->has_from)
		*lo = q->local ? acct_floor_local(q->by, q->from) : acct_floor_utc(q->by, q->from);
	if (q->has_to && !q->local)
		*hi = q->to;	/* a UTC row's ts is its period's start */
	else if (q->has_to && q->to > INT64_MIN)
		*hi = acct_next_local(q->by, q->to - 1);
	else if (q->has_to)
		*hi = INT64_MIN;
}

static int fetch_rows(sqlite3 *db, const struct acct_query *q, int64_t ck, json_t *rows,
		      struct nis_err *err)
{
	int src = q->local ? local_source[q->by] : q->by;
	sqlite3_stmt *st;
	int64_t lo, hi;
	int rc;

	source_range(q, &lo, &hi);
	rc = sqlite3_prepare_v2(db, rows_sql[src], -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err);
	sqlite3_bind_int64(st, 1, ck);
	sqlite3_bind_int64(st, 2, lo);
	sqlite3_bind_int64(st, 3, hi);
	if (q->class_name)
		sqlite3_bind_text(st, 4, q->class_name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	rc = q->local ? rows_local(st, q->by, rows, err) : rows_utc(st, rows, err);
	sqlite3_finalize(st);
	return rc;
}

int acct_query(sqlite3 *db, const struct acct_query *q, json_t **out, struct nis_err *err)
{
	char zone[64] = "UTC";
	int64_t ck = 0;
	json_t *o, *rows;
	bool known;
	int rc;

	*out = NULL;
	if (!q->container_id)
		return nis_err_set(err, -EINVAL, "container_id is required");
	if (!acct_by_name(q->by))
		return nis_err_set(err, -EINVAL, "by must be minute, hour, day or month");
	if (q->has_from && q->has_to && q->from > q->to)
		return nis_err_set(err, -EINVAL, "from is after to");
	rc = container_key(db, q->container_id, &ck, err);
	if (rc && !(rc == -ENOENT && q->live))
		return rc;
	known = !rc;
	if (q->local)
		acct_local_zone(zone, sizeof(zone));
	o = json_pack("{s:s, s:s, s:s}", "container_id", q->container_id, "by",
		      acct_by_name(q->by), "timezone", zone);
	rows = json_array();
	if (!o || !rows || json_object_set(o, "rows", rows)) {
		rc = oom(err);
	} else if (!known || !(rc = fetch_rows(db, q, ck, rows, err))) {
		rc = 0;
		*out = o;
		o = NULL;
	}
	json_decref(rows);
	json_decref(o);
	return rc;
}

/* ---- top ---- */

static int top_rows(sqlite3 *db, const struct acct_top_q *q, int64_t start, unsigned limit,
		    json_t *rows, struct nis_err *err)
{
	sqlite3_stmt *st;
	unsigned n = 0;
	int rc;

	rc = sqlite3_prepare_v2(db, top_sql[q->by], -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, err);
	sqlite3_bind_int64(st, 1, start);
	while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = col_text(st, 0);
		json_t *r;

		if (!id || (q->visible && !q->visible(id, q->arg)))
			continue;
		r = json_pack("{s:s, s:I, s:I}", "container_id", id,
			      "rx_bytes", (json_int_t)sqlite3_column_int64(st, 1),
			      "tx_bytes", (json_int_t)sqlite3_column_int64(st, 2));
		if (!r || json_array_append_new(rows, r)) {
			sqlite3_finalize(st);
			return oom(err);
		}
		n++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(db, rc, err);
}

int acct_top(sqlite3 *db, const struct acct_top_q *q, json_t **out, struct nis_err *err)
{
	unsigned limit = q->limit ? q->limit : TOP_DEFAULT;
	char iso[48];
	int64_t start;
	json_t *o, *rows;
	bool yes;
	int rc;

	*out = NULL;
	if (!acct_by_name(q->by))
		return nis_err_set(err, -EINVAL, "by must be minute, hour, day or month");
	if (limit > TOP_MAX)
		return nis_err_set(err, -EINVAL, "limit %u is out of range 1-%d", limit, TOP_MAX);
	start = acct_floor_utc(q->by, q->has_start ? q->start : (int64_t)time(NULL));
	if (acct_format_time(start, false, iso, sizeof(iso)))
		return nis_err_set(err, -EINVAL, "start is out of range");
	if ((rc = has_history(db, &yes, err)))
		return rc;
	o = json_pack("{s:s, s:s}", "by", acct_by_name(q->by), "start", iso);
	rows = json_array();
	if (!o || !rows || json_object_set(o, "rows", rows)) {
		rc = oom(err);
	} else if (!yes || !(rc = top_rows(db, q, start, limit, rows, err))) {
		*out = o;
		o = NULL;
	}
	json_decref(rows);
	json_decref(o);
	return rc;
}
