/* fastpath.c - the fast path's maps and program (fastpath.h), emitted by
 * hand over bpfsys.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>

#include "tc/bpf.h"
#include "tc/bpfsys.h"
#include "tc/fastpath.h"

#define FAST_NAME	"netisol_fast"
#define FAST_CT_NAME	"netisol_fast_ct"
#define FAST_INSNS_MAX	160

struct fast_dest {
	uint32_t ifindex, slot;
};

static int make_progs(struct tc_fast *f, struct nis_err *err)
{
	f->progs = tc_bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, sizeof(uint32_t), sizeof(uint32_t),
				     TC_FAST_SLOTS, 0, "nis_fast_progs");
	if (f->progs < 0)
		return tc_bpf_fail(err, -errno, "cannot create the fast path's program array");
	return 0;
}

static int make_maps(struct tc_fast *f, struct nis_err *err)
{
	int rc;

	f->ports = f->progs = -1;
	if ((rc = make_progs(f, err)))
		return rc;
	f->ports = tc_bpf_map_create(BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
				     sizeof(struct fast_dest), TC_FAST_PORTS, 0, "nis_fast_ports");
	if (f->ports < 0) {
		rc = tc_bpf_fail(err, -errno, "cannot create the fast path's port map");
		tc_fast_close(f);
		return rc;
	}
	return 0;
}

int tc_fast_new(struct tc_fast *f, struct nis_err *err)
{
	return make_maps(f, err);
}

int tc_fast_find(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		 struct tc_fast *f, struct nis_err *err)
{
	int prog = tc_bpf_find_prog(sk, ifindex, parent, prio, FAST_NAME, err);

	f->ports = f->progs = -1;
	if (prog < 0)
		return prog;
	f->ports = tc_bpf_prog_map(prog, BPF_MAP_TYPE_ARRAY, sizeof(struct fast_dest),
				   TC_FAST_PORTS, NULL, err);
	if (f->ports >= 0)
		f->progs = tc_bpf_prog_map(prog, BPF_MAP_TYPE_PROG_ARRAY, sizeof(uint32_t),
					   TC_FAST_SLOTS, NULL, err);
	close(prog);
	if (f->progs < 0) {
		int rc = f->ports < 0 ? f->ports : f->progs;
		tc_fast_close(f);
		return rc == -ENOENT ? -EIO : rc;	/* a filter, but not ours to use */
	}
	return 0;
}

void tc_fast_close(struct tc_fast *f)
{
	if (f->ports >= 0)
		close(f->ports);
	if (f->progs >= 0)
		close(f->progs);
	f->ports = f->progs = -1;
}

/* The IPv4 header's fields, from the Ethernet header. */
#define IP_OFF(field)	(ETH_HLEN + (int)offsetof(struct iphdr, field))
#define CB0		((int)offsetof(struct __sk_buff, cb[0]))

/* The 16-bit port at port_off in the L4 header after the IPv4 header at
 * ip_off from the frame pointer in base (its options skipped: IHL words, 5
 * at least), host order, at fp-16; r2 = base + the IHL bytes. A header
 * past the linear data jumps away (next[], counted from here + at). */
static int emit_l4_port(struct bpf_insn *p, int base, int ip_off, int port_off, int *next,
			int *nn, int at)
{
	int n = 0;

	p[n++] = LDX_MEM(BPF_B, BPF_REG_4, base, ip_off);
	p[n++] = AND64_IMM(BPF_REG_4, 0x0f);
	p[n++] = LSH64_IMM(BPF_REG_4, 2);
	next[(*nn)++] = at + n;
	p[n++] = JMP_IMM(BPF_JLT, BPF_REG_4, sizeof(struct iphdr), 0);
	if (base != BPF_REG_2)
		p[n++] = MOV64_REG(BPF_REG_2, base);
	p[n++] = ADD64_REG(BPF_REG_2, BPF_REG_4);
	p[n++] = LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, data_end));
	p[n++] = MOV64_REG(BPF_REG_3, BPF_REG_2);
	p[n++] = ADD64_IMM(BPF_REG_3, ip_off + port_off + 2);
	next[(*nn)++] = at + n;
	p[n++] = JMP_REG(BPF_JGT, BPF_REG_3, BPF_REG_1, 0);
	p[n++] = LDX_MEM(BPF_H, BPF_REG_1, BPF_REG_2, ip_off + port_off);
	p[n++] = TO_BE16(BPF_REG_1);				/* ntohs */
	p[n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, -16);
	return n;
}

