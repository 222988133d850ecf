/* fs.c - small file-system helpers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fs.h"

int nis_mkdir_p(const char *path, mode_t mode, struct nis_err *err)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return nis_err_set(err, -errno, "cannot create %s: %s", buf,
					   strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return nis_err_set(err, -errno, "cannot create %s: %s", buf, strerror(errno));
	return 0;
}
