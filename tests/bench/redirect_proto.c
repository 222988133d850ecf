/* redirect_proto - an experiment for scripts/bench_redirect.sh, not part of
 * the agent: loads a direct-action cls_bpf program that sends TCP/UDP for
 * one destination port to IFINDEX, with bpf_redirect (egress of the host
 * veth, the path mirred takes) or bpf_redirect_peer (straight into the
 * container's eth0, skipping the host veth), and pins it at PATH so `tc
 * filter add ... bpf da object-pinned PATH` can attach it. Headers without
 * IP options only; anything else returns TC_ACT_UNSPEC (the next filter).
 * Usage: redirect_proto PORT IFINDEX peer|egress PATH */
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s)		INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, k)		INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ADD64_IMM(d, k)		INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define LDX_MEM(sz, d, s, o)	INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define JMP_IMM(op, d, k, o)	INSN(BPF_JMP | (op) | BPF_K, d, 0, o, k)
#define CALL(fn)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT_INSN()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int sys_bpf(enum bpf_cmd cmd, union bpf_attr *a)
{
	return (int)syscall(__NR_bpf, cmd, a, sizeof(*a));
}

/* dport (Ethernet + 20-byte IPv4 header + 2) == port: redirect, else next. */
static int emit(struct bpf_insn *p, uint16_t port, int ifindex, int peer)
{
	int n = 0;

	p[n++] = MOV64_IMM(BPF_REG_2, 14 + 20 + 2);		/* r1: skb */
	p[n++] = MOV64_REG(BPF_REG_3, BPF_REG_10);
	p[n++] = ADD64_IMM(BPF_REG_3, -4);
	p[n++] = MOV64_IMM(BPF_REG_4, 2);
	p[n++] = CALL(BPF_FUNC_skb_load_bytes);
	p[n++] = JMP_IMM(BPF_JNE, BPF_REG_0, 0, 6);		/* to "next" */
	p[n++] = LDX_MEM(BPF_H, BPF_REG_1, BPF_REG_10, -4);
	p[n++] = JMP_IMM(BPF_JNE, BPF_REG_1, htons(port), 4);	/* to "next" */
	p[n++] = MOV64_IMM(BPF_REG_1, ifindex);
	p[n++] = MOV64_IMM(BPF_REG_2, 0);
	p[n++] = CALL(peer ? BPF_FUNC_redirect_peer : BPF_FUNC_redirect);
	p[n++] = EXIT_INSN();
	p[n++] = MOV64_IMM(BPF_REG_0, TC_ACT_UNSPEC);		/* next */
	p[n++] = EXIT_INSN();
	return n;
}

int main(int argc, char **argv)
{
	static char log[65536];
	struct bpf_insn p[16];
	union bpf_attr a;
	int n, fd;

	if (argc != 5 || (strcmp(argv[3], "peer") && strcmp(argv[3], "egress"))) {
		fprintf(stderr, "usage: redirect_proto PORT IFINDEX peer|egress PATH\n");
		return 2;
	}
	n = emit(p, (uint16_t)atoi(argv[1]), atoi(argv[2]), !strcmp(argv[3], "peer"));
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uintptr_t)p;
	a.insn_cnt = (uint32_t)n;
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	if ((fd = sys_bpf(BPF_PROG_LOAD, &a)) < 0) {
		perror("BPF_PROG_LOAD");
		fputs(log, stderr);
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.pathname = (uintptr_t)argv[4];
	a.bpf_fd = (uint32_t)fd;
	if (sys_bpf(BPF_OBJ_PIN, &a)) {
		perror("BPF_OBJ_PIN");
		return 1;
	}
	close(fd);
	return 0;
}
