/* acct.c - the collector: reading the counting filters' maps, deltas with
 * reset detection, passes on interval boundaries, the class trie. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "isolator/acct.h"
#include "isolator/acctdp.h"
#include "isolator/agent.h"
#include "tc/bpf.h"
#include "tc/qdisc.h"

_Static_assert(ACCT_CLASSES == TC_ACCT_CLASSES, "one class index space");

#define PRUNE_ROWS 20000	/* per table and pass: pruning stays incremental */

struct iso_acct {
	struct iso_agent *ag;
	struct acct_store *store;
	struct iso_netclasses classes;		/* what the trie holds */
	char names[ACCT_CLASSES][16];
	char boot_id[ACCT_BOOT_ID_LEN];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running, stopping;
	double last_pass_s;		/* duration of the last full pass */
	uint64_t passes;
};

/* ---- the class trie ---- */

static const struct in_addr loopback_net = { 0x0000007f };	/* 127.0.0.0 */

static bool is_local_prefix(const struct iso_acct *a, const struct iso_class_prefix *p)
{
	return (p->len == 32 && p->net.s_addr == a->ag->cfg->host.ip.s_addr) ||
	       (p->len == 8 && p->net.s_addr == loopback_net.s_addr);
}

/* Every prefix of nc to its class index, then the host's own addresses to
 * local: those win over any class, so local traffic is never billed as
 * external. Entries are overwritten in place: no packet sees a gap. */
static int trie_fill(struct iso_acct *a, const struct iso_netclasses *nc, struct nis_err *err)
{
	int trie = a->ag->dp.acct_trie, rc;
	char name[16];
	uint32_t ci;

	for (size_t i = 0; i < nc->n; i++) {
		snprintf(name, sizeof(name), "%u", nc->prefixes[i].class_no);
		if ((rc = acct_store_class(a->store, name, &ci, err)) ||
		    (!is_local_prefix(a, &nc->prefixes[i]) &&
		     (rc = tc_acct_trie_set(trie, nc->prefixes[i].net, nc->prefixes[i].len, ci,
					    err))))
			return rc;
	}
	if ((rc = tc_acct_trie_set(trie, a->ag->cfg->host.ip, 32, ACCT_CI_LOCAL, err)) ||
	    (rc = tc_acct_trie_set(trie, loopback_net, 8, ACCT_CI_LOCAL, err)))
		return rc;
	return acct_store_class_names(a->store, a->names, err);
}

/* Prefixes of old that next no longer has. */
static void trie_drop_stale(struct iso_acct *a, const struct iso_netclasses *old,
			    const struct iso_netclasses *next)
{
	for (size_t i = 0; i < old->n; i++)
		if (!iso_netclasses_has(next, &old->prefixes[i]) && !is_local_prefix(a, &old->prefixes[i]))
			tc_acct_trie_del(a->ag->dp.acct_trie, old->prefixes[i].net,
					 old->prefixes[i].len, NULL);
}

/* ---- set-up ---- */

static void read_boot_id(char out[ACCT_BOOT_ID_LEN])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	snprintf(out, ACCT_BOOT_ID_LEN, "unknown");
	if (f && fgets(out, ACCT_BOOT_ID_LEN, f))
		out[strcspn(out, "\n")] = '\0';
	if (f)
		fclose(f);
}

static int copy_classes(const struct iso_netclasses *from, struct iso_netclasses *to,
			struct nis_err *err)
{
	to->prefixes = calloc(from->n ? from->n : 1, sizeof(*to->prefixes));
	if (!to->prefixes)
		return nis_err_set(err, -ENOMEM, "out of memory");
	if (from->n)
		memcpy(to->prefixes, from->prefixes, from->n * sizeof(*to->prefixes));
	to->n = from->n;
	return 0;
}

