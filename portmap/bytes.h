/* bytes.h - Mesos Bytes and Duration syntax, and the human units the CLI
 * prints. */
#ifndef NIS_PORTMAP_BYTES_H
#define NIS_PORTMAP_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Mesos Bytes: decimal digits then a unit B, KB, MB, GB, TB (case-insensitive,
 * 1024-based), e.g. "10MB". Unit required; no fraction, sign or whitespace;
 * empty text and uint64 overflow rejected. 0 or -EINVAL; *out set on success
 * only. */
int pm_bytes_parse(const char *text, uint64_t *out, struct nis_err *err);

/* Mesos Duration: a number (may be decimal, "1.5mins") then a unit ns, us,
 * ms, secs, mins, hrs, days, weeks. Result in nanoseconds (fractions of a
 * nanosecond truncated). Sign, garbage, unknown unit and overflow rejected.
 * 0 or -EINVAL; *out_ns set on success only. */
int pm_duration_parse(const char *text, uint64_t *out_ns, struct nis_err *err);

/* "512 B", "12.3 MiB" (1024-based: B, KiB, MiB, GiB, TiB). */
int pm_bytes_human(uint64_t bytes, char *buf, size_t len);
/* Rate in bits from bytes per second: "800 bit/s", "98.1 Mbit/s" (1000-based:
 * bit/s, kbit/s, Mbit/s, Gbit/s). -EINVAL for a negative or NaN rate. */
int pm_rate_human(double bytes_per_sec, char *buf, size_t len);
/* Both return the length written, or -ENOSPC when buf is too small (buf then
 * holds a truncated, NUL-terminated prefix); buf == NULL with len == 0 is a
 * size query returning the length needed. */

#endif
