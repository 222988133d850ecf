/* accounting.c - query parameters in, acct/query.c's JSON out. Each request
 * opens its own read-only connection to work_dir/netisol.db: the agent's
 * connection belongs to the lifecycle lock, and WAL lets readers run
 * beside the collector's writes. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sqlite3.h>

#include "http/accounting.h"
#include "http/containers.h"
#include "acct/query.h"
#include "isolator/container.h"

#define BUSY_MS 2000
#define LIMIT_MAX 1000

static const char *const query_params[] = {
	"container_id", "by", "from", "to", "class", "tz", NULL,
};
static const char *const top_params[] = { "by", "start", "limit", NULL };

struct unknown {
	const char *const *known;
	char name[64];
	bool found;
};

static enum MHD_Result find_unknown(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct unknown *u = cls;

	(void)kind;
	(void)value;
	for (const char *const *k = u->known; *k; k++)
		if (key && !strcmp(*k, key))
			return MHD_YES;
	snprintf(u->name, sizeof(u->name), "%s", key ? key : "");
	u->found = true;
	return MHD_NO;
}

/* An unknown parameter is refused, so a typo ("form=") is a 400, not a
 * silently unbounded range. */
static int check_params(const struct http_req *req, const char *const *known,
			struct nis_err *err)
{
	struct unknown u = { known, "", false };

	if (req->conn)
		MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, find_unknown, &u);
	return u.found ? nis_err_set(err, -EINVAL, "unknown parameter '%s'", u.name) : 0;
}

static int param_time(const struct http_req *req, const char *key, bool *has, int64_t *t,
		      struct nis_err *err)
{
	const char *v = http_query(req, key);
	char buf[64], *sp;

	*has = false;
	if (!v)
		return 0;
	snprintf(buf, sizeof(buf), "%s", v);
	/* An unencoded '+' in a query string arrives as a space (form
	 * encoding): "from=2026-11-22T00:00+01:00" typed into curl must work. */
	if ((sp = strchr(buf, ' ')))
		*sp = '+';
	if (strlen(v) >= sizeof(buf) || acct_parse_time(buf, t))
		return nis_err_set(err, -EINVAL, "%s must be epoch seconds or ISO 8601 "
				   "(2026-11-22, 2026-11-22T15:00:00Z, 2026-11-22T15:00+01:00), "
				   "not '%.64s'", key, v);
	*has = true;
	return 0;
}

/* by defaults to day, netisolctl's default too. */
static int param_by(const struct http_req *req, int *by, struct nis_err *err)
{
	const char *v = http_query(req, "by");

	*by = v ? acct_parse_by(v) : ACCT_DAY;
	if (*by < 0)
		return nis_err_set(err, -EINVAL, "by must be minute, hour, day or month, "
				   "not '%.32s'", v);
	return 0;
}

static int param_tz(const struct http_req *req, bool *local, struct nis_err *err)
{
	const char *v = http_query(req, "tz");

	*local = v && !strcmp(v, "local");
	if (!v || *local || !strcasecmp(v, "utc"))
		return 0;
	return nis_err_set(err, -EINVAL, "tz must be UTC or local, not '%.32s'", v);
}

static int param_limit(const struct http_req *req, unsigned *limit, struct nis_err *err)
{
	const char *v = http_query(req, "limit");
	size_t n = v ? strlen(v) : 0;

	*limit = 0;
	if (!v)
		return 0;
	if (n && n <= 4 && strspn(v, "0123456789") == n)
		*limit = (unsigned)atoi(v);
	if (*limit < 1 || *limit > LIMIT_MAX)
		return nis_err_set(err, -EINVAL, "limit must be a number from 1 to %d, "
				   "not '%.32s'", LIMIT_MAX, v);
	return 0;
}

static int parse_query(const struct http_req *req, struct acct_query *q, struct nis_err *err)
{
	int rc;

	q->container_id = http_query(req, "container_id");
	q->class_name = http_query(req, "class");
	if ((rc = check_params(req, query_params, err)))
		return rc;
	if (!q->container_id)
		return nis_err_set(err, -EINVAL, "container_id is required");
	if (!iso_id_valid(q->container_id))
		return nis_err_set(err, -EINVAL, "container_id '%.64s' is not 1-64 of "
				   "[A-Za-z0-9._-]", q->container_id);
	if (q->class_name && !*q->class_name)
		return nis_err_set(err, -EINVAL, "class must not be empty");
	if ((rc = param_by(req, &q->by, err)) ||
	    (rc = param_time(req, "from", &q->has_from, &q->from, err)) ||
	    (rc = param_time(req, "to", &q->has_to, &q->to, err)))
		return rc;
	return param_tz(req, &q->local, err);
}

