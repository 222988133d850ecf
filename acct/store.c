/* store.c - writing the traffic history: per-pass upserts into four
 * period tables, the last raw counters, retention pruning. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "acct/store.h"
#include "acct/calendar.h"

static const char *const tables[] = { "acct_minute", "acct_hour", "acct_day", "acct_month" };
#define NTABLES 4

struct acct_store {
	sqlite3 *db;
	sqlite3_stmt *add[NTABLES];	/* upsert of one period row */
	sqlite3_stmt *last;		/* replace of one acct_last row */
	sqlite3_stmt *total;		/* upsert of one acct_total row */
	sqlite3_stmt *source;		/* replace of one acct_source row */
	sqlite3_stmt *ck, *new_ck;	/* a container's key, found and added */
	sqlite3_stmt *sync[2];		/* synchronous=NORMAL, FULL */
	int64_t *gone;			/* forgotten since the last pass */
	size_t ngone, capgone;
	char path[PATH_MAX];
};

static int fail(struct acct_store *s, const char *what, struct nis_err *err)
{
	return nis_err_set(err, -EIO, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int prepare(struct acct_store *s, const char *sql, sqlite3_stmt **st,
		   struct nis_err *err)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return fail(s, "cannot prepare", err);
	return 0;
}

static int prepare_all(struct acct_store *s, struct nis_err *err)
{
	char sql[512];
	int rc;

	for (int i = 0; i < NTABLES; i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO %s VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT (ck, ts, ci) DO UPDATE SET"
			 " rx_bytes = rx_bytes + ?4, tx_bytes = tx_bytes + ?5,"
			 " rx_packets = rx_packets + ?6, tx_packets = tx_packets + ?7", tables[i]);
		if ((rc = prepare(s, sql, &s->add[i], err)))
			return rc;
	}
	if ((rc = prepare(s, "INSERT OR REPLACE INTO acct_last VALUES (?,?,?,?,?,?)",
			  &s->last, err)) ||
	    (rc = prepare(s, "INSERT INTO acct_total VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT"
			  " (ck, ci) DO UPDATE SET rx_bytes = rx_bytes + ?3, tx_bytes ="
			  " tx_bytes + ?4, rx_packets = rx_packets + ?5, tx_packets ="
			  " tx_packets + ?6", &s->total, err)))
		return rc;
	if ((rc = prepare(s, "SELECT ck FROM acct_container WHERE id = ?", &s->ck, err)) ||
	    (rc = prepare(s, "INSERT INTO acct_container (id) VALUES (?)", &s->new_ck, err)) ||
	    (rc = prepare(s, "PRAGMA synchronous=NORMAL", &s->sync[0], err)) ||
	    (rc = prepare(s, "PRAGMA synchronous=FULL", &s->sync[1], err)))
		return rc;
	return prepare(s, "INSERT OR REPLACE INTO acct_source VALUES (?,?,?,?)", &s->source, err);
}

int acct_store_open(const char *work_dir, struct acct_store **out, struct nis_err *err)
{
	struct acct_store *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return nis_err_set(err, -ENOMEM, "out of memory");
	snprintf(s->path, sizeof(s->path), "%s/netisol.db", work_dir);
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = fail(s, "cannot open", err);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* Billing data: a committed pass survives a power cut. */
	if (sqlite3_exec(s->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
		rc = fail(s, "cannot set up", err);
		goto fail;
	}
	if ((rc = prepare_all(s, err)))
		goto fail;
	*out = s;
	return 0;
fail:
	acct_store_close(s);
	return rc;
}

void acct_store_close(struct acct_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < NTABLES; i++)
		sqlite3_finalize(s->add[i]);
	sqlite3_finalize(s->last);
	sqlite3_finalize(s->total);
	sqlite3_finalize(s->source);
	sqlite3_finalize(s->ck);
	sqlite3_finalize(s->new_ck);
	sqlite3_finalize(s->sync[0]);
	sqlite3_finalize(s->sync[1]);
	sqlite3_close(s->db);
	free(s->gone);
	free(s);
}

