/* police.c - the egress meter (police.h), emitted by hand over bpfsys.c. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "tc/bpfsys.h"
#include "tc/police.h"

#define KEY_AT	(-132)		/* the slot, the array's key */
#define NOW_AT	(-144)		/* now, ns */
#define PTR_AT	(-152)		/* the meter, over a call */
#define SHIFT	20		/* k = ns per byte << SHIFT */
#define SEG_HDR	66		/* wire headers per GSO segment: Ethernet, IPv4, TCP + timestamps */
#define MUL64_REG(d, s)	INSN(BPF_ALU64 | BPF_MUL | BPF_X, d, s, 0, 0)
#define MUL64_IMM(d, k)	INSN(BPF_ALU64 | BPF_MUL | BPF_K, d, 0, 0, k)
#define ATOMIC(d, s, o, op) INSN(BPF_STX | BPF_ATOMIC | BPF_DW, d, s, o, op)
#define JA(o)	INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)

struct meter {
	uint64_t tat;		/* the container's time: when its bucket is full again */
	uint64_t k;		/* ns a byte costs, << SHIFT; 0: unlimited */
	uint64_t tol;		/* how far its time may run ahead of now, ns */
	uint64_t dropped;	/* bytes */
	uint64_t dropped_packets;
};

int tc_police_create(struct nis_err *err)
{
	int fd = tc_bpf_map_create(BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(struct meter),
				   TC_POLICE_SLOTS, 0, "nis_police");

	return fd < 0 ? tc_bpf_fail(err, -errno, "cannot create the egress meters") : fd;
}

int tc_police_set(int police, uint32_t slot, uint64_t rate, uint64_t burst,
		  struct nis_err *err)
{
	struct meter m = { 0 }, was = { 0 };

	if (slot >= TC_POLICE_SLOTS)
		return nis_err_set(err, -ERANGE, "slot %u is past the meters' %u", slot,
				   TC_POLICE_SLOTS);
	/* A new cap keeps the drops of the old one (a counter); unlimited
	 * (the slot freed) starts them afresh. */
	if (rate && !tc_bpf_map_elem(BPF_MAP_LOOKUP_ELEM, police, &slot, &was, 0))
		m.dropped = was.dropped, m.dropped_packets = was.dropped_packets;
	if (rate) {
		m.k = ((uint64_t)1000000000 << SHIFT) / rate;
		m.k += !m.k;
		m.tol = (uint64_t)((double)burst * 1e9 / (double)rate);
	}
	if (tc_bpf_map_elem(BPF_MAP_UPDATE_ELEM, police, &slot, &m, BPF_ANY) < 0)
		return tc_bpf_fail(err, -errno, "cannot set the egress meter");
	return 0;
}

void tc_police_dropped(int police, uint32_t slot, uint64_t *bytes, uint64_t *packets)
{
	struct meter m = { 0 };

	if (police >= 0)
		tc_bpf_map_elem(BPF_MAP_LOOKUP_ELEM, police, &slot, &m, 0);
	*bytes = m.dropped, *packets = m.dropped_packets;
}

