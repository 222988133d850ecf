/* prev.c - finding the veth pair in a previous result. The reference bridge
 * plugin lists the bridge, the host veth, then the container interface; ptp
 * the host veth then the container interface: the host veth is the last
 * host-side interface before the container's that is not a bridge. */
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cni/prev.h"

/* The kernel's driver name for a link of this network namespace (the
 * plugin runs in the runtime's, where the host veth and bridge are). */
static bool is_bridge(const char *name)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd, rc;

	if (strlen(name) >= IFNAMSIZ || (fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	ifr.ifr_data = (void *)&info;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return rc == 0 && !strcmp(info.driver, "bridge");
}

static bool on_host(json_t *iface)
{
	const char *sb = json_string_value(json_object_get(iface, "sandbox"));

	return !sb || !*sb;
}

static int find_container(json_t *ifs, const char *ifname, size_t *index)
{
	size_t i;
	json_t *e;

	json_array_foreach(ifs, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		if (name && !strcmp(name, ifname) && !on_host(e)) {
			*index = i;
			return 0;
		}
	}
	return -1;
}

static const char *find_host_veth(json_t *ifs, size_t ct)
{
	const char *best = NULL, *name;
	size_t i;
	json_t *e;

	json_array_foreach(ifs, i, e) {
		if (!on_host(e) || !(name = json_string_value(json_object_get(e, "name"))) ||
		    is_bridge(name))
			continue;
		if (i < ct || !best)
			best = name;
		if (i > ct && best)
			break;
	}
	return best;
}

/* The first IPv4 (or, with v6, IPv6) address on interface ct; an ips list
 * without any interface indices (an IPAM-shaped result) gives its first. */
static const char *find_address(json_t *ips, size_t ct, bool v6)
{
	const char *a, *any = NULL;
	bool indexed = false;
	size_t i;
	json_t *e, *idx;

	json_array_foreach(ips, i, e) {
		if (!(a = json_string_value(json_object_get(e, "address"))) ||
		    !strchr(a, ':') != !v6)
			continue;
		idx = json_object_get(e, "interface");
		indexed |= idx != NULL;
		if (json_is_integer(idx) && json_integer_value(idx) == (json_int_t)ct)
			return a;
		if (!any)
			any = a;
	}
	return indexed ? NULL : any;
}

int cni_prev_find(json_t *prev, const char *ifname, struct cni_prev *out,
		  struct cni_err *err)
{
	json_t *ifs = json_object_get(prev, "interfaces");
	const char *v6;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(ifs) || find_container(ifs, ifname, &out->ct_index))
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "prevResult has no interface "
				   "\"%s\" in a sandbox: mode chained goes after a plugin that "
				   "makes the container's veth (bridge, ptp)", ifname);
	if (!(out->host_veth = find_host_veth(ifs, out->ct_index)))
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "prevResult lists no host-side "
				   "interface for \"%s\": mode chained needs the host end of a "
				   "veth (bridge, ptp)", ifname);
	if (!(out->address = find_address(json_object_get(prev, "ips"), out->ct_index, false)))
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "prevResult has no IPv4 "
				   "address on \"%s\"", ifname);
	/* The guard drops IPv6: an address the runtime was told works would not. */
	if ((v6 = find_address(json_object_get(prev, "ips"), out->ct_index, true)))
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "prevResult gives \"%s\" the "
				   "IPv6 address %s: mode chained is IPv4 only (its guard drops "
				   "IPv6), so give the primary plugin's IPAM IPv4 ranges only",
				   ifname, v6);
	out->mac = json_string_value(json_object_get(json_array_get(ifs, out->ct_index),
						     "mac"));
	return 0;
}
