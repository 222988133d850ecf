/* test_acct_classes.c - the network classes file: accepted forms, refusals,
 * and longest-prefix lookup against a brute-force model. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct/classes.h"
#include "tests/unit/unit.h"

static struct in_addr ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

START_TEST(test_parse_ok)
{
	struct acct_classes c;
	struct nis_err err = { "" };
	const char *text = "# classes\n1 0.0.0.0/0\n\n2\t10.0.0.0/8   # private\r\n"
			   "  3 10.1.0.0/16\n2 198.19.0.0/16";

	ck_assert_int_eq(acct_classes_parse(text, &c, &err), 0);
	ck_assert_uint_eq(c.n, 4);
	ck_assert_int_eq(acct_classes_lookup(&c, ip("8.8.8.8")), 1);
	ck_assert_int_eq(acct_classes_lookup(&c, ip("10.2.3.4")), 2);
	ck_assert_int_eq(acct_classes_lookup(&c, ip("10.1.3.4")), 3);
	ck_assert_int_eq(acct_classes_lookup(&c, ip("198.19.200.1")), 2);
	acct_classes_free(&c);
	ck_assert_int_eq(acct_classes_parse("", &c, &err), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_int_eq(acct_classes_lookup(&c, ip("8.8.8.8")), -1);
	acct_classes_free(&c);
}
END_TEST

START_TEST(test_parse_refused)
{
	static const struct { const char *text, *msg; } bad[] = {
		{ "1\n", "line 1: expected CLASS CIDR" },
		{ "x 10.0.0.0/8\n", "class is a number" },
		{ "-1 10.0.0.0/8\n", "class is a number" },
		{ "65536 10.0.0.0/8\n", "class is a number" },
		{ "1 10.0.0.0\n", "ADDRESS/LENGTH" },
		{ "1 10.0.0.0/33\n", "prefix length" },
		{ "1 10.0.0.0/-1\n", "prefix length" },
		{ "1 10.0.0.0/8x\n", "prefix length" },
		{ "1 10.0.0.1/8\n", "host bits" },
		{ "1 10.0.0/8\n", "IPv4" },
		{ "1 2001:db8::/32\n", "IPv6 classes are not supported" },
		{ "1 10.0.0.0/8 extra\n", "unexpected text" },
		{ "1 10.0.0.0/8\n2 10.0.0.0/8\n", "line 2: prefix listed twice" },
	};
	struct acct_classes c;
	struct nis_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		ck_assert_int_lt(acct_classes_parse(bad[i].text, &c, &err), 0);
		ck_assert_msg(strstr(err.msg, bad[i].msg), "'%s': got '%s'", bad[i].text,
			      err.msg);
	}
}
END_TEST

START_TEST(test_too_many_classes)
{
	char text[64 * 32] = "", line[64];
	struct acct_classes c;
	struct nis_err err = { "" };

	for (int i = 0; i <= ACCT_NUMBERED_MAX; i++) {
		snprintf(line, sizeof(line), "%d 10.%d.0.0/16\n", i, i);
		strcat(text, line);
	}
	ck_assert_int_lt(acct_classes_parse(text, &c, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 62 classes"));
}
END_TEST

/* Longest prefix: the parsed table against a model that tries every length
 * from 32 down, on random prefixes and addresses. */
START_TEST(test_lookup_model)
{
	struct acct_classes c;
	struct nis_err err = { "" };
	static char text[200 * 32];
	uint32_t nets[200];
	unsigned int lens[200], n = 0;

	srand(7);
	text[0] = '\0';
	while (n < 200) {
		unsigned int len = (unsigned int)rand() % 33;
		uint32_t net = (uint32_t)rand() & (len ? ~0u << (32 - len) : 0);
		char line[48];
		struct in_addr a = { htonl(net) };
		bool dup = false;

		for (unsigned int j = 0; j < n; j++)
			dup |= nets[j] == net && lens[j] == len;
		if (dup)
			continue;
		nets[n] = net;
		lens[n] = len;
		snprintf(line, sizeof(line), "%u %s/%u\n", n % 60, inet_ntoa(a), len);
		strcat(text, line);
		n++;
	}
	ck_assert_int_eq(acct_classes_parse(text, &c, &err), 0);
	for (int t = 0; t < 20000; t++) {
		uint32_t a = (uint32_t)rand() ^ nets[t % 200];
		int want = -1;

		for (int len = 32; len >= 0 && want < 0; len--)
			for (unsigned int j = 0; j < n; j++)
				if (lens[j] == (unsigned int)len &&
				    (a & (len ? ~0u << (32 - len) : 0)) == nets[j])
					want = (int)(j % 60);
		UCHECK_EQ(acct_classes_lookup(&c, (struct in_addr){ htonl(a) }), want);
	}
	acct_classes_free(&c);
}
END_TEST

void add_acct_classes_tests(Suite *s)
{
	TCase *tc = tcase_create("netclass");

	tcase_add_test(tc, test_parse_ok);
	tcase_add_test(tc, test_parse_refused);
	tcase_add_test(tc, test_too_many_classes);
	tcase_add_test(tc, test_lookup_model);
	suite_add_tcase(s, tc);
}
