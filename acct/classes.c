/* classes.c - parsing the network classes file and a reference lookup. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct/classes.h"

#define LINE_MAX_LEN 256

static int bad(struct nis_err *err, unsigned int line, const char *what, const char *tok)
{
	return nis_err_set(err, -EINVAL, "line %u: %s: '%s'", line, what, tok);
}

static int parse_class(const char *tok, unsigned int line, uint16_t *out,
		       struct nis_err *err)
{
	char *end;
	unsigned long v;

	if (tok[0] < '0' || tok[0] > '9')
		return bad(err, line, "a class is a number 0-65535", tok);
	errno = 0;
	v = strtoul(tok, &end, 10);
	if (errno || *end || v > 65535 || strlen(tok) > 5)
		return bad(err, line, "a class is a number 0-65535", tok);
	*out = (uint16_t)v;
	return 0;
}

static int parse_cidr(char *tok, unsigned int line, struct acct_class_prefix *p,
		      struct nis_err *err)
{
	char *slash = strchr(tok, '/'), *end;
	unsigned long len;

	if (strchr(tok, ':'))
		return bad(err, line, "IPv6 classes are not supported yet", tok);
	if (!slash)
		return bad(err, line, "expected a prefix as ADDRESS/LENGTH", tok);
	*slash = '\0';
	if (inet_pton(AF_INET, tok, &p->net) != 1)
		return bad(err, line, "not an IPv4 address", tok);
	*slash = '/';
	if (slash[1] < '0' || slash[1] > '9' || (errno = 0, len = strtoul(slash + 1, &end, 10),
						 errno || *end || len > 32))
		return bad(err, line, "the prefix length must be 0-32", tok);
	p->len = (unsigned int)len;
	if (len < 32 && (ntohl(p->net.s_addr) << len))
		return bad(err, line, "host bits are set (did you mean the network?)", tok);
	return 0;
}

bool acct_classes_has(const struct acct_classes *c, const struct acct_class_prefix *p)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->prefixes[i].len == p->len && c->prefixes[i].net.s_addr == p->net.s_addr)
			return true;
	return false;
}

/* One non-empty line: "CLASS CIDR", nothing after but a comment. */
static int parse_line(char *s, unsigned int line, struct acct_classes *c,
		      struct nis_err *err)
{
	const char *ws = " \t\r";
	char *save, *cls = strtok_r(s, ws, &save), *cidr, *extra;
	struct acct_class_prefix p;
	int rc;

	if (!cls)
		return 0;
	if (!(cidr = strtok_r(NULL, ws, &save)))
		return bad(err, line, "expected CLASS CIDR", cls);
	if ((extra = strtok_r(NULL, ws, &save)))
		return bad(err, line, "unexpected text after the prefix", extra);
	if ((rc = parse_class(cls, line, &p.class_no, err)) ||
	    (rc = parse_cidr(cidr, line, &p, err)))
		return rc;
	if (acct_classes_has(c, &p))
		return bad(err, line, "prefix listed twice", cidr);
	if (c->n == ACCT_PREFIXES_MAX)
		return nis_err_set(err, -EINVAL, "line %u: more than %d prefixes", line,
				   ACCT_PREFIXES_MAX);
	c->prefixes[c->n++] = p;
	return 0;
}

static size_t distinct_classes(const struct acct_classes *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++) {
		size_t j = 0;

		while (j < i && c->prefixes[j].class_no != c->prefixes[i].class_no)
			j++;
		n += j == i;
	}
	return n;
}

static int parse_all(const char *text, struct acct_classes *c, struct nis_err *err)
{
	char buf[LINE_MAX_LEN];
	unsigned int line = 0;
	int rc;

	while (*text) {
		size_t len = strcspn(text, "\n");
		const char *hash;

		line++;
		if (len >= sizeof(buf))
			return nis_err_set(err, -EINVAL, "line %u: longer than %d characters",
					   line, LINE_MAX_LEN - 1);
		memcpy(buf, text, len);
		buf[len] = '\0';
		if ((hash = strchr(buf, '#')))
			buf[hash - buf] = '\0';
		if ((rc = parse_line(buf, line, c, err)))
			return rc;
		text += len + (text[len] == '\n');
	}
	if (distinct_classes(c) > ACCT_NUMBERED_MAX)
		return nis_err_set(err, -EINVAL, "more than %d classes", ACCT_NUMBERED_MAX);
	return 0;
}

int acct_classes_parse(const char *text, struct acct_classes *out, struct nis_err *err)
{
	struct acct_classes c = { calloc(ACCT_PREFIXES_MAX, sizeof(*c.prefixes)), 0 };
	int rc;

	if (!c.prefixes)
		return nis_err_set(err, -ENOMEM, "out of memory");
	if ((rc = parse_all(text, &c, err))) {
		free(c.prefixes);
		return rc;
	}
	*out = c;
	return 0;
}

/* The whole file as a string; a classes file is small (at most 4 MiB). */
static char *read_text(FILE *f)
{
	size_t cap = 4 << 20, n;
	char *text = malloc(cap + 1);

	if (!text)
		return NULL;
	n = fread(text, 1, cap + 1, f);
	if (ferror(f) || n > cap) {
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
}

int acct_classes_load(const char *path, struct acct_classes *out, struct nis_err *err)
{
	FILE *f = fopen(path, "re");
	char *text;
	int rc;

	if (!f)
		return nis_err_set(err, -errno, "--network_classes=%s: %s", path, strerror(errno));
	text = read_text(f);
	fclose(f);
	if (!text)
		return nis_err_set(err, -EIO, "--network_classes=%s: cannot read it (or it is "
				   "larger than 4 MiB)", path);
	rc = acct_classes_parse(text, out, err);
	free(text);
	return rc ? nis_err_prefix(err, rc, "--network_classes=%s", path) : 0;
}

void acct_classes_free(struct acct_classes *c)
{
	free(c->prefixes);
	c->prefixes = NULL;
	c->n = 0;
}

int acct_classes_lookup(const struct acct_classes *c, struct in_addr addr)
{
	int best = -1;
	unsigned int best_len = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct acct_class_prefix *p = &c->prefixes[i];
		uint32_t mask = p->len ? ~0u << (32 - p->len) : 0;

		if ((ntohl(addr.s_addr) & mask) == ntohl(p->net.s_addr) &&
		    (best < 0 || p->len > best_len)) {
			best = p->class_no;
			best_len = p->len;
		}
	}
	return best;
}
