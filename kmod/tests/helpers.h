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

/*
 * Pages arenalloc holds, read after emptying the per-CPU caches.  Their
 * periodic GC gives cached objects back (and with them, maybe, whole
 * chunks) at any moment; with the caches empty it has nothing to give, so
 * the count then moves only with what the case does, as long as the case
 * itself leaves the automatic arenas' caches alone.
 */
static inline unsigned long aa_test_quiet_pages_held(void)
{
	aa_tcache_flush_all();
	return arenalloc_pages_held(NUMA_NO_NODE);
}

#endif /* _ARENALLOC_KUNIT_HELPERS_H */
