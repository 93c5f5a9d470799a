// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: size classes (common/sizeclass).  The cases are shared with the
 * host test of libarenalloc: common/tests/sizeclass_cases.h.
 */
#include <kunit/test.h>
#include <linux/mm.h>

#include "internal.h"

/*
 * The module's slabs are widened (asc_table_widen()): each holds
 * ASC_SLAB_MIN_REGS regions, or as many whole multiples of its fewest
 * pages as fit in a chunk; none wastes a byte or spans more than a chunk.
 */
static void sc_module_slabs_hold_eight_regions(struct kunit *test)
{
	unsigned int chunk_pages = 1U << (arenalloc_sc.lg_max - PAGE_SHIFT), i;
	struct asc_table base;

	KUNIT_ASSERT_EQ(test, asc_table_init(&base, PAGE_SHIFT, arenalloc_sc.lg_max), 0);
	for (i = 0; i < arenalloc_sc.nsmall; i++) {
		const struct asc_slab *b = &base.slab[i], *w = &arenalloc_sc.slab[i];

		KUNIT_EXPECT_EQ_MSG(test, (size_t)w->pages << PAGE_SHIFT,
				    w->nregs * asc_index2size(i), "class %u", i);
		KUNIT_EXPECT_EQ_MSG(test, w->pages % b->pages, 0, "class %u", i);
		KUNIT_EXPECT_LE_MSG(test, w->pages, chunk_pages, "class %u", i);
		KUNIT_EXPECT_TRUE_MSG(test, w->nregs >= ASC_SLAB_MIN_REGS ||
				      w->pages + b->pages > chunk_pages,
				      "class %u (%zu bytes): %u regions in %u pages", i,
				      asc_index2size(i), w->nregs, w->pages);
	}
}

/* The table the module built at load matches its knobs and this kernel; its slabs too. */
static void sc_module_table_matches_knobs(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, arenalloc_sc.lg_page, PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, arenalloc_sc.large_max,
			1UL << arenalloc_knob_get(&arenalloc_knob_lg_chunk));
	KUNIT_EXPECT_EQ(test, arenalloc_sc.nsmall, ASC_NSMALL(PAGE_SHIFT));
	sc_module_slabs_hold_eight_regions(test);
}

#define AC_CASE(name)		static void name(struct kunit *test)
#define AC_ASSERT(cond, fmt, ...) KUNIT_ASSERT_TRUE_MSG(test, cond, fmt, ##__VA_ARGS__)
#define AC_CASE_TYPE		struct kunit_case
#define AC_CASE_ENTRY(name)	KUNIT_CASE(name)
#define AC_EXTRA_CASES		KUNIT_CASE(sc_module_table_matches_knobs),

#include "../../common/tests/sizeclass_cases.h"

static struct kunit_suite arenalloc_sizeclass_suite = {
	.name = "arenalloc_sizeclass",
	.test_cases = ac_sizeclass_cases,
};

kunit_test_suite(arenalloc_sizeclass_suite);
