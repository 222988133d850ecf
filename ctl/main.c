/* main.c - netisolctl: the operator's client for netisold. Global options,
 * then one command from the table below. Exit codes: 0 ok, 1 the agent
 * said no, 2 usage error, 3 agent unreachable. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl/client.h"
#include "ctl/traffic.h"
#include "acct/calendar.h"
#include "portmap/bytes.h"

enum { EX_OK, EX_REFUSED, EX_USAGE, EX_UNREACHABLE };

static struct ctl_target target = { .socket = "/run/netisol/api.sock" };

struct opts {
	const char *ports, *egress, *ingress, *id, *watch;
	const char *from, *to;	/* traffic */
	char unit;		/* traffic: '5', 'h', 'd' or 'm' of -5/-h/-d/-m; 0 unset */
	int json;
	char **cmd;		/* after "--" */
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: netisolctl [--socket PATH | --agent URL] COMMAND\n"
		"  create ID [--ports RANGES] [--egress-rate RATE] [--ingress-rate RATE]\n"
		"  exec ID -- CMD [ARGS...]        run CMD inside the container's network namespace\n"
		"  run [--ports RANGES] [--egress-rate RATE] [--ingress-rate RATE] [--id ID] -- CMD [ARGS...]\n"
		"                                  create, exec, wait, destroy; exits with CMD's status\n"
		"  update ID [--ports RANGES] [--egress-rate RATE] [--ingress-rate RATE]\n"
		"  destroy ID\n"
		"  list [--json]\n"
		"  stats [ID] [--json] [--watch SECONDS]\n"
		"  traffic [ID] [-5|-h|-d|-m] [--from T] [--to T] [--json]\n"
		"                                  traffic history by minute (-5: vnstat's 5-minute\n"
		"                                  view is per minute here), hour, day (default) or\n"
		"                                  month, UTC: per period with a bar, then totals\n"
		"                                  and per-class totals. Without ID: the heaviest\n"
		"                                  containers of the current period (or of the one\n"
		"                                  holding --from)\n"
		"Options:\n"
		"  --socket PATH   the agent's unix socket (default: /run/netisol/api.sock)\n"
		"  --agent URL     the agent over TCP, e.g. http://127.0.0.1:5051 (read-only\n"
		"                  unless the agent authenticates writes)\n"
		"  --help, --version\n"
		"RANGES: Mesos syntax, e.g. '[31000-31009,31020-31029]'. RATE: bytes/s with\n"
		"B, KB, MB or GB (1024-based), e.g. 10MB. T: epoch seconds or ISO 8601\n"
		"(2026-11-22, 2026-11-22T15:00[:SS] with Z, +HH:MM or nothing = UTC).\n"
		"Exit status: 0 ok, 1 the agent refused, 2 usage error, 3 agent unreachable.\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "netisolctl: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see netisolctl --help)\n");
	va_end(ap);
	return EX_USAGE;
}

/* Sends a request; on a 4xx/5xx prints the agent's message. Returns an
 * exit code; *body gets the parsed JSON of a 2xx answer (or NULL). */
