/* test_acct_store.c - the history writer: rollups equal the sum of their
 * minutes, last counters round-trip, classes keep their index, retention
 * prunes exactly what is older than the setting. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "acct/store.h"
#include "agent/db.h"
#include "isolator/flags.h"
#include "tests/unit/unit.h"

static char dir[] = "/tmp/nis-acct-XXXXXX";
static struct acct_store *st;

static void setup(void)
{
	struct nis_err err = { "" };

	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/nis-acct-XXXXXX")));
	ck_assert_int_eq(agent_db_prepare(dir, &err), 0);
	ck_assert_msg(!acct_store_open(dir, &st, &err), "%s", err.msg);
}

static void teardown(void)
{
	char cmd[128];

	acct_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int64_t sum(const char *sql)
{
	char path[256];
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t v = -1;

	snprintf(path, sizeof(path), "%s/netisol.db", dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

START_TEST(test_keys)
{
	struct nis_err err = { "" };
	char names[ACCT_CLASSES][16];
	int64_t a, b, a2;
	uint32_t c1, c2, c1b;

	ck_assert_int_eq(acct_store_container(st, "job.1", &a, &err), 0);
	ck_assert_int_eq(acct_store_container(st, "job.2", &b, &err), 0);
	ck_assert_int_eq(acct_store_container(st, "job.1", &a2, &err), 0);
	ck_assert_int_ne(a, b);
	ck_assert_int_eq(a, a2);
	ck_assert_int_eq(acct_store_class(st, "1", &c1, &err), 0);
	ck_assert_int_eq(acct_store_class(st, "2", &c2, &err), 0);
	ck_assert_int_eq(acct_store_class(st, "1", &c1b, &err), 0);
	ck_assert_uint_eq(c1, 2);
	ck_assert_uint_eq(c2, 3);
	ck_assert_uint_eq(c1b, 2);
	ck_assert_int_eq(acct_store_class_names(st, names, &err), 0);
	ck_assert_str_eq(names[0], "default");
	ck_assert_str_eq(names[1], "local");
	ck_assert_str_eq(names[3], "2");
	ck_assert_str_eq(names[4], "");
	for (int i = 4; i < ACCT_CLASSES; i++) {
		char name[16];

		snprintf(name, sizeof(name), "%d", 100 + i);
		ck_assert_int_eq(acct_store_class(st, name, &c1, &err), 0);
	}
	ck_assert_int_eq(acct_store_class(st, "99", &c1, &err), -ENOSPC);
}
END_TEST

/* Two hours of passes every 20 s with known deltas: every rollup equals the
 * sum of its minutes, and last/source read back as written. */
START_TEST(test_passes_and_rollups)
{
	struct nis_err err = { "" };
	struct acct_source src = { "boot-1", 7, 42, false }, got_src;
	struct acct_counts raw[ACCT_CLASSES];
	int64_t ck;
	bool found;
	time_t t0 = 1795305600 + 86400 - 3600;	/* an hour before midnight */
	uint64_t want_tx = 0;

	ck_assert_int_eq(acct_store_container(st, "job.1", &ck, &err), 0);
	for (int i = 1; i <= 360; i++) {
		struct acct_row r[2] = {
			{ ck, 0, { 1, (uint64_t)i, 1, 1 }, { (uint64_t)i, 0, 0, 0 } },
			{ ck, 1, { 0, 0, 0, 0 }, { 5, 5, 5, 5 } },
		};

		want_tx += (uint64_t)i;
		ck_assert_msg(!acct_store_pass(st, t0 + 20 * i, r, 2, &ck, &src, 1, &err),
			      "%s", err.msg);
	}
	ck_assert_int_eq(sum("SELECT SUM(tx_bytes) FROM acct_minute"), (int64_t)want_tx);
	ck_assert_int_eq(sum("SELECT SUM(tx_bytes) FROM acct_hour"), (int64_t)want_tx);
	ck_assert_int_eq(sum("SELECT SUM(tx_bytes) FROM acct_day"), (int64_t)want_tx);
	ck_assert_int_eq(sum("SELECT SUM(tx_bytes) FROM acct_month"), (int64_t)want_tx);
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_minute"), 120);
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_hour"), 2);
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_day"), 2);
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_month"), 1);
	/* every hour row is the sum of the minute rows inside it */
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_hour h WHERE tx_bytes != (SELECT "
			     "SUM(tx_bytes) FROM acct_minute m WHERE m.ck = h.ck AND m.ci = h.ci"
			     " AND m.ts >= h.ts AND m.ts < h.ts + 3600)"), 0);
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_minute WHERE ci = 1"), 0);
	ck_assert_int_eq(acct_store_last(st, ck, raw, &got_src, &found, &err), 0);
	ck_assert(found);
	ck_assert_uint_eq(raw[0].rx_bytes, 360);
	ck_assert_uint_eq(raw[1].tx_packets, 5);
	ck_assert_str_eq(got_src.boot_id, "boot-1");
	ck_assert_int_eq(got_src.ifindex, 7);
	ck_assert_uint_eq(got_src.map_id, 42);
	ck_assert_int_eq(acct_store_totals(st, ck, raw, &err), 0);
	ck_assert_uint_eq(raw[0].tx_bytes, want_tx);
	ck_assert_int_eq(acct_store_forget(st, ck, &err), 0);
	ck_assert_int_eq(acct_store_last(st, ck, raw, &got_src, &found, &err), 0);
	ck_assert(found);	/* until the next pass */
	ck_assert_int_eq(acct_store_pass(st, t0 + 9000, NULL, 0, NULL, NULL, 0, &err), 0);
	ck_assert_int_eq(acct_store_last(st, ck, raw, &got_src, &found, &err), 0);
	ck_assert(!found);
}
END_TEST

