/* flags.c - the flag table and its parser. --help is generated from the
 * same table, so the documentation cannot drift from what is parsed. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "isolator/flags.h"
#include "portmap/bytes.h"

/* F_OPT_U64, F_BYTES, F_OPT_DURATION and F_RETENTION fill a struct
 * iso_opt_u64; F_U64 a plain uint64_t. */
enum flag_type { F_STR, F_BOOL, F_U64, F_OPT_U64, F_BYTES, F_DURATION, F_OPT_DURATION,
		 F_RETENTION, F_BLOAT };

struct flag_def {
	const char *name;
	enum flag_type type;
	const char *def;	/* default as text; NULL: unset */
	const char *help;
	size_t off;
	const char *shown;	/* the default as --help says it, NULL: def or "none" */
};

#define F(name, type, def, help) \
	{ #name, type, def, help, offsetof(struct iso_flags, name), NULL }
/* A default that is not a value: found at start (an interface, a count). */
#define FD(name, type, shown, help) \
	{ #name, type, NULL, help, offsetof(struct iso_flags, name), shown }

static const struct flag_def flag_table[] = {
	F(isolation, F_STR, NULL,
	  "comma list of isolators; this agent provides network/port_mapping (required)"),
	F(resources, F_STR, "ports:[31000-32000];ephemeral_ports:[32768-57344]",
	  "Mesos resources: ports handed out on request, ephemeral_ports sliced per container"),
	F(ephemeral_ports_per_container, F_U64, "1024",
	  "ephemeral ports per container: a power of two, >= 16, <= the pool"),
	F(egress_rate_limit_per_container, F_BYTES, NULL,
	  "egress cap per container in bytes/s (B, KB, MB, GB; 1024-based), HTB on its eth0"),
	F(egress_burst, F_BYTES, NULL, "HTB burst of the egress class, in bytes"),
	F(egress_ceil_limit, F_BYTES, NULL,
	  "HTB ceil of the egress class in bytes/s; must exceed the rate"),
	F(minimum_egress_rate_limit, F_BYTES, "125000B",
	  "lowest egress rate a container may ask for, bytes/s"),
	F(maximum_egress_rate_limit, F_BYTES, NULL,
	  "highest egress rate a container may ask for, bytes/s"),
	F(egress_rate_per_cpu, F_STR, NULL,
	  "egress cap per whole CPU of the container (bytes/s), or auto: link speed / cpus"),
	F(ingress_rate_limit_per_container, F_BYTES, NULL,
	  "ingress cap per container in bytes/s, HTB on the host-side veth"),
	F(ingress_rate_per_cpu, F_STR, NULL,
	  "ingress cap per whole CPU of the container (bytes/s), or auto: link speed / cpus"),
	F(ingress_burst, F_BYTES, NULL, "HTB burst of the ingress class, in bytes"),
	F(ingress_ceil_limit, F_BYTES, NULL,
	  "HTB ceil of the ingress class in bytes/s; must exceed the rate"),
	F(minimum_ingress_rate_limit, F_BYTES, NULL,
	  "lowest ingress rate a container may ask for, bytes/s"),
	F(maximum_ingress_rate_limit, F_BYTES, NULL,
	  "highest ingress rate a container may ask for, bytes/s"),
	F(ingress_isolate_existing_containers, F_BOOL, "true",
	  "a PATCH of cpus gives a container without an ingress cap the derived one"),
	FD(network_link_speed, F_BYTES, "the public interface's speed",
	   "link speed in bytes/s for the per-cpu auto rates"),
	F(egress_unique_flow_per_container, F_BOOL, "false",
	  "one fq_codel flow per container on the public interface"),
	F(egress_flow_classifier_parent, F_STR, "root",
	  "parent of the per-container flow classifier qdisc"),
	F(bloat_reduction, F_BLOAT, "auto",
	  "leaf under the HTB class: fq_codel, none, or auto (fq_codel when the kernel has it)"),
	FD(eth0_name, F_STR, "the interface of the default route", "public interface"),
	FD(lo_name, F_STR, "the loopback interface", "loopback interface"),
	F(network_enable_socket_statistics_summary, F_BOOL, "false",
	  "add net_tcp_active_connections and net_tcp_time_wait_connections"),
	F(network_enable_socket_statistics_details, F_BOOL, "false",
	  "add net_tcp_rtt_microsecs_p50/p90/p95/p99"),
	F(network_enable_snmp_statistics, F_BOOL, "false", "add net_snmp_statistics"),
	F(network_enable_rate_statistics, F_BOOL, "false",
	  "add net_rate_statistics (needs the window and the interval)"),
	F(network_rate_statistics_window, F_OPT_DURATION, NULL,
	  "span of the rate percentiles; longer than the interval"),
	F(network_rate_statistics_interval, F_OPT_DURATION, NULL,
	  "how often the rates are sampled; at least 20ms"),
	FD(max_executors_per_agent, F_OPT_U64, "pool size / block size",
	   "cap on live containers"),
	F(ip, F_STR, "0.0.0.0", "address of the TCP listener"),
	F(port, F_U64, "5051", "port of the TCP listener"),
	F(work_dir, F_STR, "/var/lib/netisol", "checkpointed state and accounting database"),
	F(runtime_dir, F_STR, "/run/netisol",
	  "netns handles (netns/<container_id>) and the unix socket api.sock"),
	F(cleanup_on_exit, F_BOOL, "false",
	  "on SIGTERM/SIGINT tear every container down, else leave them running"),
	{ "accounting_interval", F_DURATION, "60secs",
	  "how often traffic deltas are written to the history (secs, mins, ...)",
	  offsetof(struct iso_flags, accounting_interval_ns), NULL },
	F(network_classes, F_STR, NULL,
	  "file of 'CLASS CIDR' lines; traffic is counted per class of the peer"),
	F(accounting_minute_retention, F_RETENTION, "48hrs",
	  "how long per-minute history is kept (a duration, or forever)"),
	F(accounting_hour_retention, F_RETENTION, "62days",
	  "how long per-hour history is kept (a duration, or forever)"),
	F(accounting_day_retention, F_RETENTION, "1826days",
	  "how long per-day history is kept (a duration, or forever)"),
	F(accounting_month_retention, F_RETENTION, "forever",
	  "how long per-month history is kept (a duration, or forever)"),
	F(authenticate_http_readonly, F_BOOL, "false",
	  "require HTTP Basic credentials on read-only endpoints"),
	F(authenticate_http_readwrite, F_BOOL, "false",
	  "allow write endpoints on TCP to authenticated principals"),
	F(http_credentials, F_STR, NULL,
	  "JSON file {\"credentials\":[{\"principal\":..,\"secret\":..}]}"),
	F(logging_level, F_STR, "INFO", "ERROR, WARNING, INFO or DEBUG"),
};

#define N_FLAGS (sizeof(flag_table) / sizeof(flag_table[0]))

static const struct flag_def *flag_find(const char *name, size_t len)
{
	for (size_t i = 0; i < N_FLAGS; i++)
		if (strlen(flag_table[i].name) == len &&
		    !strncmp(flag_table[i].name, name, len))
			return &flag_table[i];
	return NULL;
}

static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "1"))
		*out = true;
	else if (!strcmp(s, "false") || !strcmp(s, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_bloat(const char *s, enum iso_bloat *out)
{
	if (!strcmp(s, "auto"))
		*out = ISO_BLOAT_AUTO;
	else if (!strcmp(s, "fq_codel"))
		*out = ISO_BLOAT_FQ_CODEL;
	else if (!strcmp(s, "none"))
		*out = ISO_BLOAT_NONE;
	else
		return -EINVAL;
	return 0;
}

/* Stores the text value of one flag into its field. */
static int flag_set(struct iso_flags *f, const struct flag_def *d,
		    const char *val, struct nis_err *err)
{
	void *field = (char *)f + d->off;
	struct iso_opt_u64 *opt = field;
	char *copy;
	int rc = 0;

	switch (d->type) {
	case F_STR:
		if (!(copy = strdup(val)))
			return nis_err_set(err, -ENOMEM, "out of memory");
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	case F_BOOL:
		rc = parse_bool(val, field);
		break;
	case F_U64:
		rc = parse_u64(val, field);
		break;
	case F_OPT_U64:
		rc = parse_u64(val, &opt->v);
		opt->set = rc == 0;
		break;
	case F_BLOAT:
		rc = parse_bloat(val, field);
		break;
	case F_DURATION:
		return pm_duration_parse(val, field, err) ?
		       nis_err_prefix(err, -EINVAL, "Failed to load flag '%s'", d->name) : 0;
	case F_OPT_DURATION:
		if (pm_duration_parse(val, &opt->v, err))
			return nis_err_prefix(err, -EINVAL, "Failed to load flag '%s'", d->name);
		opt->set = true;
		return 0;
	case F_RETENTION:
		if ((opt->set = strcmp(val, "forever") != 0) &&
		    pm_duration_parse(val, &opt->v, err))
			return nis_err_prefix(err, -EINVAL, "Failed to load flag '%s'", d->name);
		return 0;
	case F_BYTES:
		if (pm_bytes_parse(val, &opt->v, err))
			return nis_err_prefix(err, -EINVAL, "Failed to load flag '%s'", d->name);
		opt->set = true;
		return 0;
	}
	if (rc)
		return nis_err_set(err, -EINVAL,
				   "Failed to load flag '%s': invalid value '%s'",
				   d->name, val);
	return 0;
}

int iso_flags_init(struct iso_flags *f, struct nis_err *err)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < N_FLAGS; i++) {
		if (!flag_table[i].def)
			continue;
		int rc = flag_set(f, &flag_table[i], flag_table[i].def, err);
		if (rc) {
			iso_flags_free(f);
			return rc;
		}
	}
	return 0;
}

