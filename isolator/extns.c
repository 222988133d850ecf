/* extns.c - adopting a runtime's network namespace, and giving it back as
 * it was. Only lo and three sysctls are shared with what the runtime owns;
 * everything on the agent's veth goes with the veth. */
#include <errno.h>
#include <inttypes.h>
#include <linux/pkt_sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "isolator/datapath.h"
#include "isolator/extns.h"
#include "tc/nl.h"
#include "tc/qdisc.h"
#include "tc/sysctl.h"

static const char *const undo_sysctls[3] = {
	"net.ipv4.ip_local_port_range", "net.ipv4.conf.lo.route_localnet",
	"net.ipv4.conf.lo.accept_local",
};

static char *undo_slot(struct iso_ext_undo *u, int i, size_t *len)
{
	char *slot[3] = { u->range, u->lo_localnet, u->lo_accept };
	size_t n[3] = { sizeof(u->range), sizeof(u->lo_localnet), sizeof(u->lo_accept) };

	*len = n[i];
	return slot[i];
}

bool iso_ifname_valid(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < IF_NAMESIZE && strcmp(name, "lo") &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_-") == n;
}

static bool same_ns(const struct tc_netns_id *id, const char *path)
{
	struct tc_netns_id o;

	return !tc_netns_path_id(path, &o) && tc_netns_id_eq(&o, id);
}

static int read_sysctls(void *arg)
{
	struct iso_ext_undo *u = arg;
	size_t len;
	int rc;

	for (int i = 0; i < 3; i++) {
		char *slot = undo_slot(u, i, &len);
		if ((rc = tc_sysctl_read(undo_sysctls[i], slot, len, NULL)))
			return rc;
	}
	return 0;
}

static int write_sysctls(void *arg)
{
	struct iso_ext_undo *u = arg;
	size_t len;

	for (int i = 0; i < 3; i++)
		tc_sysctl_write(undo_sysctls[i], undo_slot(u, i, &len), NULL);
	return 0;
}

static int snapshot(struct iso_dp_ct *ct, struct nl_sock *sk, struct nis_err *err)
{
	int lo, rc, ifindex;

	if ((rc = tc_link_ifindex(sk, ct->ifname, &ifindex, NULL)) != -ENODEV)
		return rc ? nis_err_set(err, rc, "cannot look into %s", ct->netns)
			  : nis_err_set(err, -ENOTUNIQ, "%s already has an interface %s",
					ct->netns, ct->ifname);
	if ((rc = tc_link_ifindex(sk, "lo", &lo, err)) ||
	    (rc = tc_link_get(sk, lo, &ct->undo.lo, err)))
		return rc;
	if ((rc = tc_qdisc_exists(sk, lo, TC_H_INGRESS)) != 0)
		return rc < 0 ? nis_err_set(err, rc, "cannot read the qdiscs of %s", ct->netns)
			      : nis_err_set(err, -EBUSY, "lo in %s already has an ingress "
					    "qdisc: another user of the namespace", ct->netns);
	if ((rc = tc_netns_exec(ct->nsfd, read_sysctls, &ct->undo)))
		return nis_err_set(err, rc, "cannot read the sysctls of %s", ct->netns);
	ct->undo.saved = true;
	return 0;
}

int iso_ext_open(struct iso_dp_ct *ct, struct nis_err *err)
{
	ct->undo.saved = false;
	if ((ct->nsfd = tc_netns_open_foreign(ct->netns, &ct->ns, err)) < 0)
		return ct->nsfd;
	if (!same_ns(&ct->ns, "/proc/self/ns/net") && !same_ns(&ct->ns, "/proc/1/ns/net"))
		return 0;
	close(ct->nsfd);
	ct->nsfd = -1;
	return nis_err_set(err, -EINVAL, "%s is the agent's own or the host's network "
			   "namespace", ct->netns);
}

