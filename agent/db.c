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
	/* 3: containers in a runtime's namespace (CNI): the peer's name, the
	 * namespace's identity, what to put back in it; the CNI labels. */
	"ALTER TABLE containers ADD COLUMN ifname TEXT NOT NULL DEFAULT 'eth0';"
	"ALTER TABLE containers ADD COLUMN external INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN netns_dev INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN netns_ino INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN ext_undo TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE containers ADD COLUMN network TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE containers ADD COLUMN k8s_namespace TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE containers ADD COLUMN pod TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE containers ADD COLUMN pod_uid TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE containers ADD COLUMN egress_burst INTEGER;"
	"ALTER TABLE containers ADD COLUMN ingress_burst INTEGER;"
	"ALTER TABLE containers ADD COLUMN remap TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE containers ADD COLUMN chained INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE containers ADD COLUMN chain_address TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE containers ADD COLUMN chain_mac TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE containers ADD COLUMN chain_own_clsact INTEGER NOT NULL DEFAULT 0;",
	/* 4: the image a create request names (cAdvisor's image label); the
	 * all-time totals per container and class, which pruning never
	 * touches (netisol_accounting_*_total stay monotonic), seeded from
	 * the month rows, which held every byte counted so far. */
	"ALTER TABLE containers ADD COLUMN image TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE acct_total (ck INTEGER NOT NULL, ci INTEGER NOT NULL,"
	" rx_bytes INTEGER NOT NULL, tx_bytes INTEGER NOT NULL,"
	" rx_packets INTEGER NOT NULL, tx_packets INTEGER NOT NULL,"
	" PRIMARY KEY (ck, ci)) WITHOUT ROWID;"
	"INSERT INTO acct_total SELECT ck, ci, SUM(rx_bytes), SUM(tx_bytes), SUM(rx_packets),"
	" SUM(tx_packets) FROM acct_month GROUP BY ck, ci;",
	/* 5: Mesos' cpus resource, which the per-cpu rates scale by */
	"ALTER TABLE containers ADD COLUMN cpus REAL;",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* An error naming the file; the connection's message when it has one. */
static int fail(const char *path, sqlite3 *db, int rc, const char *what, struct nis_err *err)
{
	return nis_err_set(err, -EIO, "%s: %s: %s", path, what,
			   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
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

/* Each migration and its version in one transaction. */
static int migrate(const char *path, sqlite3 *db, struct nis_err *err)
{
	char sql[64];
	int v = 0, rc;

	if ((rc = user_version(db, &v)) != SQLITE_OK)
		return fail(path, db, rc, "cannot read the schema version", err);
	if (v > SCHEMA_VERSION)
		return nis_err_set(err, -EPROTO, "%s: schema version %d is newer than this "
				   "netisold (%d)", path, v, SCHEMA_VERSION);
	for (; v < SCHEMA_VERSION; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			int e = fail(path, db, 0, "migration failed", err);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return e;
		}
	}
	return 0;
}

/* Opens, checks and migrates, then closes; -EBADMSG when the file is not
 * a usable database. */
static int try_open(const char *path, struct nis_err *err)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_FULLMUTEX, NULL);

	if (rc != SQLITE_OK) {
		rc = fail(path, db, rc, "cannot open", err);
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			  "PRAGMA quick_check", NULL, NULL, &msg);
	sqlite3_free(msg);
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		rc = nis_err_set(err, -EBADMSG, "%s is not a usable database", path);
	else if (rc != SQLITE_OK)
		rc = fail(path, db, rc, "cannot set up", err);
	else
		rc = migrate(path, db, err);
out:
	sqlite3_close(db);
	return rc;
}

static void move_aside(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char from[PATH_MAX + 8], to[PATH_MAX + 64];
	long now = (long)time(NULL);

	for (size_t i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", path, sfx[i]);
		snprintf(to, sizeof(to), "%s.corrupt-%ld%s", path, now, sfx[i]);
		rename(from, to);
	}
	log_msg(LOG_ERROR, "checkpoint %s could not be read: moved aside as "
		"%s.corrupt-%ld; starting with an empty one", path, path, now);
}

int agent_db_prepare(const char *work_dir, struct nis_err *err)
{
	char path[PATH_MAX];
	int rc;

	if (snprintf(path, sizeof(path), "%s/netisol.db", work_dir) >= (int)sizeof(path))
		return nis_err_set(err, -ENAMETOOLONG, "--work_dir is too long");
	if ((rc = nis_mkdir_p(work_dir, 0700, err)))
		return rc;
	if ((rc = try_open(path, err)) == -EBADMSG) {
		move_aside(path);
		rc = try_open(path, err);
	}
	return rc;
}
