/* state.h - the collector's state, shared by acct/'s own files only
 * (collector.c: set-up, classes, the thread; meter.c: counting filters and
 * the meters' lifecycle; pass.c: deltas into the store). Not a public
 * surface: the rest of the agent sees collector.h. */
#ifndef NIS_ACCT_STATE_H
#define NIS_ACCT_STATE_H

#include <net/if.h>
#include <pthread.h>

#include "acct/collector.h"
#include "acct/meter.h"
#include "acct/pass.h"
#include "acct/spare.h"

struct nl_sock;

struct acct_meter {
	struct acct *a;
	char id[ACCT_ID_MAX + 1];		/* "" until tracked */
	char veth[IF_NAMESIZE];
	const struct tc_guard *guard;		/* before the TX counter, or NULL */
	uint32_t owner;				/* of the ports the guard lets out */
	uint16_t prio;				/* its filters' (ACCT_PRIO, or chained) */
	int fd;					/* counters map */
	uint32_t map_id;			/* its kernel id: another id is a reset */
	int ifindex;				/* the veth the counters are on */
	int64_t ck;				/* history key, 0: not tracked */
	struct acct_counts last[ACCT_CLASSES];	/* raw counters counted so far */
	struct acct_counts total[ACCT_CLASSES];	/* all-time, for /metrics */
	bool reset;				/* counting restarted: last rows go */
	bool listed;				/* in a->meters: passes read it */
	bool unsaved;				/* its last delta is not written yet */
	bool held;				/* forgotten while unsaved: acct owns it
						 * until a pass writes it */
	struct acct_counts *frozen;		/* held from the last run: its counters
						 * (fd -1), NULL: read the map */
	struct acct_meter *prev, *next;
};

struct acct {
	const struct acct_config *cfg;
	pthread_mutex_t lock;			/* everything below, the socket too */
	struct nl_sock *sk;			/* the agent's namespace */
	int trie;				/* class trie, -1: accounting off */
	struct acct_store *store;
	struct acct_classes classes;		/* what the trie holds */
	char names[ACCT_CLASSES][16];
	char boot_id[ACCT_BOOT_ID_LEN];
	struct acct_meter *meters;		/* tracked ones */
	size_t nmeters;
	double last_pass_s;			/* duration of the last full pass */
	uint64_t passes;
	bool failing;				/* the last pass was not written */
	char why[320];				/* its error */
	/* the thread */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running, stopping;
	struct acct_spares spares;		/* chained meters made ahead */
};

/* meter.c: held meters whose last delta a pass wrote are forgotten and
 * freed (lock held); with all, every held one (the agent stops). */
void acct_meters_release_held(struct acct *a, bool all);

/* held.c: a held meter's counters kept in runtime_dir for the next start
 * (the agent stops before a pass could write them); its file removed once
 * written; the last run's held meters listed again (at start). */
int acct_held_save(struct acct *a, struct acct_meter *m, struct nis_err *err);
void acct_held_remove(struct acct *a, const struct acct_meter *m);
void acct_held_load(struct acct *a);

/* pass.c: the counters of m now (its map, or what it was frozen at). */
int acct_pass_read_raw(struct acct_meter *m, struct acct_counts raw[ACCT_CLASSES],
		       struct nis_err *err);

/* meter.c: a meter re-attached on a veth re-created under it (by hand, or
 * by anything but the agent); returns 1 when that happened. Lock held. */
int acct_meter_follow(struct acct_meter *m, struct nis_err *err);

#endif
