/* datapath.c - isolate, update and clean up one container. Each step of
 * isolate has its undo; a failure unwinds the steps already done. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "common/log.h"
#include "acct/meter.h"
#include "isolator/datapath.h"
#include "isolator/portblocks.h"
#include "isolator/remap.h"
#include "tc/addr.h"
#include "tc/ethtool.h"
#include "tc/link.h"
#include "tc/netns.h"
#include "tc/nl.h"
#include "tc/police.h"
#include "tc/qdisc.h"
#include "tc/sysctl.h"
#include "tc/u32.h"

static int fail_step, abort_step;	/* test hooks: 0 = off */

void iso_dp_test_hooks(void)
{
	const char *f = getenv("NETISOL_TEST_FAIL_STEP"), *a = getenv("NETISOL_TEST_ABORT_STEP");

	fail_step = f ? atoi(f) : 0;
	abort_step = a ? atoi(a) : 0;
}

void iso_dp_test_abort(int point)
{
	if (abort_step && point == abort_step) {
		log_msg(LOG_WARN, "NETISOL_TEST_ABORT_STEP=%d: aborting", point);
		abort();
	}
}

struct tc_u32_rule iso_dp_rule(uint16_t prio, uint16_t protocol, enum tc_u32_act act,
			       int target)
{
	return (struct tc_u32_rule){ .parent = TC_INGRESS, .prio = prio,
				     .protocol = protocol, .act = act, .target = target };
}

#define rule iso_dp_rule

static const struct in_addr loopback = { .s_addr = 0x0100007f };	/* 127.0.0.1 */

/* ---- the container's fixed filters ---- */

static int add_rules(struct nl_sock *sk, int ifindex, struct tc_u32_rule *r, size_t n,
		     struct nis_err *err)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = tc_u32_add(sk, ifindex, &r[i], err)))
			return rc;
	return 0;
}

/* Root link nodes for TCP and UDP, optionally only to dst: eat the IP
 * header and continue in table ht, whose nodes match L4 ports. */
static int add_l4_links(struct nl_sock *sk, int ifindex, uint16_t prio, uint32_t ht,
			const struct in_addr *dst, struct nis_err *err)
{
	struct tc_u32_rule r[2];

	for (int i = 0; i < 2; i++) {
		r[i] = rule(prio, ETH_P_IP, TC_U32_LINK, 0);
		r[i].link = TC_U32_HT(ht);
		r[i].eat_iphdr = true;
		r[i].keys[r[i].nkeys++] = tc_u32_key8(i ? IPPROTO_UDP : IPPROTO_TCP, 0xff, 9,
						      false);
		r[i].keys[r[i].nkeys++] = tc_u32_key_first_frag();
		if (dst)
			r[i].keys[r[i].nkeys++] = tc_u32_key_ip(*dst, 32, 16);
	}
	return add_rules(sk, ifindex, r, 2, err);
}

/* Host veth ingress (what the container sends): ARP and ICMP to eth0; own
 * source ports to lo (dst host IP or 127.0.0.1) or eth0; the rest dropped. */
static int veth_filters(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err)
{
	struct nl_sock *sk = dp->sk;
	int v = ct->veth_ifindex, eth0 = dp->host.ifindex, rc;
	struct tc_u32_rule fixed[2] = {
		rule(DP_PRIO_ARP, ETH_P_ARP, TC_U32_REDIRECT, eth0),
		rule(DP_PRIO_ICMP, ETH_P_IP, TC_U32_REDIRECT, eth0),
	};

	fixed[1].keys[fixed[1].nkeys++] = tc_u32_key8(IPPROTO_ICMP, 0xff, 9, false);
	if ((rc = tc_qdisc_clsact_add(sk, v, false, err)) ||
	    (rc = acct_meter_attach(dp->acct, ct->veth, v, &dp->guard, ct->slot, &ct->meter,
				    err)) ||
	    (iso_dp_fast_ct(dp, ct), rc = add_rules(sk, v, fixed, 2, err)) ||
	    (rc = tc_u32_table_add(sk, v, TC_INGRESS, DP_PRIO_IP, ETH_P_IP,
				   TC_U32_HT(DP_HT_TO_LO), 1, err)) ||
	    (rc = tc_u32_table_add(sk, v, TC_INGRESS, DP_PRIO_IP, ETH_P_IP,
				   TC_U32_HT(DP_HT_TO_ETH0), 1, err)) ||
	    (rc = add_l4_links(sk, v, DP_PRIO_IP, DP_HT_TO_LO, &dp->host.ip, err)) ||
	    (rc = add_l4_links(sk, v, DP_PRIO_IP, DP_HT_TO_LO, &loopback, err)) ||
	    (rc = add_l4_links(sk, v, DP_PRIO_IP, DP_HT_TO_ETH0, NULL, err)) ||
	    (rc = tc_drop_add(sk, v, TC_INGRESS, DP_PRIO_DROP, err)))
		return rc;
	return 0;
}

