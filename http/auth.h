/* auth.h - Mesos-style HTTP Basic authentication: a credentials file
 * {"credentials":[{"principal":..,"secret":..}]}, checked in constant time. */
#ifndef NIS_HTTP_AUTH_H
#define NIS_HTTP_AUTH_H

#include <stdbool.h>

#include "common/err.h"

struct http_auth;

/* path may be NULL (no credentials: nobody authenticates). */
int http_auth_load(const char *path, bool readonly, bool readwrite,
		   struct http_auth **out, struct nis_err *err);
void http_auth_free(struct http_auth *a);

bool http_auth_readonly(const struct http_auth *a);	/* reads need credentials */
bool http_auth_readwrite(const struct http_auth *a);	/* TCP writes allowed with them */

/* The principal whose secret matches, or NULL. Every stored secret is
 * compared in full, so the time does not tell which part was wrong. */
const char *http_auth_check(const struct http_auth *a, const char *user, const char *pass);

#endif
