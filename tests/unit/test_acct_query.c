/* test_acct_query.c - the readers of the traffic history against an
 * in-memory database with known rows: ordering, from/to boundaries, class
 * filter, unknown ids, top, tz=local re-bucketing; and the calendar
 * helpers: time parsing, month floors, days-from-civil. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acct/query.h"
#include "tests/unit/unit.h"

#define SCHEMA_TABLE(name)							\
	"CREATE TABLE " name " (ck INTEGER NOT NULL, ts INTEGER NOT NULL,"	\
	" ci INTEGER NOT NULL, rx_bytes INTEGER NOT NULL, tx_bytes INTEGER NOT NULL," \
	" rx_packets INTEGER NOT NULL, tx_packets INTEGER NOT NULL,"		\
	" PRIMARY KEY (ck, ts, ci)) WITHOUT ROWID;"				\
	"CREATE INDEX " name "_ts ON " name " (ts);"

static const char schema[] =
	"CREATE TABLE acct_container (ck INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);"
	"CREATE TABLE acct_class (ci INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"INSERT INTO acct_class VALUES (0, 'default'), (1, 'local'), (2, '1'), (3, '2');"
	"INSERT INTO acct_container VALUES (1, 'job.1'), (2, 'job.2'), (3, 'job.3'),"
	" (4, 'quiet');"
	SCHEMA_TABLE("acct_minute") SCHEMA_TABLE("acct_hour") SCHEMA_TABLE("acct_day")
	SCHEMA_TABLE("acct_month");

/* Parses a time the test trusts (acct_parse_time has its own table). */
static int64_t T(const char *s)
{
	int64_t t = -1;

	ck_assert_msg(acct_parse_time(s, &t) == 0, "bad test time %s", s);
	return t;
}

static void put(sqlite3 *db, const char *table, int ck, const char *ts, int ci,
		long long rx, long long tx)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (%d, %lld, %d, %lld, %lld, %lld, %lld)",
		 table, ck, (long long)T(ts), ci, rx, tx, rx / 100 + 1, tx / 100 + 1);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* job.1's days, inserted out of order; job.2 on another day; month rows. */
static sqlite3 *mkdb(void)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
	put(db, "acct_day", 1, "2026-11-22", 0, 1, 0);
	put(db, "acct_day", 1, "2026-11-20", 2, 100, 200);
	put(db, "acct_day", 1, "2026-11-21", 1, 5, 0);
	put(db, "acct_day", 1, "2026-11-20", 0, 10, 20);
	put(db, "acct_day", 2, "2026-11-20", 0, 7, 7);
	put(db, "acct_month", 1, "2026-01-01", 0, 31, 0);
	put(db, "acct_month", 1, "2026-12-01", 0, 12, 0);
	put(db, "acct_month", 1, "2027-01-01", 0, 1, 0);
	return db;
}

static json_t *row(json_t *o, size_t i)
{
	return json_array_get(json_object_get(o, "rows"), i);
}

static size_t nrows(json_t *o)
{
	return json_array_size(json_object_get(o, "rows"));
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "(none)";
}

static long long num(json_t *o, const char *key)
{
	ck_assert_msg(json_is_integer(json_object_get(o, key)), "%s is not an integer", key);
	return json_integer_value(json_object_get(o, key));
}

/* Runs a query; returns its rc, *out the JSON (NULL on error). */
static int run(sqlite3 *db, struct acct_query *q, json_t **out)
{
	struct nis_err err = { "" };
	int rc = acct_query(db, q, out, &err);

	ck_assert(rc == 0 ? *out != NULL : *out == NULL);
	ck_assert(rc == 0 || err.msg[0]);
	return rc;
}

