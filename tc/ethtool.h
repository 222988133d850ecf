/* ethtool.h - the one ethtool setting the datapath needs. */
#ifndef NIS_TC_ETHTOOL_H
#define NIS_TC_ETHTOOL_H

#include "common/err.h"

/* Turns rx checksum offload off on ifname in the caller's namespace.
 * veth marks received packets CHECKSUM_UNNECESSARY; once redirected by
 * mirred across namespaces that claim is no longer true, so the
 * container's eth0 must verify checksums itself (as Mesos does). */
int tc_ethtool_rx_csum_off(const char *ifname, struct nis_err *err);

#endif
