/* nl.h - the netlink socket of the calling thread's network namespace, and
 * the translation of libnl's -NLE_* codes into -errno at the tc/ boundary. */
#ifndef NIS_TC_NL_H
#define NIS_TC_NL_H

#include <netlink/netlink.h>

#include "common/err.h"

/* A connected NETLINK_ROUTE socket in the caller's current netns. */
int tc_nl_open(struct nl_sock **out, struct nis_err *err);
void tc_nl_close(struct nl_sock *sk);

/* -NLE_* -> -errno. */
int tc_nl_errno(int nle);

/* Fills err with "what: libnl's message" and returns the -errno. */
int tc_nl_fail(struct nis_err *err, int nle, const char *what);

#endif
