/* reaper.c - deleting a veth waits for the kernel's unregistration (10-30 ms
 * here, most of a destroy). So destroy answers once no packet reaches the
 * container and nothing of the agent refers to it (iso_dp_unhook), and
 * this thread deletes the veth and the netns handle, then the checkpoint
 * row, still "destroying": a crash in between is finished off by recovery,
 * which removes such rows' objects by name only. A create whose veth name
 * is still queued waits for it (iso_reaper_wait). */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/thread.h"
#include "isolator/agent.h"
#include "isolator/reaper.h"
#include "tc/nl.h"

struct job {
	char id[ISO_ID_MAX + 1];
	char veth[IF_NAMESIZE];
	char netns[PATH_MAX];	/* "": no handle */
	int ifindex;
	struct job *next;
};

struct iso_reaper {
	struct iso_agent *ag;
	struct nl_sock *sk;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct job *head, **tail, *busy;
	size_t pending;
	bool stop;
};

static bool named(const struct job *j, const char *veth)
{
	return j && !strcmp(j->veth, veth);
}

static void reap(struct iso_reaper *r, struct job *j)
{
	struct nis_err err = { "" };

	iso_dp_remove(r->sk, j->veth, j->ifindex, j->netns[0] ? j->netns : NULL);
	iso_dp_test_abort(15);
	pthread_mutex_lock(&r->ag->lock);
	if (iso_ckpt_delete(r->ag->ckpt, j->id, &err))
		log_msg(LOG_ERROR, "%s", err.msg);
	pthread_mutex_unlock(&r->ag->lock);
}

static void *run(void *arg)
{
	struct iso_reaper *r = arg;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->head && !r->stop)
			pthread_cond_wait(&r->work, &r->mu);
		if (!r->head)
			break;
		r->busy = r->head;
		if (!(r->head = r->busy->next))
			r->tail = &r->head;
		pthread_mutex_unlock(&r->mu);
		reap(r, r->busy);
		pthread_mutex_lock(&r->mu);
		free(r->busy);
		r->busy = NULL;
		r->pending--;
		pthread_cond_broadcast(&r->done);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int iso_reaper_start(struct iso_agent *a, struct iso_reaper **out, struct nis_err *err)
{
	struct iso_reaper *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return nis_err_set(err, -ENOMEM, "out of memory");
	r->ag = a;
	r->tail = &r->head;
	if ((rc = tc_nl_open(&r->sk, err))) {
		free(r);
		return rc;
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->work, NULL);
	pthread_cond_init(&r->done, NULL);
	if ((rc = pthread_create(&r->thread, NULL, run, r))) {
		pthread_cond_destroy(&r->done);
		pthread_cond_destroy(&r->work);
		pthread_mutex_destroy(&r->mu);
		tc_nl_close(r->sk);
		free(r);
		return nis_err_set(err, -rc, "cannot start the reaper thread");
	}
	*out = r;
	return 0;
}

int iso_reaper_add(struct iso_reaper *r, const char *id, const char *veth, int ifindex,
		   const char *netns)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	snprintf(j->id, sizeof(j->id), "%s", id);
	snprintf(j->veth, sizeof(j->veth), "%s", veth);
	snprintf(j->netns, sizeof(j->netns), "%s", netns ? netns : "");
	j->ifindex = ifindex;
	pthread_mutex_lock(&r->mu);
	*r->tail = j;
	r->tail = &j->next;
	r->pending++;
	pthread_cond_signal(&r->work);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

static bool has_locked(struct iso_reaper *r, const char *veth)
{
	if (named(r->busy, veth))
		return true;
	for (struct job *j = r->head; j; j = j->next)
		if (named(j, veth))
			return true;
	return false;
}

bool iso_reaper_has(struct iso_reaper *r, const char *veth)
{
	bool has;

	pthread_mutex_lock(&r->mu);
	has = has_locked(r, veth);
	pthread_mutex_unlock(&r->mu);
	return has;
}

void iso_reaper_wait(struct iso_reaper *r, const char *veth)
{
	pthread_mutex_lock(&r->mu);
	while (has_locked(r, veth))
		pthread_cond_wait(&r->done, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

size_t iso_reaper_pending(struct iso_reaper *r)
{
	size_t n;

	pthread_mutex_lock(&r->mu);
	n = r->pending;
	pthread_mutex_unlock(&r->mu);
	return n;
}

void iso_reaper_stop(struct iso_reaper *r)
{
	if (!r)
		return;
	nis_thread_stop(r->thread, &r->mu, &r->work, &r->stop);
	pthread_cond_destroy(&r->done);
	pthread_cond_destroy(&r->work);
	pthread_mutex_destroy(&r->mu);
	tc_nl_close(r->sk);
	free(r);
}
