/* fuzz_pm_resources_parse.c - pm_resources_parse() (portmap/resources.h),
 * the agent's --resources flag, on arbitrary text.
 * Invariants checked:
 *  - 0 or -EINVAL (-ENOMEM only under memory pressure), the same with and
 *    without a struct nis_err; on error `out` is unchanged and a message is
 *    written;
 *  - on success both sets are canonical within 0..65535, an unnamed
 *    resource has an empty set, and writing the result back as
 *    "ports:[..];ephemeral_ports:[..]" parses to the same result. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portmap/resources.h"
#include "tests/fuzz/fuzz.h"

static bool res_equal(const struct pm_resources *a, const struct pm_resources *b)
{
	return a->has_ports == b->has_ports && a->has_ephemeral == b->has_ephemeral &&
	       pm_set_equal(&a->ports, &b->ports) && pm_set_equal(&a->ephemeral, &b->ephemeral);
}

/* "ports:[..];ephemeral_ports:[..]" with only the named resources. */
static char *res_format(const struct pm_resources *r)
{
	int np = pm_set_format(&r->ports, NULL, 0);
	int ne = pm_set_format(&r->ephemeral, NULL, 0);
	size_t len = (size_t)np + (size_t)ne + 64, pos = 0;
	char *s = malloc(len);

	FUZZ_CHECK(np > 0 && ne > 0 && s != NULL);
	s[0] = '\0';
	if (r->has_ports) {
		pos += (size_t)snprintf(s + pos, len - pos, "ports:");
		FUZZ_CHECK(pm_set_format(&r->ports, s + pos, len - pos) == np);
		pos += (size_t)np;
	}
	if (r->has_ephemeral) {
		pos += (size_t)snprintf(s + pos, len - pos, ";ephemeral_ports:");
		FUZZ_CHECK(pm_set_format(&r->ephemeral, s + pos, len - pos) == ne);
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nis_err err = { "" };
	struct pm_resources out, quiet, before, back;
	char *text = fuzz_cstr(data, size), *again;
	int rc, rc2;

	pm_resources_init(&out);
	pm_resources_init(&quiet);
	pm_resources_init(&before);
	/* Pre-filled so that "unchanged on error" is observable. */
	FUZZ_CHECK(pm_resources_parse("cpus:4;ports:[1000-1999];ephemeral_ports:[40000-40063]",
				      &out, NULL) == 0);
	FUZZ_CHECK(pm_resources_parse("cpus:4;ports:[1000-1999];ephemeral_ports:[40000-40063]",
				      &before, NULL) == 0);

	rc = pm_resources_parse(text, &out, &err);
	rc2 = pm_resources_parse(text, &quiet, NULL);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	FUZZ_CHECK(rc == rc2 || rc == -ENOMEM || rc2 == -ENOMEM);
	if (rc) {
		fuzz_check_msg(err.msg, sizeof(err.msg));
		FUZZ_CHECK(res_equal(&out, &before));
	} else {
		fuzz_check_canonical(&out.ports, PM_PORT_MAX);
		fuzz_check_canonical(&out.ephemeral, PM_PORT_MAX);
		FUZZ_CHECK(out.has_ports || out.ports.n == 0);
		FUZZ_CHECK(out.has_ephemeral || out.ephemeral.n == 0);
		if (!rc2)
			FUZZ_CHECK(res_equal(&out, &quiet));

		again = res_format(&out);
		pm_resources_init(&back);
		rc = pm_resources_parse(again, &back, &err);
		if (rc) {
			fprintf(stderr, "re-parse of '%s' failed: %s\n", again, err.msg);
			abort();
		}
		FUZZ_CHECK(res_equal(&out, &back));
		pm_resources_free(&back);
		free(again);
	}
	pm_resources_free(&out);
	pm_resources_free(&quiet);
	pm_resources_free(&before);
	free(text);
	return 0;
}
