/* bpf.c - the accounting maps and program through raw bpf(2), and its
 * cls_bpf filter through libnl (which has no cls_bpf module: the request is
 * built here, as tc_drop_add does). bpf(2) fds are always close-on-exec. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/classifier.h>

#include "tc/bpf.h"
#include "tc/nl.h"
#include "tc/u32.h"

#define ACCT_NAME	"netisol_acct"	/* the program's and the filter's name */
#define ACCT_HANDLE	1
#define ACCT_SLOTS	(2 * TC_ACCT_CLASSES)
/* Room for a reload: the new prefixes go in before the old ones leave. */
#define ACCT_TRIE_MAX	(2 * 16384 + 2)
#define ACCT_INSNS_MAX	64
#define ACCT_LOG_SIZE	65536
/* The kernel's own "not supported" (a map without batch ops); userspace's
 * errno.h does not name it. */
#define ENOTSUPP_KERNEL	524

/* The per-CPU value is copied out 8-byte aligned: 16 bytes, no padding. */
_Static_assert(sizeof(struct tc_acct_count) == 16, "per-CPU value size");

struct acct_key {
	uint32_t prefixlen;
	uint32_t addr;		/* network order */
};

static int sys_bpf(enum bpf_cmd cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Fills err with "what: strerror" and returns rc, a -errno. */
static int bpf_fail(struct nis_err *err, int rc, const char *what)
{
	return nis_err_set(err, rc, "%s: %s", what, strerror(-rc));
}

static int map_create(enum bpf_map_type type, uint32_t key_size, uint32_t value_size,
		      uint32_t max_entries, uint32_t flags, const char *name)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key_size;
	a.value_size = value_size;
	a.max_entries = max_entries;
	a.map_flags = flags;
	snprintf(a.map_name, sizeof(a.map_name), "%s", name);
	return sys_bpf(BPF_MAP_CREATE, &a);
}

int tc_acct_trie_create(struct nis_err *err)
{
	/* An LPM trie must be created without preallocation. */
	int fd = map_create(BPF_MAP_TYPE_LPM_TRIE, sizeof(struct acct_key), sizeof(uint32_t),
			    ACCT_TRIE_MAX, BPF_F_NO_PREALLOC, "nis_acct_trie");

	return fd < 0 ? bpf_fail(err, -errno, "cannot create the accounting trie") : fd;
}

int tc_acct_counters_create(struct nis_err *err)
{
	int fd = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t),
			    sizeof(struct tc_acct_count), ACCT_SLOTS, 0, "nis_acct_cnt");

	return fd < 0 ? bpf_fail(err, -errno, "cannot create the accounting counters") : fd;
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