static int kernel_check(struct iso_agent *ag, struct nis_err *err)
{
	struct nis_err why = { "" };

	if (tc_acct_supported(&why))
		return 1;
	if (ag->cfg->flags.network_classes)
		return nis_err_set(err, -EOPNOTSUPP, "--network_classes needs eBPF counting, "
				   "which this kernel refuses: %s", why.msg);
	log_msg(LOG_WARN, "traffic accounting is off: this kernel cannot run its eBPF "
		"counters (%s)", why.msg);
	return 0;
}

static int make_trie(struct iso_acct *a, struct nis_err *err)
{
	int fd = tc_acct_trie_create(err);

	if (fd < 0)
		return fd;
	a->ag->dp.acct_trie = fd;
	return 0;
}

int iso_acct_new(struct iso_agent *ag, struct iso_acct **out, struct nis_err *err)
{
	struct iso_acct *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return nis_err_set(err, -ENOMEM, "out of memory");
	a->ag = ag;
	ag->dp.acct_trie = -1;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	read_boot_id(a->boot_id);
	if ((rc = kernel_check(ag, err)) < 0)
		goto fail;
	if (rc > 0 && ((rc = acct_store_open(ag->cfg->flags.work_dir, &a->store, err)) ||
		       (rc = make_trie(a, err)) ||
		       (rc = copy_classes(&ag->cfg->classes, &a->classes, err)) ||
		       (rc = trie_fill(a, &a->classes, err))))
		goto fail;
	*out = a;
	return 0;
fail:
	iso_acct_free(a);
	return rc;
}

