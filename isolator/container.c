/* container.c - the registry and the lifecycle operations. Validation
 * happens before anything is touched; the datapath unwinds its own
 * failures; the registry changes only after the kernel did. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/time.h>
#include <unistd.h>

#include "acct/collector.h"
#include "acct/meter.h"
#include "common/fs.h"
#include "common/log.h"
#include "isolator/agent.h"
#include "isolator/remap.h"
#include "isolator/watch.h"
#include "portmap/alloc.h"
#include "tc/link.h"
#include "tc/netns.h"
#include "tc/nl.h"

void iso_container_log(const struct iso_container *c, const char *what)
{
	if (c->dp.chain.on)
		log_msg(LOG_INFO, "container %s %s (chained): host veth %s, %s in %s", c->id, what,
			c->dp.veth, c->dp.ifname, c->dp.netns);
	else
		log_msg(LOG_INFO, "container %s %s: veth %s, ephemeral ports [%u-%u]", c->id,
			what, c->dp.veth, c->dp.ephemeral.begin, c->dp.ephemeral.end);
}

void iso_container_free(struct iso_container *c)
{
	iso_dp_release(&c->dp);
	iso_rates_free(&c->dp.rates);
	pm_set_free(&c->ports);
	free(c);
}

bool iso_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > ISO_ID_MAX || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789._-") == n;
}

bool iso_agent_peer_owner(struct iso_agent *a, struct in_addr ip, uint16_t port,
			  char id[ISO_ID_MAX + 1])
{
	bool found = false;

	if (ip.s_addr != htonl(INADDR_LOOPBACK) && ip.s_addr != a->cfg->host.ip.s_addr)
		return false;
	pthread_mutex_lock(&a->lock);
	for (struct iso_container *c = a->list; c && !found; c = c->next)
		if ((!c->dp.chain.on && port >= c->dp.ephemeral.begin &&
		     port <= c->dp.ephemeral.end) ||
		    pm_set_contains_port(&c->ports, port)) {
			snprintf(id, ISO_ID_MAX + 1, "%s", c->id);
			found = true;
		}
	pthread_mutex_unlock(&a->lock);
	return found;
}

bool iso_agent_health(struct iso_agent *a, char *why, size_t len)
{
	uint64_t failures;

	return (!a->ckpt || iso_ckpt_health(a->ckpt, why, len, &failures)) &&
	       acct_health(a->acct, why, len);
}

const char *iso_agent_work_dir(const struct iso_agent *a)
{
	return a->cfg->flags.work_dir;
}

void iso_record_free(struct iso_record *r)
{
	if (r)
		pm_set_free(&r->ports);
}

/* "nis" + 12 hex digits of the id's FNV-1a hash: stable across restarts,
 * within IFNAMSIZ. */
static void veth_name(const char *id, char out[IF_NAMESIZE])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	snprintf(out, IF_NAMESIZE, "nis%012llx", (unsigned long long)(h & 0xffffffffffffull));
}

/* A chained container has no ephemeral block. */
static void release_block(struct iso_agent *a, const struct iso_container *c)
{
	if (!c->dp.chain.on)
		pm_alloc_release(a->eph, c->dp.ephemeral, NULL);
}

struct iso_container **iso_agent_find(struct iso_agent *a, const char *id)
{
	struct iso_container **pp = &a->list;

	while (*pp && strcmp((*pp)->id, id))
		pp = &(*pp)->next;
	return pp;
}

static int to_record(const struct iso_agent *a, const struct iso_container *c,
		     struct iso_record *r, struct nis_err *err)
{
	const struct tc_host *h = &a->cfg->host;