static int map_elem(enum bpf_cmd cmd, int fd, const void *key, const void *value,
		    uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	a.flags = flags;
	return sys_bpf(cmd, &a);
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
	if (map_elem(BPF_MAP_UPDATE_ELEM, trie_fd, &k, &ci, BPF_ANY) < 0) {
		rc = bpf_fail(err, -errno, "cannot set the class");
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
	if (map_elem(BPF_MAP_DELETE_ELEM, trie_fd, &k, NULL, 0) < 0) {
		rc = bpf_fail(err, -errno, "cannot delete the class");
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

/* Every slot in one BPF_MAP_LOOKUP_BATCH (5.6+); *count slots came back. */
static int read_batch(int fd, uint32_t *keys, struct tc_acct_count *vals, uint32_t *count)
{
	union bpf_attr a;
	uint32_t next;

	memset(&a, 0, sizeof(a));
	a.batch.out_batch = (uintptr_t)&next;
	a.batch.keys = (uintptr_t)keys;
	a.batch.values = (uintptr_t)vals;
	a.batch.count = ACCT_SLOTS;
	a.batch.map_fd = (uint32_t)fd;
	/* ENOENT: the map ended before count was reached; count says how far. */
	if (sys_bpf(BPF_MAP_LOOKUP_BATCH, &a) < 0 && errno != ENOENT)
		return -errno;
	*count = a.batch.count;
	return 0;
}

static int read_each(int fd, uint32_t *keys, struct tc_acct_count *vals, int ncpu,
		     uint32_t *count)
{
	for (uint32_t k = 0; k < ACCT_SLOTS; k++) {
		keys[k] = k;
		if (map_elem(BPF_MAP_LOOKUP_ELEM, fd, &keys[k], vals + (size_t)k * ncpu, 0) < 0)
			return -errno;
	}
	*count = ACCT_SLOTS;
	return 0;
}

int tc_acct_counters_read(int counters_fd, struct tc_acct_count out[2][TC_ACCT_CLASSES],
			  struct nis_err *err)
{
	int ncpu = possible_cpus(err), rc;
	/* Zeroed like vals: valgrind cannot see bpf(2) write them (batch). */
	uint32_t keys[ACCT_SLOTS] = { 0 }, count = 0;
	struct tc_acct_count *vals;

	if (ncpu < 0)
		return ncpu;
	if (!(vals = calloc((size_t)ncpu * ACCT_SLOTS, sizeof(*vals))))
		return nis_err_set(err, -ENOMEM, "out of memory for %d CPUs' counters", ncpu);
	rc = read_batch(counters_fd, keys, vals, &count);
	if (rc == -EINVAL || rc == -ENOTSUPP_KERNEL || rc == -EOPNOTSUPP)
		rc = read_each(counters_fd, keys, vals, ncpu, &count);
	if (rc) {
		free(vals);
		return bpf_fail(err, rc, "cannot read the accounting counters");
	}
	memset(out, 0, 2 * sizeof(out[0]));
	for (uint32_t i = 0; i < count && i < ACCT_SLOTS; i++) {
		struct tc_acct_count *o, *v = vals + (size_t)i * ncpu;

		if (keys[i] >= ACCT_SLOTS)
			continue;
		o = &out[keys[i] / TC_ACCT_CLASSES][keys[i] % TC_ACCT_CLASSES];
		for (int c = 0; c < ncpu; c++) {
			o->bytes += v[c].bytes;
			o->packets += v[c].packets;
		}
	}
	free(vals);
	return 0;
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s)		INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, k)		INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ADD64_REG(d, s)		INSN(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define ADD64_IMM(d, k)		INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define LDX_MEM(sz, d, s, o)	INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX_MEM(sz, d, s, o)	INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST_MEM(sz, d, o, k)	INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, k)
#define JMP_IMM(op, d, k, o)	INSN(BPF_JMP | (op) | BPF_K, d, 0, o, k)
#define CALL(fn)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT_INSN()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* A map fd as a 64-bit immediate: the kernel swaps in the map (two slots). */
static int ld_map_fd(struct bpf_insn *p, int reg, int fd)
{
	p[0] = INSN(BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_FD, 0, fd);
	p[1] = INSN(0, 0, 0, 0, 0);
	return 2;
}

/* Points the forward jump at p[from] to p[to]. */
static void jump_to(struct bpf_insn *p, int from, int to)
{
	p[from].off = (int16_t)(to - from - 1);
}

/* Emits the counting program for dir into p; returns its length. Stack:
 * fp-8 the trie key {prefixlen, addr}, fp-12 the counter slot index. */
static int acct_emit(struct bpf_insn *p, int trie_fd, int counters_fd, enum tc_acct_dir dir)
{
	/* The peer's address: RX counts by source, TX by destination. cls_bpf
	 * sees the frame from the Ethernet header at both clsact hooks. */
	int addr_off = ETH_HLEN + (dir == TC_ACCT_RX ? 12 : 16);
	int n = 0, not_ip, short_pkt, miss, no_slot;

	p[n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);		/* r6 = skb */
	p[n++] = MOV64_IMM(BPF_REG_7, 0);			/* r7 = class 0 */
	/* skb->protocol is the network-order EtherType in a u32. */
	p[n++] = LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_6, offsetof(struct __sk_buff, protocol));
	not_ip = n;
	p[n++] = JMP_IMM(BPF_JNE, BPF_REG_2, htons(ETH_P_IP), 0);
	p[n++] = ST_MEM(BPF_W, BPF_REG_10, -8, 32);		/* key.prefixlen */
	p[n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
	p[n++] = MOV64_IMM(BPF_REG_2, addr_off);
	p[n++] = MOV64_REG(BPF_REG_3, BPF_REG_10);
	p[n++] = ADD64_IMM(BPF_REG_3, -4);			/* &key.addr */
	p[n++] = MOV64_IMM(BPF_REG_4, 4);
	p[n++] = CALL(BPF_FUNC_skb_load_bytes);
	short_pkt = n;
	p[n++] = JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0);
	n += ld_map_fd(p + n, BPF_REG_1, trie_fd);
	p[n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
	p[n++] = ADD64_IMM(BPF_REG_2, -8);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	miss = n;
	p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0);
	p[n++] = LDX_MEM(BPF_W, BPF_REG_7, BPF_REG_0, 0);
	/* A class past the table would count into the other direction. */
	p[n++] = JMP_IMM(BPF_JLT, BPF_REG_7, TC_ACCT_CLASSES, 1);
	p[n++] = MOV64_IMM(BPF_REG_7, 0);
	jump_to(p, not_ip, n);
	jump_to(p, short_pkt, n);
	jump_to(p, miss, n);
	p[n++] = ADD64_IMM(BPF_REG_7, (int)dir * TC_ACCT_CLASSES);
	p[n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_7, -12);
	n += ld_map_fd(p + n, BPF_REG_1, counters_fd);
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
	jump_to(p, no_slot, n);
	/* TC_ACT_UNSPEC: the filters at higher prio numbers still run. */
	p[n++] = MOV64_IMM(BPF_REG_0, TC_ACT_UNSPEC);
	p[n++] = EXIT_INSN();
	return n;
}

static int prog_load(const struct bpf_insn *insns, int n, char *log, uint32_t log_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	/* None of these helpers is GPL-only; "GPL" keeps them all open. */
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = log ? log_size : 0;
	a.log_level = log ? 1 : 0;
	snprintf(a.prog_name, sizeof(a.prog_name), "%s", ACCT_NAME);
	return sys_bpf(BPF_PROG_LOAD, &a);
}

/* The verifier's last words, on one line, without the closing statistics
 * ("processed N insns ..."), as much as fits in room characters. */
static const char *log_tail(char *log, size_t room)
{
	size_t len = strnlen(log, ACCT_LOG_SIZE - 1);
	char *last;

	log[len] = '\0';
	while (len && log[len - 1] == '\n')
		log[--len] = '\0';
	if ((last = strrchr(log, '\n')) && !strncmp(last + 1, "processed ", 10))
		*last = '\0', len = (size_t)(last - log);
	for (char *c = log; *c; c++)
		if (*c == '\n')
			*c = '|';
	return len > room ? log + len - room : log;
}

int tc_acct_prog_load(int trie_fd, int counters_fd, enum tc_acct_dir dir,
		      struct nis_err *err)
{
	const char *what = dir == TC_ACCT_RX ? "RX" : "TX";
	struct bpf_insn insns[ACCT_INSNS_MAX];
	int n = acct_emit(insns, trie_fd, counters_fd, dir), fd, e;
	char *log;

	if ((fd = prog_load(insns, n, NULL, 0)) >= 0)
		return fd;
	/* Again with the verifier's log, only to say why. */
	e = errno;
	if (!(log = calloc(1, ACCT_LOG_SIZE)))
		return nis_err_set(err, -e, "cannot load the %s counting program: %s", what,
				   strerror(e));
	if ((fd = prog_load(insns, n, log, ACCT_LOG_SIZE)) < 0)
		nis_err_set(err, -e, "cannot load the %s counting program: %s%s%s", what,
			    strerror(e), log[0] ? "; verifier: " : "", log_tail(log, 150));
	free(log);
	return fd < 0 ? -e : fd;
}

static int put_prog(struct nl_msg *msg, const void *arg)
{
	if (nla_put_u32(msg, TCA_BPF_FD, (uint32_t)*(const int *)arg) < 0)
		return -NLE_NOMEM;
	return nla_put_string(msg, TCA_BPF_NAME, ACCT_NAME);
}

int tc_acct_attach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		   int prog_fd, bool replace, struct nis_err *err)
{
	struct rtnl_cls *c = rtnl_cls_alloc();
	int rc;

	if (!c)
		return nis_err_set(err, -ENOMEM, "out of memory");
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), parent);
	rtnl_tc_set_handle(TC_CAST(c), ACCT_HANDLE);
	rtnl_cls_set_prio(c, prio);
	rtnl_cls_set_protocol(c, ETH_P_ALL);
	if ((rc = rtnl_tc_set_kind(TC_CAST(c), "bpf")) >= 0)
		rc = tc_cls_bpf_add(sk, c, replace ? NLM_F_REPLACE : NLM_F_EXCL, put_prog,
				    &prog_fd);
	rtnl_cls_put(c);
	if (rc < 0) {
		tc_nl_fail(err, rc, "cannot attach the accounting filter");
		return nis_err_prefix(err, tc_nl_errno(rc), "ifindex %d parent %x prio %u",
				      ifindex, parent, prio);
	}
	return 0;
}

