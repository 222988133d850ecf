/* sysctl.h - /proc/sys reads and writes. /proc/sys/net is per network
 * namespace: the values seen are those of the calling thread's netns. */
#ifndef NIS_TC_SYSCTL_H
#define NIS_TC_SYSCTL_H

#include <stddef.h>

#include "common/err.h"

/* name in dotted form: "net.ipv4.ip_local_port_range". */
int tc_sysctl_read(const char *name, char *buf, size_t len, struct nis_err *err);
int tc_sysctl_write(const char *name, const char *value, struct nis_err *err);

#endif
