/* netns.h - network namespace handles: created by a short-lived thread that
 * unshares, kept alive by a bind mount under a shared directory, entered
 * by other short-lived threads with setns(2). The caller's own thread never
 * changes namespace. */
#ifndef NIS_TC_NETNS_H
#define NIS_TC_NETNS_H

#include <netlink/netlink.h>

#include "common/err.h"

/* Makes dir (created if missing) a shared mount point, as `ip netns` does
 * for /run/netns, so handles mounted later are seen by every process. */
int tc_netns_dir_setup(const char *dir, struct nis_err *err);

/* Creates a new network namespace and bind-mounts it at path (which must
 * not exist). Returns an O_RDONLY fd on it (>= 0) or -errno. */
int tc_netns_create(const char *path, struct nis_err *err);

/* Opens an existing handle; returns the fd or -errno. */
int tc_netns_open(const char *path, struct nis_err *err);

/* Detaches and removes the handle; -ENOENT if it was not there. */
int tc_netns_remove(const char *path, struct nis_err *err);

/* Runs fn(arg) in a thread that has joined the namespace of nsfd and
 * returns what fn returned (or -errno if the thread could not join). */
int tc_netns_exec(int nsfd, int (*fn)(void *arg), void *arg);

/* A file opened from inside the namespace of nsfd (for /proc/net files:
 * they keep showing that namespace). Returns the fd or -errno. */
int tc_netns_open_file(int nsfd, const char *path);

/* socket(2) created inside the namespace of nsfd. Returns the fd or -errno. */
int tc_netns_socket(int nsfd, int domain, int type, int protocol);

/* A NETLINK_ROUTE socket that lives in the namespace of nsfd. */
int tc_netns_nl_open(int nsfd, struct nl_sock **out, struct nis_err *err);

#endif
