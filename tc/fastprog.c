/* fastprog.c - the fast path's program on eth0 (fastpath.h), emitted by
 * hand over bpfsys.c: the port path, and with the guard's maps the ICMP
 * and fragment branches. */
#include <arpa/inet.h>
#include <stddef.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>

#include "tc/bpf.h"
#include "tc/bpfsys.h"
#include "tc/fastprog.h"
#include "tc/guard.h"

/* The IPv4 header's fields, from the Ethernet header. */
#define IP_OFF(field)	(ETH_HLEN + (int)offsetof(struct iphdr, field))
#define CB0		((int)offsetof(struct __sk_buff, cb[0]))
#define JA(o)		INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define PORT_AT		(-16)	/* a port (host order, u32): a map key */
#define DEV_AT		(-24)	/* the host veth to fall back to, 0: none */
#define FKEY_AT		(-32)	/* the later fragments' key */
#define FVAL_AT		(-40)	/* and value */
#define SPILL_AT	(-48)	/* a packet pointer kept over a call */
#define FRAG_TTL	28	/* 2^30 ns units: 30 s, ip_frag_time's default */
#define Q		(ETH_HLEN + 8)	/* an ICMP error's quoted IP header, from r2 */

/* The program being emitted: next[] are the jumps on to the next filter. */
struct fe {
	struct bpf_insn *p;
	int n;
	int next[48], nn;
	struct in_addr host;
	const struct tc_guard *g;	/* NULL: no ICMP, no fragments */
	int frags;			/* later fragments: (src, id, proto) -> veth */
};

static void put(struct fe *e, struct bpf_insn insn)
{
	e->p[e->n++] = insn;
}

static void next_if(struct fe *e, struct bpf_insn jump)
{
	e->next[e->nn++] = e->n;
	put(e, jump);
}

static void ld_map(struct fe *e, int reg, int fd)
{
	e->n += tc_bpf_ld_map_fd(e->p + e->n, reg, fd);
}

/* r0 = lookup(fd, fp + key); NULL goes on to the next filter. */
static void lookup(struct fe *e, int fd, int key)
{
	ld_map(e, BPF_REG_1, fd);
	put(e, MOV64_REG(BPF_REG_2, BPF_REG_10));
	put(e, ADD64_IMM(BPF_REG_2, key));
	put(e, CALL(BPF_FUNC_map_lookup_elem));
	next_if(e, JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0));
}

/* The 16-bit port at port_off in the L4 header after the IPv4 header at
 * ip_off from the frame pointer in base (its options skipped: IHL words, 5
 * at least), host order, at PORT_AT; r2 = base + the IHL bytes. A header
 * past the linear data goes on to the next filter. */
static void emit_l4_port(struct fe *e, int base, int ip_off, int port_off)
{
	put(e, LDX_MEM(BPF_B, BPF_REG_4, base, ip_off));
	put(e, AND64_IMM(BPF_REG_4, 0x0f));
	put(e, LSH64_IMM(BPF_REG_4, 2));
	next_if(e, JMP_IMM(BPF_JLT, BPF_REG_4, sizeof(struct iphdr), 0));
	if (base != BPF_REG_2)
		put(e, MOV64_REG(BPF_REG_2, base));
	put(e, ADD64_REG(BPF_REG_2, BPF_REG_4));
	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, data_end)));
	put(e, MOV64_REG(BPF_REG_3, BPF_REG_2));
	put(e, ADD64_IMM(BPF_REG_3, ip_off + port_off + 2));
	next_if(e, JMP_REG(BPF_JGT, BPF_REG_3, BPF_REG_1, 0));
	put(e, LDX_MEM(BPF_H, BPF_REG_1, BPF_REG_2, ip_off + port_off));
	put(e, TO_BE16(BPF_REG_1));				/* ntohs */
	put(e, STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, PORT_AT));
}

