/* procnet.h - parsers for /proc/net/sockstat and /proc/net/snmp text, and
 * the read of an fd kept open on such a file (pure parsing is unit-tested). */
#ifndef NIS_ISOLATOR_PROCNET_H
#define NIS_ISOLATOR_PROCNET_H

#include <stddef.h>
#include <stdint.h>

/* "TCP: inuse 3 orphan 0 tw 1 alloc 4 mem 1" -> inuse, tw. */
int iso_parse_sockstat(const char *text, uint64_t *inuse, uint64_t *tw);

struct iso_snmp_value {
	char group[8];		/* "Ip", "Icmp", "Tcp", "Udp" */
	char key[40];		/* exactly as the kernel writes it */
	int64_t value;
};

/* Header/value line pairs of the groups above; *out malloc'd. */
int iso_parse_snmp(const char *text, struct iso_snmp_value **out, size_t *n);

/* Reads the whole file behind fd from offset 0 into buf (NUL-terminated). */
int iso_read_fd(int fd, char *buf, size_t len);

void iso_sort_u32(uint32_t *v, size_t n);

/* The p-th percentile (0-100) of v sorted ascending as Mesos' port_mapping
 * takes it: v[floor(n * p / 100)] (the last for p = 100); 0 if empty. */
uint32_t iso_percentile(const uint32_t *v, size_t n, int p);

#endif
