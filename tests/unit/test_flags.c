/* test_flags.c - netisold's command line and the flag-only validation. */
#include <stdlib.h>
#include <string.h>

#include "isolator/config.h"
#include "isolator/flags.h"
#include "tests/unit/unit.h"

#define ARGV(...) ((char *[]){ "netisold", __VA_ARGS__, NULL })

/* Loads the NULL-terminated argv (and env) into f; returns the rc and
 * leaves err filled. */
static int load(struct iso_flags *f, char **env, char **argv,
		enum iso_flags_action *act, struct nis_err *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	ck_assert_int_eq(iso_flags_init(f, err), 0);
	return iso_flags_load(f, env, argc, argv, act, err);
}

START_TEST(test_defaults)
{
	struct iso_flags f;
	struct nis_err err;

	ck_assert_int_eq(iso_flags_init(&f, &err), 0);
	ck_assert_ptr_null(f.isolation);
	ck_assert_str_eq(f.resources, "ports:[31000-32000];ephemeral_ports:[32768-57344]");
	ck_assert_uint_eq(f.ephemeral_ports_per_container, 1024);
	ck_assert(!f.egress_rate_limit_per_container.set);
	ck_assert(f.minimum_egress_rate_limit.set);
	ck_assert_uint_eq(f.minimum_egress_rate_limit.v, 125000);
	ck_assert(!f.maximum_egress_rate_limit.set);
	ck_assert_int_eq(f.bloat_reduction, ISO_BLOAT_AUTO);
	ck_assert_str_eq(f.ip, "0.0.0.0");
	ck_assert_uint_eq(f.port, 5051);
	ck_assert_str_eq(f.work_dir, "/var/lib/netisol");
	ck_assert_str_eq(f.runtime_dir, "/run/netisol");
	ck_assert_uint_eq(f.accounting_interval_ns, 60000000000ull);
	ck_assert_str_eq(f.egress_flow_classifier_parent, "root");
	ck_assert(!f.cleanup_on_exit);
	iso_flags_free(&f);
}
END_TEST

START_TEST(test_spellings)
{
	char **argv = ARGV("--isolation=network/port_mapping",
			   "--egress_rate_limit_per_container", "37500KB",
			   "--egress_unique_flow_per_container",
			   "--cleanup_on_exit=true", "--no-cleanup_on_exit",
			   "--network_enable_snmp_statistics=false",
			   "--port", "6000", "--accounting_interval=2mins",
			   "--bloat_reduction=none");
	enum iso_flags_action act;
	struct iso_flags f;
	struct nis_err err;

	ck_assert_int_eq(load(&f, NULL, argv, &act, &err), 0);
	ck_assert_int_eq(act, ISO_FLAGS_RUN);
	ck_assert_str_eq(f.isolation, "network/port_mapping");
	ck_assert(f.egress_rate_limit_per_container.set);
	ck_assert_uint_eq(f.egress_rate_limit_per_container.v, 38400000);
	ck_assert(f.egress_unique_flow_per_container);
	ck_assert(!f.cleanup_on_exit);
	ck_assert(!f.network_enable_snmp_statistics);
	ck_assert_uint_eq(f.port, 6000);
	ck_assert_uint_eq(f.accounting_interval_ns, 120000000000ull);
	ck_assert_int_eq(f.bloat_reduction, ISO_BLOAT_NONE);
	iso_flags_free(&f);
}
END_TEST

START_TEST(test_env_and_precedence)
{
	char *env[] = { "PATH=/bin", "NETISOL_PORT=7000", "NETISOL_WORK_DIR=/tmp/w",
			"NETISOL_CLEANUP_ON_EXIT=true", "NETISOL_NOT_A_FLAG=1", NULL };
	char **argv = ARGV("--port=8000");
	enum iso_flags_action act;
	struct iso_flags f;
	struct nis_err err;

	ck_assert_int_eq(load(&f, env, argv, &act, &err), 0);
	ck_assert_uint_eq(f.port, 8000);
	ck_assert_str_eq(f.work_dir, "/tmp/w");
	ck_assert(f.cleanup_on_exit);
	iso_flags_free(&f);
}
END_TEST

