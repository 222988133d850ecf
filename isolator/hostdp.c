/* hostdp.c - the host-wide datapath, set up once at start. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "acct/collector.h"
#include "common/log.h"
#include "isolator/hostdp.h"
#include "tc/link.h"
#include "tc/nl.h"
#include "tc/police.h"
#include "tc/qdisc.h"
#include "tc/sysctl.h"
#include "tc/u32.h"

/* Per-namespace TCP settings a container inherits from the host. */
const char *const dp_copied_sysctls[DP_N_SYSCTLS] = {
	"net.core.somaxconn", "net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_max_syn_backlog", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
	"net.ipv4.tcp_retries2", "net.ipv4.tcp_synack_retries",
	"net.ipv4.tcp_syn_retries",
};

/* What the host needs so redirected packets are accepted (Mesos' list). */
static const char *const host_sysctls[][2] = {
	{ "net.ipv4.conf.lo.route_localnet", "1" },
	{ "net.ipv4.conf.lo.accept_local", "1" },
	{ "net.ipv4.conf.all.rp_filter", "0" },
	{ "net.ipv4.conf.lo.rp_filter", "0" },
	{ "net.ipv4.conf.all.send_redirects", "0" },
	{ "net.ipv4.conf.lo.send_redirects", "0" },
};

int iso_dp_probe(struct iso_dp *dp, const struct iso_config *c, struct nis_err *err)
{
	const char *missing;
	int rc;

	dp->fast.ports = dp->fast.progs = -1;
	dp->guard.owners = dp->guard.echo = dp->guard.police = -1;
	dp->chain.map = dp->chain.prog = -1;
	if ((rc = tc_probe(&dp->feat, err)))
		return rc;
	if ((missing = tc_features_missing(&dp->feat)))
		return nis_err_set(err, -EOPNOTSUPP, "%s not available in this kernel", missing);
	if (!dp->feat.fq_codel && c->flags.bloat_reduction == ISO_BLOAT_FQ_CODEL)
		return nis_err_set(err, -EOPNOTSUPP, "fq_codel qdisc not available in this "
				   "kernel (--bloat_reduction=fq_codel)");
	if (!dp->feat.fq_codel && c->flags.egress_unique_flow_per_container)
		return nis_err_set(err, -EOPNOTSUPP, "fq_codel qdisc not available in this "
				   "kernel (--egress_unique_flow_per_container)");
	dp->leaf = c->flags.bloat_reduction == ISO_BLOAT_NONE ? TC_LEAF_NONE
		 : dp->feat.fq_codel ? TC_LEAF_FQ_CODEL : dp->feat.tbf ? TC_LEAF_TBF
		 : TC_LEAF_NONE;
	if (c->flags.bloat_reduction == ISO_BLOAT_AUTO && dp->leaf == TC_LEAF_TBF)
		log_msg(LOG_WARN, "fq_codel qdisc not available in this kernel: "
			"--bloat_reduction=auto takes a bounded tbf leaf (%d ms of the rate)",
			TC_TBF_LATENCY_MS);
	else if (c->flags.bloat_reduction == ISO_BLOAT_AUTO && dp->leaf == TC_LEAF_NONE)
		log_msg(LOG_WARN, "neither fq_codel nor tbf in this kernel: "
			"--bloat_reduction=auto degrades to none (HTB's own FIFO)");
	dp->unique_flows = c->flags.egress_unique_flow_per_container;
	return 0;
}

static int set_host_sysctls(struct iso_dp *dp, struct nis_err *err)
{
	int rc;

	for (size_t i = 0; i < sizeof(host_sysctls) / sizeof(host_sysctls[0]); i++)
		if ((rc = tc_sysctl_write(host_sysctls[i][0], host_sysctls[i][1], err)))
			return rc;
	for (int i = 0; i < DP_N_SYSCTLS; i++)
		if (tc_sysctl_read(dp_copied_sysctls[i], dp->sysctl_val[i],
				   sizeof(dp->sysctl_val[i]), NULL))
			dp->sysctl_val[i][0] = '\0';	/* not in this kernel: not copied */
	return 0;
}

/* The 3-level port classifier on one qdisc: root nodes (TCP, UDP, optional
 * dst IP) eat the IP header and link to `l4`, whose single node hashes the
 * port's high byte (hashmask) into the 256 buckets of `ports`. Hashing
 * happens before eat, hence the extra level; IP options are handled. */