/* Goes on at insn to (backwards or patched later: to < 0 returns the jump). */
static int ja(struct fe *e, int to)
{
	put(e, JA(to >= 0 ? to - e->n - 1 : 0));
	return e->n - 1;
}

/* The echo map's entry (r0) for the id at fp-16 must be for peer (r2): then
 * r9 = its owner, DEV_AT = its veth, r4 = its own id (as loaded). */
static void echo_entry(struct fe *e)
{
	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, offsetof(struct tc_guard_echo, peer)));
	next_if(e, JMP_REG(BPF_JNE, BPF_REG_1, BPF_REG_2, 0));
	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, offsetof(struct tc_guard_echo, ifindex)));
	put(e, STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, DEV_AT));
	put(e, LDX_MEM(BPF_H, BPF_REG_4, BPF_REG_0, offsetof(struct tc_guard_echo, id)));
	put(e, LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_0, offsetof(struct tc_guard_echo, owner)));
	next_if(e, JMP_IMM(BPF_JEQ, BPF_REG_9, 0, 0));
}

/* The id (as loaded) at reg + off, in host order, to PORT_AT. */
static void id_key(struct fe *e, int reg, int off)
{
	put(e, LDX_MEM(BPF_H, BPF_REG_1, reg, off));
	put(e, TO_BE16(BPF_REG_1));
	put(e, STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, PORT_AT));
}

/* An echo reply (r2 + ETH_HLEN = its ICMP header, 8 bytes checked) with
 * an id the guard gave: back to the container's own id, and to it. */
static void emit_echo_reply(struct fe *e, int to_class)
{
	put(e, MOV64_REG(BPF_REG_7, BPF_REG_2));
	id_key(e, BPF_REG_7, ETH_HLEN + 4);
	lookup(e, e->g->echo, PORT_AT);
	put(e, LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_8, IP_OFF(saddr)));
	echo_entry(e);
	put(e, LDX_MEM(BPF_H, BPF_REG_3, BPF_REG_7, ETH_HLEN + 4));
	put(e, LDX_MEM(BPF_H, BPF_REG_5, BPF_REG_7, ETH_HLEN + 2));
	put(e, STX_MEM(BPF_H, BPF_REG_7, BPF_REG_4, ETH_HLEN + 4));
	e->n += tc_bpf_emit_csum_fix(e->p + e->n, BPF_REG_5, BPF_REG_3, BPF_REG_4, BPF_REG_1);
	put(e, STX_MEM(BPF_H, BPF_REG_7, BPF_REG_5, ETH_HLEN + 2));
	ja(e, to_class);
}

/* An ICMP error (r2 = the frame + its IHL bytes, the quoted IPv4 header
 * checked) about an echo request the guard rewrote: the quoted id back
 * (and the quoted and outer checksums), and to the container. */
