/* agent_state.h - GET /agent: the agent's own state as JSON (what /metrics
 * says in its netisol_* families, plus health and degraded features), for
 * operators only. */
#ifndef NIS_HTTP_AGENT_STATE_H
#define NIS_HTTP_AGENT_STATE_H

#include "http/request.h"

void http_agent_state(struct http_req *req, struct http_resp *resp);

#endif
