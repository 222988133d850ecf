/* error.c - CNI error codes to errno values and the message formatting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cni/error.h"

int cni_code_errno(enum cni_code code)
{
	static const struct { enum cni_code code; int rc; } map[] = {
		{ CNI_OK, 0 },
		{ CNI_ERR_INCOMPATIBLE_VERSION, -EPROTO },
		{ CNI_ERR_UNSUPPORTED_FIELD, -EOPNOTSUPP },
		{ CNI_ERR_UNKNOWN_CONTAINER, -ENOENT },
		{ CNI_ERR_INVALID_ENV, -EINVAL },
		{ CNI_ERR_IO, -EIO },
		{ CNI_ERR_DECODING, -EBADMSG },
		{ CNI_ERR_INVALID_CONFIG, -EINVAL },
		{ CNI_ERR_TRY_AGAIN_LATER, -EAGAIN },
		{ CNI_ERR_NOT_AVAILABLE, -EHOSTDOWN },
		{ CNI_ERR_MISMATCH, -ESTALE },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].code == code)
			return map[i].rc;
	return -EIO;
}

int cni_err_set(struct cni_err *err, enum cni_code code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->details[0] = '\0';
	}
	return cni_code_errno(code);
}

int cni_err_details(struct cni_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EIO;
	va_start(ap, fmt);
	vsnprintf(err->details, sizeof(err->details), fmt, ap);
	va_end(ap);
	return cni_code_errno(err->code);
}
