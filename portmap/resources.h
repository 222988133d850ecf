/* resources.h - the agent's --resources flag in Mesos syntax, keeping only
 * what netisol uses: ports and ephemeral_ports. */
#ifndef NIS_PORTMAP_RESOURCES_H
#define NIS_PORTMAP_RESOURCES_H

#include <stdbool.h>

#include "common/err.h"
#include "portmap/ranges.h"

/* has_* says whether the resource was named at all ("ports:[]" is named and
 * empty); an unnamed one keeps an empty set. */
struct pm_resources {
	struct pm_set ports;
	struct pm_set ephemeral;
	bool has_ports, has_ephemeral;
	double cpus;		/* the cpus resources, summed over roles; 0: none */
};

void pm_resources_init(struct pm_resources *r);
/* Frees both sets and returns r to the init state. */
void pm_resources_free(struct pm_resources *r);

/* "ports:[31000-32000];ephemeral_ports:[32768-57344]". Entries are separated
 * by ';' (empty entries skipped), each NAME[(ROLE)]:VALUE, whitespace around
 * tokens tolerated. ports and ephemeral_ports take range lists; cpus are
 * summed over roles; any other resource (mem:1024, disk(role):...) is accepted and ignored when its
 * value is a number, a range list or a {set}. A resource named twice (same
 * name and role; ports/ephemeral_ports whatever the role) is rejected.
 * Ports vs ephemeral_ports overlap is NOT checked here (the isolator does).
 * out must be initialised; on success its contents are replaced, on error
 * (-EINVAL, -ENOMEM) it is unchanged. Messages quote the bad entry. */
int pm_resources_parse(const char *text, struct pm_resources *out,
		       struct nis_err *err);

#endif
