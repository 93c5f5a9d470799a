// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the decay curve and backlog (common/decay).  The cases are shared
 * with the host test of libarenalloc: common/tests/decay_cases.h.
 */
#include <kunit/test.h>

#include "internal.h"

#define AC_CASE(name)		static void name(struct kunit *test)
#define AC_ASSERT(cond, fmt, ...) KUNIT_ASSERT_TRUE_MSG(test, cond, fmt, ##__VA_ARGS__)
#define AC_CASE_TYPE		struct kunit_case
#define AC_CASE_ENTRY(name)	KUNIT_CASE(name)
#define AC_EXTRA_CASES

#include "../../common/tests/decay_cases.h"

static struct kunit_suite arenalloc_decay_suite = {
	.name = "arenalloc_decay",
	.test_cases = ac_decay_cases,
};

kunit_test_suite(arenalloc_decay_suite);
