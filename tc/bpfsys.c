/* bpfsys.c - raw bpf(2) and direct-action cls_bpf filters through libnl
 * (which has no cls_bpf module: the request is built with tc_cls_bpf_add,
 * as tc_drop_add does). bpf(2) fds are always close-on-exec. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/classifier.h>

#include "tc/bpfsys.h"
#include "tc/nl.h"
#include "tc/u32.h"

#define FILTER_HANDLE	1
#define LOG_SIZE	65536
/* The kernel's own "not supported" (a map without batch ops); userspace's
 * errno.h does not name it. */
#define ENOTSUPP_KERNEL	524

int tc_bpf_ld_map_fd(struct bpf_insn *p, int reg, int fd)
{
	p[0] = INSN(BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_FD, 0, fd);
	p[1] = INSN(0, 0, 0, 0, 0);
	return 2;
}

void tc_bpf_jump_to(struct bpf_insn *p, int from, int to)
{
	p[from].off = (int16_t)(to - from - 1);
}

int32_t tc_bpf_word(const uint8_t *b, int len)
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

int tc_bpf_emit_csum_fix(struct bpf_insn *p, int csum, int old, int new, int tmp)
{
	int n = 0;

	p[n++] = XOR64_IMM(csum, 0xffff);
	p[n++] = XOR64_IMM(old, 0xffff);
	p[n++] = ADD64_REG(csum, old);
	p[n++] = ADD64_REG(csum, new);
	for (int i = 0; i < 2; i++) {		/* fold the carries back in */
		p[n++] = MOV64_REG(tmp, csum);
		p[n++] = RSH64_IMM(tmp, 16);
		p[n++] = AND64_IMM(csum, 0xffff);
		p[n++] = ADD64_REG(csum, tmp);
	}
	p[n++] = XOR64_IMM(csum, 0xffff);
	return n;
}

int tc_bpf_sys(enum bpf_cmd cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int tc_bpf_fail(struct nis_err *err, int rc, const char *what)
{
	return nis_err_set(err, rc, "%s: %s", what, strerror(-rc));
}

int tc_bpf_map_create(enum bpf_map_type type, uint32_t key_size, uint32_t value_size,
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
	return tc_bpf_sys(BPF_MAP_CREATE, &a);
}

int tc_bpf_map_elem(enum bpf_cmd cmd, int fd, const void *key, const void *value,
		    uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	a.flags = flags;
	return tc_bpf_sys(cmd, &a);
}

/* One BPF_MAP_LOOKUP_BATCH from index 0; the map must give back exactly
 * indexes 0..n-1, in order. */
static int array_batch(int fd, uint32_t n, uint32_t *keys, void *vals)
{
	union bpf_attr a;
	uint32_t next = 0;

	memset(&a, 0, sizeof(a));
	a.batch.out_batch = (uintptr_t)&next;
	a.batch.keys = (uintptr_t)keys;
	a.batch.values = (uintptr_t)vals;
	a.batch.count = n;
	a.batch.map_fd = (uint32_t)fd;
	/* ENOENT: the map ended before count was reached; count says how far. */
	if (tc_bpf_sys(BPF_MAP_LOOKUP_BATCH, &a) < 0 && errno != ENOENT)
		return -errno;
	if (a.batch.count != n)
		return -EIO;
	for (uint32_t i = 0; i < n; i++)
		if (keys[i] != i)
			return -EIO;
	return 0;
}

int tc_bpf_array_read(int fd, uint32_t n, void *vals, size_t stride)
{
	/* Zeroed like vals: valgrind cannot see bpf(2) write them. */
	uint32_t *keys = calloc(n ? n : 1, sizeof(*keys));
	int rc;

	if (!keys)
		return -ENOMEM;
	rc = n ? array_batch(fd, n, keys, vals) : 0;
	if (rc == -EINVAL || rc == -ENOTSUPP_KERNEL || rc == -EOPNOTSUPP) {
		rc = 0;
		for (uint32_t i = 0; i < n && !rc; i++)
			if (tc_bpf_map_elem(BPF_MAP_LOOKUP_ELEM, fd, &i, (char *)vals + i * stride,
					    0) < 0)
				rc = -errno;
	}
	free(keys);
	return rc;
}

static int update_batch(int fd, const uint32_t *keys, const void *vals, uint32_t n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.batch.keys = (uintptr_t)keys;
	a.batch.values = (uintptr_t)vals;
	a.batch.count = n;
	a.batch.map_fd = (uint32_t)fd;
	return tc_bpf_sys(BPF_MAP_UPDATE_BATCH, &a) < 0 ? -errno : 0;
}

int tc_bpf_array_fill(int fd, uint32_t first, uint32_t n, const void *val, size_t size)
{
	uint32_t *keys = calloc(n ? n : 1, sizeof(*keys));
	char *vals = calloc(n ? n : 1, size);
	int rc = 0;

	if (!keys || !vals) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		keys[i] = first + i;
		memcpy(vals + i * size, val, size);
	}
	/* One call (5.6+), or one per key where batches are refused. */
	if (n && update_batch(fd, keys, vals, n))
		for (uint32_t i = 0; i < n && !rc; i++)
			if (tc_bpf_map_elem(BPF_MAP_UPDATE_ELEM, fd, &keys[i], val, BPF_ANY) < 0)
				rc = -errno;
out:
	free(keys);
	free(vals);
	return rc;
}

