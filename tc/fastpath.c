/* fastpath.c - the fast path's maps, its program's loading and attaching
 * (the program itself: fastprog.c), and the containers' own programs. */
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
#include "tc/fastprog.h"
#include "tc/guard.h"

#define FAST_NAME	"netisol_fast"
#define FAST_CT_NAME	"netisol_fast_ct"
#define PORTS_NAME	"nis_fast_ports"
#define CB0		((int)offsetof(struct __sk_buff, cb[0]))

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
				     sizeof(struct fast_dest), TC_FAST_PORTS, 0, PORTS_NAME);
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
	/* By name too: the guard's owners array has the ports map's shape. */
	f->ports = tc_bpf_prog_map(prog, BPF_MAP_TYPE_ARRAY, sizeof(struct fast_dest),
				   TC_FAST_PORTS, PORTS_NAME, NULL, err);
	if (f->ports >= 0)
		f->progs = tc_bpf_prog_map(prog, BPF_MAP_TYPE_PROG_ARRAY, sizeof(uint32_t),
					   TC_FAST_SLOTS, NULL, NULL, err);
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

static int frags_create(struct nis_err *err)
{
	int fd = tc_bpf_map_create(BPF_MAP_TYPE_LRU_HASH, 8, 8, 16384, 0, "nis_frags_in");

	return fd < 0 ? tc_bpf_fail(err, -errno, "cannot create the fragments map") : fd;
}

int tc_fast_prog_load(const struct tc_fast *f, int trie_fd, struct in_addr host_ip,
		      const struct tc_guard *g, struct nis_err *err)
{
	struct bpf_insn insns[TC_FAST_INSNS_MAX];
	int frags = -1, prog;

	if (g && g->owners < 0)
		g = NULL;
	if (g && (frags = frags_create(err)) < 0)
		return frags;
	prog = tc_bpf_prog_load(insns, tc_fast_emit(insns, f, trie_fd, host_ip, g, frags), FAST_NAME,
				"fast path", err);
	if (frags >= 0)
		close(frags);
	return prog;
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
		   const struct tc_fast *f, int trie_fd, struct in_addr host_ip,
		   const struct tc_guard *g, struct nis_err *err)
{
	int prog = tc_fast_prog_load(f, trie_fd, host_ip, g, err), rc;

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
	    (prog = tc_fast_prog_load(&f, trie, any, NULL, err)) >= 0 &&
	    (counters = tc_acct_counters_create(err)) >= 0)
		ct = load_ct(1, counters, err);
	int fds[] = { trie, counters, prog, ct };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	tc_fast_close(&f);
	return ct >= 0;
}
