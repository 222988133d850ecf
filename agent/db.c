/* db.c - work_dir/netisol.db, which the agent owns: the one schema of the
 * checkpoint (isolator/checkpoint.c) and the traffic history (acct/store.c,
 * acct/query.c), its migrations in one sequence, the integrity check at
 * start, and a corrupt file moved aside. Those modules open connections of
 * their own to a database made ready here, and change no schema. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "agent/db.h"
#include "common/fs.h"
#include "common/log.h"

/* History rows are keyed (container, period start, class), which serves
 * every per-container query. The coarse tables also get an index on the
 * period for /accounting/top and pruning; the minute table, by far the
 * largest, does without (a third of its size) and is pruned container by
 * container along its key. */
#define ACCT_TABLE(name)							\
	"CREATE TABLE " name " (ck INTEGER NOT NULL, ts INTEGER NOT NULL,"		\
	" ci INTEGER NOT NULL, rx_bytes INTEGER NOT NULL, tx_bytes INTEGER NOT NULL,"	\
	" rx_packets INTEGER NOT NULL, tx_packets INTEGER NOT NULL,"			\
	" PRIMARY KEY (ck, ts, ci)) WITHOUT ROWID;"
#define ACCT_TS_INDEX(name) "CREATE INDEX " name "_ts ON " name " (ts);"

/* migrations[v] takes the schema from version v to v + 1. */
static const char *const migrations[] = {
	"CREATE TABLE containers ("
	" id TEXT PRIMARY KEY, state INTEGER NOT NULL,"
	" executor_id TEXT, executor_name TEXT, framework_id TEXT, source TEXT,"
	" ports TEXT NOT NULL, eph_begin INTEGER NOT NULL, eph_end INTEGER NOT NULL,"
	" egress INTEGER, ingress INTEGER, veth TEXT NOT NULL, veth_ifindex INTEGER,"
	" netns TEXT NOT NULL, slot INTEGER, blocks TEXT, created_at REAL)",
	/* 2: traffic accounting. Containers and classes get small integer
	 * keys (ck, ci) so the history rows stay short. ci 0 is "default",
	 * 1 "local", 2.. the classes of --network_classes by number. Periods
	 * are UTC epoch seconds of their start. acct_last holds the raw kernel
	 * counters the history has counted up to, with where they came from. */
	"CREATE TABLE acct_container (ck INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);"
	"CREATE TABLE acct_class (ci INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"INSERT INTO acct_class VALUES (0, 'default'), (1, 'local');"
	ACCT_TABLE("acct_minute") ACCT_TABLE("acct_hour") ACCT_TABLE("acct_day")
	ACCT_TABLE("acct_month") ACCT_TS_INDEX("acct_hour") ACCT_TS_INDEX("acct_day")
	ACCT_TS_INDEX("acct_month")
	"CREATE TABLE acct_last (ck INTEGER NOT NULL, ci INTEGER NOT NULL,"
	" rx_bytes INTEGER NOT NULL, tx_bytes INTEGER NOT NULL,"
	" rx_packets INTEGER NOT NULL, tx_packets INTEGER NOT NULL,"
	" PRIMARY KEY (ck, ci)) WITHOUT ROWID;"
	"CREATE TABLE acct_source (ck INTEGER PRIMARY KEY, boot_id TEXT NOT NULL,"
	" ifindex INTEGER NOT NULL, map_id INTEGER NOT NULL);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

struct db {
	sqlite3 *db;
	char path[PATH_MAX];
};

static int sql_fail(struct db *c, int rc, const char *what, struct nis_err *err)
{
	return nis_err_set(err, -EIO, "%s: %s: %s", c->path, what,
			   c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
}

static int user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int migrate(struct db *c, struct nis_err *err)
{
	char sql[64];
	int v = 0, rc;

	if ((rc = user_version(c->db, &v)) != SQLITE_OK)
		return sql_fail(c, rc, "cannot read the schema version", err);
	if (v > SCHEMA_VERSION)
		return nis_err_set(err, -EPROTO, "%s: schema version %d is newer than this "
				   "netisold (%d)", c->path, v, SCHEMA_VERSION);
	for (; v < SCHEMA_VERSION; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(c->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			int e = sql_fail(c, 0, "migration failed", err);
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			return e;
		}
	}
	return 0;
}

/* Opens and checks; -EBADMSG when the file is not a usable database. */
static int try_open(struct db *c, struct nis_err *err)
{
	int rc = sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_FULLMUTEX, NULL);
	char *msg = NULL;

	if (rc != SQLITE_OK)
		return sql_fail(c, rc, "cannot open", err);
	sqlite3_busy_timeout(c->db, 5000);
	rc = sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			  "PRAGMA quick_check", NULL, NULL, &msg);
	sqlite3_free(msg);
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return nis_err_set(err, -EBADMSG, "%s is not a usable database", c->path);
	if (rc != SQLITE_OK)
		return sql_fail(c, rc, "cannot set up", err);
	return migrate(c, err);
}

static void move_aside(struct db *c)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char from[PATH_MAX + 8], to[PATH_MAX + 64];
	long now = (long)time(NULL);

	for (size_t i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", c->path, sfx[i]);
		snprintf(to, sizeof(to), "%s.corrupt-%ld%s", c->path, now, sfx[i]);
		rename(from, to);
	}
	log_msg(LOG_ERROR, "checkpoint %s could not be read: moved aside as "
		"%s.corrupt-%ld; starting with an empty one", c->path, c->path, now);
}

int agent_db_prepare(const char *work_dir, struct nis_err *err)
{
	struct db c = { NULL, "" };
	int rc;

	snprintf(c.path, sizeof(c.path), "%s/netisol.db", work_dir);
	if ((rc = nis_mkdir_p(work_dir, 0700, err)))
		return rc;
	if ((rc = try_open(&c, err)) == -EBADMSG) {
		sqlite3_close(c.db);
		c.db = NULL;
		move_aside(&c);
		rc = try_open(&c, err);
	}
	sqlite3_close(c.db);
	return rc;
}