static int prog_load(const struct bpf_insn *insns, int n, const char *name, char *log,
		     uint32_t log_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	/* None of the helpers used is GPL-only; "GPL" keeps them all open. */
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = log ? log_size : 0;
	a.log_level = log ? 1 : 0;
	snprintf(a.prog_name, sizeof(a.prog_name), "%s", name);
	return tc_bpf_sys(BPF_PROG_LOAD, &a);
}

/* The verifier's last words, on one line, without the closing statistics
 * ("processed N insns ..."), as much as fits in room characters. */
static const char *log_tail(char *log, size_t room)
{
	size_t len = strnlen(log, LOG_SIZE - 1);
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

int tc_bpf_prog_load(const struct bpf_insn *insns, int n, const char *name, const char *what,
		     struct nis_err *err)
{
	char *log;
	int fd, e;

	if ((fd = prog_load(insns, n, name, NULL, 0)) >= 0)
		return fd;
	/* Again with the verifier's log, only to say why. */
	e = errno;
	if (!(log = calloc(1, LOG_SIZE)))
		return nis_err_set(err, -e, "cannot load the %s program: %s", what, strerror(e));
	if ((fd = prog_load(insns, n, name, log, LOG_SIZE)) < 0)
		nis_err_set(err, -e, "cannot load the %s program: %s%s%s", what, strerror(e),
			    log[0] ? "; verifier: " : "", log_tail(log, 150));
	free(log);
	if (fd >= 0)
		return fd;
	return -e;
}

int tc_bpf_obj_info(int fd, void *info, uint32_t len)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = len;
	a.info.info = (uintptr_t)info;
	return tc_bpf_sys(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 ? -errno : 0;
}

int tc_bpf_fd_by_id(enum bpf_cmd cmd, uint32_t id)
{
	union bpf_attr a;
	int fd;

	/* prog_id and map_id are one field of the attr. */
	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	fd = tc_bpf_sys(cmd, &a);
	return fd < 0 ? -errno : fd;
}

struct named_prog {
	int fd;
	const char *name;
};

static int put_prog(struct nl_msg *msg, const void *arg)
{
	const struct named_prog *p = arg;

	if (nla_put_u32(msg, TCA_BPF_FD, (uint32_t)p->fd) < 0)
		return -NLE_NOMEM;
	return nla_put_string(msg, TCA_BPF_NAME, p->name);
}

/* Our cls_bpf filter (handle 1) at (ifindex, parent, prio, protocol), as a
 * libnl object for a request; NULL when out of memory. */
static struct rtnl_cls *bpf_cls(int ifindex, uint32_t parent, uint16_t prio,
				uint16_t protocol)
{
	struct rtnl_cls *c = rtnl_cls_alloc();

	if (!c)
		return NULL;
	rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
	rtnl_tc_set_parent(TC_CAST(c), parent);
	rtnl_tc_set_handle(TC_CAST(c), FILTER_HANDLE);
	rtnl_cls_set_prio(c, prio);
	rtnl_cls_set_protocol(c, protocol);
	if (rtnl_tc_set_kind(TC_CAST(c), "bpf") < 0) {
		rtnl_cls_put(c);
		return NULL;
	}
	return c;
}

int tc_bpf_attach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		  uint16_t protocol, const char *name, int prog_fd, bool replace,
		  struct nis_err *err)
{
	struct named_prog p = { prog_fd, name };
	struct rtnl_cls *c;
	int rc;

