/* tcp.c - netisolctl's --agent=http://HOST:PORT: the agent over TCP. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/client.h"

static int dial_tcp(const struct ctl_target *t)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char port[16];
	int fd;

	snprintf(port, sizeof(port), "%u", t->port);
	if (getaddrinfo(t->host, port, &hints, &ai)) {
		errno = EHOSTUNREACH;
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int ctl_parse_agent_url(const char *url, struct ctl_target *t)
{
	static char host[256];
	unsigned int port = 5051;
	const char *p = url;

	if (!strncmp(p, "http://", 7))
		p += 7;
	size_t n = strcspn(p, ":/");
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	if (p[n] == ':' && (sscanf(p + n + 1, "%u", &port) != 1 || port == 0 || port > 65535))
		return -1;
	t->socket = NULL;
	t->host = host;
	t->port = port;
	t->dial = dial_tcp;
	return 0;
}