static int iso_dp_port_tables(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
			      uint32_t ports, uint32_t l4, uint32_t hashmask,
		       const struct in_addr *dst, struct nis_err *err)
{
	struct tc_u32_rule r = { .parent = parent, .prio = prio, .protocol = ETH_P_IP,
				 .table = TC_U32_HT(l4), .act = TC_U32_LINK,
				 .link = TC_U32_HT(ports), .hashmask = hashmask };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	int rc;

	if ((rc = tc_u32_table_add(sk, ifindex, parent, prio, ETH_P_IP, TC_U32_HT(ports),
				   256, err)) ||
	    (rc = tc_u32_table_add(sk, ifindex, parent, prio, ETH_P_IP, TC_U32_HT(l4), 1,
				   err)) ||
	    (rc = tc_u32_add(sk, ifindex, &r, err)))
		return rc;
	for (size_t i = 0; i < sizeof(protos); i++) {
		struct tc_u32_rule root = { .parent = parent, .prio = prio,
					    .protocol = ETH_P_IP, .act = TC_U32_LINK,
					    .link = TC_U32_HT(l4), .eat_iphdr = true };
		root.keys[root.nkeys++] = tc_u32_key8(protos[i], 0xff, 9, false);
		root.keys[root.nkeys++] = tc_u32_key_first_frag();
		if (dst)
			root.keys[root.nkeys++] = tc_u32_key_ip(*dst, 32, 16);
		if ((rc = tc_u32_add(sk, ifindex, &root, err)))
			return rc;
	}
	return 0;
}

/* eth0: ARP (all) and ICMP to the host IP go through tables with one
 * mirror node per container; echo requests (node 1) stay with the host,
 * so only the host answers a ping. */
static int add_mirror_tables(struct iso_dp *dp, struct nis_err *err)
{
	int eth0 = dp->host.ifindex, rc;
	struct tc_u32_rule arp = { .parent = TC_INGRESS, .prio = DP_PRIO_ARP,
				   .protocol = ETH_P_ARP, .act = TC_U32_LINK,
				   .link = TC_U32_HT(DP_HT_ARP) };
	struct tc_u32_rule icmp = { .parent = TC_INGRESS, .prio = DP_PRIO_ICMP,
				    .protocol = ETH_P_IP, .act = TC_U32_LINK,
				    .link = TC_U32_HT(DP_HT_ICMP), .eat_iphdr = true,
				    .nkeys = 2 };
	struct tc_u32_rule echo = { .parent = TC_INGRESS, .prio = DP_PRIO_ICMP,
				    .protocol = ETH_P_IP, .table = TC_U32_HT(DP_HT_ICMP),
				    .handle = TC_U32_HANDLE(DP_HT_ICMP, 0, 1),
				    .act = TC_U32_NONE, .nkeys = 1 };

	icmp.keys[0] = tc_u32_key8(IPPROTO_ICMP, 0xff, 9, false);
	icmp.keys[1] = tc_u32_key_ip(dp->host.ip, 32, 16);
	echo.keys[0] = tc_u32_key8(8, 0xff, 0, false);	/* ICMP echo request */
	if ((rc = tc_u32_table_add(dp->sk, eth0, TC_INGRESS, DP_PRIO_ARP, ETH_P_ARP,
				   TC_U32_HT(DP_HT_ARP), 1, err)) ||
	    (rc = tc_u32_add(dp->sk, eth0, &arp, err)) ||
	    (rc = tc_u32_table_add(dp->sk, eth0, TC_INGRESS, DP_PRIO_ICMP, ETH_P_IP,
				   TC_U32_HT(DP_HT_ICMP), 1, err)) ||
	    (rc = tc_u32_add(dp->sk, eth0, &echo, err)) ||
	    (rc = tc_u32_add(dp->sk, eth0, &icmp, err)))
		return rc;
	return 0;
}

/* fq_codel on eth0 with one flow per container: containers' source-port
 * blocks hash to their flow, ARP and ICMP to flow 2, the host to flow 1. */
static int add_flow_classifier(struct iso_dp *dp, const struct iso_config *c,
			       struct nis_err *err)
{
	const char *p = c->flags.egress_flow_classifier_parent;
	uint32_t parent = TC_H_ROOT, maj, min;
	int eth0 = dp->host.ifindex, rc;
	struct tc_u32_rule r = { .parent = DP_FLOW_HANDLE, .prio = DP_PRIO_DEFAULT,
				 .protocol = ETH_P_ALL, .act = TC_U32_NONE,
				 .classid = DP_FLOW_HANDLE | DP_FLOW_HOST };
	struct tc_fq_codel q;