	memset(r, 0, sizeof(*r));
	pm_set_init(&r->ports);
	if (pm_set_copy(&r->ports, &c->ports))
		return nis_err_set(err, -ENOMEM, "out of memory");
	snprintf(r->id, sizeof(r->id), "%s", c->id);
	r->labels = c->labels;
	snprintf(r->netns, sizeof(r->netns), "%s", c->dp.netns);
	snprintf(r->veth, sizeof(r->veth), "%s", c->dp.veth);
	snprintf(r->ifname, sizeof(r->ifname), "%s", c->dp.ifname);
	r->external = c->dp.external;
	r->chained = c->dp.chain.on;
	r->ip = r->chained ? c->dp.chain.ip : h->ip;
	r->gateway = r->chained ? (struct in_addr){ 0 } : h->gateway;
	r->prefixlen = r->chained ? c->dp.chain.prefixlen : h->prefixlen;
	memcpy(r->mac, r->chained ? c->dp.chain.mac : h->mac, sizeof(r->mac));
	r->veth_ifindex = c->dp.veth_ifindex;
	r->ephemeral = c->dp.ephemeral;
	r->egress = c->dp.egress;
	r->ingress = c->dp.ingress;
	r->egress_burst = c->dp.egress_burst;
	r->cpus = c->cpus;
	r->ingress_burst = c->dp.ingress_burst;
	memcpy(r->remap, c->dp.remap, sizeof(r->remap));
	r->nremap = c->dp.nremap;
	r->created_at = c->created_at;
	return 0;
}

int iso_agent_checkpoint(struct iso_agent *a, const struct iso_container *c,
			 enum iso_state st, struct nis_err *err)
{
	struct iso_ckpt_row r = { .state = st, .labels = c->labels, .ephemeral = c->dp.ephemeral,
				  .egress = c->dp.egress, .ingress = c->dp.ingress,
				  .egress_burst = c->dp.egress_burst,
				  .ingress_burst = c->dp.ingress_burst,
				  .veth_ifindex = c->dp.veth_ifindex, .slot = c->dp.slot,
				  .created_at = c->created_at };
	char ports[8192], undo[256], remap[TC_REMAP_MAX * 12 + 1];
	int rc;

	memcpy(r.id, c->id, sizeof(r.id));
	memcpy(r.ifname, c->dp.ifname, sizeof(r.ifname));
	r.external = c->dp.external;
	r.ns = c->dp.ns;
	if ((r.chained = c->dp.chain.on)) {
		iso_chain_format(&c->dp.chain, r.chain_addr, sizeof(r.chain_addr), r.chain_mac,
				 sizeof(r.chain_mac));
		r.chain_own_clsact = c->dp.chain.own_clsact;
	}
	r.cpus = c->cpus;
	iso_ext_undo_format(&c->dp.undo, undo, sizeof(undo));
	r.ext_undo = undo;
	iso_remap_format(c->dp.remap, c->dp.nremap, remap, sizeof(remap));
	r.remap = remap;
	memcpy(r.veth, c->dp.veth, sizeof(r.veth));
	memcpy(r.netns, c->dp.netns, sizeof(r.netns));
	if (pm_set_format(&c->ports, ports, sizeof(ports)) < 0)
		return nis_err_set(err, -E2BIG, "too many port ranges to record");
	r.ports = ports;
	if (c->dp.nblocks && !(r.blocks = iso_dp_blocks_format(&c->dp)))
		return nis_err_set(err, -ENOMEM, "out of memory");
	if ((rc = iso_ckpt_put(a->ckpt, &r, err)))
		nis_err_prefix(err, rc, "container %s cannot be recorded, so nothing changed", c->id);
	free(r.blocks);
	return rc;
}

static int take_remap(struct iso_agent *a, struct iso_container *c,
		      const struct iso_create *req, struct nis_err *err)
{
	if (req->nremap > TC_REMAP_MAX)
		return nis_err_set(err, -EINVAL, "at most %d port mappings", TC_REMAP_MAX);
	if (req->nremap)	/* remap is NULL without mappings */
		memcpy(c->dp.remap, req->remap, req->nremap * sizeof(*req->remap));
	c->dp.nremap = req->nremap;
	return iso_remap_check(c->dp.remap, &c->dp.nremap, &c->ports, &a->cfg->res.ephemeral,
			       err);
}

/* A destroyed container of the same veth name may still be being removed
 * (a re-create of its id): wait for it, without the agent's lock, which
 * the reaper takes to delete its row. */
