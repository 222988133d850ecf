/* meter.h - a container's meter, the half of accounting the isolator
 * drives through a container's life: its counting filters on the host
 * veth, attached at isolate or re-found after a restart, then tracked by
 * the passes from acct_track to acct_forget. NULL is a meter that counts
 * nothing (accounting is off): every call takes it. */
#ifndef NIS_ACCT_METER_H
#define NIS_ACCT_METER_H

#include <stdbool.h>
#include <stddef.h>

#include "acct/store.h"
#include "common/err.h"
#include "tc/guard.h"

#define ACCT_PRIO 1		/* the counting filters' prio: before all else on a veth */
/* A chained container's (isolator/chained.h): behind its guard at prio 1. */
#define ACCT_PRIO_CHAINED 2
#define ACCT_ID_MAX 64

/* All-time traffic of a meter in one class, as of the last pass. */
struct acct_total {
	char cls[16];
	struct acct_counts c;
};

struct acct;
struct acct_meter;

/* Counting from zero on the host veth (its clsact qdisc is made if
 * missing): new counters, both filters added or replaced. With guard,
 * what the container sends goes through the guard (tc/guard.h) of the
 * ports that are owner's before it is counted: what it drops is never
 * billed; guard must outlive the meter. *out is NULL when accounting is
 * off. */
int acct_meter_attach(struct acct *a, const char *veth, int ifindex,
		      const struct tc_guard *guard, uint32_t owner, struct acct_meter **out,
		      struct nis_err *err);
/* After an agent restart: the counters the filters already hold are kept
 * (their programs are reloaded over the new trie, replaced in place so no
 * packet goes uncounted); without them, counting starts from zero. */
int acct_meter_resume(struct acct *a, const char *veth, int ifindex,
		      const struct tc_guard *guard, uint32_t owner, struct acct_meter **out,
		      struct nis_err *err);
/* The same for a chained container's host veth (a primary plugin's, its
 * clsact there already): no port guard, at ACCT_PRIO_CHAINED (its own guard
 * comes first). */
int acct_meter_attach_chained(struct acct *a, const char *veth, int ifindex,
			      struct acct_meter **out, struct nis_err *err);
int acct_meter_resume_chained(struct acct *a, const char *veth, int ifindex,
			      struct acct_meter **out, struct nis_err *err);
/* Whether both counting filters are on the veth, over m's own counters:
 * 0 yes (or no meter), 1 no (why says what is wrong). */
int acct_meter_verify(struct acct_meter *m, char *why, size_t len);
/* The counters map, for the fast path's program; -1: none. */
int acct_meter_fd(struct acct_meter *m);
/* Closes the agent's handle (the filters keep the counters); NULL-safe. */
void acct_meter_free(struct acct_meter *m);

/* Starts passes over m for container id (new: from zero; resumed: from
 * the stored counters if they come from the same boot, veth and map, else
 * from zero). On failure m is not counted. */
int acct_track(struct acct_meter *m, const char *id, bool resumed, struct nis_err *err);
/* m's last delta (its container is being destroyed). */
int acct_final(struct acct_meter *m, struct nis_err *err);
/* No more passes over m; its last counters go with the next pass. Called
 * after acct_final, once nothing more is sent through its veth. */
void acct_forget(struct acct_meter *m);
/* The last delta of a container that recovery is removing, read from the
 * filter still on its veth: the meter to acct_forget and free once the
 * veth is gone, or NULL (no filter, or accounting off). */
struct acct_meter *acct_final_orphan(struct acct *a, const char *id, const char *veth);
/* The classes m has traffic in (malloc'd into *out; *n 0: none). */
int acct_meter_totals(struct acct_meter *m, struct acct_total **out, size_t *n);

#endif
