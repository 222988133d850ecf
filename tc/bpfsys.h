/* bpfsys.h - raw bpf(2) for the hand-emitted programs (no libbpf): maps,
 * program loading with the verifier's reason on failure, object ids, and
 * direct-action cls_bpf filters found again by name after a restart. */
#ifndef NIS_TC_BPFSYS_H
#define NIS_TC_BPFSYS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/bpf.h>
#include <netlink/netlink.h>

#include "common/err.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_REG(d, s)		INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, k)		INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ADD64_REG(d, s)		INSN(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define ADD64_IMM(d, k)		INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define AND64_IMM(d, k)		INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, k)
#define LSH64_IMM(d, k)		INSN(BPF_ALU64 | BPF_LSH | BPF_K, d, 0, 0, k)
#define RSH64_IMM(d, k)		INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, k)
#define OR64_IMM(d, k)		INSN(BPF_ALU64 | BPF_OR | BPF_K, d, 0, 0, k)
#define XOR64_IMM(d, k)		INSN(BPF_ALU64 | BPF_XOR | BPF_K, d, 0, 0, k)
#define SUB64_REG(d, s)		INSN(BPF_ALU64 | BPF_SUB | BPF_X, d, s, 0, 0)
#define TO_BE16(d)		INSN(BPF_ALU | BPF_END | BPF_TO_BE, d, 0, 0, 16)
#define LDX_MEM(sz, d, s, o)	INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX_MEM(sz, d, s, o)	INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST_MEM(sz, d, o, k)	INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, k)
#define JMP_IMM(op, d, k, o)	INSN(BPF_JMP | (op) | BPF_K, d, 0, o, k)
#define JMP_REG(op, d, s, o)	INSN(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define JMP32_IMM(op, d, k, o)	INSN(BPF_JMP32 | (op) | BPF_K, d, 0, o, k)
#define CALL(fn)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT_INSN()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The 2 or 4 bytes at b (network order) as a BPF_H/BPF_W load of them
 * reads them: the immediate to compare such a load with. */
int32_t tc_bpf_word(const uint8_t *b, int len);

/* Ones'-complement checksum csum (16 bits, as loaded) after a 16-bit word
 * of what it covers changed from old to new (RFC 1624; the words in the
 * same byte order as csum). Clobbers old and tmp. Returns its length. */
int tc_bpf_emit_csum_fix(struct bpf_insn *p, int csum, int old, int new, int tmp);

/* A map fd as a 64-bit immediate: the kernel swaps in the map (two slots). */
int tc_bpf_ld_map_fd(struct bpf_insn *p, int reg, int fd);

/* Points the forward jump at p[from] to p[to]. */
void tc_bpf_jump_to(struct bpf_insn *p, int from, int to);

int tc_bpf_sys(enum bpf_cmd cmd, union bpf_attr *attr);

/* Fills err with "what: strerror" and returns rc, a -errno. */
int tc_bpf_fail(struct nis_err *err, int rc, const char *what);

/* A new map's fd (close-on-exec), or -1 with errno. */
int tc_bpf_map_create(enum bpf_map_type type, uint32_t key_size, uint32_t value_size,
		      uint32_t max_entries, uint32_t flags, const char *name);

/* BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM; -1 with errno on failure. */
int tc_bpf_map_elem(enum bpf_cmd cmd, int fd, const void *key, const void *value,
		    uint64_t flags);

/* Entries 0..n-1 of an array map into vals, calloc'd by the caller, stride
 * bytes each (for a per-CPU array: the value rounded up to 8 bytes, times
 * the possible CPUs): one BPF_MAP_LOOKUP_BATCH (5.6+), or one lookup each
 * where batches are refused. 0 or -errno. */
int tc_bpf_array_read(int fd, uint32_t n, void *vals, size_t stride);

/* Entries first..first+n-1 of an array map set to the one value val (size
 * bytes): one BPF_MAP_UPDATE_BATCH (5.6+), or one update each where
 * batches are refused. 0 or -errno. */
int tc_bpf_array_fill(int fd, uint32_t first, uint32_t n, const void *val, size_t size);

/* Loads a SCHED_CLS program named name; its fd or -errno, with the
 * verifier's last words in err ("cannot load the <what> program: ..."). */
int tc_bpf_prog_load(const struct bpf_insn *insns, int n, const char *name, const char *what,
		     struct nis_err *err);

/* BPF_OBJ_GET_INFO_BY_FD: 0 or -errno. */
int tc_bpf_obj_info(int fd, void *info, uint32_t len);

/* BPF_PROG_GET_FD_BY_ID or BPF_MAP_GET_FD_BY_ID: a new fd or -errno. */
int tc_bpf_fd_by_id(enum bpf_cmd cmd, uint32_t id);

/* Adds (replace: adds or replaces) the direct-action cls_bpf filter named
 * name, handle 1, at (ifindex, parent, prio, protocol). The filter holds
 * the program: prog_fd may be closed afterwards. Returns 0 or -errno. */
int tc_bpf_attach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		  uint16_t protocol, const char *name, int prog_fd, bool replace,
		  struct nis_err *err);

/* Deletes the cls_bpf filter of handle 1 at (ifindex, parent, prio,
 * protocol); 0 also when there is none. */
int tc_bpf_detach(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		  uint16_t protocol, struct nis_err *err);

/* The program of the filter named name at (ifindex, parent, prio), as a new
 * fd; -ENOENT if there is none. */
int tc_bpf_find_prog(struct nl_sock *sk, int ifindex, uint32_t parent, uint16_t prio,
		     const char *name, struct nis_err *err);

/* The first map of prog_fd with this type, value size and max entries (and
 * name, unless NULL), as a new fd (its id in *map_id unless NULL); -ENOENT
 * if it has none. */
int tc_bpf_prog_map(int prog_fd, enum bpf_map_type type, uint32_t value_size,
		    uint32_t max_entries, const char *name, uint32_t *map_id, struct nis_err *err);

#endif