/* Runs st with one parameter (text, or else v) to completion, or to its
 * first row when out is given: column 0 there, *found whether there was
 * one; st is reset for its next run. */
static int run1(struct acct_store *s, sqlite3_stmt *st, const char *text, int64_t v,
		int64_t *out, bool *found, struct nis_err *err)
{
	int rc;

	if (text)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	else if (sqlite3_bind_parameter_count(st))
		sqlite3_bind_int64(st, 1, v);
	rc = sqlite3_step(st);
	if (out && (*found = rc == SQLITE_ROW))
		*out = sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_DONE || (out && rc == SQLITE_ROW) ? 0 : fail(s, "cannot run", err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* The same for sql, prepared for this one run. */
static int step1(struct acct_store *s, const char *sql, const char *text, int64_t v,
		 int64_t *out, bool *found, struct nis_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prepare(s, sql, &st, err)))
		return rc;
	rc = run1(s, st, text, v, out, found, err);
	sqlite3_finalize(st);
	return rc;
}

static int one_int(struct acct_store *s, const char *sql, const char *text, int64_t *out,
		   bool *found, struct nis_err *err)
{
	return step1(s, sql, text, 0, out, found, err);
}

static int exec1(struct acct_store *s, const char *sql, const char *text, int64_t v,
		 struct nis_err *err)
{
	return step1(s, sql, text, v, NULL, NULL, err);
}

int acct_store_container(struct acct_store *s, const char *id, int64_t *ck,
			 struct nis_err *err)
{
	bool found;
	int rc;

	if ((rc = run1(s, s->ck, id, 0, ck, &found, err)) || found)
		return rc;
	/* Not synced on its own, as the container's checkpoint row is not
	 * (isolator/checkpoint.c): the first pass that bills the container is
	 * synced, in the same WAL, and makes this row durable with it. */
	if ((rc = run1(s, s->sync[0], NULL, 0, NULL, NULL, err)))
		return rc;
	rc = run1(s, s->new_ck, id, 0, NULL, NULL, err);
	if (run1(s, s->sync[1], NULL, 0, NULL, NULL, err) && !rc)
		rc = -EIO;
	if (rc)
		return rc;
	*ck = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int acct_store_class(struct acct_store *s, const char *name, uint32_t *ci,
		     struct nis_err *err)
{
	int64_t v;
	bool found;
	int rc;

	if ((rc = one_int(s, "SELECT ci FROM acct_class WHERE name = ?", name, &v, &found,
			  err)))
		return rc;
	if (!found) {
		if ((rc = one_int(s, "SELECT MAX(ci) + 1 FROM acct_class", NULL, &v, &found,
				  err)))
			return rc;
		if (v >= ACCT_CLASSES)
			return nis_err_set(err, -ENOSPC, "%s: all %d class indexes are taken; "
					   "class %s cannot be counted", s->path,
					   ACCT_CLASSES, name);
		if ((rc = exec1(s, "INSERT INTO acct_class (name, ci) VALUES (?, NULL)", name,
				0, err)))
			return rc;
		v = sqlite3_last_insert_rowid(s->db);
	}
	*ci = (uint32_t)v;
	return 0;
}

int acct_store_class_names(struct acct_store *s, char names[ACCT_CLASSES][16],
			   struct nis_err *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(names, 0, sizeof(char[ACCT_CLASSES][16]));
	if ((rc = prepare(s, "SELECT ci, name FROM acct_class", &st, err)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t ci = sqlite3_column_int64(st, 0);
		const unsigned char *name = sqlite3_column_text(st, 1);

		if (ci >= 0 && ci < ACCT_CLASSES && name)
			snprintf(names[ci], 16, "%s", (const char *)name);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "cannot read classes", err);
}

static void read_counts(sqlite3_stmt *st, int col, struct acct_counts *c)
{
	c->rx_bytes = (uint64_t)sqlite3_column_int64(st, col);
	c->tx_bytes = (uint64_t)sqlite3_column_int64(st, col + 1);
	c->rx_packets = (uint64_t)sqlite3_column_int64(st, col + 2);
	c->tx_packets = (uint64_t)sqlite3_column_int64(st, col + 3);
}

/* Rows of (ci, four counters) of one container into out[ci]. */
static int read_by_class(struct acct_store *s, const char *sql, int64_t ck,
			 struct acct_counts out[ACCT_CLASSES], struct nis_err *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(struct acct_counts[ACCT_CLASSES]));
	if ((rc = prepare(s, sql, &st, err)))
		return rc;
	sqlite3_bind_int64(st, 1, ck);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t ci = sqlite3_column_int64(st, 0);

		if (ci >= 0 && ci < ACCT_CLASSES)
			read_counts(st, 1, &out[ci]);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, "cannot read counters", err);
}

