/* result.h - what the plugin prints: results in each spec version
 * (0.3.0-0.4.0 carry "version" in ips, 1.1.0 adds interface and route
 * fields 1.0.0 lacks), the VERSION answer, and error objects. */
#ifndef NIS_CNI_RESULT_H
#define NIS_CNI_RESULT_H

#include <jansson.h>
#include <stdio.h>

#include "cni/error.h"

/* A new result in version `to` from res, which is in version `from` (res's
 * own cniVersion when it has one). Only the fields `to` defines are kept.
 * Code 1 for an unsupported version, 6 for a result that does not decode.
 * *out is new (a reference the caller owns). */
int cni_result_convert(json_t *res, const char *from, const char *to, json_t **out,
		       struct cni_err *err);

/* The port_mapping result (1.1.0) for an agent record: the host veth, the
 * container interface ifname in netns, the host's address and gateway.
 * Code 5 naming the field the record lacks. */
int cni_result_primary(json_t *record, const char *ifname, const char *netns,
		       json_t **out, struct cni_err *err);

/* Appends ours (1.1.0) to base (1.1.0): interfaces, ips (their interface
 * indices shifted past base's), routes; base's dns unless it is empty. */
int cni_result_append(json_t *base, json_t *ours, struct cni_err *err);

/* Writes res to f as one JSON line; -EIO. */
int cni_result_print(FILE *f, json_t *res);

/* {"cniVersion": LATEST, "supportedVersions": [...]} */
int cni_version_print(FILE *f);

/* {"cniVersion": version, "code": N, "msg": ..., "details": ...} */
int cni_error_print(FILE *f, const char *version, const struct cni_err *err);

#endif
