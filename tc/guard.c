/* guard.c - the guard's instructions (guard.h), emitted by hand over
 * bpfsys.c: one skb_load_bytes of the first 42 bytes (Ethernet + ARP, or
 * Ethernet + IPv4 + 8), compares against the host's MAC and IP as
 * immediates, then loads at computed offsets (past IP options) for a
 * port to look up in the owners array or an ICMP error's quoted header. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "tc/bpfsys.h"
#include "tc/guard.h"
#include "tc/police.h"

/* Frame byte k sits at fp + BUF + k: every field read below is then
 * aligned to its size, as the verifier wants of stack reads. */
#define BUF	(-66)
#define BUF_LEN	42
#define TYPE_AT	(-72)		/* the ICMP type, loaded on its own */
#define PORT_AT	(-80)		/* a port, as loaded (network order) */
#define KEY_AT	(-84)		/* the owners array's key */
#define QIP_AT	(-108)		/* an ICMP error's quoted IPv4 header */
#define ID_AT	(-88)		/* an echo request's id, as sent */
#define NEWID_AT (-86)		/* and as it leaves */
#define ECHO_AT	(-104)		/* its echo map entry (over QIP_AT) */
#define FKEY_AT	(-120)		/* a fragments map key */
#define FVAL_AT	(-128)		/* and value: when (2^30 ns), where to */
#define FRAG_TTL 28		/* 2^30 ns units: 30 s, ip_frag_time's default */
#define JA(o)	INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)

struct frag_key {
	uint32_t daddr;
	uint16_t id;
	uint8_t proto, pad;
};

int tc_guard_owners_create(struct nis_err *err)
{
	int fd = tc_bpf_map_create(BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
				   sizeof(struct tc_guard_owner), TC_GUARD_PORTS, 0, "nis_owners");

	return fd < 0 ? tc_bpf_fail(err, -errno, "cannot create the port owners array") : fd;
}

int tc_guard_owners_set(int owners, uint16_t first, uint32_t n, uint32_t owner,
			int ifindex, struct nis_err *err)
{
	const struct tc_guard_owner o = { owner, owner ? (uint32_t)ifindex : 0 };
	int rc = tc_bpf_array_fill(owners, first, n, &o, sizeof(o));

	return rc ? tc_bpf_fail(err, rc, "cannot set the owners of ports") : 0;
}

int tc_guard_echo_create(struct nis_err *err)
{
	int fd = tc_bpf_map_create(BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
				   sizeof(struct tc_guard_echo), 65536, 0, "nis_echo");

	return fd < 0 ? tc_bpf_fail(err, -errno, "cannot create the echo map") : fd;
}

int tc_guard_frags_create(struct nis_err *err)
{
	int fd = tc_bpf_map_create(BPF_MAP_TYPE_LRU_HASH, sizeof(struct frag_key),
				   2 * sizeof(uint32_t), 128, 0, "nis_frags_out");

	return fd < 0 ? tc_bpf_fail(err, -errno, "cannot create the fragments map") : fd;
}

struct emit {
	struct bpf_insn *p;
	int n;
	const struct tc_guard *g;
	uint32_t owner;
	int frags;
	int drops[48], ndrops;		/* jumps to patch to the drop */
	int passes[16], npasses;	/* and to the end */
};

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

/* r2 = the call's frame offset r8 + off (r8 is kept). */
static void at_r8(struct emit *e, int off)
{
	e->p[e->n++] = MOV64_REG(BPF_REG_2, BPF_REG_8);
	e->p[e->n++] = ADD64_IMM(BPF_REG_2, off);
}

/* An echo request (r8 = its ICMP offset) leaves with the container's id,
 * owner * 16 + its own id % 16; the echo map keeps its own and the peer
 * for the reply. */
