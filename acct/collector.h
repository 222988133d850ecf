/* collector.h - traffic accounting's set-up and clock (meter.h has the
 * per-container half): every --accounting_interval, on interval boundaries
 * of the wall clock, one pass reads every tracked meter (a container's
 * counting filters) and writes the deltas since the last pass to the
 * history in one transaction. A counter that went backwards, moved to another veth or
 * map, or a new boot, is a reset: counted from zero. acct/ knows veths,
 * ifindexes and container ids, never the isolator's structures; it has
 * its own lock and netlink socket, taken after the isolator's lock. */
#ifndef NIS_ACCT_COLLECTOR_H
#define NIS_ACCT_COLLECTOR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "acct/classes.h"
#include "acct/store.h"
#include "common/err.h"

struct acct_config {
	const char *work_dir;		/* netisol.db, its schema made already */
	const char *runtime_dir;	/* held traffic across a restart, or NULL */
	const char *classes_path;	/* --network_classes, NULL: none */
	const struct acct_classes *classes;	/* parsed from it at start */
	struct in_addr host_ip;		/* counted as local, never as a class */
	uint64_t interval_ns;		/* --accounting_interval */
	struct acct_retention keep;
};

struct acct;

/* Probes BPF, opens the history, builds the class trie. Without BPF in
 * the kernel accounting is off with one warning (every call below then
 * does nothing), unless cfg->classes_path asks for it (then an error).
 * cfg is read for the life of the handle. */
int acct_new(const struct acct_config *cfg, struct acct **out, struct nis_err *err);
/* Every meter must be freed first. */
void acct_free(struct acct *a);
bool acct_enabled(const struct acct *a);
/* The class trie, for other programs that count (the fast path); -1: off. */
int acct_trie_fd(const struct acct *a);

/* The collector thread; stop runs a last pass (SIGTERM loses nothing). */
int acct_start(struct acct *a, struct nis_err *err);
void acct_stop(struct acct *a);
/* One pass over every tracked meter. */
int acct_collect(struct acct *a, time_t now, struct nis_err *err);
/* Re-reads the classes file (SIGHUP): a pass first, so what was counted
 * under the old classes is written under them. A bad file changes nothing. */
int acct_reload(struct acct *a, struct nis_err *err);
/* Whether the collector's last pass was written (else why not). */
bool acct_health(struct acct *a, char *why, size_t len);
/* Duration of the last full pass and how many passes ran (for /metrics). */
void acct_pass_stats(struct acct *a, double *last_s, uint64_t *passes);

#endif