START_TEST(test_bad_flags)
{
	static const struct { const char *arg, *needle; } cases[] = {
		{ "--bogus=1", "unknown flag 'bogus'" },
		{ "--port=abc", "invalid value 'abc'" },
		{ "--cleanup_on_exit=maybe", "invalid value 'maybe'" },
		{ "--no-port", "boolean" },
		{ "--egress_rate_limit_per_container=10XB", "egress_rate_limit_per_container" },
		{ "--accounting_interval=soon", "accounting_interval" },
		{ "--bloat_reduction=red", "invalid value 'red'" },
		{ "--port", "missing value" },
		{ "positional", "unexpected argument 'positional'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { "netisold", (char *)cases[i].arg, NULL };
		enum iso_flags_action act;
		struct iso_flags f;
		struct nis_err err = { "" };

		ck_assert_int_lt(load(&f, NULL, argv, &act, &err), 0);
		ck_assert_msg(strstr(err.msg, cases[i].needle), "%s: got '%s'",
			      cases[i].arg, err.msg);
		iso_flags_free(&f);
	}
}
END_TEST

START_TEST(test_help_lists_every_flag)
{
	static const char *const names[] = {
		"isolation", "resources", "ephemeral_ports_per_container",
		"egress_rate_limit_per_container", "egress_burst", "egress_ceil_limit",
		"minimum_egress_rate_limit", "maximum_egress_rate_limit",
		"ingress_rate_limit_per_container", "egress_unique_flow_per_container",
		"egress_flow_classifier_parent", "bloat_reduction", "eth0_name", "lo_name",
		"network_enable_socket_statistics_summary",
		"network_enable_socket_statistics_details",
		"network_enable_snmp_statistics", "max_executors_per_agent", "ip", "port",
		"work_dir", "runtime_dir", "cleanup_on_exit", "accounting_interval",
		"network_classes", "authenticate_http_readonly",
		"authenticate_http_readwrite", "http_credentials",
		"egress_rate_per_cpu", "ingress_rate_per_cpu", "ingress_burst",
		"ingress_ceil_limit", "minimum_ingress_rate_limit", "maximum_ingress_rate_limit",
		"ingress_isolate_existing_containers", "network_link_speed",
		"network_enable_rate_statistics", "network_rate_statistics_window",
		"network_rate_statistics_interval",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	char **argv = ARGV("--help");
	enum iso_flags_action act;
	struct iso_flags f;
	struct nis_err err;

	iso_flags_help(out, "netisold");
	fclose(out);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char needle[80];
		snprintf(needle, sizeof(needle), "--%s ", names[i]);
		ck_assert_msg(strstr(buf, needle), "--help lacks %s", names[i]);
	}
	ck_assert(strstr(buf, "(default: 1024)"));
	ck_assert(strstr(buf, "public interface (default: the interface of the default route)\n"));
	/* one default a line: none of them says it twice */
	for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char *d = strstr(l, "(default:"), *nl = strchr(l, '\n');
		ck_assert_msg(!d || !strstr(d + 1, "(default:") || (nl && strstr(d + 1, "(default:") > nl),
			      "two defaults: %.80s", l);
	}
	free(buf);
	ck_assert_int_eq(load(&f, NULL, argv, &act, &err), 0);
	ck_assert_int_eq(act, ISO_FLAGS_HELP);
	iso_flags_free(&f);
}
END_TEST

/* iso_config_check_flags() on one extra argument; returns its rc. */
static int check(const char *extra, const char *isolation, struct nis_err *err)
{
	char iso[128];
	char *argv[] = { "netisold", iso, (char *)extra, NULL };
	enum iso_flags_action act;
	struct iso_config c;
	int rc;

	memset(&c, 0, sizeof(c));
	snprintf(iso, sizeof(iso), "--isolation=%s", isolation);
	err->msg[0] = '\0';
	if (!extra)
		argv[2] = NULL;
	rc = load(&c.flags, NULL, argv, &act, err);
	ck_assert_msg(rc == 0, "%s", err->msg);
	rc = iso_config_check_flags(&c, err);
	iso_config_free(&c);
	return rc;
}