/* Container side: lo sends traffic for the host IP or 127.0.0.1 out through
 * eth0 unless it is for the container's own ports (or ICMP to itself);
 * eth0 hands 127.0.0.1 traffic for its own ports to lo. */
static int container_filters(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err)
{
	struct nl_sock *sk = ct->nsk;
	int lo = ct->ct_lo, eth0 = ct->ct_eth0, rc;
	struct tc_u32_rule lo_rules[4] = {
		rule(DP_PRIO_ICMP, ETH_P_IP, TC_U32_NONE, 0),
		rule(DP_PRIO_ICMP, ETH_P_IP, TC_U32_NONE, 0),
		rule(DP_PRIO_IP, ETH_P_IP, TC_U32_REDIRECT, eth0),
		rule(DP_PRIO_IP, ETH_P_IP, TC_U32_REDIRECT, eth0),
	};

	for (int i = 0; i < 4; i++) {
		if (i < 2)
			lo_rules[i].keys[lo_rules[i].nkeys++] =
				tc_u32_key8(IPPROTO_ICMP, 0xff, 9, false);
		lo_rules[i].keys[lo_rules[i].nkeys++] =
			tc_u32_key_ip(i % 2 ? loopback : dp->host.ip, 32, 16);
	}
	/* Port mappings need eth0's egress hook too: clsact. */
	if ((rc = tc_qdisc_ingress_add(sk, lo, false, err)) ||
	    (rc = (ct->nremap ? tc_qdisc_clsact_add : tc_qdisc_ingress_add)(sk, eth0, false,
									err)) ||
	    (rc = add_rules(sk, lo, lo_rules, 4, err)) ||
	    (rc = tc_u32_table_add(sk, lo, TC_INGRESS, DP_PRIO_IP_HIGH, ETH_P_IP,
				   TC_U32_HT(DP_HT_CT_LO), 1, err)) ||
	    (rc = add_l4_links(sk, lo, DP_PRIO_IP_HIGH, DP_HT_CT_LO, NULL, err)) ||
	    (rc = tc_u32_table_add(sk, eth0, TC_INGRESS, DP_PRIO_IP, ETH_P_IP,
				   TC_U32_HT(DP_HT_CT_ETH0), 1, err)) ||
	    (rc = add_l4_links(sk, eth0, DP_PRIO_IP, DP_HT_CT_ETH0, &loopback, err)) ||
	    (rc = iso_dp_remap_add(ct, false, err)))
		return rc;
	return 0;
}

/* ---- the container namespace: sysctls and ethtool run inside it ---- */

struct inside_job {
	struct iso_dp *dp;
	struct iso_dp_ct *ct;
	struct nis_err *err;
};

static int inside(void *arg)
{
	struct inside_job *j = arg;
	char range[32], name[64];
	int rc;

	snprintf(range, sizeof(range), "%u %u", j->ct->ephemeral.begin, j->ct->ephemeral.end);
	/* IPv6 may be compiled out: then there is nothing to turn off. A
	 * runtime's namespace keeps its own settings but for our interface. */
	snprintf(name, sizeof(name), "net.ipv6.conf.%s.disable_ipv6", j->ct->ifname);
	tc_sysctl_write(name, "1", NULL);
	if (!j->ct->external) {
		tc_sysctl_write("net.ipv6.conf.all.disable_ipv6", "1", NULL);
		tc_sysctl_write("net.ipv6.conf.default.disable_ipv6", "1", NULL);
		for (int i = 0; i < DP_N_SYSCTLS; i++)
			if (j->dp->sysctl_val[i][0])
				tc_sysctl_write(dp_copied_sysctls[i], j->dp->sysctl_val[i], NULL);
	}
	snprintf(name, sizeof(name), "net.ipv4.conf.%s.accept_local", j->ct->ifname);
	if ((rc = tc_sysctl_write("net.ipv4.ip_local_port_range", range, j->err)) ||
	    (rc = tc_sysctl_write("net.ipv4.conf.lo.route_localnet", "1", j->err)) ||
	    (rc = tc_sysctl_write("net.ipv4.conf.lo.accept_local", "1", j->err)) ||
	    (rc = tc_sysctl_write(name, "1", j->err)) ||
	    (rc = tc_ethtool_rx_csum_off(j->ct->ifname, j->err)))
		return rc;
	return 0;
}

