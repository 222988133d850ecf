/* chainguard.c - the chained-mode guard of chainguard.h, emitted by hand
 * over bpfsys.c: one program for every chained container, which finds the
 * container's MAC, IPv4 address and meter slot by its host veth (the
 * frame's ifindex) in a hash map, then one skb_load_bytes of Ethernet + the
 * IPv4 header (and of Ethernet + ARP for ARP), compares, and meters
 * against the egress cap of tc/police.h. A create adds a map entry and a
 * filter, no program: the verifier runs once per agent, not per create. */
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
 * its size there, as the verifier wants of stack reads. The map's key (the
 * ifindex) at KEY, clear of both BUF and the meter's fp-152..fp-129. */
#define BUF	 (-66)
#define KEY	 (-72)
#define IP_LEN	 (ETH_HLEN + 20)
#define ARP_LEN	 (ETH_HLEN + 28)
#define MAX_INSNS (80 + TC_POLICE_INSNS)
#define ENTRY	 BPF_REG_7	/* the container's entry, over the calls */

/* The map's value: what the container's frames must carry. */
struct entry {
	uint8_t mac[6];
	uint8_t pad[2];
	uint32_t ip;		/* network order */
	uint32_t slot;
	uint32_t pad2;
};
#define MAC_AT	 offsetof(struct entry, mac)
#define IP_AT	 offsetof(struct entry, ip)
#define SLOT_AT	 offsetof(struct entry, slot)

struct cg {
	struct bpf_insn p[MAX_INSNS];
	int n;
	int drops[24], nd;
};

static void put(struct cg *e, struct bpf_insn i)
{
	e->p[e->n++] = i;
}

static void drop_on(struct cg *e, struct bpf_insn jump)
{
	e->drops[e->nd++] = e->n;
	put(e, jump);
}

/* Frame byte k (size 2 or 4) must be the 2 or 4 bytes at want. */
static void must_be(struct cg *e, int k, const uint8_t *want, int len)
{
	put(e, LDX_MEM(len == 4 ? BPF_W : BPF_H, BPF_REG_2, BPF_REG_10, BUF + k));
	drop_on(e, JMP32_IMM(BPF_JNE, BPF_REG_2, tc_bpf_word(want, len), 0));
}

/* Frame byte k (size 2 or 4) must be the entry's bytes at off. */
static void must_match(struct cg *e, int k, int off, int len)
{
	int size = len == 4 ? BPF_W : BPF_H;

	put(e, LDX_MEM(size, BPF_REG_2, BPF_REG_10, BUF + k));
	put(e, LDX_MEM(size, BPF_REG_3, ENTRY, off));
	drop_on(e, JMP_REG(BPF_JNE, BPF_REG_2, BPF_REG_3, 0));
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
	drop_on(e, JMP32_IMM(BPF_JNE, BPF_REG_0, 0, 0));
}

/* The entry of the frame's device into ENTRY; none: dropped. */
static void find(struct cg *e, int map)
{
	put(e, LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, ifindex)));
	put(e, STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, KEY));
	e->n += tc_bpf_ld_map_fd(e->p + e->n, BPF_REG_1, map);
	put(e, MOV64_REG(BPF_REG_2, BPF_REG_10));
	put(e, ADD64_IMM(BPF_REG_2, KEY));
	put(e, CALL(BPF_FUNC_map_lookup_elem));
	drop_on(e, JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0));
	put(e, MOV64_REG(ENTRY, BPF_REG_0));
}

/* ARP over Ethernet/IPv4, a request or a reply, from the container's MAC
 * and address. */
static void emit_arp(struct cg *e)
{
	static const uint8_t hdr[6] = { 0, 1, 8, 0, 6, 4 };	/* htype ptype hlen plen */
	const uint8_t req[2] = { 0, 1 }, rep[2] = { 0, 2 };

	load(e, ARP_LEN);
	must_be(e, ETH_HLEN, hdr, 4);
	must_be(e, ETH_HLEN + 4, hdr + 4, 2);
	put(e, LDX_MEM(BPF_H, BPF_REG_2, BPF_REG_10, BUF + ETH_HLEN + 6));	/* op */
	put(e, JMP32_IMM(BPF_JEQ, BPF_REG_2, tc_bpf_word(req, 2), 1));
	drop_on(e, JMP32_IMM(BPF_JNE, BPF_REG_2, tc_bpf_word(rep, 2), 0));
	must_match(e, ETH_HLEN + 8, MAC_AT, 4);			/* sender MAC */
	must_match(e, ETH_HLEN + 12, MAC_AT + 4, 2);
	must_match(e, ETH_HLEN + 14, IP_AT, 2);			/* sender IP */
	must_match(e, ETH_HLEN + 16, IP_AT + 2, 2);
}