static int call(const char *method, const char *path, json_t *req, json_t **body)
{
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	struct ctl_resp r;
	const char *why;
	int rc;

	if (body)
		*body = NULL;
	rc = ctl_request(&target, method, path, text, &r, &why);
	free(text);
	if (rc) {
		fprintf(stderr, "netisolctl: cannot reach the agent at %s: %s\n",
			target.socket ? target.socket : target.host, why);
		return EX_UNREACHABLE;
	}
	json_t *o = r.len ? json_loads(r.body, 0, NULL) : NULL;
	if (r.status >= 300) {
		json_t *msg = json_object_get(o, "error");
		fprintf(stderr, "netisolctl: %s (HTTP %d)\n",
			json_is_string(msg) ? json_string_value(msg) : r.body, r.status);
		json_decref(o);
		ctl_resp_free(&r);
		return EX_REFUSED;
	}
	ctl_resp_free(&r);
	if (body)
		*body = o;
	else
		json_decref(o);
	return EX_OK;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = !strcmp(a, "--ports") ? &o->ports :
				    !strcmp(a, "--egress-rate") ? &o->egress :
				    !strcmp(a, "--ingress-rate") ? &o->ingress :
				    !strcmp(a, "--id") ? &o->id :
				    !strcmp(a, "--watch") ? &o->watch :
				    !strcmp(a, "--from") ? &o->from :
				    !strcmp(a, "--to") ? &o->to : NULL;
		if (slot) {
			if (i + 1 >= argc)
				return usage_error("%s needs a value", a);
			*slot = argv[++i];
		} else if (!strcmp(a, "--json")) {
			o->json = 1;
		} else if (strlen(a) == 2 && a[0] == '-' && strchr("5hdm", a[1])) {
			o->unit = a[1];
		} else if (!strcmp(a, "--")) {
			o->cmd = &argv[i + 1];
			if (!*o->cmd)
				return usage_error("%s", "no command after --");
			return 0;
		} else {
			return usage_error("unexpected argument '%s'", a);
		}
	}
	return 0;
}

/* The create/update body; rates are checked here so typos are usage errors. */
static int build_body(const struct opts *o, const char *id, json_t **out)
{
	const char *rates[][2] = { { "egress_rate_limit", o->egress },
				   { "ingress_rate_limit", o->ingress } };
	json_t *b = json_object();
	uint64_t v;

	if (id)
		json_object_set_new(b, "container_id", json_string(id));
	if (o->ports)
		json_object_set_new(b, "ports", json_string(o->ports));
	for (int i = 0; i < 2; i++) {
		if (!rates[i][1])
			continue;
		if (pm_bytes_parse(rates[i][1], &v, NULL)) {
			json_decref(b);
			return usage_error("bad rate '%s' (e.g. 10MB)", rates[i][1]);
		}
		json_object_set_new(b, rates[i][0], json_string(rates[i][1]));
	}
	*out = b;
	return 0;
}

static void path_for(char *buf, size_t len, const char *id)
{
	snprintf(buf, len, "/containers/%s", id);
}

static void print_record(const char *verb, json_t *r)
{
	printf("%s %s: veth %s, ephemeral ports [%lld-%lld], netns %s\n", verb,
	       json_string_value(json_object_get(r, "container_id")),
	       json_string_value(json_object_get(r, "host_veth")),
	       json_integer_value(json_object_get(json_object_get(r, "ephemeral_ports"), "begin")),
	       json_integer_value(json_object_get(json_object_get(r, "ephemeral_ports"), "end")),
	       json_string_value(json_object_get(r, "netns")));
}

static int create_or_update(const char *id, const struct opts *o, int create,
			    json_t **rec)
{
	char path[256];
	json_t *b = NULL;
	int rc;

	if ((rc = build_body(o, create ? id : NULL, &b)))
		return rc;
	path_for(path, sizeof(path), id);
	rc = call(create ? "POST" : "PATCH", create ? "/containers" : path, b, rec);
	json_decref(b);
	return rc;
}

static int create_and_print(const char *id, const struct opts *o, int create)
{
	json_t *r = NULL;	/* stays NULL when the request is refused before it is sent */
	int rc = create_or_update(id, o, create, &r);

	if (!rc)
		print_record(create ? "created" : "updated", r);
	json_decref(r);
	return rc;
}

static int cmd_create(const char *id, const struct opts *o)
{
	return create_and_print(id, o, 1);
}

static int cmd_update(const char *id, const struct opts *o)
{
	return create_and_print(id, o, 0);
}

static int cmd_destroy(const char *id, const struct opts *o)
{
	char path[256];
	int rc;

	(void)o;
	path_for(path, sizeof(path), id);
	if (!(rc = call("DELETE", path, NULL, NULL)))
		printf("destroyed %s\n", id);
	return rc;
}