static void wait_reaped(struct iso_agent *a, const char *id)
{
	char veth[IF_NAMESIZE];

	veth_name(id, veth);
	while (a->reaper && iso_reaper_has(a->reaper, veth)) {
		pthread_mutex_unlock(&a->lock);
		iso_reaper_wait(a->reaper, veth);
		pthread_mutex_lock(&a->lock);
	}
}

int iso_agent_create(struct iso_agent *a, const struct iso_create *req,
		     struct iso_record *out, struct nis_err *err)
{
	const struct iso_flags *f = &a->cfg->flags;
	struct iso_container *c = calloc(1, sizeof(*c));
	struct iso_opt_u64 eg, in;
	struct timeval tv;
	int rc;

	if (!c)
		return nis_err_set(err, -ENOMEM, "out of memory");
	pm_set_init(&c->ports);
	pthread_mutex_lock(&a->lock);
	wait_reaped(a, req->id);
	if ((rc = iso_admit_create(a, req, &eg, &in, &c->ports, err)) ||
	    (rc = take_remap(a, c, req, err)) ||
	    (!req->chained && (rc = pm_alloc_take(a->eph, &c->dp.ephemeral, err))))
		goto fail;
	snprintf(c->id, sizeof(c->id), "%s", req->id);
	c->labels = req->labels;
	c->dp.nsfd = c->dp.diag_fd = c->dp.sockstat_fd = c->dp.snmp_fd = c->dp.range_fd = -1;
	c->dp.external = req->netns != NULL;
	c->dp.egress = eg;
	c->dp.ingress = in;
	snprintf(c->dp.ifname, sizeof(c->dp.ifname), "%s", req->ifname ? req->ifname : "eth0");
	if (c->dp.external) {
		snprintf(c->dp.netns, sizeof(c->dp.netns), "%s", req->netns);
		rc = req->chained ? iso_admit_chained(a, c, req->chained, err)
				  : iso_admit_adopt(a, c, err);
	} else if (snprintf(c->dp.netns, sizeof(c->dp.netns), "%s/%s", a->netns_dir, c->id) >=
		   (int)sizeof(c->dp.netns)) {
		rc = nis_err_set(err, -ENAMETOOLONG, "--runtime_dir is too long");
	}
	if (rc) {
		release_block(a, c);
		goto fail;
	}
	if (!c->dp.chain.on)
		veth_name(c->id, c->dp.veth);
	c->cpus = req->cpus;
	c->dp.egress_burst = req->egress_burst;
	c->dp.ingress_burst = req->ingress_burst;
	iso_admit_burst_note(c->id, "egress", c->dp.egress_burst, c->dp.egress);
	iso_admit_burst_note(c->id, "ingress", c->dp.ingress_burst, c->dp.ingress);
	gettimeofday(&tv, NULL);
	c->created_at = (double)tv.tv_sec + tv.tv_usec / 1e6;
	/* Recorded before the kernel is touched: a crash during isolate
	 * leaves a "preparing" row that recovery finishes off. */
	if ((rc = iso_agent_checkpoint(a, c, ISO_PREPARING, err))) {
		release_block(a, c);
		iso_dp_release(&c->dp);
		goto fail;
	}
	iso_dp_test_abort(11);
	if ((rc = iso_dp_isolate(&a->dp, &c->dp, &c->ports, f, err))) {
		iso_ckpt_delete(a->ckpt, c->id, NULL);
		release_block(a, c);
		goto fail;
	}
	iso_dp_test_abort(12);
	if ((rc = acct_track(c->dp.meter, c->id, false, err)) ||
	    (rc = iso_agent_checkpoint(a, c, ISO_RUNNING, err))) {
		acct_forget(c->dp.meter);	/* a pass may have counted it meanwhile */
		iso_dp_cleanup(&a->dp, &c->dp);
		iso_ckpt_delete(a->ckpt, c->id, NULL);
		release_block(a, c);
		goto fail;
	}
	pm_set_union(&a->used_ports, &a->used_ports, &c->ports);
	c->next = a->list;
	a->list = c;
	a->count++;
	rc = out ? to_record(a, c, out, err) : 0;
	/* Under the lock: once it is released, a DELETE may free c. */
	iso_container_log(c, "created");
	pthread_mutex_unlock(&a->lock);
	return rc;
fail:
	pthread_mutex_unlock(&a->lock);
	log_msg(LOG_WARN, "create of %s refused: %s", req->id ? req->id : "(no id)", err->msg);
	pm_set_free(&c->ports);
	free(c);
	return rc;
}

