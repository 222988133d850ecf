/* guard.c - the guard's instructions (guard.h), emitted by hand over
 * bpfsys.c: one skb_load_bytes of the first 42 bytes (Ethernet + ARP, or
 * Ethernet + IPv4 + 8), compares against the host's MAC and IP as
 * immediates, and one more load for the ICMP type past IP options. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "tc/bpfsys.h"
#include "tc/guard.h"

/* Frame byte k sits at fp + BUF + k: every field read below is then
 * aligned to its size, as the verifier wants of stack reads. */
#define BUF	(-66)
#define BUF_LEN	42
#define TYPE_AT	(-72)		/* the ICMP type, loaded on its own */
#define JA(o)	INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)

struct emit {
	struct bpf_insn *p;
	int n;
	int drops[24], ndrops;	/* jumps to patch to the drop */
	int passes[12], npasses;	/* and to the end */
};

/* The 2 or 4 bytes at b as the stack load of them reads them. */
static int32_t word(const uint8_t *b, int len)
{
	uint32_t w = 0;
	uint16_t h = 0;

	if (len == 2) {
		memcpy(&h, b, 2);
		return h;
	}
	memcpy(&w, b, 4);
	return (int32_t)w;
}

static void ld(struct emit *e, int size, int reg, int k)
{
	e->p[e->n++] = LDX_MEM(size, reg, BPF_REG_10, BUF + k);
}

/* if (reg op imm) goto drop / goto pass */
static void drop_if(struct emit *e, int op, int reg, int32_t imm)
{
	e->drops[e->ndrops++] = e->n;
	e->p[e->n++] = JMP32_IMM(op, reg, imm, 0);
}

static void pass_if(struct emit *e, int op, int reg, int32_t imm)
{
	e->passes[e->npasses++] = e->n;
	e->p[e->n++] = JMP32_IMM(op, reg, imm, 0);
}

static void drop_always(struct emit *e)
{
	e->drops[e->ndrops++] = e->n;
	e->p[e->n++] = JA(0);
}

/* len bytes of the frame from offset off (-1: r2 holds it) to fp + to;
 * a frame too short for them is dropped. */
static void load_bytes(struct emit *e, int off, int to, int len)
{
	e->p[e->n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
	if (off >= 0)
		e->p[e->n++] = MOV64_IMM(BPF_REG_2, off);
	e->p[e->n++] = MOV64_REG(BPF_REG_3, BPF_REG_10);
	e->p[e->n++] = ADD64_IMM(BPF_REG_3, to);
	e->p[e->n++] = MOV64_IMM(BPF_REG_4, len);
	e->p[e->n++] = CALL(BPF_FUNC_skb_load_bytes);
	drop_if(e, BPF_JNE, BPF_REG_0, 0);
}

/* The ICMP type of a first fragment (r4 = protocol, loaded). */
static void emit_icmp(struct emit *e)
{
	static const int32_t ok_types[] = { 0, 3, 8, 11, 12 };

	pass_if(e, BPF_JNE, BPF_REG_4, IPPROTO_ICMP);
	ld(e, BPF_H, BPF_REG_4, ETH_HLEN + 6);		/* flags, fragment offset */
	e->p[e->n++] = AND64_IMM(BPF_REG_4, (int32_t)word((const uint8_t[]){ 0x1f, 0xff }, 2));
	pass_if(e, BPF_JNE, BPF_REG_4, 0);		/* no ICMP header here */
	ld(e, BPF_B, BPF_REG_2, ETH_HLEN);		/* version, IHL */
	e->p[e->n++] = AND64_IMM(BPF_REG_2, 0xf);
	e->p[e->n++] = LSH64_IMM(BPF_REG_2, 2);
	e->p[e->n++] = ADD64_IMM(BPF_REG_2, ETH_HLEN);
	load_bytes(e, -1, TYPE_AT, 1);
	e->p[e->n++] = LDX_MEM(BPF_B, BPF_REG_2, BPF_REG_10, TYPE_AT);
	for (size_t i = 0; i < sizeof(ok_types) / sizeof(ok_types[0]); i++)
		pass_if(e, BPF_JEQ, BPF_REG_2, ok_types[i]);
	drop_always(e);					/* any other type */
}

/* IPv4: the source is the host's, or 127.0.0.1 between loopbacks. */
static void emit_ipv4(struct emit *e, const struct tc_guard *g)
{
	const int32_t host = (int32_t)g->ip.s_addr, lo = (int32_t)htonl(INADDR_LOOPBACK);
	int not_lo, to_l4;

	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 12);		/* source */
	ld(e, BPF_W, BPF_REG_3, ETH_HLEN + 16);		/* destination */
	e->p[e->n++] = MOV64_REG(BPF_REG_4, BPF_REG_3);
	e->p[e->n++] = AND64_IMM(BPF_REG_4, 0xff);	/* its first byte */
	not_lo = e->n;
	e->p[e->n++] = JMP_IMM(BPF_JNE, BPF_REG_4, 127, 0);
	drop_if(e, BPF_JNE, BPF_REG_3, lo);		/* 127.0.0.2 and the like */
	to_l4 = e->n;
	e->p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_2, lo, 0);
	tc_bpf_jump_to(e->p, not_lo, e->n);
	drop_if(e, BPF_JNE, BPF_REG_2, host);
	tc_bpf_jump_to(e->p, to_l4, e->n);
	ld(e, BPF_B, BPF_REG_4, ETH_HLEN + 9);		/* protocol */
	emit_icmp(e);
}

