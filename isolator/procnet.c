/* procnet.c - /proc/net text into numbers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isolator/procnet.h"

int iso_parse_sockstat(const char *text, uint64_t *inuse, uint64_t *tw)
{
	const char *line = strstr(text, "\nTCP: ");

	if (!strncmp(text, "TCP: ", 5))
		line = text;
	else if (line)
		line++;
	if (!line)
		return -EINVAL;
	const char *a = strstr(line, " inuse "), *b = strstr(line, " tw ");
	const char *end = strchr(line, '\n');
	if (!a || !b || (end && (a > end || b > end)))
		return -EINVAL;
	*inuse = strtoull(a + 7, NULL, 10);
	*tw = strtoull(b + 4, NULL, 10);
	return 0;
}

static int wanted(const char *group)
{
	return !strcmp(group, "Ip") || !strcmp(group, "Icmp") || !strcmp(group, "Tcp") ||
	       !strcmp(group, "Udp");
}

/* One header line and its value line: appends the pairs. */
static int parse_pair(char *head, char *vals, struct iso_snmp_value **out, size_t *n,
		      size_t *cap)
{
	char *hs, *vs, *k, *v, *colon = strchr(head, ':');

	if (!colon || strncmp(head, vals, (size_t)(colon - head + 1)))
		return -EINVAL;
	*colon = '\0';
	if (!wanted(head))
		return 0;
	k = strtok_r(colon + 1, " \n", &hs);
	v = strtok_r(strchr(vals, ':') + 1, " \n", &vs);
	for (; k && v; k = strtok_r(NULL, " \n", &hs), v = strtok_r(NULL, " \n", &vs)) {
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 64;
			struct iso_snmp_value *p = realloc(*out, c * sizeof(*p));
			if (!p)
				return -ENOMEM;
			*out = p;
			*cap = c;
		}
		struct iso_snmp_value *e = &(*out)[(*n)++];
		snprintf(e->group, sizeof(e->group), "%s", head);
		snprintf(e->key, sizeof(e->key), "%s", k);
		e->value = strtoll(v, NULL, 10);
	}
	return 0;
}

int iso_parse_snmp(const char *text, struct iso_snmp_value **out, size_t *n)
{
	char *copy = strdup(text), *save, *head, *vals;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!copy)
		return -ENOMEM;
	for (head = strtok_r(copy, "\n", &save); head && !rc; head = strtok_r(NULL, "\n", &save)) {
		if (!(vals = strtok_r(NULL, "\n", &save)))
			break;
		rc = parse_pair(head, vals, out, n, &cap);
	}
	free(copy);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int iso_read_fd(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = pread(fd, buf + n, len - n - 1, (off_t)n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return n ? 0 : -EIO;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void iso_sort_u32(uint32_t *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_u32);
}

uint32_t iso_percentile(const uint32_t *v, size_t n, int p)
{
	size_t i;

	if (!n)
		return 0;
	i = n * (size_t)p / 100;	/* Mesos' index: floor(n * p / 100) */
	return v[i < n ? i : n - 1];
}
