/* test_cni.c - the CNI plugin's pure parts: the config key table, CNI_ARGS,
 * portMappings into ranges and port_mappings, results in every version,
 * the veth pair in a prevResult, version order. */
#include <jansson.h>
#include <string.h>

#include "cni/args.h"
#include "cni/config.h"
#include "cni/ports.h"
#include "cni/prev.h"
#include "cni/result.h"
#include "cni/version.h"
#include "tests/unit/unit.h"

#define HEAD "{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"type\":\"netisol-cni\""

static const struct {
	const char *json;
	int code;		/* 0: accepted */
	const char *names;	/* in the message */
} configs[] = {
	{ HEAD "}", 0, NULL },
	{ HEAD ",\"mode\":\"chained\",\"socket\":\"/run/x.sock\",\"ipMasq\":true,"
	  "\"disableCheck\":false,\"disableGC\":true,\"dns\":{},\"ipam\":{},\"args\":{},"
	  "\"capabilities\":{\"portMappings\":true},\"cniVersions\":[\"1.0.0\"],"
	  "\"cni.dev/future\":1}", 0, NULL },
	{ HEAD ",\"egressRate\":8,\"egressBurst\":8}", 0, NULL },
	{ "{", CNI_ERR_DECODING, "decoding" },
	{ "7", CNI_ERR_DECODING, "decoding" },
	{ "[]", CNI_ERR_DECODING, "object" },
	{ "{\"name\":\"n1\",\"type\":\"netisol-cni\"}", CNI_ERR_INCOMPATIBLE_VERSION, "cniVersion" },
	{ "{\"cniVersion\":\"0.2.0\",\"name\":\"n1\",\"type\":\"netisol-cni\"}",
	  CNI_ERR_INCOMPATIBLE_VERSION, "0.2.0" },
	{ "{\"cniVersion\":[],\"name\":\"n1\",\"type\":\"netisol-cni\"}", CNI_ERR_INVALID_CONFIG,
	  "cniVersion" },
	{ "{\"cniVersion\":\"1.0.0\",\"type\":\"netisol-cni\"}", CNI_ERR_INVALID_CONFIG, "name" },
	{ "{\"cniVersion\":\"1.0.0\",\"name\":\"-x\",\"type\":\"netisol-cni\"}",
	  CNI_ERR_INVALID_CONFIG, "name" },
	{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n1\"}", CNI_ERR_INVALID_CONFIG, "type" },
	{ HEAD ",\"typo\":1}", CNI_ERR_INVALID_CONFIG, "typo" },
	{ HEAD ",\"socket\":\"rel\"}", CNI_ERR_INVALID_CONFIG, "socket" },
	{ HEAD ",\"mode\":\"bridge\"}", CNI_ERR_INVALID_CONFIG, "mode" },
	{ HEAD ",\"ingressRate\":0}", CNI_ERR_INVALID_CONFIG, "ingressRate" },
	{ HEAD ",\"ingressRate\":7}", CNI_ERR_INVALID_CONFIG, "ingressRate" },
	{ HEAD ",\"ingressRate\":-8}", CNI_ERR_INVALID_CONFIG, "ingressRate" },
	{ HEAD ",\"ingressRate\":8e6}", CNI_ERR_INVALID_CONFIG, "ingressRate" },
	{ HEAD ",\"egressRate\":\"1M\"}", CNI_ERR_INVALID_CONFIG, "egressRate" },
	{ HEAD ",\"egressBurst\":800}", CNI_ERR_INVALID_CONFIG, "egressBurst" },
	{ HEAD ",\"ingressRate\":-1,\"runtimeConfig\":{\"bandwidth\":{\"ingressRate\":800}}}",
	  CNI_ERR_INVALID_CONFIG, "ingressRate" },
	{ HEAD ",\"runtimeConfig\":{\"bandwidth\":{\"egress\":800}}}", CNI_ERR_INVALID_CONFIG,
	  "runtimeConfig.bandwidth.egress" },
	{ HEAD ",\"runtimeConfig\":[]}", CNI_ERR_INVALID_CONFIG, "runtimeConfig" },
	{ HEAD ",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":1}]}}",
	  CNI_ERR_INVALID_CONFIG, "portMappings[0].containerPort" },
	{ HEAD ",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":1,\"containerPort\":1,"
	  "\"protocol\":\"icmp\"}]}}", CNI_ERR_INVALID_CONFIG, "protocol" },
	{ HEAD ",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":1,\"containerPort\":1,"
	  "\"hostIP\":7}]}}", CNI_ERR_INVALID_CONFIG, "hostIP" },
	{ HEAD ",\"capabilities\":[]}", CNI_ERR_INVALID_CONFIG, "capabilities" },
	{ HEAD ",\"ipMasq\":1}", CNI_ERR_INVALID_CONFIG, "ipMasq" },
	{ HEAD ",\"cniVersions\":[1]}", CNI_ERR_INVALID_CONFIG, "cniVersions" },
	{ HEAD ",\"prevResult\":[]}", CNI_ERR_INVALID_CONFIG, "prevResult" },
	{ HEAD ",\"cni.dev/valid-attachments\":[{\"containerID\":\"a\"}]}",
	  CNI_ERR_INVALID_CONFIG, "valid-attachments" },
};