static int configure_container(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err)
{
	struct inside_job job = { dp, ct, err };
	struct nl_sock *sk = ct->nsk;
	int rc;

	if ((rc = tc_link_ifindex(sk, "lo", &ct->ct_lo, err)) ||
	    (rc = tc_link_ifindex(sk, ct->ifname, &ct->ct_eth0, err)) ||
	    (rc = tc_link_set(sk, ct->ct_lo, dp->host.mac, dp->host.mtu, 1, err)) ||
	    (rc = tc_link_set(sk, ct->ct_eth0, NULL, 0, 1, err)) ||
	    (rc = tc_addr_add(sk, ct->ct_eth0, dp->host.ip, dp->host.prefixlen, err)) ||
	    (rc = tc_route_add_default(sk, ct->ct_eth0, dp->host.gateway, err)))
		return rc;
	if (err)
		err->msg[0] = '\0';
	if ((rc = tc_netns_exec(ct->nsfd, inside, &job)))
		return err && err->msg[0] ? rc : nis_err_set(err, rc, "cannot enter the container");
	return container_filters(dp, ct, err);
}

/* ---- ARP/ICMP mirror nodes on the host's eth0 ---- */

/* The fast path sends each echo reply and ICMP error to the container it
 * is for (tc/fastpath.h): then only ARP is copied to every container. */
static bool icmp_demuxed(const struct iso_dp *dp)
{
	return dp->fast_on && dp->guard.owners >= 0 && dp->guard.echo >= 0;
}

static int mirror_nodes(struct iso_dp *dp, struct iso_dp_ct *ct, enum iso_dp_apply how,
			struct nis_err *err)
{
	struct tc_u32_rule r[2] = {
		rule(DP_PRIO_ARP, ETH_P_ARP, TC_U32_MIRROR, ct->veth_ifindex),
		rule(DP_PRIO_ICMP, ETH_P_IP, TC_U32_MIRROR, ct->veth_ifindex),
	};
	size_t n = icmp_demuxed(dp) ? 1 : 2;
	int rc;