/* c's ports become ports, in the kernel and in the agent's books. */
static int move_ports(struct iso_agent *a, struct iso_container *c, const struct pm_set *ports,
		      struct nis_err *err)
{
	int rc = iso_dp_set_ports(&a->dp, &c->dp, ports, err);

	if (rc)
		return rc;
	pm_set_subtract(&a->used_ports, &a->used_ports, &c->ports);
	pm_set_union(&a->used_ports, &a->used_ports, ports);
	return pm_set_copy(&c->ports, ports) ? nis_err_set(err, -ENOMEM, "out of memory") : 0;
}

/* Back to what c had: nothing is acknowledged that was not recorded. */
static void undo_update(struct iso_agent *a, struct iso_container *c, const struct pm_set *ports,
			struct iso_opt_u64 eg, struct iso_opt_u64 in)
{
	struct nis_err err = { "" };

	if (iso_dp_set_limits(&a->dp, &c->dp, eg, in, &a->cfg->flags, &err) ||
	    (ports && move_ports(a, c, ports, &err)))
		log_msg(LOG_ERROR, "container %s: an update failed and could not be undone "
			"in full: %s", c->id, err.msg);
}

/* A PATCH of cpus, as Mesos' update of resources: rates the PATCH does not
 * name follow the per-cpu flags; a container without an ingress cap gets
 * the agent's only with --ingress_isolate_existing_containers. */
static int follow_cpus(struct iso_agent *a, const struct iso_container *c,
		       const struct iso_update *req, struct iso_opt_u64 *eg,
		       struct iso_opt_u64 *in, struct nis_err *err)
{
	const struct iso_config *cfg = a->cfg;
	struct iso_opt_u64 d;
	int rc;

	if ((rc = iso_admit_cpus(&req->cpus, err)))
		return rc;
	if (!req->egress.set && cfg->egress_per_cpu.set)
		*eg = iso_admit_derived(cfg, true, &req->cpus);
	d = iso_admit_derived(cfg, false, &req->cpus);
	if (!req->ingress.set && d.set && (cfg->ingress_per_cpu.set || !c->dp.ingress.set) &&
	    (c->dp.ingress.set || cfg->flags.ingress_isolate_existing_containers))
		*in = d;
	return 0;
}

static int update_locked(struct iso_agent *a, struct iso_container *c,
			 const struct iso_update *req, struct nis_err *err)
{
	const struct iso_flags *f = &a->cfg->flags;
	struct iso_opt_u64 eg = req->egress.set ? req->egress : c->dp.egress;
	struct iso_opt_u64 in = req->ingress.set ? req->ingress : c->dp.ingress;
	struct iso_opt_u64 old_eg = c->dp.egress, old_in = c->dp.ingress;
	struct iso_cpus old_cpus = c->cpus;
	struct pm_set ports, old;
	int rc;

	pm_set_init(&ports);
	pm_set_init(&old);
	if (req->ports && c->dp.chain.on) {
		rc = nis_err_set(err, -EINVAL, "container %s is chained: it has no ports", c->id);
		goto out;
	}
	if (req->cpus.set && (rc = follow_cpus(a, c, req, &eg, &in, err)))
		goto out;
	if ((rc = iso_admit_ports(a, req->ports, &c->ports, &ports, err)) ||
	    (rc = iso_admit_egress(f, &eg, err)) || (rc = iso_admit_ingress(f, &in, err)))
		goto out;
	if (req->ports && ((rc = pm_set_copy(&old, &c->ports) ? -ENOMEM : 0) ||
			   (rc = move_ports(a, c, &ports, err))))
		goto out;
	if (req->cpus.set)	/* checkpointed with the rates it gave */
		c->cpus = req->cpus;
	if ((rc = iso_dp_set_limits(&a->dp, &c->dp, eg, in, f, err)) ||
	    (rc = iso_agent_checkpoint(a, c, ISO_RUNNING, err))) {
		undo_update(a, c, req->ports ? &old : NULL, old_eg, old_in);
		c->cpus = old_cpus;
	}
out:
	if (rc == -ENOMEM && !err->msg[0])
		nis_err_set(err, rc, "out of memory");
	pm_set_free(&ports);
	pm_set_free(&old);
	return rc;
}

