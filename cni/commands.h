/* commands.h - one handler per CNI_COMMAND, each given what main.c read:
 * the environment, CNI_ARGS, the checked configuration. Each returns 0 or
 * -errno with err filled (the code decides the CNI error). */
#ifndef NIS_CNI_COMMANDS_H
#define NIS_CNI_COMMANDS_H

#include <jansson.h>
#include <stdio.h>

#include "cni/agent.h"
#include "cni/args.h"
#include "cni/config.h"
#include "cni/error.h"

struct cni_ctx {
	const char *container_id, *netns, *ifname, *path;	/* "" when unset */
	struct cni_args args;
	struct cni_config cfg;
	struct cni_agent agent;
	FILE *out;		/* stdout: the result */
};

int cni_cmd_add(struct cni_ctx *c, struct cni_err *err);		/* add.c */
int cni_cmd_del(struct cni_ctx *c, struct cni_err *err);		/* cleanup.c */
int cni_cmd_gc(struct cni_ctx *c, struct cni_err *err);		/* cleanup.c */
int cni_cmd_check(struct cni_ctx *c, struct cni_err *err);		/* check.c */
int cni_cmd_status(struct cni_ctx *c, struct cni_err *err);		/* check.c */

/* POST /containers's body as ADD sends it (without mode chained's
 * "chained" object): identity, labels, ports in primary mode, limits in
 * the agent's bytes. CHECK compares a record with it. */
int cni_create_body(const struct cni_ctx *c, json_t **out, struct cni_err *err);

/* The record of container id, or NULL with err set: 3 when the agent
 * does not know it, 11 when it is down, else the mapped answer. */
json_t *cni_get_record(const struct cni_ctx *c, const char *id, struct cni_err *err);

/* The record was made by this network's CNI attachment (not through the
 * API, not another network's). */
int cni_record_ours(const struct cni_ctx *c, json_t *record);

#endif
