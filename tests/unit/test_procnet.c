/* test_procnet.c - /proc/net/sockstat and /proc/net/snmp parsing, RTT
 * percentiles. */
#include <stdlib.h>
#include <string.h>

#include "isolator/procnet.h"
#include "tests/unit/unit.h"

static const char sockstat[] =
	"sockets: used 7\n"
	"TCP: inuse 3 orphan 0 tw 2 alloc 4 mem 1\n"
	"UDP: inuse 1 mem 0\n";

static const char snmp[] =
	"Ip: Forwarding DefaultTTL InReceives\n"
	"Ip: 1 64 140\n"
	"Icmp: InMsgs InErrors\n"
	"Icmp: 3 0\n"
	"IcmpMsg: InType3 OutType3\n"
	"IcmpMsg: 3 3\n"
	"Tcp: RtoAlgorithm MaxConn ActiveOpens\n"
	"Tcp: 1 -1 2\n"
	"Udp: InDatagrams NoPorts\n"
	"Udp: 5 0\n";

START_TEST(test_sockstat)
{
	uint64_t inuse = 0, tw = 0;

	ck_assert_int_eq(iso_parse_sockstat(sockstat, &inuse, &tw), 0);
	ck_assert_uint_eq(inuse, 3);
	ck_assert_uint_eq(tw, 2);
	ck_assert_int_eq(iso_parse_sockstat("TCP: inuse 9 orphan 0 tw 4 alloc 9 mem 0\n",
					    &inuse, &tw), 0);
	ck_assert_uint_eq(inuse, 9);
	ck_assert_uint_eq(tw, 4);
	ck_assert_int_lt(iso_parse_sockstat("UDP: inuse 1 mem 0\n", &inuse, &tw), 0);
	ck_assert_int_lt(iso_parse_sockstat("TCP: inuse 1\nUDP: tw 3\n", &inuse, &tw), 0);
	ck_assert_int_lt(iso_parse_sockstat("", &inuse, &tw), 0);
}
END_TEST

static int64_t find(const struct iso_snmp_value *v, size_t n, const char *g, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].group, g) && !strcmp(v[i].key, k))
			return v[i].value;
	return -12345;
}

START_TEST(test_snmp)
{
	struct iso_snmp_value *v;
	size_t n;

	ck_assert_int_eq(iso_parse_snmp(snmp, &v, &n), 0);
	ck_assert_uint_eq(n, 3 + 2 + 3 + 2);	/* IcmpMsg is not one of the groups */
	ck_assert_int_eq(find(v, n, "Ip", "InReceives"), 140);
	ck_assert_int_eq(find(v, n, "Tcp", "MaxConn"), -1);
	ck_assert_int_eq(find(v, n, "Udp", "InDatagrams"), 5);
	ck_assert_int_eq(find(v, n, "IcmpMsg", "InType3"), -12345);
	free(v);
	/* a value line that does not belong to its header */
	ck_assert_int_lt(iso_parse_snmp("Ip: A B\nTcp: 1 2\n", &v, &n), 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(iso_parse_snmp("", &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
}
END_TEST

START_TEST(test_percentile)
{
	uint32_t v[100];

	for (uint32_t i = 0; i < 100; i++)
		v[i] = 100 - i;		/* 100..1, unsorted */
	iso_sort_u32(v, 100);
	/* Mesos: v[floor(n * p / 100)] */
	ck_assert_uint_eq(iso_percentile(v, 100, 50), 51);
	ck_assert_uint_eq(iso_percentile(v, 100, 90), 91);
	ck_assert_uint_eq(iso_percentile(v, 100, 99), 100);
	ck_assert_uint_eq(iso_percentile(v, 10, 95), 10);
	ck_assert_uint_eq(iso_percentile(v, 3, 50), 2);
	ck_assert_uint_eq(iso_percentile(v, 100, 100), 100);
	ck_assert_uint_eq(iso_percentile(v, 1, 50), 1);
	ck_assert_uint_eq(iso_percentile(v, 0, 50), 0);
	uint32_t two[2] = { 7, 3 };
	iso_sort_u32(two, 2);
	ck_assert_uint_eq(iso_percentile(two, 2, 49), 3);
	ck_assert_uint_eq(iso_percentile(two, 2, 50), 7);
	ck_assert_uint_eq(iso_percentile(two, 2, 95), 7);
}
END_TEST

void add_procnet_tests(Suite *s)
{
	TCase *tc = tcase_create("procnet");

	tcase_add_test(tc, test_sockstat);
	tcase_add_test(tc, test_snmp);
	tcase_add_test(tc, test_percentile);
	suite_add_tcase(s, tc);
}
