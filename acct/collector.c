/* collector.c - accounting's set-up and clock: the kernel check, the class
 * trie and its reload, full passes over every tracked meter with pruning,
 * and the thread that runs them on interval boundaries. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct/collector.h"
#include "acct/state.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/thread.h"
#include "tc/bpf.h"
#include "tc/nl.h"

#define PRUNE_ROWS 20000	/* per table and pass: pruning stays incremental */

/* ---- the class trie ---- */

static const struct in_addr loopback_net = { 0x0000007f };	/* 127.0.0.0 */

static bool is_local_prefix(const struct acct *a, const struct acct_class_prefix *p)
{
	return (p->len == 32 && p->net.s_addr == a->cfg->host_ip.s_addr) ||
	       (p->len == 8 && p->net.s_addr == loopback_net.s_addr);
}

/* Every prefix of nc to its class index, then the host's own addresses to
 * local: those win over any class, so local traffic is never billed as
 * external. Entries are overwritten in place: no packet sees a gap. */
static int trie_fill(struct acct *a, const struct acct_classes *nc, struct nis_err *err)
{
	char name[16];
	uint32_t ci;
	int rc;

	for (size_t i = 0; i < nc->n; i++) {
		snprintf(name, sizeof(name), "%u", nc->prefixes[i].class_no);
		if ((rc = acct_store_class(a->store, name, &ci, err)) ||
		    (!is_local_prefix(a, &nc->prefixes[i]) &&
		     (rc = tc_acct_trie_set(a->trie, nc->prefixes[i].net, nc->prefixes[i].len,
					    ci, err))))
			return rc;
	}
	if ((rc = tc_acct_trie_set(a->trie, a->cfg->host_ip, 32, ACCT_CI_LOCAL, err)) ||
	    (rc = tc_acct_trie_set(a->trie, loopback_net, 8, ACCT_CI_LOCAL, err)))
		return rc;
	return acct_store_class_names(a->store, a->names, err);
}

