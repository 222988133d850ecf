/* args.h - CNI_ARGS ("K=V;K=V"), parsed as libcni's types.LoadArgs does:
 * every pair must be K=V, an unknown key is an error unless IgnoreUnknown
 * is 1 or true. */
#ifndef NIS_CNI_ARGS_H
#define NIS_CNI_ARGS_H

#include <stdbool.h>

#include "cni/error.h"

struct cni_args {
	char *buf;		/* a copy of CNI_ARGS that the fields below point into */
	bool ignore_unknown;
	const char *pod_namespace;	/* K8S_POD_NAMESPACE, or NULL */
	const char *pod_name;		/* K8S_POD_NAME */
	const char *pod_uid;		/* K8S_POD_UID */
	const char *infra_id;		/* K8S_POD_INFRA_CONTAINER_ID (unused) */
	const char *mac;		/* MAC (podman's network reload; unused) */
	const char *ip;			/* IP (likewise) */
};

/* Parses text (NULL or "" is no arguments) into a. Errors: code 4 for a
 * malformed pair or IgnoreUnknown value (naming CNI_ARGS), code 2 for an
 * unknown key without IgnoreUnknown (naming the key and value). On error a
 * is left empty. cni_args_free() in every case. */
int cni_args_parse(const char *text, struct cni_args *a, struct cni_err *err);
void cni_args_free(struct cni_args *a);

#endif
