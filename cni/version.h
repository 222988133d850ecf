/* version.h - the CNI spec versions this plugin speaks, and their order. */
#ifndef NIS_CNI_VERSION_H
#define NIS_CNI_VERSION_H

#include <stdbool.h>

/* What VERSION answers, and what errors say when no config names one. */
#define CNI_VERSION_LATEST "1.1.0"

/* NULL-terminated, oldest first. */
extern const char *const cni_supported_versions[];

bool cni_version_supported(const char *v);

/* <0, 0, >0 as a is older, equal, newer than b ("0.3.1" < "0.4.0" <
 * "1.0.0"); a malformed version sorts as 0.0.0. */
int cni_version_cmp(const char *a, const char *b);

/* The 0.3.0-0.4.0 result format ("version" in ips) rather than 1.x. */
bool cni_version_is_0x(const char *v);

#endif
