/* recover.c - start-up reconciliation of the checkpoint with the kernel.
 * Whole containers resume untouched; half-made or half-destroyed ones are
 * finished off; kernel objects nobody recorded (orphans) are removed:
 * veths named nis*, netns handles, and nodes in our u32 tables. One log
 * line per decision. */
#include <dirent.h>
#include <linux/if_ether.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct/meter.h"
#include "common/log.h"
#include "isolator/agent.h"
#include "isolator/portblocks.h"
#include "isolator/remap.h"
#include "tc/link.h"
#include "tc/netns.h"
#include "tc/qdisc.h"
#include "tc/u32.h"

static struct iso_container *from_row(const struct iso_ckpt_row *r)
{
	struct iso_container *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	memcpy(c->id, r->id, sizeof(c->id));
	c->labels = r->labels;
	c->created_at = r->created_at;
	pm_set_init(&c->ports);
	memcpy(c->dp.netns, r->netns, sizeof(c->dp.netns));
	memcpy(c->dp.veth, r->veth, sizeof(c->dp.veth));
	c->dp.ephemeral = r->ephemeral;
	c->dp.egress = r->egress;
	c->dp.ingress = r->ingress;
	c->dp.egress_burst = r->egress_burst;
	c->dp.ingress_burst = r->ingress_burst;
	c->dp.slot = r->slot;
	c->dp.nsfd = c->dp.diag_fd = c->dp.sockstat_fd = c->dp.snmp_fd = c->dp.range_fd = -1;
	memcpy(c->dp.ifname, r->ifname, sizeof(c->dp.ifname));
	c->dp.external = r->external;
	c->dp.ns = r->ns;
	if (iso_remap_parse(r->remap, c->dp.remap, &c->dp.nremap))
		log_msg(LOG_WARN, "container %s: its port mappings '%s' are unreadable: they are "
			"not put back", r->id, r->remap);
	if (r->chained && iso_chain_parse(r->chain_addr, r->chain_mac, &c->dp.chain, NULL))
		log_msg(LOG_WARN, "container %s: its chained address '%s' or MAC '%s' is "
			"unreadable: it is not recovered", r->id, r->chain_addr, r->chain_mac);
	c->dp.chain.on = r->chained;
	c->dp.chain.own_clsact = r->chain_own_clsact;
	c->cpus = r->cpus;
	if (iso_ext_undo_parse(r->ext_undo, &c->dp.undo))
		log_msg(LOG_WARN, "container %s: its snapshot '%s' is unreadable: its "
			"namespace will not be put back as it was", r->id, r->ext_undo);
	return c;
}

/* A runtime's namespace is taken back only if the path still names the
 * namespace recorded; the fd then holds it. */
static int check_external(struct iso_agent *a, struct iso_container *c, struct nis_err *err)
{
	const struct iso_container *o;

	if (iso_ext_reopen(&c->dp))
		return nis_err_set(err, -ENOENT, "its netns %s is gone or was replaced by its "
				   "runtime", c->dp.netns);
	if ((o = iso_admit_ns_owner(a, &c->dp.ns)))
		return nis_err_set(err, -EBUSY, "its netns %s is container %s's", c->dp.netns,
				   o->id);
	return 0;
}

/* A chained container's host veth is the primary's: the one recorded (a
 * veth of the same name made since is not ours to touch), in the
 * namespace recorded. */
static int check_chained(struct iso_agent *a, struct iso_container *c,
			 const struct iso_ckpt_row *r, struct nis_err *err)
{
	int now, rc;

	c->dp.veth_ifindex = r->veth_ifindex;
	if ((rc = tc_link_ifindex(a->dp.sk, c->dp.veth, &now, err)))
		return nis_err_set(err, rc, "its host veth %s is gone", c->dp.veth);
	if (now != r->veth_ifindex)
		return nis_err_set(err, -ESTALE, "its host veth %s was re-created (ifindex %d, "
				   "was %d)", c->dp.veth, now, r->veth_ifindex);
	if ((rc = check_external(a, c, err)))
		return rc;
	return c->dp.chain.prefixlen ? 0 : nis_err_set(err, -EINVAL, "its address is unreadable");
}

/* Everything resume needs, checked before anything is reserved. */
static int check_row(struct iso_agent *a, struct iso_container *c, const struct iso_ckpt_row *r,
		     struct nis_err *err)
{
	int rc;

