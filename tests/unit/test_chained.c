/* test_chained.c - a chained container's address and MAC as the CNI
 * plugin posts them, and their checkpoint text back. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "isolator/chained.h"
#include "tests/unit/unit.h"

static const struct {
	const char *addr, *mac;
	int rc;
} cases[] = {
	{ "10.88.0.5/16", "aa:bb:cc:dd:ee:f0", 0 },
	{ "198.19.0.5/32", "02:00:00:00:00:01", 0 },
	{ "10.88.0.5", "aa:bb:cc:dd:ee:f0", -EINVAL },		/* no prefix */
	{ "10.88.0.5/0", "aa:bb:cc:dd:ee:f0", -EINVAL },
	{ "10.88.0.5/33", "aa:bb:cc:dd:ee:f0", -EINVAL },
	{ "10.88.0.256/16", "aa:bb:cc:dd:ee:f0", -EINVAL },
	{ "10.88.0.5/16x", "aa:bb:cc:dd:ee:f0", -EINVAL },
	{ "fd00::5/64", "aa:bb:cc:dd:ee:f0", -EINVAL },		/* chained mode is IPv4 */
	{ NULL, "aa:bb:cc:dd:ee:f0", -EINVAL },
	{ "10.88.0.5/16", "ab:bb:cc:dd:ee:f0", -EINVAL },	/* multicast */
	{ "10.88.0.5/16", "00:00:00:00:00:00", -EINVAL },
	{ "10.88.0.5/16", "aa:bb:cc:dd:ee", -EINVAL },
	{ "10.88.0.5/16", "aa:bb:cc:dd:ee:f0:11", -EINVAL },
	{ "10.88.0.5/16", NULL, -EINVAL },
};

START_TEST(test_parse)
{
	struct iso_chain ch = { 0 };
	struct nis_err err = { "" };

	UCHECK_EQ(iso_chain_parse(cases[_i].addr, cases[_i].mac, &ch, &err), cases[_i].rc);
	UCHECK(cases[_i].rc ? err.msg[0] != 0 : ch.on);
}
END_TEST

START_TEST(test_round_trip)
{
	struct iso_chain ch = { 0 }, back = { 0 };
	char addr[24], mac[18];

	UCHECK_EQ(iso_chain_parse("10.88.0.5/16", "AA:bb:cc:dd:ee:f0", &ch, NULL), 0);
	UCHECK_EQ(ch.ip.s_addr, inet_addr("10.88.0.5"));
	UCHECK_EQ(ch.prefixlen, 16);
	iso_chain_format(&ch, addr, sizeof(addr), mac, sizeof(mac));
	UCHECK(!strcmp(addr, "10.88.0.5/16") && !strcmp(mac, "aa:bb:cc:dd:ee:f0"));
	UCHECK_EQ(iso_chain_parse(addr, mac, &back, NULL), 0);
	UCHECK(!memcmp(back.mac, ch.mac, 6) && back.ip.s_addr == ch.ip.s_addr);
}
END_TEST

void add_chained_tests(Suite *s)
{
	TCase *tc = tcase_create("chained");

	tcase_add_loop_test(tc, test_parse, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
}
