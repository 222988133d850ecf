/* extns.h - containers in a network namespace their runtime made (a CNI
 * ADD's CNI_NETNS): the agent holds an fd on it but never removes it, puts
 * back on DELETE what it changed in there besides its own veth, and sees
 * the runtime remove it by path and inode (its fd keeps it alive). */
#ifndef NIS_ISOLATOR_EXTNS_H
#define NIS_ISOLATOR_EXTNS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "tc/link.h"
#include "tc/netns.h"

/* What the runtime's namespace had before the agent changed it. */
struct iso_ext_undo {
	bool saved;
	struct tc_link_state lo;
	char range[32], lo_localnet[8], lo_accept[8];
};

struct iso_dp_ct;

/* 1-15 of [A-Za-z0-9_-], not "lo": a name the agent may give its veth's
 * peer (and build a sysctl name from). */
bool iso_ifname_valid(const char *name);

/* Opens ct->netns into ct->nsfd and ct->ns: -EINVAL when it is not a
 * network namespace, or the agent's own or init's (then no fd is held). */
int iso_ext_open(struct iso_dp_ct *ct, struct nis_err *err);
/* Checks, changing nothing: ct->ifname absent (-ENOTUNIQ), lo without an
 * ingress qdisc (-EBUSY: someone else's); takes the snapshot (ct->undo). */
int iso_ext_probe(struct iso_dp_ct *ct, struct nis_err *err);

/* Puts the snapshot back (lo's ingress qdisc, lo and the sysctls) through
 * ct->nsfd; nothing when ct is not external, its namespace is gone or
 * replaced, or there is no snapshot. Idempotent. */
void iso_ext_undo(struct iso_dp_ct *ct);

/* Whether ct->netns still names the namespace ct holds: 1, 0 (removed or
 * replaced), -errno (cannot tell). */
int iso_ext_present(const struct iso_dp_ct *ct);

/* After a restart: ct->netns opened into ct->nsfd if it still names the
 * namespace recorded in ct->ns; else -ENOENT, ct->ns_gone set, no fd. */
int iso_ext_reopen(struct iso_dp_ct *ct);

/* The checkpoint's text of a snapshot and back (-EINVAL on junk). */
void iso_ext_undo_format(const struct iso_ext_undo *u, char *buf, size_t len);
int iso_ext_undo_parse(const char *text, struct iso_ext_undo *u);

#endif