START_TEST(test_config_refusals)
{
	static const struct { const char *arg, *iso, *needle; } cases[] = {
		{ NULL, "cgroups/cpu", "Unknown or unsupported isolator: cgroups/cpu" },
		{ NULL, "network/port_mapping,filesystem/posix",
		  "Unknown or unsupported isolator: filesystem/posix" },
		{ "--ephemeral_ports_per_container=1000", NULL, "power of two" },
		{ "--ephemeral_ports_per_container=8", NULL, "power of two" },
		{ "--ephemeral_ports_per_container=32768", NULL, "larger than" },
		{ "--resources=ports:[31000-33000];ephemeral_ports:[32768-57344]", NULL,
		  "overlap ports" },
		{ "--resources=ports:[80-90];ephemeral_ports:[32768-57344]", NULL,
		  "below 1024" },
		{ "--resources=ports:[32000-31000]", NULL, "32000-31000" },
		{ "--resources=ports:[", NULL, "ports:[" },
		{ "--port=70000", NULL, "70000" },
		{ "--ip=localhost", NULL, "localhost" },
		{ "--max_executors_per_agent=0", NULL, "max_executors_per_agent" },
		{ "--egress_ceil_limit=1MB", NULL, "need" },
		{ "--work_dir=relative", NULL, "absolute" },
		{ "--logging_level=LOUD", NULL, "LOUD" },
		{ "--authenticate_http_readwrite", NULL, "http_credentials" },
		{ "--ingress_ceil_limit=1MB", NULL, "need --ingress_rate_limit_per_container" },
		{ "--ingress_burst=1MB", NULL, "ingress_rate_per_cpu" },
		{ "--egress_rate_per_cpu=10 MB/s", NULL, "Bad option for 'egress_rate_per_cpu'" },
		{ "--network_enable_rate_statistics", NULL, "Window size and sampling interval" },
	};
	struct nis_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *iso = cases[i].iso ? cases[i].iso : "network/port_mapping";
		ck_assert_msg(check(cases[i].arg, iso, &err) < 0, "%s accepted",
			      cases[i].arg);
		ck_assert_msg(strstr(err.msg, cases[i].needle), "%s: got '%s'",
			      cases[i].arg ? cases[i].arg : iso, err.msg);
	}
	ck_assert_int_lt(check(NULL, "", &err), 0);
	ck_assert(strstr(err.msg, "required"));
}
END_TEST

START_TEST(test_config_min_max_and_ceil)
{
	char *argv[] = { "netisold", "--isolation=network/port_mapping",
			 "--minimum_egress_rate_limit=10MB",
			 "--maximum_egress_rate_limit=1MB", NULL };
	char *argv2[] = { "netisold", "--isolation=network/port_mapping",
			  "--egress_rate_limit_per_container=10MB",
			  "--egress_ceil_limit=10MB", NULL };
	enum iso_flags_action act;
	struct iso_config c;
	struct nis_err err;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(load(&c.flags, NULL, argv, &act, &err), 0);
	ck_assert_int_lt(iso_config_check_flags(&c, &err), 0);
	ck_assert(strstr(err.msg, "exceeds --maximum_egress_rate_limit"));
	iso_config_free(&c);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(load(&c.flags, NULL, argv2, &act, &err), 0);
	ck_assert_int_lt(iso_config_check_flags(&c, &err), 0);
	ck_assert(strstr(err.msg, "must exceed the rate"));
	iso_config_free(&c);
}
END_TEST

