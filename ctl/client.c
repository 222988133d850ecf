/* client.c - HTTP/1.1 with Connection: close: write the request, read
 * until EOF, split status line, headers and body. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/fs.h"
#include "ctl/client.h"

/* The unix socket; TCP through t->dial (ctl/tcp.c, netisolctl's alone:
 * the CNI plugin, linked statically, must not pull in getaddrinfo). */
static int dial(const struct ctl_target *t)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!t->socket)
		return t->dial(t);
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