static void emit_echo_out(struct emit *e)
{
	struct bpf_insn *p = e->p;

	at_r8(e, 4);
	load_bytes(e, -1, ID_AT, 2);
	p[e->n++] = LDX_MEM(BPF_H, BPF_REG_2, BPF_REG_10, ID_AT);
	p[e->n++] = STX_MEM(BPF_H, BPF_REG_10, BPF_REG_2, ECHO_AT + 12);
	p[e->n++] = ST_MEM(BPF_H, BPF_REG_10, ECHO_AT + 14, 0);
	p[e->n++] = TO_BE16(BPF_REG_2);				/* ntohs */
	p[e->n++] = AND64_IMM(BPF_REG_2, TC_GUARD_ECHO_IDS - 1);
	p[e->n++] = OR64_IMM(BPF_REG_2, (int32_t)(e->owner * TC_GUARD_ECHO_IDS));
	p[e->n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, KEY_AT);
	p[e->n++] = TO_BE16(BPF_REG_2);				/* htons */
	p[e->n++] = STX_MEM(BPF_H, BPF_REG_10, BPF_REG_2, NEWID_AT);
	p[e->n++] = ST_MEM(BPF_W, BPF_REG_10, ECHO_AT, (int32_t)e->owner);
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 16);			/* the peer */
	p[e->n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, ECHO_AT + 4);
	p[e->n++] = LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, ifindex));
	p[e->n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, ECHO_AT + 8);
	e->n += tc_bpf_ld_map_fd(p + e->n, BPF_REG_1, e->g->echo);
	p[e->n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	p[e->n++] = ADD64_IMM(BPF_REG_2, KEY_AT);
	p[e->n++] = MOV64_REG(BPF_REG_3, BPF_REG_10);
	p[e->n++] = ADD64_IMM(BPF_REG_3, ECHO_AT);
	p[e->n++] = MOV64_IMM(BPF_REG_4, BPF_ANY);
	p[e->n++] = CALL(BPF_FUNC_map_update_elem);
	drop_if(e, BPF_JNE, BPF_REG_0, 0);
	p[e->n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
	at_r8(e, 4);
	p[e->n++] = MOV64_REG(BPF_REG_3, BPF_REG_10);
	p[e->n++] = ADD64_IMM(BPF_REG_3, NEWID_AT);
	p[e->n++] = MOV64_IMM(BPF_REG_4, 2);
	p[e->n++] = MOV64_IMM(BPF_REG_5, 0);
	p[e->n++] = CALL(BPF_FUNC_skb_store_bytes);
	drop_if(e, BPF_JNE, BPF_REG_0, 0);
	p[e->n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
	at_r8(e, 2);
	p[e->n++] = LDX_MEM(BPF_H, BPF_REG_3, BPF_REG_10, ID_AT);
	p[e->n++] = LDX_MEM(BPF_H, BPF_REG_4, BPF_REG_10, NEWID_AT);
	p[e->n++] = MOV64_IMM(BPF_REG_5, 2);			/* a 16-bit field */
	p[e->n++] = CALL(BPF_FUNC_l4_csum_replace);
	drop_if(e, BPF_JNE, BPF_REG_0, 0);
	pass_always(e);
}

/* ICMP (r8 = its offset): the type. */
static void emit_icmp(struct emit *e)
{
	int to_echo = -1;

	e->p[e->n++] = MOV64_REG(BPF_REG_2, BPF_REG_8);
	load_bytes(e, -1, TYPE_AT, 1);
	e->p[e->n++] = LDX_MEM(BPF_B, BPF_REG_2, BPF_REG_10, TYPE_AT);
	pass_if(e, BPF_JEQ, BPF_REG_2, 0);			/* echo reply */
	if (e->g->echo >= 0) {
		to_echo = e->n;
		e->p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_2, 8, 0);
	} else {
		pass_if(e, BPF_JEQ, BPF_REG_2, 8);		/* echo request */
	}
	e->p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_2, 3, 2);	/* unreachable */
	e->p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_2, 11, 1);	/* time exceeded */
	drop_if(e, BPF_JNE, BPF_REG_2, 12);			/* parameter problem */
	emit_quoted(e);
	if (to_echo >= 0) {
		tc_bpf_jump_to(e->p, to_echo, e->n);
		emit_echo_out(e);
	}
}