void iso_flags_free(struct iso_flags *f)
{
	for (size_t i = 0; i < N_FLAGS; i++) {
		if (flag_table[i].type != F_STR)
			continue;
		char **p = (char **)((char *)f + flag_table[i].off);
		free(*p);
		*p = NULL;
	}
}

/* NETISOL_EGRESS_BURST=... -> egress_burst; unknown names are ignored,
 * as Mesos ignores unknown MESOS_* variables. */
static int load_env(struct iso_flags *f, char **env, struct nis_err *err)
{
	static const char prefix[] = "NETISOL_";

	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');
		char name[128];
		size_t len;

		if (strncmp(*env, prefix, sizeof(prefix) - 1) || !eq)
			continue;
		len = (size_t)(eq - *env) - (sizeof(prefix) - 1);
		if (len >= sizeof(name))
			continue;
		for (size_t i = 0; i < len; i++)
			name[i] = (char)tolower((unsigned char)(*env)[sizeof(prefix) - 1 + i]);
		name[len] = '\0';
		const struct flag_def *d = flag_find(name, len);
		if (d && flag_set(f, d, eq + 1, err))
			return nis_err_prefix(err, -EINVAL, "environment %.*s",
					      (int)(eq - *env), *env);
	}
	return 0;
}

/* One argv element starting with "--"; may consume the next one. */
static int load_arg(struct iso_flags *f, int argc, char **argv, int *i,
		    enum iso_flags_action *action, struct nis_err *err)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct flag_def *d = flag_find(arg, len);
	bool negated = false;

	if (!strcmp(arg, "help") || !strcmp(arg, "version")) {
		*action = arg[0] == 'h' ? ISO_FLAGS_HELP : ISO_FLAGS_VERSION;
		return 0;
	}
	if (!d && !eq && !strncmp(arg, "no-", 3)) {
		d = flag_find(arg + 3, len - 3);
		negated = d != NULL;
	}
	if (!d)
		return nis_err_set(err, -EINVAL, "Failed to load unknown flag '%.*s'",
				   (int)len, arg);
	if (negated || (d->type == F_BOOL && !eq)) {
		if (d->type != F_BOOL)
			return nis_err_set(err, -EINVAL,
					   "Failed to load flag '%s': '--no-' needs a boolean flag",
					   d->name);
		return flag_set(f, d, negated ? "false" : "true", err);
	}
	if (eq)
		return flag_set(f, d, eq + 1, err);
	if (*i + 1 >= argc)
		return nis_err_set(err, -EINVAL, "Failed to load flag '%s': missing value",
				   d->name);
	return flag_set(f, d, argv[++*i], err);
}

