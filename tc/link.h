/* link.h - veth pairs and link attributes, each one netlink request on a
 * socket of the namespace the link lives in. */
#ifndef NIS_TC_LINK_H
#define NIS_TC_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <netlink/netlink.h>

#include "common/err.h"

struct tc_veth_spec {
	const char *host_name;		/* <= 15 chars */
	const char *peer_name;		/* name inside the peer namespace */
	int peer_nsfd;			/* the peer is created directly in there */
	const uint8_t *mac;		/* 6 bytes, both ends, set at creation */
	unsigned int mtu;
};

/* Creates the pair in one RTM_NEWLINK, the peer already in its namespace
 * with its MAC (set at creation: udev's MACAddressPolicy would rewrite a
 * MAC set later). *host_ifindex gets the host end's index. */
int tc_veth_create(struct nl_sock *sk, const struct tc_veth_spec *spec,
		   int *host_ifindex, struct nis_err *err);

/* Deletes a link (for a veth, both ends); -ENODEV if it is gone. */
int tc_link_delete(struct nl_sock *sk, int ifindex, struct nis_err *err);

/* Looks a link up by name; -ENODEV if there is none. */
int tc_link_ifindex(struct nl_sock *sk, const char *name, int *ifindex,
		    struct nis_err *err);

/* The same, with its kind ("veth"; "" for a plain device) from the same
 * answer. */
int tc_link_named(struct nl_sock *sk, const char *name, int *ifindex, char *kind, size_t len,
		  struct nis_err *err);

/* Brings a link up; with mac != NULL / mtu != 0 also sets those. */
int tc_link_set(struct nl_sock *sk, int ifindex, const uint8_t *mac,
		unsigned int mtu, int up, struct nis_err *err);

/* What tc_link_restore puts back: a link's MAC, MTU and up state. */
struct tc_link_state {
	uint8_t mac[6];
	unsigned int mtu;
	int up;
};

int tc_link_get(struct nl_sock *sk, int ifindex, struct tc_link_state *st,
		struct nis_err *err);
/* Sets MAC, MTU and up or down as st says. */
int tc_link_restore(struct nl_sock *sk, int ifindex, const struct tc_link_state *st,
		    struct nis_err *err);

/* Host-side veth names with prefix, for recovery: calls fn per link. */
int tc_link_foreach_prefix(struct nl_sock *sk, const char *prefix,
			   void (*fn)(const char *name, int ifindex, void *arg),
			   void *arg, struct nis_err *err);

#endif
