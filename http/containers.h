/* containers.h - the lifecycle endpoints: /containers and /containers/{id}. */
#ifndef NIS_HTTP_CONTAINERS_H
#define NIS_HTTP_CONTAINERS_H

#include <jansson.h>

#include "http/request.h"
#include "isolator/container.h"

void http_containers_post(struct http_req *req, struct http_resp *resp);
void http_containers_list(struct http_req *req, struct http_resp *resp);
void http_containers_get(struct http_req *req, struct http_resp *resp);
void http_containers_kernel(struct http_req *req, struct http_resp *resp);
void http_containers_patch(struct http_req *req, struct http_resp *resp);
void http_containers_delete(struct http_req *req, struct http_resp *resp);

/* The container record of INTERFACE.md; NULL on allocation failure. */
json_t *http_record_json(const struct iso_record *r);

/* Sets resp to the compact dump of o (and takes o). */
void http_json(struct http_resp *resp, unsigned int status, json_t *o);

#endif
