/* server.c - libmicrohttpd plumbing: listeners, body collection, one call
 * into the route table per complete request. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <microhttpd.h>

#include "http/conns.h"
#include "http/request.h"
#include "http/router.h"
#include "http/server.h"

#define MAX_BODY (64 * 1024)
#define POOL_THREADS 4
/* Idle connections are closed; quotas per peer are conns.c's. */
#define IDLE_TIMEOUT 30u
/* High enough that the quotas, not a full table, refuse connections: a
 * listener that stops accepting lets its backlog lock everyone out. */
#define CONN_LIMIT 4096u

struct listener {
	struct MHD_Daemon *daemon;
	bool trusted;
	const struct http_auth *auth;
	const struct http_route *routes;
	size_t nroutes;
	void *app;
	struct http_conns *conns;	/* TCP: quotas, deadlines, containers */
};

/* Request counters: [method][status - 100]. */
static const char *const methods[] = { "GET", "POST", "PATCH", "DELETE", "OTHER" };
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))
static unsigned long long counters[N_METHODS][500];

static void count(const char *method, unsigned int status)
{
	size_t m = 0;

	while (m < N_METHODS - 1 && strcmp(methods[m], method))
		m++;
	if (status >= 100 && status < 600)
		__atomic_fetch_add(&counters[m][status - 100], 1, __ATOMIC_RELAXED);
}

void http_server_counters(void (*fn)(const char *method, unsigned int status,
				     unsigned long long n, void *arg), void *arg)
{
	for (size_t m = 0; m < N_METHODS; m++)
		for (unsigned int st = 0; st < 500; st++) {
			unsigned long long n = __atomic_load_n(&counters[m][st], __ATOMIC_RELAXED);
			if (n)
				fn(methods[m], st + 100, n, arg);
		}
}

struct http_server {
	struct listener tcp, unix_;
	char *unix_path;
};

struct body {
	char *buf;
	size_t len;
	bool too_big;
};

/* Appends one chunk of the upload; refuses bodies above MAX_BODY. */
static int body_append(struct body *b, const char *data, size_t len)
{
	char *p;

	if (b->too_big || b->len + len > MAX_BODY) {
		b->too_big = true;
		return 0;
	}
	if (!(p = realloc(b->buf, b->len + len + 1)))
		return -ENOMEM;
	memcpy(p + b->len, data, len);
	b->len += len;
	p[b->len] = '\0';
	b->buf = p;
	return 0;
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct http_resp *r)
{
	struct MHD_Response *m;
	enum MHD_Result ret;

	m = MHD_create_response_from_buffer(r->len, r->body ? r->body : (char *)"",
					    r->body ? MHD_RESPMEM_MUST_FREE
						    : MHD_RESPMEM_PERSISTENT);
	if (!m) {
		free(r->body);
		return MHD_NO;
	}
	if (r->content_type)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->challenge)
		MHD_add_response_header(m, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Basic realm=\"netisol\"");
	for (size_t i = 0; i < HTTP_RESP_HEADERS && r->headers[i][0]; i++)
		MHD_add_response_header(m, r->headers[i][0], r->headers[i][1]);
	ret = MHD_queue_response(conn, r->status, m);
	MHD_destroy_response(m);
	return ret;
}

/* The TCP listener's state of conn (conns.c), or NULL. */
static struct http_conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i ? i->socket_context : NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	struct listener *l = cls;
	struct body *b = *con_cls;
	struct http_resp resp = { .status = 500, .content_type = "application/json" };
	struct http_req req;

	(void)version;
	if (!b) {
		if (!(b = calloc(1, sizeof(*b))))
			return MHD_NO;
		*con_cls = b;
		http_conn_mark(l->conns, conn_of(conn), true);
		return MHD_YES;
	}
	if (*upload_len) {
		if (body_append(b, upload, *upload_len))
			return MHD_NO;
		*upload_len = 0;
		return MHD_YES;
	}
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	req.body = b->buf ? b->buf : "";
	req.body_len = b->len;
	req.trusted = l->trusted;
	req.auth = l->auth;
	req.conn = conn;
	req.app = l->app;
	req.peer_scope = http_conn_scope(conn_of(conn));
	char *pass = NULL, *user = l->trusted ? NULL :
		MHD_basic_auth_get_username_password(conn, &pass);
	req.user = user;
	req.pass = pass;
	if (b->too_big)
		http_error(&resp, 413, "body_too_large", "request body exceeds %d bytes",
			   MAX_BODY);
	else
		http_route_dispatch(l->routes, l->nroutes, &req, &resp);
	if (user)
		MHD_free(user);
	if (pass)
		MHD_free(pass);
	count(method, resp.status);
	return send_resp(conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct body *b = *con_cls;

	(void)toe;
	if (b) {
		free(b->buf);
		free(b);
		*con_cls = NULL;
	}
	/* keep-alive: the next request's header has its deadline too */
	http_conn_mark(((struct listener *)cls)->conns, conn_of(conn), false);
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
	return http_conns_accept(((struct listener *)cls)->conns, addr, len) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct listener *l = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		*socket_context = http_conns_started(l->conns, conn);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		http_conns_closed(l->conns, *socket_context);
}

