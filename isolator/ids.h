/* ids.h - a small id allocator (u32 node ids, container slots): 1..4095,
 * lowest free first. */
#ifndef NIS_ISOLATOR_IDS_H
#define NIS_ISOLATOR_IDS_H

#include <stdbool.h>
#include <stdint.h>

#define ISO_IDS_MAX 4095

struct iso_ids {
	uint64_t used[(ISO_IDS_MAX + 1) / 64];
};

/* Lowest free id >= min, or 0 when none is left. */
uint32_t iso_ids_take(struct iso_ids *ids, uint32_t min);
/* Marks id used; false if it already was (or is out of range). */
bool iso_ids_reserve(struct iso_ids *ids, uint32_t id);
void iso_ids_put(struct iso_ids *ids, uint32_t id);

#endif
