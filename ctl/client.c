/* client.c - HTTP/1.1 with Connection: close: write the request, read
 * until EOF, split status line, headers and body. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/fs.h"
#include "ctl/client.h"

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
	return 0;
}

static int dial(const struct ctl_target *t)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char port[16];
	int fd;

	if (t->socket) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		if (strlen(t->socket) >= sizeof(sa.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		strcpy(sa.sun_path, t->socket);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		return -1;
	}
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

int ctl_request(const struct ctl_target *t, const char *method, const char *path,
		const char *body, struct ctl_resp *out, const char **why)
{
	size_t blen = body ? strlen(body) : 0, len;
	char head[1024], *raw, *sep;
	int fd, n;

	memset(out, 0, sizeof(*out));
	if ((fd = dial(t)) < 0) {
		*why = strerror(errno);
		return -1;
	}
	n = snprintf(head, sizeof(head),
		     "%s %s HTTP/1.1\r\nHost: netisold\r\nConnection: close\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		     method, path, blen);
	if (nis_write_all(fd, head, (size_t)n) || (blen && nis_write_all(fd, body, blen)) ||
	    !(raw = nis_read_all(fd, &len))) {
		*why = strerror(errno ? errno : EIO);
		close(fd);
		return -1;
	}
	close(fd);
	if (sscanf(raw, "HTTP/1.%*d %d", &out->status) != 1 ||
	    !(sep = strstr(raw, "\r\n\r\n"))) {
		free(raw);
		*why = "malformed HTTP response";
		return -1;
	}
	sep += 4;
	out->len = len - (size_t)(sep - raw);
	memmove(raw, sep, out->len + 1);
	out->body = raw;
	return 0;
}

void ctl_resp_free(struct ctl_resp *r)
{
	free(r->body);
	r->body = NULL;
}
