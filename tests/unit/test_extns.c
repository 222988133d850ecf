/* test_extns.c - the names a runtime may give our interface, the
 * snapshot's checkpoint text, and the burst clamp. */
#include <errno.h>
#include <string.h>

#include "isolator/datapath.h"
#include "isolator/extns.h"
#include "tests/unit/unit.h"

static const struct {
	const char *name;
	bool ok;
} names[] = {
	{ "eth0", true }, { "net1", true }, { "a", true }, { "abcdefghijklmno", true },
	{ "cni_0-x", true }, { "", false }, { "lo", false }, { "abcdefghijklmnop", false },
	{ "eth0.1", false }, { "a/b", false }, { "a b", false }, { "..", false },
	{ "eth0\n", false },
};

START_TEST(test_ifname_valid)
{
	UCHECK_EQ(iso_ifname_valid(names[_i].name), names[_i].ok);
}
END_TEST

START_TEST(test_undo_round_trip)
{
	struct iso_ext_undo u = { true, { { 0x02, 0, 0, 0xab, 0xcd, 0xef }, 65536, 1 },
				  "32768\t60999", "0", "1" }, v;
	char buf[256];

	iso_ext_undo_format(&u, buf, sizeof(buf));
	UCHECK_EQ(iso_ext_undo_parse(buf, &v), 0);
	UCHECK(v.saved);
	UCHECK(!memcmp(v.lo.mac, u.lo.mac, 6));
	UCHECK_EQ(v.lo.mtu, 65536);
	UCHECK_EQ(v.lo.up, 1);
	UCHECK(!strcmp(v.range, "32768\t60999"));
	UCHECK(!strcmp(v.lo_localnet, "0") && !strcmp(v.lo_accept, "1"));
	u.saved = false;
	iso_ext_undo_format(&u, buf, sizeof(buf));
	UCHECK_EQ(iso_ext_undo_parse(buf, &v), 0);
	UCHECK(!v.saved);
}
END_TEST

static const char *const junk[] = {
	"x", "02:00:00:ab:cd:ef", "02:00:00:ab:cd:ef 1500 2 1 2|0|0",
	"02:00:00:ab:cd:ef 1500 1 1 2|0", "02:00:00:ab:cd:ef 1500 1 a|0|0",
	"zz:00:00:ab:cd:ef 1500 1 1 2|0|0",
};

START_TEST(test_undo_junk)
{
	struct iso_ext_undo v;

	UCHECK_EQ(iso_ext_undo_parse(junk[_i], &v), -EINVAL);
}
END_TEST

START_TEST(test_burst_clamp)
{
	UCHECK_EQ(iso_dp_burst(100000, 1250000), 100000);
	/* 2^32 bits (Kubernetes' default) at 1 MB/s: 256 s of it. */
	UCHECK_EQ(iso_dp_burst(536870912, 1000000), 256000000);
	UCHECK_EQ(iso_dp_burst(UINT64_MAX, UINT64_MAX), UINT32_MAX);
	UCHECK_EQ(iso_dp_burst(UINT64_MAX, 0), 0);
}
END_TEST

void add_extns_tests(Suite *s)
{
	TCase *tc = tcase_create("extns");

	tcase_add_loop_test(tc, test_ifname_valid, 0, sizeof(names) / sizeof(names[0]));
	tcase_add_test(tc, test_undo_round_trip);
	tcase_add_loop_test(tc, test_undo_junk, 0, sizeof(junk) / sizeof(junk[0]));
	tcase_add_test(tc, test_burst_clamp);
	suite_add_tcase(s, tc);
}
