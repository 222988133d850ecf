/* ports.h - runtimeConfig.portMappings: parsed, checked against what the
 * agent can do, and merged into the agent's Mesos range syntax. */
#ifndef NIS_CNI_PORTS_H
#define NIS_CNI_PORTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cni/error.h"
#include "portmap/ranges.h"

struct cni_portmap {
	uint32_t host_port, container_port;
	const char *protocol;	/* "tcp" or "udp", lower case */
	const char *host_ip;	/* "" when not given; points into the config's JSON */
};

struct cni_ports {
	struct cni_portmap *m;
	size_t n;
};

/* Parses the portMappings array (borrowed: strings point into it). Code 7
 * naming the entry and key for a wrong type or value. */
int cni_ports_parse(json_t *arr, struct cni_ports *out, struct cni_err *err);
void cni_ports_free(struct cni_ports *p);

/* What this agent cannot do yet, refused with code 7 naming the mapping:
 * hostPort != containerPort, and a hostIP other than "", 0.0.0.0 or an
 * IPv4 address of this host (network namespace). */
int cni_ports_supported(const struct cni_ports *p, struct cni_err *err);

/* The host ports as one canonical set (tcp and udp share a port). */
int cni_ports_set(const struct cni_ports *p, struct pm_set *out);

/* The host ports in Mesos syntax, e.g. "[31000-31000,31005-31006]", into a
 * malloc'd string (*out); -ENOMEM. */
int cni_ports_format(const struct cni_ports *p, char **out);

#endif
