/* meter.c - a container's meter: its counting filters (cls_bpf on its host
 * veth's clsact ingress, what it sends, and egress, what it receives,
 * ahead of every other filter, over its own counters map and the agent's
 * class trie), attached, re-found after a restart or followed onto a
 * re-created veth; and its place in the passes, from track to forget. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct/meter.h"
#include "acct/state.h"
#include "common/log.h"
#include "tc/bpf.h"
#include "tc/qdisc.h"

static const uint32_t hook[2] = { TC_CLSACT_EGRESS, TC_CLSACT_INGRESS };	/* RX, TX */

/* ---- the filters (the lock held: they use a->sk) ---- */

/* Both programs over counters, attached (replace: in place of old ones);
 * with guarded, the TX one behind the guard. */
static int attach_progs(struct acct_meter *m, int ifindex, int counters, bool guarded,
			struct nis_err *err)
{
	struct acct *a = m->a;

	for (int dir = TC_ACCT_RX; dir <= TC_ACCT_TX; dir++) {
		int prog = tc_acct_prog_load(a->trie, counters, (enum tc_acct_dir)dir,
					     dir == TC_ACCT_TX && guarded ? m->guard : NULL,
					     m->owner, err);
		int rc;

		if (prog < 0)
			return prog;
		rc = tc_acct_attach(a->sk, ifindex, hook[dir], m->prio, prog, true, err);
		close(prog);
		if (rc)
			return rc;
	}
	return 0;
}

static void set_counters(struct acct_meter *m, int fd, uint32_t map_id, int ifindex)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = fd;
	m->map_id = map_id;
	m->ifindex = ifindex;
}

/* New counters on ifindex, from zero. */
static int attach_as(struct acct_meter *m, int ifindex, bool guarded, struct nis_err *err)
{
	struct acct *a = m->a;
	uint32_t id;
	int fd, rc;

	if ((rc = tc_qdisc_clsact_add(a->sk, ifindex, true, err)))
		return rc;
	if ((fd = tc_acct_counters_create(err)) < 0)
		return fd;
	if ((rc = tc_acct_map_id(fd, &id, err)) ||
	    (rc = attach_progs(m, ifindex, fd, guarded, err))) {
		close(fd);
		return rc;
	}
	set_counters(m, fd, id, ifindex);
	return 0;
}

/* A chained container's host veth (its clsact there already): counters
 * and programs made ahead (spare.h), or made now when none is ready. */
static int attach_chained(struct acct_meter *m, int ifindex, struct nis_err *err)
{
	struct acct_spare s;
	int rc = 0;

	if (!acct_spares_take(&m->a->spares, &s) &&
	    (rc = acct_spare_make(m->a->trie, &s, err)))
		return rc;
	for (int dir = TC_ACCT_RX; dir <= TC_ACCT_TX && !rc; dir++)
		rc = tc_acct_attach(m->a->sk, ifindex, hook[dir], m->prio, s.prog[dir], true, err);
	close(s.prog[0]);
	close(s.prog[1]);
	if (rc) {
		close(s.counters);
		return rc;
	}
	set_counters(m, s.counters, s.map_id, ifindex);
	return 0;
}

/* A container's own veth: the guard first. */
static int attach(struct acct_meter *m, int ifindex, struct nis_err *err)
{
	return attach_as(m, ifindex, true, err);
}

/* The counters the filters on ifindex hold, their programs reloaded. */
static int resume(struct acct_meter *m, int ifindex, struct nis_err *err)
{
	struct acct *a = m->a;
	uint32_t id;
	int fd, rc;

	fd = tc_acct_find_counters(a->sk, ifindex, TC_CLSACT_INGRESS, m->prio, &id, err);
	if (fd == -ENOENT) {
		log_msg(LOG_WARN, "no counting filter on %s; counting from zero", m->veth);
		return attach(m, ifindex, err);
	}
	if (fd < 0)
		return fd;
	if ((rc = attach_progs(m, ifindex, fd, true, err))) {
		close(fd);
		return rc;
	}
	set_counters(m, fd, id, ifindex);
	return 0;
}