START_TEST(test_config_accepts)
{
	struct nis_err err;
	char *argv[] = { "netisold", "--isolation=network/port_mapping",
			   "--resources=cpus:8;mem:1024;ports:[31000-31500,32000-32500];"
			   "ephemeral_ports:[33000-57344]",
			   "--ephemeral_ports_per_container=1024",
			   "--max_executors_per_agent=10", NULL };
	enum iso_flags_action act;
	struct iso_config c;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(load(&c.flags, NULL, argv, &act, &err), 0);
	ck_assert_msg(iso_config_check_flags(&c, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(c.block_size, 1024);
	/* 33000 rounds up to 33792: (57344 - 33792 + 1) / 1024 = 23 blocks, capped at 10 */
	ck_assert_uint_eq(c.max_containers, 10);
	ck_assert_uint_eq(pm_set_count(&c.res.ports), 1002);
	iso_config_free(&c);
	ck_assert_int_eq(check(NULL, "network/port_mapping", &err), 0);
}
END_TEST

/* Mesos' port_mapping rules for the flags it added after netisol's first. */
START_TEST(test_config_mesos_rules)
{
	static const struct { const char *a, *b, *needle; } cases[] = {
		{ "--egress_rate_limit_per_container=1MB", "--egress_rate_per_cpu=auto",
		  "Cannot specify both egress_rate_limit_per_container and egress_rate_per_cpu" },
		{ "--ingress_rate_limit_per_container=1MB", "--ingress_rate_per_cpu=1MB",
		  "Cannot specify both ingress" },
		{ "--minimum_ingress_rate_limit=2MB", "--maximum_ingress_rate_limit=1MB",
		  "exceeds --maximum_ingress_rate_limit" },
		{ "--ingress_rate_limit_per_container=2MB", "--ingress_ceil_limit=2MB",
		  "--ingress_ceil_limit (2097152B) must exceed the rate" },
		{ "--network_enable_rate_statistics", "--network_rate_statistics_window=1secs",
		  "Window size and sampling interval" },
	};
	enum iso_flags_action act;
	struct iso_config c;
	struct nis_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { "netisold", "--isolation=network/port_mapping",
				 (char *)cases[i].a, (char *)cases[i].b, NULL };
		memset(&c, 0, sizeof(c));
		ck_assert_int_eq(load(&c.flags, NULL, argv, &act, &err), 0);
		ck_assert_msg(iso_config_check_flags(&c, &err) < 0, "%s %s accepted",
			      cases[i].a, cases[i].b);
		ck_assert_msg(strstr(err.msg, cases[i].needle), "got '%s'", err.msg);
		iso_config_free(&c);
	}
}
END_TEST

START_TEST(test_config_per_cpu_and_rates)
{
	char *argv[] = { "netisold", "--isolation=network/port_mapping",
			 "--resources=cpus(*):2.5;cpus(web):1.5;ports:[31000-32000]",
			 "--egress_rate_per_cpu=2MB", "--ingress_rate_per_cpu=auto",
			 "--network_enable_rate_statistics", "--network_rate_statistics_window=1secs",
			 "--network_rate_statistics_interval=20ms", "--egress_burst=1MB", NULL };
	enum iso_flags_action act;
	struct iso_config c;
	struct nis_err err;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(load(&c.flags, NULL, argv, &act, &err), 0);
	ck_assert_msg(iso_config_check_flags(&c, &err) == 0, "%s", err.msg);
	ck_assert(c.egress_per_cpu.set);
	ck_assert_uint_eq(c.egress_per_cpu.v, 2u << 20);
	ck_assert(!c.ingress_per_cpu.set);	/* auto: resolved against the link */
	ck_assert(c.res.cpus > 3.99 && c.res.cpus < 4.01);
	ck_assert(c.flags.ingress_isolate_existing_containers);
	ck_assert_uint_eq(c.flags.network_rate_statistics_interval.v, 20000000u);
	iso_config_free(&c);
}
END_TEST

void add_flags_tests(Suite *s)
{
	TCase *tc = tcase_create("flags");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_spellings);
	tcase_add_test(tc, test_env_and_precedence);
	tcase_add_test(tc, test_bad_flags);
	tcase_add_test(tc, test_help_lists_every_flag);
	tcase_add_test(tc, test_config_refusals);
	tcase_add_test(tc, test_config_min_max_and_ceil);
	tcase_add_test(tc, test_config_accepts);
	tcase_add_test(tc, test_config_mesos_rules);
	tcase_add_test(tc, test_config_per_cpu_and_rates);
	suite_add_tcase(s, tc);
}