START_TEST(test_prune)
{
	struct nis_err err = { "" };
	struct acct_retention keep;
	struct iso_flags flags;
	int64_t ck;
	time_t now = 1795305600;

	ck_assert_int_eq(iso_flags_init(&flags, &err), 0);	/* the defaults */
	keep = iso_flags_retention(&flags);
	iso_flags_free(&flags);

	ck_assert_int_eq(acct_store_container(st, "job.1", &ck, &err), 0);
	/* one pass per hour for 4 days before now */
	for (int h = 96; h >= 0; h--) {
		struct acct_row r = { ck, 0, { 1, 1, 1, 1 }, { 0, 0, 0, 0 } };

		ck_assert_int_eq(acct_store_pass(st, now - 3600 * h, &r, 1, NULL, NULL, 0,
						 &err), 0);
	}
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_minute"), 97);
	/* 48 h: minutes starting before now - 48 h go, the rest stay */
	ck_assert_int_eq(acct_store_prune(st, now, &keep, 10, &err), 10);
	ck_assert_int_gt(acct_store_prune(st, now, &keep, 1000, &err), 0);
	ck_assert_int_eq(acct_store_prune(st, now, &keep, 1000, &err), 0);
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_minute WHERE ts < 1795305600 - 172800"), 0);
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_minute"), 48);
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_hour"), 97);
	ck_assert_int_eq(sum("SELECT SUM(tx_bytes) FROM acct_day"), 97);
}
END_TEST

static void exec_sql(const char *sql)
{
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/netisol.db", dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* A simulated clock over four months, a pass a day, month rows kept for
 * one month: the month table loses whole months, the all-time totals (as
 * a restart reads them back) never go down and count every byte. */
START_TEST(test_totals_monotonic_across_pruning)
{
	struct nis_err err = { "" };
	struct acct_retention keep = { { -1, -1, -1, 31 * 86400 } };
	struct acct_counts tot[ACCT_CLASSES];
	time_t t0 = 1795305600;	/* 2026-11-22 */
	uint64_t want = 0, prev = 0;
	int64_t ck;
	bool pruned = false;

	ck_assert_int_eq(acct_store_container(st, "job.1", &ck, &err), 0);
	for (int d = 1; d <= 120; d++) {
		time_t now = t0 + 86400 * d;
		struct acct_row r = { ck, 0, { 1000, 2000, 1, 2 }, { 0, 0, 0, 0 } };

		want += 2000;
		ck_assert_msg(!acct_store_pass(st, now, &r, 1, NULL, NULL, 0, &err), "%s", err.msg);
		ck_assert_int_ge(acct_store_prune(st, now, &keep, 1000, &err), 0);
		ck_assert_int_eq(acct_store_totals(st, ck, tot, &err), 0);
		UCHECK(tot[0].tx_bytes >= prev);
		UCHECK_EQ(tot[0].tx_bytes, want);
		UCHECK_EQ(tot[0].rx_packets, d);
		prev = tot[0].tx_bytes;
		pruned |= sum("SELECT SUM(tx_bytes) FROM acct_month") < (int64_t)want;
	}
	ck_assert_msg(pruned, "retention never pruned a month");
	ck_assert_int_le(sum("SELECT COUNT(*) FROM acct_month"), 2);
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM acct_total"), 1);
}
END_TEST

/* A database of schema 3 (history, no acct_total): migration 4 seeds the
 * totals from the month rows. */
START_TEST(test_totals_seeded_by_migration)
{
	struct nis_err err = { "" };
	struct acct_counts tot[ACCT_CLASSES];
	int64_t ck;

	ck_assert_int_eq(acct_store_container(st, "job.1", &ck, &err), 0);
	acct_store_close(st);
	st = NULL;
	exec_sql("DROP TABLE acct_total; ALTER TABLE containers DROP COLUMN cpus;"
		 " ALTER TABLE containers DROP COLUMN image;"
		 "INSERT INTO acct_month VALUES (1, 1790000000, 0, 10, 20, 1, 2),"
		 " (1, 1792000000, 0, 5, 6, 7, 8), (1, 1792000000, 1, 100, 200, 3, 4);"
		 "PRAGMA user_version = 3");
	ck_assert_msg(!agent_db_prepare(dir, &err), "%s", err.msg);
	ck_assert_msg(!acct_store_open(dir, &st, &err), "%s", err.msg);
	ck_assert_int_eq(acct_store_totals(st, ck, tot, &err), 0);
	ck_assert_uint_eq(tot[0].rx_bytes, 15);
	ck_assert_uint_eq(tot[0].tx_bytes, 26);
	ck_assert_uint_eq(tot[0].rx_packets, 8);
	ck_assert_uint_eq(tot[0].tx_packets, 10);
	ck_assert_uint_eq(tot[1].tx_bytes, 200);
	ck_assert_int_eq(sum("SELECT COUNT(*) FROM pragma_table_info('containers')"
			     " WHERE name = 'image'"), 1);
}
END_TEST

void add_acct_store_tests(Suite *s)
{
	TCase *tc = tcase_create("acctstore");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_passes_and_rollups);
	tcase_add_test(tc, test_prune);
	tcase_add_test(tc, test_totals_monotonic_across_pruning);
	tcase_add_test(tc, test_totals_seeded_by_migration);
	suite_add_tcase(s, tc);
}
