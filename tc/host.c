/* host.c - reads the public interface, its address and the default route
 * through one netlink socket in the caller's namespace. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <stdio.h>
#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "tc/host.h"
#include "tc/nl.h"

struct default_route {
	int ifindex;
	struct in_addr gw;
	int found;
};

/* The IPv4 default route of the main table whose device is `want` (or any
 * device when want is 0). */
static void find_default(struct nl_object *obj, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct default_route *d = arg;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	struct rtnl_nexthop *nh;

	if (d->found || rtnl_route_get_family(r) != AF_INET ||
	    rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    (dst && nl_addr_get_prefixlen(dst) != 0) ||
	    rtnl_route_get_nnexthops(r) < 1)
		return;
	nh = rtnl_route_nexthop_n(r, 0);
	if (d->ifindex && rtnl_route_nh_get_ifindex(nh) != d->ifindex)
		return;
	d->ifindex = rtnl_route_nh_get_ifindex(nh);
	if (rtnl_route_nh_get_gateway(nh))
		memcpy(&d->gw, nl_addr_get_binary_addr(rtnl_route_nh_get_gateway(nh)), 4);
	d->found = 1;
}

static int probe_route(struct nl_sock *sk, const char *eth0_name,
		       struct nl_cache *links, struct default_route *d,
		       struct nis_err *err)
{
	struct nl_cache *routes;
	int rc;

	memset(d, 0, sizeof(*d));
	if (eth0_name)
		d->ifindex = rtnl_link_name2i(links, eth0_name);
	if ((rc = rtnl_route_alloc_cache(sk, AF_INET, 0, &routes)) < 0)
		return tc_nl_fail(err, rc, "cannot read the routing table");
	nl_cache_foreach(routes, find_default, d);
	nl_cache_free(routes);
	if (!d->found)
		return nis_err_set(err, -ENETUNREACH, "no IPv4 default route%s%s",
				   eth0_name ? " via " : "", eth0_name ? eth0_name : "");
	return 0;
}

static int probe_link(struct nl_cache *links, int ifindex, const char *name,
		      struct tc_host *h, struct nis_err *err)
{
	struct rtnl_link *l = ifindex ? rtnl_link_get(links, ifindex) : NULL;
	struct nl_addr *mac;
	int rc = 0;

	if (!l)
		return nis_err_set(err, -ENODEV, "public interface '%s' does not exist",
				   name ? name : "?");
	h->ifindex = ifindex;
	snprintf(h->name, sizeof(h->name), "%s", rtnl_link_get_name(l));
	h->mtu = rtnl_link_get_mtu(l);
	mac = rtnl_link_get_addr(l);
	if (!mac || nl_addr_get_len(mac) != 6 ||
	    !memcmp(nl_addr_get_binary_addr(mac), "\0\0\0\0\0\0", 6))
		rc = nis_err_set(err, -EADDRNOTAVAIL,
				 "public interface '%s' has no MAC address", h->name);
	else
		memcpy(h->mac, nl_addr_get_binary_addr(mac), 6);
	rtnl_link_put(l);
	return rc;
}

static void find_addr(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct tc_host *h = arg;

	if (h->prefixlen || rtnl_addr_get_ifindex(a) != h->ifindex ||
	    rtnl_addr_get_family(a) != AF_INET || !rtnl_addr_get_local(a))
		return;
	memcpy(&h->ip, nl_addr_get_binary_addr(rtnl_addr_get_local(a)), 4);
	h->prefixlen = rtnl_addr_get_prefixlen(a);
}

static int probe_addr(struct nl_sock *sk, struct tc_host *h, struct nis_err *err)
{
	struct nl_cache *addrs;
	int rc;

	if ((rc = rtnl_addr_alloc_cache(sk, &addrs)) < 0)
		return tc_nl_fail(err, rc, "cannot read interface addresses");
	h->prefixlen = 0;
	nl_cache_foreach(addrs, find_addr, h);
	nl_cache_free(addrs);
	if (!h->prefixlen)
		return nis_err_set(err, -EADDRNOTAVAIL,
				   "public interface '%s' has no IPv4 address", h->name);
	return 0;
}

static int probe_lo(struct nl_cache *links, const char *lo_name,
		    struct tc_host *h, struct nis_err *err)
{
	struct rtnl_link *l;

	if (lo_name) {
		if (!(h->lo_ifindex = rtnl_link_name2i(links, lo_name)))
			return nis_err_set(err, -ENODEV,
					   "loopback interface '%s' does not exist", lo_name);
		snprintf(h->lo_name, sizeof(h->lo_name), "%s", lo_name);
		return 0;
	}
	for (l = (struct rtnl_link *)nl_cache_get_first(links); l;
	     l = (struct rtnl_link *)nl_cache_get_next((struct nl_object *)l)) {
		if (rtnl_link_get_flags(l) & IFF_LOOPBACK) {
			h->lo_ifindex = rtnl_link_get_ifindex(l);
			snprintf(h->lo_name, sizeof(h->lo_name), "%s", rtnl_link_get_name(l));
			return 0;
		}
	}
	return nis_err_set(err, -ENODEV, "no loopback interface");
}

int tc_host_probe(const char *eth0_name, const char *lo_name,
		  struct tc_host *out, struct nis_err *err)
{
	struct default_route d;
	struct nl_cache *links = NULL;
	struct nl_sock *sk;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = tc_nl_open(&sk, err)))
		return rc;
	if ((rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links)) < 0) {
		rc = tc_nl_fail(err, rc, "cannot read the interfaces");
		links = NULL;
		goto out;
	}
	/* A named interface is checked before its route, so the message
	 * names the first thing that is really missing. */
	if (eth0_name && ((rc = probe_link(links, rtnl_link_name2i(links, eth0_name),
					   eth0_name, out, err)) ||
			  (rc = probe_addr(sk, out, err))))
		goto out;
	if ((rc = probe_route(sk, eth0_name, links, &d, err)) ||
	    (!eth0_name && ((rc = probe_link(links, d.ifindex, NULL, out, err)) ||
			    (rc = probe_addr(sk, out, err)))) ||
	    (rc = probe_lo(links, lo_name, out, err)))
		goto out;
	out->gateway = d.gw;
out:
	if (links)
		nl_cache_free(links);
	tc_nl_close(sk);
	return rc;
}

int tc_link_speed(const char *ifname, uint64_t *bytes_per_s, struct nis_err *err)
{
	struct ethtool_cmd cmd = { .cmd = ETHTOOL_GSET };
	struct ifreq ifr = { .ifr_data = (void *)&cmd };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;
	uint32_t mbit;

	*bytes_per_s = 0;
	if (fd < 0)
		return nis_err_set(err, -errno, "socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCETHTOOL, &ifr)) {
		if (errno != EOPNOTSUPP && errno != EINVAL)
			rc = nis_err_set(err, -errno, "ethtool %s: %s", ifname, strerror(errno));
	} else if ((mbit = ethtool_cmd_speed(&cmd)) && mbit != (uint32_t)SPEED_UNKNOWN) {
		*bytes_per_s = (uint64_t)mbit * 1000000 / 8;
	}
	close(fd);
	return rc;
}