/* The program's head: r8 = the frame (direct packet access), and the
 * destination port of TCP or UDP to host_ip at fp-16; ICMP jumps to
 * *icmp (when icmp is not NULL) with r8 set; anything else, and a header
 * not in the linear data, jumps away (next[] is filled in). */
static int emit_port(struct bpf_insn *p, struct in_addr host_ip, int *next, int *nn, int *icmp)
{
	int n = 0;

	p[n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);
	p[n++] = LDX_MEM(BPF_W, BPF_REG_8, BPF_REG_6, offsetof(struct __sk_buff, data));
	p[n++] = LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, data_end));
	p[n++] = MOV64_REG(BPF_REG_2, BPF_REG_8);
	p[n++] = ADD64_IMM(BPF_REG_2, ETH_HLEN + (int)sizeof(struct iphdr));
	next[(*nn)++] = n;
	p[n++] = JMP_REG(BPF_JGT, BPF_REG_2, BPF_REG_1, 0);
	/* A fragment after the first has no ports. */
	p[n++] = LDX_MEM(BPF_H, BPF_REG_1, BPF_REG_8, IP_OFF(frag_off));
	p[n++] = AND64_IMM(BPF_REG_1, htons(0x1fff));
	next[(*nn)++] = n;
	p[n++] = JMP_IMM(BPF_JNE, BPF_REG_1, 0, 0);
	p[n++] = LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_8, IP_OFF(protocol));
	if (icmp) {
		*icmp = n;
		p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_1, IPPROTO_ICMP, 0);
	}
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_1, IPPROTO_TCP, 1);
	next[(*nn)++] = n;
	p[n++] = JMP_IMM(BPF_JNE, BPF_REG_1, IPPROTO_UDP, 0);
	p[n++] = LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_8, IP_OFF(daddr));
	next[(*nn)++] = n;
	p[n++] = JMP32_IMM(BPF_JNE, BPF_REG_1, (int32_t)host_ip.s_addr, 0);
	return n + emit_l4_port(p + n, BPF_REG_8, ETH_HLEN, 2, next, nn, n);	/* dport */
}

/* An ICMP error to host_ip (r8 = the frame) about a TCP or UDP packet the
 * host IP sent: r9 = the slot owning the quoted source port (the owners
 * array), so the error reaches that container alone; anything else jumps
 * away (next[]). The IP headers' options are skipped by their IHL. */
static int emit_icmp_error(struct bpf_insn *p, struct in_addr host_ip, int owners, int *next,
			   int *nn)
{
	const int q = ETH_HLEN + 8;	/* the quoted IP header, from r2 */
	int n = 0;

	p[n++] = LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_8, IP_OFF(daddr));
	next[(*nn)++] = n;
	p[n++] = JMP32_IMM(BPF_JNE, BPF_REG_1, (int32_t)host_ip.s_addr, 0);
	p[n++] = LDX_MEM(BPF_B, BPF_REG_2, BPF_REG_8, ETH_HLEN);
	p[n++] = AND64_IMM(BPF_REG_2, 0x0f);
	p[n++] = LSH64_IMM(BPF_REG_2, 2);
	p[n++] = ADD64_REG(BPF_REG_2, BPF_REG_8);		/* r2 + ETH_HLEN: ICMP */
	p[n++] = LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6, offsetof(struct __sk_buff, data_end));
	p[n++] = MOV64_REG(BPF_REG_3, BPF_REG_2);
	p[n++] = ADD64_IMM(BPF_REG_3, q + (int)sizeof(struct iphdr));
	next[(*nn)++] = n;
	p[n++] = JMP_REG(BPF_JGT, BPF_REG_3, BPF_REG_1, 0);
	p[n++] = LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_2, ETH_HLEN);	/* type */
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_1, 3, 2);		/* unreachable */
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_1, 11, 1);		/* time exceeded */
	next[(*nn)++] = n;
	p[n++] = JMP_IMM(BPF_JNE, BPF_REG_1, 12, 0);		/* parameter problem */
	p[n++] = LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_2, q + (int)offsetof(struct iphdr, saddr));
	next[(*nn)++] = n;
	p[n++] = JMP32_IMM(BPF_JNE, BPF_REG_1, (int32_t)host_ip.s_addr, 0);
	p[n++] = LDX_MEM(BPF_B, BPF_REG_1, BPF_REG_2, q + (int)offsetof(struct iphdr, protocol));
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_1, IPPROTO_TCP, 1);
	next[(*nn)++] = n;
	p[n++] = JMP_IMM(BPF_JNE, BPF_REG_1, IPPROTO_UDP, 0);
	n += emit_l4_port(p + n, BPF_REG_2, q, 0, next, nn, n);	/* its source port */
	n += tc_bpf_ld_map_fd(p + n, BPF_REG_1, owners);
	p[n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	p[n++] = ADD64_IMM(BPF_REG_2, -16);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	next[(*nn)++] = n;
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0);
	p[n++] = LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_0, 0);
	next[(*nn)++] = n;
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_9, 0, 0);
	return n;
}

