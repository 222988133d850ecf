/* remap.c - the port-rewriting programs of remap.h, emitted by hand over
 * bpfsys.c. Registers: r6 the skb, r7 the L4 (then quoted L4) offset, r8
 * the protocol, r9 the old port as loaded (network order). */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "tc/bpfsys.h"
#include "tc/qdisc.h"
#include "tc/remap.h"

#define IPH	(-24)	/* the IPv4 header, 20 bytes */
#define L4	(-32)	/* the first 8 bytes of TCP/UDP/ICMP */
#define QIPH	(-56)	/* an ICMP error's quoted IPv4 header */
#define QL4	(-64)	/* and its ports */
#define NEWP	(-66)	/* the new port, for store_bytes */
#define ICMPO	(-80)	/* the ICMP header's offset */
#define MAX_INSNS (120 + 4 * TC_REMAP_MAX)

struct re {
	struct bpf_insn p[MAX_INSNS];
	int n;
	int pass[24], np;	/* jumps to the end */
};

static void put(struct re *e, struct bpf_insn i)
{
	e->p[e->n++] = i;
}

static void to_pass(struct re *e, struct bpf_insn jump)
{
	e->pass[e->np++] = e->n;
	put(e, jump);
}

/* r0 = skb_load_bytes(skb, r2, fp + at, len); nonzero goes to pass. */
static void load(struct re *e, int at, int len)
{
	put(e, MOV64_REG(BPF_REG_1, BPF_REG_6));
	put(e, MOV64_REG(BPF_REG_3, BPF_REG_10));
	put(e, ADD64_IMM(BPF_REG_3, at));
	put(e, MOV64_IMM(BPF_REG_4, len));
	put(e, CALL(BPF_FUNC_skb_load_bytes));
	to_pass(e, JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0));
}

/* r2 = the new port of old port r9 (both as loaded), else to pass. */
static void match(struct re *e, const struct tc_remap *m, size_t n, bool to_ct)
{
	int hits[TC_REMAP_MAX];

	for (size_t i = 0; i < n; i++) {
		uint16_t from = to_ct ? m[i].host : m[i].ct, to = to_ct ? m[i].ct : m[i].host;
		uint16_t raw_from = htons(from), raw_to = htons(to);
		put(e, JMP_IMM(BPF_JNE, BPF_REG_9, raw_from, 2));
		put(e, MOV64_IMM(BPF_REG_2, raw_to));
		hits[i] = e->n;
		put(e, JMP_IMM(BPF_JA, 0, 0, 0));
	}
	to_pass(e, JMP_IMM(BPF_JA, 0, 0, 0));
	for (size_t i = 0; i < n; i++)
		tc_bpf_jump_to(e->p, hits[i], e->n);
}

/* The new port r2 over the old r9 at r7 + port_off, the checksum fixed:
 * the L4 one, or for a quoted port the ICMP one. */
static void rewrite(struct re *e, int port_off, bool icmp)
{
	put(e, STX_MEM(BPF_H, BPF_REG_10, BPF_REG_2, NEWP));
	put(e, MOV64_REG(BPF_REG_4, BPF_REG_2));
	put(e, MOV64_REG(BPF_REG_3, BPF_REG_9));
	put(e, MOV64_IMM(BPF_REG_5, 2));
	if (icmp) {		/* the ICMP checksum covers the quoted bytes */
		put(e, LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_10, ICMPO));
		put(e, ADD64_IMM(BPF_REG_2, 2));
	} else {
		/* TCP's checksum at +16; UDP's at +6, where 0 means none */
		put(e, MOV64_REG(BPF_REG_2, BPF_REG_7));
		put(e, JMP_IMM(BPF_JNE, BPF_REG_8, IPPROTO_TCP, 2));
		put(e, ADD64_IMM(BPF_REG_2, 16));
		put(e, JMP_IMM(BPF_JA, 0, 0, 2));
		put(e, ADD64_IMM(BPF_REG_2, 6));
		put(e, MOV64_IMM(BPF_REG_5, 2 | BPF_F_MARK_MANGLED_0));
	}
	put(e, MOV64_REG(BPF_REG_1, BPF_REG_6));
	put(e, CALL(BPF_FUNC_l4_csum_replace));
	put(e, MOV64_REG(BPF_REG_1, BPF_REG_6));
	put(e, MOV64_REG(BPF_REG_2, BPF_REG_7));
	put(e, ADD64_IMM(BPF_REG_2, port_off));
	put(e, MOV64_REG(BPF_REG_3, BPF_REG_10));
	put(e, ADD64_IMM(BPF_REG_3, NEWP));
	put(e, MOV64_IMM(BPF_REG_4, 2));
	put(e, MOV64_IMM(BPF_REG_5, BPF_F_RECOMPUTE_CSUM));
	put(e, CALL(BPF_FUNC_skb_store_bytes));
	to_pass(e, JMP_IMM(BPF_JA, 0, 0, 0));
}

/* r7 = off + the IPv4 header length at fp + at; to pass unless TCP/UDP
 * (or ICMP, if icmp_to is given: its jump's index goes there). */