void iso_acct_free(struct iso_acct *a)
{
	if (!a)
		return;
	iso_acct_stop(a);
	if (a->ag->dp.acct_trie >= 0)
		close(a->ag->dp.acct_trie);
	a->ag->dp.acct_trie = -1;
	acct_store_close(a->store);
	iso_netclasses_free(&a->classes);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

bool iso_acct_enabled(const struct iso_acct *a)
{
	return a && a->store;
}

const char *iso_acct_class_name(const struct iso_acct *a, unsigned int ci)
{
	return ci < ACCT_CLASSES ? a->names[ci] : "";
}

/* ---- one container ---- */

static bool same_source(const struct iso_acct *a, const struct iso_dp_ct *dp,
			const struct acct_source *s)
{
	return !strcmp(s->boot_id, a->boot_id) && s->ifindex == dp->acct_ifindex &&
	       s->map_id == dp->acct_map_id;
}

int iso_acct_track(struct iso_acct *a, struct iso_container *c, bool resumed,
		   struct nis_err *err)
{
	struct iso_acct_ct *t = &c->acct;
	struct acct_source src;
	bool found = false;
	int rc;

	memset(t, 0, sizeof(*t));
	if (!iso_acct_enabled(a) || c->dp.acct_fd < 0)
		return 0;
	if ((rc = acct_store_container(a->store, c->id, &t->ck, err)) ||
	    (rc = acct_store_totals(a->store, t->ck, t->total, err)) ||
	    (resumed && (rc = acct_store_last(a->store, t->ck, t->last, &src, &found, err))))
		return rc;
	if (found && !same_source(a, &c->dp, &src)) {
		log_msg(LOG_WARN, "container %s: its counters were reset (boot, veth or map "
			"changed since the last pass): counting from zero", c->id);
		found = false;
	}
	if (!found)
		memset(t->last, 0, sizeof(t->last));
	t->reset = !found;
	return 0;
}

/* The counters of c's map now: the one the agent holds, which still reads
 * after its veth is gone. */
static int read_raw(struct iso_container *c, struct acct_counts raw[ACCT_CLASSES],
		    struct nis_err *err)
{
	struct tc_acct_count k[2][TC_ACCT_CLASSES];
	int rc;

	if ((rc = tc_acct_counters_read(c->dp.acct_fd, k, err)))
		return rc;
	for (int ci = 0; ci < ACCT_CLASSES; ci++)
		raw[ci] = (struct acct_counts){ k[TC_ACCT_RX][ci].bytes, k[TC_ACCT_TX][ci].bytes,
						k[TC_ACCT_RX][ci].packets,
						k[TC_ACCT_TX][ci].packets };
	return 0;
}

/* A veth re-created under c (by hand, or by anything but the agent) gets
 * counting of its own, from zero; returns 1 when that happened. */
static int follow_veth(struct iso_acct *a, struct iso_container *c, struct nis_err *err)
{
	int ifindex = (int)if_nametoindex(c->dp.veth), rc;

	if (!ifindex || ifindex == c->dp.acct_ifindex)
		return 0;
	log_msg(LOG_WARN, "container %s: veth %s was re-created (ifindex %d, was %d): "
		"counting from zero on it", c->id, c->dp.veth, ifindex, c->dp.acct_ifindex);
	if ((rc = iso_acct_dp_attach(&a->ag->dp, &c->dp, ifindex, err)))
		return rc;
	c->acct.reset = true;
	return 1;
}

/* One direction: a counter that went backwards restarted from zero. */
static void delta1(uint64_t last_b, uint64_t last_p, uint64_t raw_b, uint64_t raw_p,
		   uint64_t *d_b, uint64_t *d_p)
{
	bool reset = raw_b < last_b || raw_p < last_p;

	*d_b = reset ? raw_b : raw_b - last_b;
	*d_p = reset ? raw_p : raw_p - last_p;
}

static bool counts_eq(const struct acct_counts *x, const struct acct_counts *y)
{
	return !memcmp(x, y, sizeof(*x));
}

/* ---- passes ---- */

struct pass {
	struct acct_row *rows;
	struct iso_container **row_of;
	size_t n, cap;
	int64_t *cks;
	struct acct_source *srcs;
	struct iso_container **src_of;
	size_t nsrc;
};

static int pass_init(struct pass *p, size_t ncontainers, struct nis_err *err)
{
	memset(p, 0, sizeof(*p));
	p->cks = calloc(ncontainers + 1, sizeof(*p->cks));
	p->srcs = calloc(ncontainers + 1, sizeof(*p->srcs));
	p->src_of = calloc(ncontainers + 1, sizeof(*p->src_of));
	if (!p->cks || !p->srcs || !p->src_of)
		return nis_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

static void pass_free(struct pass *p)
{
	free(p->rows);
	free(p->row_of);
	free(p->cks);
	free(p->srcs);
	free(p->src_of);
}

static int push_row(struct pass *p, struct iso_container *c, const struct acct_row *r)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		struct acct_row *rows = realloc(p->rows, cap * sizeof(*rows));
		struct iso_container **of;

		if (!rows)
			return -ENOMEM;
		p->rows = rows;
		if (!(of = realloc(p->row_of, cap * sizeof(*of))))
			return -ENOMEM;
		p->row_of = of;
		p->cap = cap;
	}
	p->row_of[p->n] = c;
	p->rows[p->n++] = *r;
	return 0;
}

/* c's rows (classes whose counters moved) and source into p. When its
 * veth was re-created, the old map's last counts are still counted and
 * the rows record zero as counted so far: the new map starts there. */
static int add_container(struct iso_acct *a, struct pass *p, struct iso_container *c,
			 struct nis_err *err)
{
	struct acct_counts raw[ACCT_CLASSES];
	int rc, moved;

