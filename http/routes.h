/* routes.h - the route table of netisold's endpoints, for the server. */
#ifndef NIS_HTTP_ROUTES_H
#define NIS_HTTP_ROUTES_H

#include <stddef.h>

#include "http/router.h"

extern const struct http_route http_routes[];
extern const size_t http_nroutes;

#endif
