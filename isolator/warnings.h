/* warnings.h - the features this agent runs without, read back from what
 * start-up resolved (the same facts its one warning line each logged). */
#ifndef NIS_ISOLATOR_WARNINGS_H
#define NIS_ISOLATOR_WARNINGS_H

#include <stddef.h>

#include "isolator/container.h"

/* Fills out[0..max) with one static sentence per degraded feature and
 * returns how many there are (at most max). */
size_t iso_agent_warnings(struct iso_agent *a, const char **out, size_t max);

#endif