	if (strcmp(p, "root") && sscanf(p, "%x:%x", &maj, &min) == 2)
		parent = (maj << 16) | min;
	tc_fq_codel_tune(0, ISO_IDS_MAX + DP_FLOW_ARP_ICMP + 1, &q);
	if ((rc = tc_fq_codel_add(dp->sk, eth0, parent, DP_FLOW_HANDLE, &q, false, err)) ||
	    (rc = iso_dp_port_tables(dp->sk, eth0, DP_FLOW_HANDLE, DP_PRIO_IP,
				     DP_HT_FLOWS, DP_HT_FLOWS_L4, 0xff000000u, NULL, err)) ||
	    (rc = tc_u32_add(dp->sk, eth0, &r, err)))
		return rc;
	r.classid = DP_FLOW_HANDLE | DP_FLOW_ARP_ICMP;
	r.prio = DP_PRIO_ARP;
	r.protocol = ETH_P_ARP;
	if ((rc = tc_u32_add(dp->sk, eth0, &r, err)))
		return rc;
	r.prio = DP_PRIO_ICMP;
	r.protocol = ETH_P_IP;
	r.keys[r.nkeys++] = tc_u32_key8(IPPROTO_ICMP, 0xff, 9, false);
	return tc_u32_add(dp->sk, eth0, &r, err);
}

/* Our tables exist on eth0 when an earlier run set the host up. */
static bool already_set_up(struct iso_dp *dp)
{
	return tc_u32_table_add(dp->sk, dp->host.ifindex, TC_INGRESS, DP_PRIO_IP, ETH_P_IP,
				TC_U32_HT(DP_HT_PORTS), 256, NULL) == -EEXIST &&
	       tc_u32_table_add(dp->sk, dp->host.lo_ifindex, TC_INGRESS, DP_PRIO_IP, ETH_P_IP,
				TC_U32_HT(DP_HT_PORTS), 256, NULL) == -EEXIST &&
	       (!dp->unique_flows ||
		tc_u32_table_add(dp->sk, dp->host.ifindex, DP_FLOW_HANDLE, DP_PRIO_IP, ETH_P_IP,
				 TC_U32_HT(DP_HT_FLOWS), 256, NULL) == -EEXIST);
}

static int setup_qdiscs(struct iso_dp *dp, const struct iso_config *c, bool keep,
			struct nis_err *err)
{
	int eth0 = dp->host.ifindex, lo = dp->host.lo_ifindex, rc;

	if (keep && already_set_up(dp)) {
		log_msg(LOG_INFO, "host datapath of an earlier run kept on %s and %s",
			dp->host.name, dp->host.lo_name);
		return 0;
	}
	/* A fresh start owns eth0's and lo's ingress: drop what was there. */
	iso_dp_teardown(dp);
	if ((rc = tc_qdisc_ingress_add(dp->sk, eth0, false, err)) ||
	    (rc = tc_qdisc_ingress_add(dp->sk, lo, false, err)) ||
	    (rc = add_mirror_tables(dp, err)) ||
	    (rc = iso_dp_port_tables(dp->sk, eth0, TC_INGRESS, DP_PRIO_IP, DP_HT_PORTS,
				     DP_HT_L4, 0x0000ff00u, &dp->host.ip, err)) ||
	    (rc = iso_dp_port_tables(dp->sk, lo, TC_INGRESS, DP_PRIO_IP, DP_HT_PORTS,
				     DP_HT_L4, 0x0000ff00u, NULL, err)) ||
	    (dp->unique_flows && (rc = add_flow_classifier(dp, c, err))))
		return rc;
	return 0;
}

/* The guard's view of the host, and the owners array the isolator keeps
 * for it (where accounting runs, since the guard leads its program). */
