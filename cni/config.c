/* config.c - one handler per configuration key, from a table: a key that
 * is not in the table is refused, so a typo never becomes a default. */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "cni/config.h"
#include "cni/version.h"

typedef int (*key_fn)(struct cni_config *c, const char *key, json_t *v,
		      struct cni_err *err);

static int bad(struct cni_err *err, const char *key, const char *what)
{
	return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "%s must be %s", key, what);
}

/* The spec's rule for network names (and container ids). */
static bool valid_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
		== strlen(s);
}

static int k_type(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	(void)c;
	if (!json_is_string(v) || strcmp(json_string_value(v), CNI_PLUGIN_TYPE))
		return bad(err, key, "\"" CNI_PLUGIN_TYPE "\"");
	return 0;
}

static int k_name(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	if (!json_is_string(v) || !valid_name(json_string_value(v)))
		return bad(err, key, "a string of letters, digits, '_', '.' and '-' that "
			   "starts with a letter or digit");
	c->name = json_string_value(v);
	return 0;
}

static int k_socket(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	if (!json_is_string(v) || json_string_value(v)[0] != '/' ||
	    strlen(json_string_value(v)) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return bad(err, key, "an absolute path shorter than 108 bytes");
	c->socket = json_string_value(v);
	return 0;
}

static int k_mode(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";

	if (!strcmp(s, "port_mapping"))
		c->mode = CNI_MODE_PORT_MAPPING;
	else if (!strcmp(s, "chained"))
		c->mode = CNI_MODE_CHAINED;
	else
		return bad(err, key, "\"port_mapping\" or \"chained\"");
	return 0;
}

/* A rate or burst in bits: an integer of at least 8 (one byte). */
static int bits_of(const char *key, json_t *v, struct cni_opt_u64 *out, struct cni_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < 8)
		return bad(err, key, strstr(key, "Burst") ? "an integer number of bits >= 8"
			   : "an integer number of bits per second >= 8");
	out->set = true;
	out->v = (uint64_t)json_integer_value(v);
	return 0;
}

/* Where each bandwidth key lands, for the static keys and runtimeConfig's. */
static struct cni_opt_u64 *bw_field(struct cni_bandwidth *bw, const char *key)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "ingressRate", offsetof(struct cni_bandwidth, ingress_rate) },
		{ "ingressBurst", offsetof(struct cni_bandwidth, ingress_burst) },
		{ "egressRate", offsetof(struct cni_bandwidth, egress_rate) },
		{ "egressBurst", offsetof(struct cni_bandwidth, egress_burst) },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].key))
			return (struct cni_opt_u64 *)((char *)bw + keys[i].off);
	return NULL;
}

static int k_bw(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	struct cni_opt_u64 *f = bw_field(&c->bw, key), given = { false, 0 };
	int rc;

	/* Checked even when runtimeConfig.bandwidth (walked first) overrides it. */
	if ((rc = bits_of(key, v, &given, err)))
		return rc;
	if (!f->set)
		*f = given;
	return 0;
}

static int k_object(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	(void)c;
	return json_is_object(v) ? 0 : bad(err, key, "an object");
}

static int k_bool(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	(void)c;
	return json_is_boolean(v) ? 0 : bad(err, key, "true or false");
}

static int k_versions(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	size_t i;
	json_t *s;

	(void)c;
	if (!json_is_array(v))
		return bad(err, key, "an array of version strings");
	json_array_foreach(v, i, s)
		if (!json_is_string(s))
			return bad(err, key, "an array of version strings");
	return 0;
}

static int k_prev(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	if (!json_is_object(v))
		return bad(err, key, "an object (the previous plugin's result)");
	c->prev_result = v;
	return 0;
}

static int k_valid(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	const char *what = "an array of {\"containerID\": STRING, \"ifname\": STRING}";
	size_t i;
	json_t *a;

	if (!json_is_array(v))
		return bad(err, key, what);
	json_array_foreach(v, i, a)
		if (!json_is_object(a) || !json_is_string(json_object_get(a, "containerID")) ||
		    !json_is_string(json_object_get(a, "ifname")))
			return bad(err, key, what);
	c->valid_attachments = v;
	return 0;
}

static int runtime_bandwidth(struct cni_config *c, json_t *bw, struct cni_err *err)
{
	char name[64];
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(bw))
		return bad(err, "runtimeConfig.bandwidth", "an object");
	json_object_foreach(bw, key, v) {
		struct cni_opt_u64 *f = bw_field(&c->bw, key);
		snprintf(name, sizeof(name), "runtimeConfig.bandwidth.%s", key);
		if (!f)
			return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "unknown key %s (known: "
					   "ingressRate, ingressBurst, egressRate, egressBurst)",
					   name);
		if ((rc = bits_of(name, v, f, err)))
			return rc;
	}
	return 0;
}

/* Only portMappings and bandwidth matter; the runtime sends other
 * capabilities only when the config declares them, and they do no harm. */
