/* bytes.c - Mesos Bytes ("10MB") and Duration ("1.5mins") parsing for the
 * agent flags and the HTTP API, and the human units the CLI prints. Integer
 * arithmetic throughout, so "1.1secs" is exactly 1100000000 ns. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "portmap/bytes.h"

struct unit {
	const char *name;
	uint64_t factor;
};

static const struct unit byte_units[] = {
	{ "B", 1ull },
	{ "KB", 1ull << 10 },
	{ "MB", 1ull << 20 },
	{ "GB", 1ull << 30 },
	{ "TB", 1ull << 40 },
};

static const struct unit duration_units[] = {
	{ "ns", 1ull },
	{ "us", 1000ull },
	{ "ms", 1000000ull },
	{ "secs", 1000000000ull },
	{ "mins", 60ull * 1000000000ull },
	{ "hrs", 3600ull * 1000000000ull },
	{ "days", 86400ull * 1000000000ull },
	{ "weeks", 7ull * 86400ull * 1000000000ull },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads digits into *v; *overflow is set (and reading goes on) past 2^64-1. */
static const char *read_u64(const char *p, uint64_t *v, bool *overflow)
{
	*v = 0;
	*overflow = false;
	for (; is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (*v > (UINT64_MAX - d) / 10)
			*overflow = true;
		else
			*v = *v * 10 + d;
	}
	return p;
}

int pm_bytes_parse(const char *text, uint64_t *out, struct nis_err *err)
{
	const char *p, *unit;
	uint64_t v;
	bool overflow;
	size_t i;

	if (!text || !*text)
		return nis_err_set(err, -EINVAL, "invalid byte size '': empty");
	if (*text == '-' || *text == '+')
		return nis_err_set(err, -EINVAL,
				   "invalid byte size '%s': a sign is not allowed", text);
	p = read_u64(text, &v, &overflow);
	if (p == text)
		return nis_err_set(err, -EINVAL,
				   "invalid byte size '%s': expected digits then a unit (B, KB, MB, GB or TB)",
				   text);
	if (*p == '.' || *p == ',')
		return nis_err_set(err, -EINVAL,
				   "invalid byte size '%s': fractional bytes are not allowed",
				   text);
	unit = p;
	if (!*unit)
		return nis_err_set(err, -EINVAL,
				   "invalid byte size '%s': missing unit (B, KB, MB, GB or TB)",
				   text);
	for (i = 0; i < sizeof(byte_units) / sizeof(byte_units[0]); i++) {
		if (strcasecmp(unit, byte_units[i].name))
			continue;
		if (overflow || v > UINT64_MAX / byte_units[i].factor)
			return nis_err_set(err, -EINVAL,
					   "invalid byte size '%s': too large (overflows 64 bits)",
					   text);
		*out = v * byte_units[i].factor;
		return 0;
	}
	return nis_err_set(err, -EINVAL,
			   "invalid byte size '%s': unknown unit '%s' (B, KB, MB, GB or TB)",
			   text, unit);
}

int pm_duration_parse(const char *text, uint64_t *out_ns, struct nis_err *err)
{
	const char *p, *frac = NULL, *unit;
	size_t i, nfrac = 0;
	uint64_t whole;
	bool overflow;

	if (!text || !*text)
		return nis_err_set(err, -EINVAL, "invalid duration '': empty");
	if (*text == '-' || *text == '+')
		return nis_err_set(err, -EINVAL,
				   "invalid duration '%s': a sign is not allowed", text);
	p = read_u64(text, &whole, &overflow);
	if (p == text)
		return nis_err_set(err, -EINVAL,
				   "invalid duration '%s': expected a number then a unit (ns, us, ms, secs, mins, hrs, days, weeks)",
				   text);
	if (*p == '.') {
		frac = ++p;
		while (is_digit(*p))
			p++;
		nfrac = (size_t)(p - frac);
		if (!nfrac)
			return nis_err_set(err, -EINVAL,
					   "invalid duration '%s': expected digits after '.'",
					   text);
	}
	unit = p;
	if (!*unit)
		return nis_err_set(err, -EINVAL,
				   "invalid duration '%s': missing unit (ns, us, ms, secs, mins, hrs, days, weeks)",
				   text);
	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		uint64_t f = duration_units[i].factor, ns;
		unsigned __int128 part = 0, scale = 1;
		size_t k;

		if (strcmp(unit, duration_units[i].name))
			continue;
		if (overflow || whole > UINT64_MAX / f)
			goto too_large;
		ns = whole * f;
		/* Fraction: digits * factor / 10^digits. 19 digits are beyond
		 * 1 ns of any unit here, and keep 10^k within 128 bits. */
		for (k = 0; k < nfrac && k < 19; k++) {
			part = part * 10 + (unsigned)(frac[k] - '0');
			scale *= 10;
		}
		part = part * f / scale;
		if (part > UINT64_MAX - ns)
			goto too_large;
		*out_ns = ns + (uint64_t)part;
		return 0;
	}
	return nis_err_set(err, -EINVAL,
			   "invalid duration '%s': unknown unit '%s' (ns, us, ms, secs, mins, hrs, days, weeks)",
			   text, unit);
too_large:
	return nis_err_set(err, -EINVAL,
			   "invalid duration '%s': too large (overflows 64-bit nanoseconds)",
			   text);
}

/* snprintf that reports a too-small buffer as -ENOSPC (and a NULL/0 buffer
 * as a size query), like pm_set_format(). */
__attribute__((format(printf, 3, 4)))
static int format_into(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf && len)
		return -EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if (!buf)
		return n;
	return (size_t)n < len ? n : -ENOSPC;
}

int pm_bytes_human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	const size_t last = sizeof(units) / sizeof(units[0]) - 1;
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024)
		return format_into(buf, len, "%llu B", (unsigned long long)bytes);
	/* Move up once "%.1f" would round to 1024.0 (1048575 B is "1.0 MiB"). */
	while (u < last && (u == 0 || v >= 1023.95)) {
		v /= 1024;
		u++;
	}
	return format_into(buf, len, "%.1f %s", v, units[u]);
}

int pm_rate_human(double bytes_per_sec, char *buf, size_t len)
{
	static const char *const units[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s" };
	const size_t last = sizeof(units) / sizeof(units[0]) - 1;
	double v = bytes_per_sec * 8;
	size_t u = 0;

	if (isnan(bytes_per_sec) || bytes_per_sec < 0)
		return -EINVAL;
	/* Thresholds are where printing would round up to "1000". */
	while (u < last && v >= (u == 0 ? 999.5 : 999.95)) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		return format_into(buf, len, "%.0f bit/s", v);
	return format_into(buf, len, "%.1f %s", v, units[u]);
}