/* The fragments map's key at FKEY_AT, from the frame's IPv4 header. */
static void frag_key(struct emit *e)
{
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 16);			/* destination */
	e->p[e->n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, FKEY_AT);
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 4);			/* IP id */
	e->p[e->n++] = STX_MEM(BPF_H, BPF_REG_10, BPF_REG_2, FKEY_AT + 4);
	ld(e, BPF_B, BPF_REG_2, ETH_HLEN + 9);			/* protocol */
	e->p[e->n++] = STX_MEM(BPF_B, BPF_REG_10, BPF_REG_2, FKEY_AT + 6);
	e->p[e->n++] = ST_MEM(BPF_B, BPF_REG_10, FKEY_AT + 7, 0);
}

/* r1 = the fragments map, r2 = &key (for a map helper). */
static void frag_map_args(struct emit *e)
{
	e->n += tc_bpf_ld_map_fd(e->p + e->n, BPF_REG_1, e->frags);
	e->p[e->n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	e->p[e->n++] = ADD64_IMM(BPF_REG_2, FKEY_AT);
}

/* A later fragment: its datagram's first fragment passed within FRAG_TTL
 * (the last one ends the entry); the program redirects it (r9) to where
 * the first fragment's datagram goes (emit_target). */
static void emit_later(struct emit *e)
{
	struct bpf_insn *p = e->p;
	int more;

	frag_key(e);
	frag_map_args(e);
	p[e->n++] = CALL(BPF_FUNC_map_lookup_elem);
	e->drops[e->ndrops++] = e->n;
	p[e->n++] = JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0);
	p[e->n++] = LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_0, 0);	/* when */
	p[e->n++] = LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_0, 4);	/* where to */
	p[e->n++] = CALL(BPF_FUNC_ktime_get_ns);
	p[e->n++] = RSH64_IMM(BPF_REG_0, 30);
	p[e->n++] = SUB64_REG(BPF_REG_0, BPF_REG_7);
	p[e->n++] = MOV64_IMM(BPF_REG_7, 0);			/* nothing to record */
	e->drops[e->ndrops++] = e->n;
	p[e->n++] = JMP_IMM(BPF_JGT, BPF_REG_0, FRAG_TTL, 0);
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 6);
	p[e->n++] = AND64_IMM(BPF_REG_2, (int32_t)tc_bpf_word((const uint8_t[]){ 0x20, 0 }, 2));
	more = e->n;
	p[e->n++] = JMP32_IMM(BPF_JNE, BPF_REG_2, 0, 0);	/* more fragments */
	frag_map_args(e);
	p[e->n++] = CALL(BPF_FUNC_map_delete_elem);
	tc_bpf_jump_to(p, more, e->n);
	pass_always(e);
}

/* Where a first fragment's datagram goes, to FVAL_AT + 4: for the host IP
 * or 127.0.0.1 to the host veth of the container owning its destination
 * port (r8 = its L4 offset), else the host's lo; out of eth0 for others. */
