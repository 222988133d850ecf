/* calendar.c - calendar arithmetic for the traffic history. UTC periods are
 * computed with Howard Hinnant's days-from-civil algorithms, so they never
 * depend on TZ; local periods go through localtime_r/mktime. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acct/calendar.h"

#define DAY 86400
/* 9999-12-31T23:59:59Z: the last second four year digits can write. */
#define MAX_T INT64_C(253402300799)

static const char *const by_names[ACCT_BY_COUNT] = { "minute", "hour", "day", "month" };
/* Seconds of the fixed-length units; months are 0 (not fixed). */
static const int64_t by_secs[ACCT_BY_COUNT] = { 60, 3600, DAY, 0 };

int acct_parse_by(const char *s)
{
	for (int i = 0; s && i < ACCT_BY_COUNT; i++)
		if (!strcmp(s, by_names[i]))
			return i;
	return -EINVAL;
}

const char *acct_by_name(int by)
{
	return by >= 0 && by < ACCT_BY_COUNT ? by_names[by] : NULL;
}

/* a mod b in [0, b): C's % truncates towards zero, times before 1970 need
 * the floor. */
static int64_t pmod(int64_t a, int64_t b)
{
	int64_t r = a % b;

	return r < 0 ? r + b : r;
}

int64_t acct_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

void acct_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int y, int m)
{
	static const unsigned n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : n[m - 1];
}

/* ---- parsing ---- */

/* Exactly n decimal digits at *p into *v; advances *p only on success.
 * Stops at the NUL, so it never reads past the string. */
static bool take_digits(const char **p, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return true;
}

static bool take_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static int parse_epoch(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	int64_t v = 0;

	if (n == 0 || n > 12)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	if (v > MAX_T)
		return -EINVAL;
	*out = v;
	return 0;
}