int iso_flags_load(struct iso_flags *f, char **environ_, int argc,
		   char **argv, enum iso_flags_action *action,
		   struct nis_err *err)
{
	int rc;

	*action = ISO_FLAGS_RUN;
	if ((rc = load_env(f, environ_, err)))
		return rc;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) || !argv[i][2])
			return nis_err_set(err, -EINVAL,
					   "unexpected argument '%s' (flags are --name=value)",
					   argv[i]);
		if ((rc = load_arg(f, argc, argv, &i, action, err)))
			return rc;
	}
	return 0;
}

void iso_flags_help(FILE *out, const char *prog)
{
	fprintf(out, "Usage: %s --isolation=network/port_mapping [--flag=value ...]\n\n"
		"Every flag may also be set as NETISOL_<FLAG_IN_UPPER_CASE>; the command\n"
		"line wins. Booleans: --flag, --flag=true|false, --no-flag.\n\n", prog);
	for (size_t i = 0; i < N_FLAGS; i++) {
		const struct flag_def *d = &flag_table[i];
		fprintf(out, "  --%-42s %s (default: %s)\n", d->name, d->help,
			d->shown ? d->shown : d->def ? d->def : "none");
	}
	fprintf(out, "  --%-42s %s\n  --%-42s %s\n", "help", "print this help and exit",
		"version", "print the version and exit");
}

