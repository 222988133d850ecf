/* resources.c - parses the agent's --resources flag (Mesos syntax
 * "NAME[(ROLE)]:VALUE;..."), keeping ports and ephemeral_ports and checking
 * that everything else is at least well-formed, as a Mesos agent would. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "portmap/resources.h"

/* One "NAME[(ROLE)]:VALUE" entry as spans of the flag text. */
struct entry {
	const char *text, *name, *role, *value;
	size_t len, name_len, role_len, value_len;
};

void pm_resources_init(struct pm_resources *r)
{
	pm_set_init(&r->ports);
	pm_set_init(&r->ephemeral);
	r->has_ports = false;
	r->has_ephemeral = false;
	r->cpus = 0;
}

void pm_resources_free(struct pm_resources *r)
{
	pm_set_free(&r->ports);
	pm_set_free(&r->ephemeral);
	pm_resources_init(r);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	       c == '_' || c == '-' || c == '.' || c == '/';
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && is_space(*p))
		p++;
	return p;
}

/* Splits [p,end) (one ';'-separated piece, already trimmed, not empty) into
 * name, role and value. */
static int split_entry(const char *p, const char *end, struct entry *e,
		       struct nis_err *err)
{
	int len = (int)(end - p);

	memset(e, 0, sizeof(*e));
	e->text = p;
	e->len = (size_t)(end - p);
	e->name = p;
	while (p < end && is_name_char(*p))
		p++;
	e->name_len = (size_t)(p - e->name);
	if (!e->name_len)
		return nis_err_set(err, -EINVAL,
				   "invalid resource '%.*s': expected NAME:VALUE", len, e->text);
	p = skip_ws(p, end);
	if (p < end && *p == '(') {
		e->role = ++p;
		while (p < end && *p != ')' && !is_space(*p) && *p != ':')
			p++;
		e->role_len = (size_t)(p - e->role);
		if (p >= end || *p != ')' || !e->role_len)
			return nis_err_set(err, -EINVAL,
					   "invalid resource '%.*s': expected a role in parentheses, as in 'NAME(ROLE):VALUE'",
					   len, e->text);
		p = skip_ws(p + 1, end);
	}
	if (p >= end || *p != ':')
		return nis_err_set(err, -EINVAL,
				   "invalid resource '%.*s': expected ':' after '%.*s'",
				   len, e->text, (int)e->name_len, e->name);
	p = skip_ws(p + 1, end);
	e->value = p;
	e->value_len = (size_t)(end - p);
	if (!e->value_len)
		return nis_err_set(err, -EINVAL,
				   "invalid resource '%.*s': missing value after ':'",
				   len, e->text);
	return 0;
}

/* Finds the next non-empty entry from *pos; 1 found, 0 at the end, <0 error. */
static int next_entry(const char **pos, struct entry *e, struct nis_err *err)
{
	const char *p = *pos;

	while (*p) {
		const char *end = strchr(p, ';'), *b, *t;

		if (!end)
			end = p + strlen(p);
		b = skip_ws(p, end);
		t = end;
		while (t > b && is_space(t[-1]))
			t--;
		p = *end ? end + 1 : end;
		if (b == t)
			continue;	/* "a:1;;b:2" and a trailing ';' are fine */
		*pos = p;
		return split_entry(b, t, e, err) ?: 1;
	}
	*pos = p;
	return 0;
}

static bool span_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(s, word, len);
}

/* Scalars are plain non-negative decimals ("8", "0.5", "1024"). */
static bool is_scalar(const char *v, size_t len)
{
	size_t i = 0, d;

	while (i < len && is_digit(v[i]))
		i++;
	if (!i)
		return false;
	if (i < len && v[i] == '.') {
		d = ++i;
		while (i < len && is_digit(v[i]))
			i++;
		if (i == d)
			return false;
	}
	return i == len;
}