/* The program on eth0: the port (emit_port) in the port map, the source's
 * class (by the accounting trie, when there is one) in cb[0], then on to
 * the container's own program (a tail call, which does not come back);
 * an ICMP error about a container's flow (emit_icmp_error, with the owners
 * array) likewise; anything else, and a slot with no program, goes on to
 * the next filter. r6 = skb, r8 = the frame, r9 = the slot. */
static int emit(struct bpf_insn *p, const struct tc_fast *f, int trie_fd,
		struct in_addr host_ip, int owners)
{
	int next[24], nn = 0, icmp, to_class, back, n;

	n = emit_port(p, host_ip, next, &nn, owners >= 0 ? &icmp : NULL);

	n += tc_bpf_ld_map_fd(p + n, BPF_REG_1, f->ports);
	p[n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	p[n++] = ADD64_IMM(BPF_REG_2, -16);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	next[nn++] = n;
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0);
	p[n++] = LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_0, 0);	/* ifindex */
	next[nn++] = n;
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 0);
	p[n++] = LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_0, 4);	/* slot */
	to_class = n;
	if (trie_fd >= 0) {
		p[n++] = LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_8, IP_OFF(saddr));
		p[n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, -4);
		n += tc_acct_emit_class(p + n, trie_fd);
	} else {
		p[n++] = MOV64_IMM(BPF_REG_7, 0);
	}
	p[n++] = STX_MEM(BPF_W, BPF_REG_6, BPF_REG_7, CB0);
	p[n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
	n += tc_bpf_ld_map_fd(p + n, BPF_REG_2, f->progs);
	p[n++] = MOV64_REG(BPF_REG_3, BPF_REG_9);
	p[n++] = CALL(BPF_FUNC_tail_call);
	if (owners >= 0) {
		int first = nn, base;

		back = n;
		p[n++] = JMP_IMM(BPF_JA, 0, 0, 0);		/* past the ICMP branch */
		tc_bpf_jump_to(p, icmp, n);
		base = n;
		n += emit_icmp_error(p + n, host_ip, owners, next, &nn);
		for (int i = first; i < nn; i++)	/* counted from its own start */
			next[i] += base;
		p[n] = JMP_IMM(BPF_JA, 0, 0, to_class - n - 1);	/* on, with r9 */
		n++;
		tc_bpf_jump_to(p, back, n);
	}
	while (nn--)
		tc_bpf_jump_to(p, next[nn], n);
	/* TC_ACT_UNSPEC: the filters at higher prio numbers still run. */
	p[n++] = MOV64_IMM(BPF_REG_0, TC_ACT_UNSPEC);
	p[n++] = EXIT_INSN();
	return n;
}

int tc_fast_prog_load(const struct tc_fast *f, int trie_fd, struct in_addr host_ip,
		      int owners, struct nis_err *err)
{
	struct bpf_insn insns[FAST_INSNS_MAX];

	return tc_bpf_prog_load(insns, emit(insns, f, trie_fd, host_ip, owners), FAST_NAME,
				"fast path", err);
}

/* A container's own program: its RX counter for the class in cb[0] (when
 * it counts), as the counting program on its host veth would, then
 * straight into its eth0. */