	if ((rc = read_raw(c, raw, err)) || (moved = follow_veth(a, c, err)) < 0)
		return rc ? rc : moved;
	for (unsigned int ci = 0; ci < ACCT_CLASSES; ci++) {
		const struct acct_counts *l = &c->acct.last[ci];
		struct acct_row r = { c->acct.ck, ci, { 0, 0, 0, 0 }, raw[ci] };

		if (counts_eq(l, &raw[ci]))
			continue;
		delta1(l->rx_bytes, l->rx_packets, raw[ci].rx_bytes, raw[ci].rx_packets,
		       &r.delta.rx_bytes, &r.delta.rx_packets);
		delta1(l->tx_bytes, l->tx_packets, raw[ci].tx_bytes, raw[ci].tx_packets,
		       &r.delta.tx_bytes, &r.delta.tx_packets);
		if (moved)
			memset(&r.raw, 0, sizeof(r.raw));
		if (push_row(p, c, &r))
			return nis_err_set(err, -ENOMEM, "out of memory");
	}
	if (moved)
		memset(c->acct.last, 0, sizeof(c->acct.last));
	p->cks[p->nsrc] = c->acct.ck;
	p->srcs[p->nsrc] = (struct acct_source){ "", c->dp.acct_ifindex, c->dp.acct_map_id,
						 c->acct.reset };
	memcpy(p->srcs[p->nsrc].boot_id, a->boot_id, sizeof(a->boot_id));
	p->src_of[p->nsrc++] = c;
	return 0;
}

/* After the commit: what was written is now counted. */
static void pass_apply(struct pass *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct iso_acct_ct *t = &p->row_of[i]->acct;
		const struct acct_row *r = &p->rows[i];

		t->last[r->ci] = r->raw;
		t->total[r->ci].rx_bytes += r->delta.rx_bytes;
		t->total[r->ci].tx_bytes += r->delta.tx_bytes;
		t->total[r->ci].rx_packets += r->delta.rx_packets;
		t->total[r->ci].tx_packets += r->delta.tx_packets;
	}
	for (size_t i = 0; i < p->nsrc; i++)
		p->src_of[i]->acct.reset = false;
}

static int pass_run(struct iso_acct *a, struct iso_container **cs, size_t n, time_t now,
		    struct nis_err *err)
{
	struct nis_err e1 = { "" };
	struct pass p;
	int rc;

	if ((rc = pass_init(&p, n, err)))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (cs[i]->acct.ck && add_container(a, &p, cs[i], &e1))
			log_msg(LOG_WARN, "accounting: %s", e1.msg);
	if (!(rc = acct_store_pass(a->store, now, p.rows, p.n, p.cks, p.srcs, p.nsrc, err)))
		pass_apply(&p);
out:
	pass_free(&p);
	return rc;
}

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int iso_acct_collect(struct iso_acct *a, time_t now, struct nis_err *err)
{
	struct iso_container **cs;
	double t0 = mono_s();
	size_t n = 0;
	int rc;

	if (!iso_acct_enabled(a))
		return 0;
	if (!(cs = calloc(a->ag->count + 1, sizeof(*cs))))
		return nis_err_set(err, -ENOMEM, "out of memory");
	for (struct iso_container *c = a->ag->list; c; c = c->next)
		cs[n++] = c;
	rc = pass_run(a, cs, n, now, err);
	free(cs);
	if (!rc && acct_store_prune(a->store, now, &a->ag->cfg->flags, PRUNE_ROWS, err) < 0)
		rc = -EIO;
	if (!rc) {
		a->last_pass_s = mono_s() - t0;
		a->passes++;
		log_msg(LOG_DEBUG, "accounting pass: %zu containers in %.1f ms", n,
			a->last_pass_s * 1e3);
	}
	return rc;
}

void iso_acct_pass_stats(const struct iso_acct *a, double *last_s, uint64_t *passes)
{
	*last_s = iso_acct_enabled(a) ? a->last_pass_s : 0;
	*passes = iso_acct_enabled(a) ? a->passes : 0;
}

int iso_acct_final(struct iso_acct *a, struct iso_container *c, struct nis_err *err)
{

	if (!iso_acct_enabled(a) || !c->acct.ck)
		return 0;
	return pass_run(a, &c, 1, time(NULL), err);
}

void iso_acct_forget(struct iso_acct *a, const struct iso_container *c)
{
	struct nis_err err = { "" };

	if (iso_acct_enabled(a) && c->acct.ck && acct_store_forget(a->store, c->acct.ck, &err))
		log_msg(LOG_WARN, "container %s: %s", c->id, err.msg);
}