int acct_meter_follow(struct acct_meter *m, struct nis_err *err)
{
	int ifindex = (int)if_nametoindex(m->veth), rc;

	if (!ifindex || ifindex == m->ifindex)
		return 0;
	log_msg(LOG_WARN, "container %s: veth %s was re-created (ifindex %d, was %d): "
		"counting from zero on it", m->id, m->veth, ifindex, m->ifindex);
	/* Not the agent's datapath any more (whoever made it is root on the
	 * host): counted, not guarded. */
	if ((rc = attach_as(m, ifindex, false, err)))
		return rc;
	m->reset = true;
	return 1;
}

int acct_meter_verify(struct acct_meter *m, char *why, size_t len)
{
	static const char *const side[2] = { "egress (what it receives)",
					     "ingress (what it sends)" };
	int rc = 0, fd;
	uint32_t id;

	if (!m)
		return 0;
	pthread_mutex_lock(&m->a->lock);
	for (int dir = TC_ACCT_RX; dir <= TC_ACCT_TX && !rc; dir++) {
		fd = tc_acct_find_counters(m->a->sk, m->ifindex, hook[dir], m->prio, &id, NULL);
		if (fd >= 0)
			close(fd);
		if (fd == -ENOENT)
			rc = snprintf(why, len, "no counting filter (prio %u) on %s's %s", m->prio,
				      m->veth, side[dir]) > 0;
		else if (fd < 0)
			rc = snprintf(why, len, "cannot read %s's filters: %s", m->veth,
				      strerror(-fd)) > 0;
		else if (id != m->map_id)
			rc = snprintf(why, len, "%s's %s counts into map %u, not its own (%u)",
				      m->veth, side[dir], id, m->map_id) > 0;
	}
	pthread_mutex_unlock(&m->a->lock);
	return rc;
}

/* ---- the meter ---- */

static struct acct_meter *meter_new(struct acct *a, const char *veth,
				    const struct tc_guard *guard, uint32_t owner)
{
	struct acct_meter *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->a = a;
	m->guard = guard;
	m->owner = owner;
	m->prio = ACCT_PRIO;
	m->fd = -1;
	snprintf(m->veth, sizeof(m->veth), "%s", veth);
	return m;
}

typedef int (*meter_fn)(struct acct_meter *m, int ifindex, struct nis_err *err);

static int meter_open_at(struct acct *a, const char *veth, int ifindex, meter_fn fn,
			 const struct tc_guard *guard, uint32_t owner, uint16_t prio,
			 struct acct_meter **out, struct nis_err *err)
{
	struct acct_meter *m;
	int rc;

