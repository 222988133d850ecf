/* nl.c - netlink sockets and error translation. */
#include <errno.h>
#include <stdbool.h>

#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "tc/nl.h"

int tc_nl_open(struct nl_sock **out, struct nis_err *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int rc;

	if (!sk)
		return nis_err_set(err, -ENOMEM, "out of memory for a netlink socket");
	if ((rc = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		nl_socket_free(sk);
		return tc_nl_fail(err, rc, "cannot open a netlink socket");
	}
	*out = sk;
	return 0;
}

void tc_nl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

int tc_nl_errno(int nle)
{
	static const struct { int nle, eno; } map[] = {
		{ NLE_NOMEM, ENOMEM }, { NLE_EXIST, EEXIST },
		{ NLE_OBJ_NOTFOUND, ENOENT }, { NLE_NODEV, ENODEV },
		{ NLE_INVAL, EINVAL }, { NLE_RANGE, ERANGE },
		{ NLE_PERM, EPERM }, { NLE_NOACCESS, EACCES },
		{ NLE_BUSY, EBUSY }, { NLE_OPNOTSUPP, EOPNOTSUPP },
		{ NLE_AGAIN, EAGAIN }, { NLE_NOATTR, ENODATA },
		{ NLE_MSGSIZE, EMSGSIZE }, { NLE_AF_NOSUPPORT, EAFNOSUPPORT },
		{ NLE_DUMP_INTR, EINTR },
	};

	if (nle < 0)
		nle = -nle;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].nle == nle)
			return -map[i].eno;
	return -EIO;
}

int tc_nl_fail(struct nis_err *err, int nle, const char *what)
{
	return nis_err_set(err, tc_nl_errno(nle), "%s: %s", what, nl_geterror(nle));
}

static int acked(struct nl_msg *msg, void *arg)
{
	(void)msg;
	*(bool *)arg = true;
	return NL_STOP;
}

/* One request whose answers go to parse(msg, arg), without touching the
 * socket's own callbacks: libnl's code. A get's answer is not multipart,
 * so libnl returns after it: its ACK is read here, not by the next request
 * (which would see a stale one). */
static int request(struct nl_sock *sk, int type, int flags, void *hdr, size_t hdrlen,
		   nl_recvmsg_msg_cb_t parse, void *arg)
{
	/* nl_socket_get_cb() returns a new reference: put it back, or the
	 * socket's callbacks are never freed (libnl 3.7). */
	struct nl_cb *orig = nl_socket_get_cb(sk), *cb = nl_cb_clone(orig);
	bool ack = false;
	int rc;

	nl_cb_put(orig);
	if (!cb)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, parse, arg);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, acked, &ack);
	if ((rc = nl_send_simple(sk, type, flags, hdr, hdrlen)) >= 0)
		rc = nl_recvmsgs(sk, cb);
	if (rc >= 0 && !(flags & NLM_F_DUMP) && !ack)
		rc = nl_wait_for_ack(sk);
	nl_cb_put(cb);
	return rc;
}

int tc_nl_dump(struct nl_sock *sk, int type, void *hdr, size_t hdrlen,
	       nl_recvmsg_msg_cb_t parse, void *arg, struct nis_err *err)
{
	int rc = request(sk, type, NLM_F_DUMP, hdr, hdrlen, parse, arg);

	return rc < 0 ? tc_nl_fail(err, rc, "netlink dump failed") : 0;
}

int tc_nl_get(struct nl_sock *sk, int type, void *hdr, size_t hdrlen,
	      nl_recvmsg_msg_cb_t parse, void *arg)
{
	/* NLM_F_ECHO: a qdisc get is answered through its notification,
	 * which reaches the asker only when asked to echo (before 6.9). */
	int rc = request(sk, type, NLM_F_ECHO, hdr, hdrlen, parse, arg);

	return rc < 0 ? tc_nl_errno(rc) : 0;
}
