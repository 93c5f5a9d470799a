/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by arenalloc's KUnit suites. */
#ifndef _ARENALLOC_KUNIT_HELPERS_H
#define _ARENALLOC_KUNIT_HELPERS_H

#include "internal.h"

/*
 * Live small regions and large allocations over the automatic arenas,
 * objects in per-CPU caches included.  Nothing else allocates from
 * arenalloc while the suites run, so after aa_tcache_flush_all() and with
 * everything freed this is exactly 0.
 */
static inline unsigned long aa_test_auto_live(void)
{
	struct aa_arena_stats st;
	unsigned long live = 0;
	unsigned int i;

	for (i = 0; i < aa_narenas_auto; i++) {
		aa_arena_stats_get(aa_arenas[i], &st);
		live += st.small_regs + st.large_live;
	}
	return live;
}

#endif /* _ARENALLOC_KUNIT_HELPERS_H */
