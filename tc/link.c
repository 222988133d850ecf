/* link.c - veth creation and link attributes through libnl-route-3. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "tc/link.h"
#include "tc/nl.h"

int tc_veth_create(struct nl_sock *sk, const struct tc_veth_spec *spec,
		   int *host_ifindex, struct nis_err *err)
{
	struct rtnl_link *veth, *peer, *made = NULL;
	struct nl_addr *mac = NULL;
	int rc;

	if (!(veth = rtnl_link_veth_alloc()))
		return nis_err_set(err, -ENOMEM, "out of memory");
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(veth, spec->host_name);
	rtnl_link_set_mtu(veth, spec->mtu);
	rtnl_link_set_name(peer, spec->peer_name);
	rtnl_link_set_mtu(peer, spec->mtu);
	rtnl_link_set_ns_fd(peer, spec->peer_nsfd);
	if (spec->mac) {
		if (!(mac = nl_addr_build(AF_LLC, spec->mac, 6))) {
			rc = nis_err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		rtnl_link_set_addr(veth, mac);
		rtnl_link_set_addr(peer, mac);
	}
	if ((rc = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL)) < 0) {
		rc = tc_nl_fail(err, rc, "cannot create veth pair");
		nis_err_prefix(err, rc, "%s", spec->host_name);
		goto out;
	}
	if ((rc = rtnl_link_get_kernel(sk, 0, spec->host_name, &made)) < 0) {
		rc = tc_nl_fail(err, rc, "cannot find the new veth");
		goto out;
	}
	*host_ifindex = rtnl_link_get_ifindex(made);
	rtnl_link_put(made);
	rc = 0;
out:
	nl_addr_put(mac);
	rtnl_link_put(peer);
	rtnl_link_put(veth);
	return rc;
}

int tc_link_delete(struct nl_sock *sk, int ifindex, struct nis_err *err)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int rc;

	if (!l)
		return nis_err_set(err, -ENOMEM, "out of memory");
	rtnl_link_set_ifindex(l, ifindex);
	rc = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	if (rc < 0)
		return tc_nl_fail(err, rc, "cannot delete link");
	return 0;
}

int tc_link_named(struct nl_sock *sk, const char *name, int *ifindex, char *kind, size_t len,
		  struct nis_err *err)
{
	struct rtnl_link *l;
	const char *t;
	int rc;

	if ((rc = rtnl_link_get_kernel(sk, 0, name, &l)) < 0) {
		tc_nl_fail(err, rc, "no such link");
		return nis_err_prefix(err, tc_nl_errno(rc) == -ENOENT ? -ENODEV :
				      tc_nl_errno(rc), "%s", name);
	}
	*ifindex = rtnl_link_get_ifindex(l);
	if (kind) {
		t = rtnl_link_get_type(l);
		snprintf(kind, len, "%s", t ? t : "");
	}
	rtnl_link_put(l);
	return 0;
}

int tc_link_ifindex(struct nl_sock *sk, const char *name, int *ifindex,
		    struct nis_err *err)
{
	return tc_link_named(sk, name, ifindex, NULL, 0, err);
}

/* One RTM_NEWLINK change: mac (NULL: keep), mtu (0: keep), up 1 or 0
 * (-1: keep). */
static int change(struct nl_sock *sk, int ifindex, const uint8_t *mac, unsigned int mtu,
		  int up, const char *what, struct nis_err *err)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *chg = rtnl_link_alloc();
	struct nl_addr *addr = mac ? nl_addr_build(AF_LLC, mac, 6) : NULL;
	int rc = 0;

	if (!orig || !chg || (mac && !addr)) {
		rc = nis_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	if (addr)
		rtnl_link_set_addr(chg, addr);
	if (mtu)
		rtnl_link_set_mtu(chg, mtu);
	if (up == 1)
		rtnl_link_set_flags(chg, IFF_UP);
	else if (up == 0)
		rtnl_link_unset_flags(chg, IFF_UP);
	if ((rc = rtnl_link_change(sk, orig, chg, 0)) < 0)
		rc = tc_nl_fail(err, rc, what);
out:
	nl_addr_put(addr);
	rtnl_link_put(chg);
	rtnl_link_put(orig);
	return rc;
}

int tc_link_set(struct nl_sock *sk, int ifindex, const uint8_t *mac,
		unsigned int mtu, int up, struct nis_err *err)
{
	return change(sk, ifindex, mac, mtu, up ? 1 : -1, "cannot change link", err);
}

int tc_link_get(struct nl_sock *sk, int ifindex, struct tc_link_state *st,
		struct nis_err *err)
{
	struct rtnl_link *l;
	struct nl_addr *a;
	int rc;

	if ((rc = rtnl_link_get_kernel(sk, ifindex, NULL, &l)) < 0)
		return tc_nl_fail(err, rc, "cannot read link");
	memset(st, 0, sizeof(*st));
	if ((a = rtnl_link_get_addr(l)) && nl_addr_get_len(a) == 6)
		memcpy(st->mac, nl_addr_get_binary_addr(a), 6);
	st->mtu = rtnl_link_get_mtu(l);
	st->up = !!(rtnl_link_get_flags(l) & IFF_UP);
	rtnl_link_put(l);
	return 0;
}

int tc_link_restore(struct nl_sock *sk, int ifindex, const struct tc_link_state *st,
		    struct nis_err *err)
{
	return change(sk, ifindex, st->mac, st->mtu, st->up ? 1 : 0, "cannot restore link", err);
}

struct prefix_walk {
	const char *prefix;
	void (*fn)(const char *, int, void *);
	void *arg;
};

static void walk_one(struct nl_object *obj, void *arg)
{
	struct rtnl_link *l = (struct rtnl_link *)obj;
	struct prefix_walk *w = arg;
	const char *name = rtnl_link_get_name(l);

	if (name && !strncmp(name, w->prefix, strlen(w->prefix)))
		w->fn(name, rtnl_link_get_ifindex(l), w->arg);
}

int tc_link_foreach_prefix(struct nl_sock *sk, const char *prefix,
			   void (*fn)(const char *name, int ifindex, void *arg),
			   void *arg, struct nis_err *err)
{
	struct prefix_walk w = { prefix, fn, arg };
	struct nl_cache *links;
	int rc;

	if ((rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links)) < 0)
		return tc_nl_fail(err, rc, "cannot list links");
	nl_cache_foreach(links, walk_one, &w);
	nl_cache_free(links);
	return 0;
}
