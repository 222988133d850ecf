/* fuzz_json_body.c - the JSON bodies of POST /containers and
 * PATCH /containers/{id} on arbitrary bytes.
 *
 * The body parser, parse_body() and its helpers parse_ports(), parse_rate()
 * and parse_label(), is static in http/containers.c, and its public callers
 * need a live agent. Rather than copy its checks here (a copy would drift
 * from the real code), this file #includes http/containers.c, so the very
 * code the daemon runs is fuzzed: json_loadb(JSON_REJECT_DUPLICATES), the
 * object walk, "ports" as a string or [[b,e],..] rewritten to range text,
 * "egress_rate_limit"/"ingress_rate_limit" through pm_bytes_parse(), the
 * label length checks. Then, as the agent would, the ports text goes
 * through pm_set_parse(). (scripts/fuzz.sh therefore does not compile
 * http/containers.c separately for this target.)
 *
 * Invariants checked: parse_body() returns 0 or -EINVAL with a message;
 * on success a create body has a container_id, netns/ifname came from
 * strings, port mappings are 1-65535 both sides and at most TC_REMAP_MAX,
 * the create-only fields never come with an update, labels are NUL-terminated
 * and shorter than ISO_LABEL_MAX, the ports text fits its buffer and is
 * "[...]" when it came from an array, a set rate came from a positive
 * integer or a Bytes string; and any body jansson accepts dumps and
 * re-loads to an equal value. */
#include "http/containers.c"

#include <stdint.h>

#include "portmap/ranges.h"
#include "tests/fuzz/fuzz.h"

/* ---- link stubs: referenced by the public handlers in containers.c,
 * never called by this target. They abort() so that a call is loud. ---- */
void http_error(struct http_resp *resp, unsigned int status, const char *code,
		const char *fmt, ...)
{
	(void)resp, (void)status, (void)code, (void)fmt;
	abort();
}

int iso_agent_create(struct iso_agent *a, const struct iso_create *req,
		     struct iso_record *out, struct nis_err *err)
{
	(void)a, (void)req, (void)out, (void)err;
	abort();
}

int iso_agent_update(struct iso_agent *a, const char *id, const struct iso_update *req,
		     struct iso_record *out, struct nis_err *err)
{
	(void)a, (void)id, (void)req, (void)out, (void)err;
	abort();
}

int iso_agent_destroy(struct iso_agent *a, const char *id, struct nis_err *err)
{
	(void)a, (void)id, (void)err;
	abort();
}

int iso_agent_get(struct iso_agent *a, const char *id, struct iso_record *out,
		  struct nis_err *err)
{
	(void)a, (void)id, (void)out, (void)err;
	abort();
}

int iso_agent_list(struct iso_agent *a, struct iso_record **out, size_t *n,
		   struct nis_err *err)
{
	(void)a, (void)out, (void)n, (void)err;
	abort();
}

void iso_record_free(struct iso_record *r)
{
	(void)r;
	abort();
}

bool http_scope_sees(const struct http_scope *s, const char *container_id)
{
	(void)s, (void)container_id;
	abort();
}
/* ---- end of link stubs ---- */

static void check_label(const char *l)
{
	FUZZ_CHECK(memchr(l, '\0', ISO_LABEL_MAX) != NULL);
}

static void check_rate(json_t *root, const char *key, const struct iso_opt_u64 *r)
{
	json_t *v = json_object_get(root, key);

	if (!r->set) {
		FUZZ_CHECK(v == NULL);
		return;
	}
	FUZZ_CHECK(v != NULL);
	if (json_is_integer(v)) {
		FUZZ_CHECK(json_integer_value(v) > 0 &&
			   (uint64_t)json_integer_value(v) == r->v);
	} else {
		uint64_t b;

		FUZZ_CHECK(json_is_string(v));
		FUZZ_CHECK(pm_bytes_parse(json_string_value(v), &b, NULL) == 0 && b == r->v);
	}
}

