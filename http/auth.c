/* auth.c - credentials and their constant-time check. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/auth.h"

struct cred {
	char *principal, *secret;
};

struct http_auth {
	bool readonly, readwrite;
	struct cred *creds;
	size_t n;
};

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
		const char *p, *s;
		if (json_unpack(c, "{s:s, s:s}", "principal", &p, "secret", &s)) {
			rc = nis_err_set(err, -EINVAL, "%s: credentials[%zu] needs a principal "
					 "and a secret", path, i);
			break;
		}
		struct cred *cr = &a->creds[a->n++];	/* freed by http_auth_free */
		cr->principal = strdup(p);
		cr->secret = strdup(s);
		if (!cr->principal || !cr->secret) {
			rc = nis_err_set(err, -ENOMEM, "out of memory");
			break;
		}
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

const char *http_auth_check(const struct http_auth *a, const char *user, const char *pass)
{
	const char *who = NULL;

	if (!a || !user || !pass)
		return NULL;
	for (size_t i = 0; i < a->n; i++) {
		unsigned int d = ct_diff(a->creds[i].principal, user) |
				 ct_diff(a->creds[i].secret, pass);
		if (!d && !who)
			who = a->creds[i].principal;
	}
	return who;
}
