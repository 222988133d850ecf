/* blocks.c - aligned power-of-two decomposition of port ranges. A u32 filter
 * matches (port & mask) == value, which is exactly one aligned block, so each
 * range costs as many filters as it has blocks: keep that number minimal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "portmap/blocks.h"

int pm_range_blocks(uint32_t begin, uint32_t end, struct pm_block *out, size_t max)
{
	struct pm_block tmp[PM_RANGE_BLOCKS_MAX];
	uint32_t cur = begin;
	size_t n = 0;

	if (begin > end || end > PM_PORT_MAX)
		return -EINVAL;
	/* Greedy from the left: the largest block aligned at cur that fits is
	 * always part of some minimal cover, since any smaller first block
	 * would only split it. */
	while (cur <= end) {
		/* Lowest set bit = largest alignment of cur; 0 is aligned to all. */
		uint32_t size = cur ? (cur & -cur) : 0x10000u;

		while (cur + size - 1 > end)
			size >>= 1;
		tmp[n].port = (uint16_t)cur;
		tmp[n].size = size;
		n++;
		cur += size;
	}
	if (n > max)
		return -ENOSPC;
	if (!out)
		return -EINVAL;
	memcpy(out, tmp, n * sizeof(*tmp));
	return (int)n;
}

int pm_set_blocks(const struct pm_set *s, struct pm_block **out, size_t *n)
{
	struct pm_block tmp[PM_RANGE_BLOCKS_MAX], *blocks;
	size_t total = 0, pos = 0, i;
	int rc;

	/* Two passes: count, then fill an exactly-sized array. */
	for (i = 0; i < s->n; i++) {
		rc = pm_range_blocks(s->r[i].begin, s->r[i].end, tmp, PM_RANGE_BLOCKS_MAX);
		if (rc < 0)
			return rc;
		total += (size_t)rc;
	}
	if (!total) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	blocks = calloc(total, sizeof(*blocks));
	if (!blocks)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		rc = pm_range_blocks(s->r[i].begin, s->r[i].end, blocks + pos,
				     total - pos);
		pos += (size_t)rc;
	}
	*out = blocks;
	*n = total;
	return 0;
}
