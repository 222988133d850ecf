/* prev.h - mode chained: what the primary plugin's prevResult says about
 * the attachment (its host-side veth, the container interface, its IPv4
 * address and MAC). */
#ifndef NIS_CNI_PREV_H
#define NIS_CNI_PREV_H

#include <jansson.h>
#include <stddef.h>

#include "cni/error.h"

struct cni_prev {
	size_t ct_index;	/* the container interface in interfaces[] */
	const char *host_veth;	/* these point into the prevResult */
	const char *address;	/* "10.88.0.5/16" */
	const char *mac;	/* NULL when the result has none */
};

/* prev must be in a 1.x shape or 0.x (the indices are the same). Code 7
 * naming what is missing: no interface ifname with a sandbox, no host-side
 * interface, no IPv4 address on the container interface. */
int cni_prev_find(json_t *prev, const char *ifname, struct cni_prev *out,
		  struct cni_err *err);

#endif