START_TEST(test_query_order)
{
	struct acct_query q = { .container_id = "job.1", .by = ACCT_DAY };
	sqlite3 *db = mkdb();
	json_t *o;

	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_str_eq(str(o, "container_id"), "job.1");
	ck_assert_str_eq(str(o, "by"), "day");
	ck_assert_str_eq(str(o, "timezone"), "UTC");
	ck_assert_uint_eq(json_object_size(o), 4);
	ck_assert_uint_eq(nrows(o), 4);
	/* By start, then by class key: default (0) before "1" (2). */
	ck_assert_str_eq(str(row(o, 0), "start"), "2026-11-20T00:00:00Z");
	ck_assert_str_eq(str(row(o, 0), "class"), "default");
	ck_assert_str_eq(str(row(o, 1), "start"), "2026-11-20T00:00:00Z");
	ck_assert_str_eq(str(row(o, 1), "class"), "1");
	ck_assert_str_eq(str(row(o, 2), "start"), "2026-11-21T00:00:00Z");
	ck_assert_str_eq(str(row(o, 2), "class"), "local");
	ck_assert_str_eq(str(row(o, 3), "start"), "2026-11-22T00:00:00Z");
	ck_assert_int_eq(num(row(o, 1), "rx_bytes"), 100);
	ck_assert_int_eq(num(row(o, 1), "tx_bytes"), 200);
	ck_assert_int_eq(num(row(o, 1), "rx_packets"), 2);
	ck_assert_int_eq(num(row(o, 1), "tx_packets"), 3);
	ck_assert_uint_eq(json_object_size(row(o, 0)), 6);
	json_decref(o);
	/* Another unit reads another table. */
	q.by = ACCT_HOUR;
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 0);
	ck_assert_str_eq(str(o, "by"), "hour");
	json_decref(o);
	sqlite3_close(db);
}
END_TEST

static size_t count_between(sqlite3 *db, const char *from, const char *to)
{
	struct acct_query q = { .container_id = "job.1", .by = ACCT_DAY };
	json_t *o;
	size_t n;

	if (from) {
		q.has_from = true;
		q.from = T(from);
	}
	if (to) {
		q.has_to = true;
		q.to = T(to);
	}
	ck_assert_int_eq(run(db, &q, &o), 0);
	n = nrows(o);
	json_decref(o);
	return n;
}

