/* main.c - netisold: flags, validation, then the isolator, the accounting
 * and the HTTP server wired together (the one file that knows all three),
 * and the wait for a signal. Validation runs before anything is created
 * on the host. */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "acct/collector.h"
#include "agent/db.h"
#include "common/log.h"
#include "http/routes.h"
#include "http/server.h"
#include "isolator/config.h"
#include "isolator/container.h"
#include "tc/netns.h"

extern char **environ;

static void set_log_level(const char *name)
{
	if (!strcmp(name, "ERROR"))
		log_set_level(LOG_ERROR);
	else if (!strcmp(name, "WARNING"))
		log_set_level(LOG_WARN);
	else if (!strcmp(name, "DEBUG"))
		log_set_level(LOG_DEBUG);
	else
		log_set_level(LOG_INFO);
}

/* Parses and validates; returns 0 to run, 1 to exit with an error, and
 * -1 to exit 0 (after --help or --version). */
static int load_config(struct iso_config *c, int argc, char **argv)
{
	enum iso_flags_action action;
	struct nis_err err = { "" };

	memset(c, 0, sizeof(*c));
	if (iso_flags_init(&c->flags, &err) ||
	    iso_flags_load(&c->flags, environ, argc, argv, &action, &err))
		goto fail;
	if (action == ISO_FLAGS_HELP) {
		iso_flags_help(stdout, "netisold");
		return -1;
	}
	if (action == ISO_FLAGS_VERSION) {
		printf("netisold %s\n", PACKAGE_VERSION);
		return -1;
	}
	if (iso_config_check_flags(c, &err) || iso_config_check_host(c, &err))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "netisold: %s\n", err.msg);
	return 1;
}

static void log_host(const struct tc_host *h)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &h->ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &h->gateway, gw, sizeof(gw));
	log_msg(LOG_INFO, "public interface %s: %s/%d mac %02x:%02x:%02x:%02x:%02x:%02x "
		"mtu %u gateway %s; loopback %s", h->name, ip, h->prefixlen,
		h->mac[0], h->mac[1], h->mac[2], h->mac[3], h->mac[4], h->mac[5],
		h->mtu, gw, h->lo_name);
}

/* Accounting's view of the flags. */
static void acct_config_of(const struct iso_config *c, struct acct_config *ac)
{
	*ac = (struct acct_config){ c->flags.work_dir, c->flags.runtime_dir,
				    c->flags.network_classes, &c->classes,
				    c->host.ip, c->flags.accounting_interval_ns,
				    iso_flags_retention(&c->flags) };
}

/* The server asks which container a TCP peer is; the isolator knows. */
static bool peer_owner(void *app, const struct sockaddr_in *peer, char *id, size_t len)
{
	char buf[ISO_ID_MAX + 1];

	if (!iso_agent_peer_owner(app, peer->sin_addr, ntohs(peer->sin_port), buf))
		return false;
	snprintf(id, len, "%s", buf);
	return true;
}

struct parts {
	struct http_auth *auth;
	struct iso_agent *agent;
	struct acct *acct;
	struct acct_config acfg;
	struct http_server *srv;
};

/* In this order: the probe before anything is touched on the host, the
 * database before the two that open it, accounting before the isolator
 * that attaches its meters, the listeners last. */
static int start(struct iso_config *c, struct parts *p, const char *sock, struct nis_err *err)
{
	struct http_server_cfg hc = { c->flags.ip, (unsigned int)c->flags.port, sock, NULL,
				      http_routes, http_nroutes, peer_owner, NULL };
	int rc;

	acct_config_of(c, &p->acfg);
	/* A bad credentials file is a bad start: refused before the agent
	 * touches the host. */
	if ((rc = http_auth_load(c->flags.http_credentials, c->flags.authenticate_http_readonly,
				 c->flags.authenticate_http_readwrite, &p->auth, err)) ||
	    (rc = iso_agent_new(c, &p->agent, err)) ||
	    (rc = agent_db_prepare(c->flags.work_dir, err)) ||
	    (rc = acct_new(&p->acfg, &p->acct, err)) ||
	    (rc = iso_agent_start(p->agent, p->acct, err)) ||
	    (rc = acct_start(p->acct, err)))
		return rc;
	iso_flags_log(&c->flags);
	log_host(&c->host);
	log_msg(LOG_INFO, "%llu containers of %u ephemeral ports fit",
		(unsigned long long)c->max_containers, c->block_size);
	hc.auth = p->auth;
	hc.app = p->agent;
	return http_server_start(&hc, &p->srv, err);
}

/* The last accounting pass before anything goes; containers (torn down
 * with destroy) before the accounting that counts them. */
static void stop(struct parts *p, bool destroy)
{
	http_server_stop(p->srv);
	if (p->acct)
		acct_stop(p->acct);
	iso_agent_free(p->agent, destroy);
	acct_free(p->acct);
	http_auth_free(p->auth);
	tc_netns_exec_stop();
}

static int serve(struct iso_config *c)
{
	struct parts p = { NULL, NULL, NULL, { 0 }, NULL };
	struct nis_err err = { "" };
	char sock[4096];
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Blocked before any thread starts, so only sigwait sees them. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	snprintf(sock, sizeof(sock), "%s/api.sock", c->flags.runtime_dir);
	if (start(c, &p, sock, &err)) {
		fprintf(stderr, "netisold: %s\n", err.msg);
		stop(&p, false);
		return 1;
	}
	log_msg(LOG_INFO, "listening on %s:%llu and %s", c->flags.ip,
		(unsigned long long)c->flags.port, sock);
	do {
		if (sigwait(&set, &sig))
			break;
		if (sig == SIGHUP && acct_reload(p.acct, &err))
			log_msg(LOG_ERROR, "SIGHUP: %s; the classes in use are kept", err.msg);
	} while (sig == SIGHUP);
	log_msg(LOG_INFO, "received %s, stopping%s", strsignal(sig),
		c->flags.cleanup_on_exit ? " and removing every container" : "");
	stop(&p, c->flags.cleanup_on_exit);
	return 0;
}

int main(int argc, char **argv)
{
	struct iso_config c;
	int rc;

	/* One malloc arena: the HTTP pool threads would otherwise each keep
	 * the pages of the largest response they built (RSS, not leaks). */
	mallopt(M_ARENA_MAX, 1);
	/* Kernels before 5.11 charge eBPF maps to RLIMIT_MEMLOCK (64 KiB by
	 * default): a few dozen containers' counters would not fit. */
	setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY });
	rc = load_config(&c, argc, argv);

	if (rc) {
		iso_config_free(&c);
		return rc < 0 ? 0 : 1;
	}
	set_log_level(c.flags.logging_level);
	rc = serve(&c);
	iso_config_free(&c);
	return rc;
}
