/* conns.h - the TCP listener's connection policy. A connection from a
 * local address whose source port a container owns is that container's
 * (the guard lets no other source out of it): it reads only itself,
 * never writes, and has a quota of its own, so no tenant can lock the
 * host's clients (health checks, Prometheus) out. Every other peer has a
 * quota per IP address. Quotas apply when a connection is accepted, and a
 * client that has not sent a whole request header within a few seconds is
 * cut (libmicrohttpd's idle timeout does not see a trickling client). */
#ifndef NIS_HTTP_CONNS_H
#define NIS_HTTP_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "common/err.h"

#define HTTP_CONNS_PER_CONTAINER 8
#define HTTP_CONNS_PER_IP 64
#define HTTP_HEADER_DEADLINE_S 5

struct MHD_Connection;
struct sockaddr_in;
struct http_scope;

/* Which container a TCP peer is, into id (len bytes); false: none. */
typedef bool (*http_peer_owner_fn)(void *app, const struct sockaddr_in *peer, char *id,
				   size_t len);

struct http_conns;
struct http_conn;

int http_conns_new(http_peer_owner_fn owner, void *app, struct http_conns **out,
		   struct nis_err *err);
void http_conns_free(struct http_conns *c);

/* libmicrohttpd's accept policy: whether the peer is under its quota. */
bool http_conns_accept(struct http_conns *c, const struct sockaddr *addr, socklen_t len);
/* A connection started (its state, for the callbacks below) and closed. */
struct http_conn *http_conns_started(struct http_conns *c, struct MHD_Connection *conn);
void http_conns_closed(struct http_conns *c, struct http_conn *k);
/* Its request header arrived (the deadline stops), or its request ended
 * (keep-alive: the deadline starts again for the next one). */
void http_conn_mark(struct http_conns *c, struct http_conn *k, bool header_done);
/* The scope a connection's requests are held to: its container's, or
 * NULL for a peer that is not a container. */
const struct http_scope *http_conn_scope(const struct http_conn *k);

#endif
