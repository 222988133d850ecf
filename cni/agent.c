/* agent.c - requests to netisold and what its answers mean to a runtime. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cni/agent.h"
#include "ctl/client.h"

void cni_agent_init(struct cni_agent *a, const char *socket)
{
	a->socket = socket;
	a->lock_fd = -1;
}

int cni_agent_lock(struct cni_agent *a, bool exclusive, struct cni_err *err)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s.lock", a->socket);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	/* No runtime directory: no agent, nothing to serialize with. */
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return cni_err_set(err, CNI_ERR_IO, "cannot open the lock file %s: %s", path,
				   strerror(errno));
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH)) {
		if (errno == EINTR)
			continue;
		close(fd);
		return cni_err_set(err, CNI_ERR_IO, "cannot lock %s: %s", path, strerror(errno));
	}
	a->lock_fd = fd;
	return 0;
}

void cni_agent_close(struct cni_agent *a)
{
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	a->lock_fd = -1;
}

bool cni_agent_down(int rc)
{
	return rc == -ENOENT || rc == -ECONNREFUSED;
}

static void decode(struct cni_reply *r, const char *text, size_t len)
{
	const char *s;

	r->error = r->code = "";
	if (!len || !(r->body = json_loadb(text, len, 0, NULL)))
		return;
	if ((s = json_string_value(json_object_get(r->body, "error"))))
		r->error = s;
	if ((s = json_string_value(json_object_get(r->body, "code"))))
		r->code = s;
}

int cni_agent_request(const struct cni_agent *a, const char *method, const char *path,
		      json_t *body, struct cni_reply *r, struct cni_err *err)
{
	struct ctl_target t = { .socket = a->socket };
	struct ctl_resp resp;
	const char *why = "";
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc, e;

	memset(r, 0, sizeof(*r));
	r->error = r->code = "";
	if (body && !text)
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	errno = 0;
	rc = ctl_request(&t, method, path, text, &resp, &why);
	e = errno ? errno : EPROTO;
	free(text);
	if (rc) {
		if (cni_agent_down(-e))
			cni_err_set(err, CNI_ERR_TRY_AGAIN_LATER, "netisold is not running "
				    "(socket %s: %s): try again later", a->socket, why);
		else
			cni_err_set(err, CNI_ERR_IO, "netisold (socket %s): %s %s: %s",
				    a->socket, method, path, why);
		return -e;
	}
	r->status = resp.status;
	decode(r, resp.body, resp.len);
	ctl_resp_free(&resp);
	return 0;
}

void cni_reply_free(struct cni_reply *r)
{
	json_decref(r->body);
	r->body = NULL;
	r->error = r->code = "";
}

int cni_agent_error(const struct cni_reply *r, struct cni_err *err)
{
	static const struct { int status; const char *code; enum cni_code cni; } map[] = {
		{ 400, NULL, CNI_ERR_INVALID_CONFIG },
		{ 404, NULL, CNI_ERR_UNKNOWN_CONTAINER },
		{ 409, "no_ephemeral_ports", CNI_ERR_TRY_AGAIN_LATER },
		{ 409, NULL, CNI_ERR_INVALID_CONFIG },
		{ 503, NULL, CNI_ERR_TRY_AGAIN_LATER },
	};
	enum cni_code code = CNI_ERR_IO;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].status == r->status && (!map[i].code || !strcmp(map[i].code, r->code))) {
			code = map[i].cni;
			break;
		}
	cni_err_set(err, code, "netisold: %s", r->error[0] ? r->error : "(no message)");
	return cni_err_details(err, "HTTP %d %s", r->status, r->code);
}