void iso_acct_final_orphan(struct iso_acct *a, struct iso_container *c)
{
	struct nis_err err = { "" };
	int ifindex = (int)if_nametoindex(c->dp.veth), fd;

	if (!iso_acct_enabled(a) || !ifindex)
		return;
	fd = tc_acct_find_counters(a->ag->dp.sk, ifindex, TC_CLSACT_INGRESS, DP_PRIO_ACCT,
				   &c->dp.acct_map_id, &err);
	if (fd < 0)
		return;
	iso_acct_dp_release(&c->dp);
	c->dp.acct_fd = fd;
	c->dp.acct_ifindex = ifindex;
	if (iso_acct_track(a, c, true, &err) || iso_acct_final(a, c, &err))
		log_msg(LOG_WARN, "container %s: its last traffic could not be counted: %s",
			c->id, err.msg);
}

int iso_acct_reload(struct iso_acct *a, struct nis_err *err)
{
	const char *path = a->ag->cfg->flags.network_classes;
	struct iso_netclasses next;
	int rc;

	if (!iso_acct_enabled(a))
		return nis_err_set(err, -EOPNOTSUPP, "traffic accounting is off");
	if (!path)
		return nis_err_set(err, -EINVAL, "no --network_classes file to reload");
	if ((rc = iso_netclasses_load(path, &next, err)))
		return rc;
	if ((rc = iso_acct_collect(a, time(NULL), err)) || (rc = trie_fill(a, &next, err))) {
		iso_netclasses_free(&next);
		return rc;
	}
	trie_drop_stale(a, &a->classes, &next);
	iso_netclasses_free(&a->classes);
	a->classes = next;
	log_msg(LOG_INFO, "network classes reloaded from %s: %zu prefixes", path, next.n);
	return 0;
}

/* ---- the thread ---- */

/* The next multiple of the interval on the wall clock, after now. */
static struct timespec next_boundary(uint64_t interval_ns)
{
	struct timespec now;
	uint64_t t, next;

	clock_gettime(CLOCK_REALTIME, &now);
	t = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	next = (t / interval_ns + 1) * interval_ns;
	return (struct timespec){ (time_t)(next / 1000000000ull), (long)(next % 1000000000ull) };
}

/* at: the interval boundary the pass is for, so a pass that waited for
 * the lock still books into the period that just ended. */
static void collect_locked(struct iso_acct *a, time_t at)
{
	struct nis_err err = { "" };

	pthread_mutex_lock(&a->ag->lock);
	if (iso_acct_collect(a, at, &err))
		log_msg(LOG_ERROR, "accounting pass failed (the deltas stay in the kernel "
			"counters for the next pass): %s", err.msg);
	pthread_mutex_unlock(&a->ag->lock);
}

static void *run(void *arg)
{
	struct iso_acct *a = arg;

	pthread_mutex_lock(&a->mu);
	while (!a->stopping) {
		struct timespec at = next_boundary(a->ag->cfg->flags.accounting_interval_ns);
		int rc = 0;

		while (!a->stopping && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&a->cv, &a->mu, &at);
		if (a->stopping)
			break;
		pthread_mutex_unlock(&a->mu);
		collect_locked(a, at.tv_sec + (at.tv_nsec > 0));
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

int iso_acct_start(struct iso_acct *a, struct nis_err *err)
{
	int rc;

	if (!iso_acct_enabled(a))
		return 0;
	if ((rc = pthread_create(&a->thread, NULL, run, a)))
		return nis_err_set(err, -rc, "cannot start the accounting thread: %s",
				   strerror(rc));
	a->running = true;
	return 0;
}

void iso_acct_stop(struct iso_acct *a)
{
	if (!a->running)
		return;
	pthread_mutex_lock(&a->mu);
	a->stopping = true;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	a->running = false;
	collect_locked(a, time(NULL));
}
