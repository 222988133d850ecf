/* guard.c - the guard's instructions (guard.h), emitted by hand over
 * bpfsys.c: one skb_load_bytes of the first 42 bytes (Ethernet + ARP, or
 * Ethernet + IPv4 + 8), compares against the host's MAC and IP as
 * immediates, then loads at computed offsets (past IP options) for a
 * port to look up in the owners array or an ICMP error's quoted header. */
#include <arpa/inet.h>
#include <errno.h>
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
#define PORT_AT	(-80)		/* a port, as loaded (network order) */
#define KEY_AT	(-84)		/* the owners array's key */
#define QIP_AT	(-108)		/* an ICMP error's quoted IPv4 header */
#define JA(o)	INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)

int tc_guard_owners_create(struct nis_err *err)
{
	int fd = tc_bpf_map_create(BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(uint32_t),
				   TC_GUARD_PORTS, 0, "nis_owners");

	return fd < 0 ? tc_bpf_fail(err, -errno, "cannot create the port owners array") : fd;
}

int tc_guard_owners_set(int owners, uint16_t first, uint32_t n, uint32_t owner,
			struct nis_err *err)
{
	int rc = tc_bpf_array_fill(owners, first, n, &owner, sizeof(owner));

	return rc ? tc_bpf_fail(err, rc, "cannot set the owners of ports") : 0;
}

struct emit {
	struct bpf_insn *p;
	int n;
	const struct tc_guard *g;
	uint32_t owner;
	int drops[32], ndrops;		/* jumps to patch to the drop */
	int passes[16], npasses;	/* and to the end */
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

static void pass_always(struct emit *e)
{
	e->passes[e->npasses++] = e->n;
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

/* The 16-bit port at frame offset r2 must be the container's: its entry in
 * the owners array is e->owner. Falls through when it is. */
static void emit_owned(struct emit *e)
{
	load_bytes(e, -1, PORT_AT, 2);
	e->p[e->n++] = LDX_MEM(BPF_H, BPF_REG_2, BPF_REG_10, PORT_AT);
	e->p[e->n++] = TO_BE16(BPF_REG_2);			/* ntohs */
	e->p[e->n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, KEY_AT);
	e->n += tc_bpf_ld_map_fd(e->p + e->n, BPF_REG_1, e->g->owners);
	e->p[e->n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	e->p[e->n++] = ADD64_IMM(BPF_REG_2, KEY_AT);
	e->p[e->n++] = CALL(BPF_FUNC_map_lookup_elem);
	e->drops[e->ndrops++] = e->n;		/* a pointer: a 64-bit test */
	e->p[e->n++] = JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0);
	e->p[e->n++] = LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_0, 0);
	drop_if(e, BPF_JNE, BPF_REG_2, (int32_t)e->owner);
}

/* r8 = the L4 header's offset in the frame (past IP options). */
static void l4_offset(struct emit *e)
{
	ld(e, BPF_B, BPF_REG_8, ETH_HLEN);			/* version, IHL */
	e->p[e->n++] = AND64_IMM(BPF_REG_8, 0xf);
	e->p[e->n++] = LSH64_IMM(BPF_REG_8, 2);
	e->p[e->n++] = ADD64_IMM(BPF_REG_8, ETH_HLEN);
}

/* An ICMP error (r8 = its offset): about a packet to the host's IP, and
 * for TCP and UDP to a port of the container's. */
static void emit_quoted(struct emit *e)
{
	e->p[e->n++] = MOV64_REG(BPF_REG_2, BPF_REG_8);
	e->p[e->n++] = ADD64_IMM(BPF_REG_2, 8);
	load_bytes(e, -1, QIP_AT, 20);
	e->p[e->n++] = LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_10, QIP_AT + 16);	/* daddr */
	drop_if(e, BPF_JNE, BPF_REG_2, (int32_t)e->g->ip.s_addr);
	e->p[e->n++] = LDX_MEM(BPF_B, BPF_REG_3, BPF_REG_10, QIP_AT + 9);	/* protocol */
	pass_if(e, BPF_JEQ, BPF_REG_3, IPPROTO_ICMP);
	if (e->g->owners < 0) {
		pass_always(e);
		return;
	}
	e->p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_3, IPPROTO_TCP, 1);
	drop_if(e, BPF_JNE, BPF_REG_3, IPPROTO_UDP);
	e->p[e->n++] = LDX_MEM(BPF_B, BPF_REG_2, BPF_REG_10, QIP_AT);	/* its IHL */
	e->p[e->n++] = AND64_IMM(BPF_REG_2, 0xf);
	e->p[e->n++] = LSH64_IMM(BPF_REG_2, 2);
	e->p[e->n++] = ADD64_REG(BPF_REG_2, BPF_REG_8);
	e->p[e->n++] = ADD64_IMM(BPF_REG_2, 8 + 2);			/* its dport */
	emit_owned(e);
	pass_always(e);
}

