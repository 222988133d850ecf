/* addr.c - one address and one default route, built as libnl objects. */
#include <errno.h>

#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include "tc/addr.h"
#include "tc/nl.h"

int tc_addr_add(struct nl_sock *sk, int ifindex, struct in_addr ip, int prefixlen,
		struct nis_err *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &ip, 4);
	int rc = -ENOMEM;

	if (!a || !local) {
		rc = nis_err_set(err, rc, "out of memory");
		goto out;
	}
	nl_addr_set_prefixlen(local, prefixlen);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, prefixlen);
	if ((rc = rtnl_addr_add(sk, a, NLM_F_EXCL)) < 0)
		rc = tc_nl_fail(err, rc, "cannot add address");
out:
	nl_addr_put(local);
	rtnl_addr_put(a);
	return rc;
}

int tc_route_add_default(struct nl_sock *sk, int ifindex, struct in_addr gw,
			 struct nis_err *err)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct in_addr any = { 0 };
	struct nl_addr *dst = nl_addr_build(AF_INET, &any, 4);
	struct nl_addr *via = nl_addr_build(AF_INET, &gw, 4);
	int rc = -ENOMEM;

	if (!r || !nh || !dst || !via) {
		rtnl_route_nh_free(nh);
		rc = nis_err_set(err, rc, "out of memory");
		goto out;
	}
	nl_addr_set_prefixlen(dst, 0);
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_dst(r, dst);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(r, nh);	/* r owns nh from here */
	if ((rc = rtnl_route_add(sk, r, NLM_F_EXCL)) < 0)
		rc = tc_nl_fail(err, rc, "cannot add the default route");
out:
	nl_addr_put(via);
	nl_addr_put(dst);
	rtnl_route_put(r);
	return rc;
}
