/* config.c - start-up validation. Everything here only reads: a refused
 * start leaves the host exactly as it was. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isolator/config.h"
#include "common/log.h"
#include "portmap/alloc.h"
#include "portmap/bytes.h"
#include "portmap/ranges.h"
#include "tc/sysctl.h"

#define ISOLATOR_NAME "network/port_mapping"

static int check_isolation(const char *list, struct nis_err *err)
{
	char name[128];
	int found = 0;

	if (!list || !*list)
		return nis_err_set(err, -EINVAL, "Flag 'isolation' is required "
				   "(--isolation=" ISOLATOR_NAME ")");
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		if (strcmp(name, ISOLATOR_NAME))
			return nis_err_set(err, -EINVAL,
					   "Unknown or unsupported isolator: %s", name);
		found = 1;
		p += len + (p[len] == ',');
	}
	if (!found)
		return nis_err_set(err, -EINVAL, "Unknown or unsupported isolator: ");
	return 0;
}

static void format_set(const struct pm_set *s, char *buf, size_t len)
{
	if (pm_set_format(s, buf, len) < 0)
		snprintf(buf, len, "[...]");
}

/* Missing resources take the defaults of --resources. */
static int check_resources(struct iso_config *c, struct nis_err *err)
{
	struct pm_resources *r = &c->res;
	char a[256], b[256];
	int rc;

	if ((rc = pm_resources_parse(c->flags.resources, r, err)))
		return nis_err_prefix(err, rc, "Invalid --resources");
	if (!r->has_ports && (rc = pm_set_add(&r->ports, 31000, 32000)))
		return nis_err_set(err, rc, "out of memory");
	if (!r->has_ephemeral && (rc = pm_set_add(&r->ephemeral, 32768, 57344)))
		return nis_err_set(err, rc, "out of memory");
	format_set(&r->ports, a, sizeof(a));
	format_set(&r->ephemeral, b, sizeof(b));
	if (pm_set_count(&r->ephemeral) == 0)
		return nis_err_set(err, -EINVAL, "ephemeral_ports %s is empty", b);
	if (pm_set_overlaps(&r->ports, &r->ephemeral))
		return nis_err_set(err, -EINVAL,
				   "ephemeral_ports %s overlap ports %s", b, a);
	if ((r->ports.n && r->ports.r[0].begin < 1024) || r->ephemeral.r[0].begin < 1024)
		return nis_err_set(err, -EINVAL,
				   "ports below 1024 cannot be given to containers "
				   "(ports %s, ephemeral_ports %s)", a, b);
	return 0;
}

static int check_blocks(struct iso_config *c, struct nis_err *err)
{
	uint64_t b = c->flags.ephemeral_ports_per_container;
	struct pm_alloc *a;
	int rc;

	if (b < 16 || b > 65536 || (b & (b - 1)))
		return nis_err_set(err, -EINVAL,
				   "--ephemeral_ports_per_container=%llu must be a power "
				   "of two of at least 16", (unsigned long long)b);
	if (b > pm_set_count(&c->res.ephemeral))
		return nis_err_set(err, -EINVAL,
				   "--ephemeral_ports_per_container=%llu is larger than "
				   "the ephemeral_ports pool (%llu ports)", (unsigned long long)b,
				   (unsigned long long)pm_set_count(&c->res.ephemeral));
	if ((rc = pm_alloc_new(&c->res.ephemeral, (uint32_t)b, &a, err)))
		return rc;
	c->block_size = (uint32_t)b;
	c->max_containers = pm_alloc_capacity(a);
	pm_alloc_free(a);
	if (c->flags.max_executors_per_agent.set) {
		if (c->flags.max_executors_per_agent.v == 0)
			return nis_err_set(err, -EINVAL, "--max_executors_per_agent must be at least 1");
		if (c->flags.max_executors_per_agent.v < c->max_containers)
			c->max_containers = c->flags.max_executors_per_agent.v;
	}
	return 0;
}

