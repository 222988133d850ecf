/* pass.h - one collection pass, for collector.c (every meter) and
 * meter.c (a destroyed container's last delta). Inside acct/ only. */
#ifndef NIS_ACCT_PASS_H
#define NIS_ACCT_PASS_H

#include <stddef.h>
#include <time.h>

#include "common/err.h"

struct acct;
struct acct_meter;

/* One pass over ms (a->lock held): their deltas in one transaction, then
 * what was written counts as counted. */
int acct_pass_run(struct acct *a, struct acct_meter **ms, size_t n, time_t now,
		  struct nis_err *err);

#endif
