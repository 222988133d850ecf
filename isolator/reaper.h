/* reaper.h - the slow end of a destroy, off the request path. */
#ifndef NIS_ISOLATOR_REAPER_H
#define NIS_ISOLATOR_REAPER_H

#include <stddef.h>

#include "common/err.h"

struct iso_agent;
struct iso_reaper;

/* A thread with its own netlink socket. It takes the agent's lock only to
 * delete checkpoint rows. */
int iso_reaper_start(struct iso_agent *a, struct iso_reaper **out, struct nis_err *err);

/* Queues a destroyed container's veth and netns handle (NULL: none) for
 * deletion; its checkpoint row (id), left "destroying", is deleted after
 * them. Returns -ENOMEM when it cannot queue: then nothing was taken. */
int iso_reaper_add(struct iso_reaper *r, const char *id, const char *veth, int ifindex,
		   const char *netns);

/* True while a veth of that name is queued or being deleted. */
bool iso_reaper_has(struct iso_reaper *r, const char *veth);

/* Waits until no veth of that name is queued or being deleted. */
void iso_reaper_wait(struct iso_reaper *r, const char *veth);

/* Containers queued or being removed. */
size_t iso_reaper_pending(struct iso_reaper *r);

/* Finishes the queue, then ends the thread and frees r (NULL is fine). */
void iso_reaper_stop(struct iso_reaper *r);

#endif
