/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by arenalloc's KUnit suites. */
#ifndef _ARENALLOC_KUNIT_HELPERS_H
#define _ARENALLOC_KUNIT_HELPERS_H

#include <kunit/resource.h>
#include <kunit/test.h>

#include "internal.h"

/*
 * Counts misuse reports (report.c) for the rest of the case instead of
 * letting them WARN; returns the counter.
 */
static inline int *aa_test_track_errors(struct kunit *test)
{
	struct kunit_resource *res = kunit_kzalloc(test, sizeof(*res), GFP_KERNEL);
	int *count = kunit_kzalloc(test, sizeof(*count), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, res);
	KUNIT_ASSERT_NOT_NULL(test, count);
	ret = kunit_add_named_resource(test, NULL, NULL, res, "arenalloc_errors", count);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return count;
}

/*
 * Live small regions, large and huge allocations over the automatic
 * arenas, retired ones not yet freed included, objects in per-CPU caches
 * too.  Nothing else allocates from arenalloc while the suites run, so
 * after aa_tcache_flush_all() and with everything freed this is exactly 0.
 */
static inline unsigned long aa_test_auto_live(void)
{
	struct aa_arena_stats st;
	unsigned long live = 0;
	unsigned int i;

	mutex_lock(&aa_arenas_lock);
	for (i = 0; i < AA_PRIVATE_FIRST; i++) {
		if (!aa_arenas[i])
			continue;
		aa_arena_stats_get(aa_arenas[i], &st);
		live += st.small_regs + st.large_live + !!st.huge_pages;
	}
	mutex_unlock(&aa_arenas_lock);
	return live;
}

/*
 * Pages the page layer holds on @nid (NUMA_NO_NODE: all nodes), quiet:
 * the per-CPU caches are emptied first (their periodic GC would give
 * cached objects, and with them maybe whole chunks, back at any moment),
 * then everything dirty and retained is given back (the decay works,
 * kmod/decay.c, would do so in the background).  A case that compares the
 * count before and after its work then sees its own pages only, as long
 * as it leaves the automatic arenas' caches alone.
 */
static inline unsigned long aa_test_pages_held(int nid)
{
	aa_tcache_flush_all();
	aa_decay_run(aa_decay_now(), ULONG_MAX, true);
	return arenalloc_pages_held(nid);
}

#endif /* _ARENALLOC_KUNIT_HELPERS_H */
