/* ports.c - portMappings in, the agent's "ports" range text out. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni/ports.h"

static int port_of(json_t *m, size_t i, const char *key, uint32_t *out, struct cni_err *err)
{
	json_t *v = json_object_get(m, key);

	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65535)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "runtimeConfig.portMappings[%zu]."
				   "%s must be an integer from 1 to 65535", i, key);
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

static int parse_one(json_t *m, size_t i, struct cni_portmap *pm, struct cni_err *err)
{
	json_t *proto, *ip;
	int rc;

	if (!json_is_object(m))
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "runtimeConfig.portMappings[%zu] must be an object", i);
	if ((rc = port_of(m, i, "hostPort", &pm->host_port, err)) ||
	    (rc = port_of(m, i, "containerPort", &pm->container_port, err)))
		return rc;
	proto = json_object_get(m, "protocol");
	pm->protocol = "tcp";
	if (proto && json_is_string(proto) && !strcasecmp(json_string_value(proto), "udp"))
		pm->protocol = "udp";
	else if (proto && !(json_is_string(proto) && !strcasecmp(json_string_value(proto), "tcp")))
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "runtimeConfig.portMappings[%zu]."
				   "protocol must be \"tcp\" or \"udp\"", i);
	ip = json_object_get(m, "hostIP");
	if (ip && !json_is_string(ip))
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "runtimeConfig.portMappings[%zu].hostIP must be a string", i);
	pm->host_ip = ip ? json_string_value(ip) : "";
	return 0;
}

int cni_ports_parse(json_t *arr, struct cni_ports *out, struct cni_err *err)
{
	size_t i;
	json_t *m;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(arr))
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG,
				   "runtimeConfig.portMappings must be an array");
	if (!json_array_size(arr))
		return 0;
	if (!(out->m = calloc(json_array_size(arr), sizeof(*out->m))))
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	json_array_foreach(arr, i, m) {
		if ((rc = parse_one(m, i, &out->m[i], err))) {
			cni_ports_free(out);
			return rc;
		}
		out->n++;
	}
	return 0;
}

void cni_ports_free(struct cni_ports *p)
{
	free(p->m);
	p->m = NULL;
	p->n = 0;
}

/* An IPv4 address of an interface in this network namespace. */
static bool is_local_ipv4(const char *text)
{
	struct ifaddrs *ifa, *i;
	struct in_addr want;
	bool found = false;

	if (inet_pton(AF_INET, text, &want) != 1 || getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next)
		found = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == want.s_addr;
	freeifaddrs(ifa);
	return found;
}

/* The one place to lift when the agent learns port translation and
 * per-address mappings. */
int cni_ports_supported(const struct cni_ports *p, struct cni_err *err)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct cni_portmap *m = &p->m[i];
		if (m->host_port != m->container_port)
			return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "portMappings: hostPort %u "
					   "-> containerPort %u: not supported by this agent yet "
					   "(the host port must equal the container port)",
					   m->host_port, m->container_port);
		if (m->host_ip[0] && strcmp(m->host_ip, "0.0.0.0") && !is_local_ipv4(m->host_ip))
			return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "portMappings: hostIP %s "
					   "(hostPort %u): not supported by this agent yet (only "
					   "0.0.0.0 or an address of this host)", m->host_ip,
					   m->host_port);
	}
	return 0;
}

int cni_ports_set(const struct cni_ports *p, struct pm_set *out)
{
	int rc;

	pm_set_clear(out);
	for (size_t i = 0; i < p->n; i++)
		if ((rc = pm_set_add(out, p->m[i].host_port, p->m[i].host_port)))
			return rc;
	return 0;
}

int cni_ports_format(const struct cni_ports *p, char **out)
{
	struct pm_set s;
	int rc, len;

	*out = NULL;
	pm_set_init(&s);
	if ((rc = cni_ports_set(p, &s)))
		goto out;
	len = pm_set_format(&s, NULL, 0);
	if (!(*out = malloc((size_t)len + 1))) {
		rc = -ENOMEM;
		goto out;
	}
	pm_set_format(&s, *out, (size_t)len + 1);
out:
	pm_set_free(&s);
	return rc;
}
