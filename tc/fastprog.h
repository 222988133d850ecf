/* fastprog.h - the fast path's program (fastpath.h says what it does),
 * for fastpath.c, which loads it. */
#ifndef NIS_TC_FASTPROG_H
#define NIS_TC_FASTPROG_H

#include <netinet/in.h>

#include "tc/fastpath.h"

#define TC_FAST_INSNS_MAX 420	/* more than tc_fast_emit writes */

struct bpf_insn;
struct tc_guard;

/* Emits the program over f's maps for packets to host, classing sources
 * by trie_fd (-1: class 0); with g (its owners array, -1 echo map: no echo
 * branches) and frags (the later fragments' LRU map) the ICMP and fragment
 * branches. Returns the number of instructions. */
int tc_fast_emit(struct bpf_insn *p, const struct tc_fast *f, int trie_fd, struct in_addr host,
		 const struct tc_guard *g, int frags);

#endif
