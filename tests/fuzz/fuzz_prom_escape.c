/* fuzz_prom_escape.c - http_prom_escape() (http/metrics.h), the Prometheus
 * label value escaping, on arbitrary text and output sizes.
 * The first input byte (and the second, for larger sizes) picks the output
 * buffer size, 1..1024, allocated exactly so that ASan sees any overrun;
 * the rest is the label value.
 * Invariants checked: the output is NUL-terminated within the buffer, has
 * no raw newline and no unescaped quote, every backslash starts one of the
 * three escapes \\ \" \n (so truncation never splits one), no control
 * byte is left (ESC, BEL, DEL: dropped), and unescaping it gives a prefix of
 * the input without its control bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/metrics.h"
#include "http/statistics_json.h"
#include "isolator/stats.h"
#include "tests/fuzz/fuzz.h"

/* ---- link stubs: http_metrics() in metrics.c references these; this
 * target only calls http_prom_escape(), so they are never called. They
 * abort() so that a call is loud. ---- */
int iso_agent_snapshot(struct iso_agent *a, const char *only, bool with_host,
		       struct iso_snapshot *out, struct nis_err *err)
{
	(void)a, (void)only, (void)with_host, (void)out, (void)err;
	abort();
}

void iso_snapshot_free(struct iso_snapshot *s)
{
	(void)s;
	abort();
}

void http_snapshot_scope(struct iso_snapshot *s, const struct http_scope *scope)
{
	(void)s, (void)scope;
	abort();
}

void http_server_counters(void (*fn)(const char *method, unsigned int status,
				     unsigned long long n, void *arg), void *arg)
{
	(void)fn, (void)arg;
	abort();
}

void http_error(struct http_resp *resp, unsigned int status, const char *code,
		const char *fmt, ...)
{
	(void)resp, (void)status, (void)code, (void)fmt;
	abort();
}
/* ---- end of link stubs ---- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len, i, o = 0;
	char *in, *out;

	if (size < 2)
		return 0;
	len = 1 + (((size_t)data[0] << 8 | data[1]) % 1024);	/* 1..1024 */
	in = fuzz_cstr(data + 2, size - 2);
	/* the input as the output keeps it: control bytes but \n dropped */
	for (i = 0; in[i]; i++) {
		unsigned char ch = (unsigned char)in[i];
		if ((ch >= 0x20 || ch == '\n') && ch != 0x7f)
			in[o++] = in[i];
	}
	in[o] = '\0';
	o = 0;
	out = malloc(len);
	FUZZ_CHECK(out != NULL);
	memset(out, 'x', len);

	http_prom_escape(in, out, len);

	FUZZ_CHECK(memchr(out, '\0', len) != NULL);
	for (i = 0; out[i]; i++) {
		char c = out[i];

		FUZZ_CHECK(c != '\n' && c != '"');
		FUZZ_CHECK((unsigned char)c >= 0x20 && c != 0x7f);
		if (c == '\\') {
			c = out[++i];
			FUZZ_CHECK(c == '\\' || c == '"' || c == 'n');
			if (c == 'n')
				c = '\n';
		}
		/* Unescaped, the output is a prefix of the input. */
		FUZZ_CHECK(in[o] == c);
		o++;
	}
	/* Every input byte that fit was copied: at most 2 bytes per input byte
	 * and room for the NUL, so only the last 3 bytes may stay unused. */
	FUZZ_CHECK(in[o] == '\0' || i + 3 >= len);
	free(out);
	free(in);
	return 0;
}
