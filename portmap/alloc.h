/* alloc.h - the ephemeral port allocator: the ephemeral_ports pool cut into
 * aligned blocks of one size, one block per container. */
#ifndef NIS_PORTMAP_ALLOC_H
#define NIS_PORTMAP_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "portmap/ranges.h"

struct pm_alloc;

/* Carves aligned blocks of block_size from each range of pool (the start of
 * each range rounded up to block_size, a partial tail dropped). block_size
 * must be a power of two, >= 16 and <= pm_set_count(pool); at least one whole
 * block must fit. -EINVAL (message names the value) or -ENOMEM. The pool is
 * copied, not kept. */
int pm_alloc_new(const struct pm_set *pool, uint32_t block_size,
		 struct pm_alloc **out, struct nis_err *err);
/* NULL-safe. */
void pm_alloc_free(struct pm_alloc *a);
/* Takes the lowest free block (a released block is reused first if lowest).
 * -ENOSPC "no free ephemeral port block (all N in use)". */
int pm_alloc_take(struct pm_alloc *a, struct pm_range *out, struct nis_err *err);
/* Marks a given block as taken (recovery after restart). -EINVAL when block
 * is not exactly one block of this pool, -EEXIST when it is already taken. */
int pm_alloc_reserve(struct pm_alloc *a, struct pm_range block, struct nis_err *err);
/* -EINVAL when block is not a block of this pool, -ENOENT when it is not
 * allocated. */
int pm_alloc_release(struct pm_alloc *a, struct pm_range block, struct nis_err *err);
/* Total blocks, free blocks, ports per block. */
size_t pm_alloc_capacity(const struct pm_alloc *a);
size_t pm_alloc_available(const struct pm_alloc *a);
uint32_t pm_alloc_block_size(const struct pm_alloc *a);

#endif