START_TEST(test_query_bounds)
{
	struct acct_query q = { .container_id = "job.1", .by = ACCT_DAY,
				.has_from = true, .has_to = true };
	sqlite3 *db = mkdb();
	json_t *o;

	/* from: the period containing it counts, even when from is inside it. */
	ck_assert_uint_eq(count_between(db, "2026-11-21T12:00Z", NULL), 2);
	ck_assert_uint_eq(count_between(db, "2026-11-21", NULL), 2);
	ck_assert_uint_eq(count_between(db, "2026-11-21T00:00:01Z", NULL), 2);
	ck_assert_uint_eq(count_between(db, "2026-11-20T23:59:59Z", NULL), 4);
	ck_assert_uint_eq(count_between(db, "2026-11-23", NULL), 0);
	/* to: exclusive on the period's start. */
	ck_assert_uint_eq(count_between(db, NULL, "2026-11-22"), 3);
	ck_assert_uint_eq(count_between(db, NULL, "2026-11-22T00:00:01Z"), 4);
	ck_assert_uint_eq(count_between(db, NULL, "2026-11-20"), 0);
	ck_assert_uint_eq(count_between(db, "2026-11-21T06:00Z", "2026-11-21T07:00Z"), 1);
	/* Offsets: 2026-11-21T01:00+02:00 is 2026-11-20T23:00Z. */
	ck_assert_uint_eq(count_between(db, "2026-11-21T01:00+02:00", NULL), 4);
	/* from after to is a mistake, not an empty answer. */
	q.from = T("2026-11-22");
	q.to = T("2026-11-21");
	ck_assert_int_eq(run(db, &q, &o), -EINVAL);
	q.by = 7;
	q.to = q.from;
	ck_assert_int_eq(run(db, &q, &o), -EINVAL);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_query_class)
{
	struct acct_query q = { .container_id = "job.1", .by = ACCT_DAY, .class_name = "1" };
	sqlite3 *db = mkdb();
	json_t *o;

	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 1);
	ck_assert_str_eq(str(row(o, 0), "class"), "1");
	ck_assert_int_eq(num(row(o, 0), "rx_bytes"), 100);
	json_decref(o);
	q.class_name = "default";
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 2);
	ck_assert_str_eq(str(row(o, 1), "start"), "2026-11-22T00:00:00Z");
	json_decref(o);
	q.class_name = "9";		/* a class with no traffic: empty, not an error */
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 0);
	json_decref(o);
	/* A class key without a name row still shows, as its key. */
	put(db, "acct_day", 4, "2026-11-22", 9, 3, 3);
	q.container_id = "quiet";
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 1);
	ck_assert_str_eq(str(row(o, 0), "class"), "9");
	json_decref(o);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_query_unknown)
{
	struct acct_query q = { .container_id = "nosuch", .by = ACCT_DAY };
	struct nis_err err = { "" };
	sqlite3 *db = mkdb(), *bare;
	json_t *o;

	ck_assert_int_eq(acct_query(db, &q, &o, &err), -ENOENT);
	ck_assert_ptr_null(o);
	ck_assert_ptr_nonnull(strstr(err.msg, "'nosuch'"));
	/* No database, or one from before the history tables: the same. */
	ck_assert_int_eq(run(NULL, &q, &o), -ENOENT);
	ck_assert_int_eq(sqlite3_open(":memory:", &bare), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(bare, "CREATE TABLE containers (id TEXT)", NULL, NULL,
				      NULL), SQLITE_OK);
	ck_assert_int_eq(run(bare, &q, &o), -ENOENT);
	/* A live container not counted yet has an empty history. */
	q.live = true;
	ck_assert_int_eq(run(bare, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 0);
	ck_assert(json_is_array(json_object_get(o, "rows")));
	ck_assert_str_eq(str(o, "container_id"), "nosuch");
	json_decref(o);
	ck_assert_int_eq(run(NULL, &q, &o), 0);
	json_decref(o);
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 0);
	json_decref(o);
	/* Recorded but quiet in the range: empty rows. */
	q.container_id = "quiet";
	q.live = false;
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 0);
	json_decref(o);
	sqlite3_close(bare);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_month_floors)
{
	struct acct_query q = { .container_id = "job.1", .by = ACCT_MONTH, .has_from = true };
	sqlite3 *db = mkdb();
	json_t *o;

	ck_assert_int_eq(acct_floor_utc(ACCT_MONTH, T("2026-01-31T23:59:59Z")), T("2026-01-01"));
	ck_assert_int_eq(acct_floor_utc(ACCT_MONTH, T("2026-01-01")), T("2026-01-01"));
	ck_assert_int_eq(acct_next_utc(ACCT_MONTH, T("2026-01-31T23:59:59Z")), T("2026-02-01"));
	ck_assert_int_eq(acct_next_utc(ACCT_MONTH, T("2026-12-15")), T("2027-01-01"));
	ck_assert_int_eq(acct_floor_utc(ACCT_MONTH, T("2026-12-31T23:59:59Z")), T("2026-12-01"));
	ck_assert_int_eq(acct_floor_utc(ACCT_MONTH, T("2024-02-29T12:00Z")), T("2024-02-01"));
	ck_assert_int_eq(acct_next_utc(ACCT_MONTH, T("2024-02-29")), T("2024-03-01"));
	ck_assert_int_eq(acct_floor_utc(ACCT_MONTH, -1), T("1969-12-01"));
	ck_assert_int_eq(acct_floor_utc(ACCT_DAY, -1), -86400);
	ck_assert_int_eq(acct_floor_utc(ACCT_HOUR, T("2026-11-22T15:04:05Z")),
			 T("2026-11-22T15:00Z"));
	ck_assert_int_eq(acct_floor_utc(ACCT_MINUTE, T("2026-11-22T15:04:05Z")),
			 T("2026-11-22T15:04Z"));
	ck_assert_int_eq(acct_next_utc(ACCT_HOUR, T("2026-11-22T23:04Z")), T("2026-11-23"));
	/* Through the query: from on Jan 31 still returns January's row. */
	q.from = T("2026-01-31T23:59:59Z");
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 3);
	ck_assert_str_eq(str(row(o, 0), "start"), "2026-01-01T00:00:00Z");
	ck_assert_str_eq(str(row(o, 1), "start"), "2026-12-01T00:00:00Z");
	ck_assert_str_eq(str(row(o, 2), "start"), "2027-01-01T00:00:00Z");
	json_decref(o);
	q.from = T("2026-12-31T23:00Z");
	q.has_to = true;
	q.to = T("2027-01-01");
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 1);
	ck_assert_int_eq(num(row(o, 0), "rx_bytes"), 12);
	json_decref(o);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_civil)
{
	int64_t y;
	unsigned m, d;

	ck_assert_int_eq(acct_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(acct_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(acct_days_from_civil(1969, 12, 31), -1);
	/* Both ways agree over 1600-2600, every day. */
	for (int64_t days = -135140; days < 230000; days++) {
		acct_civil_from_days(days, &y, &m, &d);
		UCHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		UCHECK_EQ(acct_days_from_civil(y, m, d), days);
	}
}
END_TEST

static const struct {
	const char *in;
	int rc;
	int64_t want;
} times[] = {
	{ "0", 0, 0 },
	{ "1700000000", 0, 1700000000 },
	{ "0001700000000", -EINVAL, 0 },	/* 13 digits */
	{ "253402300799", 0, INT64_C(253402300799) },
	{ "999999999999", -EINVAL, 0 },		/* past 9999 */
	{ "2026-11-22", 0, 1795305600 },
	{ "2024-02-29", 0, 1709164800 },
	{ "2000-02-29", 0, 951782400 },
	{ "2026-11-22T15:04", 0, 1795359840 },
	{ "2026-11-22T15:04:05", 0, 1795359845 },
	{ "2026-11-22T15:04:05Z", 0, 1795359845 },
	{ "2026-11-22T15:04Z", 0, 1795359840 },
	{ "2026-11-22T15:04:05+01:00", 0, 1795356245 },
	{ "2026-11-22T00:00:00-05:30", 0, 1795325400 },
	{ "2026-11-22T23:59:59+23:59", 0, 1795305659 },
	{ "2026-11-22T15:04:05-00:00", 0, 1795359845 },
	{ "1970-01-01T00:00:00Z", 0, 0 },
	{ "1969-12-31T23:00:00Z", 0, -3600 },
	{ "", -EINVAL, 0 },
	{ "abc", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+5", -EINVAL, 0 },
	{ "1700000000x", -EINVAL, 0 },
	{ "2026-13-01", -EINVAL, 0 },
	{ "2026-00-10", -EINVAL, 0 },
	{ "2026-11-00", -EINVAL, 0 },
	{ "2026-02-29", -EINVAL, 0 },
	{ "2026-02-30", -EINVAL, 0 },
	{ "1900-02-29", -EINVAL, 0 },
	{ "2026-04-31", -EINVAL, 0 },
	{ "2026-11-22T24:00", -EINVAL, 0 },
	{ "2026-11-22T23:60", -EINVAL, 0 },
	{ "2026-11-22T23:59:60", -EINVAL, 0 },
	{ "2026-11-22T15:04:05ZZ", -EINVAL, 0 },
	{ "2026-11-22T15:04:05+0100", -EINVAL, 0 },
	{ "2026-11-22T15:04:05+01", -EINVAL, 0 },
	{ "2026-11-22T15:04:05+24:00", -EINVAL, 0 },
	{ "2026-11-22T15:04:05+01:60", -EINVAL, 0 },
	{ "2026-11-22T15:04:05 ", -EINVAL, 0 },
	{ " 2026-11-22", -EINVAL, 0 },
	{ "2026-11-22 15:04", -EINVAL, 0 },
	{ "2026-11-22Z", -EINVAL, 0 },
	{ "2026-11-22T", -EINVAL, 0 },
	{ "2026-11-22T15", -EINVAL, 0 },
	{ "2026-11-22T15:4", -EINVAL, 0 },
	{ "2026-11-22T15:04:5", -EINVAL, 0 },
	{ "26-11-22", -EINVAL, 0 },
	{ "2026-1-22", -EINVAL, 0 },
	{ "2026/11/22", -EINVAL, 0 },
	{ "2026-11-22T15:04:05.5Z", -EINVAL, 0 },
	{ "2026-11-22t15:04z", -EINVAL, 0 },
	{ "9999-12-31T23:59:59Z", 0, INT64_C(253402300799) },
	{ "9999-12-31T23:59:59-01:00", -EINVAL, 0 },
};

START_TEST(test_parse_time)
{
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		int64_t t = 424242;
		int rc = acct_parse_time(times[i].in, &t);

		ck_assert_msg(rc == times[i].rc, "'%s': rc %d, want %d", times[i].in, rc,
			      times[i].rc);
		ck_assert_msg(t == (rc ? 424242 : times[i].want), "'%s': %lld, want %lld",
			      times[i].in, (long long)t, (long long)times[i].want);
	}
	ck_assert_int_eq(acct_parse_time(NULL, NULL), -EINVAL);
}
END_TEST

START_TEST(test_parse_by)
{
	ck_assert_int_eq(acct_parse_by("minute"), ACCT_MINUTE);
	ck_assert_int_eq(acct_parse_by("hour"), ACCT_HOUR);
	ck_assert_int_eq(acct_parse_by("day"), ACCT_DAY);
	ck_assert_int_eq(acct_parse_by("month"), ACCT_MONTH);
	ck_assert_int_eq(acct_parse_by("Day"), -EINVAL);
	ck_assert_int_eq(acct_parse_by("days"), -EINVAL);
	ck_assert_int_eq(acct_parse_by(""), -EINVAL);
	ck_assert_int_eq(acct_parse_by(NULL), -EINVAL);
	ck_assert_str_eq(acct_by_name(ACCT_MONTH), "month");
	ck_assert_ptr_null(acct_by_name(ACCT_BY_COUNT));
	ck_assert_ptr_null(acct_by_name(-1));
}
END_TEST

/* ---- top ---- */

static sqlite3 *mktop(void)
{
	sqlite3 *db = mkdb();

	put(db, "acct_day", 1, "2026-11-23", 0, 100, 0);
	put(db, "acct_day", 1, "2026-11-23", 1, 50, 0);	/* job.1: 150 over two classes */
	put(db, "acct_day", 2, "2026-11-23", 0, 400, 600);	/* job.2: 1000 */
	put(db, "acct_day", 3, "2026-11-23", 2, 0, 10);	/* job.3: 10 */
	put(db, "acct_day", 3, "2026-11-24", 0, 99999, 0);	/* another day */
	return db;
}

static int run_top(sqlite3 *db, struct acct_top_q *q, json_t **out)
{
	struct nis_err err = { "" };
	int rc = acct_top(db, q, out, &err);

	ck_assert(rc == 0 ? *out != NULL : *out == NULL && err.msg[0]);
	return rc;
}

static bool not_job2(const char *id, void *arg)
{
	(*(int *)arg)++;
	return strcmp(id, "job.2") != 0;
}

START_TEST(test_top)
{
	struct acct_top_q q = { .by = ACCT_DAY, .has_start = true };
	sqlite3 *db = mktop();
	int calls = 0;
	json_t *o;

	q.start = T("2026-11-23T15:30Z");	/* any time in the day */
	ck_assert_int_eq(run_top(db, &q, &o), 0);
	ck_assert_str_eq(str(o, "by"), "day");
	ck_assert_str_eq(str(o, "start"), "2026-11-23T00:00:00Z");
	ck_assert_uint_eq(nrows(o), 3);
	ck_assert_str_eq(str(row(o, 0), "container_id"), "job.2");
	ck_assert_int_eq(num(row(o, 0), "rx_bytes"), 400);
	ck_assert_int_eq(num(row(o, 0), "tx_bytes"), 600);
	ck_assert_str_eq(str(row(o, 1), "container_id"), "job.1");
	ck_assert_int_eq(num(row(o, 1), "rx_bytes"), 150);
	ck_assert_str_eq(str(row(o, 2), "container_id"), "job.3");
	ck_assert_uint_eq(json_object_size(row(o, 0)), 3);
	json_decref(o);
	q.limit = 2;
	ck_assert_int_eq(run_top(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 2);
	ck_assert_str_eq(str(row(o, 1), "container_id"), "job.1");
	json_decref(o);
	/* The filter runs before the limit. */
	q.visible = not_job2;
	q.arg = &calls;
	ck_assert_int_eq(run_top(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 2);
	ck_assert_str_eq(str(row(o, 0), "container_id"), "job.1");
	ck_assert_str_eq(str(row(o, 1), "container_id"), "job.3");
	ck_assert_int_eq(calls, 3);
	json_decref(o);
	q.limit = 1;
	ck_assert_int_eq(run_top(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 1);
	ck_assert_str_eq(str(row(o, 0), "container_id"), "job.1");
	json_decref(o);
	q.limit = 1000;
	ck_assert_int_eq(run_top(db, &q, &o), 0);
	json_decref(o);
	q.limit = 1001;
	ck_assert_int_eq(run_top(db, &q, &o), -EINVAL);
	q.limit = 0;
	q.by = -1;
	ck_assert_int_eq(run_top(db, &q, &o), -EINVAL);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_top_empty)
{
	struct acct_top_q q = { .by = ACCT_MONTH };
	sqlite3 *db = mktop();
	char before[32], after[32];
	json_t *o;

	/* No database: the shape, with empty rows. */
	ck_assert_int_eq(run_top(NULL, &q, &o), 0);
	ck_assert(json_is_array(json_object_get(o, "rows")));
	ck_assert_uint_eq(nrows(o), 0);
	json_decref(o);
	/* Default start: the current UTC period (either side of a boundary). */
	acct_format_time(acct_floor_utc(ACCT_MONTH, time(NULL)), false, before, sizeof(before));
	ck_assert_int_eq(run_top(db, &q, &o), 0);
	acct_format_time(acct_floor_utc(ACCT_MONTH, time(NULL)), false, after, sizeof(after));
	ck_assert(!strcmp(str(o, "start"), before) || !strcmp(str(o, "start"), after));
	json_decref(o);
	/* A period nobody used. */
	q.by = ACCT_DAY;
	q.has_start = true;
	q.start = T("2026-11-25");
	ck_assert_int_eq(run_top(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 0);
	json_decref(o);
	sqlite3_close(db);
}
END_TEST

/* ---- tz=local ---- */

static char *saved_tz;

static void tz_set(const char *tz)
{
	const char *old = getenv("TZ");

	saved_tz = old ? strdup(old) : NULL;
	setenv("TZ", tz, 1);
	tzset();
}

static void tz_restore(void)
{
	if (saved_tz)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved_tz);
	saved_tz = NULL;
}

static void gmt3_setup(void)
{
	tz_set("Etc/GMT-3");	/* POSIX sign: UTC+3 all year */
}

/* Hours of job.1 around the local midnight of 2026-11-22 (21:00Z). */
static sqlite3 *mklocal(void)
{
	sqlite3 *db = mkdb();

	put(db, "acct_hour", 1, "2026-11-21T20:00Z", 0, 1, 0);	/* 23:00 local, 21st */
	put(db, "acct_hour", 1, "2026-11-21T21:00Z", 0, 2, 0);	/* 00:00 local, 22nd */
	put(db, "acct_hour", 1, "2026-11-21T21:00Z", 2, 4, 0);
	put(db, "acct_hour", 1, "2026-11-21T22:00Z", 0, 8, 0);
	put(db, "acct_hour", 1, "2026-11-22T03:00Z", 0, 16, 0);
	put(db, "acct_minute", 1, "2026-11-21T20:59Z", 0, 32, 0);
	return db;
}

START_TEST(test_local_day)
{
	struct acct_query q = { .container_id = "job.1", .by = ACCT_DAY, .local = true };
	sqlite3 *db = mklocal();
	json_t *o;

	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_str_eq(str(o, "timezone"), "Etc/GMT-3");
	ck_assert_uint_eq(nrows(o), 3);
	ck_assert_str_eq(str(row(o, 0), "start"), "2026-11-21T00:00:00+03:00");
	ck_assert_int_eq(num(row(o, 0), "rx_bytes"), 1);
	ck_assert_str_eq(str(row(o, 1), "start"), "2026-11-22T00:00:00+03:00");
	ck_assert_str_eq(str(row(o, 1), "class"), "default");
	ck_assert_int_eq(num(row(o, 1), "rx_bytes"), 2 + 8 + 16);
	ck_assert_int_eq(num(row(o, 1), "rx_packets"), 3);
	ck_assert_str_eq(str(row(o, 2), "start"), "2026-11-22T00:00:00+03:00");
	ck_assert_str_eq(str(row(o, 2), "class"), "1");
	ck_assert_int_eq(num(row(o, 2), "rx_bytes"), 4);
	json_decref(o);
	/* from inside the local day: the whole local day, nothing before. */
	q.has_from = true;
	q.from = T("2026-11-22T00:30+03:00");
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 2);
	json_decref(o);
	/* to at the local midnight excludes that day; a second later the whole
	 * day is back, not just its first hour. */
	q.has_from = false;
	q.has_to = true;
	q.to = T("2026-11-22T00:00+03:00");
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 1);
	json_decref(o);
	q.to = T("2026-11-22T00:00:01+03:00");
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 3);
	ck_assert_int_eq(num(row(o, 1), "rx_bytes"), 26);
	json_decref(o);
	/* The class filter applies before the sums. */
	q.has_to = false;
	q.class_name = "1";
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 1);
	ck_assert_int_eq(num(row(o, 0), "rx_bytes"), 4);
	json_decref(o);
	sqlite3_close(db);
}
END_TEST

START_TEST(test_local_units)
{
	struct acct_query q = { .container_id = "job.1", .by = ACCT_MONTH, .local = true };
	sqlite3 *db = mklocal();
	json_t *o;

	/* Local months come from hours, not from the month table. */
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 2);
	ck_assert_str_eq(str(row(o, 0), "start"), "2026-11-01T00:00:00+03:00");
	ck_assert_int_eq(num(row(o, 0), "rx_bytes"), 27);
	ck_assert_str_eq(str(row(o, 1), "class"), "1");
	json_decref(o);
	q.by = ACCT_HOUR;
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 5);
	ck_assert_str_eq(str(row(o, 0), "start"), "2026-11-21T23:00:00+03:00");
	ck_assert_str_eq(str(row(o, 4), "start"), "2026-11-22T06:00:00+03:00");
	json_decref(o);
	q.by = ACCT_MINUTE;
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_uint_eq(nrows(o), 1);
	ck_assert_str_eq(str(row(o, 0), "start"), "2026-11-21T23:59:00+03:00");
	ck_assert_int_eq(num(row(o, 0), "rx_bytes"), 32);
	json_decref(o);
	ck_assert_int_eq(acct_floor_local(ACCT_DAY, T("2026-11-21T21:30Z")), T("2026-11-21T21:00Z"));
	ck_assert_int_eq(acct_next_local(ACCT_DAY, T("2026-11-21T21:30Z")), T("2026-11-22T21:00Z"));
	ck_assert_int_eq(acct_floor_local(ACCT_MONTH, T("2026-11-30T21:30Z")), T("2026-11-30T21:00Z"));
	ck_assert_int_eq(acct_next_local(ACCT_MONTH, T("2026-12-31T20:00Z")), T("2026-12-31T21:00Z"));
	sqlite3_close(db);
}
END_TEST