/* key: the instruction that puts the slot at KEY_AT. */
static int emit(struct bpf_insn *p, int police, struct bpf_insn key, int *drop_jump)
{
	int n = 0, pass[4], np = 0, busy[2], nb = 0, single, over;

	/* An uncapped container pays the lookup alone (an array: inlined). */
	p[n++] = key;
	n += tc_bpf_ld_map_fd(p + n, BPF_REG_1, police);
	p[n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	p[n++] = ADD64_IMM(BPF_REG_2, KEY_AT);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	pass[np++] = n;
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0);
	p[n++] = LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_0, offsetof(struct meter, k));
	pass[np++] = n;
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 0);		/* unlimited */
	p[n++] = STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, PTR_AT);	/* over the call */
	p[n++] = CALL(BPF_FUNC_ktime_get_ns);
	p[n++] = STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, NOW_AT);
	p[n++] = LDX_MEM(BPF_DW, BPF_REG_5, BPF_REG_10, PTR_AT);
	p[n++] = LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_5, offsetof(struct meter, k));
	/* r2 = the cost: wire bytes (a header per GSO segment) * k >> SHIFT */
	p[n++] = LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, len));
	p[n++] = LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_6, offsetof(struct __sk_buff, gso_segs));
	single = n;
	p[n++] = JMP_IMM(BPF_JLE, BPF_REG_3, 1, 0);
	p[n++] = ADD64_IMM(BPF_REG_3, -1);
	p[n++] = MUL64_IMM(BPF_REG_3, SEG_HDR);
	p[n++] = ADD64_REG(BPF_REG_2, BPF_REG_3);
	tc_bpf_jump_to(p, single, n);
	p[n++] = MUL64_REG(BPF_REG_2, BPF_REG_1);
	p[n++] = RSH64_IMM(BPF_REG_2, SHIFT);
	p[n++] = LDX_MEM(BPF_DW, BPF_REG_4, BPF_REG_10, NOW_AT);
	p[n++] = LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_5, offsetof(struct meter, tat));
	busy[nb++] = n;
	p[n++] = JMP_REG(BPF_JGT, BPF_REG_3, BPF_REG_4, 0);
	/* Idle (its time is past): from now on, if nobody moved it meanwhile. */
	p[n++] = MOV64_REG(BPF_REG_0, BPF_REG_3);
	p[n++] = MOV64_REG(BPF_REG_1, BPF_REG_4);
	p[n++] = ADD64_REG(BPF_REG_1, BPF_REG_2);
	p[n++] = ATOMIC(BPF_REG_5, BPF_REG_1, offsetof(struct meter, tat), BPF_CMPXCHG);
	pass[np++] = n;
	p[n++] = JMP_REG(BPF_JEQ, BPF_REG_0, BPF_REG_3, 0);
	p[n++] = MOV64_REG(BPF_REG_3, BPF_REG_0);		/* moved: as it is now */
	/* Busy: too far ahead of now, dropped (its time left alone, so a
	 * drop never makes others drop); else its time moves on by the cost
	 * (two CPUs passing together overshoot by a frame at most). */
	for (int i = 0; i < nb; i++)
		tc_bpf_jump_to(p, busy[i], n);
	p[n++] = SUB64_REG(BPF_REG_3, BPF_REG_4);		/* ahead of now by */
	p[n++] = LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_5, offsetof(struct meter, tol));
	over = n;
	p[n++] = JMP_REG(BPF_JSGT, BPF_REG_3, BPF_REG_1, 0);
	p[n++] = ATOMIC(BPF_REG_5, BPF_REG_2, offsetof(struct meter, tat), BPF_ADD);
	pass[np++] = n;
	p[n++] = JA(0);
	tc_bpf_jump_to(p, over, n);
	p[n++] = LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, len));
	p[n++] = ATOMIC(BPF_REG_5, BPF_REG_2, offsetof(struct meter, dropped), BPF_ADD);
	p[n++] = MOV64_IMM(BPF_REG_2, 1);
	p[n++] = ATOMIC(BPF_REG_5, BPF_REG_2, offsetof(struct meter, dropped_packets), BPF_ADD);
	*drop_jump = n;
	p[n++] = JA(0);
	for (int i = 0; i < np; i++)
		tc_bpf_jump_to(p, pass[i], n);
	return n;
}

int tc_police_emit(struct bpf_insn *p, int police, uint32_t slot, int *drop_jump)
{
	return emit(p, police, ST_MEM(BPF_W, BPF_REG_10, KEY_AT, (int32_t)slot), drop_jump);
}

int tc_police_emit_reg(struct bpf_insn *p, int police, int slot_reg, int *drop_jump)
{
	return emit(p, police, STX_MEM(BPF_W, BPF_REG_10, slot_reg, KEY_AT), drop_jump);
}

bool tc_police_supported(struct nis_err *err)
{
	struct bpf_insn p[TC_POLICE_INSNS + 8];
	int police = tc_police_create(err), n = 0, drop, prog;

	if (police < 0)
		return false;
	p[n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);
	n += tc_police_emit(p + n, police, 1, &drop);
	drop += 1;
	p[n++] = MOV64_IMM(BPF_REG_0, TC_ACT_UNSPEC);
	p[n++] = EXIT_INSN();
	tc_bpf_jump_to(p, drop, n);
	p[n++] = MOV64_IMM(BPF_REG_0, TC_ACT_SHOT);
	p[n++] = EXIT_INSN();
	prog = tc_bpf_prog_load(p, n, "nis_police", "egress meter", err);
	close(police);
	if (prog < 0)
		return false;
	close(prog);
	return true;
}
