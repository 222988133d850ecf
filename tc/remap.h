/* remap.h - a host port that is not the container's port (podman's
 * -p 8080:80, a Kubernetes hostPort): hand-emitted cls_bpf programs on the
 * container's interface, inside its namespace, rewrite the port and fix
 * the checksums. On ingress a TCP/UDP destination port host -> ct, and in
 * an ICMP error the quoted source port host -> ct; on egress the source
 * port ct -> host, and in an ICMP error the quoted destination port. What
 * the host sees is always the host port (its demux and the guard's owner
 * check are unchanged); a tenant that removes the programs only breaks
 * its own service. Both run before every other filter there, and pass
 * every packet on (TC_ACT_UNSPEC). Cost: two skb_load_bytes per packet,
 * plus a csum_replace and a store_bytes for a rewritten one. */
#ifndef NIS_TC_REMAP_H
#define NIS_TC_REMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;

#include "common/err.h"

#define TC_REMAP_MAX 64		/* mappings per container */
#define TC_REMAP_PRIO 100	/* before the datapath's u32 filters (769+) */

struct tc_remap {
	uint16_t host, ct;	/* host order */
};

/* Loads the program for one direction of n mappings; its fd or -errno. */
int tc_remap_prog_load(const struct tc_remap *m, size_t n, bool ingress, struct nis_err *err);

/* Both programs on ifindex (which has clsact), through sk in its
 * namespace; with may_exist a filter already there is kept. */
int tc_remap_attach(struct nl_sock *sk, int ifindex, const struct tc_remap *m, size_t n,
		    bool may_exist, struct nis_err *err);

#endif
