/* admit.c - a request checked before anything is touched: its id, ports,
 * rates, bursts and a runtime's namespace. Every refusal names the bad
 * value; nothing here changes the kernel or the registry. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "isolator/agent.h"

static bool known(const struct iso_agent *a, const char *id)
{
	for (const struct iso_container *c = a->list; c; c = c->next)
		if (!strcmp(c->id, id))
			return true;
	return false;
}

/* A requested rate: positive, clamped to the flags' bounds. */
static int clamp_rate(struct iso_opt_u64 *rate, const struct iso_opt_u64 *min,
		      const struct iso_opt_u64 *max, const char *name, struct nis_err *err)
{
	if (!rate->set)
		return 0;
	if (rate->v == 0)
		return nis_err_set(err, -EINVAL, "%s must be positive", name);
	if (min->set && rate->v < min->v)
		rate->v = min->v;
	if (max->set && rate->v > max->v)
		rate->v = max->v;
	return 0;
}

int iso_admit_egress(const struct iso_flags *f, struct iso_opt_u64 *rate,
		     struct nis_err *err)
{
	return clamp_rate(rate, &f->minimum_egress_rate_limit, &f->maximum_egress_rate_limit,
			  "egress_rate_limit", err);
}

int iso_admit_ingress(const struct iso_flags *f, struct iso_opt_u64 *rate,
		      struct nis_err *err)
{
	return clamp_rate(rate, &f->minimum_ingress_rate_limit, &f->maximum_ingress_rate_limit,
			  "ingress_rate_limit", err);
}

int iso_admit_cpus(const struct iso_cpus *cpus, struct nis_err *err)
{
	if (cpus->set && !(cpus->v >= 0 && cpus->v <= ISO_CPUS_MAX))
		return nis_err_set(err, -EINVAL, "cpus must be a number from 0 to %d",
				   ISO_CPUS_MAX);
	return 0;
}

/* Mesos' {egress,ingress}HTBConfig: the flag's rate, else the per-cpu rate
 * times the whole cpus (none given: 0), raised to Mesos' least rate, which
 * the caller's clamp then bounds. */
struct iso_opt_u64 iso_admit_derived(const struct iso_config *cfg, bool egress,
				     const struct iso_cpus *cpus)
{
	const struct iso_flags *f = &cfg->flags;
	const struct iso_opt_u64 *fixed = egress ? &f->egress_rate_limit_per_container
						 : &f->ingress_rate_limit_per_container;
	const struct iso_opt_u64 *per = egress ? &cfg->egress_per_cpu : &cfg->ingress_per_cpu;
	uint64_t whole = cpus->set && cpus->v >= 1 ? (uint64_t)cpus->v : 0;
	struct iso_opt_u64 r = { true, 0 };

	if (fixed->set || !per->set)
		return *fixed;
	r.v = whole && per->v > (uint64_t)INT64_MAX / whole ? (uint64_t)INT64_MAX
							     : per->v * whole;
	if (r.v < ISO_MIN_RATE)
		r.v = ISO_MIN_RATE;
	return r;
}

/* Parses text into *out and checks it against the agent's ports and the
 * ports other containers hold (own: what the caller already holds). */
int iso_admit_ports(struct iso_agent *a, const char *text, const struct pm_set *own,
		       struct pm_set *out, struct nis_err *err)
{
	struct pm_set others;
	char buf[256];
	int rc;

	if (!text)
		return 0;
	if ((rc = pm_set_parse(text, "ports", out, err)))
		return rc;
	if (!pm_set_contains(&a->cfg->res.ports, out)) {
		pm_set_format(&a->cfg->res.ports, buf, sizeof(buf));
		return nis_err_set(err, -ERANGE, "ports %s are not all within the agent's "
				   "ports %s", text, buf);
	}
	pm_set_init(&others);
	if ((rc = pm_set_subtract(&others, &a->used_ports, own)))
		return nis_err_set(err, rc, "out of memory");
	rc = pm_set_overlaps(&others, out);
	pm_set_free(&others);
	if (rc)
		return nis_err_set(err, -EADDRINUSE, "ports %s are held by another container",
				   text);
	return 0;
}

static int netns_path(struct iso_agent *a, const char *path, struct nis_err *err)
{
	size_t n = strlen(a->netns_dir);

	if (path[0] != '/' || strlen(path) >= PATH_MAX)
		return nis_err_set(err, -EINVAL, "netns '%.64s' must be an absolute path", path);
	if (!strncmp(path, a->netns_dir, n) && (path[n] == '/' || !path[n]))
		return nis_err_set(err, -EINVAL, "netns %s is one of the agent's own handles",
				   path);
	return 0;
}

