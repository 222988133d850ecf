/* args.c - CNI_ARGS: split on ';', then each pair on its one '='. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cni/args.h"

/* The keys this plugin knows; every other one is "unknown". */
static const char **known_field(struct cni_args *a, const char *key)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "K8S_POD_NAMESPACE", offsetof(struct cni_args, pod_namespace) },
		{ "K8S_POD_NAME", offsetof(struct cni_args, pod_name) },
		{ "K8S_POD_UID", offsetof(struct cni_args, pod_uid) },
		{ "K8S_POD_INFRA_CONTAINER_ID", offsetof(struct cni_args, infra_id) },
		{ "MAC", offsetof(struct cni_args, mac) },
		{ "IP", offsetof(struct cni_args, ip) },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].key, key))
			return (const char **)((char *)a + keys[i].off);
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "1") || !strcasecmp(v, "true"))
		*out = true;
	else if (!strcasecmp(v, "0") || !strcasecmp(v, "false"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* One pass over the pairs: known keys stored, the first unknown one kept
 * for the message (it only matters once IgnoreUnknown is known). */
static int parse_pairs(struct cni_args *a, char **unknown, struct cni_err *err)
{
	char *save = NULL, *pair, *eq;
	const char **field;

	for (pair = strtok_r(a->buf, ";", &save); pair; pair = strtok_r(NULL, ";", &save)) {
		eq = strchr(pair, '=');
		if (!eq || eq == pair || strchr(eq + 1, '='))
			return cni_err_set(err, CNI_ERR_INVALID_ENV,
					   "CNI_ARGS: invalid pair \"%s\" (must be KEY=VALUE)", pair);
		*eq = '\0';
		if (!strcmp(pair, "IgnoreUnknown")) {
			if (parse_bool(eq + 1, &a->ignore_unknown))
				return cni_err_set(err, CNI_ERR_INVALID_ENV, "CNI_ARGS: IgnoreUnknown "
						   "must be 1, 0, true or false, not \"%s\"", eq + 1);
		} else if ((field = known_field(a, pair))) {
			*field = eq + 1;
		} else if (!*unknown) {
			*eq = '=';
			*unknown = pair;
		}
	}
	return 0;
}

int cni_args_parse(const char *text, struct cni_args *a, struct cni_err *err)
{
	char *unknown = NULL;
	int rc;

	memset(a, 0, sizeof(*a));
	if (!text || !*text)
		return 0;
	/* Empty pairs are malformed too (libcni: "ARGS: invalid pair"). */
	if (text[0] == ';' || strstr(text, ";;") || text[strlen(text) - 1] == ';')
		return cni_err_set(err, CNI_ERR_INVALID_ENV,
				   "CNI_ARGS: an empty pair in \"%s\"", text);
	if (!(a->buf = strdup(text)))
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	rc = parse_pairs(a, &unknown, err);
	if (!rc && unknown && !a->ignore_unknown)
		rc = cni_err_set(err, CNI_ERR_UNSUPPORTED_FIELD, "CNI_ARGS: unknown argument "
				 "\"%s\" (add IgnoreUnknown=1 to ignore it)", unknown);
	if (rc) {
		cni_args_free(a);
		memset(a, 0, sizeof(*a));
	}
	return rc;
}

void cni_args_free(struct cni_args *a)
{
	free(a->buf);
	a->buf = NULL;
}