static int check_dir(const struct iso_opt_u64 *rate, const struct iso_opt_u64 *min,
		     const struct iso_opt_u64 *max, const struct iso_opt_u64 *ceil,
		     const struct iso_opt_u64 *burst, const char *per_cpu, const char *dir,
		     struct nis_err *err)
{
	if (rate->set && per_cpu)
		return nis_err_set(err, -EINVAL, "Cannot specify both %s_rate_limit_per_container"
				   " and %s_rate_per_cpu", dir, dir);
	if (min->set && max->set && min->v > max->v)
		return nis_err_set(err, -EINVAL, "--minimum_%s_rate_limit (%lluB) exceeds "
				   "--maximum_%s_rate_limit (%lluB)", dir,
				   (unsigned long long)min->v, dir, (unsigned long long)max->v);
	if (rate->set && rate->v > INT64_MAX)
		return nis_err_set(err, -EINVAL, "rate limits above %lld bytes/s are not supported",
				   (long long)INT64_MAX);
	if (rate->set && rate->v == 0)
		return nis_err_set(err, -EINVAL, "--%s_rate_limit_per_container must be positive",
				   dir);
	if (ceil->set && rate->set && ceil->v <= rate->v)
		return nis_err_set(err, -EINVAL, "--%s_ceil_limit (%lluB) must exceed the rate "
				   "(%lluB)", dir, (unsigned long long)ceil->v,
				   (unsigned long long)rate->v);
	if ((ceil->set || burst->set) && !rate->set && !per_cpu)
		return nis_err_set(err, -EINVAL, "--%s_ceil_limit and --%s_burst need "
				   "--%s_rate_limit_per_container or --%s_rate_per_cpu",
				   dir, dir, dir, dir);
	return 0;
}

/* "auto" waits for the host check (the link's speed); bytes/s now. */
static int per_cpu(const char *text, const char *dir, struct iso_opt_u64 *out,
		   struct nis_err *err)
{
	out->set = false;
	if (!text || !strcmp(text, "auto"))
		return 0;
	if (pm_bytes_parse(text, &out->v, err))
		return nis_err_prefix(err, -EINVAL, "Bad option for '%s_rate_per_cpu' flag", dir);
	out->set = true;
	return 0;
}

/* Mesos' rules: a window and an interval, the window the longer, the
 * interval at least 20 ms. */
static int check_rate_statistics(const struct iso_flags *f, struct nis_err *err)
{
	const struct iso_opt_u64 *w = &f->network_rate_statistics_window;
	const struct iso_opt_u64 *i = &f->network_rate_statistics_interval;

	if (!f->network_enable_rate_statistics)
		return 0;
	if (!w->set || !i->set)
		return nis_err_set(err, -EINVAL, "Window size and sampling interval for rate "
				   "statistics are required");
	if (w->v <= i->v)
		return nis_err_set(err, -EINVAL, "Rate statistics window size should be bigger "
				   "than the sampling interval");
	if (i->v < 20000000ull)
		return nis_err_set(err, -EINVAL, "Rate statistics interval should not be smaller "
				   "than 20ms");
	return 0;
}

static int check_rates(struct iso_config *c, struct nis_err *err)
{
	const struct iso_flags *f = &c->flags;
	int rc;

	if ((rc = check_dir(&f->egress_rate_limit_per_container, &f->minimum_egress_rate_limit,
			    &f->maximum_egress_rate_limit, &f->egress_ceil_limit, &f->egress_burst,
			    f->egress_rate_per_cpu, "egress", err)) ||
	    (rc = check_dir(&f->ingress_rate_limit_per_container, &f->minimum_ingress_rate_limit,
			    &f->maximum_ingress_rate_limit, &f->ingress_ceil_limit,
			    &f->ingress_burst, f->ingress_rate_per_cpu, "ingress", err)) ||
	    (rc = per_cpu(f->egress_rate_per_cpu, "egress", &c->egress_per_cpu, err)) ||
	    (rc = per_cpu(f->ingress_rate_per_cpu, "ingress", &c->ingress_per_cpu, err)))
		return rc;
	return check_rate_statistics(f, err);
}