	if (!(c = bpf_cls(ifindex, parent, prio, protocol)))
		return nis_err_set(err, -ENOMEM, "out of memory");
	rc = tc_cls_bpf_add(sk, c, replace ? NLM_F_REPLACE : NLM_F_EXCL, put_prog, &p);
	rtnl_cls_put(c);
	if (rc < 0) {
		nis_err_set(err, tc_nl_errno(rc), "cannot attach the %s filter: %s", name,
			    nl_geterror(rc));
		return nis_err_prefix(err, tc_nl_errno(rc), "ifindex %d parent %x prio %u",
				      ifindex, parent, prio);
	}
	return 0;
}

int tc_bpf_detach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		  uint16_t protocol, struct nis_err *err)
{
	struct rtnl_cls *c;
	int rc;

	if (!(c = bpf_cls(ifindex, parent, prio, protocol)))
		return nis_err_set(err, -ENOMEM, "out of memory");
	rc = rtnl_cls_delete(sk, c, 0);
	rtnl_cls_put(c);
	if (rc < 0 && tc_nl_errno(rc) != -ENOENT)
		return nis_err_set(err, tc_nl_errno(rc), "cannot delete the filter at ifindex %d "
				   "prio %u: %s", ifindex, prio, nl_geterror(rc));
	return 0;
}

struct find {
	uint32_t parent;
	uint16_t prio;
	const char *name;
	uint32_t prog_id;
};

static int parse_filter(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct tcmsg *tcm = nlmsg_data(nlh);
	struct nlattr *tb[TCA_MAX + 1], *opt[TCA_BPF_MAX + 1];
	struct find *f = arg;

	if (nlh->nlmsg_type != RTM_NEWTFILTER || tcm->tcm_parent != f->parent ||
	    tcm->tcm_info >> 16 != f->prio || tcm->tcm_handle != FILTER_HANDLE)
		return NL_OK;
	if (nlmsg_parse(nlh, sizeof(*tcm), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND] ||
	    nla_strcmp(tb[TCA_KIND], "bpf") || !tb[TCA_OPTIONS] ||
	    nla_parse_nested(opt, TCA_BPF_MAX, tb[TCA_OPTIONS], NULL) < 0 ||
	    !opt[TCA_BPF_ID] || !opt[TCA_BPF_NAME] || nla_strcmp(opt[TCA_BPF_NAME], f->name))
		return NL_OK;
	f->prog_id = nla_get_u32(opt[TCA_BPF_ID]);
	return NL_OK;
}

int tc_bpf_find_prog(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		     const char *name, struct nis_err *err)
{
	/* tcm_info's prio makes the kernel dump only that priority. */
	struct tcmsg tcm = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			     .tcm_parent = parent, .tcm_info = (uint32_t)prio << 16 };
	struct find f = { parent, prio, name, 0 };
	int rc, prog;

	if ((rc = tc_nl_dump(sk, RTM_GETTFILTER, &tcm, sizeof(tcm), parse_filter, &f, err)))
		return rc;
	if (!f.prog_id)
		return nis_err_set(err, -ENOENT, "no %s filter on ifindex %d parent %x prio %u",
				   name, ifindex, parent, prio);
	/* The filter may go between the dump and here: that is ENOENT too. */
	if ((prog = tc_bpf_fd_by_id(BPF_PROG_GET_FD_BY_ID, f.prog_id)) < 0)
		return tc_bpf_fail(err, prog, "cannot open the filter's program");
	return prog;
}

int tc_bpf_prog_map(int prog_fd, enum bpf_map_type type, uint32_t value_size,
		    uint32_t max_entries, const char *name, uint32_t *map_id, struct nis_err *err)
{
	struct bpf_prog_info pi;
	uint32_t ids[8] = { 0 };
	int rc;

	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	pi.map_ids = (uintptr_t)ids;
	if ((rc = tc_bpf_obj_info(prog_fd, &pi, sizeof(pi))))
		return tc_bpf_fail(err, rc, "cannot get the program's maps");
	for (uint32_t i = 0; i < pi.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct bpf_map_info mi;
		int fd = tc_bpf_fd_by_id(BPF_MAP_GET_FD_BY_ID, ids[i]);

		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return tc_bpf_fail(err, fd, "cannot open the program's map");
		memset(&mi, 0, sizeof(mi));
		if (!tc_bpf_obj_info(fd, &mi, sizeof(mi)) && mi.type == type &&
		    mi.value_size == value_size && mi.max_entries == max_entries &&
		    (!name || !strncmp(mi.name, name, sizeof(mi.name)))) {
			if (map_id)
				*map_id = mi.id;
			return fd;
		}
		close(fd);
	}
	return nis_err_set(err, -ENOENT, "the program has no such map");
}