	r[0].table = TC_U32_HT(DP_HT_ARP);
	r[0].handle = TC_U32_HANDLE(DP_HT_ARP, 0, ct->slot + 1);
	r[1].table = TC_U32_HT(DP_HT_ICMP);
	r[1].handle = TC_U32_HANDLE(DP_HT_ICMP, 0, ct->slot + 1);
	/* An older run's node copied every ICMP packet to this container. */
	if (how == ISO_DP_DEL || (how == ISO_DP_READD && n == 1)) {
		for (size_t i = 2; i-- > (how == ISO_DP_DEL ? 0u : 1u);)
			tc_u32_del(dp->sk, dp->host.ifindex, TC_INGRESS, r[i].prio,
				   r[i].protocol, r[i].handle, NULL);
		if (how == ISO_DP_DEL)
			return 0;
	}
	for (size_t i = 0; i < n; i++) {
		rc = tc_u32_add(dp->sk, dp->host.ifindex, &r[i], err);
		if (rc == -EEXIST && how == ISO_DP_READD)
			rc = 0;
		if (rc && how == ISO_DP_ADD)
			mirror_nodes(dp, ct, ISO_DP_DEL, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- the lifecycle ---- */

/* ct->blocks = [ephemeral block, blocks of ports...], none installed. */
static int plan_blocks(struct iso_dp_ct *ct, const struct pm_set *ports, struct nis_err *err)
{
	struct pm_block *pb = NULL;
	size_t n = 0;

	if (pm_set_blocks(ports, &pb, &n))
		return nis_err_set(err, -ENOMEM, "out of memory");
	free(ct->blocks);
	if (!(ct->blocks = calloc(n + 1, sizeof(*ct->blocks)))) {
		free(pb);
		return nis_err_set(err, -ENOMEM, "out of memory");
	}
	ct->blocks[0].b = (struct pm_block){ (uint16_t)ct->ephemeral.begin,
					     ct->ephemeral.end - ct->ephemeral.begin + 1 };
	for (size_t i = 0; i < n; i++)
		ct->blocks[i + 1].b = pb[i];
	free(pb);
	return (int)(n + 1);
}

static int veth_up(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err)
{
	char name[128];

	snprintf(name, sizeof(name), "net.ipv6.conf.%s.disable_ipv6", ct->veth);
	tc_sysctl_write(name, "1", NULL);	/* absent without IPv6 */
	return tc_link_set(dp->sk, ct->veth_ifindex, NULL, 0, 1, err);
}

/* An external namespace was opened (and checked) by iso_ext_adopt. */
static int netns_make(struct iso_dp_ct *ct, struct nis_err *err)
{
	if (ct->external)
		return 0;
	ct->nsfd = tc_netns_create(ct->netns, err);
	return ct->nsfd < 0 ? ct->nsfd : tc_netns_fd_id(ct->nsfd, &ct->ns);
}

/* ct->nblocks counts installed blocks: blocks_add unwinds its own part. */
static int blocks_install(struct iso_dp *dp, struct iso_dp_ct *ct, size_t n,
			  struct nis_err *err)
{
	int rc;

	ct->nblocks = n;
	if ((rc = iso_dp_blocks_add(dp, ct, 0, err)))
		ct->nblocks = 0;
	return rc;
}

/* The test hook fires once: the next create shows what the failed one freed. */
int iso_dp_injected(int n, struct nis_err *err)
{
	iso_dp_test_abort(n);
	if (fail_step != n)
		return 0;
	fail_step = 0;
	return nis_err_set(err, -EIO, "injected failure at step %d", n);
}

/* Readers that live in the container's namespace, opened once here so a
 * scrape never enters it: /proc/net files keep showing the namespace they
 * were opened in, and a socket stays in the one it was made in. */
static int open_one(int fd, const char *what, int *slot, struct nis_err *err)
{
	if (fd < 0)
		return nis_err_set(err, fd, "cannot open %s in the container: %s", what,
				   strerror(-fd));
	*slot = fd;
	return 0;
}

int iso_dp_open_stat_fds(struct iso_dp_ct *ct, const struct iso_flags *f, struct nis_err *err)
{
	int rc;

	if (!ct->chain.on && (rc = open_one(tc_netns_open_file_rw(ct->nsfd,
						 "/proc/sys/net/ipv4/ip_local_port_range"),
			   "ip_local_port_range", &ct->range_fd, err)))
		return rc;
	if (f->network_enable_socket_statistics_summary &&
	    (rc = open_one(tc_netns_open_file(ct->nsfd, "/proc/thread-self/net/sockstat"),
			   "sockstat", &ct->sockstat_fd, err)))
		return rc;
	if (f->network_enable_snmp_statistics &&
	    (rc = open_one(tc_netns_open_file(ct->nsfd, "/proc/thread-self/net/snmp"),
			   "snmp", &ct->snmp_fd, err)))
		return rc;
	if (f->network_enable_socket_statistics_details &&
	    (rc = open_one(tc_netns_socket(ct->nsfd, AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG),
			   "sock_diag", &ct->diag_fd, err)))
		return rc;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

#define STEP(n, call) ((rc = iso_dp_injected(n, err)) || (rc = (call)))

int iso_dp_isolate(struct iso_dp *dp, struct iso_dp_ct *ct, const struct pm_set *ports,
		   const struct iso_flags *f, struct nis_err *err)
{
	struct tc_veth_spec spec = { ct->veth, ct->ifname, -1, dp->host.mac, dp->host.mtu };
	struct iso_opt_u64 eg = ct->egress, in = ct->ingress;
	int rc = 0, nplanned;

	if (ct->chain.on)
		return iso_chain_isolate(dp, ct, f, err);
	if (!ct->external)
		ct->nsfd = -1;
	ct->diag_fd = ct->sockstat_fd = ct->snmp_fd = ct->range_fd = -1;
	ct->meter = NULL;
	ct->nblocks = 0;
	ct->egress.set = ct->ingress.set = false;
	if ((rc = iso_dp_remap_reserve(ct, err)))
		return rc;
	if ((nplanned = plan_blocks(ct, ports, err)) < 0)
		return nplanned;
	if (!(ct->slot = iso_ids_take(&dp->slots, 1))) {
		free(ct->blocks);
		ct->blocks = NULL;
		return nis_err_set(err, -ENOSPC, "no free container slot");
	}
	if (STEP(1, netns_make(ct, err)) ||
	    STEP(2, tc_netns_nl_open(ct->nsfd, &ct->nsk, err)) ||
	    STEP(3, (spec.peer_nsfd = ct->nsfd,
		     tc_veth_create(dp->sk, &spec, &ct->veth_ifindex, err))) ||
	    STEP(4, veth_up(dp, ct, err)) ||
	    STEP(5, veth_filters(dp, ct, err)) ||
	    STEP(6, configure_container(dp, ct, err)) ||
	    STEP(7, iso_dp_set_limits(dp, ct, eg, in, f, err)) ||
	    STEP(8, blocks_install(dp, ct, (size_t)nplanned, err)) ||
	    STEP(9, mirror_nodes(dp, ct, ISO_DP_ADD, err)) ||
	    STEP(10, iso_dp_open_stat_fds(ct, f, err))) {
		log_msg(LOG_WARN, "isolate %s failed, rolling back: %s", ct->netns, err->msg);
		iso_dp_cleanup(dp, ct);
		return rc;
	}
	return 0;
}

void iso_dp_release(struct iso_dp_ct *ct)
{
	tc_nl_close(ct->nsk);
	ct->nsk = NULL;
	close_fd(&ct->diag_fd);
	close_fd(&ct->sockstat_fd);
	close_fd(&ct->snmp_fd);
	close_fd(&ct->range_fd);
	close_fd(&ct->nsfd);
	acct_meter_free(ct->meter);
	ct->meter = NULL;
	free(ct->blocks);
	ct->blocks = NULL;
}

void iso_dp_fast_ct(struct iso_dp *dp, const struct iso_dp_ct *ct)
{
	struct nis_err err = { "" };

	if (!dp->fast_on)
		return;
	if (!iso_dp_fast_for(dp, ct)) {		/* ingress limited: the host veth */
		tc_fast_clear_ct(&dp->fast, ct->slot);
		return;
	}
	if (tc_fast_set_ct(&dp->fast, ct->slot, ct->veth_ifindex, acct_meter_fd(ct->meter),
			   &err))
		log_msg(LOG_WARN, "%s: no fast path, its traffic takes the host veth: %s",
			ct->netns, err.msg);
}

void iso_dp_unhook(struct iso_dp *dp, struct iso_dp_ct *ct)
{
	if (ct->veth_ifindex)
		mirror_nodes(dp, ct, ISO_DP_DEL, NULL);
	iso_dp_blocks_del(dp, ct, 0, ct->nblocks);
	ct->nblocks = 0;
	if (dp->fast_on && ct->slot)
		tc_fast_clear_ct(&dp->fast, ct->slot);
	if (dp->guard.police >= 0 && ct->slot)
		tc_police_set(dp->guard.police, ct->slot, 0, 0, NULL);
	iso_dp_release(ct);
	iso_ids_put(&dp->slots, ct->slot);
	ct->slot = 0;
}

void iso_dp_remove(struct nl_sock *sk, const char *veth, int ifindex, const char *netns)
{
	struct nis_err err = { "" };
	int rc = ifindex ? tc_link_delete(sk, ifindex, &err) : 0;

	/* -ENODEV: the veth went with a runtime's namespace, once we let go. */
	if (rc && rc != -ENODEV)
		log_msg(LOG_WARN, "cannot delete %s: %s", veth, err.msg);
	if (netns && tc_netns_remove(netns, &err))
		log_msg(LOG_WARN, "%s", err.msg);
}

void iso_dp_cleanup(struct iso_dp *dp, struct iso_dp_ct *ct)
{
	int ifindex = ct->veth_ifindex;
	bool had_netns = ct->nsfd >= 0 && !ct->external;

	if (ct->chain.on) {		/* the veth and the netns are not ours */
		iso_chain_unhook(dp, ct);
		return;
	}
	iso_ext_undo(ct);
	iso_dp_unhook(dp, ct);
	iso_dp_remove(dp->sk, ct->veth, ifindex, had_netns ? ct->netns : NULL);
	ct->veth_ifindex = 0;
}

char *iso_dp_blocks_format(const struct iso_dp_ct *ct)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < ct->nblocks; i++)
		fprintf(f, "%s%u/%u/%u/%u", i ? " " : "", ct->blocks[i].b.port,
			ct->blocks[i].b.size, ct->blocks[i].node, ct->blocks[i].hnode);
	fclose(f);
	return buf;
}

int iso_dp_blocks_parse(const char *text, struct iso_dp_ct *ct, struct nis_err *err)
{
	size_t n = 0, cap = 8;
	unsigned port, size, node, hnode;
	int used;

	free(ct->blocks);
	ct->nblocks = 0;
	if (!(ct->blocks = calloc(cap, sizeof(*ct->blocks))))
		return nis_err_set(err, -ENOMEM, "out of memory");
	while (sscanf(text, " %u/%u/%u/%u%n", &port, &size, &node, &hnode, &used) == 4) {
		if (port > 65535 || !size || (size & (size - 1)) || port % size ||
		    !node || node > ISO_IDS_MAX || !hnode || hnode > ISO_IDS_MAX)
			return nis_err_set(err, -EINVAL, "bad block '%u/%u/%u/%u'", port, size,
					   node, hnode);
		if (n == cap) {
			struct iso_dp_block *p = realloc(ct->blocks, 2 * cap * sizeof(*p));
			if (!p)
				return nis_err_set(err, -ENOMEM, "out of memory");
			ct->blocks = p;
			cap *= 2;
		}
		ct->blocks[n++] = (struct iso_dp_block){ { (uint16_t)port, size }, node, hnode };
		text += used;
	}
	if (!n)
		return nis_err_set(err, -EINVAL, "no blocks recorded");
	ct->nblocks = n;
	return 0;
}

static int reserve_ids(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err)
{
	size_t i;

	if (!iso_ids_reserve(&dp->slots, ct->slot)) {
		ct->slot = 0;		/* not ours to give back */
		ct->nblocks = 0;
		return nis_err_set(err, -EEXIST, "slot is taken");
	}
	for (i = 0; i < ct->nblocks; i++)
		if (!iso_dp_block_reserve(dp, ct, &ct->blocks[i]))
			break;
	if (i == ct->nblocks)
		return 0;
	nis_err_set(err, -EEXIST, "the u32 nodes of block %u/%u are taken",
		    ct->blocks[i].b.port, ct->blocks[i].b.size);
	ct->nblocks = i;	/* what cleanup may give back */
	return -EEXIST;
}

int iso_dp_resume(struct iso_dp *dp, struct iso_dp_ct *ct, const struct iso_flags *f,
		  struct nis_err *err)
{
	int rc;

	if (ct->chain.on)
		return iso_chain_resume(dp, ct, f, err);
	ct->diag_fd = ct->sockstat_fd = ct->snmp_fd = ct->range_fd = -1;
	ct->meter = NULL;
	if (!ct->external) {
		if ((ct->nsfd = tc_netns_open(ct->netns, err)) < 0)
			return ct->nsfd;
		tc_netns_fd_id(ct->nsfd, &ct->ns);
	}
	if ((rc = reserve_ids(dp, ct, err)) ||
	    (rc = tc_netns_nl_open(ct->nsfd, &ct->nsk, err)) ||
	    (rc = tc_link_ifindex(ct->nsk, "lo", &ct->ct_lo, err)) ||
	    (rc = tc_link_ifindex(ct->nsk, ct->ifname, &ct->ct_eth0, err)) ||
	    (rc = iso_dp_open_stat_fds(ct, f, err)) ||
	    (rc = iso_dp_remap_reserve(ct, err)) ||
	    (rc = iso_dp_remap_add(ct, true, err)) ||
	    (rc = mirror_nodes(dp, ct, ISO_DP_READD, err)))
		return rc;
	/* The blocks first: they fill the owners array the new guard reads. */
	for (size_t i = 0; i < ct->nblocks; i++)
		if ((rc = iso_dp_block_apply(dp, ct, &ct->blocks[i], ISO_DP_READD, err)))
			return rc;
	/* Counting is not worth a running container: without it, it runs on. */
	if ((rc = acct_meter_resume(dp->acct, ct->veth, ct->veth_ifindex, &dp->guard, ct->slot,
				    &ct->meter, err)))
		log_msg(LOG_ERROR, "%s: its traffic is not counted: %s", ct->netns, err->msg);
	iso_dp_fast_ct(dp, ct);
	if (iso_dp_police_sync(dp, ct, f, err))
		log_msg(LOG_ERROR, "%s: its egress cap is not enforced on the host side: %s",
			ct->netns, err->msg);
	return 0;
}

void iso_dp_host_handles(const struct iso_dp *dp, const struct iso_dp_ct *ct,
			 void (*fn)(uint32_t handle, void *arg), void *arg)
{
	fn(TC_U32_HANDLE(DP_HT_ARP, 0, ct->slot + 1), arg);
	if (!icmp_demuxed(dp))
		fn(TC_U32_HANDLE(DP_HT_ICMP, 0, ct->slot + 1), arg);
	for (size_t i = 0; i < ct->nblocks; i++)
		iso_dp_block_host_handles(dp, &ct->blocks[i], fn, arg);
}
