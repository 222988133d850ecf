/* alloc.c - the ephemeral port block allocator. The pool is cut once into
 * aligned slots of block_size ports; a bitmap says which slots are taken, and
 * the lowest free slot is always handed out so that allocation is
 * deterministic and a freed block is reused. */
#include <errno.h>
#include <stdlib.h>

#include "portmap/alloc.h"

struct pm_alloc {
	uint32_t block_size;
	size_t nslots;
	size_t used;
	uint32_t *slot_begin;	/* ascending: slot i covers slot_begin[i] + 0..size-1 */
	uint64_t *taken;	/* one bit per slot */
};

/* Number of whole aligned blocks in [begin,end]; 64-bit so rounding up near
 * UINT32_MAX cannot wrap. */
static uint64_t range_slots(struct pm_range r, uint32_t size)
{
	uint64_t start = ((uint64_t)r.begin + size - 1) & ~((uint64_t)size - 1);

	if (start + size - 1 > r.end)
		return 0;
	return ((uint64_t)r.end + 1 - start) / size;
}

int pm_alloc_new(const struct pm_set *pool, uint32_t block_size,
		 struct pm_alloc **out, struct nis_err *err)
{
	uint64_t count = pm_set_count(pool), nslots = 0;
	struct pm_alloc *a;
	size_t i, k = 0;
	char buf[96];

	if (!block_size || (block_size & (block_size - 1)))
		return nis_err_set(err, -EINVAL,
				   "invalid ephemeral port block size %u: not a power of two",
				   block_size);
	if (block_size < 16)
		return nis_err_set(err, -EINVAL,
				   "invalid ephemeral port block size %u: must be at least 16",
				   block_size);
	if (block_size > count)
		return nis_err_set(err, -EINVAL,
				   "invalid ephemeral port block size %u: greater than the %llu ports of the ephemeral pool",
				   block_size, (unsigned long long)count);
	for (i = 0; i < pool->n; i++)
		nslots += range_slots(pool->r[i], block_size);
	if (!nslots) {
		/* A truncated pool text is still a useful quote. */
		pm_set_format(pool, buf, sizeof(buf));
		return nis_err_set(err, -EINVAL,
				   "no aligned block of %u ports fits in the ephemeral ports %s",
				   block_size, buf);
	}
	if (nslots > SIZE_MAX / sizeof(uint32_t))
		return nis_err_set(err, -ENOMEM, "ephemeral port pool too large");

	a = calloc(1, sizeof(*a));
	if (!a)
		goto nomem;
	a->block_size = block_size;
	a->nslots = (size_t)nslots;
	a->slot_begin = malloc(a->nslots * sizeof(*a->slot_begin));
	a->taken = calloc((a->nslots + 63) / 64, sizeof(*a->taken));
	if (!a->slot_begin || !a->taken)
		goto nomem;
	for (i = 0; i < pool->n; i++) {
		uint64_t start = ((uint64_t)pool->r[i].begin + block_size - 1) &
				 ~((uint64_t)block_size - 1);
		uint64_t m = range_slots(pool->r[i], block_size);

		for (; m; m--, start += block_size)
			a->slot_begin[k++] = (uint32_t)start;
	}
	*out = a;
	return 0;
nomem:
	pm_alloc_free(a);
	return nis_err_set(err, -ENOMEM, "out of memory for the ephemeral port allocator");
}

void pm_alloc_free(struct pm_alloc *a)
{
	if (!a)
		return;
	free(a->slot_begin);
	free(a->taken);
	free(a);
}

static bool slot_taken(const struct pm_alloc *a, size_t i)
{
	return a->taken[i / 64] & (1ull << (i % 64));
}

static struct pm_range slot_range(const struct pm_alloc *a, size_t i)
{
	struct pm_range r = { a->slot_begin[i], a->slot_begin[i] + a->block_size - 1 };

	return r;
}

int pm_alloc_take(struct pm_alloc *a, struct pm_range *out, struct nis_err *err)
{
	size_t w, nwords = (a->nslots + 63) / 64;

	for (w = 0; w < nwords; w++) {
		size_t i;

		if (a->taken[w] == ~0ull)
			continue;
		i = w * 64 + (size_t)__builtin_ctzll(~a->taken[w]);
		/* Bits past nslots in the last word are never set: stop there. */
		if (i >= a->nslots)
			break;
		a->taken[w] |= 1ull << (i % 64);
		a->used++;
		*out = slot_range(a, i);
		return 0;
	}
	return nis_err_set(err, -ENOSPC,
			   "no free ephemeral port block (all %zu in use)", a->nslots);
}

/* Slot index of block, or -EINVAL when it is not exactly one slot. */
static int find_slot(const struct pm_alloc *a, struct pm_range block, size_t *slot,
		     struct nis_err *err)
{
	size_t lo = 0, hi = a->nslots;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->slot_begin[mid] < block.begin)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= a->nslots || a->slot_begin[lo] != block.begin ||
	    (uint64_t)block.end != (uint64_t)block.begin + a->block_size - 1)
		return nis_err_set(err, -EINVAL,
				   "'%u-%u' is not an ephemeral port block of this pool (blocks are %u aligned ports)",
				   block.begin, block.end, a->block_size);
	*slot = lo;
	return 0;
}

int pm_alloc_reserve(struct pm_alloc *a, struct pm_range block, struct nis_err *err)
{
	size_t i = 0;	/* set by find_slot(); the compiler cannot tell */
	int rc;

	rc = find_slot(a, block, &i, err);
	if (rc)
		return rc;
	if (slot_taken(a, i))
		return nis_err_set(err, -EEXIST,
				   "ephemeral port block '%u-%u' is already in use",
				   block.begin, block.end);
	a->taken[i / 64] |= 1ull << (i % 64);
	a->used++;
	return 0;
}

int pm_alloc_release(struct pm_alloc *a, struct pm_range block, struct nis_err *err)
{
	size_t i = 0;	/* set by find_slot(); the compiler cannot tell */
	int rc;

	rc = find_slot(a, block, &i, err);
	if (rc)
		return rc;
	if (!slot_taken(a, i))
		return nis_err_set(err, -ENOENT,
				   "ephemeral port block '%u-%u' is not allocated",
				   block.begin, block.end);
	a->taken[i / 64] &= ~(1ull << (i % 64));
	a->used--;
	return 0;
}

size_t pm_alloc_capacity(const struct pm_alloc *a)
{
	return a->nslots;
}

size_t pm_alloc_available(const struct pm_alloc *a)
{
	return a->nslots - a->used;
}

uint32_t pm_alloc_block_size(const struct pm_alloc *a)
{
	return a->block_size;
}
