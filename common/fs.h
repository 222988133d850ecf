/* fs.h - small file-system and fd helpers. */
#ifndef NIS_COMMON_FS_H
#define NIS_COMMON_FS_H

#include <sys/types.h>

#include "common/err.h"

/* mkdir -p: parents 0755, the last component mode; existing is fine. */
int nis_mkdir_p(const char *path, mode_t mode, struct nis_err *err);

/* All n bytes of p to fd (EINTR retried): 0, or -1. */
int nis_write_all(int fd, const char *p, size_t n);

/* Everything fd gives until EOF, NUL-terminated, its length in *len (the
 * NUL not counted); malloc'd, NULL on a read error or out of memory. */
char *nis_read_all(int fd, size_t *len);

#endif
