/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Slab region bitmaps, shared by arenalloc.ko and libarenalloc.
 *
 * A slab of a small class holds nregs regions; its bitmap has one bit per
 * region, set while the region is free.  Taking the lowest free region
 * keeps a slab's live objects packed at its start, so lightly used slabs
 * empty out and can be given back.  A free that finds its bit already set
 * is a double free, caught here at no extra cost.
 *
 * No locking: the owner of the slab (the arena lock) serialises.
 */
#ifndef _ARENALLOC_COMMON_SLAB_H
#define _ARENALLOC_COMMON_SLAB_H

#include "compat.h"

#define ACS_WORD_BITS		(8 * sizeof(unsigned long))
#define ACS_WORDS(nregs)	(((nregs) + ACS_WORD_BITS - 1) / ACS_WORD_BITS)

/* Mark regions [0, @nregs) free and the unused tail bits of the last word busy. */
static inline void acs_init(unsigned long *map, unsigned int nregs)
{
	unsigned int i, n = ACS_WORDS(nregs);

	for (i = 0; i < n; i++)
		map[i] = ~0UL;
	if (nregs % ACS_WORD_BITS)
		map[n - 1] = (1UL << (nregs % ACS_WORD_BITS)) - 1;
}

/* Take the lowest free region; returns it, or -1 when the slab is full. */
static inline int acs_take(unsigned long *map, unsigned int nregs)
{
	unsigned int i, n = ACS_WORDS(nregs);

	for (i = 0; i < n; i++) {
		if (map[i]) {
			unsigned int bit = (unsigned int)__builtin_ctzl(map[i]);

			map[i] &= map[i] - 1;
			return (int)(i * ACS_WORD_BITS + bit);
		}
	}
	return -1;
}

/* Give region @idx back; returns false (and changes nothing) if it was free. */
static inline bool acs_put(unsigned long *map, unsigned int idx)
{
	unsigned long bit = 1UL << (idx % ACS_WORD_BITS);
	unsigned long *w = &map[idx / ACS_WORD_BITS];

	if (*w & bit)
		return false;
	*w |= bit;
	return true;
}

static inline bool acs_is_free(const unsigned long *map, unsigned int idx)
{
	return map[idx / ACS_WORD_BITS] & (1UL << (idx % ACS_WORD_BITS));
}

#endif /* _ARENALLOC_COMMON_SLAB_H */