static void emit_quoted_echo(struct fe *e, int to_class)
{
	put(e, MOV64_REG(BPF_REG_9, BPF_REG_2));		/* the outer header */
	put(e, LDX_MEM(BPF_B, BPF_REG_4, BPF_REG_2, Q));
	put(e, AND64_IMM(BPF_REG_4, 0x0f));
	put(e, LSH64_IMM(BPF_REG_4, 2));
	next_if(e, JMP_IMM(BPF_JLT, BPF_REG_4, sizeof(struct iphdr), 0));
	put(e, MOV64_REG(BPF_REG_7, BPF_REG_2));
	put(e, ADD64_REG(BPF_REG_7, BPF_REG_4));		/* r7 + Q: quoted ICMP */
	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, data_end)));
	put(e, MOV64_REG(BPF_REG_3, BPF_REG_7));
	put(e, ADD64_IMM(BPF_REG_3, Q + 8));
	next_if(e, JMP_REG(BPF_JGT, BPF_REG_3, BPF_REG_1, 0));
	put(e, LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_7, Q));
	next_if(e, JMP_IMM(BPF_JNE, BPF_REG_1, 8, 0));		/* an echo request */
	id_key(e, BPF_REG_7, Q + 4);
	lookup(e, e->g->echo, PORT_AT);
	put(e, LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_9, Q + (int)offsetof(struct iphdr, daddr)));
	put(e, STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_9, SPILL_AT));
	echo_entry(e);						/* r9 = owner */
	put(e, LDX_MEM(BPF_DW, BPF_REG_0, BPF_REG_10, SPILL_AT));
	put(e, LDX_MEM(BPF_H, BPF_REG_3, BPF_REG_7, Q + 4));	/* the id sent */
	put(e, LDX_MEM(BPF_H, BPF_REG_1, BPF_REG_7, Q + 2));	/* quoted checksum */
	e->n += tc_bpf_emit_csum_fix(e->p + e->n, BPF_REG_1, BPF_REG_3, BPF_REG_4, BPF_REG_2);
	put(e, LDX_MEM(BPF_H, BPF_REG_3, BPF_REG_7, Q + 4));
	put(e, LDX_MEM(BPF_H, BPF_REG_5, BPF_REG_0, ETH_HLEN + 2));	/* outer checksum */
	e->n += tc_bpf_emit_csum_fix(e->p + e->n, BPF_REG_5, BPF_REG_3, BPF_REG_4, BPF_REG_2);
	put(e, LDX_MEM(BPF_H, BPF_REG_3, BPF_REG_7, Q + 2));
	e->n += tc_bpf_emit_csum_fix(e->p + e->n, BPF_REG_5, BPF_REG_3, BPF_REG_1, BPF_REG_2);
	put(e, STX_MEM(BPF_H, BPF_REG_7, BPF_REG_1, Q + 2));
	put(e, STX_MEM(BPF_H, BPF_REG_7, BPF_REG_4, Q + 4));
	put(e, STX_MEM(BPF_H, BPF_REG_0, BPF_REG_5, ETH_HLEN + 2));
	ja(e, to_class);
}
/* An ICMP error (r2 = the frame + its IHL bytes, 8 bytes of ICMP checked)
 * about a packet the host IP sent: TCP or UDP to the container owning the
 * quoted source port (owners array), an echo request to the container
 * whose id it carries; anything else goes on. */
static void emit_error(struct fe *e, int to_class)
{
	int to_echo = -1;

	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, data_end)));
	put(e, MOV64_REG(BPF_REG_3, BPF_REG_2));
	put(e, ADD64_IMM(BPF_REG_3, Q + (int)sizeof(struct iphdr)));
	next_if(e, JMP_REG(BPF_JGT, BPF_REG_3, BPF_REG_1, 0));
	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_2, Q + (int)offsetof(struct iphdr, saddr)));
	next_if(e, JMP32_IMM(BPF_JNE, BPF_REG_1, (int32_t)e->host.s_addr, 0));
	put(e, LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_2, Q + (int)offsetof(struct iphdr, protocol)));
	if (e->g->echo >= 0) {
		to_echo = e->n;
		put(e, JMP_IMM(BPF_JEQ, BPF_REG_1, IPPROTO_ICMP, 0));
	}
	put(e, JMP_IMM(BPF_JEQ, BPF_REG_1, IPPROTO_TCP, 1));
	next_if(e, JMP_IMM(BPF_JNE, BPF_REG_1, IPPROTO_UDP, 0));
	emit_l4_port(e, BPF_REG_2, Q, 0);			/* its source port */
	lookup(e, e->g->owners, PORT_AT);
	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, offsetof(struct tc_guard_owner, ifindex)));
	put(e, STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, DEV_AT));
	put(e, LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_0, offsetof(struct tc_guard_owner, owner)));
	next_if(e, JMP_IMM(BPF_JEQ, BPF_REG_9, 0, 0));
	ja(e, to_class);
	if (to_echo >= 0) {
		tc_bpf_jump_to(e->p, to_echo, e->n);
		emit_quoted_echo(e, to_class);
	}
}