START_TEST(test_config_table)
{
	struct cni_config c;
	struct cni_err err = { 0, "", "" };
	int rc = cni_config_parse(configs[_i].json, strlen(configs[_i].json), &c, &err);

	if (configs[_i].code == 0)
		ck_assert_msg(rc == 0, "%s: %s", configs[_i].json, err.msg);
	else
		ck_assert_msg(rc < 0 && (int)err.code == configs[_i].code &&
			      strstr(err.msg, configs[_i].names), "%s: rc %d code %d '%s'",
			      configs[_i].json, rc, err.code, err.msg);
	cni_config_free(&c);
}
END_TEST

START_TEST(test_config_bandwidth)
{
	const char *j = HEAD ",\"ingressRate\":8000,\"egressRate\":16000,\"egressBurst\":80,"
		"\"runtimeConfig\":{\"bandwidth\":{\"ingressRate\":80000000,\"ingressBurst\":"
		"800000},\"portMappings\":[],\"aliases\":[\"x\"]}}";
	struct cni_config c;
	struct cni_err err;

	ck_assert_int_eq(cni_config_parse(j, strlen(j), &c, &err), 0);
	ck_assert(c.bw.ingress_rate.set && c.bw.ingress_rate.v == 80000000);
	ck_assert(c.bw.ingress_burst.set && c.bw.ingress_burst.v == 800000);
	ck_assert(c.bw.egress_rate.v == 16000 && c.bw.egress_burst.v == 80);
	ck_assert_str_eq(c.socket, CNI_DEFAULT_SOCKET);
	ck_assert_int_eq(c.mode, CNI_MODE_PORT_MAPPING);
	ck_assert_uint_eq(cni_bytes(c.bw.ingress_rate.v), 10000000);
	cni_config_free(&c);
}
END_TEST

static const struct {
	const char *text;
	int code;
	const char *ns, *pod;
} args[] = {
	{ NULL, 0, NULL, NULL },
	{ "", 0, NULL, NULL },
	{ "K8S_POD_NAMESPACE=a;K8S_POD_NAME=b;K8S_POD_UID=c", 0, "a", "b" },
	{ "IgnoreUnknown=1;K8S_POD_NAME=p;FOO=bar", 0, NULL, "p" },
	{ "IgnoreUnknown=TRUE;FOO=bar", 0, NULL, NULL },
	{ "FOO=bar;IgnoreUnknown=true", 0, NULL, NULL },
	{ "MAC=02:00:00:00:00:01;IP=10.0.0.2;K8S_POD_INFRA_CONTAINER_ID=x", 0, NULL, NULL },
	{ "K8S_POD_NAME=", 0, NULL, "" },
	{ "FOO=bar", CNI_ERR_UNSUPPORTED_FIELD, NULL, NULL },
	{ "IgnoreUnknown=0;FOO=bar", CNI_ERR_UNSUPPORTED_FIELD, NULL, NULL },
	{ "IgnoreUnknown=yes", CNI_ERR_INVALID_ENV, NULL, NULL },
	{ "K8S_POD_NAME", CNI_ERR_INVALID_ENV, NULL, NULL },
	{ "=x", CNI_ERR_INVALID_ENV, NULL, NULL },
	{ "A=b=c", CNI_ERR_INVALID_ENV, NULL, NULL },
	{ "K8S_POD_NAME=a;", CNI_ERR_INVALID_ENV, NULL, NULL },
	{ "K8S_POD_NAME=a;;K8S_POD_UID=b", CNI_ERR_INVALID_ENV, NULL, NULL },
};

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