static int obj_info(int fd, void *info, uint32_t len)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = len;
	a.info.info = (uintptr_t)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 ? -errno : 0;
}

/* BPF_PROG_GET_FD_BY_ID or BPF_MAP_GET_FD_BY_ID (prog_id and map_id are
 * one field of the attr). */
static int fd_by_id(enum bpf_cmd cmd, uint32_t id)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	fd = sys_bpf(cmd, &a);
	return fd < 0 ? -errno : fd;
}

int tc_acct_map_id(int fd, uint32_t *id, struct nis_err *err)
{
	struct bpf_map_info info;
	int rc;

	memset(&info, 0, sizeof(info));
	if ((rc = obj_info(fd, &info, sizeof(info))))
		return bpf_fail(err, rc, "cannot get the map's id");
	*id = info.id;
	return 0;
}

/* The program's counters map as a new fd: the one per-CPU array of our
 * shape among the maps it uses (the other is the trie). */
static int counters_of_prog(int prog_fd, uint32_t *map_id, struct nis_err *err)
{
	struct bpf_prog_info pi;
	uint32_t ids[8] = { 0 };
	int rc;

	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	pi.map_ids = (uintptr_t)ids;
	if ((rc = obj_info(prog_fd, &pi, sizeof(pi))))
		return bpf_fail(err, rc, "cannot get the accounting program's maps");
	for (uint32_t i = 0; i < pi.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct bpf_map_info mi;
		int fd = fd_by_id(BPF_MAP_GET_FD_BY_ID, ids[i]);

		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return bpf_fail(err, fd, "cannot open the accounting program's map");
		memset(&mi, 0, sizeof(mi));
		if (!obj_info(fd, &mi, sizeof(mi)) && mi.type == BPF_MAP_TYPE_PERCPU_ARRAY &&
		    mi.value_size == sizeof(struct tc_acct_count) && mi.max_entries == ACCT_SLOTS) {
			if (map_id)
				*map_id = mi.id;
			return fd;
		}
		close(fd);
	}
	return nis_err_set(err, -ENOENT, "the accounting program has no counters map");
}