/* ICMP to the host IP (r8 = the frame): echo replies and errors. */
static void emit_icmp(struct fe *e, int to_class)
{
	int to_reply = -1;

	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_8, IP_OFF(daddr)));
	next_if(e, JMP32_IMM(BPF_JNE, BPF_REG_1, (int32_t)e->host.s_addr, 0));
	put(e, LDX_MEM(BPF_B, BPF_REG_2, BPF_REG_8, ETH_HLEN));
	put(e, AND64_IMM(BPF_REG_2, 0x0f));
	put(e, LSH64_IMM(BPF_REG_2, 2));
	put(e, ADD64_REG(BPF_REG_2, BPF_REG_8));		/* r2 + ETH_HLEN: ICMP */
	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, data_end)));
	put(e, MOV64_REG(BPF_REG_3, BPF_REG_2));
	put(e, ADD64_IMM(BPF_REG_3, ETH_HLEN + 8));
	next_if(e, JMP_REG(BPF_JGT, BPF_REG_3, BPF_REG_1, 0));
	put(e, LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_2, ETH_HLEN));	/* type */
	if (e->g->echo >= 0) {
		to_reply = e->n;
		put(e, JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 0));	/* echo reply */
	}
	put(e, JMP_IMM(BPF_JEQ, BPF_REG_1, 3, 2));		/* unreachable */
	put(e, JMP_IMM(BPF_JEQ, BPF_REG_1, 11, 1));		/* time exceeded */
	next_if(e, JMP_IMM(BPF_JNE, BPF_REG_1, 12, 0));		/* parameter problem */
	emit_error(e, to_class);
	if (to_reply >= 0) {
		tc_bpf_jump_to(e->p, to_reply, e->n);
		emit_echo_reply(e, to_class);
	}
}

/* The later fragments' key at FKEY_AT: source, IP id, protocol. */
static void frag_key(struct fe *e)
{
	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_8, IP_OFF(saddr)));
	put(e, STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, FKEY_AT));
	put(e, LDX_MEM(BPF_H, BPF_REG_1, BPF_REG_8, IP_OFF(id)));
	put(e, STX_MEM(BPF_H, BPF_REG_10, BPF_REG_1, FKEY_AT + 4));
	put(e, LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_8, IP_OFF(protocol)));
	put(e, STX_MEM(BPF_B, BPF_REG_10, BPF_REG_1, FKEY_AT + 6));
	put(e, ST_MEM(BPF_B, BPF_REG_10, FKEY_AT + 7, 0));
}

/* r1 = the fragments map, r2 = &key (for a map helper). */
static void frag_args(struct fe *e)
{
	ld_map(e, BPF_REG_1, e->frags);
	put(e, MOV64_REG(BPF_REG_2, BPF_REG_10));
	put(e, ADD64_IMM(BPF_REG_2, FKEY_AT));
}

/* The first of several fragments (r8 = the frame) of TCP or UDP to a port
 * a container owns: its datagram's later fragments will go to that
 * container's host veth. Then on at resume, as any first fragment. */
static void emit_first(struct fe *e, int resume)
{
	int nn = e->nn, done;

	put(e, LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_8, IP_OFF(protocol)));
	put(e, JMP_IMM(BPF_JEQ, BPF_REG_1, IPPROTO_TCP, 1));
	next_if(e, JMP_IMM(BPF_JNE, BPF_REG_1, IPPROTO_UDP, 0));
	emit_l4_port(e, BPF_REG_8, ETH_HLEN, 2);		/* dport */
	lookup(e, e->g->owners, PORT_AT);
	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, offsetof(struct tc_guard_owner, ifindex)));
	next_if(e, JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 0));
	put(e, STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, FVAL_AT));
	put(e, CALL(BPF_FUNC_ktime_get_ns));
	put(e, RSH64_IMM(BPF_REG_0, 30));
	put(e, STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, FVAL_AT + 4));
	frag_key(e);
	frag_args(e);
	put(e, MOV64_REG(BPF_REG_3, BPF_REG_10));
	put(e, ADD64_IMM(BPF_REG_3, FVAL_AT));
	put(e, MOV64_IMM(BPF_REG_4, BPF_ANY));
	put(e, CALL(BPF_FUNC_map_update_elem));
	/* Recorded or not a container's, it goes on as any first fragment. */
	done = e->n;
	while (e->nn > nn)
		tc_bpf_jump_to(e->p, e->next[--e->nn], done);
	ja(e, resume);
}