static void rate_cell(json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		pm_rate_human((double)json_integer_value(v), buf, len);
	else
		snprintf(buf, len, "-");
}

static void ports_cell(json_t *ports, char *buf, size_t len)
{
	size_t i, n = 0;
	json_t *p;

	buf[0] = '\0';
	json_array_foreach(ports, i, p) {
		if (n + 16 >= len)
			break;
		n += (size_t)snprintf(buf + n, len - n, "%s%lld-%lld", i ? "," : "",
				      json_integer_value(json_array_get(p, 0)),
				      json_integer_value(json_array_get(p, 1)));
	}
	if (!n)
		snprintf(buf, len, "-");
}

static int cmd_list(const char *id, const struct opts *o)
{
	json_t *all, *r;
	size_t i;
	int rc;

	(void)id;
	if ((rc = call("GET", "/containers", NULL, &all)))
		return rc;
	if (o->json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		printf("\n");
	} else {
		printf("%-24s %-15s %-13s %-24s %-14s %s\n", "ID", "VETH", "EPHEMERAL",
		       "PORTS", "EGRESS", "INGRESS");
		json_array_foreach(all, i, r) {
			char eph[32], ports[128], eg[32], in[32];
			json_t *e = json_object_get(r, "ephemeral_ports");
			snprintf(eph, sizeof(eph), "%lld-%lld",
				 json_integer_value(json_object_get(e, "begin")),
				 json_integer_value(json_object_get(e, "end")));
			ports_cell(json_object_get(r, "ports"), ports, sizeof(ports));
			rate_cell(json_object_get(r, "egress_rate_limit"), eg, sizeof(eg));
			rate_cell(json_object_get(r, "ingress_rate_limit"), in, sizeof(in));
			printf("%-24s %-15s %-13s %-24s %-14s %s\n",
			       json_string_value(json_object_get(r, "container_id")),
			       json_string_value(json_object_get(r, "host_veth")), eph, ports,
			       eg, in);
		}
	}
	json_decref(all);
	return EX_OK;
}

/* Joins the container's network namespace (this thread only: the caller
 * is single-threaded) and execs cmd. Returns only on failure. */
static int enter_and_exec(const char *netns, char **cmd)
{
	int fd = open(netns, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "netisolctl: cannot enter %s: %s\n", netns, strerror(errno));
		return EX_REFUSED;
	}
	close(fd);
	execvp(cmd[0], cmd);
	fprintf(stderr, "netisolctl: cannot run %s: %s\n", cmd[0], strerror(errno));
	return 127;
}

static int netns_of(const char *id, char *buf, size_t len)
{
	char path[256];
	json_t *r;
	int rc;

	path_for(path, sizeof(path), id);
	if ((rc = call("GET", path, NULL, &r)))
		return rc;
	snprintf(buf, len, "%s", json_string_value(json_object_get(r, "netns")));
	json_decref(r);
	return EX_OK;
}

