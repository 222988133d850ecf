/* watch.h - the thread that puts tampered container-side shaping back. */
#ifndef NIS_ISOLATOR_WATCH_H
#define NIS_ISOLATOR_WATCH_H

#include "common/err.h"

struct iso_agent;
struct iso_watch;

int iso_watch_start(struct iso_agent *a, struct iso_watch **out, struct nis_err *err);
/* Stops and frees it (NULL: nothing). */
void iso_watch_stop(struct iso_watch *w);

#endif
