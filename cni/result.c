/* result.c - results are built in 1.1.0 and converted through per-version
 * key lists, as libcni converts through its types040 and types100. */
#include <errno.h>
#include <string.h>

#include "cni/result.h"
#include "cni/version.h"

struct shape {
	const char *const *interface_keys, *const *ip_keys, *const *route_keys;
	int ip_version;		/* 0.x: "version": "4" or "6" in every ip */
};

static const char *const if_base[] = { "name", "mac", "sandbox", NULL };
static const char *const if_11[] = { "name", "mac", "mtu", "sandbox", "socketPath", "pciID",
				     NULL };
static const char *const ip_0x[] = { "version", "address", "gateway", "interface", NULL };
static const char *const ip_1x[] = { "address", "gateway", "interface", NULL };
static const char *const rt_base[] = { "dst", "gw", NULL };
static const char *const rt_11[] = { "dst", "gw", "mtu", "advmss", "priority", "table",
				     "scope", NULL };

static struct shape shape_of(const char *v)
{
	if (cni_version_is_0x(v))
		return (struct shape){ if_base, ip_0x, rt_base, 1 };
	if (cni_version_cmp(v, "1.1.0") < 0)
		return (struct shape){ if_base, ip_1x, rt_base, 0 };
	return (struct shape){ if_11, ip_1x, rt_11, 0 };
}

static int undecodable(struct cni_err *err, const char *list, size_t i, const char *what)
{
	return cni_err_set(err, CNI_ERR_DECODING, "cannot decode the result: %s[%zu] %s",
			   list, i, what);
}

/* A copy of o with only keys; an ip gets "version" from its address. */
static json_t *pick(json_t *o, const char *const *keys, int ip_version)
{
	json_t *n = json_object(), *v;

	for (size_t k = 0; n && keys[k]; k++) {
		if (!strcmp(keys[k], "version") && ip_version) {
			const char *a = json_string_value(json_object_get(o, "address"));
			json_object_set_new(n, "version", json_string(strchr(a, ':') ? "6" : "4"));
		} else if ((v = json_object_get(o, keys[k]))) {
			json_object_set(n, keys[k], v);
		}
	}
	return n;
}

/* Converts the list `name` of src into dst; `must` is the string key every
 * entry needs. */
static int convert_list(json_t *src, json_t *dst, const char *name, const char *must,
			const char *const *keys, int ip_version, struct cni_err *err)
{
	json_t *list = json_object_get(src, name), *out, *e;
	size_t i;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return cni_err_set(err, CNI_ERR_DECODING, "cannot decode the result: %s is "
				   "not an array", name);
	if (!(out = json_array()) || json_object_set_new(dst, name, out))
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	json_array_foreach(list, i, e) {
		if (!json_is_object(e) || !json_is_string(json_object_get(e, must)))
			return undecodable(err, name, i, must);
		if (!strcmp(name, "ips") && json_object_get(e, "interface") &&
		    !json_is_integer(json_object_get(e, "interface")))
			return undecodable(err, name, i, "interface (an index)");
		if (json_array_append_new(out, pick(e, keys, ip_version)))
			return cni_err_set(err, CNI_ERR_IO, "out of memory");
	}
	return 0;
}

int cni_result_convert(json_t *res, const char *from, const char *to, json_t **out,
		       struct cni_err *err)
{
	const char *own = json_string_value(json_object_get(res, "cniVersion"));
	struct shape s = shape_of(to);
	json_t *dns = json_object_get(res, "dns");
	int rc;

	*out = NULL;
	if (own)
		from = own;
	if (!json_is_object(res))
		return cni_err_set(err, CNI_ERR_DECODING, "cannot decode the result: not an object");
	if (!cni_version_supported(from) || !cni_version_supported(to))
		return cni_err_set(err, CNI_ERR_INCOMPATIBLE_VERSION, "cannot convert a result "
				   "from version %s to %s", from, to);
	if (dns && !json_is_object(dns))
		return cni_err_set(err, CNI_ERR_DECODING, "cannot decode the result: dns is "
				   "not an object");
	if (!(*out = json_pack("{s:s}", "cniVersion", to)))
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	if ((rc = convert_list(res, *out, "interfaces", "name", s.interface_keys, 0, err)) ||
	    (rc = convert_list(res, *out, "ips", "address", s.ip_keys, s.ip_version, err)) ||
	    (rc = convert_list(res, *out, "routes", "dst", s.route_keys, 0, err))) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	if (dns)
		json_object_set(*out, "dns", dns);
	return 0;
}