static int start_daemon(struct listener *l, int fd, const struct sockaddr_in *sa,
			struct nis_err *err)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;

	if (fd >= 0)
		l->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, l,
					     MHD_OPTION_LISTEN_SOCKET, fd,
					     MHD_OPTION_THREAD_POOL_SIZE, POOL_THREADS,
					     MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT,
					     MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
					     MHD_OPTION_END);
	else
		l->daemon = MHD_start_daemon(flags, ntohs(sa->sin_port), on_accept, l,
					     on_request, l,
					     MHD_OPTION_SOCK_ADDR, sa,
					     MHD_OPTION_THREAD_POOL_SIZE, POOL_THREADS,
					     MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT,
					     MHD_OPTION_CONNECTION_LIMIT, CONN_LIMIT,
					     MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
					     MHD_OPTION_NOTIFY_CONNECTION, on_connection, l,
					     MHD_OPTION_END);
	if (!l->daemon)
		return nis_err_set(err, -EADDRINUSE, "cannot start the HTTP listener");
	return 0;
}

/* A unix socket readable and writable by root only: the umask is set
 * around bind(2) so the socket is never briefly world-accessible. */
static int unix_listen(const char *path, struct nis_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return nis_err_set(err, -ENAMETOOLONG, "socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return nis_err_set(err, -errno, "socket: %s", strerror(errno));
	unlink(path);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc || listen(fd, 64)) {
		rc = -errno;
		close(fd);
		return nis_err_set(err, rc, "cannot listen on %s: %s", path, strerror(-rc));
	}
	return fd;
}

static bool no_owner(void *app, const struct sockaddr_in *peer, char *id, size_t len)
{
	(void)app, (void)peer, (void)id, (void)len;
	return false;
}

static int start_tcp(struct http_server *s, const struct http_server_cfg *cfg,
		     struct nis_err *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(cfg->port) };

	if (inet_pton(AF_INET, cfg->ip, &sa.sin_addr) != 1)
		return nis_err_set(err, -EINVAL, "bad listen address '%s'", cfg->ip);
	if (http_conns_new(cfg->peer_owner ? cfg->peer_owner : no_owner, cfg->app, &s->tcp.conns,
			   err))
		return -ENOMEM;
	if (start_daemon(&s->tcp, -1, &sa, err))
		return nis_err_set(err, -EADDRINUSE, "cannot listen on %s:%u",
				   cfg->ip, cfg->port);
	return 0;
}

int http_server_start(const struct http_server_cfg *cfg, struct http_server **out,
		      struct nis_err *err)
{
	struct http_server *s = calloc(1, sizeof(*s));
	int rc = 0, fd;

	if (!s)
		return nis_err_set(err, -ENOMEM, "out of memory");
	s->tcp.app = s->unix_.app = cfg->app;
	s->tcp.routes = s->unix_.routes = cfg->routes;
	s->tcp.nroutes = s->unix_.nroutes = cfg->nroutes;
	s->tcp.auth = cfg->auth;
	s->unix_.trusted = true;
	if (cfg->ip && (rc = start_tcp(s, cfg, err)))
		goto fail;
	if (cfg->unix_path) {
		if ((fd = unix_listen(cfg->unix_path, err)) < 0) {
			rc = fd;
			goto fail;
		}
		if (!(s->unix_path = strdup(cfg->unix_path)) ||
		    (rc = start_daemon(&s->unix_, fd, NULL, err))) {
			close(fd);
			rc = rc ? rc : -ENOMEM;
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	http_server_stop(s);
	return rc;
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->tcp.daemon)
		MHD_stop_daemon(s->tcp.daemon);
	http_conns_free(s->tcp.conns);
	if (s->unix_.daemon) {
		/* MHD_stop_daemon closes the listen socket it was given. */
		MHD_stop_daemon(s->unix_.daemon);
	}
	if (s->unix_path)
		unlink(s->unix_path);
	free(s->unix_path);
	free(s);
}
