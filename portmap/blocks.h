/* blocks.h - cutting port ranges into aligned power-of-two blocks, so that
 * each block is one u32 value/mask match on a 16-bit port field. */
#ifndef NIS_PORTMAP_BLOCKS_H
#define NIS_PORTMAP_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "portmap/ranges.h"

/* Enough for any range within 0..65535 (the worst case needs 30). */
#define PM_RANGE_BLOCKS_MAX 32

/* size is a power of two (1..65536) and port % size == 0. */
struct pm_block {
	uint16_t port;
	uint32_t size;
};

/* The mask to match a 16-bit port against b.port: 0xfff8 for size 8,
 * 0 for the whole port space (size 65536). */
static inline uint16_t pm_block_mask(struct pm_block b)
{
	return (uint16_t)(0x10000u - b.size);
}

/* Minimal-count decomposition of [begin,end] (both <= 65535) into aligned
 * blocks, ascending. Returns the number of blocks written, -EINVAL when
 * begin > end or end > 65535, -ENOSPC when max is too small (out untouched).
 * PM_RANGE_BLOCKS_MAX always suffices. */
int pm_range_blocks(uint32_t begin, uint32_t end, struct pm_block *out, size_t max);

/* The blocks of every range of s, ascending. Allocates *out (caller frees;
 * NULL when s is empty) and sets *n. 0, -EINVAL (a port above 65535) or
 * -ENOMEM; on error *out and *n are untouched. */
int pm_set_blocks(const struct pm_set *s, struct pm_block **out, size_t *n);

#endif
