/* conns.c - quotas per container and per IP, counted from libmicrohttpd's
 * connection notifications; the header deadline, enforced by a watchdog
 * thread that shuts a late connection's socket (libmicrohttpd then closes
 * it as it would any connection its peer dropped). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "common/log.h"
#include "common/thread.h"
#include "http/auth.h"
#include "http/conns.h"

#define KEY_MAX 80	/* "ct:" + a container id, or "ip:" + an address */

struct http_conn {
	char key[KEY_MAX];
	struct http_scope *scope;	/* a container's connection: itself */
	int fd;
	time_t deadline;		/* 0: not waiting for a header */
	struct http_conn *next;
};

struct http_conns {
	http_peer_owner_fn owner;
	void *app;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct http_conn *list;
	pthread_t watchdog;
	bool stopping;
};

static time_t now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec;
}

/* The peer's quota key; *ct true when it is a container. */
static void peer_key(struct http_conns *c, const struct sockaddr *addr, char key[KEY_MAX],
		     bool *ct)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
	char id[KEY_MAX - 3], ip[INET6_ADDRSTRLEN] = "?";

	*ct = addr->sa_family == AF_INET && c->owner(c->app, in, id, sizeof(id));
	if (*ct) {
		snprintf(key, KEY_MAX, "ct:%s", id);
		return;
	}
	if (addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
	else if (addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, ip, sizeof(ip));
	snprintf(key, KEY_MAX, "ip:%s", ip);
}

bool http_conns_accept(struct http_conns *c, const struct sockaddr *addr, socklen_t len)
{
	char key[KEY_MAX];
	unsigned int n = 0;
	bool ct;

	if (len < (socklen_t)sizeof(struct sockaddr_in))
		return false;
	peer_key(c, addr, key, &ct);
	pthread_mutex_lock(&c->mu);
	for (struct http_conn *k = c->list; k; k = k->next)
		n += !strcmp(k->key, key);
	pthread_mutex_unlock(&c->mu);
	if (n < (ct ? HTTP_CONNS_PER_CONTAINER : HTTP_CONNS_PER_IP))
		return true;
	log_msg(LOG_DEBUG, "HTTP: refused a connection of %s: %u open", key, n);
	return false;
}

struct http_conn *http_conns_started(struct http_conns *c, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *addr =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const union MHD_ConnectionInfo *fd =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct http_conn *k = calloc(1, sizeof(*k));
	bool ct = false;

	if (!k)
		return NULL;
	k->fd = fd ? fd->connect_fd : -1;
	k->deadline = now_s() + HTTP_HEADER_DEADLINE_S;
	if (addr && addr->client_addr)
		peer_key(c, addr->client_addr, k->key, &ct);
	/* A container's connection without its scope would see everything. */
	if (ct && !(k->scope = http_scope_of(k->key + 3)) && k->fd >= 0)
		shutdown(k->fd, SHUT_RDWR);
	pthread_mutex_lock(&c->mu);
	k->next = c->list;
	c->list = k;
	pthread_mutex_unlock(&c->mu);
	return k;
}

void http_conns_closed(struct http_conns *c, struct http_conn *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&c->mu);
	for (struct http_conn **pp = &c->list; *pp; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	pthread_mutex_unlock(&c->mu);
	http_scope_free(k->scope);
	free(k);
}

void http_conn_mark(struct http_conns *c, struct http_conn *k, bool header_done)
{
	if (!k)
		return;
	pthread_mutex_lock(&c->mu);
	k->deadline = header_done ? 0 : now_s() + HTTP_HEADER_DEADLINE_S;
	pthread_mutex_unlock(&c->mu);
}

const struct http_scope *http_conn_scope(const struct http_conn *k)
{
	return k ? k->scope : NULL;
}

/* Once a second: connections past their header deadline are shut. */
static void *watch(void *arg)
{
	struct http_conns *c = arg;

	pthread_mutex_lock(&c->mu);
	while (!c->stopping) {
		struct timespec at;
		time_t now = now_s();

		for (struct http_conn *k = c->list; k; k = k->next)
			if (k->deadline && k->deadline <= now && k->fd >= 0) {
				shutdown(k->fd, SHUT_RDWR);
				k->deadline = 0;
				log_msg(LOG_DEBUG, "HTTP: cut a connection of %s: no request "
					"header within %d s", k->key, HTTP_HEADER_DEADLINE_S);
			}
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += 1;
		pthread_cond_timedwait(&c->cv, &c->mu, &at);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int http_conns_new(http_peer_owner_fn owner, void *app, struct http_conns **out,
		   struct nis_err *err)
{
	struct http_conns *c = calloc(1, sizeof(*c));
	pthread_condattr_t ca;
	int rc;

	if (!c)
		return nis_err_set(err, -ENOMEM, "out of memory");
	c->owner = owner;
	c->app = app;
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&c->watchdog, NULL, watch, c))) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		free(c);
		return nis_err_set(err, -rc, "cannot start the HTTP watchdog: %s", strerror(rc));
	}
	*out = c;
	return 0;
}

/* After the listener stopped: its connections are all closed. */
void http_conns_free(struct http_conns *c)
{
	if (!c)
		return;
	nis_thread_stop(c->watchdog, &c->mu, &c->cv, &c->stopping);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}