static const char *field(json_t *record, const char *key, struct cni_err *err)
{
	const char *v = json_string_value(json_object_get(record, key));

	if (!v || !*v)
		cni_err_set(err, CNI_ERR_IO, "the agent's record has no \"%s\"", key);
	return v && *v ? v : NULL;
}

int cni_result_primary(json_t *record, const char *ifname, const char *netns,
		       json_t **out, struct cni_err *err)
{
	const char *veth, *addr, *gw, *mac;

	*out = NULL;
	if (!(veth = field(record, "host_veth", err)) || !(addr = field(record, "address", err)) ||
	    !(gw = field(record, "gateway", err)) || !(mac = field(record, "mac", err)))
		return cni_code_errno(CNI_ERR_IO);
	/* The host veth's own MAC is not in the record; "mac" is the
	 * container's (the host's, as port_mapping gives it). */
	*out = json_pack("{s:s, s:[{s:s}, {s:s, s:s, s:s}], s:[{s:s, s:s, s:i}],"
			 " s:[{s:s, s:s}], s:{}}",
			 "cniVersion", CNI_VERSION_LATEST,
			 "interfaces", "name", veth, "name", ifname, "mac", mac, "sandbox", netns,
			 "ips", "address", addr, "gateway", gw, "interface", 1,
			 "routes", "dst", "0.0.0.0/0", "gw", gw, "dns");
	return *out ? 0 : cni_err_set(err, CNI_ERR_IO, "out of memory");
}

static int append_all(json_t *base, json_t *ours, const char *name, json_int_t shift)
{
	json_t *dst = json_object_get(base, name), *src = json_object_get(ours, name), *e, *c;
	size_t i;

	if (!src)
		return 0;
	if (!dst && (json_object_set_new(base, name, dst = json_array()) || !dst))
		return -ENOMEM;
	json_array_foreach(src, i, e) {
		if (!(c = json_deep_copy(e)))
			return -ENOMEM;
		if (json_is_integer(json_object_get(c, "interface")))
			json_object_set_new(c, "interface", json_integer(
				json_integer_value(json_object_get(c, "interface")) + shift));
		if (json_array_append_new(dst, c))
			return -ENOMEM;
	}
	return 0;
}

int cni_result_append(json_t *base, json_t *ours, struct cni_err *err)
{
	json_int_t shift = (json_int_t)json_array_size(json_object_get(base, "interfaces"));
	json_t *dns = json_object_get(base, "dns");

	if (append_all(base, ours, "interfaces", 0) || append_all(base, ours, "ips", shift) ||
	    append_all(base, ours, "routes", 0))
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	if ((!dns || !json_object_size(dns)) && json_object_get(ours, "dns"))
		json_object_set(base, "dns", json_object_get(ours, "dns"));
	return 0;
}

int cni_result_print(FILE *f, json_t *res)
{
	if (json_dumpf(res, f, JSON_COMPACT) || fputc('\n', f) == EOF || fflush(f))
		return -EIO;
	return 0;
}

int cni_version_print(FILE *f)
{
	json_t *o = json_pack("{s:s, s:[]}", "cniVersion", CNI_VERSION_LATEST,
			      "supportedVersions");
	int rc;

	for (size_t i = 0; o && cni_supported_versions[i]; i++)
		json_array_append_new(json_object_get(o, "supportedVersions"),
				      json_string(cni_supported_versions[i]));
	rc = o ? cni_result_print(f, o) : -ENOMEM;
	json_decref(o);
	return rc;
}

int cni_error_print(FILE *f, const char *version, const struct cni_err *err)
{
	json_t *o = json_pack("{s:s, s:i, s:s, s:s}", "cniVersion",
			      version ? version : CNI_VERSION_LATEST, "code", (int)err->code,
			      "msg", err->msg, "details", err->details);
	int rc;

	/* A message quoting input that is not UTF-8 cannot be a JSON string. */
	if (!o)
		o = json_pack("{s:s, s:i, s:s, s:s}", "cniVersion", CNI_VERSION_LATEST, "code",
			      (int)err->code, "msg", "(the message is not valid UTF-8)",
			      "details", "");
	rc = o ? cni_result_print(f, o) : -ENOMEM;

	json_decref(o);
	return rc;
}
