/* fuzz_procnet.c - iso_parse_snmp() and iso_parse_sockstat()
 * (isolator/procnet.h), the /proc/net/snmp and /proc/net/sockstat parsers,
 * on arbitrary text.
 * Invariants checked: snmp returns 0 with n entries in a malloc'd array
 * (NULL when n == 0), or an error with out NULL and n 0; every entry is of a
 * wanted group (Ip, Icmp, Tcp, Udp), with a NUL-terminated, non-empty key
 * that appears in the input. sockstat returns 0 or -EINVAL and only writes its
 * outputs on success. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isolator/procnet.h"
#include "tests/fuzz/fuzz.h"

static void fuzz_snmp(const char *text)
{
	struct iso_snmp_value *v = (struct iso_snmp_value *)(uintptr_t)1;
	size_t n = (size_t)-1;
	int rc = iso_parse_snmp(text, &v, &n);

	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc) {
		FUZZ_CHECK(v == NULL && n == 0);
		return;
	}
	FUZZ_CHECK(n == 0 || v != NULL);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(memchr(v[i].group, '\0', sizeof(v[i].group)));
		FUZZ_CHECK(memchr(v[i].key, '\0', sizeof(v[i].key)));
		FUZZ_CHECK(!strcmp(v[i].group, "Ip") || !strcmp(v[i].group, "Icmp") ||
			   !strcmp(v[i].group, "Tcp") || !strcmp(v[i].group, "Udp"));
		FUZZ_CHECK(v[i].key[0] != '\0' && strstr(text, v[i].key) != NULL);
	}
	free(v);
}

static void fuzz_sockstat(const char *text)
{
	uint64_t inuse = 0x5a5a, tw = 0xa5a5;
	int rc = iso_parse_sockstat(text, &inuse, &tw);

	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc)
		FUZZ_CHECK(inuse == 0x5a5a && tw == 0xa5a5);
	else
		FUZZ_CHECK(strstr(text, "TCP: ") != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);

	fuzz_snmp(text);
	fuzz_sockstat(text);
	free(text);
	return 0;
}