static int check_misc(const struct iso_flags *f, struct nis_err *err)
{
	static const char *const levels[] = { "ERROR", "WARNING", "INFO", "DEBUG" };
	struct in_addr ip;
	unsigned a, b;
	char tail;
	size_t i;

	if (inet_pton(AF_INET, f->ip, &ip) != 1)
		return nis_err_set(err, -EINVAL, "--ip=%s is not an IPv4 address", f->ip);
	if (f->port == 0 || f->port > 65535)
		return nis_err_set(err, -EINVAL, "--port=%llu is not a TCP port",
				   (unsigned long long)f->port);
	if (f->work_dir[0] != '/' || f->runtime_dir[0] != '/')
		return nis_err_set(err, -EINVAL, "--work_dir and --runtime_dir must be "
				   "absolute paths");
	if (f->accounting_interval_ns < 1000000000ull)
		return nis_err_set(err, -EINVAL, "--accounting_interval must be at least 1secs");
	if (strcmp(f->egress_flow_classifier_parent, "root") &&
	    sscanf(f->egress_flow_classifier_parent, "%x:%x%c", &a, &b, &tail) != 2)
		return nis_err_set(err, -EINVAL, "--egress_flow_classifier_parent=%s is "
				   "neither 'root' nor a handle MAJOR:MINOR",
				   f->egress_flow_classifier_parent);
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(f->logging_level, levels[i]))
			break;
	if (i == sizeof(levels) / sizeof(levels[0]))
		return nis_err_set(err, -EINVAL, "--logging_level=%s is not one of "
				   "ERROR, WARNING, INFO, DEBUG", f->logging_level);
	if (f->http_credentials && access(f->http_credentials, R_OK))
		return nis_err_set(err, -ENOENT, "--http_credentials=%s cannot be read",
				   f->http_credentials);
	if ((f->authenticate_http_readonly || f->authenticate_http_readwrite) &&
	    !f->http_credentials)
		return nis_err_set(err, -EINVAL, "HTTP authentication needs --http_credentials");
	return 0;
}

/* The classes file is parsed at start so a bad line stops the agent with
 * its line number, before anything is made. */
static int check_classes(struct iso_config *c, struct nis_err *err)
{
	if (!c->flags.network_classes)
		return 0;
	return acct_classes_load(c->flags.network_classes, &c->classes, err);
}

int iso_config_check_flags(struct iso_config *c, struct nis_err *err)
{
	int rc;

	pm_resources_init(&c->res);
	if ((rc = check_isolation(c->flags.isolation, err)) ||
	    (rc = check_resources(c, err)) ||
	    (rc = check_blocks(c, err)) ||
	    (rc = check_rates(c, err)) ||
	    (rc = check_misc(&c->flags, err)) ||
	    (rc = check_classes(c, err)))
		return rc;
	return 0;
}

static int check_privileges(struct nis_err *err)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	uint32_t need = (1u << CAP_NET_ADMIN) | (1u << CAP_SYS_ADMIN);

	if (syscall(SYS_capget, &hdr, data))
		return nis_err_set(err, -errno, "cannot read capabilities: %s", strerror(errno));
	if ((data[0].effective & need) != need)
		return nis_err_set(err, -EPERM, "netisold must run as root "
				   "(needs CAP_NET_ADMIN and CAP_SYS_ADMIN)");
	return 0;
}

static int check_local_port_range(const struct pm_set *eph, struct nis_err *err)
{
	struct pm_set host;
	unsigned lo, hi;
	char buf[64], pool[256];
	int rc, overlap;

	if ((rc = tc_sysctl_read("net.ipv4.ip_local_port_range", buf, sizeof(buf), err)))
		return rc;
	if (sscanf(buf, "%u %u", &lo, &hi) != 2 || lo > hi || hi > 65535)
		return nis_err_set(err, -EINVAL, "cannot parse net.ipv4.ip_local_port_range "
				   "'%s'", buf);
	pm_set_init(&host);
	if ((rc = pm_set_add(&host, lo, hi)))
		return nis_err_set(err, rc, "out of memory");
	overlap = pm_set_overlaps(&host, eph);
	pm_set_free(&host);
	if (!overlap)
		return 0;
	format_set(eph, pool, sizeof(pool));
	return nis_err_set(err, -EINVAL,
			   "ephemeral_ports %s overlap the host's net.ipv4.ip_local_port_range "
			   "%u-%u; move the host's range out of the pool first", pool, lo, hi);
}