/* A later fragment to the host IP (r1 = its offset bits, not 0): to the
 * host veth its first fragment went to (within FRAG_TTL), counted and
 * shaped there; the last one ends the entry. Else on, to the host. */
static void emit_later(struct fe *e)
{
	int more;

	frag_key(e);
	lookup(e, e->frags, FKEY_AT);
	put(e, LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_0, 0));		/* the veth */
	put(e, LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_0, 4));		/* when */
	put(e, CALL(BPF_FUNC_ktime_get_ns));
	put(e, RSH64_IMM(BPF_REG_0, 30));
	put(e, SUB64_REG(BPF_REG_0, BPF_REG_9));
	next_if(e, JMP_IMM(BPF_JGT, BPF_REG_0, FRAG_TTL, 0));
	put(e, LDX_MEM(BPF_H, BPF_REG_1, BPF_REG_8, IP_OFF(frag_off)));
	put(e, AND64_IMM(BPF_REG_1, htons(0x2000)));		/* more fragments */
	more = e->n;
	put(e, JMP_IMM(BPF_JNE, BPF_REG_1, 0, 0));
	frag_args(e);
	put(e, CALL(BPF_FUNC_map_delete_elem));
	tc_bpf_jump_to(e->p, more, e->n);
	put(e, MOV64_REG(BPF_REG_1, BPF_REG_7));
	put(e, MOV64_IMM(BPF_REG_2, 0));
	put(e, CALL(BPF_FUNC_redirect));
	put(e, EXIT_INSN());
}

/* Fragments (r1 = the flags and offset bits but DF, not 0) to the host. */
static void emit_frag(struct fe *e, int resume)
{
	int later;

	put(e, LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_8, IP_OFF(daddr)));
	next_if(e, JMP32_IMM(BPF_JNE, BPF_REG_2, (int32_t)e->host.s_addr, 0));
	put(e, AND64_IMM(BPF_REG_1, htons(0x1fff)));
	later = e->n;
	put(e, JMP_IMM(BPF_JNE, BPF_REG_1, 0, 0));
	emit_first(e, resume);
	tc_bpf_jump_to(e->p, later, e->n);
	emit_later(e);
}

/* The program's head: r6 = skb, r8 = the frame (direct packet access),
 * the IPv4 header in the linear data; fragments jump to *frag. */
static void emit_head(struct fe *e, int *frag)
{
	put(e, MOV64_REG(BPF_REG_6, BPF_REG_1));
	put(e, LDX_MEM(BPF_W, BPF_REG_8, BPF_REG_6, offsetof(struct __sk_buff, data)));
	put(e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, data_end)));
	put(e, MOV64_REG(BPF_REG_2, BPF_REG_8));
	put(e, ADD64_IMM(BPF_REG_2, ETH_HLEN + (int)sizeof(struct iphdr)));
	next_if(e, JMP_REG(BPF_JGT, BPF_REG_2, BPF_REG_1, 0));
	put(e, LDX_MEM(BPF_H, BPF_REG_1, BPF_REG_8, IP_OFF(frag_off)));
	if (e->frags < 0) {	/* a fragment after the first has no ports */
		put(e, AND64_IMM(BPF_REG_1, htons(0x1fff)));
		next_if(e, JMP_IMM(BPF_JNE, BPF_REG_1, 0, 0));
		*frag = -1;
	} else {
		put(e, AND64_IMM(BPF_REG_1, htons(0x3fff)));	/* MF, offset */
		*frag = e->n;
		put(e, JMP_IMM(BPF_JNE, BPF_REG_1, 0, 0));
	}
}