int iso_ext_probe(struct iso_dp_ct *ct, struct nis_err *err)
{
	struct nl_sock *sk = NULL;
	int rc;

	if (!(rc = tc_netns_nl_open(ct->nsfd, &sk, err)))
		rc = snapshot(ct, sk, err);
	tc_nl_close(sk);
	return rc;
}

static bool is_zero_mac(const uint8_t *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

void iso_ext_undo(struct iso_dp_ct *ct)
{
	struct nl_sock *sk = ct->nsk;
	struct tc_link_state restore, now;
	struct nis_err err = { "" };
	int lo;

	if (!ct->external || !ct->undo.saved || ct->nsfd < 0 || iso_ext_present(ct) == 0)
		return;
	tc_netns_exec(ct->nsfd, write_sysctls, &ct->undo);
	if (!sk && tc_netns_nl_open(ct->nsfd, &sk, &err))
		goto out;
	/* lo's ingress qdisc is ours (adopt saw none): its filters go with it.
	 * lo's MAC cannot be set back to all-zero (the kernel takes only a
	 * valid unicast one): it keeps the host's, which nothing reads there. */
	if (tc_link_ifindex(sk, "lo", &lo, &err) ||
	    tc_qdisc_delete(sk, lo, TC_H_INGRESS, &err))
		goto out;
	restore = ct->undo.lo;
	if (is_zero_mac(restore.mac) && tc_link_get(sk, lo, &now, &err) == 0)
		memcpy(restore.mac, now.mac, sizeof(restore.mac));
	tc_link_restore(sk, lo, &restore, &err);
out:
	if (err.msg[0])
		log_msg(LOG_WARN, "%s: not all put back as it was: %s", ct->netns, err.msg);
	if (sk != ct->nsk)
		tc_nl_close(sk);
}

int iso_ext_present(const struct iso_dp_ct *ct)
{
	struct tc_netns_id id;
	int rc = tc_netns_path_id(ct->netns, &id);

	if (rc == -ENOENT || rc == -ENOTDIR)
		return 0;
	if (rc)
		return rc;
	return tc_netns_id_eq(&id, &ct->ns);
}

int iso_ext_reopen(struct iso_dp_ct *ct)
{
	struct tc_netns_id id;

	if ((ct->nsfd = tc_netns_open_foreign(ct->netns, &id, NULL)) >= 0 &&
	    tc_netns_id_eq(&id, &ct->ns))
		return 0;
	if (ct->nsfd >= 0)
		close(ct->nsfd);
	ct->nsfd = -1;
	ct->ns_gone = true;
	return -ENOENT;
}

/* "saved mac mtu up range|localnet|accept": the range has a tab in it. */
void iso_ext_undo_format(const struct iso_ext_undo *u, char *buf, size_t len)
{
	const uint8_t *m = u->lo.mac;

	if (!u->saved) {
		snprintf(buf, len, "%s", "");
		return;
	}
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x %u %d %s|%s|%s", m[0], m[1], m[2],
		 m[3], m[4], m[5], u->lo.mtu, u->lo.up, u->range, u->lo_localnet, u->lo_accept);
}

int iso_ext_undo_parse(const char *text, struct iso_ext_undo *u)
{
	unsigned m[6], mtu;
	int up, used;
	char rest[64];

	memset(u, 0, sizeof(*u));
	if (!*text)
		return 0;
	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x %u %d %n", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5], &mtu, &up, &used) != 8 || (up != 0 && up != 1) ||
	    snprintf(rest, sizeof(rest), "%s", text + used) >= (int)sizeof(rest) ||
	    sscanf(rest, "%31[0-9 \t]|%7[0-9]|%7[0-9]", u->range, u->lo_localnet,
		   u->lo_accept) != 3)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		u->lo.mac[i] = (uint8_t)m[i];
	u->lo.mtu = mtu;
	u->lo.up = up;
	u->saved = true;
	return 0;
}
