/* watch.c - every ISO_WATCH_S seconds each container's own side of its
 * shaping is checked and put back if it was changed: a tenant's root may
 * delete or replace the HTB on its eth0 (the host-side meter, tc/police.h,
 * holds it to its cap meanwhile, but TCP loses its pacing and a later
 * PATCH would find no class to change). Each container's tampering is
 * logged once. The same dumps sample the limit classes' counters: the
 * rates statistics.json and /metrics show (no kernel rate estimator: the
 * classes are made without one). First, containers in a runtime's
 * namespace that the runtime removed are destroyed (our fds keep such a
 * namespace, and the veth in it, alive until we let go). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/thread.h"
#include "isolator/agent.h"
#include "isolator/watch.h"
#include "tc/stats.h"

#define ISO_WATCH_S 2

struct iso_watch {
	struct iso_agent *a;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

/* A runtime may set ip_local_port_range after its ADD (Kubernetes' safe
 * sysctls), a tenant's root at any time: its block is the range it may
 * use, so it is put back. Returns 1 when it was. */
static int range_check(const struct iso_container *c)
{
	char buf[64];
	unsigned lo = 0, hi = 0;
	ssize_t n;

	if (c->dp.range_fd < 0 || (n = pread(c->dp.range_fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%u %u", &lo, &hi) == 2 && lo == c->dp.ephemeral.begin &&
	    hi == c->dp.ephemeral.end)
		return 0;
	n = snprintf(buf, sizeof(buf), "%u %u\n", c->dp.ephemeral.begin, c->dp.ephemeral.end);
	if (pwrite(c->dp.range_fd, buf, (size_t)n, 0) != n) {
		log_msg(LOG_WARN, "container %s: cannot put its ip_local_port_range back: %s",
			c->id, strerror(errno));
		return -errno;
	}
	log_msg(LOG_WARN, "container %s: its ip_local_port_range was changed to %u-%u in its "
		"namespace: put back to its block %u-%u", c->id, lo, hi, c->dp.ephemeral.begin,
		c->dp.ephemeral.end);
	return 1;
}

static void check_all(struct iso_agent *a)
{
	double now = nis_mono_s();

	iso_agent_sweep_gone(a);
	pthread_mutex_lock(&a->lock);
	for (struct iso_container *c = a->list; c; c = c->next) {
		int rc = iso_dp_shaping_check(&a->dp, &c->dp, &a->cfg->flags, now);

		if (rc == 1 && !c->dp.tampered)
			log_msg(LOG_WARN, "container %s: its egress HTB was changed from inside "
				"its namespace: put back (the host-side meter held it to its "
				"cap meanwhile; logged once)", c->id);
		if (rc == 1)
			c->dp.tampered = true;
		range_check(c);
	}
	pthread_mutex_unlock(&a->lock);
}

static void on_link(const struct tc_link_stats *l, void *arg)
{
	struct iso_dp_ct *ct = arg;
	const uint64_t c[ISO_RATE_KINDS] = {
		l->rx_bytes, l->rx_packets, l->rx_dropped, l->rx_errors,
		l->tx_bytes, l->tx_packets, l->tx_dropped, l->tx_errors,
	};

	if (l->ifindex == ct->ct_eth0)
		iso_rates_sample(&ct->rates, ct->rates_now, c);
}

/* --network_enable_rate_statistics: each container's eth0 counters, read
 * as statistics.json reads them (the fast path's packets are counted
 * there), one link dump in its namespace. */
static void sample_rates(struct iso_agent *a, double now)
{
	const struct iso_flags *f = &a->cfg->flags;
	size_t cap = (size_t)(f->network_rate_statistics_window.v /
			      f->network_rate_statistics_interval.v);

	pthread_mutex_lock(&a->lock);
	for (struct iso_container *c = a->list; c; c = c->next) {
		if (!c->dp.nsk || (!c->dp.rates.cap && iso_rates_init(&c->dp.rates, cap)))
			continue;
		c->dp.rates_now = now;
		tc_link_stats_dump(c->dp.nsk, on_link, &c->dp, NULL);
	}
	pthread_mutex_unlock(&a->lock);
}

/* One thread samples: the rates every --network_rate_statistics_interval
 * when they are on, the shaping check (and its classes' rates) every
 * ISO_WATCH_S. */
static void *run(void *arg)
{
	struct iso_watch *w = arg;
	const struct iso_flags *f = &w->a->cfg->flags;
	uint64_t tick = f->network_enable_rate_statistics
			? f->network_rate_statistics_interval.v : ISO_WATCH_S * 1000000000ull;
	double last = nis_mono_s(), now;
	struct timespec t;

	if (tick > ISO_WATCH_S * 1000000000ull)
		tick = ISO_WATCH_S * 1000000000ull;
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_sec += (time_t)(tick / 1000000000ull);
		t.tv_nsec += (long)(tick % 1000000000ull);
		if (t.tv_nsec >= 1000000000L)
			t.tv_sec++, t.tv_nsec -= 1000000000L;
		if (pthread_cond_timedwait(&w->cv, &w->mu, &t) != ETIMEDOUT || w->stop)
			continue;
		pthread_mutex_unlock(&w->mu);
		now = nis_mono_s();
		if (f->network_enable_rate_statistics)
			sample_rates(w->a, now);
		if (now - last >= ISO_WATCH_S - 0.001) {
			last = now;
			check_all(w->a);
		}
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int iso_watch_start(struct iso_agent *a, struct iso_watch **out, struct nis_err *err)
{
	struct iso_watch *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return nis_err_set(err, -ENOMEM, "out of memory");
	w->a = a;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((rc = pthread_create(&w->thread, NULL, run, w))) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return nis_err_set(err, -rc, "cannot start the shaping watch thread");
	}
	*out = w;
	return 0;
}

void iso_watch_stop(struct iso_watch *w)
{
	if (!w)
		return;
	nis_thread_stop(w->thread, &w->mu, &w->cv, &w->stop);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
