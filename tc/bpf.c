/* bpf.c - the accounting maps and program (through bpfsys.c's raw bpf(2))
 * and its direct-action cls_bpf filter. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

#include "tc/bpf.h"
#include "tc/bpfsys.h"
#include "tc/qdisc.h"

#define ACCT_NAME	"netisol_acct"	/* the program's and the filter's name */
#define ACCT_SLOTS	(2 * TC_ACCT_CLASSES)
/* Room for a reload: the new prefixes go in before the old ones leave. */
#define ACCT_TRIE_MAX	(2 * 16384 + 2)
#define ACCT_INSNS_MAX	(64 + TC_GUARD_INSNS)

/* The per-CPU value is copied out 8-byte aligned: 16 bytes, no padding. */
_Static_assert(sizeof(struct tc_acct_count) == 16, "per-CPU value size");

struct acct_key {
	uint32_t prefixlen;
	uint32_t addr;		/* network order */
};

int tc_acct_trie_create(struct nis_err *err)
{
	/* An LPM trie must be created without preallocation. */
	int fd = tc_bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, sizeof(struct acct_key),
				   sizeof(uint32_t), ACCT_TRIE_MAX, BPF_F_NO_PREALLOC,
				   "nis_acct_trie");

	return fd < 0 ? tc_bpf_fail(err, -errno, "cannot create the accounting trie") : fd;
}

int tc_acct_counters_create(struct nis_err *err)
{
	int fd = tc_bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t),
				   sizeof(struct tc_acct_count), ACCT_SLOTS, 0, "nis_acct_cnt");

	return fd < 0 ? tc_bpf_fail(err, -errno, "cannot create the accounting counters") : fd;
}

static int trie_key(struct in_addr net, unsigned prefixlen, struct acct_key *k,
		    struct nis_err *err)
{
	char ip[INET_ADDRSTRLEN];

	if (prefixlen > 32) {
		inet_ntop(AF_INET, &net, ip, sizeof(ip));
		return nis_err_set(err, -EINVAL, "bad prefix length %u for %s (0..32)",
				   prefixlen, ip);
	}
	k->prefixlen = prefixlen;
	k->addr = prefixlen ? net.s_addr & htonl(~0u << (32 - prefixlen)) : 0;
	return 0;
}

int tc_acct_trie_set(int trie_fd, struct in_addr net, unsigned prefixlen, uint32_t ci,
		     struct nis_err *err)
{
	struct acct_key k;
	char ip[INET_ADDRSTRLEN];
	int rc;

	if (ci >= TC_ACCT_CLASSES)
		return nis_err_set(err, -EINVAL, "bad class index %u (0..%d)", ci,
				   TC_ACCT_CLASSES - 1);
	if ((rc = trie_key(net, prefixlen, &k, err)))
		return rc;
	if (tc_bpf_map_elem(BPF_MAP_UPDATE_ELEM, trie_fd, &k, &ci, BPF_ANY) < 0) {
		rc = tc_bpf_fail(err, -errno, "cannot set the class");
		inet_ntop(AF_INET, &k.addr, ip, sizeof(ip));
		return nis_err_prefix(err, rc, "%s/%u -> %u", ip, prefixlen, ci);
	}
	return 0;
}

int tc_acct_trie_del(int trie_fd, struct in_addr net, unsigned prefixlen,
		     struct nis_err *err)
{
	struct acct_key k;
	char ip[INET_ADDRSTRLEN];
	int rc;

	if ((rc = trie_key(net, prefixlen, &k, err)))
		return rc;
	if (tc_bpf_map_elem(BPF_MAP_DELETE_ELEM, trie_fd, &k, NULL, 0) < 0) {
		rc = tc_bpf_fail(err, -errno, "cannot delete the class");
		inet_ntop(AF_INET, &k.addr, ip, sizeof(ip));
		return nis_err_prefix(err, rc, "%s/%u", ip, prefixlen);
	}
	return 0;
}

/* Counts a CPU list such as "0-3" or "0,2-5"; -1 if it is not one. */
static int cpu_list_count(const char *s)
{
	int n = 0;

	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s || a < 0)
			return -1;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
			if (end == s || b < a)
				return -1;
		}
		n += (int)(b - a + 1);
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -1;
	}
	return n;
}

/* Per-CPU maps have a slot for every possible CPU (hot-pluggable ones
 * too, not only the online ones); the list does not change while we run. */
