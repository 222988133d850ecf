/* probe.h - what this kernel can do, found by creating each object in a
 * throw-away network namespace (never the agent's own) and deleting it. */
#ifndef NIS_TC_PROBE_H
#define NIS_TC_PROBE_H

#include <stdbool.h>

#include "common/err.h"

struct tc_features {
	bool ingress, htb, fq_codel, tbf, u32, mirred, cls_bpf;
};

int tc_probe(struct tc_features *out, struct nis_err *err);

/* Names the first feature the datapath cannot do without, or NULL. */
const char *tc_features_missing(const struct tc_features *f);

#endif
