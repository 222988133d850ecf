/* spare.h - counting programs made ahead for chained containers. A
 * chained meter's counters map and its two programs carry nothing of the
 * container's (no port guard, no owner: the chained guard is a filter of
 * its own), so a thread of the agent makes a few ahead, and a chained
 * create takes one instead of paying the map and two verifier runs itself
 * (~0.45 ms of a ~1.5 ms create here). They are made once no create has
 * taken one for ACCT_SPARE_QUIET_NS, so that a burst of creates is not
 * slowed by them (the verifier on the other core slowed a create's netlink
 * requests); a create that finds none makes its own. Each spare is a
 * container's own map, as billing wants (its id is the counters'
 * identity). A map of maps would share the programs as well, but every
 * update of one waits for an RCU grace period: ~13 ms a create here. */
#ifndef NIS_ACCT_SPARE_H
#define NIS_ACCT_SPARE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"

#define ACCT_SPARES 2
#define ACCT_SPARE_QUIET_NS 20000000L	/* made 20 ms after the last take */

struct acct_spare {
	int counters, prog[2];		/* prog by enum tc_acct_dir */
	uint32_t map_id;		/* the counters' */
};

struct acct_spares {
	int trie;			/* the class trie the programs read */
	pthread_mutex_t mu;		/* everything below */
	pthread_cond_t cv;		/* a spare taken, or stopping */
	struct acct_spare s[ACCT_SPARES];
	int n;
	struct timespec last_take;	/* CLOCK_REALTIME (the condition's) */
	bool stopping, running, failed;
	pthread_t thread;
};

/* Starts the thread that keeps ACCT_SPARES ready over trie. */
int acct_spares_start(struct acct_spares *sp, int trie, struct nis_err *err);
/* Stops it and closes what it made; a no-op when it never started. */
void acct_spares_stop(struct acct_spares *sp);
/* One spare into out (the caller owns its fds), false when none is ready;
 * either way the thread makes more. */
bool acct_spares_take(struct acct_spares *sp, struct acct_spare *out);
/* One made here and now (the thread's work): 0 or -errno. */
int acct_spare_make(int trie, struct acct_spare *out, struct nis_err *err);
void acct_spare_close(struct acct_spare *s);

#endif
