/* test_resources.c - the --resources flag: the default, several ranges,
 * roles, whitespace, other Mesos resources ignored, and every rejection
 * quoting the entry at fault. */
#include <errno.h>
#include <string.h>

#include "portmap/resources.h"
#include "tests/unit/unit.h"

static void assert_set_text(const struct pm_set *s, const char *want)
{
	char buf[256];

	ck_assert_int_ge(pm_set_format(s, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
}

START_TEST(test_default)
{
	struct nis_err err = { "" };
	struct pm_resources r;

	pm_resources_init(&r);
	ck_assert_int_eq(pm_resources_parse("ports:[31000-32000];ephemeral_ports:[32768-57344]",
					    &r, &err), 0);
	ck_assert(r.has_ports);
	ck_assert(r.has_ephemeral);
	assert_set_text(&r.ports, "[31000-32000]");
	assert_set_text(&r.ephemeral, "[32768-57344]");
	pm_resources_free(&r);
	ck_assert(!r.has_ports);
	ck_assert_uint_eq(r.ports.n, 0);
	pm_resources_free(&r);
}
END_TEST

START_TEST(test_variants)
{
	struct nis_err err = { "" };
	struct pm_resources r;

	pm_resources_init(&r);
	ck_assert_int_eq(pm_resources_parse("ports:[31000-31500,32000-32500]", &r, &err), 0);
	ck_assert(r.has_ports);
	ck_assert(!r.has_ephemeral);
	assert_set_text(&r.ports, "[31000-31500,32000-32500]");
	ck_assert_uint_eq(r.ephemeral.n, 0);

	/* Whitespace, roles, other resources, empty entries. */
	ck_assert_msg(pm_resources_parse(" cpus:8; mem : 1024 ;disk(*):4096.5;gpus:0;;"
					 " ports(*) : [ 31000 - 31009 , 31020-31029 ] ;"
					 "ephemeral_ports(role1):[40000-40999];"
					 "zones:{a, b,c};numa:[0-1, 4-7];cpus(role1):2; ",
					 &r, &err) == 0, "%s", err.msg);
	assert_set_text(&r.ports, "[31000-31009,31020-31029]");
	assert_set_text(&r.ephemeral, "[40000-40999]");

	/* A later successful parse replaces everything. */
	ck_assert_int_eq(pm_resources_parse("ephemeral_ports:[]", &r, &err), 0);
	ck_assert(!r.has_ports);
	ck_assert(r.has_ephemeral);
	ck_assert_uint_eq(r.ports.n, 0);
	ck_assert_uint_eq(r.ephemeral.n, 0);

	ck_assert_int_eq(pm_resources_parse("", &r, &err), 0);
	ck_assert(!r.has_ports && !r.has_ephemeral);
	ck_assert_int_eq(pm_resources_parse(" ; ;", &r, NULL), 0);
	ck_assert_int_eq(pm_resources_parse("cpus:4", &r, NULL), 0);
	ck_assert(!r.has_ports && !r.has_ephemeral);
	pm_resources_free(&r);
}
END_TEST

static const struct {
	const char *text;
	const char *quote1, *quote2;
} bad[] = {
	{ "ports:[", "'ports:['", "missing ']'" },
	{ "ports:[32000-31000]", "'32000-31000'", "begin is greater than end" },
	{ "ports:[31000-70000]", "'ports:[31000-70000]'", "70000" },
	{ "ephemeral_ports:[1-5,3-8]", "'3-8'", "'ephemeral_ports'" },
	{ "ports:31000-32000", "'ports:31000-32000'", "'['" },
	{ "ports:[1-2];ports:[3-4]", "'ports:[3-4]'", "more than once" },
	{ "ports:[1-2];ports(r1):[3-4]", "'ports(r1):[3-4]'", "more than once" },
	{ "ephemeral_ports:[1-2]; ephemeral_ports:[1-2]", "'ephemeral_ports:[1-2]'", "more than once" },
	{ "ephemeral_ports(a):[1-2];ephemeral_ports(b):[3-4]", "'ephemeral_ports(b):[3-4]'", "more than once" },
	{ "cpus:8;mem:1;cpus:4", "'cpus:4'", "more than once" },
	{ "cpus(r):8;cpus(r):4", "'cpus(r):4'", "more than once" },
	{ "ports", "'ports'", "':'" },
	{ "ports[1-2]", "'ports[1-2]'", "':'" },
	{ "ports:", "'ports:'", "missing value" },
	{ "ports:  ;cpus:1", "'ports:'", "missing value" },
	{ ":[1-2]", "':[1-2]'", "NAME:VALUE" },
	{ "ports(:[1-2]", "'ports(:[1-2]'", "role" },
	{ "ports():[1-2]", "'ports():[1-2]'", "role" },
	{ "ports(a b):[1-2]", "'ports(a b):[1-2]'", "role" },
	{ "cpus:abc", "'cpus:abc'", "number, a range list or a {set}" },
	{ "cpus:-1", "'cpus:-1'", "number" },
	{ "cpus:1.", "'cpus:1.'", "number" },
	{ "mem:10MB", "'mem:10MB'", "number" },
	{ "zones:{a,b", "'zones:{a,b'", "{set}" },
	{ "zones:{a,{b}}", "'zones:{a,{b}}'", "{set}" },
	{ "numa:[0-1", "'numa:[0-1'", "range list" },
	{ "numa:[a-b]", "'numa:[a-b]'", "range list" },
	{ "cpus:8;ports:[1-2]x;mem:5", "'ports:[1-2]x'", "'x'" },
};

START_TEST(test_rejects)
{
	struct nis_err err = { "" };
	struct pm_resources r;

	pm_resources_init(&r);
	/* Outputs from an earlier parse must survive a failed one. */
	ck_assert_int_eq(pm_resources_parse("ports:[10-20];ephemeral_ports:[32768-33791]", &r, NULL), 0);
	ck_assert_int_eq(pm_resources_parse(bad[_i].text, &r, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, bad[_i].quote1) && strstr(err.msg, bad[_i].quote2),
		      "'%s': message '%s' lacks %s or %s", bad[_i].text, err.msg,
		      bad[_i].quote1, bad[_i].quote2);
	ck_assert(r.has_ports && r.has_ephemeral);
	assert_set_text(&r.ports, "[10-20]");
	assert_set_text(&r.ephemeral, "[32768-33791]");
	ck_assert_int_eq(pm_resources_parse(bad[_i].text, &r, NULL), -EINVAL);
	pm_resources_free(&r);
}
END_TEST

START_TEST(test_messages_exact)
{
	struct nis_err err = { "" };
	struct pm_resources r;

	pm_resources_init(&r);
	ck_assert_int_eq(pm_resources_parse("ports:[", &r, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "invalid resource 'ports:[': invalid range list '[' for 'ports': missing ']'");
	ck_assert_int_eq(pm_resources_parse("ports:[31000-32000];ports:[33000-34000]", &r, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "invalid resource 'ports:[33000-34000]': 'ports' is given more than once");
	ck_assert_int_eq(pm_resources_parse(NULL, &r, &err), -EINVAL);
	pm_resources_free(&r);
}
END_TEST

void add_resources_tests(Suite *s)
{
	TCase *tc = tcase_create("resources");

	tcase_add_test(tc, test_default);
	tcase_add_test(tc, test_variants);
	tcase_add_loop_test(tc, test_rejects, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_messages_exact);
	suite_add_tcase(s, tc);
}
