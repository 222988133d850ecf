/* spare.c - the spares of spare.h and the thread that makes them. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acct/spare.h"
#include "common/log.h"
#include "common/thread.h"
#include "tc/bpf.h"

int acct_spare_make(int trie, struct acct_spare *out, struct nis_err *err)
{
	int rc;

	out->prog[0] = out->prog[1] = -1;
	if ((out->counters = tc_acct_counters_create(err)) < 0)
		return out->counters;
	if ((rc = tc_acct_map_id(out->counters, &out->map_id, err)))
		goto fail;
	for (int dir = TC_ACCT_RX; dir <= TC_ACCT_TX; dir++)
		if ((rc = out->prog[dir] = tc_acct_prog_load(trie, out->counters,
							     (enum tc_acct_dir)dir, NULL, 0,
							     err)) < 0)
			goto fail;
	return 0;
fail:
	acct_spare_close(out);
	return rc;
}

void acct_spare_close(struct acct_spare *s)
{
	for (int i = 0; i < 2; i++)
		if (s->prog[i] >= 0)
			close(s->prog[i]);
	if (s->counters >= 0)
		close(s->counters);
	s->counters = s->prog[0] = s->prog[1] = -1;
}

static struct timespec after(struct timespec t, long ns)
{
	t.tv_nsec += ns;
	t.tv_sec += t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

static bool before(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/* After a failure, the next try in a second (the caller holds sp->mu). */
static void pause_after(struct acct_spares *sp, const struct nis_err *err)
{
	struct timespec at;

	if (!sp->failed)
		log_msg(LOG_WARN, "cannot make counting programs ahead (chained creates make "
			"their own): %s", err->msg);
	sp->failed = true;
	clock_gettime(CLOCK_REALTIME, &at);
	at.tv_sec++;
	pthread_cond_timedwait(&sp->cv, &sp->mu, &at);
}

/* Whether a spare is to be made now: one is missing and no chained create
 * took one in the last ACCT_SPARE_QUIET_NS; if not, waits for a take or
 * until the quiet time is up. */
static bool due(struct acct_spares *sp)
{
	struct timespec now, at = after(sp->last_take, ACCT_SPARE_QUIET_NS);

	if (sp->n == ACCT_SPARES) {
		pthread_cond_wait(&sp->cv, &sp->mu);
		return false;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (!before(now, at))
		return true;
	pthread_cond_timedwait(&sp->cv, &sp->mu, &at);
	return false;
}

static void *run(void *arg)
{
	struct acct_spares *sp = arg;
	struct nis_err err = { "" };
	struct acct_spare s;
	int rc;

	pthread_mutex_lock(&sp->mu);
	while (!sp->stopping) {
		if (!due(sp))
			continue;
		pthread_mutex_unlock(&sp->mu);
		rc = acct_spare_make(sp->trie, &s, &err);
		pthread_mutex_lock(&sp->mu);
		if (rc)
			pause_after(sp, &err);
		else if (sp->stopping || sp->n == ACCT_SPARES)
			acct_spare_close(&s);
		else
			sp->s[sp->n++] = s;
	}
	pthread_mutex_unlock(&sp->mu);
	return NULL;
}

int acct_spares_start(struct acct_spares *sp, int trie, struct nis_err *err)
{
	int rc;

	memset(sp, 0, sizeof(*sp));
	sp->trie = trie;
	pthread_mutex_init(&sp->mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	if ((rc = pthread_create(&sp->thread, NULL, run, sp))) {
		pthread_cond_destroy(&sp->cv);
		pthread_mutex_destroy(&sp->mu);
		return nis_err_set(err, -rc, "cannot start the counting programs' thread: %s",
				   strerror(rc));
	}
	sp->running = true;
	return 0;
}

void acct_spares_stop(struct acct_spares *sp)
{
	if (!sp->running)
		return;
	nis_thread_stop(sp->thread, &sp->mu, &sp->cv, &sp->stopping);
	for (int i = 0; i < sp->n; i++)
		acct_spare_close(&sp->s[i]);
	sp->n = 0;
	sp->running = false;
	pthread_cond_destroy(&sp->cv);
	pthread_mutex_destroy(&sp->mu);
}

bool acct_spares_take(struct acct_spares *sp, struct acct_spare *out)
{
	bool got;

	if (!sp->running)
		return false;
	pthread_mutex_lock(&sp->mu);
	if ((got = sp->n > 0))
		*out = sp->s[--sp->n];
	clock_gettime(CLOCK_REALTIME, &sp->last_take);
	pthread_cond_signal(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	return got;
}