static void guard_setup(struct iso_dp *dp)
{
	struct nis_err err = { "" };

	memcpy(dp->guard.mac, dp->host.mac, sizeof(dp->guard.mac));
	dp->guard.ip = dp->host.ip;
	dp->guard.eth0 = dp->host.ifindex;
	dp->guard.lo = dp->host.lo_ifindex;
	if (!acct_enabled(dp->acct))
		return;
	if ((dp->guard.owners = tc_guard_owners_create(&err)) < 0)
		log_msg(LOG_WARN, "the guard cannot check source ports (%s): the u32 tables "
			"still drop unowned ones, after they are counted", err.msg);
	else if ((dp->guard.echo = tc_guard_echo_create(&err)) < 0)
		log_msg(LOG_WARN, "echo ids are not rewritten (%s): echo replies are copied to "
			"every container", err.msg);
	if (dp->guard.owners >= 0 &&
	    (!tc_police_supported(&err) || (dp->guard.police = tc_police_create(&err)) < 0))
		log_msg(LOG_WARN, "no host-side egress meter (%s): egress caps are enforced by "
			"the containers' own HTB only, which their root can remove", err.msg);
}

int iso_dp_setup(struct iso_dp *dp, const struct iso_config *c, bool keep,
		 struct nis_err *err)
{
	int rc;

	dp->host = c->host;
	if ((rc = tc_nl_open(&dp->sk, err)))
		return rc;
	/* Redirected to lo, a frame passes eth_type_trans against lo's MAC. */
	if ((rc = set_host_sysctls(dp, err)) ||
	    (rc = tc_link_set(dp->sk, dp->host.lo_ifindex, dp->host.mac, dp->host.mtu, 1,
			      err)) ||
	    (rc = setup_qdiscs(dp, c, keep, err))) {
		iso_dp_teardown(dp);
		tc_nl_close(dp->sk);
		dp->sk = NULL;
		return nis_err_prefix(err, rc, "host datapath");
	}
	guard_setup(dp);
	return 0;
}

/* Without the fast path nothing gives an echo reply its container's id
 * back: the guard leaves ids alone, the mirror nodes copy every reply. */
static void echo_off(struct iso_dp *dp)
{
	if (dp->guard.echo >= 0)
		close(dp->guard.echo);
	dp->guard.echo = -1;
}

void iso_dp_fast_setup(struct iso_dp *dp, bool keep)
{
	struct nis_err err = { "" };
	int rc = -ENOENT;

	if (!tc_fast_supported(&err)) {
		log_msg(LOG_WARN, "no fast path in this kernel (%s): world -> container "
			"traffic takes the host veth", err.msg);
		echo_off(dp);
		return;
	}
	if (keep) {
		/* Behind the ICMP table, it cost every packet a u32 walk. */
		tc_fast_detach(dp->sk, dp->host.ifindex, TC_INGRESS, DP_PRIO_FAST_V1, NULL);
		rc = tc_fast_find(dp->sk, dp->host.ifindex, TC_INGRESS, DP_PRIO_FAST, &dp->fast,
				  &err);
	}
	if ((rc == -ENOENT && (rc = tc_fast_new(&dp->fast, &err))) ||
	    (rc = tc_fast_attach(dp->sk, dp->host.ifindex, TC_INGRESS, DP_PRIO_FAST, &dp->fast,
				 acct_trie_fd(dp->acct), dp->host.ip, &dp->guard, &err))) {
		log_msg(LOG_WARN, "no fast path (%s): world -> container traffic takes the "
			"host veth", err.msg);
		/* A filter an earlier run left would act on entries nobody keeps. */
		tc_fast_detach(dp->sk, dp->host.ifindex, TC_INGRESS, DP_PRIO_FAST, NULL);
		tc_fast_close(&dp->fast);
		echo_off(dp);
		return;
	}
	dp->fast_on = true;
}

void iso_dp_close(struct iso_dp *dp)
{
	if (dp->guard.owners >= 0)
		close(dp->guard.owners);
	echo_off(dp);
	if (dp->guard.police >= 0)
		close(dp->guard.police);
	dp->guard.owners = dp->guard.police = -1;
	tc_chainguards_close(&dp->chain);
	tc_fast_close(&dp->fast);
	tc_nl_close(dp->sk);
	dp->sk = NULL;
}

void iso_dp_teardown(struct iso_dp *dp)
{
	tc_qdisc_delete(dp->sk, dp->host.ifindex, TC_H_INGRESS, NULL);
	tc_qdisc_delete(dp->sk, dp->host.lo_ifindex, TC_H_INGRESS, NULL);
	if (dp->unique_flows)
		tc_qdisc_delete(dp->sk, dp->host.ifindex, TC_H_ROOT, NULL);
}
