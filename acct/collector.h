/* acct.h - the traffic accounting collector: every --accounting_interval,
 * on interval boundaries of the wall clock, one pass reads every
 * container's counters and writes the deltas since the last pass to the
 * history in one transaction. A counter that went backwards, moved to
 * another veth or map, or a new boot, is a reset: counted from zero. */
#ifndef NIS_ISOLATOR_ACCT_H
#define NIS_ISOLATOR_ACCT_H

#include <stdbool.h>
#include <time.h>

#include "common/err.h"
#include "isolator/acctstore.h"

struct iso_agent;
struct iso_container;
struct iso_acct;

/* A container's side of it, in struct iso_container. */
struct iso_acct_ct {
	int64_t ck;				/* history key, 0: not tracked */
	struct acct_counts last[ACCT_CLASSES];	/* raw counters counted so far */
	struct acct_counts total[ACCT_CLASSES];	/* all-time, for /metrics */
	bool reset;				/* counting restarted: last rows go */
};

/* Probes BPF, opens the history, builds the class trie (dp->acct_trie).
 * Without BPF in the kernel accounting is off with one warning, unless
 * --network_classes asks for it (then an error). */
int iso_acct_new(struct iso_agent *ag, struct iso_acct **out, struct nis_err *err);
void iso_acct_free(struct iso_acct *a);
bool iso_acct_enabled(const struct iso_acct *a);

/* Starts counting c (new: from zero; resumed: from the stored counters if
 * they come from the same boot, veth and map, else from zero). */
int iso_acct_track(struct iso_acct *a, struct iso_container *c, bool resumed,
		   struct nis_err *err);
/* One pass over every live container (the agent lock held). */
int iso_acct_collect(struct iso_acct *a, time_t now, struct nis_err *err);
/* c's last delta (it is being destroyed). Its last counters stay until
 * iso_acct_forget, called once its counting filter is gone: a crash in
 * between finds the filter and the counters that match it, and counts
 * nothing twice. */
int iso_acct_final(struct iso_acct *a, struct iso_container *c, struct nis_err *err);
void iso_acct_forget(struct iso_acct *a, const struct iso_container *c);
/* The last delta of a container that recovery is removing, read from the
 * filter still on its veth (if any). */
void iso_acct_final_orphan(struct iso_acct *a, struct iso_container *c);
/* Re-reads --network_classes (SIGHUP): a pass first, so what was counted
 * under the old classes is written under them. A bad file changes nothing. */
int iso_acct_reload(struct iso_acct *a, struct nis_err *err);
/* Duration of the last full pass and how many passes ran (for /metrics). */
void iso_acct_pass_stats(const struct iso_acct *a, double *last_s, uint64_t *passes);
/* Class name of index ci ("" if unassigned). */
const char *iso_acct_class_name(const struct iso_acct *a, unsigned int ci);

/* The collector thread; stop runs a last pass (SIGTERM loses nothing). */
int iso_acct_start(struct iso_acct *a, struct nis_err *err);
void iso_acct_stop(struct iso_acct *a);

#endif
