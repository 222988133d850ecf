/* remap.h - a container's port mappings whose host port is not its own
 * port (tc/remap.h does the rewriting): checked at create, kept in the
 * checkpoint as "host:ct ..." text, installed inside its namespace. */
#ifndef NIS_ISOLATOR_REMAP_H
#define NIS_ISOLATOR_REMAP_H

#include <stddef.h>

#include "common/err.h"
#include "portmap/ranges.h"
#include "tc/remap.h"

struct iso_dp_ct;

/* Each host port one of ports, each container port in 1-65535, outside
 * ports and pool (the ephemeral ports), no port twice on either side;
 * -EINVAL naming the mapping. Mappings with host == ct are dropped. */
int iso_remap_check(struct tc_remap *m, size_t *n, const struct pm_set *ports,
		    const struct pm_set *pool, struct nis_err *err);

void iso_remap_format(const struct tc_remap *m, size_t n, char *buf, size_t len);
int iso_remap_parse(const char *text, struct tc_remap *m, size_t *n);

/* The u32 node ids in ct's tables its lo entries take (reserved first). */
int iso_dp_remap_reserve(struct iso_dp_ct *ct, struct nis_err *err);

/* The programs on ct's interface, and on its lo the container ports kept
 * there (its 127.0.0.1:80 is its own); with may_exist what is there stays. */
int iso_dp_remap_add(struct iso_dp_ct *ct, bool may_exist, struct nis_err *err);

#endif
