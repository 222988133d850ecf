/* traffic.h - netisolctl traffic: the agent's traffic history
 * (GET /accounting, GET /accounting/top) as vnstat-style tables. */
#ifndef NIS_CTL_TRAFFIC_H
#define NIS_CTL_TRAFFIC_H

#include <stdbool.h>

#include <jansson.h>

/* GETs path from the agent: an exit code, and *body the JSON of a 2xx
 * answer (main.c's, so errors are reported in one place). */
typedef int (*ctl_get_fn)(const char *path, json_t **body);

struct ctl_traffic {
	const char *id;		/* NULL: the heaviest containers of one period */
	int by;			/* enum acct_by */
	const char *from, *to;	/* as typed (already checked), or NULL */
	bool json;		/* print the endpoint's JSON */
};

/* Fetches and prints; returns the exit code. */
int ctl_traffic(const struct ctl_traffic *t, ctl_get_fn get);

#endif
