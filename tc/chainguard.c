/* chainguard.c - the chained-mode guard of chainguard.h, emitted by hand
 * over bpfsys.c: one skb_load_bytes of Ethernet + the IPv4 header (and of
 * Ethernet + ARP for ARP), compares against the container's MAC and IPv4
 * address as immediates, then the egress meter of tc/police.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "tc/bpfsys.h"
#include "tc/chainguard.h"
#include "tc/police.h"
#include "tc/qdisc.h"

/* Frame byte k sits at fp + BUF + k: each field read below is aligned to
 * its size there, as the verifier wants of stack reads. */
#define BUF	 (-66)
#define IP_LEN	 (ETH_HLEN + 20)
#define ARP_LEN	 (ETH_HLEN + 28)
#define MAX_INSNS (64 + TC_POLICE_INSNS)

struct cg {
	struct bpf_insn p[MAX_INSNS];
	int n;
	int drops[24], nd;
};

static void put(struct cg *e, struct bpf_insn i)
{
	e->p[e->n++] = i;
}

static void drop_if(struct cg *e, int op, int reg, int32_t imm)
{
	e->drops[e->nd++] = e->n;
	put(e, JMP32_IMM(op, reg, imm, 0));
}

/* Frame byte k (size 2 or 4) must be the 2 or 4 bytes at want. */
static void must_be(struct cg *e, int k, const uint8_t *want, int len)
{
	put(e, LDX_MEM(len == 4 ? BPF_W : BPF_H, BPF_REG_2, BPF_REG_10, BUF + k));
	drop_if(e, BPF_JNE, BPF_REG_2, tc_bpf_word(want, len));
}

/* The first len bytes of the frame to BUF; a shorter frame is dropped. */
static void load(struct cg *e, int len)
{
	put(e, MOV64_REG(BPF_REG_1, BPF_REG_6));
	put(e, MOV64_IMM(BPF_REG_2, 0));
	put(e, MOV64_REG(BPF_REG_3, BPF_REG_10));
	put(e, ADD64_IMM(BPF_REG_3, BUF));
	put(e, MOV64_IMM(BPF_REG_4, len));
	put(e, CALL(BPF_FUNC_skb_load_bytes));
	drop_if(e, BPF_JNE, BPF_REG_0, 0);
}

/* ARP over Ethernet/IPv4, a request or a reply, from the container's MAC
 * and address. */
static void emit_arp(struct cg *e, const struct tc_chainguard *g)
{
	static const uint8_t hdr[6] = { 0, 1, 8, 0, 6, 4 };	/* htype ptype hlen plen */
	const uint8_t *ip = (const uint8_t *)&g->ip.s_addr;
	const uint8_t req[2] = { 0, 1 }, rep[2] = { 0, 2 };

	load(e, ARP_LEN);
	must_be(e, ETH_HLEN, hdr, 4);
	must_be(e, ETH_HLEN + 4, hdr + 4, 2);
	put(e, LDX_MEM(BPF_H, BPF_REG_2, BPF_REG_10, BUF + ETH_HLEN + 6));	/* op */
	put(e, JMP32_IMM(BPF_JEQ, BPF_REG_2, tc_bpf_word(req, 2), 1));
	drop_if(e, BPF_JNE, BPF_REG_2, tc_bpf_word(rep, 2));
	must_be(e, ETH_HLEN + 8, g->mac, 4);			/* sender MAC */
	must_be(e, ETH_HLEN + 12, g->mac + 4, 2);
	must_be(e, ETH_HLEN + 14, ip, 2);			/* sender IP */
	must_be(e, ETH_HLEN + 16, ip + 2, 2);
}

static void emit(struct cg *e, const struct tc_chainguard *g)
{
	const uint16_t arp = htons(ETH_P_ARP), ipv4 = htons(ETH_P_IP);
	int to_arp, to_meter, over, start, drop;

	put(e, MOV64_REG(BPF_REG_6, BPF_REG_1));
	/* A tag the veth carries out of band would reach the bridge's VLANs. */
	put(e, LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, vlan_present)));
	drop_if(e, BPF_JNE, BPF_REG_2, 0);
	load(e, IP_LEN);
	must_be(e, 6, g->mac, 4);				/* Ethernet source */
	must_be(e, 10, g->mac + 4, 2);
	put(e, LDX_MEM(BPF_H, BPF_REG_2, BPF_REG_10, BUF + 12));	/* EtherType */
	to_arp = e->n;
	put(e, JMP32_IMM(BPF_JEQ, BPF_REG_2, tc_bpf_word((const uint8_t *)&arp, 2), 0));
	drop_if(e, BPF_JNE, BPF_REG_2, tc_bpf_word((const uint8_t *)&ipv4, 2));
	must_be(e, ETH_HLEN + 12, (const uint8_t *)&g->ip.s_addr, 4);	/* IPv4 source */
	to_meter = e->n;
	put(e, JMP_IMM(BPF_JA, 0, 0, 0));
	tc_bpf_jump_to(e->p, to_arp, e->n);
	emit_arp(e, g);
	tc_bpf_jump_to(e->p, to_meter, e->n);
	if (g->police >= 0) {		/* over the egress cap: dropped, not counted */
		start = e->n;
		e->n += tc_police_emit(e->p + e->n, g->police, g->slot, &over);
		e->drops[e->nd++] = start + over;
	}
	put(e, MOV64_IMM(BPF_REG_0, TC_ACT_UNSPEC));
	put(e, EXIT_INSN());
	drop = e->n;
	put(e, MOV64_IMM(BPF_REG_0, TC_ACT_SHOT));
	put(e, EXIT_INSN());
	for (int i = 0; i < e->nd; i++)
		tc_bpf_jump_to(e->p, e->drops[i], drop);
}

int tc_chainguard_prog_load(const struct tc_chainguard *g, struct nis_err *err)
{
	static __thread struct cg e;

	e.n = e.nd = 0;
	emit(&e, g);
	return tc_bpf_prog_load(e.p, e.n, "nis_chain", "chained guard", err);
}

int tc_chainguard_attach(struct nl_sock *sk, int ifindex, const struct tc_chainguard *g,
			 bool replace, struct nis_err *err)
{
	int fd = tc_chainguard_prog_load(g, err), rc;

	if (fd < 0)
		return fd;
	rc = tc_bpf_attach(sk, ifindex, TC_CLSACT_INGRESS, TC_CHAINGUARD_PRIO, ETH_P_ALL,
			   TC_CHAINGUARD_NAME, fd, replace, err);
	close(fd);
	return rc;
}

int tc_chainguard_present(struct nl_sock *sk, int ifindex)
{
	int fd = tc_bpf_find_prog(sk, ifindex, TC_CLSACT_INGRESS, TC_CHAINGUARD_PRIO,
				  TC_CHAINGUARD_NAME, NULL);

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	close(fd);
	return 1;
}

int tc_chainguard_detach(struct nl_sock *sk, int ifindex, struct nis_err *err)
{
	return tc_bpf_detach(sk, ifindex, TC_CLSACT_INGRESS, TC_CHAINGUARD_PRIO, ETH_P_ALL, err);
}
