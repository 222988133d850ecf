/* auth.h - Mesos-style HTTP Basic authentication: a credentials file
 * {"credentials":[{"principal":..,"secret":..[,"containers":[id,..]]}]},
 * checked in constant time. A credential with "containers" is a tenant's:
 * it reads only those containers and never writes. */
#ifndef NIS_HTTP_AUTH_H
#define NIS_HTTP_AUTH_H

#include <stdbool.h>

#include "common/err.h"

struct http_auth;

/* The containers a tenant may see: sorted ids, immutable once loaded. */
struct http_scope;

/* Most ids one credential's "containers" may list. */
#define HTTP_SCOPE_MAX 1024

/* path may be NULL (no credentials: nobody authenticates). A malformed file,
 * credential or "containers" list is refused with a message naming the
 * file and the principal. */
int http_auth_load(const char *path, bool readonly, bool readwrite,
		   struct http_auth **out, struct nis_err *err);
void http_auth_free(struct http_auth *a);

bool http_auth_readonly(const struct http_auth *a);	/* reads need credentials */
bool http_auth_readwrite(const struct http_auth *a);	/* TCP writes allowed with them */

/* The principal whose secret matches, or NULL. Every stored secret is
 * compared in full, so the time does not tell which part was wrong. */
const char *http_auth_check(const struct http_auth *a, const char *user, const char *pass);

/* http_auth_check, and *scope gets the matching principal's scope: NULL for
 * an operator (or no match), the tenant's containers otherwise. */
const char *http_auth_check_scoped(const struct http_auth *a, const char *user,
				   const char *pass, const struct http_scope **scope);

/* The scope of one container (a connection from inside it); NULL: out
 * of memory. */
struct http_scope *http_scope_of(const char *container_id);
void http_scope_free(struct http_scope *s);

/* Whether a request carrying scope (http_req.scope) may see container_id.
 * NULL sees everything; every endpoint that names containers filters
 * its answer with this (a binary search, O(log n)). */
bool http_scope_sees(const struct http_scope *s, const char *container_id);

#endif
