/* fuzz_iso_flags_load.c - iso_flags_load() (isolator/flags.h), netisold's
 * command line and NETISOL_* environment, on arbitrary text.
 * The input is split on '\n' or NUL into at most MAX_ARGS entries. Pass 1:
 * no environment, every entry is an argv element. Pass 2: the first
 * ENV_LINES entries become "NETISOL_<entry>" environment variables and the
 * rest argv.
 * Invariants checked: 0 or -EINVAL (-ENOMEM under memory pressure), with a
 * message on error; after any load the flags stay freeable, the string
 * flags that have a default are never NULL, and the enums are in range. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isolator/flags.h"
#include "tests/fuzz/fuzz.h"

#define MAX_ARGS 32
#define ENV_LINES 3

static void check_flags(const struct iso_flags *f)
{
	FUZZ_CHECK(f->resources && f->egress_flow_classifier_parent && f->ip &&
		   f->work_dir && f->runtime_dir && f->logging_level);
	FUZZ_CHECK(f->bloat_reduction == ISO_BLOAT_AUTO ||
		   f->bloat_reduction == ISO_BLOAT_FQ_CODEL ||
		   f->bloat_reduction == ISO_BLOAT_NONE);
}

static void load(char **env, int argc, char **argv)
{
	struct nis_err err = { "" };
	enum iso_flags_action action = (enum iso_flags_action)-1;
	struct iso_flags f;
	int rc;

	FUZZ_CHECK(iso_flags_init(&f, &err) == 0);
	check_flags(&f);
	rc = iso_flags_load(&f, env, argc, argv, &action, &err);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	FUZZ_CHECK(action == ISO_FLAGS_RUN || action == ISO_FLAGS_HELP ||
		   action == ISO_FLAGS_VERSION);
	if (rc)
		fuzz_check_msg(err.msg, sizeof(err.msg));
	check_flags(&f);
	iso_flags_free(&f);

	/* Same again without an error sink. */
	FUZZ_CHECK(iso_flags_init(&f, NULL) == 0);
	FUZZ_CHECK(iso_flags_load(&f, env, argc, argv, &action, NULL) == rc ||
		   rc == -ENOMEM);
	check_flags(&f);
	iso_flags_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *p = text, *end = text + size;
	char *lines[MAX_ARGS], *argv[MAX_ARGS + 2], *env[ENV_LINES + 1];
	int n = 0, argc, i;

	/* Split on '\n' and NUL; the copy is NUL-terminated at text[size]. */
	while (n < MAX_ARGS && p <= end) {
		char *q = p;

		while (q < end && *q && *q != '\n')
			q++;
		*q = '\0';
		lines[n++] = p;
		p = q + 1;
		if (q == end)
			break;
	}

	/* Pass 1: everything on the command line. Each argv element is its own
	 * allocation so that ASan sees any read past its terminator. */
	argv[0] = strdup("netisold");
	for (i = 0; i < n; i++)
		argv[1 + i] = strdup(lines[i]);
	argc = 1 + n;
	argv[argc] = NULL;
	for (i = 0; i < argc; i++)
		FUZZ_CHECK(argv[i] != NULL);
	load(NULL, argc, argv);
	for (i = 1; i < argc; i++)
		free(argv[i]);

	/* Pass 2: the first lines as NETISOL_* variables, the rest as argv. */
	int ne = n < ENV_LINES ? n : ENV_LINES;
	for (i = 0; i < ne; i++) {
		size_t len = strlen(lines[i]);

		env[i] = malloc(sizeof("NETISOL_") + len);
		FUZZ_CHECK(env[i] != NULL);
		memcpy(env[i], "NETISOL_", 8);
		memcpy(env[i] + 8, lines[i], len + 1);
	}
	env[ne] = NULL;
	for (i = ne; i < n; i++)
		FUZZ_CHECK((argv[1 + i - ne] = strdup(lines[i])) != NULL);
	argc = 1 + n - ne;
	argv[argc] = NULL;
	load(env, argc, argv);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	for (i = 0; i < ne; i++)
		free(env[i]);

	free(text);
	return 0;
}
