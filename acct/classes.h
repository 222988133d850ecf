/* netclass.h - the --network_classes file, Virtuozzo style: lines
 * "CLASS CIDR" ("1 0.0.0.0/0", "2 10.0.0.0/8"), '#' comments. Each packet
 * is counted for the class of its peer's longest matching prefix. Parsing
 * only: no system calls beyond reading the file. */
#ifndef NIS_ISOLATOR_NETCLASS_H
#define NIS_ISOLATOR_NETCLASS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define ISO_CLASS_NAME_MAX 8		/* "65535", "default", "local" */
#define ISO_CLASSES_MAX 62		/* numbered classes; plus default and local */
#define ISO_CLASS_PREFIXES_MAX 16384

struct iso_class_prefix {
	struct in_addr net;		/* host bits zero */
	unsigned int len;
	uint16_t class_no;
};

struct iso_netclasses {
	struct iso_class_prefix *prefixes;
	size_t n;
};

/* Parses text (a whole file); -EINVAL with "LINE: what is wrong" in err.
 * IPv6 prefixes are refused by name until they are supported. A prefix
 * given twice is an error, as is one with host bits set. */
int iso_netclasses_parse(const char *text, struct iso_netclasses *out, struct nis_err *err);
/* Reads and parses path; errors name the file. */
int iso_netclasses_load(const char *path, struct iso_netclasses *out, struct nis_err *err);
void iso_netclasses_free(struct iso_netclasses *c);

/* Whether c lists p's prefix (whatever its class). */
bool iso_netclasses_has(const struct iso_netclasses *c, const struct iso_class_prefix *p);
/* The class number of the longest prefix holding addr, or -1 (for tests
 * and for checking the kernel's answer). */
int iso_netclasses_lookup(const struct iso_netclasses *c, struct in_addr addr);

#endif