/* YYYY-MM-DD -> days since the epoch. */
static int parse_date(const char **p, int64_t *days)
{
	int y, m, d;

	if (!take_digits(p, 4, &y) || !take_char(p, '-') || !take_digits(p, 2, &m) ||
	    !take_char(p, '-') || !take_digits(p, 2, &d))
		return -EINVAL;
	if (m < 1 || m > 12 || d < 1 || (unsigned)d > days_in_month(y, m))
		return -EINVAL;
	*days = acct_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

/* HH:MM[:SS] -> seconds into the day. */
static int parse_clock(const char **p, int64_t *secs)
{
	int h, m, s = 0;

	if (!take_digits(p, 2, &h) || !take_char(p, ':') || !take_digits(p, 2, &m))
		return -EINVAL;
	if (take_char(p, ':') && !take_digits(p, 2, &s))
		return -EINVAL;
	if (h > 23 || m > 59 || s > 59)
		return -EINVAL;
	*secs = h * 3600 + m * 60 + s;
	return 0;
}

/* "", "Z" or "+HH:MM"/"-HH:MM" to the end of the string -> seconds east of
 * UTC. */
static int parse_zone(const char *p, int64_t *off)
{
	int h, m, sign = *p == '-' ? -1 : 1;

	*off = 0;
	if (!*p || !strcmp(p, "Z"))
		return 0;
	if (*p != '+' && *p != '-')
		return -EINVAL;
	p++;
	if (!take_digits(&p, 2, &h) || !take_char(&p, ':') || !take_digits(&p, 2, &m) ||
	    *p || h > 23 || m > 59)
		return -EINVAL;
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

int acct_parse_time(const char *s, int64_t *out)
{
	int64_t days, secs = 0, off = 0, t;
	const char *p = s;

	if (!s)
		return -EINVAL;
	if (*s && strspn(s, "0123456789") == strlen(s))
		return parse_epoch(s, out);
	if (parse_date(&p, &days))
		return -EINVAL;
	if (*p && (!take_char(&p, 'T') || parse_clock(&p, &secs) || parse_zone(p, &off)))
		return -EINVAL;
	t = days * DAY + secs - off;
	if (t > MAX_T)
		return -EINVAL;
	*out = t;
	return 0;
}

/* ---- periods ---- */

int64_t acct_floor_utc(int by, int64_t t)
{
	int64_t y;
	unsigned m, d;

	if (by == ACCT_MONTH) {
		acct_civil_from_days((t - pmod(t, DAY)) / DAY, &y, &m, &d);
		return acct_days_from_civil(y, m, 1) * DAY;
	}
	if (by < 0 || by >= ACCT_BY_COUNT)
		return t;
	return t - pmod(t, by_secs[by]);
}

int64_t acct_next_utc(int by, int64_t t)
{
	int64_t y, start = acct_floor_utc(by, t);
	unsigned m, d;

	if (by == ACCT_MONTH) {
		acct_civil_from_days(start / DAY, &y, &m, &d);
		return m == 12 ? acct_days_from_civil(y + 1, 1, 1) * DAY
			       : acct_days_from_civil(y, m + 1, 1) * DAY;
	}
	if (by < 0 || by >= ACCT_BY_COUNT)
		return t + 1;
	return start + by_secs[by];
}

/* mktime of tm's wall-clock date at 00:00. A midnight that happens twice
 * (DST ending at 24:00) must give the first one, or a period would start
 * after times inside it: not_after is the time that must not be passed. */
static int64_t local_midnight(struct tm tm, int64_t not_after)
{
	struct tm first;
	time_t r;

	tm.tm_sec = tm.tm_min = tm.tm_hour = 0;
	tm.tm_isdst = -1;
	first = tm;
	r = mktime(&tm);
	if (r != (time_t)-1 && (int64_t)r > not_after) {
		first.tm_isdst = 1;
		r = mktime(&first);
	}
	return (int64_t)r;
}

int64_t acct_floor_local(int by, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	int64_t r;

	if (by < 0 || by >= ACCT_BY_COUNT || !localtime_r(&tt, &tm))
		return acct_floor_utc(by, t);
	/* Offsets need not be whole hours (+05:30): floor the wall clock with
	 * this instant's own offset, which is also right across DST changes. */
	if (by == ACCT_MINUTE || by == ACCT_HOUR)
		return t - pmod(t + tm.tm_gmtoff, by_secs[by]);
	if (by == ACCT_MONTH)
		tm.tm_mday = 1;
	r = local_midnight(tm, t);
	return r == -1 || r > t ? acct_floor_utc(by, t) : r;
}

int64_t acct_next_local(int by, int64_t t)
{
	int64_t start = acct_floor_local(by, t), r;
	time_t tt = (time_t)start;
	struct tm tm;

	if (by == ACCT_MINUTE || by == ACCT_HOUR) {
		r = acct_floor_local(by, start + by_secs[by]);
	} else if (by < 0 || by >= ACCT_BY_COUNT || !localtime_r(&tt, &tm)) {
		return acct_next_utc(by, t);
	} else {
		if (by == ACCT_MONTH) {
			tm.tm_mon++;
			tm.tm_mday = 1;
		} else {
			tm.tm_mday++;
		}
		r = local_midnight(tm, INT64_MAX);
	}
	/* Never an empty or backwards period, whatever the zone rules say. */
	return r > start ? r : acct_next_utc(by, start);
}

/* ---- output ---- */

int acct_format_time(int64_t t, bool local, char *buf, size_t len)
{
	int64_t y, secs = pmod(t, DAY);
	time_t tt = (time_t)t;
	unsigned m, d;
	struct tm tm;
	char date[32];
	long off;
	int n;

	if (!local) {
		acct_civil_from_days((t - secs) / DAY, &y, &m, &d);
		n = snprintf(buf, len, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
			     (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	} else {
		if (!localtime_r(&tt, &tm) || !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm))
			return acct_format_time(t, false, buf, len);
		off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
		n = snprintf(buf, len, "%s%c%02ld:%02ld", date, tm.tm_gmtoff < 0 ? '-' : '+',
			     off / 3600, off / 60 % 60);
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static void copy_name(char *buf, size_t len, const char *name)
{
	const char *z = strstr(name, "zoneinfo/");

	snprintf(buf, len, "%s", z ? z + strlen("zoneinfo/") : name);
}

void acct_local_zone(char *buf, size_t len)
{
	const char *tz = getenv("TZ");
	char link[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;
	ssize_t n;

	if (tz) {
		tz += *tz == ':';
		copy_name(buf, len, *tz ? tz : "UTC");	/* glibc: empty TZ is UTC */
		return;
	}
	n = readlink("/etc/localtime", link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		if (strstr(link, "zoneinfo/")) {
			copy_name(buf, len, link);
			return;
		}
	}
	copy_name(buf, len, localtime_r(&now, &tm) && tm.tm_zone ? tm.tm_zone : "localtime");
}
