/* host.h - what the agent needs to know of the namespace it runs in: the
 * public interface (address, MAC, MTU, gateway) and the loopback. */
#ifndef NIS_TC_HOST_H
#define NIS_TC_HOST_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#include "common/err.h"

struct tc_host {
	int ifindex;
	char name[IF_NAMESIZE];
	uint8_t mac[6];
	unsigned int mtu;
	struct in_addr ip;
	int prefixlen;
	struct in_addr gateway;
	int lo_ifindex;
	char lo_name[IF_NAMESIZE];
};

/* Resolves the public interface (eth0_name, or the default route's device
 * when NULL) and the loopback (lo_name, or the first IFF_LOOPBACK link).
 * Fails, naming what is missing: interface, IPv4 address, MAC, route. */
int tc_host_probe(const char *eth0_name, const char *lo_name,
		  struct tc_host *out, struct nis_err *err);

/* The interface's self-reported speed in bytes/s (ethtool, in the
 * caller's namespace): 0 and 1 when it says, 0 and *speed 0 when the
 * driver reports none (unknown, -1, or no ethtool), -errno on error. */
int tc_link_speed(const char *ifname, uint64_t *bytes_per_s, struct nis_err *err);

#endif