/* ARP: an Ethernet/IPv4 request from the host's MAC and IP, not for it. */
static void emit_arp(struct emit *e, const struct tc_guard *g)
{
	const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };	/* htype ptype hlen plen op */
	const uint8_t *ip = (const uint8_t *)&g->ip.s_addr;

	ld(e, BPF_W, BPF_REG_2, ETH_HLEN);
	drop_if(e, BPF_JNE, BPF_REG_2, word(hdr, 4));
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 4);
	drop_if(e, BPF_JNE, BPF_REG_2, word(hdr + 4, 4));
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 8);		/* sender MAC */
	drop_if(e, BPF_JNE, BPF_REG_2, word(g->mac, 4));
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 12);
	drop_if(e, BPF_JNE, BPF_REG_2, word(g->mac + 4, 2));
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 14);		/* sender IP */
	drop_if(e, BPF_JNE, BPF_REG_2, word(ip, 2));
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 16);
	drop_if(e, BPF_JNE, BPF_REG_2, word(ip + 2, 2));
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 24);		/* target IP */
	drop_if(e, BPF_JEQ, BPF_REG_2, (int32_t)g->ip.s_addr);
}

int tc_guard_emit(struct bpf_insn *p, const struct tc_guard *g)
{
	struct emit e = { .p = p };
	int to_arp, drop, i;

	p[e.n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);
	load_bytes(&e, 0, BUF, BUF_LEN);		/* shorter: not a frame we pass */
	ld(&e, BPF_W, BPF_REG_2, 6);			/* Ethernet source */
	drop_if(&e, BPF_JNE, BPF_REG_2, word(g->mac, 4));
	ld(&e, BPF_H, BPF_REG_2, 10);
	drop_if(&e, BPF_JNE, BPF_REG_2, word(g->mac + 4, 2));
	ld(&e, BPF_H, BPF_REG_2, 12);			/* EtherType */
	to_arp = e.n;
	p[e.n++] = JMP32_IMM(BPF_JEQ, BPF_REG_2, htons(ETH_P_ARP), 0);
	drop_if(&e, BPF_JNE, BPF_REG_2, htons(ETH_P_IP));
	emit_ipv4(&e, g);
	tc_bpf_jump_to(p, to_arp, e.n);
	emit_arp(&e, g);
	e.passes[e.npasses++] = e.n;
	p[e.n++] = JA(0);
	drop = e.n;
	p[e.n++] = MOV64_IMM(BPF_REG_0, TC_ACT_SHOT);
	p[e.n++] = EXIT_INSN();
	for (i = 0; i < e.ndrops; i++)
		tc_bpf_jump_to(p, e.drops[i], drop);
	for (i = 0; i < e.npasses; i++)
		tc_bpf_jump_to(p, e.passes[i], e.n);
	p[e.n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
	return e.n;
}