/* *db stays NULL when there is no database yet (an agent that has not
 * written one): the queries answer that as "no history". */
static int open_db(const struct http_req *req, sqlite3 **db, struct nis_err *err)
{
	const char *dir = req->app ? iso_agent_work_dir(req->app) : NULL;
	char path[PATH_MAX];
	int rc;

	*db = NULL;
	if (!dir)
		return nis_err_set(err, -EIO, "the agent has no work_dir");
	if (snprintf(path, sizeof(path), "%s/netisol.db", dir) >= (int)sizeof(path))
		return nis_err_set(err, -EIO, "work_dir is too long");
	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(*db);
		*db = NULL;
		return nis_err_set(err, -EIO, "cannot open %s: %s", path, sqlite3_errstr(rc));
	}
	sqlite3_busy_timeout(*db, BUSY_MS);
	return 0;
}

/* A live container the collector has not counted yet has an empty
 * history, not none: only ids neither live nor recorded are 404. */
static bool is_live(const struct http_req *req, const char *id)
{
	struct iso_record r;
	struct nis_err err;

	if (!req->app || iso_agent_get(req->app, id, &r, &err))
		return false;
	iso_record_free(&r);
	return true;
}

/* acct_top's filter: a tenant's credentials see only its containers. */
static bool scope_visible(const char *container_id, void *arg)
{
	return http_scope_sees(arg, container_id);
}

static void fail(struct http_resp *resp, int rc, const struct nis_err *err)
{
	static const struct { int rc; unsigned int status; const char *code; } map[] = {
		{ -EINVAL, 400, "invalid_request" }, { -ENOENT, 404, "not_found" },
		{ -EBUSY, 503, "busy" }, { -EACCES, 403, "forbidden" },
	};
	const char *msg = err->msg[0] ? err->msg : "internal error";

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].rc == rc) {
			http_error(resp, map[i].status, map[i].code, "%s", msg);
			return;
		}
	http_error(resp, 500, "internal", "%s", msg);
}

void http_accounting(struct http_req *req, struct http_resp *resp)
{
	struct nis_err err = { "" };
	struct acct_query q;
	sqlite3 *db = NULL;
	json_t *o = NULL;
	int rc;

	memset(&q, 0, sizeof(q));
	rc = parse_query(req, &q, &err);
	/* As GET /containers/{id}: the same answer whether the id exists or
	 * not, so a tenant learns nothing of other tenants' containers. */
	if (!rc && !http_scope_sees(req->scope, q.container_id))
		rc = nis_err_set(&err, -EACCES, "container '%s' is not visible to this "
				 "principal", q.container_id);
	if (!rc && !(rc = open_db(req, &db, &err))) {
		q.live = is_live(req, q.container_id);
		rc = acct_query(db, &q, &o, &err);
	}
	sqlite3_close(db);
	if (rc)
		fail(resp, rc, &err);
	else
		http_json(resp, 200, o);
}

void http_accounting_top(struct http_req *req, struct http_resp *resp)
{
	struct nis_err err = { "" };
	struct acct_top_q q;
	sqlite3 *db = NULL;
	json_t *o = NULL;
	int rc;

	memset(&q, 0, sizeof(q));
	if (req->scope) {
		q.visible = scope_visible;
		q.arg = (void *)req->scope;	/* only read back as const */
	}
	if (!(rc = check_params(req, top_params, &err)) && !(rc = param_by(req, &q.by, &err)) &&
	    !(rc = param_time(req, "start", &q.has_start, &q.start, &err)) &&
	    !(rc = param_limit(req, &q.limit, &err)) && !(rc = open_db(req, &db, &err)))
		rc = acct_top(db, &q, &o, &err);
	sqlite3_close(db);
	if (rc)
		fail(resp, rc, &err);
	else
		http_json(resp, 200, o);
}
