/* netns.h - network namespace handles: created by a short-lived thread that
 * unshares, kept alive by a bind mount under a shared directory, entered
 * by a worker thread with setns(2). The caller's own thread never changes
 * namespace. */
#ifndef NIS_TC_NETNS_H
#define NIS_TC_NETNS_H

#include <stdbool.h>
#include <stdint.h>
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

/* A namespace's identity: nsfs device and inode, as stat(2) shows them. */
struct tc_netns_id {
	uint64_t dev, ino;
};

static inline bool tc_netns_id_eq(const struct tc_netns_id *a, const struct tc_netns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* Opens a network namespace someone else owns (a runtime's /run/netns/X,
 * /proc/PID/ns/net) and says which it is: the fd, or -EINVAL when path is
 * not a network namespace, -errno when it cannot be opened. */
int tc_netns_open_foreign(const char *path, struct tc_netns_id *id, struct nis_err *err);

/* The identity of an open namespace fd, and of a path (-errno: none). */
int tc_netns_fd_id(int fd, struct tc_netns_id *id);
int tc_netns_path_id(const char *path, struct tc_netns_id *id);

/* Detaches and removes the handle; -ENOENT if it was not there. */
int tc_netns_remove(const char *path, struct nis_err *err);

/* Runs fn(arg) in a thread that has joined the namespace of nsfd and
 * returns what fn returned (or -errno if the thread could not join). One
 * worker thread runs every caller's fn, one at a time: fn must not call
 * tc_netns_exec itself. It is started on first use, in the namespace of
 * that caller (its home, where it goes back after each fn). */
int tc_netns_exec(int nsfd, int (*fn)(void *arg), void *arg);

/* Ends the worker (it starts again on the next tc_netns_exec). */
void tc_netns_exec_stop(void);

/* A file opened from inside the namespace of nsfd (for /proc/net files:
 * they keep showing that namespace). Returns the fd or -errno. */
int tc_netns_open_file(int nsfd, const char *path);

/* The same, read-write (a /proc/sys file: it keeps being that
 * namespace's setting). */
int tc_netns_open_file_rw(int nsfd, const char *path);

/* socket(2) created inside the namespace of nsfd. Returns the fd or -errno. */
int tc_netns_socket(int nsfd, int domain, int type, int protocol);

/* A NETLINK_ROUTE socket that lives in the namespace of nsfd. */
int tc_netns_nl_open(int nsfd, struct nl_sock **out, struct nis_err *err);

#endif
