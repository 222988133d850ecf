/* fast_cost - a benchmark for scripts/bench_redirect.sh, not a test: what
 * the agent's programs cost per packet, free of iperf3's run-to-run noise.
 * Each program runs on one 1442-byte UDP frame (world -> the host IP) in
 * BPF_PROG_TEST_RUN, REPEAT times in the kernel; the best of ROUNDS average
 * times, minus that of an empty program, is printed in ns per packet:
 *   peer        the least a peer redirect costs: bpf_redirect_peer alone;
 *   agent       the fast path as the agent loads it: port map, class trie,
 *               tail call, counting, bpf_redirect_peer;
 *   agent_bare  the same without classes and counting;
 *   miss        a port no container owns (what traffic to the host pays);
 *   veth_count  the RX counting program of the host veth (the veth path);
 *   veth_tx     the TX counting program alone, on a frame a container
 *               sends to the world;
 *   guard_tx    the same behind the guard, as the agent loads it (the
 *               guard's cost is guard_tx - veth_tx);
 *   uncapped_tx the same with the host-side egress meter, the container
 *               uncapped (its cost to the uncapped: uncapped_tx - guard_tx);
 *   police_tx   and capped at 10 Gbit/s (the frame passes; the meter's
 *               cost: police_tx - guard_tx);
 *   chain_guard the chained-mode guard (tc/chainguard.h) alone, on the
 *               frame a container sends;
 *   chain_police the same with the egress meter, capped at 10 Gbit/s.
 * Usage: fast_cost [REPEAT] [ROUNDS]   (root) */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>

#include "tc/bpf.h"
#include "tc/bpfsys.h"
#include "tc/fastpath.h"
#include "tc/chainguard.h"
#include "tc/police.h"

#define PORT	31001
#define SLOT	1
#define FRAME	(ETH_HLEN + 20 + 8 + 1400)
#define NPROGS	12

static unsigned char frame[FRAME];

static void build_frame(struct in_addr src, struct in_addr dst, uint16_t dport)
{
	struct ethhdr *eth = (struct ethhdr *)frame;
	struct iphdr *ip = (struct iphdr *)(frame + ETH_HLEN);
	struct udphdr *udp = (struct udphdr *)(frame + ETH_HLEN + 20);

	memset(frame, 0, sizeof(frame));
	eth->h_proto = htons(ETH_P_IP);
	memset(eth->h_dest, 0x02, ETH_ALEN);
	memset(eth->h_source, 0x04, ETH_ALEN);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(FRAME - ETH_HLEN);
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	udp->source = htons(40000);
	udp->dest = htons(dport);
	udp->len = htons(8 + 1400);
}

/* Average ns per run over repeat runs, the best of rounds; -1 on error. */
static double ns_per_run(int prog, unsigned repeat, int rounds, uint32_t *retval)
{
	double best = -1;

	for (int r = 0; r < rounds; r++) {
		union bpf_attr a;

		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)prog;
		a.test.data_in = (uintptr_t)frame;
		a.test.data_size_in = sizeof(frame);
		a.test.repeat = repeat;
		if (tc_bpf_sys(BPF_PROG_TEST_RUN, &a) < 0) {
			fprintf(stderr, "fast_cost: test run: %s\n", strerror(errno));
			return -1;
		}
		*retval = a.test.retval;
		if (best < 0 || a.test.duration < best)
			best = a.test.duration;
	}
	return best;
}

static int load_small(int peer, struct nis_err *err)
{
	struct bpf_insn p[4];
	int n = 0;

	if (peer) {
		p[n++] = MOV64_IMM(BPF_REG_1, 1);
		p[n++] = MOV64_IMM(BPF_REG_2, 0);
		p[n++] = CALL(BPF_FUNC_redirect_peer);
	} else {
		p[n++] = MOV64_IMM(BPF_REG_0, TC_ACT_UNSPEC);
	}
	p[n++] = EXIT_INSN();
	return tc_bpf_prog_load(p, n, peer ? "cost_peer" : "cost_none", "cost", err);
}

/* The agent's fast path over fresh maps: PORT -> SLOT, whose program
 * counts into counters (with the trie's classes) unless counting is off. */
static int load_agent(struct tc_fast *f, int trie, int counters, struct in_addr host,
		      const struct tc_guard *g, struct nis_err *err)
{
	if (tc_fast_new(f, err) || tc_fast_set_ports(f, PORT, 1, 1, SLOT, err) ||
	    tc_fast_set_ct(f, SLOT, 1, counters, err))
		return -1;
	return tc_fast_prog_load(f, trie, host, g, err);
}

