/* calendar.h - the calendar of the traffic history: parsing the times and
 * period units users type, flooring a time to its minute/hour/day/month
 * (UTC by arithmetic, local through the C library), ISO 8601 output.
 * Pure: no agent state, no I/O but the time zone database. */
#ifndef NIS_ACCT_CALENDAR_H
#define NIS_ACCT_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The period units, finest first; also the index of their history table. */
enum acct_by { ACCT_MINUTE, ACCT_HOUR, ACCT_DAY, ACCT_MONTH, ACCT_BY_COUNT };

/* "minute", "hour", "day", "month" -> enum acct_by, else -EINVAL. */
int acct_parse_by(const char *s);
/* The name acct_parse_by() reads, or NULL for a bad value. */
const char *acct_by_name(int by);

/* Epoch seconds (digits only), YYYY-MM-DD (00:00 UTC), or
 * YYYY-MM-DDTHH:MM[:SS] followed by Z, +HH:MM, -HH:MM or nothing (nothing
 * means UTC, not the agent's zone: the answer must not depend on where the
 * agent runs). Everything else, out-of-range fields (month 13, Feb 30,
 * 24:00, second 60) and years past 9999 are -EINVAL; *out set on success
 * only. */
int acct_parse_time(const char *s, int64_t *out);

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1-12, d 1-31),
 * and back. Exact for any int32 year; no time zone involved. */
int64_t acct_days_from_civil(int64_t y, unsigned m, unsigned d);
void acct_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Start of the UTC period containing t, and of the one after it. */
int64_t acct_floor_utc(int by, int64_t t);
int64_t acct_next_utc(int by, int64_t t);

/* The same on the local wall clock (TZ, as localtime(3) sees it). */
int64_t acct_floor_local(int by, int64_t t);
int64_t acct_next_local(int by, int64_t t);

/* "2026-11-22T00:00:00Z", or with local "2026-11-22T00:00:00+01:00".
 * Returns 0, or -ENOSPC when buf is too small (32 bytes always do). */
int acct_format_time(int64_t t, bool local, char *buf, size_t len);

/* The local zone's name for humans: TZ or /etc/localtime's IANA name
 * ("Europe/Berlin"), else its abbreviation ("CET"). */
void acct_local_zone(char *buf, size_t len);

#endif