static void emit_target(struct emit *e)
{
	const int32_t host = (int32_t)e->g->ip.s_addr, lo = (int32_t)htonl(INADDR_LOOPBACK);
	struct bpf_insn *p = e->p;
	int local[2], done[4], nd = 0;

	p[e->n++] = ST_MEM(BPF_W, BPF_REG_10, FVAL_AT + 4, e->g->eth0);
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 16);
	local[0] = e->n;
	p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_2, host, 0);
	local[1] = e->n;
	p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_2, lo, 0);
	done[nd++] = e->n;
	p[e->n++] = JA(0);
	tc_bpf_jump_to(p, local[0], e->n);
	tc_bpf_jump_to(p, local[1], e->n);
	p[e->n++] = ST_MEM(BPF_W, BPF_REG_10, FVAL_AT + 4, e->g->lo);
	if (e->g->owners >= 0) {
		p[e->n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
		at_r8(e, 2);					/* its dport */
		p[e->n++] = MOV64_REG(BPF_REG_3, BPF_REG_10);
		p[e->n++] = ADD64_IMM(BPF_REG_3, PORT_AT);
		p[e->n++] = MOV64_IMM(BPF_REG_4, 2);
		p[e->n++] = CALL(BPF_FUNC_skb_load_bytes);
		done[nd++] = e->n;
		p[e->n++] = JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0);
		p[e->n++] = LDX_MEM(BPF_H, BPF_REG_2, BPF_REG_10, PORT_AT);
		p[e->n++] = TO_BE16(BPF_REG_2);
		p[e->n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, KEY_AT);
		e->n += tc_bpf_ld_map_fd(p + e->n, BPF_REG_1, e->g->owners);
		p[e->n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
		p[e->n++] = ADD64_IMM(BPF_REG_2, KEY_AT);
		p[e->n++] = CALL(BPF_FUNC_map_lookup_elem);
		done[nd++] = e->n;
		p[e->n++] = JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0);
		p[e->n++] = LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_0, 4);	/* its veth */
		done[nd++] = e->n;
		p[e->n++] = JMP_IMM(BPF_JEQ, BPF_REG_2, 0, 0);
		p[e->n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, FVAL_AT + 4);
	}
	while (nd--)
		tc_bpf_jump_to(p, done[nd], e->n);
}

/* At the end of a frame that passed: a first fragment (r7) is recorded
 * with where its datagram goes and when. */
static void emit_record(struct emit *e)
{
	struct bpf_insn *p = e->p;
	int none = e->n;

	p[e->n++] = JMP_IMM(BPF_JEQ, BPF_REG_7, 0, 0);
	emit_target(e);
	p[e->n++] = CALL(BPF_FUNC_ktime_get_ns);
	p[e->n++] = RSH64_IMM(BPF_REG_0, 30);
	p[e->n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, FVAL_AT);
	frag_key(e);
	frag_map_args(e);
	p[e->n++] = MOV64_REG(BPF_REG_3, BPF_REG_10);
	p[e->n++] = ADD64_IMM(BPF_REG_3, FVAL_AT);
	p[e->n++] = MOV64_IMM(BPF_REG_4, BPF_ANY);
	p[e->n++] = CALL(BPF_FUNC_map_update_elem);
	tc_bpf_jump_to(p, none, e->n);
}

/* A first fragment's L4: TCP and UDP from an owned port, ICMP by kind;
 * other protocols go on to the tables (which drop them). A first fragment
 * of several is recorded (r7 = 1) once it passed; a later one is checked
 * against the records (emit_later). */
static void emit_l4(struct emit *e)
{
	int to_icmp, later, whole;

	ld(e, BPF_H, BPF_REG_4, ETH_HLEN + 6);		/* flags, fragment offset */
	e->p[e->n++] = MOV64_REG(BPF_REG_5, BPF_REG_4);
	e->p[e->n++] = AND64_IMM(BPF_REG_4, (int32_t)tc_bpf_word((const uint8_t[]){ 0x1f, 0xff }, 2));
	later = e->n;
	e->p[e->n++] = JMP32_IMM(BPF_JNE, BPF_REG_4, 0, 0);	/* no L4 header here */
	e->p[e->n++] = AND64_IMM(BPF_REG_5, (int32_t)tc_bpf_word((const uint8_t[]){ 0x20, 0 }, 2));
	whole = e->n;
	e->p[e->n++] = JMP32_IMM(BPF_JEQ, BPF_REG_5, 0, 0);	/* no more fragments */
	e->p[e->n++] = MOV64_IMM(BPF_REG_7, 1);
	tc_bpf_jump_to(e->p, whole, e->n);
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
	tc_bpf_jump_to(e->p, later, e->n);
	emit_later(e);
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
	drop_if(e, BPF_JNE, BPF_REG_2, tc_bpf_word(hdr, 4));
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 4);
	drop_if(e, BPF_JNE, BPF_REG_2, tc_bpf_word(hdr + 4, 4));
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 8);		/* sender MAC */
	drop_if(e, BPF_JNE, BPF_REG_2, tc_bpf_word(e->g->mac, 4));
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 12);
	drop_if(e, BPF_JNE, BPF_REG_2, tc_bpf_word(e->g->mac + 4, 2));
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 14);		/* sender IP */
	drop_if(e, BPF_JNE, BPF_REG_2, tc_bpf_word(ip, 2));
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 16);
	drop_if(e, BPF_JNE, BPF_REG_2, tc_bpf_word(ip + 2, 2));
	ld(e, BPF_W, BPF_REG_2, ETH_HLEN + 24);		/* target IP */
	drop_if(e, BPF_JEQ, BPF_REG_2, (int32_t)e->g->ip.s_addr);
}

