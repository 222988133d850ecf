/* test_auth.c - the credentials file: operators, tenants and their
 * "containers", the refusals (naming file and principal), http_scope_sees. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/auth.h"
#include "tests/unit/unit.h"

#define DIR_TEMPLATE "/tmp/nis_auth_XXXXXX"
static char dir[sizeof(DIR_TEMPLATE)];
static char path[sizeof(dir) + 16];

static void setup(void)
{
	/* afresh each time: mkdtemp consumed the template (CK_FORK=no) */
	strcpy(dir, DIR_TEMPLATE);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/creds.json", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

/* Writes text as the credentials file and loads it. */
static int load(const char *text, struct http_auth **a, struct nis_err *err)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	*a = NULL;
	return http_auth_load(path, true, false, a, err);
}

/* The scope of user:pass; fails the test when they do not match. */
static const struct http_scope *scope_of(const struct http_auth *a, const char *user,
					 const char *pass)
{
	const struct http_scope *s = (const void *)1;

	ck_assert_ptr_nonnull(http_auth_check_scoped(a, user, pass, &s));
	return s;
}

START_TEST(test_operators_only)
{
	struct http_auth *a;
	struct nis_err err = { "" };
	const struct http_scope *s = (const void *)1;

	ck_assert_int_eq(load("{\"credentials\":[{\"principal\":\"ops\",\"secret\":\"x\"}]}",
			      &a, &err), 0);
	ck_assert_str_eq(http_auth_check(a, "ops", "x"), "ops");
	ck_assert_ptr_null(scope_of(a, "ops", "x"));
	ck_assert_ptr_null(http_auth_check_scoped(a, "ops", "y", &s));
	ck_assert_ptr_null(s);	/* no match: unscoped, never a stale pointer */
	ck_assert_ptr_null(http_auth_check_scoped(a, NULL, NULL, &s));
	ck_assert(http_scope_sees(NULL, "anything"));
	http_auth_free(a);
}
END_TEST

START_TEST(test_tenant)
{
	struct http_auth *a;
	struct nis_err err = { "" };
	const struct http_scope *s;

	ck_assert_int_eq(load("{\"credentials\":[{\"principal\":\"ops\",\"secret\":\"x\"},"
			      "{\"principal\":\"alice\",\"secret\":\"y\","
			      "\"containers\":[\"job.2\",\"job.1\",\"a-b_C\",\"job.1\"]},"
			      "{\"principal\":\"nobody\",\"secret\":\"z\",\"containers\":[]}]}",
			      &a, &err), 0);
	ck_assert_ptr_null(scope_of(a, "ops", "x"));
	s = scope_of(a, "alice", "y");
	ck_assert_ptr_nonnull(s);
	ck_assert(http_scope_sees(s, "job.1"));
	ck_assert(http_scope_sees(s, "job.2"));
	ck_assert(http_scope_sees(s, "a-b_C"));
	ck_assert(!http_scope_sees(s, "job.3"));
	ck_assert(!http_scope_sees(s, "job"));
	ck_assert(!http_scope_sees(s, "a-b_c"));
	ck_assert(!http_scope_sees(s, ""));
	ck_assert(!http_scope_sees(s, NULL));
	/* An empty list is a tenant who sees nothing, not an operator. */
	s = scope_of(a, "nobody", "z");
	ck_assert_ptr_nonnull(s);
	ck_assert(!http_scope_sees(s, "job.1"));
	ck_assert_ptr_null(http_auth_check(a, "alice", "x"));
	http_auth_free(a);
}
END_TEST

/* Every id of the largest list is found, and its neighbours are not. */
START_TEST(test_largest_scope)
{
	size_t len = 64 + HTTP_SCOPE_MAX * 16;
	char *text = malloc(len), id[32];
	struct http_auth *a;
	struct nis_err err = { "" };
	const struct http_scope *s;
	size_t n;

	n = (size_t)snprintf(text, len, "{\"credentials\":[{\"principal\":\"t\",\"secret\":"
			     "\"s\",\"containers\":[");
	for (int i = HTTP_SCOPE_MAX - 1; i >= 0; i--)	/* reversed: the load sorts */
		n += (size_t)snprintf(text + n, len - n, "%s\"c%d\"", i < HTTP_SCOPE_MAX - 1 ?
				      "," : "", 2 * i);
	snprintf(text + n, len - n, "]}]}");
	ck_assert_int_eq(load(text, &a, &err), 0);
	s = scope_of(a, "t", "s");
	for (int i = 0; i < 2 * HTTP_SCOPE_MAX; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		UCHECK(http_scope_sees(s, id) == (i % 2 == 0));
	}
	http_auth_free(a);
	free(text);
}
END_TEST