START_TEST(test_args_table)
{
	struct cni_args a;
	struct cni_err err = { 0, "", "" };
	int rc = cni_args_parse(args[_i].text, &a, &err);

	if (!args[_i].code)
		ck_assert_msg(rc == 0 && same(a.pod_namespace, args[_i].ns) &&
			      same(a.pod_name, args[_i].pod), "%s: %s", args[_i].text, err.msg);
	else
		ck_assert_msg(rc < 0 && (int)err.code == args[_i].code && strstr(err.msg, "CNI_ARGS"),
			      "%s: rc %d code %d", args[_i].text, rc, err.code);
	cni_args_free(&a);
}
END_TEST

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	ck_assert_msg(j != NULL, "bad test JSON: %s", s);
	return j;
}

START_TEST(test_ports_merge)
{
	json_t *pm = parse("[{\"hostPort\":31005,\"containerPort\":31005,\"protocol\":\"udp\"},"
			   "{\"hostPort\":31000,\"containerPort\":31000},"
			   "{\"hostPort\":31005,\"containerPort\":31005,\"protocol\":\"TCP\"},"
			   "{\"hostPort\":31006,\"containerPort\":31006},"
			   "{\"hostPort\":31100,\"containerPort\":80,\"hostIP\":\"0.0.0.0\"},"
			   "{\"hostPort\":31100,\"containerPort\":80,\"protocol\":\"udp\"}]");
	struct cni_ports p;
	struct cni_err err;
	json_t *remap;
	char *text;

	ck_assert_int_eq(cni_ports_parse(pm, &p, &err), 0);
	ck_assert_uint_eq(p.n, 6);
	ck_assert_str_eq(p.m[0].protocol, "udp");
	ck_assert_str_eq(p.m[2].protocol, "tcp");
	ck_assert_int_eq(cni_ports_supported(&p, &err), 0);
	ck_assert_int_eq(cni_ports_format(&p, &text), 0);
	ck_assert_str_eq(text, "[31000-31000,31005-31006,31100-31100]");
	free(text);
	ck_assert_int_eq(cni_ports_remap(&p, &remap, &err), 0);
	text = json_dumps(remap, JSON_COMPACT);
	ck_assert_str_eq(text, "[{\"host_port\":31100,\"container_port\":80}]");
	free(text);
	json_decref(remap);
	cni_ports_free(&p);
	json_decref(pm);
}
END_TEST

START_TEST(test_ports_refused)
{
	json_t *two = parse("[{\"hostPort\":31100,\"containerPort\":80},"
			    "{\"hostPort\":31100,\"containerPort\":81,\"protocol\":\"udp\"}]");
	json_t *ip = parse("[{\"hostPort\":31100,\"containerPort\":31100,"
			   "\"hostIP\":\"203.0.113.9\"}]");
	json_t *bad = parse("[{\"hostPort\":65536,\"containerPort\":80}]");
	struct cni_ports p;
	struct cni_err err;
	json_t *remap;

	ck_assert_int_eq(cni_ports_parse(two, &p, &err), 0);
	ck_assert_int_lt(cni_ports_remap(&p, &remap, &err), 0);
	ck_assert(remap == NULL && err.code == CNI_ERR_INVALID_CONFIG && strstr(err.msg, "31100"));
	cni_ports_free(&p);
	ck_assert_int_eq(cni_ports_parse(ip, &p, &err), 0);
	ck_assert_int_lt(cni_ports_supported(&p, &err), 0);
	ck_assert(strstr(err.msg, "203.0.113.9"));
	cni_ports_free(&p);
	ck_assert_int_lt(cni_ports_parse(bad, &p, &err), 0);
	ck_assert(strstr(err.msg, "portMappings[0].hostPort"));
	json_decref(two);
	json_decref(ip);
	json_decref(bad);
}
END_TEST

/* A 1.1.0 result with every field some version lacks. */
static const char *full =
	"{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"veth0\",\"mac\":\"aa:bb:cc:dd:ee:ff\","
	"\"mtu\":1500},{\"name\":\"eth0\",\"sandbox\":\"/run/netns/x\",\"socketPath\":\"/s\","
	"\"pciID\":\"0000:00:01.0\"}],\"ips\":[{\"address\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1\","
	"\"interface\":1},{\"address\":\"fd00::2/64\",\"interface\":1}],\"routes\":[{\"dst\":"
	"\"0.0.0.0/0\",\"gw\":\"10.0.0.1\",\"mtu\":1400,\"table\":10,\"scope\":0,\"priority\":5,"
	"\"advmss\":1360}],\"dns\":{\"nameservers\":[\"10.0.0.1\"]},\"extra\":true}";

