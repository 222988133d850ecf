/* ids.c - bitmap id allocator. */
#include "isolator/ids.h"

uint32_t iso_ids_take(struct iso_ids *ids, uint32_t min)
{
	for (uint32_t id = min ? min : 1; id <= ISO_IDS_MAX; id++)
		if (iso_ids_reserve(ids, id))
			return id;
	return 0;
}

bool iso_ids_reserve(struct iso_ids *ids, uint32_t id)
{
	uint64_t bit = 1ull << (id % 64);

	if (id == 0 || id > ISO_IDS_MAX || (ids->used[id / 64] & bit))
		return false;
	ids->used[id / 64] |= bit;
	return true;
}

void iso_ids_put(struct iso_ids *ids, uint32_t id)
{
	if (id && id <= ISO_IDS_MAX)
		ids->used[id / 64] &= ~(1ull << (id % 64));
}