/* Prefixes of old that next no longer has. */
static void trie_drop_stale(struct acct *a, const struct acct_classes *old,
			    const struct acct_classes *next)
{
	for (size_t i = 0; i < old->n; i++)
		if (!acct_classes_has(next, &old->prefixes[i]) && !is_local_prefix(a, &old->prefixes[i]))
			tc_acct_trie_del(a->trie, old->prefixes[i].net, old->prefixes[i].len, NULL);
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

static int copy_classes(const struct acct_classes *from, struct acct_classes *to,
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

static int kernel_check(const struct acct_config *cfg, struct nis_err *err)
{
	struct nis_err why = { "" };

	if (tc_acct_supported(&why))
		return 1;
	if (cfg->classes_path)
		return nis_err_set(err, -EOPNOTSUPP, "--network_classes needs eBPF counting, "
				   "which this kernel refuses: %s", why.msg);
	log_msg(LOG_WARN, "traffic accounting is off: this kernel cannot run its eBPF "
		"counters (%s)", why.msg);
	return 0;
}

static int make_trie(struct acct *a, struct nis_err *err)
{
	int fd = tc_acct_trie_create(err);

	if (fd < 0)
		return fd;
	a->trie = fd;
	return 0;
}

int acct_new(const struct acct_config *cfg, struct acct **out, struct nis_err *err)
{
	static const struct acct_classes none = { NULL, 0 };
	struct acct *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return nis_err_set(err, -ENOMEM, "out of memory");
	a->cfg = cfg;
	a->trie = -1;
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	read_boot_id(a->boot_id);
	if ((rc = kernel_check(cfg, err)) < 0)
		goto fail;
	if (rc > 0 && ((rc = tc_nl_open(&a->sk, err)) ||
		       (rc = acct_store_open(cfg->work_dir, &a->store, err)) ||
		       (rc = make_trie(a, err)) ||
		       (rc = copy_classes(cfg->classes ? cfg->classes : &none, &a->classes, err)) ||
		       (rc = trie_fill(a, &a->classes, err))))
		goto fail;
	if (acct_enabled(a))
		acct_held_load(a);
	*out = a;
	return 0;
fail:
	acct_free(a);
	return rc;
}

void acct_free(struct acct *a)
{
	if (!a)
		return;
	acct_stop(a);
	pthread_mutex_lock(&a->lock);
	acct_meters_release_held(a, true);
	pthread_mutex_unlock(&a->lock);
	if (a->trie >= 0)
		close(a->trie);
	acct_store_close(a->store);
	tc_nl_close(a->sk);
	acct_classes_free(&a->classes);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

bool acct_enabled(const struct acct *a)
{
	return a && a->store;
}

int acct_trie_fd(const struct acct *a)
{
	return acct_enabled(a) ? a->trie : -1;
}

/* ---- passes ---- */

static int collect_locked(struct acct *a, time_t now, struct nis_err *err)
{
	struct acct_meter **ms;
	double t0 = nis_mono_s();
	size_t n = 0;
	int rc;

	if (!(ms = calloc(a->nmeters + 1, sizeof(*ms))))
		return nis_err_set(err, -ENOMEM, "out of memory");
	for (struct acct_meter *m = a->meters; m; m = m->next)
		ms[n++] = m;
	rc = acct_pass_run(a, ms, n, now, err);
	free(ms);
	if (!rc)
		acct_meters_release_held(a, false);
	if (!rc && acct_store_prune(a->store, now, &a->cfg->keep, PRUNE_ROWS, err) < 0)
		rc = -EIO;
	if (!rc) {
		a->last_pass_s = nis_mono_s() - t0;
		a->passes++;
		log_msg(LOG_DEBUG, "accounting pass: %zu containers in %.1f ms", n,
			a->last_pass_s * 1e3);
	}
	return rc;
}

int acct_collect(struct acct *a, time_t now, struct nis_err *err)
{
	int rc;

	if (!acct_enabled(a))
		return 0;
	pthread_mutex_lock(&a->lock);
	rc = collect_locked(a, now, err);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void acct_pass_stats(struct acct *a, double *last_s, uint64_t *passes)
{
	*last_s = 0;
	*passes = 0;
	if (!acct_enabled(a))
		return;
	pthread_mutex_lock(&a->lock);
	*last_s = a->last_pass_s;
	*passes = a->passes;
	pthread_mutex_unlock(&a->lock);
}

static int reload_locked(struct acct *a, struct acct_classes *next, struct nis_err *err)
{
	int rc;

	if ((rc = collect_locked(a, time(NULL), err)) || (rc = trie_fill(a, next, err)))
		return rc;
	trie_drop_stale(a, &a->classes, next);
	acct_classes_free(&a->classes);
	a->classes = *next;
	return 0;
}

int acct_reload(struct acct *a, struct nis_err *err)
{
	const char *path = a->cfg->classes_path;
	struct acct_classes next;
	int rc;

	if (!acct_enabled(a))
		return nis_err_set(err, -EOPNOTSUPP, "traffic accounting is off");
	if (!path)
		return nis_err_set(err, -EINVAL, "no --network_classes file to reload");
	if ((rc = acct_classes_load(path, &next, err)))
		return rc;
	pthread_mutex_lock(&a->lock);
	rc = reload_locked(a, &next, err);
	pthread_mutex_unlock(&a->lock);
	if (rc) {
		acct_classes_free(&next);
		return rc;
	}
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
static void collect_logged(struct acct *a, time_t at)
{
	struct nis_err err = { "" };
	bool failed = acct_collect(a, at, &err) != 0, was;

	pthread_mutex_lock(&a->lock);
	was = a->failing;
	a->failing = failed;
	if (failed)
		snprintf(a->why, sizeof(a->why), "accounting passes are not written: %s", err.msg);
	pthread_mutex_unlock(&a->lock);
	if (failed && !was)
		log_msg(LOG_ERROR, "accounting pass failed (the deltas stay in the kernel "
			"counters for the next pass; logged once until one is written): %s",
			err.msg);
	else if (was && !failed)
		log_msg(LOG_INFO, "accounting passes are written again");
}

bool acct_health(struct acct *a, char *why, size_t len)
{
	bool ok = true;

	if (!acct_enabled(a))
		return true;
	pthread_mutex_lock(&a->lock);
	ok = !a->failing;
	if (!ok)
		snprintf(why, len, "%s", a->why);
	pthread_mutex_unlock(&a->lock);
	return ok;
}

static void *run(void *arg)
{
	struct acct *a = arg;

	pthread_mutex_lock(&a->mu);
	while (!a->stopping) {
		struct timespec at = next_boundary(a->cfg->interval_ns);
		int rc = 0;

		while (!a->stopping && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&a->cv, &a->mu, &at);
		if (a->stopping)
			break;
		pthread_mutex_unlock(&a->mu);
		collect_logged(a, at.tv_sec + (at.tv_nsec > 0));
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

int acct_start(struct acct *a, struct nis_err *err)
{
	int rc;

	if (!acct_enabled(a))
		return 0;
	if ((rc = pthread_create(&a->thread, NULL, run, a)))
		return nis_err_set(err, -rc, "cannot start the accounting thread: %s",
				   strerror(rc));
	a->running = true;
	if ((rc = acct_spares_start(&a->spares, a->trie, err))) {
		acct_stop(a);
		return rc;
	}
	return 0;
}

void acct_stop(struct acct *a)
{
	if (!a->running)
		return;
	acct_spares_stop(&a->spares);
	nis_thread_stop(a->thread, &a->mu, &a->cv, &a->stopping);
	a->running = false;
	collect_logged(a, time(NULL));
}