int iso_agent_update(struct iso_agent *a, const char *id, const struct iso_update *req,
		     struct iso_record *out, struct nis_err *err)
{
	struct iso_container *c;
	int rc;

	pthread_mutex_lock(&a->lock);
	if (!(c = *iso_agent_find(a, id)))
		rc = nis_err_set(err, -ENOENT, "no container '%s'", id);
	else if (!(rc = update_locked(a, c, req, err)) && out)
		rc = to_record(a, c, out, err);
	pthread_mutex_unlock(&a->lock);
	if (!rc)
		log_msg(LOG_INFO, "container %s updated", id);
	return rc;
}

/* Nothing reaches c once its host entries are gone; its veth and netns
 * handle, slow to delete, go to the reaper, and with them its row. */
static void remove_container(struct iso_agent *a, struct iso_container *c)
{
	struct nis_err err = { "" };
	int ifindex = c->dp.veth_ifindex;
	const char *netns = c->dp.nsfd >= 0 && !c->dp.external ? c->dp.netns : NULL;

	acct_forget(c->dp.meter);	/* no pass reads it again; its last rows go */
	if (c->dp.chain.on) {		/* its veth and netns are the runtime's */
		iso_chain_unhook(&a->dp, &c->dp);
		if (iso_ckpt_delete(a->ckpt, c->id, &err))
			log_msg(LOG_ERROR, "%s", err.msg);
		return;
	}
	iso_ext_undo(&c->dp);
	iso_dp_unhook(&a->dp, &c->dp);
	iso_dp_test_abort(14);
	if (a->reaper && !iso_reaper_add(a->reaper, c->id, c->dp.veth, ifindex, netns))
		return;
	iso_dp_remove(a->dp.sk, c->dp.veth, ifindex, netns);
	if (iso_ckpt_delete(a->ckpt, c->id, &err))
		log_msg(LOG_ERROR, "%s", err.msg);
}

static void destroy_locked(struct iso_agent *a, struct iso_container **pp)
{
	struct iso_container *c = *pp;
	struct nis_err err = { "" };

	/* "destroying" first: a crash half-way is finished off on restart. */
	if (iso_ckpt_set_state(a->ckpt, c->id, ISO_DESTROYING, &err))
		log_msg(LOG_ERROR, "%s", err.msg);
	if (acct_final(c->dp.meter, &err))
		log_msg(LOG_ERROR, "container %s: its last traffic was not written: %s",
			c->id, err.msg);
	iso_dp_test_abort(13);
	remove_container(a, c);
	release_block(a, c);
	pm_set_subtract(&a->used_ports, &a->used_ports, &c->ports);
	*pp = c->next;
	a->count--;
	log_msg(LOG_INFO, "container %s destroyed", c->id);
	iso_container_free(c);
}

void iso_agent_sweep_gone(struct iso_agent *a)
{
	struct iso_container **pp = &a->list;

	pthread_mutex_lock(&a->lock);
	while (*pp) {
		struct iso_container *c = *pp;
		if (!c->dp.external || iso_ext_present(&c->dp) != 0) {
			pp = &c->next;
			continue;
		}
		c->dp.ns_gone = true;
		log_msg(LOG_INFO, "container %s: its network namespace %s was removed or "
			"replaced by its runtime: destroying it", c->id, c->dp.netns);
		destroy_locked(a, pp);
	}
	pthread_mutex_unlock(&a->lock);
}