static int read_source(struct acct_store *s, int64_t ck, struct acct_source *src,
		       bool *found, struct nis_err *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(src, 0, sizeof(*src));
	if ((rc = prepare(s, "SELECT boot_id, ifindex, map_id FROM acct_source WHERE ck = ?",
			  &st, err)))
		return rc;
	sqlite3_bind_int64(st, 1, ck);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_text(st, 0);

		snprintf(src->boot_id, sizeof(src->boot_id), "%s", b ? (const char *)b : "");
		src->ifindex = sqlite3_column_int(st, 1);
		src->map_id = (uint32_t)sqlite3_column_int64(st, 2);
		*found = true;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, "cannot read a source", err);
}

int acct_store_last(struct acct_store *s, int64_t ck, struct acct_counts raw[ACCT_CLASSES],
		    struct acct_source *src, bool *found, struct nis_err *err)
{
	bool have_src = false;
	int rc;

	if ((rc = read_by_class(s, "SELECT ci, rx_bytes, tx_bytes, rx_packets, tx_packets "
				"FROM acct_last WHERE ck = ?", ck, raw, err)) ||
	    (rc = read_source(s, ck, src, &have_src, err)))
		return rc;
	*found = have_src;
	return 0;
}

int acct_store_totals(struct acct_store *s, int64_t ck, struct acct_counts tot[ACCT_CLASSES],
		      struct nis_err *err)
{
	return read_by_class(s, "SELECT ci, rx_bytes, tx_bytes, rx_packets, tx_packets"
			     " FROM acct_total WHERE ck = ?", ck, tot, err);
}

static void bind_counts(sqlite3_stmt *st, int first, const struct acct_counts *c)
{
	sqlite3_bind_int64(st, first, (sqlite3_int64)c->rx_bytes);
	sqlite3_bind_int64(st, first + 1, (sqlite3_int64)c->tx_bytes);
	sqlite3_bind_int64(st, first + 2, (sqlite3_int64)c->rx_packets);
	sqlite3_bind_int64(st, first + 3, (sqlite3_int64)c->tx_packets);
}

static int step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static bool counts_zero(const struct acct_counts *c)
{
	return !(c->rx_bytes | c->tx_bytes | c->rx_packets | c->tx_packets);
}

/* The delta into each period's row and the all-time total, the raw
 * counters as last: all in the pass's one transaction. */
static int put_row(struct acct_store *s, const int64_t starts[NTABLES], const struct acct_row *r)
{
	if (!counts_zero(&r->delta)) {
		for (int t = 0; t < NTABLES; t++) {
			sqlite3_bind_int64(s->add[t], 1, r->ck);
			sqlite3_bind_int64(s->add[t], 2, starts[t]);
			sqlite3_bind_int64(s->add[t], 3, r->ci);
			bind_counts(s->add[t], 4, &r->delta);
			if (step_reset(s->add[t]))
				return -EIO;
		}
		sqlite3_bind_int64(s->total, 1, r->ck);
		sqlite3_bind_int64(s->total, 2, r->ci);
		bind_counts(s->total, 3, &r->delta);
		if (step_reset(s->total))
			return -EIO;
	}
	sqlite3_bind_int64(s->last, 1, r->ck);
	sqlite3_bind_int64(s->last, 2, r->ci);
	bind_counts(s->last, 3, &r->raw);
	return step_reset(s->last);
}