static int setup_trie(struct in_addr host, struct nis_err *err)
{
	struct in_addr any = { 0 }, bench, lo = { htonl(0x7f000000) };
	int trie = tc_acct_trie_create(err);

	inet_pton(AF_INET, "198.18.0.0", &bench);
	if (trie < 0 || tc_acct_trie_set(trie, any, 0, 1, err) ||
	    tc_acct_trie_set(trie, bench, 15, 2, err) || tc_acct_trie_set(trie, host, 32, 63, err) ||
	    tc_acct_trie_set(trie, lo, 8, 63, err))
		return -1;
	return trie;
}

int main(int argc, char **argv)
{
	unsigned repeat = argc > 1 ? (unsigned)atoi(argv[1]) : 2000000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	struct nis_err err = { "" };
	struct in_addr world, host;
	struct tc_fast f1 = { -1, -1 }, f2 = { -1, -1 };
	/* build_frame's source MAC; owner 1 of its source port */
	struct tc_guard guard = { { 4, 4, 4, 4, 4, 4 }, { 0 }, -1, -1, 1, 1, -1 };
	struct tc_chainguard chain = { { 4, 4, 4, 4, 4, 4 }, { 0 }, 1 };
	struct tc_chainguards cg1 = { -1, -1 }, cg2 = { -1, -1 };
	int trie, counters, progs[NPROGS];
	const char *names[NPROGS] = { "none", "peer", "agent", "agent_bare", "miss", "veth_count",
				      "veth_tx", "guard_tx", "uncapped_tx", "police_tx", "chain_guard",
				      "chain_police" };
	double ns[NPROGS];
	uint32_t ret[NPROGS];

	inet_pton(AF_INET, "198.18.0.1", &world);
	inet_pton(AF_INET, "198.18.0.2", &host);
	build_frame(world, host, PORT);
	guard.ip = host;
	chain.ip = host;
	if ((trie = setup_trie(host, &err)) < 0 || (counters = tc_acct_counters_create(&err)) < 0 ||
	    (guard.owners = tc_guard_owners_create(&err)) < 0 ||
	    (guard.echo = tc_guard_echo_create(&err)) < 0 ||
	    tc_guard_owners_set(guard.owners, 40000, 1, 1, 1, &err) ||
	    tc_guard_owners_set(guard.owners, PORT, 1, SLOT, 1, &err) ||
	    (progs[0] = load_small(0, &err)) < 0 || (progs[1] = load_small(1, &err)) < 0 ||
	    (progs[2] = load_agent(&f1, trie, counters, host, &guard, &err)) < 0 ||
	    (progs[3] = load_agent(&f2, -1, -1, host, NULL, &err)) < 0 ||
	    (progs[5] = tc_acct_prog_load(trie, counters, TC_ACCT_RX, NULL, 0, &err)) < 0 ||
	    (progs[6] = tc_acct_prog_load(trie, counters, TC_ACCT_TX, NULL, 0, &err)) < 0 ||
	    (progs[7] = tc_acct_prog_load(trie, counters, TC_ACCT_TX, &guard, 1, &err)) < 0 ||
	    (guard.police = tc_police_create(&err)) < 0 ||
	    (progs[8] = tc_acct_prog_load(trie, counters, TC_ACCT_TX, &guard, 1, &err)) < 0 ||
	    /* BPF_PROG_TEST_RUN's frames come from lo (ifindex 1): its entry */
	    tc_chainguards_open(&cg1, -1, &err) || tc_chainguard_set(&cg1, 1, &chain, &err) ||
	    tc_chainguards_open(&cg2, guard.police, &err) ||
	    tc_chainguard_set(&cg2, 1, &chain, &err)) {
		fprintf(stderr, "fast_cost: %s\n", err.msg);
		return 1;
	}
	progs[10] = cg1.prog;
	progs[11] = cg2.prog;
	progs[4] = progs[2];
	progs[9] = progs[8];		/* capped from here on */
	for (int i = 0; i < NPROGS; i++) {
		if (i == 9 && tc_police_set(guard.police, 1, 1250000000ull, 1 << 20, &err)) {
			fprintf(stderr, "fast_cost: %s\n", err.msg);
			return 1;
		}
		if (i >= 6)
			build_frame(host, world, PORT);
		else
			build_frame(world, host, i == 4 ? PORT + 1 : PORT);
		if ((ns[i] = ns_per_run(progs[i], repeat, rounds, &ret[i])) < 0)
			return 1;
	}
	printf("{\"repeat\":%u,\"rounds\":%d,\"empty_ns\":%.1f", repeat, rounds, ns[0]);
	for (int i = 1; i < NPROGS; i++)
		printf(",\"%s_ns\":%.1f", names[i], ns[i] - ns[0]);
	printf("}\n");
	for (int i = 0; i < NPROGS; i++)
		fprintf(stderr, "%-12s %6.1f ns  (retval %u)\n", names[i], ns[i], ret[i]);
	return 0;
}
