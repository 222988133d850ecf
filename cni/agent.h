/* agent.h - netisold over its unix socket (ctl/client.c underneath):
 * JSON requests, the agent's answers mapped to CNI codes, and the lock
 * file that serializes ADD/DEL (shared) against GC (exclusive). */
#ifndef NIS_CNI_AGENT_H
#define NIS_CNI_AGENT_H

#include <jansson.h>
#include <stdbool.h>

#include "cni/error.h"

struct cni_agent {
	const char *socket;
	int lock_fd;		/* -1 when not held */
};

struct cni_reply {
	int status;
	json_t *body;		/* the decoded body, or NULL (empty or not JSON) */
	const char *error;	/* the agent's "error" text, or "" */
	const char *code;	/* the agent's "code", or "" */
};

void cni_agent_init(struct cni_agent *a, const char *socket);

/* flock on "<socket>.lock", shared or exclusive, held until
 * cni_agent_close(). No directory (no agent ever ran): not taken, 0. A
 * directory where it cannot be made: code 5. */
int cni_agent_lock(struct cni_agent *a, bool exclusive, struct cni_err *err);
void cni_agent_close(struct cni_agent *a);

/* One request (body may be NULL). 0 with *r filled for any HTTP answer;
 * else -errno with err filled: code 11 "netisold is not running" when
 * nothing listens on the socket (see cni_agent_down), code 5 otherwise. */
int cni_agent_request(const struct cni_agent *a, const char *method, const char *path,
		      json_t *body, struct cni_reply *r, struct cni_err *err);
void cni_reply_free(struct cni_reply *r);

/* The rc of cni_agent_request means: nothing listens on the socket. */
bool cni_agent_down(int rc);

/* Maps an error answer: 400 -> 7, 404 -> 3, 409 -> 7 (no_ephemeral_ports
 * -> 11), 503 -> 11, anything else -> 5; msg carries the agent's words. */
int cni_agent_error(const struct cni_reply *r, struct cni_err *err);

#endif
