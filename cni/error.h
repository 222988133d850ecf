/* error.h - the one place CNI errors are built: the spec's well-known codes
 * as named constants, and a struct carrying code, message and details. */
#ifndef NIS_CNI_ERROR_H
#define NIS_CNI_ERROR_H

/* CNI spec 1.1.0, section 5 "Error"; 100 and up are this plugin's own. */
enum cni_code {
	CNI_OK = 0,
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_UNKNOWN_CONTAINER = 3,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODING = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_AGAIN_LATER = 11,
	CNI_ERR_NOT_AVAILABLE = 50,
	/* CHECK: the attachment differs from what ADD made (no well-known code
	 * says so; the spec leaves 100+ to plugins). */
	CNI_ERR_MISMATCH = 100,
};

struct cni_err {
	enum cni_code code;
	char msg[512];
	char details[1024];
};

/* Fills err (code, msg) and returns the negative errno that stands for the
 * code, so callers write: return cni_err_set(err, CNI_ERR_INVALID_CONFIG, ...).
 * details is cleared. */
int cni_err_set(struct cni_err *err, enum cni_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets err->details (after cni_err_set); returns the errno of err->code. */
int cni_err_details(struct cni_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The negative errno a code stands for (-EINVAL for 7, -EAGAIN for 11...). */
int cni_code_errno(enum cni_code code);

#endif
