/* query.h - reads the traffic history (the acct_* tables of
 * work_dir/netisol.db) into the JSON of GET /accounting and
 * GET /accounting/top. Pure SQLite + jansson: the caller owns the
 * connection, no agent state is touched. */
#ifndef NIS_ACCT_QUERY_H
#define NIS_ACCT_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "common/err.h"
#include "acct/calendar.h"

struct acct_query {
	const char *container_id;
	int by;				/* enum acct_by */
	bool has_from, has_to;		/* unset: unbounded on that side */
	int64_t from, to;		/* epoch seconds; see acct_query() */
	const char *class_name;		/* NULL: every class */
	bool local;			/* periods on the local wall clock, not UTC */
	bool live;			/* the id exists (the caller checked): no
					 * history yet is empty rows, not -ENOENT */
};

/* {"container_id", "by", "timezone", "rows": [{"start", "class", "rx_bytes",
 * "tx_bytes", "rx_packets", "tx_packets"}]}, rows by start then class (by
 * class key). A period is returned when its start is >= the start of the
 * period containing from, and < to. With local, periods are re-bucketed
 * from a finer table: minute from minutes, hour from hours, day and month
 * from hours, so local days and months reach back only as far as the hour
 * table is kept. db may be NULL (no database yet).
 * Errors: -EINVAL bad by or from > to, -ENOENT container never recorded
 * (or no history tables) and not live, -EBUSY database locked, -EIO,
 * -ENOMEM. */
int acct_query(sqlite3 *db, const struct acct_query *q, json_t **out, struct nis_err *err);

struct acct_top_q {
	int by;				/* enum acct_by */
	bool has_start;			/* unset: the current UTC period */
	int64_t start;			/* any time in the period wanted */
	unsigned limit;			/* 1-1000; 0: 10 */
	/* Rows whose container this returns false for are left out (before
	 * the limit is applied); NULL: all are visible. */
	bool (*visible)(const char *container_id, void *arg);
	void *arg;
};

/* {"by", "start", "rows": [{"container_id", "rx_bytes", "tx_bytes"}]} for
 * the one UTC period containing q->start, heaviest (rx + tx) first, ties by
 * id. A NULL db or one without history tables gives empty rows.
 * Errors: -EINVAL bad by or limit, -EBUSY, -EIO, -ENOMEM. */
int acct_top(sqlite3 *db, const struct acct_top_q *q, json_t **out, struct nis_err *err);

#endif