static int possible_cpus(struct nis_err *err)
{
	static const char path[] = "/sys/devices/system/cpu/possible";
	static int cached;
	char buf[1024];
	int n = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	FILE *f;

	if (n > 0)
		return n;
	if (!(f = fopen(path, "re")))
		return nis_err_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	if ((n = cpu_list_count(buf)) <= 0)
		return nis_err_set(err, -EINVAL, "cannot parse %s: '%.64s'", path, buf);
	__atomic_store_n(&cached, n, __ATOMIC_RELAXED);
	return n;
}

int tc_acct_counters_read(int counters_fd, struct tc_acct_count out[2][TC_ACCT_CLASSES],
			  struct nis_err *err)
{
	int ncpu = possible_cpus(err), rc;
	struct tc_acct_count *vals;

	if (ncpu < 0)
		return ncpu;
	if (!(vals = calloc((size_t)ncpu * ACCT_SLOTS, sizeof(*vals))))
		return nis_err_set(err, -ENOMEM, "out of memory for %d CPUs' counters", ncpu);
	if ((rc = tc_bpf_array_read(counters_fd, ACCT_SLOTS, vals, sizeof(*vals) * ncpu))) {
		free(vals);
		return tc_bpf_fail(err, rc, "cannot read the accounting counters");
	}
	memset(out, 0, 2 * sizeof(out[0]));
	for (uint32_t i = 0; i < ACCT_SLOTS; i++) {
		struct tc_acct_count *o = &out[i / TC_ACCT_CLASSES][i % TC_ACCT_CLASSES];
		struct tc_acct_count *v = vals + (size_t)i * ncpu;

		for (int c = 0; c < ncpu; c++) {
			o->bytes += v[c].bytes;
			o->packets += v[c].packets;
		}
	}
	free(vals);
	return 0;
}

int tc_acct_emit_class(struct bpf_insn *p, int trie_fd)
{
	int n = 0, miss;

	p[n++] = MOV64_IMM(BPF_REG_7, 0);
	p[n++] = ST_MEM(BPF_W, BPF_REG_10, -8, 32);		/* key.prefixlen */
	n += tc_bpf_ld_map_fd(p + n, BPF_REG_1, trie_fd);
	p[n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	p[n++] = ADD64_IMM(BPF_REG_2, -8);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	miss = n;
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0);
	p[n++] = LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_0, 0);
	/* A class past the table would count into the other direction. */
	p[n++] = JMP_IMM(BPF_JLT, BPF_REG_7, TC_ACCT_CLASSES, 1);
	p[n++] = MOV64_IMM(BPF_REG_7, 0);
	tc_bpf_jump_to(p, miss, n);
	return n;
}

int tc_acct_emit_add(struct bpf_insn *p, int counters_fd, enum tc_acct_dir dir)
{
	int n = 0, no_slot;

	p[n++] = ADD64_IMM(BPF_REG_7, (int)dir * TC_ACCT_CLASSES);
	p[n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_7, -12);
	n += tc_bpf_ld_map_fd(p + n, BPF_REG_1, counters_fd);
	p[n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	p[n++] = ADD64_IMM(BPF_REG_2, -12);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	no_slot = n;
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0);
	/* This CPU's own slot, and tc runs with migration off: no atomics. */
	p[n++] = LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_0, 0);
	p[n++] = LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, len));
	p[n++] = ADD64_REG(BPF_REG_1, BPF_REG_2);
	p[n++] = STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 0);
	p[n++] = LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_0, 8);
	p[n++] = ADD64_IMM(BPF_REG_1, 1);
	p[n++] = STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 8);
	tc_bpf_jump_to(p, no_slot, n);
	return n;
}

/* The peer's address by skb_load_bytes (the veth sees every protocol),
 * its class, the add. r6 = skb. */
static int emit_count(struct bpf_insn *p, int trie_fd, int counters_fd, enum tc_acct_dir dir)
{
	/* The peer's address: RX counts by source, TX by destination. cls_bpf
	 * sees the frame from the Ethernet header at both clsact hooks. */
	int addr_off = ETH_HLEN + (dir == TC_ACCT_RX ? 12 : 16);
	int n = 0, not_ip, short_pkt;

	p[n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);		/* r6 = skb */
	p[n++] = MOV64_IMM(BPF_REG_7, 0);			/* r7 = class 0 */
	/* skb->protocol is the network-order EtherType in a u32. */
	p[n++] = LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, protocol));
	not_ip = n;
	p[n++] = JMP_IMM(BPF_JNE, BPF_REG_2, htons(ETH_P_IP), 0);
	p[n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
	p[n++] = MOV64_IMM(BPF_REG_2, addr_off);
	p[n++] = MOV64_REG(BPF_REG_3, BPF_REG_10);
	p[n++] = ADD64_IMM(BPF_REG_3, -4);			/* &key.addr */
	p[n++] = MOV64_IMM(BPF_REG_4, 4);
	p[n++] = CALL(BPF_FUNC_skb_load_bytes);
	short_pkt = n;
	p[n++] = JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0);
	n += tc_acct_emit_class(p + n, trie_fd);
	tc_bpf_jump_to(p, not_ip, n);
	tc_bpf_jump_to(p, short_pkt, n);
	return n + tc_acct_emit_add(p + n, counters_fd, dir);
}