static int cmd_exec(const char *id, const struct opts *o)
{
	char netns[4096];
	int rc;

	if (!o->cmd)
		return usage_error("%s", "exec needs -- CMD");
	if ((rc = netns_of(id, netns, sizeof(netns))))
		return rc;
	return enter_and_exec(netns, o->cmd);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* Forks CMD in the container and waits; SIGINT/SIGTERM are passed on to
 * it, so Ctrl-C still ends in a destroy. CMD gets their default actions
 * even where we were started with them ignored (a background job of a
 * script), or what is passed on would not end it. */
static int run_child(const char *netns, char **cmd)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return EX_REFUSED;
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		_exit(enter_and_exec(netns, cmd));
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return EX_REFUSED;
		if (got_signal)
			kill(pid, got_signal);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int cmd_run(const char *unused, const struct opts *o)
{
	char gen[64], netns[4096], path[256];
	const char *id = o->id;
	json_t *r = NULL;
	int rc, status;

	(void)unused;
	if (!o->cmd)
		return usage_error("%s", "run needs -- CMD");
	if (!id) {
		snprintf(gen, sizeof(gen), "run.%ld.%d", (long)time(NULL), (int)getpid());
		id = gen;
	}
	if ((rc = create_or_update(id, o, 1, &r)))
		return rc;
	snprintf(netns, sizeof(netns), "%s", json_string_value(json_object_get(r, "netns")));
	json_decref(r);
	status = run_child(netns, o->cmd);
	path_for(path, sizeof(path), id);
	if ((rc = call("DELETE", path, NULL, NULL)))
		fprintf(stderr, "netisolctl: container %s may be left behind\n", id);
	return status;
}

/* ---- stats: two samples give the current rates ---- */

static json_t *stats_of(json_t *all, const char *id)
{
	size_t i;
	json_t *e;

	json_array_foreach(all, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "container_id")), id))
			return json_object_get(e, "statistics");
	return NULL;
}

static uint64_t u64(json_t *stats, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(stats, key));
}

static void stats_row(json_t *e, json_t *prev_all)
{
	const char *id = json_string_value(json_object_get(e, "container_id"));
	json_t *s = json_object_get(e, "statistics"), *p = stats_of(prev_all, id);
	double dt = p ? json_real_value(json_object_get(s, "timestamp")) -
			json_real_value(json_object_get(p, "timestamp")) : 0;
	char rx[32], tx[32], rxr[32] = "-", txr[32] = "-", lim[32] = "-";

	pm_bytes_human(u64(s, "net_rx_bytes"), rx, sizeof(rx));
	pm_bytes_human(u64(s, "net_tx_bytes"), tx, sizeof(tx));
	if (p && dt > 0) {
		pm_rate_human((double)(u64(s, "net_rx_bytes") - u64(p, "net_rx_bytes")) / dt,
			      rxr, sizeof(rxr));
		pm_rate_human((double)(u64(s, "net_tx_bytes") - u64(p, "net_tx_bytes")) / dt,
			      txr, sizeof(txr));
	}
	if (json_object_get(s, "net_tx_rate_limit"))
		pm_rate_human((double)u64(s, "net_tx_rate_limit"), lim, sizeof(lim));
	printf("%-20s %11s %11s %11llu %11llu %13s %13s %7llu %s\n", id, rx, tx,
	       (unsigned long long)u64(s, "net_rx_packets"),
	       (unsigned long long)u64(s, "net_tx_packets"), rxr, txr,
	       (unsigned long long)(u64(s, "net_rx_dropped") + u64(s, "net_tx_dropped")), lim);
}

static void stats_table(json_t *all, json_t *prev, const char *id)
{
	size_t i;
	json_t *e;

	printf("%-20s %11s %11s %11s %11s %13s %13s %7s %s\n", "ID", "RX", "TX", "RX PKTS",
	       "TX PKTS", "RX RATE", "TX RATE", "DROPS", "EGRESS LIMIT");
	json_array_foreach(all, i, e)
		if (!id || !strcmp(json_string_value(json_object_get(e, "container_id")), id))
			stats_row(e, prev);
}