struct acct_find {
	uint32_t parent;
	uint16_t prio;
	uint32_t prog_id;
};

static int parse_acct_filter(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct tcmsg *tcm = nlmsg_data(nlh);
	struct nlattr *tb[TCA_MAX + 1], *opt[TCA_BPF_MAX + 1];
	struct acct_find *f = arg;

	if (nlh->nlmsg_type != RTM_NEWTFILTER || tcm->tcm_parent != f->parent ||
	    tcm->tcm_info >> 16 != f->prio || tcm->tcm_handle != ACCT_HANDLE)
		return NL_OK;
	if (nlmsg_parse(nlh, sizeof(*tcm), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND] ||
	    nla_strcmp(tb[TCA_KIND], "bpf") || !tb[TCA_OPTIONS] ||
	    nla_parse_nested(opt, TCA_BPF_MAX, tb[TCA_OPTIONS], NULL) < 0 ||
	    !opt[TCA_BPF_ID] || !opt[TCA_BPF_NAME] || nla_strcmp(opt[TCA_BPF_NAME], ACCT_NAME))
		return NL_OK;
	f->prog_id = nla_get_u32(opt[TCA_BPF_ID]);
	return NL_OK;
}

int tc_acct_find_counters(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
			  uint32_t *map_id, struct nis_err *err)
{
	/* tcm_info's prio makes the kernel dump only that priority. */
	struct tcmsg tcm = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			     .tcm_parent = parent, .tcm_info = (uint32_t)prio << 16 };
	struct acct_find f = { parent, prio, 0 };
	int rc, prog;

	if ((rc = tc_nl_dump(sk, RTM_GETTFILTER, &tcm, sizeof(tcm), parse_acct_filter, &f,
			     err)))
		return rc;
	if (!f.prog_id)
		return nis_err_set(err, -ENOENT, "no accounting filter on ifindex %d parent %x "
				   "prio %u", ifindex, parent, prio);
	/* The filter may go between the dump and here: that is ENOENT too. */
	if ((prog = fd_by_id(BPF_PROG_GET_FD_BY_ID, f.prog_id)) < 0)
		return bpf_fail(err, prog, "cannot open the accounting program");
	rc = counters_of_prog(prog, map_id, err);
	close(prog);
	return rc;
}

bool tc_acct_supported(struct nis_err *err)
{
	int trie = tc_acct_trie_create(err), counters = -1, prog = -1;

	if (trie >= 0 && (counters = tc_acct_counters_create(err)) >= 0)
		prog = tc_acct_prog_load(trie, counters, TC_ACCT_TX, err);
	if (prog >= 0)
		close(prog);
	if (counters >= 0)
		close(counters);
	if (trie >= 0)
		close(trie);
	return prog >= 0;
}