/* ICMP (r8 = its offset): the type. */
static void emit_icmp(struct emit *e)
{
	e->p[e->n++] = MOV64_REG(BPF_REG_2, BPF_REG_8);
	load_bytes(e, -1, TYPE_AT, 1);
	e->p[e->n++] = LDX_MEM(BPF_B, BPF_REG_2, BPF_REG_10, TYPE_AT);
	pass_if(e, BPF_JEQ, BPF_REG_2, 0);			/* echo reply */
	pass_if(e, BPF_JEQ, BPF_REG_2, 8);			/* echo request */
	e->p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_2, 3, 2);	/* unreachable */
	e->p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_2, 11, 1);	/* time exceeded */
	drop_if(e, BPF_JNE, BPF_REG_2, 12);			/* parameter problem */
	emit_quoted(e);
}

/* A first fragment's L4: TCP and UDP from an owned port, ICMP by kind;
 * other protocols go on to the tables (which drop them). */
static void emit_l4(struct emit *e)
{
	int to_icmp;

	ld(e, BPF_H, BPF_REG_4, ETH_HLEN + 6);		/* flags, fragment offset */
	e->p[e->n++] = AND64_IMM(BPF_REG_4, (int32_t)word((const uint8_t[]){ 0x1f, 0xff }, 2));
	pass_if(e, BPF_JNE, BPF_REG_4, 0);		/* no L4 header here */
	l4_offset(e);
	ld(e, BPF_B, BPF_REG_4, ETH_HLEN + 9);		/* protocol */
	to_icmp = e->n;
	e->p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_4, IPPROTO_ICMP, 0);
	if (e->g->owners < 0) {
		pass_always(e);
	} else {
		e->p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_4, IPPROTO_TCP, 1);
		pass_if(e, BPF_JNE, BPF_REG_4, IPPROTO_UDP);
		e->p[e->n++] = MOV64_REG(BPF_REG_2, BPF_REG_8);	/* the source port */
		emit_owned(e);
		pass_always(e);
	}
	tc_bpf_jump_to(e->p, to_icmp, e->n);
	emit_icmp(e);
}

/* IPv4: the source is the host's, or 127.0.0.1 between loopbacks. */
static void emit_ipv4(struct emit *e)
{
	const int32_t host = (int32_t)e->g->ip.s_addr, lo = (int32_t)htonl(INADDR_LOOPBACK);
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
	emit_l4(e);
}

/* ARP: an Ethernet/IPv4 request from the host's MAC and IP, not for it. */
static void emit_arp(struct emit *e)
{
	const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };	/* htype ptype hlen plen op */
	const uint8_t *ip = (const uint8_t *)&e->g->ip.s_addr;

	ld(e, BPF_W, BPF_REG_2, ETH_HLEN);
	drop_if(e, BPF_JNE, BPF_REG_2, word(hdr, 4));
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 4);
	drop_if(e, BPF_JNE, BPF_REG_2, word(hdr + 4, 4));
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 8);		/* sender MAC */
	drop_if(e, BPF_JNE, BPF_REG_2, word(e->g->mac, 4));
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 12);
	drop_if(e, BPF_JNE, BPF_REG_2, word(e->g->mac + 4, 2));
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 14);		/* sender IP */
	drop_if(e, BPF_JNE, BPF_REG_2, word(ip, 2));
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 16);
	drop_if(e, BPF_JNE, BPF_REG_2, word(ip + 2, 2));
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 24);		/* target IP */
	drop_if(e, BPF_JEQ, BPF_REG_2, (int32_t)e->g->ip.s_addr);
}

int tc_guard_emit(struct bpf_insn *p, const struct tc_guard *g, uint32_t owner)
{
	struct emit e = { .p = p, .g = g, .owner = owner };
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
	emit_ipv4(&e);
	tc_bpf_jump_to(p, to_arp, e.n);
	emit_arp(&e);
	pass_always(&e);
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
