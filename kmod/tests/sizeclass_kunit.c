// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: size classes (common/sizeclass).  The cases are shared with the
 * host test of libarenalloc: common/tests/sizeclass_cases.h.
 */
#include <kunit/test.h>
#include <linux/mm.h>

#include "internal.h"

/* The table the module built at load matches its knobs and this kernel. */
static void sc_module_table_matches_knobs(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, arenalloc_sc.lg_page, PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, arenalloc_sc.large_max,
			1UL << arenalloc_knob_get(&arenalloc_knob_lg_chunk));
	KUNIT_EXPECT_EQ(test, arenalloc_sc.nsmall, ASC_NSMALL(PAGE_SHIFT));
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
