/* checkpoint.c - SQLite persistence of the container registry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>
#include <sqlite3.h>

#include "common/log.h"
#include "isolator/checkpoint.h"

struct iso_ckpt {
	sqlite3 *db;
	char path[PATH_MAX];
	pthread_mutex_t mu;		/* the write health below */
	uint64_t failures;		/* writes that failed, all time */
	bool failing;			/* the last write failed */
	char why[256];			/* its error */
	/* The writes' statements, prepared once (a create writes two rows,
	 * and preparing one of 35 columns costs what writing it does), each
	 * used under smu from its bind to its reset. */
	pthread_mutex_t smu;
	sqlite3_stmt *put, *state, *del;
};

static int sql_fail(struct iso_ckpt *c, int rc, const char *what, struct nis_err *err)
{
	return nis_err_set(err, -EIO, "%s: %s: %s", c->path, what,
			   c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
}

int iso_ckpt_open(const char *work_dir, struct iso_ckpt **out, struct nis_err *err)
{
	struct iso_ckpt *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return nis_err_set(err, -ENOMEM, "out of memory");
	snprintf(c->path, sizeof(c->path), "%s/netisol.db", work_dir);
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->smu, NULL);
	rc = sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_fail(c, rc, "cannot open", err);
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 5000);
	/* The journal is WAL already (agent/db.c); durability is per connection.
	 * A commit is in the WAL before the kernel is touched or a client is
	 * answered: it survives the agent's crash, the one failure that leaves
	 * the kernel objects it describes. It is not synced: a power cut takes
	 * the objects (veths, namespaces, filters) with it, may lose the last
	 * commits, and recovery finishes off whatever the rows left name; so
	 * a create costs no fsync. (Billing is synced: acct/store.c.) */
	if ((rc = sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL)) != SQLITE_OK) {
		rc = sql_fail(c, rc, "cannot set up", err);
		goto fail;
	}
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
	sqlite3_finalize(c->put);
	sqlite3_finalize(c->state);
	sqlite3_finalize(c->del);
	sqlite3_close(c->db);
	pthread_mutex_destroy(&c->smu);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void bind_opt(sqlite3_stmt *st, int i, struct iso_opt_u64 o)
{
	if (o.set)
		sqlite3_bind_int64(st, i, (sqlite3_int64)o.v);
	else
		sqlite3_bind_null(st, i);
}

/* A write's outcome, for iso_ckpt_health: the first failure of a run of
 * them is logged, and the first success after it. */
static int wrote(struct iso_ckpt *c, int rc, struct nis_err *err)
{
	pthread_mutex_lock(&c->mu);
	if (rc) {
		c->failures++;
		if (!c->failing)
			log_msg(LOG_ERROR, "checkpoint writes fail (logged once until one "
				"succeeds): %s", err->msg);
		snprintf(c->why, sizeof(c->why), "%s", err->msg);
	} else if (c->failing) {
		log_msg(LOG_INFO, "checkpoint writes succeed again");
	}
	c->failing = rc != 0;
	pthread_mutex_unlock(&c->mu);
	return rc ? -EROFS : 0;
}

/* *slot, prepared the first time; on success smu is held until run(). */
static int prepared(struct iso_ckpt *c, sqlite3_stmt **slot, const char *sql,
		    struct nis_err *err)
{
	int rc = SQLITE_OK;

	pthread_mutex_lock(&c->smu);
	if (!*slot)
		rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
	if (rc == SQLITE_OK)
		return 0;
	*slot = NULL;
	pthread_mutex_unlock(&c->smu);
	return sql_fail(c, rc, "cannot prepare", err);
}

/* Runs a prepared statement to completion (autocommit makes it a
 * transaction), makes it ready for the next and lets smu go. */
static int run(struct iso_ckpt *c, sqlite3_stmt *st, const char *what, struct nis_err *err)
{
	struct nis_err e = { "" };
	int rc = sqlite3_step(st);

	if (!err)
		err = &e;
	rc = rc == SQLITE_DONE ? 0 : sql_fail(c, rc, what, err);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	pthread_mutex_unlock(&c->smu);
	return wrote(c, rc, err);
}