static const struct {
	const char *to, *want;
} conversions[] = {
	{ "0.3.0", "{\"cniVersion\":\"0.3.0\",\"interfaces\":[{\"name\":\"veth0\",\"mac\":"
	  "\"aa:bb:cc:dd:ee:ff\"},{\"name\":\"eth0\",\"sandbox\":\"/run/netns/x\"}],\"ips\":[{"
	  "\"version\":\"4\",\"address\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1\",\"interface\":1},"
	  "{\"version\":\"6\",\"address\":\"fd00::2/64\",\"interface\":1}],\"routes\":[{\"dst\":"
	  "\"0.0.0.0/0\",\"gw\":\"10.0.0.1\"}],\"dns\":{\"nameservers\":[\"10.0.0.1\"]}}" },
	{ "0.4.0", NULL },	/* as 0.3.0, but for cniVersion */
	{ "1.0.0", "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"veth0\",\"mac\":"
	  "\"aa:bb:cc:dd:ee:ff\"},{\"name\":\"eth0\",\"sandbox\":\"/run/netns/x\"}],\"ips\":[{"
	  "\"address\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1\",\"interface\":1},{\"address\":"
	  "\"fd00::2/64\",\"interface\":1}],\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.0.0.1\"}],"
	  "\"dns\":{\"nameservers\":[\"10.0.0.1\"]}}" },
	{ "1.1.0", NULL },	/* everything but "extra" */
};

START_TEST(test_result_versions)
{
	struct cni_err err;
	json_t *in = parse(full), *out, *back;
	char *text;

	ck_assert_int_eq(cni_result_convert(in, "1.1.0", conversions[_i].to, &out, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(out, "cniVersion")), conversions[_i].to);
	text = json_dumps(out, JSON_COMPACT);
	if (conversions[_i].want)
		ck_assert_str_eq(text, conversions[_i].want);
	if (!strcmp(conversions[_i].to, "1.1.0")) {
		json_object_del(in, "extra");
		ck_assert(json_equal(in, out));
	}
	/* Up again to 1.1.0: the "version" of 0.x is gone, nothing invented. */
	ck_assert_int_eq(cni_result_convert(out, NULL, "1.1.0", &back, &err), 0);
	ck_assert(!json_object_get(json_array_get(json_object_get(back, "ips"), 0), "version"));
	free(text);
	json_decref(back);
	json_decref(out);
	json_decref(in);
}
END_TEST

START_TEST(test_result_bad)
{
	static const char *bad[] = {
		"{\"interfaces\":{}}", "{\"interfaces\":[{\"mac\":\"x\"}]}", "{\"ips\":[{}]}",
		"{\"ips\":[{\"address\":\"1.2.3.4/32\",\"interface\":\"0\"}]}",
		"{\"routes\":[{\"gw\":\"1.1.1.1\"}]}", "{\"dns\":[]}", "[]",
	};
	struct cni_err err;
	json_t *in, *out;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in = parse(bad[i]);
		ck_assert_msg(cni_result_convert(in, "1.0.0", "0.4.0", &out, &err) < 0 && !out &&
			      err.code == CNI_ERR_DECODING, "%s", bad[i]);
		json_decref(in);
	}
	in = parse("{\"cniVersion\":\"0.2.0\",\"ip4\":{}}");
	ck_assert_int_lt(cni_result_convert(in, NULL, "1.0.0", &out, &err), 0);
	ck_assert_int_eq(err.code, CNI_ERR_INCOMPATIBLE_VERSION);
	json_decref(in);
}
END_TEST

START_TEST(test_result_primary)
{
	json_t *rec = parse("{\"host_veth\":\"nis1\",\"address\":\"198.18.0.2/24\","
			    "\"gateway\":\"198.18.0.1\",\"mac\":\"02:00:00:00:00:01\"}");
	json_t *prev = parse("{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"a\"}],"
			     "\"ips\":[{\"address\":\"10.0.0.2/24\",\"interface\":0}],"
			     "\"dns\":{\"domain\":\"x\"}}");
	struct cni_err err;
	json_t *res;

	ck_assert_int_eq(cni_result_primary(rec, "eth0", "/run/netns/x", &res, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
		res, "interfaces"), 1), "sandbox")), "/run/netns/x");
	ck_assert_int_eq(cni_result_append(prev, res, &err), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(prev, "interfaces")), 3);
	/* our ip points at our container interface, now index 2 */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(
		prev, "ips"), 1), "interface")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(prev, "dns"),
							   "domain")), "x");
	json_decref(res);
	json_object_del(rec, "gateway");
	ck_assert_int_lt(cni_result_primary(rec, "eth0", "/x", &res, &err), 0);
	ck_assert(err.code == CNI_ERR_IO && strstr(err.msg, "gateway"));
	json_decref(rec);
	json_decref(prev);
}
END_TEST