/* One parse_body() call, create (with_id) or update. */
static void fuzz_body(const char *body, size_t len, bool with_id)
{
	struct http_req req;
	struct iso_create c;
	struct nis_err err = { "" };
	char ports[4096];
	struct tc_remap remap[TC_REMAP_MAX];
	struct iso_chain_req chain = { NULL, NULL, NULL };
	const char *id = NULL;
	json_t *root = NULL;
	int rc;

	memset(&req, 0, sizeof(req));
	req.method = with_id ? "POST" : "PATCH";
	req.path = "/containers";
	req.body = body;
	req.body_len = len;
	memset(&c, 0, sizeof(c));

	rc = parse_body(&req, &c, ports, sizeof(ports), remap, &chain, with_id ? &id : NULL,
			&root, &err);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc) {
		fuzz_check_msg(err.msg, sizeof(err.msg));
		json_decref(root);
		return;
	}
	FUZZ_CHECK(json_is_object(root));
	if (with_id) {
		FUZZ_CHECK(id != NULL);
		FUZZ_CHECK(json_is_string(json_object_get(root, "container_id")));
	}
	check_label(c.labels.executor_id);
	check_label(c.labels.executor_name);
	check_label(c.labels.framework_id);
	check_label(c.labels.source);
	check_label(c.labels.network);
	check_label(c.labels.k8s_namespace);
	check_label(c.labels.pod);
	check_label(c.labels.pod_uid);
	check_label(c.labels.image);
	/* create-only fields: strings as given, mappings in range */
	FUZZ_CHECK(with_id || (!c.netns && !c.ifname && !c.nremap && !c.chained));
	if (c.chained)	/* all three strings of the object */
		FUZZ_CHECK(c.chained == &chain && chain.host_veth && chain.address && chain.mac);
	if (c.netns)
		FUZZ_CHECK(json_is_string(json_object_get(root, "netns")));
	if (c.ifname)
		FUZZ_CHECK(json_is_string(json_object_get(root, "ifname")));
	FUZZ_CHECK(c.nremap <= TC_REMAP_MAX && (!c.nremap || c.remap == remap));
	for (size_t i = 0; i < c.nremap; i++)
		FUZZ_CHECK(remap[i].host && remap[i].ct);
	check_rate(root, "egress_burst", &c.egress_burst);
	check_rate(root, "ingress_burst", &c.ingress_burst);
	check_rate(root, "egress_rate_limit", &c.egress);
	check_rate(root, "ingress_rate_limit", &c.ingress);
	if (c.ports) {
		json_t *pv = json_object_get(root, "ports");
		struct pm_set set;
		struct nis_err perr = { "" };

		FUZZ_CHECK(c.ports == ports && memchr(ports, '\0', sizeof(ports)));
		FUZZ_CHECK(pv != NULL);
		if (json_is_array(pv))
			FUZZ_CHECK(ports[0] == '[' && ports[strlen(ports) - 1] == ']');
		/* What the agent does next with the text. */
		pm_set_init(&set);
		rc = pm_set_parse(c.ports, "ports", &set, &perr);
		FUZZ_CHECK(rc == 0 || rc == -EINVAL);
		if (rc)
			fuzz_check_msg(perr.msg, sizeof(perr.msg));
		else
			fuzz_check_canonical(&set, PM_PORT_MAX);
		pm_set_free(&set);
	} else {
		FUZZ_CHECK(json_object_get(root, "ports") == NULL);
	}
	json_decref(root);
}

/* Whatever jansson accepts survives a dump and a reload. */
static void fuzz_roundtrip(const char *body, size_t len)
{
	json_error_t jerr;
	json_t *a = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	json_t *b;
	char *text;

	if (!a)
		return;
	text = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	FUZZ_CHECK(text != NULL);
	b = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!b) {
		fprintf(stderr, "re-load of '%s' failed: %s\n", text, jerr.text);
		abort();
	}
	FUZZ_CHECK(json_equal(a, b));
	json_decref(b);
	json_decref(a);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_cstr(data, size);	/* NUL-terminated as server.c hands it */

	fuzz_body(body, size, true);
	fuzz_body(body, size, false);
	fuzz_roundtrip(body, size);
	free(body);
	return 0;
}
