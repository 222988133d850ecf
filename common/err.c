/* err.c - fill struct nis_err with one human sentence. */
#include <stdio.h>
#include <string.h>

#include "common/err.h"

int nis_err_set(struct nis_err *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

int nis_err_prefix(struct nis_err *err, int rc, const char *fmt, ...)
{
	char head[sizeof(err->msg)], joined[2 * sizeof(err->msg) + 2];
	va_list ap;

	if (!err)
		return rc;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	snprintf(joined, sizeof(joined), "%s: %s", head, err->msg);
	snprintf(err->msg, sizeof(err->msg), "%.*s", (int)sizeof(err->msg) - 1, joined);
	return rc;
}