	*out = NULL;
	if (!acct_enabled(a))
		return 0;
	if (!(m = meter_new(a, veth, guard, owner)))
		return nis_err_set(err, -ENOMEM, "out of memory");
	m->prio = prio;
	pthread_mutex_lock(&a->lock);
	rc = fn(m, ifindex, err);
	pthread_mutex_unlock(&a->lock);
	if (rc) {
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

static int meter_open(struct acct *a, const char *veth, int ifindex, meter_fn fn,
		      const struct tc_guard *guard, uint32_t owner, struct acct_meter **out,
		      struct nis_err *err)
{
	return meter_open_at(a, veth, ifindex, fn, guard, owner, ACCT_PRIO, out, err);
}

int acct_meter_attach_chained(struct acct *a, const char *veth, int ifindex,
			      struct acct_meter **out, struct nis_err *err)
{
	return meter_open_at(a, veth, ifindex, attach_chained, NULL, 0, ACCT_PRIO_CHAINED, out,
			     err);
}

int acct_meter_resume_chained(struct acct *a, const char *veth, int ifindex,
			      struct acct_meter **out, struct nis_err *err)
{
	return meter_open_at(a, veth, ifindex, resume, NULL, 0, ACCT_PRIO_CHAINED, out, err);
}

int acct_meter_attach(struct acct *a, const char *veth, int ifindex,
		      const struct tc_guard *guard, uint32_t owner, struct acct_meter **out,
		      struct nis_err *err)
{
	return meter_open(a, veth, ifindex, attach, guard, owner, out, err);
}

int acct_meter_resume(struct acct *a, const char *veth, int ifindex,
		      const struct tc_guard *guard, uint32_t owner, struct acct_meter **out,
		      struct nis_err *err)
{
	return meter_open(a, veth, ifindex, resume, guard, owner, out, err);
}

int acct_meter_fd(struct acct_meter *m)
{
	int fd;

	if (!m)
		return -1;
	pthread_mutex_lock(&m->a->lock);
	fd = m->fd;
	pthread_mutex_unlock(&m->a->lock);
	return fd;
}

/* Out of the passes (the lock held). */
static void unlist(struct acct_meter *m)
{
	struct acct *a = m->a;

	if (!m->listed)
		return;
	if (m->prev)
		m->prev->next = m->next;
	else
		a->meters = m->next;
	if (m->next)
		m->next->prev = m->prev;
	m->prev = m->next = NULL;
	m->listed = false;
	a->nmeters--;
}

static void meter_close(struct acct_meter *m)
{
	unlist(m);
	if (m->fd >= 0)
		close(m->fd);
	free(m->frozen);
	free(m);
}

void acct_meter_free(struct acct_meter *m)
{
	struct acct *a;

	if (!m)
		return;
	a = m->a;
	pthread_mutex_lock(&a->lock);
	if (!m->held)		/* a held one is acct's own now */
		meter_close(m);
	pthread_mutex_unlock(&a->lock);
}

void acct_meters_release_held(struct acct *a, bool all)
{
	struct nis_err err = { "" };

	for (struct acct_meter *m = a->meters, *next; m; m = next) {
		next = m->next;
		if (!m->held || (m->unsaved && !all))
			continue;
		if (m->unsaved && !acct_held_save(a, m, &err))
			log_msg(LOG_WARN, "container %s: its last traffic is kept in %s/held "
				"for the next start (the agent stops)", m->id, a->cfg->runtime_dir);
		else if (m->unsaved)
			log_msg(LOG_ERROR, "container %s: its last traffic was never written "
				"(the agent stops): %s", m->id, err.msg);
		else if (acct_store_forget(a->store, m->ck, &err))
			log_msg(LOG_WARN, "container %s: %s", m->id, err.msg);
		else
			log_msg(LOG_INFO, "container %s: its last traffic is written", m->id);
		if (!m->unsaved)
			acct_held_remove(a, m);
		meter_close(m);
	}
}

/* ---- its place in the passes ---- */

static bool same_source(const struct acct_meter *m, const struct acct_source *s)
{
	return !strcmp(s->boot_id, m->a->boot_id) && s->ifindex == m->ifindex &&
	       s->map_id == m->map_id;
}

static int track_locked(struct acct_meter *m, bool resumed, struct nis_err *err)
{
	struct acct_store *st = m->a->store;
	struct acct_source src;
	bool found = false;
	int rc;

	if ((rc = acct_store_container(st, m->id, &m->ck, err)) ||
	    (rc = acct_store_totals(st, m->ck, m->total, err)) ||
	    (resumed && (rc = acct_store_last(st, m->ck, m->last, &src, &found, err)))) {
		m->ck = 0;
		return rc;
	}
	if (found && !same_source(m, &src)) {
		log_msg(LOG_WARN, "container %s: its counters were reset (boot, veth or map "
			"changed since the last pass): counting from zero", m->id);
		found = false;
	}
	if (!found)
		memset(m->last, 0, sizeof(m->last));
	m->reset = !found;
	return 0;
}

int acct_track(struct acct_meter *m, const char *id, bool resumed, struct nis_err *err)
{
	struct acct *a;
	int rc;

	if (!m)
		return 0;
	a = m->a;
	if (strlen(id) > ACCT_ID_MAX)
		return nis_err_set(err, -EINVAL, "container id '%s' is too long", id);
	pthread_mutex_lock(&a->lock);
	unlist(m);
	memset(m->last, 0, sizeof(m->last));
	memset(m->total, 0, sizeof(m->total));
	snprintf(m->id, sizeof(m->id), "%s", id);
	if (!(rc = track_locked(m, resumed, err))) {
		m->next = a->meters;
		if (a->meters)
			a->meters->prev = m;
		a->meters = m;
		m->listed = true;
		a->nmeters++;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int acct_final(struct acct_meter *m, struct nis_err *err)
{
	int rc = 0;

	if (!m || !m->ck)
		return 0;
	pthread_mutex_lock(&m->a->lock);
	rc = acct_pass_run(m->a, &m, 1, time(NULL), err);
	m->unsaved = rc != 0;
	pthread_mutex_unlock(&m->a->lock);
	return rc;
}

void acct_forget(struct acct_meter *m)
{
	struct nis_err err = { "" };

	if (!m || !m->ck)
		return;
	pthread_mutex_lock(&m->a->lock);
	if (m->unsaved && m->listed) {
		/* Its map outlives the veth while this handle is open: passes
		 * keep trying, and the meter goes once one is written. */
		m->held = true;
		log_msg(LOG_WARN, "container %s: its last traffic is held until it can be "
			"written", m->id);
	} else {
		unlist(m);
		if (acct_store_forget(m->a->store, m->ck, &err))
			log_msg(LOG_WARN, "container %s: %s", m->id, err.msg);
	}
	pthread_mutex_unlock(&m->a->lock);
}

struct acct_meter *acct_final_orphan(struct acct *a, const char *id, const char *veth)
{
	struct nis_err err = { "" };
	int ifindex = (int)if_nametoindex(veth), fd;
	struct acct_meter *m;
	uint32_t map_id;

	if (!acct_enabled(a) || !ifindex || !(m = meter_new(a, veth, NULL, 0)))
		return NULL;
	pthread_mutex_lock(&a->lock);
	fd = tc_acct_find_counters(a->sk, ifindex, TC_CLSACT_INGRESS, ACCT_PRIO, &map_id, &err);
	if (fd == -ENOENT)	/* a chained container's */
		fd = tc_acct_find_counters(a->sk, ifindex, TC_CLSACT_INGRESS, ACCT_PRIO_CHAINED,
					   &map_id, &err);
	pthread_mutex_unlock(&a->lock);
	if (fd < 0) {
		free(m);
		return NULL;
	}
	set_counters(m, fd, map_id, ifindex);
	if (acct_track(m, id, true, &err) || acct_final(m, &err))
		log_msg(LOG_WARN, "container %s: its last traffic could not be counted: %s",
			id, err.msg);
	return m;
}

int acct_meter_totals(struct acct_meter *m, struct acct_total **out, size_t *n)
{
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!m)
		return 0;
	pthread_mutex_lock(&m->a->lock);
	for (int ci = 0; ci < ACCT_CLASSES; ci++)
		k += m->total[ci].rx_packets || m->total[ci].tx_packets;
	if (k && !(*out = calloc(k, sizeof(**out)))) {
		pthread_mutex_unlock(&m->a->lock);
		return -ENOMEM;
	}
	for (unsigned int ci = 0; ci < ACCT_CLASSES && k; ci++) {
		if (!m->total[ci].rx_packets && !m->total[ci].tx_packets)
			continue;
		snprintf((*out)[*n].cls, sizeof((*out)[*n].cls), "%s", m->a->names[ci]);
		(*out)[(*n)++].c = m->total[ci];
	}
	pthread_mutex_unlock(&m->a->lock);
	return 0;
}