	if (r->state != ISO_RUNNING)
		return nis_err_set(err, -EINPROGRESS, "it was %s when the agent stopped",
				   r->state == ISO_PREPARING ? "being created" : "being destroyed");
	if (c->dp.chain.on)
		return check_chained(a, c, r, err);
	if ((rc = tc_link_ifindex(a->dp.sk, c->dp.veth, &c->dp.veth_ifindex, err)))
		return nis_err_set(err, rc, "its veth %s is gone", c->dp.veth);
	if (c->dp.external && (rc = check_external(a, c, err)))
		return rc;
	if (!c->dp.external && access(c->dp.netns, F_OK))
		return nis_err_set(err, -ENOENT, "its netns handle %s is gone", c->dp.netns);
	if ((rc = pm_set_parse(r->ports, "ports", &c->ports, err)) ||
	    (rc = iso_dp_blocks_parse(r->blocks, &c->dp, err)))
		return rc;
	if (pm_set_overlaps(&a->used_ports, &c->ports))
		return nis_err_set(err, -EADDRINUSE, "its ports are held by another container");
	return pm_alloc_reserve(a->eph, c->dp.ephemeral, err);
}

/* Kernel objects of a container that will not come back, by name; a
 * runtime's namespace is put back as it was if it is still the one. */
static void finish_off(struct iso_agent *a, struct iso_container *c)
{
	int ifindex;

	if (!c->dp.chain.on && !tc_link_ifindex(a->dp.sk, c->dp.veth, &ifindex, NULL))
		tc_link_delete(a->dp.sk, ifindex, NULL);
	if (!c->dp.external) {
		tc_netns_remove(c->dp.netns, NULL);
		return;
	}
	if (c->dp.nsfd < 0 && !c->dp.ns_gone)
		iso_ext_reopen(&c->dp);
	if (c->dp.chain.on)		/* only our objects: the veth is the primary's */
		iso_chain_finish(&a->dp, &c->dp);
	iso_ext_undo(&c->dp);
	iso_dp_release(&c->dp);
}

static void recover_one(struct iso_agent *a, const struct iso_ckpt_row *r)
{
	struct iso_container *c = from_row(r);
	struct acct_meter *orphan;
	struct nis_err err = { "" };
	int rc, reserved;

	if (!c)
		return;
	rc = check_row(a, c, r, &err);
	reserved = rc == 0;
	if (!rc && !(rc = iso_dp_resume(&a->dp, &c->dp, &a->cfg->flags, &err))) {
		if (acct_track(c->dp.meter, c->id, true, &err))
			log_msg(LOG_ERROR, "container %s: its traffic is not counted: %s",
				c->id, err.msg);
		/* A clsact re-made at resume is ours now: DELETE removes it. */
		if (c->dp.chain.on && iso_agent_checkpoint(a, c, ISO_RUNNING, &err))
			log_msg(LOG_ERROR, "%s", err.msg);
		pm_set_union(&a->used_ports, &a->used_ports, &c->ports);
		c->next = a->list;
		a->list = c;
		a->count++;
		iso_container_log(c, "recovered");
		return;
	}
	log_msg(LOG_INFO, "container %s not recovered (%s): removing what is left of it",
		c->id, err.msg);
	orphan = acct_final_orphan(a->acct, c->id, c->dp.veth);
	if (reserved) {
		iso_dp_cleanup(&a->dp, &c->dp);
		if (!c->dp.chain.on)
			pm_alloc_release(a->eph, c->dp.ephemeral, NULL);
	}
	finish_off(a, c);
	acct_forget(orphan);
	acct_meter_free(orphan);
	iso_ckpt_delete(a->ckpt, c->id, NULL);
	iso_container_free(c);
}

static struct iso_container *by_veth(struct iso_agent *a, const char *name)
{
	for (struct iso_container *c = a->list; c; c = c->next)
		if (!strcmp(c->dp.veth, name))
			return c;
	return NULL;
}

static void orphan_veth(const char *name, int ifindex, void *arg)
{
	struct iso_agent *a = arg;

	if (!by_veth(a, name) && !tc_link_delete(a->dp.sk, ifindex, NULL))
		log_msg(LOG_INFO, "orphan veth %s removed", name);
}

static void orphan_handles(struct iso_agent *a)
{
	DIR *d = opendir(a->netns_dir);
	char path[PATH_MAX + 256];
	struct dirent *e;

	while (d && (e = readdir(d))) {
		bool live = false;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", a->netns_dir, e->d_name);
		for (struct iso_container *c = a->list; c && !live; c = c->next)
			live = !strcmp(c->dp.netns, path);
		if (!live && !tc_netns_remove(path, NULL))
			log_msg(LOG_INFO, "orphan netns handle %s removed", path);
	}
	if (d)
		closedir(d);
}

/* ---- u32 nodes in our tables that no live container owns ---- */

struct handles {
	uint32_t *h;
	size_t n, cap;
};

static void push(uint32_t handle, void *arg)
{
	struct handles *v = arg;

	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 256;
		uint32_t *p = realloc(v->h, cap * sizeof(*p));
		if (!p)
			return;
		v->h = p;
		v->cap = cap;
	}
	v->h[v->n++] = handle;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

struct sweep {
	const struct handles *owned;
	struct handles orphans;
	uint16_t prio[2], proto[2];	/* of the ARP table and of the others */
};

