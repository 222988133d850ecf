/* sockdiag.h - TCP round-trip times of every socket that has one, from one
 * inet_diag dump on a NETLINK_SOCK_DIAG socket of the container's netns. */
#ifndef NIS_TC_SOCKDIAG_H
#define NIS_TC_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* *rtts (malloc'd, caller frees) gets tcpi_rtt in microseconds. */
int tc_tcp_rtts(int diag_fd, uint32_t **rtts, size_t *n, struct nis_err *err);

#endif