static int load_ct(int ifindex, int counters_fd, struct nis_err *err)
{
	struct bpf_insn p[TC_ACCT_EMIT_INSNS + 8];
	int n = 0;

	p[n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);
	if (counters_fd >= 0) {
		p[n++] = LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_6, CB0);
		p[n++] = JMP_IMM(BPF_JLT, BPF_REG_7, TC_ACCT_CLASSES, 1);
		p[n++] = MOV64_IMM(BPF_REG_7, 0);
		n += tc_acct_emit_add(p + n, counters_fd, TC_ACCT_RX);
	}
	p[n++] = MOV64_IMM(BPF_REG_1, ifindex);
	p[n++] = MOV64_IMM(BPF_REG_2, 0);
	p[n++] = CALL(BPF_FUNC_redirect_peer);
	p[n++] = EXIT_INSN();
	return tc_bpf_prog_load(p, n, FAST_CT_NAME, "fast path's container", err);
}

int tc_fast_set_ct(const struct tc_fast *f, uint32_t slot, int ifindex, int counters_fd,
		   struct nis_err *err)
{
	int prog, rc = 0;

	if (slot >= TC_FAST_SLOTS)
		return nis_err_set(err, -ERANGE, "slot %u is past the fast path's %u", slot,
				   TC_FAST_SLOTS);
	if ((prog = load_ct(ifindex, counters_fd, err)) < 0)
		return prog;
	if (tc_bpf_map_elem(BPF_MAP_UPDATE_ELEM, f->progs, &slot, &prog, BPF_ANY) < 0)
		rc = tc_bpf_fail(err, -errno, "cannot set the container's fast path program");
	close(prog);
	return rc;
}

void tc_fast_clear_ct(const struct tc_fast *f, uint32_t slot)
{
	if (slot < TC_FAST_SLOTS)
		tc_bpf_map_elem(BPF_MAP_DELETE_ELEM, f->progs, &slot, NULL, 0);
}

int tc_fast_attach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		   const struct tc_fast *f, int trie_fd, struct in_addr host_ip, int owners,
		   struct nis_err *err)
{
	int prog = tc_fast_prog_load(f, trie_fd, host_ip, owners, err), rc;

	if (prog < 0)
		return prog;
	rc = tc_bpf_attach(sk, ifindex, parent, prio, ETH_P_IP, FAST_NAME, prog, true, err);
	close(prog);
	return rc;
}

int tc_fast_detach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		   struct nis_err *err)
{
	return tc_bpf_detach(sk, ifindex, parent, prio, ETH_P_IP, err);
}

int tc_fast_set_ports(const struct tc_fast *f, uint16_t first, uint32_t n, int ifindex,
		      uint32_t slot, struct nis_err *err)
{
	const struct fast_dest d = { ifindex > 0 ? (uint32_t)ifindex : 0, ifindex > 0 ? slot : 0 };
	int rc = tc_bpf_array_fill(f->ports, first, n, &d, sizeof(d));

	return rc ? tc_bpf_fail(err, rc, "cannot update the fast path's ports") : 0;
}

int tc_fast_sweep(const struct tc_fast *f, bool (*want)(uint16_t port, int ifindex, void *arg),
		  void *arg, struct nis_err *err)
{
	static const struct fast_dest none = { 0, 0 };
	struct fast_dest *d = calloc(TC_FAST_PORTS, sizeof(*d));
	int rc;

	if (!d)
		return nis_err_set(err, -ENOMEM, "out of memory");
	if ((rc = tc_bpf_array_read(f->ports, TC_FAST_PORTS, d, sizeof(*d))))
		rc = tc_bpf_fail(err, rc, "cannot read the fast path's ports");
	for (uint32_t port = 0; !rc && port < TC_FAST_PORTS; port++)
		if (d[port].ifindex && !want((uint16_t)port, (int)d[port].ifindex, arg) &&
		    tc_bpf_map_elem(BPF_MAP_UPDATE_ELEM, f->ports, &port, &none, BPF_ANY) < 0)
			rc = tc_bpf_fail(err, -errno, "cannot update the fast path's ports");
	free(d);
	return rc;
}

bool tc_fast_supported(struct nis_err *err)
{
	struct in_addr any = { 0 };
	int trie = -1, counters = -1, prog = -1, ct = -1;
	struct tc_fast f;

	if (make_maps(&f, err))
		return false;
	if ((trie = tc_acct_trie_create(err)) >= 0 &&
	    (prog = tc_fast_prog_load(&f, trie, any, -1, err)) >= 0 &&
	    (counters = tc_acct_counters_create(err)) >= 0)
		ct = load_ct(1, counters, err);
	int fds[] = { trie, counters, prog, ct };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	tc_fast_close(&f);
	return ct >= 0;
}
