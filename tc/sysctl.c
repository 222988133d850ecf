/* sysctl.c - /proc/sys by dotted name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tc/sysctl.h"

static void sysctl_path(const char *name, char *path, size_t len)
{
	size_t n = (size_t)snprintf(path, len, "/proc/sys/");

	for (; *name && n + 1 < len; name++)
		path[n++] = *name == '.' ? '/' : *name;
	path[n] = '\0';
}

int tc_sysctl_read(const char *name, char *buf, size_t len, struct nis_err *err)
{
	char path[256];
	ssize_t n;
	int fd;

	sysctl_path(name, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return nis_err_set(err, -errno, "cannot read %s: %s", name, strerror(errno));
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int e = errno;
		close(fd);
		return nis_err_set(err, -e, "cannot read %s: %s", name, strerror(e));
	}
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

int tc_sysctl_write(const char *name, const char *value, struct nis_err *err)
{
	size_t len = strlen(value);
	char path[256];
	ssize_t n;
	int fd;

	sysctl_path(name, path, sizeof(path));
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return nis_err_set(err, -errno, "cannot write %s: %s", name, strerror(errno));
	n = write(fd, value, len);
	if (n != (ssize_t)len) {
		int e = n < 0 ? errno : EIO;
		close(fd);
		return nis_err_set(err, -e, "cannot write %s = %s: %s", name, value,
				   strerror(e));
	}
	close(fd);
	return 0;
}