static void collect(uint16_t prio, uint16_t protocol, uint32_t handle, void *arg)
{
	struct sweep *s = arg;
	uint32_t ht = handle >> 20;

	bool ours = ht == DP_HT_PORTS || ht == DP_HT_ARP || ht == DP_HT_ICMP ||
		    ht == DP_HT_FLOWS || (ht >= DP_HT_PORTS_L2 && ht < DP_HT_FLOWS_L2F + 256);

	(void)prio, (void)protocol;
	/* Tables (node 0), the echo node and the links to level 2 are fixed. */
	if (!ours || !(handle & 0xfff) || handle == TC_U32_HANDLE(DP_HT_ICMP, 0, 1) ||
	    ((ht == DP_HT_PORTS || ht == DP_HT_FLOWS) &&
	     (handle & 0xfff) == DP_L2_LINK((handle >> 12) & 0xff)) ||
	    (s->owned->n && bsearch(&handle, s->owned->h, s->owned->n, sizeof(uint32_t),
				    cmp_u32)))
		return;
	push(handle, &s->orphans);	/* deleted after the dump, not during it */
}

/* The prio and protocol a handle of our tables lives at. */
static void where(uint32_t handle, uint16_t *prio, uint16_t *proto)
{
	uint32_t ht = handle >> 20;

	*prio = ht == DP_HT_ARP ? DP_PRIO_ARP : ht == DP_HT_ICMP ? DP_PRIO_ICMP : DP_PRIO_IP;
	*proto = ht == DP_HT_ARP ? ETH_P_ARP : ETH_P_IP;
}

static size_t sweep_dev(struct iso_agent *a, int ifindex, uint32_t parent,
			const struct handles *owned)
{
	struct sweep s = { .owned = owned };
	uint16_t prio, proto;

	tc_u32_dump_handles(a->dp.sk, ifindex, parent, collect, &s, NULL);
	for (size_t i = 0; i < s.orphans.n; i++) {
		where(s.orphans.h[i], &prio, &proto);
		tc_u32_del(a->dp.sk, ifindex, parent, prio, proto, s.orphans.h[i], NULL);
	}
	free(s.orphans.h);
	return s.orphans.n;
}

static void orphan_filters(struct iso_agent *a)
{
	struct handles owned = { 0 };
	size_t n;

	for (struct iso_container *c = a->list; c; c = c->next)
		iso_dp_host_handles(&a->dp, &c->dp, push, &owned);
	if (owned.n)
		qsort(owned.h, owned.n, sizeof(*owned.h), cmp_u32);
	n = sweep_dev(a, a->dp.host.ifindex, TC_INGRESS, &owned) +
	    sweep_dev(a, a->dp.host.lo_ifindex, TC_INGRESS, &owned);
	if (a->dp.unique_flows)
		n += sweep_dev(a, a->dp.host.ifindex, DP_FLOW_HANDLE, &owned);
	if (n)
		log_msg(LOG_INFO, "%zu orphan filters removed from %s and %s", n,
			a->dp.host.name, a->dp.host.lo_name);
	free(owned.h);
}

/* ---- fast path entries and counters no live container owns ---- */

static bool wanted(uint16_t port, int ifindex, void *arg)
{
	return ((const int *)arg)[port] == ifindex;
}

static void orphan_fast(struct iso_agent *a)
{
	struct nis_err err = { "" };
	bool live[TC_FAST_SLOTS] = { false };
	int *want;

	if (!a->dp.fast_on || !(want = calloc(TC_FAST_PORTS, sizeof(*want))))
		return;
	for (struct iso_container *c = a->list; c; c = c->next) {
		if (c->dp.slot < TC_FAST_SLOTS)
			live[c->dp.slot] = true;
		if (!iso_dp_fast_for(&a->dp, &c->dp))
			continue;
		for (size_t i = 0; i < c->dp.nblocks; i++)
			for (uint32_t p = 0; p < c->dp.blocks[i].b.size; p++)
				want[c->dp.blocks[i].b.port + p] = c->dp.veth_ifindex;
	}
	if (tc_fast_sweep(&a->dp.fast, wanted, want, &err))
		log_msg(LOG_WARN, "fast path: %s", err.msg);
	free(want);
	for (uint32_t s = 1; s < TC_FAST_SLOTS; s++)
		if (!live[s])
			tc_fast_clear_ct(&a->dp.fast, s);
}

int iso_agent_recover(struct iso_agent *a, struct nis_err *err)
{
	struct iso_ckpt_row *rows;
	size_t n;
	int rc;

	if ((rc = iso_ckpt_load(a->ckpt, &rows, &n, err)))
		return rc;
	for (size_t i = 0; i < n; i++)
		recover_one(a, &rows[i]);
	iso_ckpt_rows_free(rows, n);
	tc_link_foreach_prefix(a->dp.sk, "nis", orphan_veth, a, NULL);
	orphan_handles(a);
	orphan_filters(a);
	orphan_fast(a);
	return 0;
}
