/* main.c - netisol-cni: reads the CNI environment and stdin, checks them
 * as libcni's skel does, and runs one handler from the command table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni/commands.h"
#include "cni/result.h"
#include "cni/version.h"

#define CNI_STDIN_MAX (4u << 20)

/* Environment variables a command requires (CNI_COMMAND always). */
enum { ENV_CONTAINERID = 1, ENV_NETNS = 2, ENV_IFNAME = 4, ENV_PATH = 8 };

static const struct command {
	const char *name;
	int (*run)(struct cni_ctx *c, struct cni_err *err);
	const char *min_version;	/* of the config, or NULL */
	unsigned int env;
	int args;			/* CNI_ARGS matters (labels) */
} commands[] = {
	{ "ADD", cni_cmd_add, NULL, ENV_CONTAINERID | ENV_NETNS | ENV_IFNAME, 1 },
	{ "DEL", cni_cmd_del, NULL, ENV_CONTAINERID | ENV_IFNAME, 0 },
	{ "CHECK", cni_cmd_check, "0.4.0", ENV_CONTAINERID | ENV_NETNS | ENV_IFNAME, 1 },
	{ "STATUS", cni_cmd_status, "1.1.0", 0, 0 },
	{ "GC", cni_cmd_gc, "1.1.0", ENV_PATH, 0 },
	{ "VERSION", NULL, NULL, 0, 0 },
};

static const struct { const char *name; unsigned int bit; } env_vars[] = {
	{ "CNI_CONTAINERID", ENV_CONTAINERID }, { "CNI_NETNS", ENV_NETNS },
	{ "CNI_IFNAME", ENV_IFNAME }, { "CNI_PATH", ENV_PATH },
};

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v ? v : "";
}

static int valid_id(const char *s)
{
	return ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       strlen(s);
}

/* The kernel's rules for a name, as the spec words them. */
static int valid_ifname(const char *s)
{
	return *s && strlen(s) < 16 && strcmp(s, ".") && strcmp(s, "..") &&
	       !strpbrk(s, "/: \t\n\v\f\r");
}

static int check_env(const struct command *cmd, struct cni_ctx *c, struct cni_err *err)
{
	char missing[128] = "";

	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		if ((cmd->env & env_vars[i].bit) && !*env(env_vars[i].name))
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				 "%s%s", missing[0] ? "," : "", env_vars[i].name);
	if (missing[0])
		return cni_err_set(err, CNI_ERR_INVALID_ENV, "required env variables [%s] missing",
				   missing);
	c->container_id = env("CNI_CONTAINERID");
	c->netns = env("CNI_NETNS");
	c->ifname = env("CNI_IFNAME");
	c->path = env("CNI_PATH");
	if ((cmd->env & ENV_CONTAINERID) && !valid_id(c->container_id))
		return cni_err_set(err, CNI_ERR_INVALID_ENV, "CNI_CONTAINERID \"%s\": invalid "
				   "characters (letters, digits, '_', '.', '-')", c->container_id);
	if ((cmd->env & ENV_IFNAME) && !valid_ifname(c->ifname))
		return cni_err_set(err, CNI_ERR_INVALID_ENV, "CNI_IFNAME \"%s\": not a valid "
				   "interface name (1-15 bytes, no '/', ':' or spaces)", c->ifname);
	return 0;
}

/* All of stdin, NUL-terminated, in *buf. */
static int read_stdin(char **buf, size_t *len, struct cni_err *err)
{
	size_t cap = 4096, n = 0;
	char *b = NULL, *p;
	ssize_t r;

	for (;;) {
		if (!b || n + 1 >= cap) {
			if (b && cap >= CNI_STDIN_MAX) {
				errno = EFBIG;
				break;
			}
			if (!(p = realloc(b, b ? cap *= 2 : cap)))
				break;
			b = p;
		}
		r = read(STDIN_FILENO, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (r == 0) {
			b[n] = '\0';
			*buf = b;
			*len = n;
			return 0;
		}
		n += (size_t)r;
	}
	free(b);
	return cni_err_set(err, CNI_ERR_IO, "error reading the network config from stdin: %s",
			   strerror(errno));
}

static const struct command *find_command(const char *name, struct cni_err *err)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	if (!*name)
		cni_err_set(err, CNI_ERR_INVALID_ENV, "required env variables [CNI_COMMAND] missing");
	else
		cni_err_set(err, CNI_ERR_INVALID_ENV, "unknown CNI_COMMAND: %s", name);
	return NULL;
}

/* Everything before the handler: stdin, the config, the version gate,
 * CNI_ARGS. */
static int prepare(const struct command *cmd, struct cni_ctx *c, struct cni_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if ((rc = check_env(cmd, c, err)) || (rc = read_stdin(&text, &len, err)))
		return rc;
	rc = cni_config_parse(text, len, &c->cfg, err);
	free(text);
	if (rc)
		return rc;
	if (cmd->min_version && cni_version_cmp(c->cfg.version, cmd->min_version) < 0)
		return cni_err_set(err, CNI_ERR_INCOMPATIBLE_VERSION, "config version %s does "
				   "not allow %s (it needs %s or later)", c->cfg.version,
				   cmd->name, cmd->min_version);
	if (cmd->args && (rc = cni_args_parse(getenv("CNI_ARGS"), &c->args, err)))
		return rc;
	cni_agent_init(&c->agent, c->cfg.socket);
	return 0;
}

static void usage(void)
{
	printf("Usage: netisol-cni   (run by a container runtime, CNI spec 0.3.0-1.1.0)\n"
	       "  CNI_COMMAND        ADD, DEL, CHECK, STATUS, GC or VERSION\n"
	       "  CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH: as the spec says\n"
	       "  stdin              the network configuration (\"type\": \"netisol-cni\")\n"
	       "  --help, --version  this text, the version; exit 0\n");
}

int main(int argc, char **argv)
{
	struct cni_ctx c = { .out = stdout };
	struct cni_err err = { CNI_OK, "", "" };
	const struct command *cmd;
	int rc;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "--version"))) {
		if (!strcmp(argv[1], "--help"))
			usage();
		else
			printf("netisol-cni %s (CNI %s)\n", PACKAGE_VERSION, CNI_VERSION_LATEST);
		return 0;
	}
	if (!(cmd = find_command(env("CNI_COMMAND"), &err))) {
		rc = -EINVAL;
	} else if (!cmd->run) {
		rc = cni_version_print(stdout);
	} else if (!(rc = prepare(cmd, &c, &err))) {
		rc = cmd->run(&c, &err);
	}
	if (rc && err.code != CNI_OK)
		cni_error_print(stdout, c.cfg.version, &err);
	cni_agent_close(&c.agent);
	cni_args_free(&c.args);
	cni_config_free(&c.cfg);
	return rc ? 1 : 0;
}