/* A frame shorter than BUF_LEN (the helper zeroed BUF) may only be a
 * later fragment: its Ethernet and IPv4 headers, then on to full. */
static void emit_short(struct emit *e, int full)
{
	load_bytes(e, 0, BUF, ETH_HLEN + 20);
	ld(e, BPF_H, BPF_REG_2, 12);
	drop_if(e, BPF_JNE, BPF_REG_2, htons(ETH_P_IP));
	ld(e, BPF_H, BPF_REG_2, ETH_HLEN + 6);
	e->p[e->n++] = AND64_IMM(BPF_REG_2, (int32_t)tc_bpf_word((const uint8_t[]){ 0x1f, 0xff }, 2));
	drop_if(e, BPF_JEQ, BPF_REG_2, 0);
	e->p[e->n] = JA(full - e->n - 1);
	e->n++;
}

int tc_guard_emit(struct bpf_insn *p, const struct tc_guard *g, uint32_t owner, int frags)
{
	struct emit e = { .p = p, .g = g, .owner = owner, .frags = frags };
	int to_arp, to_short, full, drop, i;

	p[e.n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);
	p[e.n++] = MOV64_IMM(BPF_REG_7, 0);		/* a first fragment to record */
	p[e.n++] = MOV64_IMM(BPF_REG_9, 0);		/* where to redirect it */
	load_bytes(&e, 0, BUF, BUF_LEN);
	to_short = e.drops[--e.ndrops];
	full = e.n;
	ld(&e, BPF_W, BPF_REG_2, 6);			/* Ethernet source */
	drop_if(&e, BPF_JNE, BPF_REG_2, tc_bpf_word(g->mac, 4));
	ld(&e, BPF_H, BPF_REG_2, 10);
	drop_if(&e, BPF_JNE, BPF_REG_2, tc_bpf_word(g->mac + 4, 2));
	ld(&e, BPF_H, BPF_REG_2, 12);			/* EtherType */
	to_arp = e.n;
	p[e.n++] = JMP32_IMM(BPF_JEQ, BPF_REG_2, htons(ETH_P_ARP), 0);
	drop_if(&e, BPF_JNE, BPF_REG_2, htons(ETH_P_IP));
	emit_ipv4(&e);
	tc_bpf_jump_to(p, to_arp, e.n);
	emit_arp(&e);
	pass_always(&e);
	tc_bpf_jump_to(p, to_short, e.n);
	emit_short(&e, full);
	drop = e.n;
	p[e.n++] = MOV64_IMM(BPF_REG_0, TC_ACT_SHOT);
	p[e.n++] = EXIT_INSN();
	for (i = 0; i < e.ndrops; i++)
		tc_bpf_jump_to(p, e.drops[i], drop);
	for (i = 0; i < e.npasses; i++)
		tc_bpf_jump_to(p, e.passes[i], e.n);
	if (g->police >= 0) {		/* over the egress cap: dropped, not billed */
		int over, start = e.n;

		e.n += tc_police_emit(p + e.n, g->police, owner, &over);
		tc_bpf_jump_to(p, start + over, drop);
	}
	emit_record(&e);
	p[e.n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
	return e.n;
}
