/* verify.c - a container's kernel objects against what the agent holds
 * (the CNI plugin's CHECK): its namespace, its veth pair, its guard and
 * counting filters, its limits' HTB classes. Read only: the watch, not
 * this, puts a tampered egress HTB back. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "acct/meter.h"
#include "isolator/agent.h"
#include "tc/chainguard.h"
#include "tc/link.h"
#include "tc/netns.h"

__attribute__((format(printf, 3, 4)))
static int problem(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return 1;
}

/* The namespace at its path is still the one held; its veth pair is there. */
static int links_verify(struct iso_dp *dp, const struct iso_dp_ct *ct, char *why, size_t len)
{
	struct tc_netns_id id;
	int ifindex;

	if (ct->ns_gone || tc_netns_path_id(ct->netns, &id) || id.dev != ct->ns.dev ||
	    id.ino != ct->ns.ino)
		return problem(why, len, "its network namespace %s was removed or replaced",
			       ct->netns);
	if (tc_link_ifindex(dp->sk, ct->veth, &ifindex, NULL))
		return problem(why, len, "its host veth %s is gone", ct->veth);
	if (ifindex != ct->veth_ifindex)
		return problem(why, len, "its host veth %s was re-made (ifindex %d, was %d)",
			       ct->veth, ifindex, ct->veth_ifindex);
	if (!ct->nsk || tc_link_ifindex(ct->nsk, ct->ifname, &ifindex, NULL) ||
	    (ct->ct_eth0 && ifindex != ct->ct_eth0))
		return problem(why, len, "its interface %s is gone from %s", ct->ifname,
			       ct->netns);
	return 0;
}

static int dp_verify(struct iso_dp *dp, const struct iso_dp_ct *ct, const struct iso_flags *f,
		     char *why, size_t len)
{
	int rc;

	if (links_verify(dp, ct, why, len))
		return 1;
	if (ct->chain.on && (rc = tc_chainguard_present(dp->sk, ct->veth_ifindex)) != 1)
		return problem(why, len, "host veth %s has no guard filter (prio 1, %s)",
			       ct->veth, rc < 0 ? strerror(-rc) : TC_CHAINGUARD_NAME);
	if (acct_meter_verify(ct->meter, why, len))
		return 1;
	return iso_dp_shaping_verify(dp, ct, f, why, len);
}

int iso_agent_verify(struct iso_agent *a, const char *id, char *why, size_t len,
		     struct nis_err *err)
{
	struct iso_container *c;
	int rc = -ENOENT;

	why[0] = '\0';
	pthread_mutex_lock(&a->lock);
	if ((c = *iso_agent_find(a, id)))
		rc = dp_verify(&a->dp, &c->dp, &a->cfg->flags, why, len);
	pthread_mutex_unlock(&a->lock);
	return rc == -ENOENT ? nis_err_set(err, rc, "no container '%s'", id) : 0;
}
