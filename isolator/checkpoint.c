/* checkpoint.c - SQLite persistence of the container registry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "common/fs.h"
#include "common/log.h"
#include "isolator/checkpoint.h"

struct iso_ckpt {
	sqlite3 *db;
	char path[PATH_MAX];
};

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

static int sql_fail(struct iso_ckpt *c, int rc, const char *what, struct nis_err *err)
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

static int migrate(struct iso_ckpt *c, struct nis_err *err)
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
static int try_open(struct iso_ckpt *c, struct nis_err *err)
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

static void move_aside(struct iso_ckpt *c)
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

int iso_ckpt_open(const char *work_dir, struct iso_ckpt **out, struct nis_err *err)
{
	struct iso_ckpt *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return nis_err_set(err, -ENOMEM, "out of memory");
	snprintf(c->path, sizeof(c->path), "%s/netisol.db", work_dir);
	if ((rc = nis_mkdir_p(work_dir, 0700, err)))
		goto fail;
	if ((rc = try_open(c, err)) == -EBADMSG) {
		sqlite3_close(c->db);
		c->db = NULL;
		move_aside(c);
		rc = try_open(c, err);
	}
	if (rc)
		goto fail;
	*out = c;
	return 0;
fail:
	iso_ckpt_close(c);
	return rc;
}

void iso_ckpt_close(struct iso_ckpt *c)
{
	if (!c)
		return;
	sqlite3_close(c->db);
	free(c);
}

static void bind_opt(sqlite3_stmt *st, int i, struct iso_opt_u64 o)
{
	if (o.set)
		sqlite3_bind_int64(st, i, (sqlite3_int64)o.v);
	else
		sqlite3_bind_null(st, i);
}

/* Runs one statement to completion; autocommit makes it a transaction. */
static int run(struct iso_ckpt *c, sqlite3_stmt *st, const char *what, struct nis_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sql_fail(c, rc, what, err);
}

int iso_ckpt_put(struct iso_ckpt *c, const struct iso_ckpt_row *r, struct nis_err *err)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(c->db,
		"INSERT OR REPLACE INTO containers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		-1, &st, NULL);

	if (rc != SQLITE_OK)
		return sql_fail(c, rc, "cannot prepare", err);
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->state);
	sqlite3_bind_text(st, 3, r->labels.executor_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->labels.executor_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->labels.framework_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->labels.source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->ports ? r->ports : "[]", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, r->ephemeral.begin);
	sqlite3_bind_int64(st, 9, r->ephemeral.end);
	bind_opt(st, 10, r->egress);
	bind_opt(st, 11, r->ingress);
	sqlite3_bind_text(st, 12, r->veth, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 13, r->veth_ifindex);
	sqlite3_bind_text(st, 14, r->netns, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, r->slot);
	sqlite3_bind_text(st, 16, r->blocks ? r->blocks : "", -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 17, r->created_at);
	return run(c, st, "cannot write a container", err);
}

static int by_id(struct iso_ckpt *c, const char *sql, const char *id, int state,
		 struct nis_err *err)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return sql_fail(c, rc, "cannot prepare", err);
	if (state >= 0) {
		sqlite3_bind_int(st, 1, state);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	}
	return run(c, st, "cannot update a container", err);
}

int iso_ckpt_set_state(struct iso_ckpt *c, const char *id, enum iso_state s,
		       struct nis_err *err)
{
	return by_id(c, "UPDATE containers SET state = ? WHERE id = ?", id, (int)s, err);
}

int iso_ckpt_delete(struct iso_ckpt *c, const char *id, struct nis_err *err)
{
	return by_id(c, "DELETE FROM containers WHERE id = ?", id, -1, err);
}

static void text_col(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

static struct iso_opt_u64 opt_col(sqlite3_stmt *st, int i)
{
	struct iso_opt_u64 o = { sqlite3_column_type(st, i) != SQLITE_NULL, 0 };

	if (o.set)
		o.v = (uint64_t)sqlite3_column_int64(st, i);
	return o;
}

static int read_row(sqlite3_stmt *st, struct iso_ckpt_row *r)
{
	const unsigned char *ports = sqlite3_column_text(st, 6);
	const unsigned char *blocks = sqlite3_column_text(st, 15);

	memset(r, 0, sizeof(*r));
	text_col(st, 0, r->id, sizeof(r->id));
	r->state = (enum iso_state)sqlite3_column_int(st, 1);
	text_col(st, 2, r->labels.executor_id, sizeof(r->labels.executor_id));
	text_col(st, 3, r->labels.executor_name, sizeof(r->labels.executor_name));
	text_col(st, 4, r->labels.framework_id, sizeof(r->labels.framework_id));
	text_col(st, 5, r->labels.source, sizeof(r->labels.source));
	r->ports = strdup(ports ? (const char *)ports : "[]");
	r->ephemeral.begin = (uint32_t)sqlite3_column_int64(st, 7);
	r->ephemeral.end = (uint32_t)sqlite3_column_int64(st, 8);
	r->egress = opt_col(st, 9);
	r->ingress = opt_col(st, 10);
	text_col(st, 11, r->veth, sizeof(r->veth));
	r->veth_ifindex = sqlite3_column_int(st, 12);
	text_col(st, 13, r->netns, sizeof(r->netns));
	r->slot = (uint32_t)sqlite3_column_int64(st, 14);
	r->blocks = strdup(blocks ? (const char *)blocks : "");
	r->created_at = sqlite3_column_double(st, 16);
	return r->ports && r->blocks ? 0 : -ENOMEM;
}

int iso_ckpt_load(struct iso_ckpt *c, struct iso_ckpt_row **rows, size_t *n,
		  struct nis_err *err)
{
	struct iso_ckpt_row *v = NULL, *p;
	size_t cap = 0, k = 0;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(c->db, "SELECT * FROM containers ORDER BY id", -1, &st,
				    NULL);

	if (rc != SQLITE_OK)
		return sql_fail(c, rc, "cannot read containers", err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? 2 * cap : 16;
			if (!(p = realloc(v, cap * sizeof(*v))))
				break;
			v = p;
		}
		if (read_row(st, &v[k++]))
			break;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		iso_ckpt_rows_free(v, k);
		return rc == SQLITE_ROW ? nis_err_set(err, -ENOMEM, "out of memory")
					: sql_fail(c, rc, "cannot read containers", err);
	}
	*rows = v;
	*n = k;
	return 0;
}

void iso_ckpt_rows_free(struct iso_ckpt_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].ports);
		free(rows[i].blocks);
	}
	free(rows);
}