int iso_agent_destroy(struct iso_agent *a, const char *id, struct nis_err *err)
{
	struct iso_container **pp;
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	if (*(pp = iso_agent_find(a, id)))
		destroy_locked(a, pp);
	else
		rc = nis_err_set(err, -ENOENT, "no container '%s'", id);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int iso_agent_get(struct iso_agent *a, const char *id, struct iso_record *out,
		  struct nis_err *err)
{
	struct iso_container *c;
	int rc;

	pthread_mutex_lock(&a->lock);
	c = *iso_agent_find(a, id);
	rc = c ? to_record(a, c, out, err) : nis_err_set(err, -ENOENT, "no container '%s'", id);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

static int record_cmp(const void *x, const void *y)
{
	return strcmp(((const struct iso_record *)x)->id, ((const struct iso_record *)y)->id);
}

int iso_agent_list(struct iso_agent *a, struct iso_record **out, size_t *n,
		   struct nis_err *err)
{
	struct iso_record *r;
	size_t i = 0;
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	r = calloc(a->count ? a->count : 1, sizeof(*r));
	for (struct iso_container *c = a->list; r && c && !rc; c = c->next)
		rc = to_record(a, c, &r[i++], err);
	pthread_mutex_unlock(&a->lock);
	if (!r || rc) {
		while (r && i--)
			iso_record_free(&r[i]);
		free(r);
		return rc ? rc : nis_err_set(err, -ENOMEM, "out of memory");
	}
	qsort(r, i, sizeof(*r), record_cmp);
	*out = r;
	*n = i;
	return 0;
}

/* ---- start and stop ---- */

int iso_agent_new(const struct iso_config *cfg, struct iso_agent **out, struct nis_err *err)
{
	struct iso_agent *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return nis_err_set(err, -ENOMEM, "out of memory");
	pthread_mutex_init(&a->lock, NULL);
	a->cfg = cfg;
	pm_set_init(&a->used_ports);
	snprintf(a->netns_dir, sizeof(a->netns_dir), "%s/netns", cfg->flags.runtime_dir);
	iso_dp_test_hooks();
	if ((rc = iso_dp_probe(&a->dp, cfg, err)) ||
	    (rc = pm_alloc_new(&cfg->res.ephemeral, cfg->block_size, &a->eph, err))) {
		iso_agent_free(a, false);
		return rc;
	}
	*out = a;
	return 0;
}

int iso_agent_start(struct iso_agent *a, struct acct *acct, struct nis_err *err)
{
	const struct iso_config *cfg = a->cfg;
	int rc;

	a->acct = a->dp.acct = acct;
	if ((rc = iso_ckpt_open(cfg->flags.work_dir, &a->ckpt, err)) ||
	    (rc = nis_mkdir_p(cfg->flags.runtime_dir, 0700, err)) ||
	    (rc = tc_netns_dir_setup(a->netns_dir, err)) ||
	    (rc = iso_dp_setup(&a->dp, cfg, true, err)) ||
	    (iso_dp_fast_setup(&a->dp, true), rc = iso_agent_recover(a, err)) ||
	    (rc = iso_reaper_start(a, &a->reaper, err)) ||
	    (rc = iso_watch_start(a, &a->watch, err)))
		return rc;
	return 0;
}

void iso_agent_free(struct iso_agent *a, bool destroy)
{
	if (!a)
		return;
	iso_watch_stop(a->watch);
	a->watch = NULL;
	while (destroy && a->list)
		destroy_locked(a, &a->list);
	iso_reaper_stop(a->reaper);	/* finishes what destroys left */
	a->reaper = NULL;
	if (destroy) {
		iso_dp_teardown(&a->dp);
		umount2(a->netns_dir, MNT_DETACH);
	}
	while (a->list) {	/* left running: only our memory goes */
		struct iso_container *c = a->list;
		a->list = c->next;
		iso_container_free(c);
	}
	iso_dp_close(&a->dp);
	iso_ckpt_close(a->ckpt);
	pm_alloc_free(a->eph);
	pm_set_free(&a->used_ports);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
