/* auth.c - credentials, the containers a tenant may see, and their
 * constant-time check. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/auth.h"
#include "isolator/container.h"

struct http_scope {
	char **ids;	/* sorted by strcmp, for bsearch */
	size_t n;
};

struct cred {
	char *principal, *secret;
	struct http_scope *scope;	/* NULL: an operator, sees everything */
};

struct http_auth {
	bool readonly, readwrite;
	struct cred *creds;
	size_t n;
};

static int id_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

void http_scope_free(struct http_scope *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->ids[i]);
	free(s->ids);
	free(s);
}

/* A value from the file, cut short and with control bytes replaced, so an
 * error about it stays one line. */
static const char *printable(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 4 < len; in++)
		out[n++] = (unsigned char)*in < 0x20 || *in == 0x7f ? '?' : *in;
	strcpy(out + n, *in ? "..." : "");
	return out;
}

/* "containers": [id, ...] -> *out, sorted. *out is set before it is filled,
 * so a half-made scope is freed with its credential. */
static int load_scope(json_t *v, struct http_scope **out, struct nis_err *err)
{
	struct http_scope *s;
	json_t *id;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) > HTTP_SCOPE_MAX)
		return nis_err_set(err, -EINVAL, "\"containers\" must be an array of at "
				   "most %d container ids", HTTP_SCOPE_MAX);
	if (!(*out = s = calloc(1, sizeof(*s))) ||
	    !(s->ids = calloc(json_array_size(v) + 1, sizeof(*s->ids))))
		return nis_err_set(err, -ENOMEM, "out of memory");
	json_array_foreach(v, i, id) {
		char buf[80];
		if (!json_is_string(id))
			return nis_err_set(err, -EINVAL, "containers[%zu] is not a string", i);
		if (!iso_id_valid(json_string_value(id)))
			return nis_err_set(err, -EINVAL, "containers[%zu] '%s' is not a container "
					   "id (1-%d of [A-Za-z0-9._-])", i, printable(
					   json_string_value(id), buf, sizeof(buf)), ISO_ID_MAX);
		if (!(s->ids[s->n++] = strdup(json_string_value(id))))
			return nis_err_set(err, -ENOMEM, "out of memory");
	}
	qsort(s->ids, s->n, sizeof(*s->ids), id_cmp);
	return 0;
}

/* One credential's optional fields; an unknown key is refused, so a typo
 * such as "container" never silently makes a tenant an operator. */
static int load_extra(struct cred *cr, json_t *c, struct nis_err *err)
{
	const char *key;
	json_t *v;
	int rc;

	json_object_foreach(c, key, v) {
		if (!strcmp(key, "principal") || !strcmp(key, "secret"))
			continue;
		if (strcmp(key, "containers"))
			return nis_err_set(err, -EINVAL, "unknown field '%s'", key);
		if ((rc = load_scope(v, &cr->scope, err)))
			return rc;
	}
	return 0;
}

static int load_cred(struct cred *cr, json_t *c, const char *path, size_t i,
		     struct nis_err *err)
{
	const char *p, *s;
	char buf[80];
	int rc;

	if (json_unpack(c, "{s:s, s:s}", "principal", &p, "secret", &s))
		return nis_err_set(err, -EINVAL, "%s: credentials[%zu] needs a principal "
				   "and a secret", path, i);
	cr->principal = strdup(p);
	cr->secret = strdup(s);
	if (!cr->principal || !cr->secret)
		return nis_err_set(err, -ENOMEM, "out of memory");
	if ((rc = load_extra(cr, c, err)))
		return nis_err_prefix(err, rc, "%s: principal '%s'", path,
				      printable(p, buf, sizeof(buf)));
	return 0;
}

static int load_creds(struct http_auth *a, const char *path, struct nis_err *err)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *list, *c;
	size_t i;
	int rc = 0;

	if (!root)
		return nis_err_set(err, -EINVAL, "%s: %s (line %d)", path, jerr.text, jerr.line);
	list = json_object_get(root, "credentials");
	if (!json_is_array(list) || !(a->creds = calloc(json_array_size(list) + 1,
							  sizeof(*a->creds)))) {
		json_decref(root);
		return nis_err_set(err, -EINVAL, "%s: no \"credentials\" array", path);
	}
	json_array_foreach(list, i, c) {
		/* counted before it is filled: http_auth_free frees a half-made one */
		if ((rc = load_cred(&a->creds[a->n++], c, path, i, err)))
			break;
	}
	json_decref(root);
	return rc;
}

int http_auth_load(const char *path, bool readonly, bool readwrite,
		   struct http_auth **out, struct nis_err *err)
{
	struct http_auth *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return nis_err_set(err, -ENOMEM, "out of memory");
	a->readonly = readonly;
	a->readwrite = readwrite;
	if (path && (rc = load_creds(a, path, err))) {
		http_auth_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

void http_auth_free(struct http_auth *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->creds[i].principal);
		free(a->creds[i].secret);
		http_scope_free(a->creds[i].scope);
	}
	free(a->creds);
	free(a);
}

bool http_auth_readonly(const struct http_auth *a)
{
	return a && a->readonly;
}

bool http_auth_readwrite(const struct http_auth *a)
{
	return a && a->readwrite;
}

/* 0 when equal; runs over the whole of both strings. */
static unsigned int ct_diff(const char *x, const char *y)
{
	size_t lx = strlen(x), ly = strlen(y), n = lx > ly ? lx : ly;
	unsigned int d = (unsigned int)(lx ^ ly);

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(i < lx ? x[i] : 0) ^ (unsigned char)(i < ly ? y[i] : 0);
	return d;
}

const char *http_auth_check_scoped(const struct http_auth *a, const char *user,
				   const char *pass, const struct http_scope **scope)
{
	const struct cred *who = NULL;

	if (scope)
		*scope = NULL;
	if (!a || !user || !pass)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		unsigned int d = ct_diff(a->creds[i].principal, user) |
				 ct_diff(a->creds[i].secret, pass);
		if (!d && !who)
			who = &a->creds[i];
	}
	if (who && scope)
		*scope = who->scope;
	return who ? who->principal : NULL;
}

const char *http_auth_check(const struct http_auth *a, const char *user, const char *pass)
{
	return http_auth_check_scoped(a, user, pass, NULL);
}

struct http_scope *http_scope_of(const char *container_id)
{
	struct http_scope *s = calloc(1, sizeof(*s));

	if (s && (s->ids = calloc(1, sizeof(*s->ids))) && (s->ids[0] = strdup(container_id))) {
		s->n = 1;
		return s;
	}
	if (s)
		free(s->ids);
	free(s);
	return NULL;
}

bool http_scope_sees(const struct http_scope *s, const char *container_id)
{
	if (!s)
		return true;
	return container_id && bsearch(&container_id, s->ids, s->n, sizeof(*s->ids), id_cmp);
}
