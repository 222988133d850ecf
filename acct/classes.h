/* classes.h - the --network_classes file, Virtuozzo style: lines
 * "CLASS CIDR" ("1 0.0.0.0/0", "2 10.0.0.0/8"), '#' comments. Each packet
 * is counted for the class of its peer's longest matching prefix. Parsing
 * only: no system calls beyond reading the file. */
#ifndef NIS_ACCT_CLASSES_H
#define NIS_ACCT_CLASSES_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define ACCT_CLASS_NAME_MAX 8		/* "65535", "default", "local" */
#define ACCT_NUMBERED_MAX 62		/* numbered classes; plus default and local */
#define ACCT_PREFIXES_MAX 16384

struct acct_class_prefix {
	struct in_addr net;		/* host bits zero */
	unsigned int len;
	uint16_t class_no;
};

struct acct_classes {
	struct acct_class_prefix *prefixes;
	size_t n;
};

/* Parses text (a whole file); -EINVAL with "LINE: what is wrong" in err.
 * IPv6 prefixes are refused by name until they are supported. A prefix
 * given twice is an error, as is one with host bits set. */
int acct_classes_parse(const char *text, struct acct_classes *out, struct nis_err *err);
/* Reads and parses path; errors name the file. */
int acct_classes_load(const char *path, struct acct_classes *out, struct nis_err *err);
void acct_classes_free(struct acct_classes *c);

/* Whether c lists p's prefix (whatever its class). */
bool acct_classes_has(const struct acct_classes *c, const struct acct_class_prefix *p);
/* The class number of the longest prefix holding addr, or -1 (for tests
 * and for checking the kernel's answer). */
int acct_classes_lookup(const struct acct_classes *c, struct in_addr addr);

#endif