START_TEST(test_prev_find)
{
	/* bridge: the bridge, the host veth, the container's; ptp: veth, container's */
	json_t *bridge = parse("{\"interfaces\":[{\"name\":\"cni0\"},{\"name\":\"veth1\"},"
			       "{\"name\":\"eth0\",\"mac\":\"0a:00:00:00:00:05\",\"sandbox\":\"/n\"}],"
			       "\"ips\":[{\"address\":\"fd00::1/64\",\"interface\":0},"
			       "{\"address\":\"10.88.0.5/16\",\"interface\":2}]}");
	/* dual stack on the container's interface: the guard would drop its IPv6 */
	json_t *dual = parse("{\"interfaces\":[{\"name\":\"veth1\"},{\"name\":\"eth0\","
			     "\"sandbox\":\"/n\"}],\"ips\":[{\"address\":\"10.88.0.5/16\","
			     "\"interface\":1},{\"address\":\"fd00::5/64\",\"interface\":1}]}");
	json_t *ptp = parse("{\"interfaces\":[{\"name\":\"veth2\",\"sandbox\":\"\"},"
			    "{\"name\":\"net1\",\"sandbox\":\"/n\"}],\"ips\":[{\"version\":\"4\","
			    "\"address\":\"10.1.0.2/24\",\"interface\":1}]}");
	json_t *none = parse("{\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/n\"}]}");
	struct cni_prev p;
	struct cni_err err;

	ck_assert_int_eq(cni_prev_find(bridge, "eth0", &p, &err), 0);
	ck_assert_str_eq(p.host_veth, "veth1");
	ck_assert_str_eq(p.address, "10.88.0.5/16");
	ck_assert_str_eq(p.mac, "0a:00:00:00:00:05");
	ck_assert_int_eq(cni_prev_find(ptp, "net1", &p, &err), 0);
	ck_assert_str_eq(p.host_veth, "veth2");
	ck_assert(p.mac == NULL);
	ck_assert_int_lt(cni_prev_find(ptp, "eth0", &p, &err), 0);
	ck_assert_int_lt(cni_prev_find(none, "eth0", &p, &err), 0);
	ck_assert(strstr(err.msg, "host-side"));
	ck_assert_int_lt(cni_prev_find(dual, "eth0", &p, &err), 0);
	ck_assert_int_eq(err.code, CNI_ERR_INVALID_CONFIG);
	ck_assert(strstr(err.msg, "IPv6 address fd00::5/64"));
	json_decref(dual);
	json_decref(bridge);
	json_decref(ptp);
	json_decref(none);
}
END_TEST

START_TEST(test_versions)
{
	ck_assert_int_lt(cni_version_cmp("0.3.1", "0.4.0"), 0);
	ck_assert_int_lt(cni_version_cmp("0.4.0", "1.0.0"), 0);
	ck_assert_int_gt(cni_version_cmp("1.1.0", "1.0.0"), 0);
	ck_assert_int_eq(cni_version_cmp("1.1.0", "1.1.0"), 0);
	ck_assert(cni_version_is_0x("0.4.0") && !cni_version_is_0x("1.0.0"));
	ck_assert(!cni_version_supported("0.2.0") && cni_version_supported("0.3.0"));
}
END_TEST

void add_cni_tests(Suite *s)
{
	TCase *tc = tcase_create("cni");

	tcase_add_loop_test(tc, test_config_table, 0, sizeof(configs) / sizeof(configs[0]));
	tcase_add_test(tc, test_config_bandwidth);
	tcase_add_loop_test(tc, test_args_table, 0, sizeof(args) / sizeof(args[0]));
	tcase_add_test(tc, test_ports_merge);
	tcase_add_test(tc, test_ports_refused);
	tcase_add_loop_test(tc, test_result_versions, 0,
			    sizeof(conversions) / sizeof(conversions[0]));
	tcase_add_test(tc, test_result_bad);
	tcase_add_test(tc, test_result_primary);
	tcase_add_test(tc, test_prev_find);
	tcase_add_test(tc, test_versions);
	suite_add_tcase(s, tc);
}
