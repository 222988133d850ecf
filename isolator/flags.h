/* flags.h - netisold's command line: the flag table, Mesos spelling
 * (--f=v, --f v, --f, --no-f), NETISOL_* environment, generated --help. */
#ifndef NIS_ISOLATOR_FLAGS_H
#define NIS_ISOLATOR_FLAGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "acct/store.h"
#include "common/err.h"

/* An optional number: "unset" is explicit, never a magic zero. */
struct iso_opt_u64 {
	bool set;
	uint64_t v;
};

enum iso_bloat { ISO_BLOAT_AUTO, ISO_BLOAT_FQ_CODEL, ISO_BLOAT_NONE };

struct iso_flags {
	char *isolation;
	char *resources;
	uint64_t ephemeral_ports_per_container;
	struct iso_opt_u64 egress_rate_limit_per_container;
	struct iso_opt_u64 egress_burst;
	struct iso_opt_u64 egress_ceil_limit;
	struct iso_opt_u64 minimum_egress_rate_limit;
	struct iso_opt_u64 maximum_egress_rate_limit;
	char *egress_rate_per_cpu;	/* bytes/s or "auto"; config.c resolves it */
	struct iso_opt_u64 ingress_rate_limit_per_container;
	char *ingress_rate_per_cpu;
	struct iso_opt_u64 ingress_burst;
	struct iso_opt_u64 ingress_ceil_limit;
	struct iso_opt_u64 minimum_ingress_rate_limit;
	struct iso_opt_u64 maximum_ingress_rate_limit;
	bool ingress_isolate_existing_containers;
	struct iso_opt_u64 network_link_speed;
	bool egress_unique_flow_per_container;
	char *egress_flow_classifier_parent;
	enum iso_bloat bloat_reduction;
	char *eth0_name;
	char *lo_name;
	bool network_enable_socket_statistics_summary;
	bool network_enable_socket_statistics_details;
	bool network_enable_snmp_statistics;
	bool network_enable_rate_statistics;
	struct iso_opt_u64 network_rate_statistics_window;	/* ns */
	struct iso_opt_u64 network_rate_statistics_interval;	/* ns */
	struct iso_opt_u64 max_executors_per_agent;
	char *ip;
	uint64_t port;
	char *work_dir;
	char *runtime_dir;
	bool cleanup_on_exit;
	uint64_t accounting_interval_ns;
	char *network_classes;
	struct iso_opt_u64 accounting_minute_retention;	/* ns; unset: forever */
	struct iso_opt_u64 accounting_hour_retention;
	struct iso_opt_u64 accounting_day_retention;
	struct iso_opt_u64 accounting_month_retention;
	bool authenticate_http_readonly;
	bool authenticate_http_readwrite;
	char *http_credentials;
	char *logging_level;
};

enum iso_flags_action { ISO_FLAGS_RUN, ISO_FLAGS_HELP, ISO_FLAGS_VERSION };

/* Fills every field with its default. */
int iso_flags_init(struct iso_flags *f, struct nis_err *err);
void iso_flags_free(struct iso_flags *f);

/* Loads environ's NETISOL_* variables, then argv (which wins).
 * *action says whether --help or --version was asked for. */
int iso_flags_load(struct iso_flags *f, char **environ_, int argc,
		   char **argv, enum iso_flags_action *action,
		   struct nis_err *err);

/* Prints one line per flag with its default, generated from the table. */
void iso_flags_help(FILE *out, const char *prog);

/* Logs the resolved configuration, one line. */
void iso_flags_log(const struct iso_flags *f);

/* The --accounting_*_retention flags as the history's retention (seconds;
 * -1 for forever). */
struct acct_retention iso_flags_retention(const struct iso_flags *f);

#endif
