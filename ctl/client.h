/* client.h - a minimal HTTP/1.1 client for netisold: one request per
 * connection, over the unix socket or TCP. */
#ifndef NIS_CTL_CLIENT_H
#define NIS_CTL_CLIENT_H

#include <stddef.h>

struct ctl_target {
	const char *socket;	/* unix socket path, or NULL */
	const char *host;	/* TCP when socket is NULL */
	unsigned int port;
	int (*dial)(const struct ctl_target *t);	/* TCP's: its fd or -1, errno */
};

struct ctl_resp {
	int status;
	char *body;		/* malloc'd, NUL-terminated */
	size_t len;
};

/* Parses "http://HOST:PORT[/]" into t (host points into url's copy), to
 * be reached over TCP (ctl/tcp.c: not in the CNI plugin). */
int ctl_parse_agent_url(const char *url, struct ctl_target *t);

/* Returns 0, or -1 when the agent could not be reached (errno text in
 * *why). body may be NULL. */
int ctl_request(const struct ctl_target *t, const char *method, const char *path,
		const char *body, struct ctl_resp *out, const char **why);

void ctl_resp_free(struct ctl_resp *r);

#endif