/* --X_rate_per_cpu=auto: the link's speed shared by the agent's cpus. */
static int auto_per_cpu(struct iso_config *c, const char *flag, const char *dir,
			uint64_t speed, struct iso_opt_u64 *out, struct nis_err *err)
{
	if (!flag || strcmp(flag, "auto"))
		return 0;
	if ((uint64_t)c->res.cpus == 0)
		return nis_err_set(err, -EINVAL, "CPUs resource has to be specified to determine "
				   "per CPU %s rate limit (--resources=cpus:N;...)", dir);
	if (!speed)
		return nis_err_set(err, -EINVAL, "Failed to determine per CPU %s rate limit: "
				   "the link speed of %s is unknown (give --network_link_speed)",
				   dir, c->host.name);
	out->v = speed / (uint64_t)c->res.cpus;
	out->set = true;
	log_msg(LOG_INFO, "Using %lluB per CPU %s rate limit (%lluB/%llu)",
		(unsigned long long)out->v, dir, (unsigned long long)speed,
		(unsigned long long)c->res.cpus);
	return 0;
}

/* A limit above the link's speed is refused (a maximum only warned of),
 * as Mesos does; a link that reports no speed is not checked. */
static int over_speed(const struct iso_opt_u64 *o, const char *name, uint64_t speed,
		      bool refuse, struct nis_err *err)
{
	if (!o->set || !speed || o->v <= speed)
		return 0;
	if (!refuse) {
		log_msg(LOG_WARN, "The given --%s is greater than the link speed (%lluB) and "
			"will not be achieved", name, (unsigned long long)speed);
		return 0;
	}
	return nis_err_set(err, -EINVAL, "--%s (%lluB) is greater than the host link speed "
			   "%lluB", name, (unsigned long long)o->v, (unsigned long long)speed);
}

static int check_link_speed(struct iso_config *c, struct nis_err *err)
{
	const struct iso_flags *f = &c->flags;
	uint64_t link = 0, speed;
	int rc;

	if ((rc = tc_link_speed(c->host.name, &link, err)))
		return nis_err_prefix(err, rc, "Failed to determine link speed of '%s'",
				      c->host.name);
	speed = f->network_link_speed.set ? f->network_link_speed.v : link;
	if ((rc = auto_per_cpu(c, f->egress_rate_per_cpu, "egress", speed,
			       &c->egress_per_cpu, err)) ||
	    (rc = auto_per_cpu(c, f->ingress_rate_per_cpu, "ingress", speed,
			       &c->ingress_per_cpu, err)) ||
	    (rc = over_speed(&f->egress_rate_limit_per_container,
			     "egress_rate_limit_per_container", link, true, err)) ||
	    (rc = over_speed(&f->minimum_egress_rate_limit, "minimum_egress_rate_limit",
			     link, true, err)) ||
	    (rc = over_speed(&f->ingress_rate_limit_per_container,
			     "ingress_rate_limit_per_container", link, true, err)) ||
	    (rc = over_speed(&f->minimum_ingress_rate_limit, "minimum_ingress_rate_limit",
			     link, true, err)))
		return rc;
	over_speed(&f->maximum_egress_rate_limit, "maximum_egress_rate_limit", link, false, NULL);
	over_speed(&f->maximum_ingress_rate_limit, "maximum_ingress_rate_limit", link, false,
		   NULL);
	return 0;
}

int iso_config_check_host(struct iso_config *c, struct nis_err *err)
{
	int rc;

	if ((rc = check_privileges(err)) ||
	    (rc = check_local_port_range(&c->res.ephemeral, err)) ||
	    (rc = tc_host_probe(c->flags.eth0_name, c->flags.lo_name, &c->host, err)) ||
	    (rc = check_link_speed(c, err)))
		return rc;
	return 0;
}

void iso_config_free(struct iso_config *c)
{
	pm_resources_free(&c->res);
	acct_classes_free(&c->classes);
	iso_flags_free(&c->flags);
}
