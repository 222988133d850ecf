/* config.h - netisold's validated configuration: flags, parsed resources
 * and the host facts they were checked against. */
#ifndef NIS_ISOLATOR_CONFIG_H
#define NIS_ISOLATOR_CONFIG_H

#include "common/err.h"
#include "isolator/flags.h"
#include "acct/classes.h"
#include "portmap/resources.h"
#include "tc/host.h"

struct iso_config {
	struct iso_flags flags;		/* owned */
	struct pm_resources res;	/* ports and ephemeral pool */
	struct tc_host host;		/* filled by iso_config_check_host() */
	uint32_t block_size;
	uint64_t max_containers;
	struct acct_classes classes;	/* from --network_classes, or none */
	/* --{egress,ingress}_rate_per_cpu in bytes/s, "auto" resolved at
	 * iso_config_check_host */
	struct iso_opt_u64 egress_per_cpu, ingress_per_cpu;
};

/* Checks that need nothing but the flags: isolators, resources, block
 * size, rates, listener. Fills res, block_size, max_containers. */
int iso_config_check_flags(struct iso_config *c, struct nis_err *err);

/* Checks against the namespace the agent runs in: privileges, the host's
 * ip_local_port_range, the public interface. Reads only; changes nothing. */
int iso_config_check_host(struct iso_config *c, struct nis_err *err);

void iso_config_free(struct iso_config *c);

#endif