bool iso_ckpt_health(struct iso_ckpt *c, char *why, size_t len, uint64_t *failures)
{
	bool ok;

	pthread_mutex_lock(&c->mu);
	ok = !c->failing;
	snprintf(why, len, "%s", ok ? "" : c->why);
	*failures = c->failures;
	pthread_mutex_unlock(&c->mu);
	return ok;
}

int iso_ckpt_put(struct iso_ckpt *c, const struct iso_ckpt_row *r, struct nis_err *err)
{
	sqlite3_stmt *st;
	int rc = prepared(c, &c->put, "INSERT OR REPLACE INTO containers VALUES (?,?,?,?,?,?,?,"
			  "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err);

	if (rc)
		return rc;
	st = c->put;
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
	sqlite3_bind_text(st, 18, r->ifname, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 19, r->external);
	sqlite3_bind_int64(st, 20, (sqlite3_int64)r->ns.dev);
	sqlite3_bind_int64(st, 21, (sqlite3_int64)r->ns.ino);
	sqlite3_bind_text(st, 22, r->ext_undo ? r->ext_undo : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 23, r->labels.network, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 24, r->labels.k8s_namespace, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 25, r->labels.pod, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 26, r->labels.pod_uid, -1, SQLITE_STATIC);
	bind_opt(st, 27, r->egress_burst);
	bind_opt(st, 28, r->ingress_burst);
	sqlite3_bind_text(st, 29, r->remap ? r->remap : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 30, r->chained);
	sqlite3_bind_text(st, 31, r->chain_addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 32, r->chain_mac, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 33, r->chain_own_clsact);
	sqlite3_bind_text(st, 34, r->labels.image, -1, SQLITE_STATIC);
	if (r->cpus.set)
		sqlite3_bind_double(st, 35, r->cpus.v);
	else
		sqlite3_bind_null(st, 35);
	return run(c, st, "cannot write a container", err);
}

static int by_id(struct iso_ckpt *c, sqlite3_stmt **slot, const char *sql, const char *id,
		 int state, struct nis_err *err)
{
	sqlite3_stmt *st;
	int rc = prepared(c, slot, sql, err);

	if (rc)
		return rc;
	st = *slot;
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
	return by_id(c, &c->state, "UPDATE containers SET state = ? WHERE id = ?", id, (int)s,
		     err);
}

int iso_ckpt_delete(struct iso_ckpt *c, const char *id, struct nis_err *err)
{
	return by_id(c, &c->del, "DELETE FROM containers WHERE id = ?", id, -1, err);
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
	const unsigned char *undo = sqlite3_column_text(st, 21);
	const unsigned char *remap = sqlite3_column_text(st, 28);

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
	text_col(st, 17, r->ifname, sizeof(r->ifname));
	r->external = sqlite3_column_int(st, 18) != 0;
	r->ns.dev = (uint64_t)sqlite3_column_int64(st, 19);
	r->ns.ino = (uint64_t)sqlite3_column_int64(st, 20);
	r->ext_undo = strdup(undo ? (const char *)undo : "");
	text_col(st, 22, r->labels.network, sizeof(r->labels.network));
	text_col(st, 23, r->labels.k8s_namespace, sizeof(r->labels.k8s_namespace));
	text_col(st, 24, r->labels.pod, sizeof(r->labels.pod));
	text_col(st, 25, r->labels.pod_uid, sizeof(r->labels.pod_uid));
	r->egress_burst = opt_col(st, 26);
	r->ingress_burst = opt_col(st, 27);
	r->remap = strdup(remap ? (const char *)remap : "");
	r->chained = sqlite3_column_int(st, 29) != 0;
	text_col(st, 30, r->chain_addr, sizeof(r->chain_addr));
	text_col(st, 31, r->chain_mac, sizeof(r->chain_mac));
	r->chain_own_clsact = sqlite3_column_int(st, 32) != 0;
	text_col(st, 33, r->labels.image, sizeof(r->labels.image));
	if ((r->cpus.set = sqlite3_column_type(st, 34) != SQLITE_NULL))
		r->cpus.v = sqlite3_column_double(st, 34);
	return r->ports && r->blocks && r->ext_undo && r->remap ? 0 : -ENOMEM;
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
		free(rows[i].ext_undo);
		free(rows[i].remap);
	}
	free(rows);
}