static int k_runtime(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	json_t *pm, *bw;
	int rc;

	if (!json_is_object(v))
		return bad(err, key, "an object");
	if ((bw = json_object_get(v, "bandwidth")) && (rc = runtime_bandwidth(c, bw, err)))
		return rc;
	if ((pm = json_object_get(v, "portMappings")))
		return cni_ports_parse(pm, &c->ports, err);
	return 0;
}

static int k_ignore(struct cni_config *c, const char *key, json_t *v, struct cni_err *err)
{
	(void)c, (void)key, (void)v, (void)err;
	return 0;
}

/* runtimeConfig first: its bandwidth keys must win over the static ones
 * wherever they appear in the object. */
static const struct { const char *key; key_fn fn; } key_table[] = {
	{ "runtimeConfig", k_runtime },
	{ "cniVersion", k_ignore },	/* checked before the walk */
	{ "type", k_type }, { "name", k_name }, { "socket", k_socket }, { "mode", k_mode },
	{ "ingressRate", k_bw }, { "ingressBurst", k_bw },
	{ "egressRate", k_bw }, { "egressBurst", k_bw },
	{ "capabilities", k_object }, { "prevResult", k_prev }, { "args", k_object },
	{ "cniVersions", k_versions }, { "disableCheck", k_bool }, { "disableGC", k_bool },
	{ "dns", k_object }, { "ipam", k_object }, { "ipMasq", k_bool },
	{ "cni.dev/valid-attachments", k_valid },
};

static int check_version(struct cni_config *c, struct cni_err *err)
{
	json_t *v = json_object_get(c->root, "cniVersion");
	const char *s;

	if (!v)
		return cni_err_set(err, CNI_ERR_INCOMPATIBLE_VERSION, "the config has no "
				   "cniVersion (the spec's default 0.1.0 is not supported)");
	if (!json_is_string(v))
		return bad(err, "cniVersion", "a string");
	s = json_string_value(v);
	if (!cni_version_supported(s)) {
		cni_err_set(err, CNI_ERR_INCOMPATIBLE_VERSION, "incompatible CNI versions: "
			    "config is \"%s\"", s);
		return cni_err_details(err, "plugin supports 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
	}
	c->version = s;
	return 0;
}

static int walk_keys(struct cni_config *c, struct cni_err *err)
{
	const char *key;
	json_t *v;
	int rc;

	for (size_t i = 0; i < sizeof(key_table) / sizeof(key_table[0]); i++)
		if ((v = json_object_get(c->root, key_table[i].key)) &&
		    (rc = key_table[i].fn(c, key_table[i].key, v, err)))
			return rc;
	json_object_foreach(c->root, key, v) {
		size_t i = 0;
		while (i < sizeof(key_table) / sizeof(key_table[0]) && strcmp(key_table[i].key, key))
			i++;
		/* cni.dev/ keys are the runtime's: a newer one is not a typo. */
		if (i == sizeof(key_table) / sizeof(key_table[0]) && strncmp(key, "cni.dev/", 8))
			return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "unknown key \"%s\" in the "
					   "network configuration", key);
	}
	return 0;
}

static int check_bandwidth(const struct cni_bandwidth *bw, struct cni_err *err)
{
	if (bw->ingress_burst.set && !bw->ingress_rate.set)
		return bad(err, "ingressBurst", "given with ingressRate");
	if (bw->egress_burst.set && !bw->egress_rate.set)
		return bad(err, "egressBurst", "given with egressRate");
	return 0;
}

int cni_config_parse(const char *text, size_t len, struct cni_config *c, struct cni_err *err)
{
	json_error_t jerr;
	int rc;

	memset(c, 0, sizeof(*c));
	c->socket = CNI_DEFAULT_SOCKET;
	c->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!c->root)
		return cni_err_set(err, CNI_ERR_DECODING, "error decoding the network config: "
				   "%s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
	if (!json_is_object(c->root))
		return cni_err_set(err, CNI_ERR_DECODING,
				   "the network config must be a JSON object");
	if ((rc = check_version(c, err)) || (rc = walk_keys(c, err)))
		return rc;
	if (!c->name)
		return cni_err_set(err, CNI_ERR_INVALID_CONFIG, "missing network name");
	if (!json_object_get(c->root, "type"))
		return bad(err, "type", "\"" CNI_PLUGIN_TYPE "\"");
	return check_bandwidth(&c->bw, err);
}

void cni_config_free(struct cni_config *c)
{
	cni_ports_free(&c->ports);
	json_decref(c->root);
	c->root = NULL;
}

uint64_t cni_rate_bytes(uint64_t bits)
{
	return bits / 8;
}

uint64_t cni_burst_bytes(uint64_t bits, const char *key)
{
	uint64_t bytes = bits / 8;

	if (bytes <= UINT32_MAX)
		return bytes;
	fprintf(stderr, "netisol-cni: %s %" PRIu64 " bits is more than the agent's 32-bit "
		"burst; clamped to %" PRIu32 " bytes\n", key, bits, UINT32_MAX);
	return UINT32_MAX;
}