/* The program on eth0: the destination port of TCP and UDP to the host IP
 * in the port map, the source's class (by the accounting trie, when there
 * is one) in cb[0], then on to the container's own program (a tail call,
 * which does not come back); with a guard, ICMP (emit_icmp) and fragments
 * (emit_frag) likewise. A slot with no program sends the packet to the
 * container's host veth (DEV_AT); anything else goes on to the next
 * filter. r6 = skb, r8 = the frame, r9 = the slot. */
int tc_fast_emit(struct bpf_insn *p, const struct tc_fast *f, int trie_fd,
		 struct in_addr host, const struct tc_guard *g, int frags)
{
	struct fe e = { .p = p, .host = host, .g = g, .frags = frags };
	int frag, resume, icmp = -1, to_class;

	emit_head(&e, &frag);
	resume = e.n;
	put(&e, LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_8, IP_OFF(protocol)));
	if (g) {
		icmp = e.n;
		put(&e, JMP_IMM(BPF_JEQ, BPF_REG_1, IPPROTO_ICMP, 0));
	}
	put(&e, JMP_IMM(BPF_JEQ, BPF_REG_1, IPPROTO_TCP, 1));
	next_if(&e, JMP_IMM(BPF_JNE, BPF_REG_1, IPPROTO_UDP, 0));
	put(&e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_8, IP_OFF(daddr)));
	next_if(&e, JMP32_IMM(BPF_JNE, BPF_REG_1, (int32_t)host.s_addr, 0));
	emit_l4_port(&e, BPF_REG_8, ETH_HLEN, 2);		/* dport */
	lookup(&e, f->ports, PORT_AT);
	put(&e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, 0));	/* ifindex */
	next_if(&e, JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 0));
	put(&e, STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, DEV_AT));
	put(&e, LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_0, 4));	/* slot */
	to_class = e.n;
	if (trie_fd >= 0) {
		put(&e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_8, IP_OFF(saddr)));
		put(&e, STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, -4));
		e.n += tc_acct_emit_class(p + e.n, trie_fd);
	} else {
		put(&e, MOV64_IMM(BPF_REG_7, 0));
	}
	put(&e, STX_MEM(BPF_W, BPF_REG_6, BPF_REG_7, CB0));
	put(&e, MOV64_REG(BPF_REG_1, BPF_REG_6));
	ld_map(&e, BPF_REG_2, f->progs);
	put(&e, MOV64_REG(BPF_REG_3, BPF_REG_9));
	put(&e, CALL(BPF_FUNC_tail_call));
	/* No program in the slot: the container takes the host veth. */
	put(&e, LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_10, DEV_AT));
	next_if(&e, JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 0));
	put(&e, MOV64_IMM(BPF_REG_2, 0));
	put(&e, CALL(BPF_FUNC_redirect));
	put(&e, EXIT_INSN());
	if (g) {	/* (each branch ends in a jump or an exit) */
		tc_bpf_jump_to(p, icmp, e.n);
		emit_icmp(&e, to_class);
		if (frag >= 0) {
			tc_bpf_jump_to(p, frag, e.n);
			emit_frag(&e, resume);
		}
	}
	while (e.nn--)
		tc_bpf_jump_to(p, e.next[e.nn], e.n);
	/* TC_ACT_UNSPEC: the filters at higher prio numbers still run. */
	put(&e, MOV64_IMM(BPF_REG_0, TC_ACT_UNSPEC));
	put(&e, EXIT_INSN());
	return e.n;
}