static int put_source(struct acct_store *s, int64_t ck, const struct acct_source *src)
{
	struct nis_err err;

	if (src->reset && exec1(s, "DELETE FROM acct_last WHERE ck = ?", NULL, ck, &err))
		return -EIO;
	sqlite3_bind_int64(s->source, 1, ck);
	sqlite3_bind_text(s->source, 2, src->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s->source, 3, src->ifindex);
	sqlite3_bind_int64(s->source, 4, src->map_id);
	return step_reset(s->source);
}

/* The forgotten containers' last counters and sources, both together: a
 * source without its counters would read as counters at zero. */
static int put_gone(struct acct_store *s)
{
	struct nis_err err;

	for (size_t i = 0; i < s->ngone; i++)
		if (exec1(s, "DELETE FROM acct_last WHERE ck = ?", NULL, s->gone[i], &err) ||
		    exec1(s, "DELETE FROM acct_source WHERE ck = ?", NULL, s->gone[i], &err))
			return -EIO;
	return 0;
}

int acct_store_pass(struct acct_store *s, time_t now, const struct acct_row *rows,
		    size_t n, const int64_t *cks, const struct acct_source *srcs,
		    size_t nsrc, struct nis_err *err)
{
	int64_t starts[NTABLES];
	int rc = 0;

	for (int t = 0; t < NTABLES; t++)
		starts[t] = acct_floor_utc(t, (int64_t)now - 1);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, "cannot begin a pass", err);
	rc = put_gone(s);
	for (size_t i = 0; i < nsrc && !rc; i++)
		rc = put_source(s, cks[i], &srcs[i]);
	for (size_t i = 0; i < n && !rc; i++)
		rc = put_row(s, starts, &rows[i]);
	if (rc || sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = fail(s, "cannot write a pass", err);
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	s->ngone = 0;
	return 0;
}

int acct_store_forget(struct acct_store *s, int64_t ck, struct nis_err *err)
{
	int64_t *g;

	if (s->ngone == s->capgone) {
		size_t cap = s->capgone ? 2 * s->capgone : 16;

		if (!(g = realloc(s->gone, cap * sizeof(*g))))
			return nis_err_set(err, -ENOMEM, "out of memory");
		s->gone = g;
		s->capgone = cap;
	}
	s->gone[s->ngone++] = ck;
	return 0;
}


/* One DELETE of at most max rows older than cutoff; the minute table
 * has no period index, so it goes one container at a time along its key. */
static int prune_table(struct acct_store *s, int t, int64_t cutoff, int max,
		       struct nis_err *err)
{
	char sql[320];
	sqlite3_stmt *st;
	int rc;

	if (t == 0)
		snprintf(sql, sizeof(sql), "DELETE FROM acct_minute WHERE (ck, ts, ci) IN (SELECT"
			 " m.ck, m.ts, m.ci FROM acct_container c CROSS JOIN acct_minute m ON m.ck = c.ck"
			 " AND m.ts < ?1 LIMIT ?2)");
	else
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE (ck, ts, ci) IN (SELECT ck, ts,"
			 " ci FROM %s WHERE ts < ?1 LIMIT ?2)", tables[t], tables[t]);
	if ((rc = prepare(s, sql, &st, err)))
		return rc;
	sqlite3_bind_int64(st, 1, cutoff);
	sqlite3_bind_int(st, 2, max);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(s, "cannot prune", err);
	return sqlite3_changes(s->db);
}

int acct_store_prune(struct acct_store *s, time_t now, const struct acct_retention *keep,
		     int max, struct nis_err *err)
{
	int total = 0;

	for (int t = 0; t < NTABLES; t++) {
		int n;

		if (keep->seconds[t] < 0)
			continue;
		/* A period is kept while any of it is inside the retention. */
		n = prune_table(s, t, acct_floor_utc(t, (int64_t)now - keep->seconds[t]), max, err);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}