const struct iso_container *iso_admit_ns_owner(const struct iso_agent *a,
					       const struct tc_netns_id *ns)
{
	for (const struct iso_container *o = a->list; o; o = o->next)
		if (tc_netns_id_eq(&o->dp.ns, ns))
			return o;
	return NULL;
}

/* c's namespace opened, and no other container's (-EBUSY). */
static int open_ns(struct iso_agent *a, struct iso_container *c, struct nis_err *err)
{
	const struct iso_container *o;
	int rc = iso_ext_open(&c->dp, err);

	if (!rc && (o = iso_admit_ns_owner(a, &c->dp.ns)))
		rc = nis_err_set(err, -EBUSY, "netns %s is container %s's already", c->dp.netns,
				 o->id);
	return rc;
}

/* The runtime's namespace, opened and checked (the caller holds a->lock). */
int iso_admit_adopt(struct iso_agent *a, struct iso_container *c, struct nis_err *err)
{
	int rc = open_ns(a, c, err);

	if (rc || (rc = iso_ext_probe(&c->dp, err)))
		iso_dp_release(&c->dp);
	return rc;
}

int iso_admit_chained(struct iso_agent *a, struct iso_container *c,
		      const struct iso_chain_req *req, struct nis_err *err)
{
	int rc;

	if (!req->host_veth || !iso_ifname_valid(req->host_veth))
		return nis_err_set(err, -EINVAL, "chained.host_veth '%s' must be an interface "
				   "name", req->host_veth ? req->host_veth : "");
	if ((rc = iso_chain_parse(req->address, req->mac, &c->dp.chain, err)))
		return rc;
	snprintf(c->dp.veth, sizeof(c->dp.veth), "%s", req->host_veth);
	for (const struct iso_container *o = a->list; o; o = o->next)
		if (!strcmp(o->dp.veth, c->dp.veth))
			return nis_err_set(err, -EBUSY, "host veth %s is container %s's already",
					   c->dp.veth, o->id);
	if ((rc = open_ns(a, c, err)) || (rc = iso_chain_plan(&a->dp, &c->dp, err)))
		iso_dp_release(&c->dp);
	return rc;
}

int iso_admit_create(struct iso_agent *a, const struct iso_create *req, struct iso_opt_u64 *eg,
		     struct iso_opt_u64 *in, struct pm_set *ports, struct nis_err *err)
{
	const struct iso_flags *f = &a->cfg->flags;
	struct pm_set none;
	int rc;

	if (!req->id || !iso_id_valid(req->id))
		return nis_err_set(err, -EINVAL, "container_id '%s' must be 1-64 of "
				   "[A-Za-z0-9._-]", req->id ? req->id : "");
	if (known(a, req->id))
		return nis_err_set(err, -EEXIST, "container '%s' already exists", req->id);
	if (a->count >= a->cfg->max_containers)
		return nis_err_set(err, -ENOSPC, "no free ephemeral port block "
				   "(%zu containers, the most this agent takes)", a->count);
	if (req->ifname && !iso_ifname_valid(req->ifname))
		return nis_err_set(err, -EINVAL, "ifname '%s' must be 1-15 of [A-Za-z0-9_-], "
				   "not lo", req->ifname);
	if (req->netns && (rc = netns_path(a, req->netns, err)))
		return rc;
	if (req->chained && (!req->netns || req->ports || req->nremap))
		return nis_err_set(err, -EINVAL, "chained mode takes a netns, and no ports or "
				   "port_mappings (the primary plugin's address is the container's)");
	pm_set_init(&none);
	if ((rc = iso_admit_ports(a, req->ports, &none, ports, err)))
		return rc;
	if ((rc = iso_admit_cpus(&req->cpus, err)))
		return rc;
	*eg = req->egress.set ? req->egress : iso_admit_derived(a->cfg, true, &req->cpus);
	*in = req->ingress.set ? req->ingress : iso_admit_derived(a->cfg, false, &req->cpus);
	if ((rc = iso_admit_egress(f, eg, err)) || (rc = iso_admit_ingress(f, in, err)))
		return rc;
	return 0;
}

/* Said once, at create: the burst HTB will really have. */
void iso_admit_burst_note(const char *id, const char *dir, struct iso_opt_u64 burst,
		       struct iso_opt_u64 rate)
{
	if (burst.set && rate.set && iso_dp_burst(burst.v, rate.v) < burst.v)
		log_msg(LOG_WARN, "container %s: its %s burst of %llu B is clamped to %u B "
			"(HTB holds at most %d s of the rate, in 32 bits)", id, dir,
			(unsigned long long)burst.v, iso_dp_burst(burst.v, rate.v),
			ISO_BURST_MAX_S);
}

