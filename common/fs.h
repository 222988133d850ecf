/* fs.h - small file-system helpers. */
#ifndef NIS_COMMON_FS_H
#define NIS_COMMON_FS_H

#include <sys/types.h>

#include "common/err.h"

/* mkdir -p: parents 0755, the last component mode; existing is fine. */
int nis_mkdir_p(const char *path, mode_t mode, struct nis_err *err);

#endif
