/* ethtool.c - SIOCETHTOOL on an AF_INET socket of the caller's netns. */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tc/ethtool.h"

int tc_ethtool_rx_csum_off(const char *ifname, struct nis_err *err)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SRXCSUM, .data = 0 };
	struct ifreq ifr;
	int fd, rc = 0;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return nis_err_set(err, -errno, "socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		rc = nis_err_set(err, -errno, "cannot turn rx checksum offload off on %s: %s",
				 ifname, strerror(errno));
	close(fd);
	return rc;
}