static void emit(struct cg *e, int map, int police)
{
	const uint16_t arp = htons(ETH_P_ARP), ipv4 = htons(ETH_P_IP);
	int to_arp, to_meter, over, start, drop;

	put(e, MOV64_REG(BPF_REG_6, BPF_REG_1));
	/* A tag the veth carries out of band would reach the bridge's VLANs. */
	put(e, LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, vlan_present)));
	drop_on(e, JMP32_IMM(BPF_JNE, BPF_REG_2, 0, 0));
	find(e, map);
	load(e, IP_LEN);
	must_match(e, 6, MAC_AT, 4);				/* Ethernet source */
	must_match(e, 10, MAC_AT + 4, 2);
	put(e, LDX_MEM(BPF_H, BPF_REG_2, BPF_REG_10, BUF + 12));	/* EtherType */
	to_arp = e->n;
	put(e, JMP32_IMM(BPF_JEQ, BPF_REG_2, tc_bpf_word((const uint8_t *)&arp, 2), 0));
	drop_on(e, JMP32_IMM(BPF_JNE, BPF_REG_2, tc_bpf_word((const uint8_t *)&ipv4, 2), 0));
	must_match(e, ETH_HLEN + 12, IP_AT, 4);			/* IPv4 source */
	to_meter = e->n;
	put(e, JMP_IMM(BPF_JA, 0, 0, 0));
	tc_bpf_jump_to(e->p, to_arp, e->n);
	emit_arp(e);
	tc_bpf_jump_to(e->p, to_meter, e->n);
	if (police >= 0) {		/* over the egress cap: dropped, not counted */
		put(e, LDX_MEM(BPF_W, BPF_REG_2, ENTRY, SLOT_AT));
		start = e->n;
		e->n += tc_police_emit_reg(e->p + e->n, police, BPF_REG_2, &over);
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

int tc_chainguards_open(struct tc_chainguards *s, int police, struct nis_err *err)
{
	static __thread struct cg e;

	s->prog = -1;
	s->map = tc_bpf_map_create(BPF_MAP_TYPE_HASH, sizeof(uint32_t), sizeof(struct entry),
				   TC_POLICE_SLOTS, 0, "nis_chains");
	if (s->map < 0)
		return tc_bpf_fail(err, -errno, "cannot create the chained guard's map");
	e.n = e.nd = 0;
	emit(&e, s->map, police);
	if ((s->prog = tc_bpf_prog_load(e.p, e.n, "nis_chain", "chained guard", err)) < 0) {
		close(s->map);
		s->map = -1;
		return s->prog;
	}
	return 0;
}

void tc_chainguards_close(struct tc_chainguards *s)
{
	if (s->prog >= 0)
		close(s->prog);
	if (s->map >= 0)
		close(s->map);
	s->prog = s->map = -1;
}

int tc_chainguard_set(const struct tc_chainguards *s, int ifindex,
		      const struct tc_chainguard *g, struct nis_err *err)
{
	struct entry v = { .ip = g->ip.s_addr, .slot = g->slot };
	uint32_t key = (uint32_t)ifindex;

	memcpy(v.mac, g->mac, sizeof(v.mac));
	if (tc_bpf_map_elem(BPF_MAP_UPDATE_ELEM, s->map, &key, &v, BPF_ANY))
		return tc_bpf_fail(err, -errno, "cannot enter a chained container in its guard");
	return 0;
}

int tc_chainguard_attach(struct nl_sock *sk, const struct tc_chainguards *s, int ifindex,
			 const struct tc_chainguard *g, bool replace, struct nis_err *err)
{
	uint32_t key = (uint32_t)ifindex;
	int rc;

	if ((rc = tc_chainguard_set(s, ifindex, g, err)))
		return rc;
	rc = tc_bpf_attach(sk, ifindex, TC_CLSACT_INGRESS, TC_CHAINGUARD_PRIO, ETH_P_ALL,
			   TC_CHAINGUARD_NAME, s->prog, replace, err);
	if (rc)		/* a filter left in place keeps its own program and map */
		tc_bpf_map_elem(BPF_MAP_DELETE_ELEM, s->map, &key, NULL, 0);
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

int tc_chainguard_detach(struct nl_sock *sk, const struct tc_chainguards *s, int ifindex,
			 struct nis_err *err)
{
	uint32_t key = (uint32_t)ifindex;
	int rc = tc_bpf_detach(sk, ifindex, TC_CLSACT_INGRESS, TC_CHAINGUARD_PRIO, ETH_P_ALL, err);

	/* After the filter: while it is there, its frames find their entry. */
	if (s->map >= 0)
		tc_bpf_map_elem(BPF_MAP_DELETE_ELEM, s->map, &key, NULL, 0);
	return rc;
}