static void berlin_setup(void)
{
	tz_set("Europe/Berlin");
}

/* 2026-10-25: CEST ends at 01:00Z, so the local day has 25 hours and the
 * next one starts at +01:00. */
START_TEST(test_local_dst)
{
	struct acct_query q = { .container_id = "job.1", .by = ACCT_DAY, .local = true };
	sqlite3 *db = mkdb();
	char buf[40];
	json_t *o;

	put(db, "acct_hour", 1, "2026-10-24T21:00Z", 0, 1, 0);	/* 23:00 CEST, 24th */
	put(db, "acct_hour", 1, "2026-10-24T22:00Z", 0, 2, 0);	/* 00:00 CEST, 25th */
	put(db, "acct_hour", 1, "2026-10-25T22:00Z", 0, 4, 0);	/* 23:00 CET, 25th */
	put(db, "acct_hour", 1, "2026-10-25T23:00Z", 0, 8, 0);	/* 00:00 CET, 26th */
	ck_assert_int_eq(run(db, &q, &o), 0);
	ck_assert_str_eq(str(o, "timezone"), "Europe/Berlin");
	ck_assert_uint_eq(nrows(o), 3);
	ck_assert_str_eq(str(row(o, 0), "start"), "2026-10-24T00:00:00+02:00");
	ck_assert_str_eq(str(row(o, 1), "start"), "2026-10-25T00:00:00+02:00");
	ck_assert_int_eq(num(row(o, 1), "rx_bytes"), 6);
	ck_assert_str_eq(str(row(o, 2), "start"), "2026-10-26T00:00:00+01:00");
	ck_assert_int_eq(num(row(o, 2), "rx_bytes"), 8);
	json_decref(o);
	ck_assert_int_eq(acct_next_local(ACCT_DAY, T("2026-10-25T12:00Z")) -
			 acct_floor_local(ACCT_DAY, T("2026-10-25T12:00Z")), 25 * 3600);
	ck_assert_int_eq(acct_format_time(T("2026-10-25T01:30Z"), true, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2026-10-25T02:30:00+01:00");
	ck_assert_int_eq(acct_format_time(T("2026-10-25T00:30Z"), true, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2026-10-25T02:30:00+02:00");
	ck_assert_int_eq(acct_format_time(0, false, buf, 10), -ENOSPC);
	sqlite3_close(db);
}
END_TEST

void add_acct_query_tests(Suite *s)
{
	TCase *tc = tcase_create("acctquery");
	TCase *gmt3 = tcase_create("acctquery_gmt3");
	TCase *berlin = tcase_create("acctquery_berlin");

	tcase_add_test(tc, test_query_order);
	tcase_add_test(tc, test_query_bounds);
	tcase_add_test(tc, test_query_class);
	tcase_add_test(tc, test_query_unknown);
	tcase_add_test(tc, test_month_floors);
	tcase_add_test(tc, test_civil);
	tcase_add_test(tc, test_parse_time);
	tcase_add_test(tc, test_parse_by);
	tcase_add_test(tc, test_top);
	tcase_add_test(tc, test_top_empty);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(gmt3, gmt3_setup, tz_restore);
	tcase_add_test(gmt3, test_local_day);
	tcase_add_test(gmt3, test_local_units);
	suite_add_tcase(s, gmt3);
	tcase_add_checked_fixture(berlin, berlin_setup, tz_restore);
	tcase_add_test(berlin, test_local_dst);
	suite_add_tcase(s, berlin);
}
