/* store.h - the traffic history in work_dir/netisol.db (tables of
 * migrations 2 and 4 of agent/db.c): one transaction per collection pass adds
 * each container's deltas to its minute, hour, day and month rows and
 * records the raw counters counted so far, so a restart neither loses nor
 * counts twice. Pure SQLite; no kernel here. */
#ifndef NIS_ACCT_STORE_H
#define NIS_ACCT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "acct/calendar.h"

#define ACCT_CLASSES 64			/* class indexes: 0 default, 1 local */
#define ACCT_CI_DEFAULT 0
#define ACCT_CI_LOCAL 1
#define ACCT_BOOT_ID_LEN 40

/* Counters of one container and class index; rx = what it received. */
struct acct_counts {
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
};

struct acct_row {
	int64_t ck;
	uint32_t ci;
	struct acct_counts delta;	/* added to the history */
	struct acct_counts raw;		/* counted up to, after this pass */
};

/* Where a container's raw counters come from; another source is a reset. */
struct acct_source {
	char boot_id[ACCT_BOOT_ID_LEN];
	int ifindex;
	uint32_t map_id;
	bool reset;		/* counting restarted: its earlier last rows go */
};

/* How long each period table (enum acct_by order) keeps its rows, in
 * seconds; -1: forever. */
struct acct_retention {
	int64_t seconds[ACCT_BY_COUNT];
};

struct acct_store;

int acct_store_open(const char *work_dir, struct acct_store **out, struct nis_err *err);
void acct_store_close(struct acct_store *s);

/* The key of a container id, made on first use; kept for its history. */
int acct_store_container(struct acct_store *s, const char *id, int64_t *ck,
			 struct nis_err *err);
/* The index of a class name, assigned once (2..63) and kept, so counters
 * in the kernel keep their meaning across reloads and restarts. */
int acct_store_class(struct acct_store *s, const char *name, uint32_t *ci,
		     struct nis_err *err);
/* names[ci] of every assigned index; "" where none is. */
int acct_store_class_names(struct acct_store *s, char names[ACCT_CLASSES][16],
			   struct nis_err *err);

/* A container's raw counters and source as last committed; *found false
 * when there are none (a new container, or one counted from zero). */
int acct_store_last(struct acct_store *s, int64_t ck, struct acct_counts raw[ACCT_CLASSES],
		    struct acct_source *src, bool *found, struct nis_err *err);
/* All-time totals of a container per class (acct_total, added to in
 * every pass's transaction and never pruned: they only grow). */
int acct_store_totals(struct acct_store *s, int64_t ck, struct acct_counts tot[ACCT_CLASSES],
		      struct nis_err *err);

/* One pass, in one transaction: rows' deltas into the periods holding
 * now - 1 s (a pass at an interval boundary closes the period before it),
 * their raw counters and the sources (srcs[i] for cks[i]) as last. */
int acct_store_pass(struct acct_store *s, time_t now, const struct acct_row *rows,
		    size_t n, const int64_t *cks, const struct acct_source *srcs,
		    size_t nsrc, struct nis_err *err);
/* Drops a container's last counters (it is gone; its history stays) with
 * the next pass, in its transaction: destroy pays no commit of its own.
 * Rows a crash leaves behind are harmless: nothing recovers a container
 * whose destroy finished, and a new one of the same id starts with a reset. */
int acct_store_forget(struct acct_store *s, int64_t ck, struct nis_err *err);
/* Deletes at most max rows per table older than its retention; returns
 * how many went, so a caller can tell when it has caught up. */
int acct_store_prune(struct acct_store *s, time_t now, const struct acct_retention *keep,
		     int max, struct nis_err *err);

#endif