/* The counting program for dir, behind the guard if there is one; returns
 * its length. */
static int acct_emit(struct bpf_insn *p, int trie_fd, int counters_fd, enum tc_acct_dir dir,
		     const struct tc_guard *guard, uint32_t owner, int frags)
{
	int n = guard ? tc_guard_emit(p, guard, owner, frags) : 0, none;

	n += emit_count(p + n, trie_fd, counters_fd, dir);
	if (guard) {	/* a later fragment the guard let through: it goes itself */
		none = n;
		p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_9, 0, 0);
		p[n++] = MOV64_REG(BPF_REG_1, BPF_REG_9);
		p[n++] = MOV64_IMM(BPF_REG_2, 0);
		p[n++] = CALL(BPF_FUNC_redirect);
		p[n++] = EXIT_INSN();
		tc_bpf_jump_to(p, none, n);
	}

	/* TC_ACT_UNSPEC: the filters at higher prio numbers still run. */
	p[n++] = MOV64_IMM(BPF_REG_0, TC_ACT_UNSPEC);
	p[n++] = EXIT_INSN();
	return n;
}

int tc_acct_prog_load(int trie_fd, int counters_fd, enum tc_acct_dir dir,
		      const struct tc_guard *guard, uint32_t owner, struct nis_err *err)
{
	struct bpf_insn insns[ACCT_INSNS_MAX];
	int frags = guard ? tc_guard_frags_create(err) : -1, n, prog;

	if (guard && frags < 0)
		return frags;
	n = acct_emit(insns, trie_fd, counters_fd, dir, guard, owner, frags);
	prog = tc_bpf_prog_load(insns, n, ACCT_NAME,
				dir == TC_ACCT_RX ? "RX counting" : "TX counting", err);
	if (frags >= 0)
		close(frags);
	return prog;
}

int tc_acct_attach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		   int prog_fd, bool replace, struct nis_err *err)
{
	return tc_bpf_attach(sk, ifindex, parent, prio, ETH_P_ALL, ACCT_NAME, prog_fd, replace,
			     err);
}

int tc_acct_detach(struct nl_sock *sk, int ifindex, uint16_t prio)
{
	const uint32_t parents[2] = { TC_CLSACT_INGRESS, TC_CLSACT_EGRESS };
	int fd, rc = 0;

	for (int i = 0; i < 2; i++) {
		if ((fd = tc_bpf_find_prog(sk, ifindex, parents[i], prio, ACCT_NAME, NULL)) < 0)
			continue;
		close(fd);
		if (!rc)
			rc = tc_bpf_detach(sk, ifindex, parents[i], prio, ETH_P_ALL, NULL);
	}
	return rc;
}

int tc_acct_map_id(int fd, uint32_t *id, struct nis_err *err)
{
	struct bpf_map_info info;
	int rc;

	memset(&info, 0, sizeof(info));
	if ((rc = tc_bpf_obj_info(fd, &info, sizeof(info))))
		return tc_bpf_fail(err, rc, "cannot get the map's id");
	*id = info.id;
	return 0;
}

int tc_acct_find_counters(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
			  uint32_t *map_id, struct nis_err *err)
{
	int prog = tc_bpf_find_prog(sk, ifindex, parent, prio, ACCT_NAME, err), fd;

	if (prog < 0)
		return prog;
	/* The one per-CPU array of our shape among its maps (the other is the
	 * trie). */
	fd = tc_bpf_prog_map(prog, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(struct tc_acct_count),
			     ACCT_SLOTS, NULL, map_id, err);
	close(prog);
	return fd;
}

bool tc_acct_supported(struct nis_err *err)
{
	int trie = tc_acct_trie_create(err), counters = -1, prog = -1;

	if (trie >= 0 && (counters = tc_acct_counters_create(err)) >= 0)
		prog = tc_acct_prog_load(trie, counters, TC_ACCT_TX, NULL, 0, err);
	if (prog >= 0)
		close(prog);
	if (counters >= 0)
		close(counters);
	if (trie >= 0)
		close(trie);
	return prog >= 0;
}
