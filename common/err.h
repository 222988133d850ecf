/* err.h - the one error convention: 0 or -errno, plus a human sentence.
 * Every module fills a caller-provided struct nis_err; NULL is allowed. */
#ifndef NIS_COMMON_ERR_H
#define NIS_COMMON_ERR_H

#include <stdarg.h>

struct nis_err {
	char msg[256];
};

/* Formats msg into err (when err is not NULL) and returns rc unchanged,
 * so callers can write: return nis_err_set(err, -EINVAL, "bad '%s'", s); */
int nis_err_set(struct nis_err *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes err->msg with "what: " to add context on the way up. */
int nis_err_prefix(struct nis_err *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
