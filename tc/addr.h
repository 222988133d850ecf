/* addr.h - IPv4 addresses and the default route of a link. */
#ifndef NIS_TC_ADDR_H
#define NIS_TC_ADDR_H

#include <netinet/in.h>

#include <netlink/netlink.h>

#include "common/err.h"

int tc_addr_add(struct nl_sock *sk, int ifindex, struct in_addr ip, int prefixlen,
		struct nis_err *err);

/* default via gw dev ifindex, in the main table. */
int tc_route_add_default(struct nl_sock *sk, int ifindex, struct in_addr gw,
			 struct nis_err *err);

#endif
