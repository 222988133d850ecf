/* config.h - the network configuration on stdin (one plugin entry of a
 * conflist, with name and cniVersion put in by the runtime): decoded,
 * every key checked, the static and runtimeConfig bandwidths merged. */
#ifndef NIS_CNI_CONFIG_H
#define NIS_CNI_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cni/error.h"
#include "cni/ports.h"

#define CNI_PLUGIN_TYPE "netisol-cni"
#define CNI_DEFAULT_SOCKET "/run/netisol/api.sock"

enum cni_mode { CNI_MODE_PORT_MAPPING, CNI_MODE_CHAINED };

struct cni_opt_u64 {
	bool set;
	uint64_t v;
};

/* As configured: rates in bits/s, bursts in bits. */
struct cni_bandwidth {
	struct cni_opt_u64 ingress_rate, ingress_burst, egress_rate, egress_burst;
};

struct cni_config {
	json_t *root;			/* owned; the strings below point into it */
	const char *version;		/* cniVersion, one this plugin supports */
	const char *name;
	const char *socket;
	enum cni_mode mode;
	struct cni_bandwidth bw;	/* runtimeConfig.bandwidth over the static keys */
	struct cni_ports ports;		/* runtimeConfig.portMappings */
	json_t *prev_result;		/* borrowed, or NULL */
	json_t *valid_attachments;	/* cni.dev/valid-attachments, or NULL */
};

/* Decodes and checks len bytes of JSON. Codes: 6 undecodable, 1 missing or
 * unsupported cniVersion, 7 anything else wrong (naming the key and what it
 * must be). cfg->version is set as soon as it is known, also on a later
 * error, so the error can be written in it. cni_config_free() always. */
int cni_config_parse(const char *text, size_t len, struct cni_config *cfg,
		     struct cni_err *err);
void cni_config_free(struct cni_config *cfg);

/* bits/s -> bytes/s (the agent's unit). */
uint64_t cni_rate_bytes(uint64_t bits);

/* bits -> bytes, clamped to the agent's 32-bit burst (UINT32_MAX bytes),
 * saying so on stderr when it clamps. */
uint64_t cni_burst_bytes(uint64_t bits, const char *key);

#endif