static void opt_text(const struct iso_opt_u64 *o, char *buf, size_t len)
{
	if (o->set)
		snprintf(buf, len, "%lluB", (unsigned long long)o->v);
	else
		snprintf(buf, len, "none");
}

void iso_flags_log(const struct iso_flags *f)
{
	static const char *const bloat[] = { "auto", "fq_codel", "none" };
	char eg[32], in[32];

	opt_text(&f->egress_rate_limit_per_container, eg, sizeof(eg));
	opt_text(&f->ingress_rate_limit_per_container, in, sizeof(in));
	log_msg(LOG_INFO,
		"configuration: resources=%s ephemeral_ports_per_container=%llu "
		"egress_rate_limit=%s ingress_rate_limit=%s bloat_reduction=%s "
		"unique_flows=%s eth0=%s lo=%s listen=%s:%llu work_dir=%s runtime_dir=%s",
		f->resources, (unsigned long long)f->ephemeral_ports_per_container,
		eg, in, bloat[f->bloat_reduction],
		f->egress_unique_flow_per_container ? "true" : "false",
		f->eth0_name ? f->eth0_name : "(default route)",
		f->lo_name ? f->lo_name : "(loopback)", f->ip,
		(unsigned long long)f->port, f->work_dir, f->runtime_dir);
}

struct acct_retention iso_flags_retention(const struct iso_flags *f)
{
	const struct iso_opt_u64 *keep[ACCT_BY_COUNT] = {
		&f->accounting_minute_retention, &f->accounting_hour_retention,
		&f->accounting_day_retention, &f->accounting_month_retention,
	};
	struct acct_retention r;

	for (int t = 0; t < ACCT_BY_COUNT; t++)
		r.seconds[t] = keep[t]->set ? (int64_t)(keep[t]->v / 1000000000ull) : -1;
	return r;
}