/* A checked scalar's value: digits, at most one '.', digits. */
static double scalar_of(const char *v, size_t len)
{
	double x = 0, unit = 1;
	bool frac = false;

	for (size_t i = 0; i < len; i++) {
		if (v[i] == '.') {
			frac = true;
			continue;
		}
		if (frac)
			x += (v[i] - '0') * (unit /= 10);
		else
			x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* Range lists of resources we ignore are only checked for shape; their
 * values need not be ports. */
static bool is_range_list(const char *v, size_t len)
{
	size_t i;

	if (len < 2 || v[0] != '[' || v[len - 1] != ']')
		return false;
	for (i = 1; i < len - 1; i++)
		if (!is_digit(v[i]) && v[i] != '-' && v[i] != ',' && !is_space(v[i]))
			return false;
	return true;
}

static bool is_item_set(const char *v, size_t len)
{
	size_t i;

	if (len < 2 || v[0] != '{' || v[len - 1] != '}')
		return false;
	for (i = 1; i < len - 1; i++)
		if (v[i] == '{' || v[i] == '}')
			return false;
	return true;
}

/* Has an entry before `e` (in text) the same name, and role unless
 * any_role? Rescans the text: flags are short, and no list to allocate. */
static bool seen_before(const char *text, const struct entry *e, bool any_role)
{
	const char *pos = text;
	struct entry prev;

	while (next_entry(&pos, &prev, NULL) == 1 && prev.text < e->text) {
		if (prev.name_len != e->name_len ||
		    memcmp(prev.name, e->name, e->name_len))
			continue;
		/* role is NULL when absent: memcmp() must not see it. */
		if (any_role || (prev.role_len == e->role_len &&
				 (!e->role_len ||
				  !memcmp(prev.role, e->role, e->role_len))))
			return true;
	}
	return false;
}

static int parse_ports(const struct entry *e, const char *what, struct pm_set *set,
		       struct nis_err *err)
{
	char *value = strndup(e->value, e->value_len);
	int rc;

	if (!value)
		return nis_err_set(err, -ENOMEM, "out of memory parsing resources");
	rc = pm_set_parse(value, what, set, err);
	free(value);
	if (rc == -EINVAL)
		nis_err_prefix(err, rc, "invalid resource '%.*s'", (int)e->len, e->text);
	return rc;
}

int pm_resources_parse(const char *text, struct pm_resources *out,
		       struct nis_err *err)
{
	struct pm_resources tmp;
	const char *pos = text;
	struct entry e;
	int rc;

	if (!text)
		return nis_err_set(err, -EINVAL, "missing resources");
	pm_resources_init(&tmp);
	while ((rc = next_entry(&pos, &e, err)) == 1) {
		bool ports = span_is(e.name, e.name_len, "ports");
		bool eph = span_is(e.name, e.name_len, "ephemeral_ports");

		rc = 0;
		if (seen_before(text, &e, ports || eph)) {
			rc = nis_err_set(err, -EINVAL,
					 "invalid resource '%.*s': '%.*s' is given more than once",
					 (int)e.len, e.text, (int)e.name_len, e.name);
			break;
		}
		if (ports) {
			rc = parse_ports(&e, "ports", &tmp.ports, err);
			tmp.has_ports = true;
		} else if (eph) {
			rc = parse_ports(&e, "ephemeral_ports", &tmp.ephemeral, err);
			tmp.has_ephemeral = true;
		} else if (span_is(e.name, e.name_len, "cpus") &&
			   is_scalar(e.value, e.value_len)) {
			tmp.cpus += scalar_of(e.value, e.value_len);
		} else if (!is_scalar(e.value, e.value_len) &&
			   !is_range_list(e.value, e.value_len) &&
			   !is_item_set(e.value, e.value_len)) {
			rc = nis_err_set(err, -EINVAL,
					 "invalid resource '%.*s': value must be a number, a range list or a {set}",
					 (int)e.len, e.text);
		}
		if (rc)
			break;
	}
	if (rc) {
		pm_resources_free(&tmp);
		return rc;
	}
	pm_resources_free(out);
	*out = tmp;
	return 0;
}
