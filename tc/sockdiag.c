/* sockdiag.c - SOCK_DIAG_BY_FAMILY dump for AF_INET/TCP, every state, with
 * INET_DIAG_INFO (struct tcp_info): the sockets with an RTT, as Mesos
 * takes them (listeners and TIME_WAIT have none). */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tc/sockdiag.h"

static int push(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		uint32_t *p = realloc(*v, c * sizeof(*p));
		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int send_req(int fd)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} m = {
		.nlh = { .nlmsg_len = sizeof(m), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP,
			 .idiag_ext = 1 << (INET_DIAG_INFO - 1),
			 .idiag_states = ~0u },
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	return sendto(fd, &m, sizeof(m), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
}

/* One message: appends its tcpi_rtt. */
static int take_rtt(struct nlmsghdr *h, uint32_t **v, size_t *n, size_t *cap)
{
	struct inet_diag_msg *d = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*d));
	struct rtattr *a = (struct rtattr *)(d + 1);

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type != INET_DIAG_INFO)
			continue;
		struct tcp_info ti;
		memset(&ti, 0, sizeof(ti));
		size_t plen = (size_t)RTA_PAYLOAD(a);
		memcpy(&ti, RTA_DATA(a), plen < sizeof(ti) ? plen : sizeof(ti));
		return ti.tcpi_rtt ? push(v, n, cap, ti.tcpi_rtt) : 0;
	}
	return 0;
}

int tc_tcp_rtts(int fd, uint32_t **rtts, size_t *n, struct nis_err *err)
{
	static __thread char buf[32768];
	size_t cap = 0;
	int rc;

	*rtts = NULL;
	*n = 0;
	if ((rc = send_req(fd)))
		return nis_err_set(err, rc, "sock_diag request: %s", strerror(-rc));
	for (;;) {
		int len = (int)recv(fd, buf, sizeof(buf), 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0) {
			rc = nis_err_set(err, -errno, "sock_diag: %s", strerror(errno));
			break;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				rc = nis_err_set(err, -EIO, "sock_diag dump failed");
				goto fail;
			}
			if ((rc = take_rtt(h, rtts, n, &cap)))
				goto fail;
		}
	}
fail:
	free(*rtts);
	*rtts = NULL;
	*n = 0;
	return rc;
}