static const struct {
	const char *containers;	/* the value of alice's "containers" */
	const char *needle;
} bad[] = {
	{ "\"job.1\"", "\"containers\" must be an array of at most 1024 container ids" },
	{ "{\"id\":\"job.1\"}", "\"containers\" must be an array" },
	{ "null", "\"containers\" must be an array" },
	{ "[\"job.1\", 7]", "containers[1] is not a string" },
	{ "[[\"job.1\"]]", "containers[0] is not a string" },
	{ "[\"bad id\"]", "containers[0] 'bad id' is not a container id" },
	{ "[\"job/1\"]", "containers[0] 'job/1' is not a container id" },
	{ "[\"\"]", "containers[0] '' is not a container id" },
	{ "[\"..\"]", "containers[0] '..' is not a container id" },
	{ "[\"x\\ny\"]", "containers[0] 'x?y' is not a container id" },
	{ "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]",
	  "is not a container id (1-64 of [A-Za-z0-9._-])" },
};

START_TEST(test_refused)
{
	char text[512], want[128];
	struct http_auth *a;
	struct nis_err err = { "" };

	snprintf(text, sizeof(text), "{\"credentials\":[{\"principal\":\"ops\",\"secret\":"
		 "\"x\"},{\"principal\":\"alice\",\"secret\":\"y\",\"containers\":%s}]}",
		 bad[_i].containers);
	ck_assert_int_eq(load(text, &a, &err), -EINVAL);
	ck_assert_ptr_null(a);
	snprintf(want, sizeof(want), "%s: principal 'alice': ", path);
	ck_assert_msg(strstr(err.msg, want) == err.msg, "'%s' does not start with '%s'",
		      err.msg, want);
	ck_assert_msg(strstr(err.msg, bad[_i].needle), "'%s' lacks '%s'", err.msg,
		      bad[_i].needle);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
}
END_TEST

START_TEST(test_refused_other)
{
	size_t len = 64 + (HTTP_SCOPE_MAX + 1) * 16, n;
	char *text = malloc(len);
	struct http_auth *a;
	struct nis_err err = { "" };

	/* One id too many. */
	n = (size_t)snprintf(text, len, "{\"credentials\":[{\"principal\":\"bob\",\"secret\":"
			     "\"s\",\"containers\":[");
	for (int i = 0; i <= HTTP_SCOPE_MAX; i++)
		n += (size_t)snprintf(text + n, len - n, "%s\"c%d\"", i ? "," : "", i);
	snprintf(text + n, len - n, "]}]}");
	ck_assert_int_eq(load(text, &a, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "principal 'bob': \"containers\" must be an "
					      "array of at most 1024"));
	free(text);
	/* A misspelt "containers" would make a tenant an operator. */
	ck_assert_int_eq(load("{\"credentials\":[{\"principal\":\"bob\",\"secret\":\"s\","
			      "\"container\":[\"job.1\"]}]}", &a, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "principal 'bob': unknown field 'container'"));
	/* A principal with a newline still gives one line. */
	ck_assert_int_eq(load("{\"credentials\":[{\"principal\":\"b\\nob\",\"secret\":\"s\","
			      "\"containers\":3}]}", &a, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "principal 'b?ob': "));
	/* Without principal or secret, as before. */
	ck_assert_int_eq(load("{\"credentials\":[{\"principal\":\"bob\",\"containers\":[]}]}",
			      &a, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "credentials[0] needs a principal and a secret"));
}
END_TEST

void add_auth_tests(Suite *s)
{
	TCase *tc = tcase_create("auth");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_operators_only);
	tcase_add_test(tc, test_tenant);
	tcase_add_test(tc, test_largest_scope);
	tcase_add_loop_test(tc, test_refused, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_refused_other);
	suite_add_tcase(s, tc);
}