static void l4_of(struct re *e, int at, int *icmp_to)
{
	put(e, LDX_MEM(BPF_B, BPF_REG_2, BPF_REG_10, at));
	put(e, AND64_IMM(BPF_REG_2, 0xf));
	put(e, LSH64_IMM(BPF_REG_2, 2));
	put(e, ADD64_REG(BPF_REG_7, BPF_REG_2));
	put(e, LDX_MEM(BPF_B, BPF_REG_8, BPF_REG_10, at + 9));
	if (icmp_to) {
		*icmp_to = e->n;
		put(e, JMP_IMM(BPF_JEQ, BPF_REG_8, IPPROTO_ICMP, 0));
	}
	put(e, JMP_IMM(BPF_JEQ, BPF_REG_8, IPPROTO_TCP, 1));
	to_pass(e, JMP_IMM(BPF_JNE, BPF_REG_8, IPPROTO_UDP, 0));
}

static void emit(struct re *e, const struct tc_remap *m, size_t n, bool ingress)
{
	int icmp;

	put(e, MOV64_REG(BPF_REG_6, BPF_REG_1));
	put(e, LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, protocol)));
	to_pass(e, JMP_IMM(BPF_JNE, BPF_REG_2, htons(ETH_P_IP), 0));
	put(e, MOV64_IMM(BPF_REG_2, ETH_HLEN));
	load(e, IPH, 20);
	/* a later fragment has no L4 header */
	put(e, LDX_MEM(BPF_H, BPF_REG_2, BPF_REG_10, IPH + 6));
	to_pass(e, JMP_IMM(BPF_JSET, BPF_REG_2, htons(0x1fff), 0));
	put(e, MOV64_IMM(BPF_REG_7, ETH_HLEN));
	l4_of(e, IPH, &icmp);
	put(e, MOV64_REG(BPF_REG_2, BPF_REG_7));
	load(e, L4, 8);
	put(e, LDX_MEM(BPF_H, BPF_REG_9, BPF_REG_10, L4 + (ingress ? 2 : 0)));
	match(e, m, n, ingress);
	rewrite(e, ingress ? 2 : 0, false);

	/* ICMP: destination unreachable, time exceeded, parameter problem */
	tc_bpf_jump_to(e->p, icmp, e->n);
	put(e, MOV64_REG(BPF_REG_2, BPF_REG_7));
	load(e, L4, 8);
	put(e, LDX_MEM(BPF_B, BPF_REG_2, BPF_REG_10, L4));
	put(e, JMP_IMM(BPF_JEQ, BPF_REG_2, 3, 2));
	put(e, JMP_IMM(BPF_JEQ, BPF_REG_2, 11, 1));
	to_pass(e, JMP_IMM(BPF_JNE, BPF_REG_2, 12, 0));
	put(e, STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_7, ICMPO));
	put(e, ADD64_IMM(BPF_REG_7, 8));
	put(e, MOV64_REG(BPF_REG_2, BPF_REG_7));
	load(e, QIPH, 20);
	l4_of(e, QIPH, NULL);
	put(e, MOV64_REG(BPF_REG_2, BPF_REG_7));
	load(e, QL4, 4);
	/* the quoted packet went the other way */
	put(e, LDX_MEM(BPF_H, BPF_REG_9, BPF_REG_10, QL4 + (ingress ? 0 : 2)));
	match(e, m, n, ingress);
	rewrite(e, ingress ? 0 : 2, true);

	for (int i = 0; i < e->np; i++)
		tc_bpf_jump_to(e->p, e->pass[i], e->n);
	put(e, MOV64_IMM(BPF_REG_0, TC_ACT_UNSPEC));
	put(e, EXIT_INSN());
}

int tc_remap_prog_load(const struct tc_remap *m, size_t n, bool ingress, struct nis_err *err)
{
	static __thread struct re e;

	if (n == 0 || n > TC_REMAP_MAX)
		return nis_err_set(err, -EINVAL, "%zu port mappings: 1 to %d", n, TC_REMAP_MAX);
	e.n = e.np = 0;
	emit(&e, m, n, ingress);
	return tc_bpf_prog_load(e.p, e.n, ingress ? "nis_remap_in" : "nis_remap_out",
				"port mapping", err);
}

int tc_remap_attach(struct nl_sock *sk, int ifindex, const struct tc_remap *m, size_t n,
		    bool may_exist, struct nis_err *err)
{
	for (int in = 1; in >= 0; in--) {
		uint32_t parent = in ? TC_CLSACT_INGRESS : TC_CLSACT_EGRESS;
		int fd, rc;

		if (may_exist && (fd = tc_bpf_find_prog(sk, ifindex, parent, TC_REMAP_PRIO,
							"netisol_remap", NULL)) >= 0) {
			close(fd);
			continue;
		}
		if ((fd = tc_remap_prog_load(m, n, in, err)) < 0)
			return fd;
		rc = tc_bpf_attach(sk, ifindex, parent, TC_REMAP_PRIO, ETH_P_ALL,
				   "netisol_remap", fd, false, err);
		close(fd);
		if (rc)
			return rc;
	}
	return 0;
}