/* The endpoint's JSON, or only the entry of id. */
static void print_json(json_t *all, const char *id)
{
	json_t *out = id ? json_array() : json_incref(all), *e;
	size_t i;

	json_array_foreach(all, i, e)
		if (id && !strcmp(json_string_value(json_object_get(e, "container_id")), id))
			json_array_append(out, e);
	json_dumpf(out, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(out);
}

static int cmd_stats(const char *unused, const struct opts *o)
{
	double every = o->watch ? atof(o->watch) : 1.0;
	json_t *prev = NULL, *all;
	int rc;

	(void)unused;
	if (every <= 0)
		return usage_error("bad --watch interval '%s'", o->watch);
	for (int round = 0;; round++) {
		if ((rc = call("GET", "/monitor/statistics.json", NULL, &all)))
			break;
		if (o->id && !stats_of(all, o->id)) {
			fprintf(stderr, "netisolctl: no container '%s'\n", o->id);
			rc = EX_REFUSED;
			break;
		}
		if (o->json) {
			print_json(all, o->id);
			break;
		}
		if (prev) {
			if (o->watch)
				printf("\033[H\033[2J");	/* like top: redraw in place */
			stats_table(all, prev, o->id);
			fflush(stdout);
			if (!o->watch)
				break;
		}
		json_decref(prev);
		prev = all;
		all = NULL;
		usleep((useconds_t)((round || !o->watch ? every : 0.2) * 1e6));
	}
	json_decref(prev);
	json_decref(all);
	return rc;
}

static int get_json(const char *path, json_t **body)
{
	return call("GET", path, NULL, body);
}

static int cmd_traffic(const char *unused, const struct opts *o)
{
	static const char units[] = "5hdm";	/* in enum acct_by order */
	struct ctl_traffic t = { o->id, ACCT_DAY, o->from, o->to, o->json };
	const char *times[] = { o->from, o->to };
	int64_t v;

	(void)unused;
	if (o->unit)
		t.by = (int)(strchr(units, o->unit) - units);
	for (int i = 0; i < 2; i++)
		if (times[i] && acct_parse_time(times[i], &v))
			return usage_error("bad time '%s' (epoch seconds or ISO 8601, e.g. "
					   "2026-11-22 or 2026-11-22T15:00Z)", times[i]);
	if (!o->id && o->to)
		return usage_error("%s", "--to needs a container ID (without one, --from "
				   "picks the period)");
	return ctl_traffic(&t, get_json);
}

struct command {
	const char *name;
	int (*fn)(const char *id, const struct opts *o);
	int needs_id;		/* 1: required, 2: optional (into opts.id) */
};

static const struct command commands[] = {
	{ "create", cmd_create, 1 }, { "exec", cmd_exec, 1 }, { "run", cmd_run, 0 },
	{ "update", cmd_update, 1 }, { "destroy", cmd_destroy, 1 }, { "list", cmd_list, 0 },
	{ "stats", cmd_stats, 2 }, { "traffic", cmd_traffic, 2 },
};

static int global_opts(int argc, char **argv, int *i)
{
	for (; *i < argc && argv[*i][0] == '-'; (*i)++) {
		const char *a = argv[*i];
		if (!strcmp(a, "--help")) {
			usage(stdout);
			exit(EX_OK);
		} else if (!strcmp(a, "--version")) {
			printf("netisolctl %s\n", PACKAGE_VERSION);
			exit(EX_OK);
		} else if (!strcmp(a, "--socket") && *i + 1 < argc) {
			target.socket = argv[++*i];
		} else if (!strcmp(a, "--agent") && *i + 1 < argc) {
			if (ctl_parse_agent_url(argv[++*i], &target))
				return usage_error("bad --agent URL '%s'", argv[*i]);
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int i = 1, rc;

	if ((rc = global_opts(argc, argv, &i)))
		return rc;
	if (i >= argc)
		return usage_error("%s", "missing COMMAND");
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (strcmp(argv[i], commands[c].name))
			continue;
		const char *id = NULL;
		if (commands[c].needs_id == 2 && i + 1 < argc && argv[i + 1][0] != '-') {
			o.id = argv[++i];
		} else if (commands[c].needs_id == 1) {
			if (i + 1 >= argc || argv[i + 1][0] == '-')
				return usage_error("%s needs a container ID", argv[i]);
			id = argv[++i];
		}
		if ((rc = parse_opts(argc - i - 1, argv + i + 1, &o)))
			return rc;
		return commands[c].fn(id, &o);
	}
	return usage_error("unknown command '%s'", argv[i]);
}
