/* nl.h - the netlink socket of the calling thread's network namespace, and
 * the translation of libnl's -NLE_* codes into -errno at the tc/ boundary. */
#ifndef NIS_TC_NL_H
#define NIS_TC_NL_H

#include <netlink/netlink.h>

#include "common/err.h"

/* A connected NETLINK_ROUTE socket in the caller's current netns. */
int tc_nl_open(struct nl_sock **out, struct nis_err *err);
void tc_nl_close(struct nl_sock *sk);

/* One dump request (type with its fixed header) whose answers go to
 * parse(msg, arg), without touching the socket's own callbacks. */
int tc_nl_dump(struct nl_sock *sk, int type, void *hdr, size_t hdrlen,
	       nl_recvmsg_msg_cb_t parse, void *arg, struct nis_err *err);

/* One get request (one object, asked for exactly), its answer to parse:
 * 0 or the kernel's -errno. */
int tc_nl_get(struct nl_sock *sk, int type, void *hdr, size_t hdrlen,
	      nl_recvmsg_msg_cb_t parse, void *arg);

/* -NLE_* -> -errno. */
int tc_nl_errno(int nle);

/* Fills err with "what: libnl's message" and returns the -errno. */
int tc_nl_fail(struct nis_err *err, int nle, const char *what);

#endif
